/**
 * The worker's Prometheus exporter (`WORKER_METRICS_BIND`): the Temporal runtime's own metrics (task slots, poll
 * results, latencies: `temporal_*`) and the orchestrator's (`oms_*`, defined in `activities/metrics.ts` and
 * `workflows/metrics.ts`) are served together on `http://<bind>/metrics`.
 */
import type { MetricsExporterConfig } from '@temporalio/worker';

import { ACTIVITY_METRICS } from '../activities/metrics';
import { WORKFLOW_METRICS, type MetricDefinition } from '../workflows/metrics';

/** Every metric the orchestrator defines, activity side then workflow side. */
export const ORCHESTRATOR_METRICS: readonly MetricDefinition[] = [
  ...Object.values(ACTIVITY_METRICS),
  ...Object.values(WORKFLOW_METRICS),
];

/**
 * The runtime's metrics options for a Prometheus endpoint on `bindAddress` (`IP:port`). Durations in seconds and
 * names without unit or `_total` suffixes added by the exporter (ours carry them already); the orchestrator's
 * histograms get their own buckets (the exporter's defaults suit millisecond latencies only).
 */
export function prometheusMetrics(bindAddress: string): MetricsExporterConfig {
  const histogramBucketOverrides: Record<string, number[]> = {};
  for (const m of ORCHESTRATOR_METRICS) if (m.buckets) histogramBucketOverrides[m.name] = [...m.buckets];
  return {
    prometheus: {
      bindAddress,
      useSecondsForDurations: true,
      countersTotalSuffix: false,
      unitSuffix: false,
      histogramBucketOverrides,
    },
  };
}
