/**
 * The worker-side (non-workflow) metrics of the orchestrator: their definitions and the functions that record them.
 * Values go to the SDK's metric meter of the running activity (`Context.current().metricMeter`), so they appear on
 * the worker's Prometheus endpoint next to the SDK's own metrics (`WORKER_METRICS_BIND`), with the labels the SDK
 * adds (`namespace`, `taskQueue`, `activityType`). Outside an activity, or without an exporter, nothing is recorded.
 *
 * Labels have bounded values only: operation names, result classes, status names — never task ids, buckets or
 * anything secret. The workflow-side metrics are defined in `workflows/metrics.ts`.
 */
import { Context } from '@temporalio/activity';
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';

import type { MetricDefinition } from '../workflows/metrics';
import { TaskStatus, isFinalStatus, statusText, type TaskSnapshot } from '../workflows/task-status';
import { OmsApiError, type OmsErrorCode } from './oms/errors';
import type { RequestEvent } from './oms/http';

/** The activity-side metrics (names, kinds, labels, histogram buckets). */
export const ACTIVITY_METRICS = {
  apiRequests: {
    name: 'oms_api_requests_total',
    kind: 'counter',
    help:
      'HTTP attempts to the OMS and IAM APIs (a 401 refresh is a second attempt), by SDK operation, result (ok, ' +
      'the error class, cancelled) and HTTP status class',
    labels: ['operation', 'result', 'status_class'],
  },
  apiRequestDuration: {
    name: 'oms_api_request_duration_seconds',
    kind: 'histogram',
    help: 'Duration of one HTTP attempt to the OMS or IAM API, body read included',
    labels: ['operation'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25],
  },
  tokenRefreshes: {
    name: 'oms_iam_token_refreshes_total',
    kind: 'counter',
    help: 'IAM token fetches by the worker token cache (first fetch, refresh before expiry, refresh after a 401), by result',
    labels: ['result'],
  },
  statusDetectionDelay: {
    name: 'oms_status_detection_delay_seconds',
    kind: 'histogram',
    help:
      'Time from an OMS status change, as OMS dates it (EXECUTING: start_time; STOPPED, FAILED, SUCCEEDED: ' +
      'start_time + total_time), to the poll that first saw it',
    labels: ['status'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  },
} as const satisfies Record<string, MetricDefinition>;

/** `result` label of an API attempt: `ok`, the error class in lower case, `cancelled`, or `unknown`. */
export type ApiResult = 'ok' | Lowercase<OmsErrorCode> | 'cancelled' | 'unknown';

/** The `result` label of one HTTP attempt. */
export function apiResult(event: Pick<RequestEvent, 'statusCode' | 'errorCode' | 'cancelled'>): ApiResult {
  if (event.cancelled) return 'cancelled';
  if (event.statusCode !== undefined && event.statusCode >= 200 && event.statusCode < 300) return 'ok';
  if (event.errorCode !== undefined) return event.errorCode.toLowerCase() as Lowercase<OmsErrorCode>;
  return 'unknown';
}

/** The `status_class` label: `2xx` … `5xx`, or `none` when no response arrived. */
export function statusClass(statusCode: number | undefined): string {
  if (statusCode === undefined || statusCode < 100 || statusCode > 599) return 'none';
  return `${Math.floor(statusCode / 100)}xx`;
}

/** Request listener for the OMS client and the IAM token fetcher: one count and one duration per HTTP attempt. */
export function recordApiRequest(event: RequestEvent, meter: MetricMeter = activityMeter()): void {
  const { apiRequests, apiRequestDuration } = ACTIVITY_METRICS;
  meter.createCounter(apiRequests.name, undefined, apiRequests.help).add(1, {
    operation: event.operation,
    result: apiResult(event),
    status_class: statusClass(event.statusCode),
  });
  meter
    .createHistogram(apiRequestDuration.name, 'float', undefined, apiRequestDuration.help)
    .record(Math.max(0, event.durationMs) / 1000, { operation: event.operation });
}

/** Counts one IAM token fetch of the token cache by its result; returns (or rethrows) what the fetch gave. */
export async function countTokenRefresh<T>(fetch: Promise<T>, meter: () => MetricMeter = activityMeter): Promise<T> {
  const { tokenRefreshes } = ACTIVITY_METRICS;
  const record = (result: string): void =>
    meter().createCounter(tokenRefreshes.name, undefined, tokenRefreshes.help).add(1, { result });
  try {
    const token = await fetch;
    record('ok');
    return token;
  } catch (err) {
    record(errorResult(err));
    throw err;
  }
}

/**
 * When OMS says the task's current status began (epoch ms), or undefined when its answer does not date it:
 * EXECUTING began at `start_time` (OMS sets it when the task starts running, again on a restart); a final status
 * (STOPPED, FAILED, SUCCEEDED) at `start_time + total_time` (`total_time` stops growing when the task ends). The
 * API has no last-update or end-time field, so WAITING, PAUSING and the other statuses are not dated.
 */
export function statusChangedAt(
  snapshot: Pick<TaskSnapshot, 'status' | 'start_time' | 'total_time'>,
): number | undefined {
  if (!(snapshot.start_time > 0)) return undefined;
  if (snapshot.status === TaskStatus.EXECUTING) return snapshot.start_time;
  if (!isFinalStatus(snapshot.status) || !(snapshot.total_time >= 0)) return undefined;
  return snapshot.start_time + snapshot.total_time;
}

/**
 * Records the detection delay of a status change the poll has just seen: `observedAtMs` (the worker's clock when
 * the ShowTask answer arrived) minus {@link statusChangedAt}. Clock skew between OMS and the worker shifts the value;
 * a negative one is recorded as 0. Returns the recorded delay in seconds (undefined when the status is not dated).
 */
export function recordStatusDetection(
  snapshot: Pick<TaskSnapshot, 'status' | 'start_time' | 'total_time'>,
  observedAtMs: number,
  meter: MetricMeter = activityMeter(),
): number | undefined {
  const changedAt = statusChangedAt(snapshot);
  if (changedAt === undefined) return undefined;
  const delay = Math.max(0, observedAtMs - changedAt) / 1000;
  const { statusDetectionDelay } = ACTIVITY_METRICS;
  meter
    .createHistogram(statusDetectionDelay.name, 'float', undefined, statusDetectionDelay.help)
    .record(delay, { status: statusText(snapshot.status) });
  return delay;
}

/** The running activity's metric meter; the no-op meter outside an activity (unit tests, scripts). */
export function activityMeter(): MetricMeter {
  try {
    return Context.current().metricMeter;
  } catch {
    return noopMetricMeter;
  }
}

function errorResult(err: unknown): string {
  return OmsApiError.is(err) ? err.code.toLowerCase() : 'unknown';
}
