/**
 * The workflow-side metrics of the orchestrator: their definitions and the functions the workflows call to record
 * them, through the SDK's workflow `metricMeter`. Recording is replay-safe and produces no command: the SDK skips
 * it while a workflow replays and hands values to the worker through a sink, so a metric call never changes a
 * workflow's history (no patch needed). The worker exports them on its Prometheus endpoint (`WORKER_METRICS_BIND`)
 * with the labels the SDK adds (`namespace`, `taskQueue`, `workflowType`).
 *
 * Values are recorded when the workflow code runs, not replays: a workflow task that is retried after a worker
 * crash may record its values again (at least once). The activity-side metrics are in `activities/metrics.ts`.
 */
import { ApplicationFailure, ContinueAsNew, isCancellation, metricMeter, workflowInfo } from '@temporalio/workflow';

import { REPORT_MEMO_KEY } from './definitions';
import { FailureType } from './failure-types';
import type { MigrationOutcome, MigrationReport } from './report-types';

/** One metric: Prometheus name, kind, help text, label names and (histograms) bucket bounds. */
export interface MetricDefinition {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  help: string;
  labels: readonly string[];
  buckets?: readonly number[];
}

/** The workflow-side metrics. */
export const WORKFLOW_METRICS = {
  migrationsStarted: {
    name: 'oms_migrations_started_total',
    kind: 'counter',
    help: 'Migrations started (a valid request; runs continued as new are not counted again)',
    labels: [],
  },
  migrationsEnded: {
    name: 'oms_migrations_ended_total',
    kind: 'counter',
    help: 'Migrations ended, by outcome: succeeded, completed_with_failures, failed, stopped, cancelled, deadline',
    labels: ['outcome'],
  },
  migratedObjects: {
    name: 'oms_migrated_objects_total',
    kind: 'counter',
    help: 'Objects migrated (successful_num of each ended migration report)',
    labels: [],
  },
  failedObjects: {
    name: 'oms_failed_objects_total',
    kind: 'counter',
    help: 'Objects that failed (failed_num of each ended migration report, after its retry rounds)',
    labels: [],
  },
  skippedObjects: {
    name: 'oms_skipped_objects_total',
    kind: 'counter',
    help: 'Objects skipped (skipped_num of each ended migration report)',
    labels: [],
  },
  migratedBytes: {
    name: 'oms_migrated_bytes_total',
    kind: 'counter',
    help: 'Bytes migrated (complete_size of each ended migration report)',
    labels: [],
  },
  transferredBytes: {
    name: 'oms_transferred_bytes_total',
    kind: 'counter',
    help: 'Bytes actually transferred, skipped objects excluded (real_size of each ended migration report)',
    labels: [],
  },
  limiterWaits: {
    name: 'oms_region_limiter_waits_total',
    kind: 'counter',
    help: 'Waits of a migration for a region limiter slot, by region and result (granted, deadline, aborted)',
    labels: ['region', 'result'],
  },
  limiterWaitDuration: {
    name: 'oms_region_limiter_wait_seconds',
    kind: 'histogram',
    help: 'How long a migration waited for a region limiter slot (workflow time), by region and result',
    labels: ['region', 'result'],
    buckets: [0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600, 86400],
  },
  limiterQueueLength: {
    name: 'oms_region_limiter_queue_length',
    kind: 'gauge',
    help: 'Requests waiting in the region limiter for a slot, by region',
    labels: ['region'],
  },
  limiterSlotsHeld: {
    name: 'oms_region_limiter_slots_held',
    kind: 'gauge',
    help: 'Region limiter slots held (tasks this orchestrator has waiting or running in OMS), by region',
    labels: ['region'],
  },
} as const satisfies Record<string, MetricDefinition>;

/** How a migration ended, as the metrics label it: the report's outcomes, and `deadline` (as `OmsOutcome`). */
export type MigrationEndOutcome = MigrationOutcome | 'deadline';

/** Counts a migration start. Call once per migration, after its request is validated, in its first run. */
export function recordMigrationStarted(): void {
  const { migrationsStarted: m } = WORKFLOW_METRICS;
  metricMeter.createCounter(m.name, undefined, m.help).add(1);
}

/** Counts a migration's end and adds its report's objects and bytes (when it has a report). */
export function recordMigrationEnded(outcome: MigrationEndOutcome, report: MigrationReport | undefined): void {
  const m = WORKFLOW_METRICS;
  metricMeter.createCounter(m.migrationsEnded.name, undefined, m.migrationsEnded.help).add(1, { outcome });
  if (!report) return;
  const add = (def: { name: string; help: string }, value: number): void =>
    metricMeter.createCounter(def.name, undefined, def.help).add(count(value));
  add(m.migratedObjects, report.successful_num);
  add(m.failedObjects, report.failed_num);
  add(m.skippedObjects, report.skipped_num);
  add(m.migratedBytes, report.complete_size);
  add(m.transferredBytes, report.real_size);
}

/**
 * The end a migration's failure stands for, with the report it carries (failure details, else the `report` memo);
 * undefined when the failure ends nothing: continue-as-new, or an invalid request (never started).
 */
export function migrationEndOf(err: unknown): { outcome: MigrationEndOutcome; report?: MigrationReport } | undefined {
  if (err instanceof ContinueAsNew) return undefined;
  const failure = err instanceof ApplicationFailure ? err : undefined;
  if (failure?.type === FailureType.InvalidMigrationInput) return undefined;
  const outcome: MigrationEndOutcome = isCancellation(err)
    ? 'cancelled'
    : failure?.type === FailureType.MigrationStopped
      ? 'stopped'
      : failure?.type === FailureType.DeadlineExceeded
        ? 'deadline'
        : 'failed';
  const report = asReport(failure?.details?.[0]) ?? asReport(workflowInfo().memo?.[REPORT_MEMO_KEY]);
  return report ? { outcome, report } : { outcome };
}

/** Records one wait for a region limiter slot (`waitedMs` in workflow time). */
export function recordLimiterWait(region: string, result: 'granted' | 'deadline' | 'aborted', waitedMs: number): void {
  const { limiterWaits, limiterWaitDuration } = WORKFLOW_METRICS;
  metricMeter.createCounter(limiterWaits.name, undefined, limiterWaits.help).add(1, { region, result });
  metricMeter
    .createHistogram(limiterWaitDuration.name, 'float', undefined, limiterWaitDuration.help)
    .record(Math.max(0, waitedMs) / 1000, { region, result });
}

/** Sets the region limiter's queue length and held slots (called by the limiter whenever it has re-planned). */
export function recordLimiterState(region: string, queued: number, held: number): void {
  const { limiterQueueLength, limiterSlotsHeld } = WORKFLOW_METRICS;
  metricMeter.createGauge(limiterQueueLength.name, 'int', undefined, limiterQueueLength.help).set(queued, { region });
  metricMeter.createGauge(limiterSlotsHeld.name, 'int', undefined, limiterSlotsHeld.help).set(held, { region });
}

function count(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

function asReport(x: unknown): MigrationReport | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as Partial<MigrationReport>;
  return typeof r.migration_id === 'string' && typeof r.outcome === 'string' ? (x as MigrationReport) : undefined;
}
