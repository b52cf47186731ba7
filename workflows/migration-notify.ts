/**
 * The completion webhook at the end of a migration (docs/notifications.md): once the outcome is final — succeeded,
 * completed with failures, failed, stopped, cancelled or out of time — one `notifyMigrationEnd` activity delivers
 * the report summary, and the delivery is recorded in the report (the result, the failure's details and the
 * `report` memo). A delivery that fails is recorded, never raised: the migration's outcome stands.
 *
 * Only a migration with a webhook to call writes anything: the request's `notification`, or the worker's default
 * webhook, which `prepareMigration` reports (`notify_default`); other migrations keep the history they had (which
 * stays within its documented bound of events). Guarded by `COMPLETION_NOTIFY_PATCH` (recorded when a request with
 * `notification` selects its validation rules, or here): histories without the marker replay without the activity.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  isCancellation,
  patched,
  proxyActivities,
  upsertMemo,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';

import type { Activities } from '../activities';
import { REPORT_MEMO_KEY } from './definitions';
import type { MigrationEndOutcome } from './metrics';
import type { MigrationCarriedState } from './migration-state';
import { COMPLETION_NOTIFY_PATCH, CORE_PROMISES_PATCH } from './migration-patches';
import type { NotifyMigrationEndInput } from './notify-types';
import type { MigrationReport, NotificationDelivery } from './report-types';
import type { MigrationRequest } from './request-types';

/**
 * Attempts of one delivery. With the backoff below (1 s doubling, at most 60 s apart) eight attempts span about two
 * minutes of receiver outage, plus each attempt's own timeout; a receiver down for longer misses the event (and the
 * report says so), rather than holding the migration open.
 */
export const NOTIFY_MAX_ATTEMPTS = 8;

/**
 * Options of the delivery activity: bounded by {@link NOTIFY_MAX_ATTEMPTS}; 30 s per attempt is above the worker's
 * HTTP timeout (`OMS_NOTIFY_TIMEOUT_SECONDS`, at most 25 s). Final answers (4xx but 408/429) are returned by the
 * activity, not thrown, so no failure type needs to be listed as non-retryable.
 */
export const NOTIFY_CALL: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', maximumAttempts: NOTIFY_MAX_ATTEMPTS },
};

const notifier = proxyActivities<Activities>(NOTIFY_CALL);

/**
 * After a migration returned its report: delivers the webhook (when the run is patched for it) and returns the
 * report with the delivery recorded.
 */
export async function notifySucceeded(
  request: MigrationRequest,
  state: MigrationCarriedState | undefined,
  report: MigrationReport,
): Promise<MigrationReport> {
  const delivery = await deliver(request, state, report.outcome, report, undefined);
  return delivery ? { ...report, notification: delivery } : report;
}

/**
 * After a migration failed or was cancelled (`end` as `migrationEndOf` gives it): delivers the webhook (when the run
 * is patched for it) and records the delivery in the report the failure carries and in the `report` memo. The
 * caller then rethrows `err` unchanged.
 */
export async function notifyFailed(
  request: MigrationRequest,
  state: MigrationCarriedState | undefined,
  end: { outcome: MigrationEndOutcome; report?: MigrationReport },
  err: unknown,
): Promise<void> {
  // A plain Error is a bug: the workflow task fails and retries, so the migration has not ended.
  if (!(err instanceof TemporalFailure) && !isCancellation(err)) return;
  const delivery = await deliver(request, state, end.outcome, end.report, failureOf(err));
  if (!delivery || !end.report) return;
  // The failure's details hold this same object, so the delivery reaches the failure the workflow ends with.
  end.report.notification = delivery;
  upsertMemo({ [REPORT_MEMO_KEY]: end.report });
}

/** Whether the request names a completion webhook (decides, with the worker's default, whether one is called). */
export function hasNotification(request: MigrationRequest): boolean {
  return typeof request === 'object' && request !== null && request.notification !== undefined;
}

async function deliver(
  request: MigrationRequest,
  state: MigrationCarriedState | undefined,
  outcome: MigrationEndOutcome,
  report: MigrationReport | undefined,
  failure: NotifyMigrationEndInput['failure'],
): Promise<NotificationDelivery | undefined> {
  // Decided from recorded data only: the input, and the worker's answer to prepareMigration.
  if (!hasNotification(request) && state?.notify_default !== true) return undefined;
  // Runs from before the core-promises patch keep their old ending; the notify patch gates the activity itself.
  if (!patched(CORE_PROMISES_PATCH) || !patched(COMPLETION_NOTIFY_PATCH)) return undefined;
  const info = workflowInfo();
  const input: NotifyMigrationEndInput = {
    migration_id: info.workflowId,
    run_id: info.runId,
    outcome,
    max_attempts: NOTIFY_MAX_ATTEMPTS,
    ...(request.notification ? { notification: request.notification } : {}),
    ...(report ? { report } : {}),
    ...(failure ? { failure } : {}),
  };
  // A cancelled migration still reports its end: the delivery runs outside the cancelled scope.
  return CancellationScope.nonCancellable(async () => {
    try {
      const out = await notifier.notifyMigrationEnd(input);
      return out.configured ? out.delivery : undefined;
    } catch (err) {
      // Only an attempt that timed out on the last try gets here (other failures come back as results).
      return {
        delivered: false,
        source: request.notification ? 'request' : 'worker',
        attempts: NOTIFY_MAX_ATTEMPTS,
        error: err instanceof ActivityFailure ? `delivery activity failed (${err.retryState})` : 'delivery failed',
      } satisfies NotificationDelivery;
    }
  });
}

/** The failure a migration ends with, as the webhook body carries it (type and message; both secret-free). */
function failureOf(err: unknown): NotifyMigrationEndInput['failure'] {
  if (isCancellation(err)) return { type: 'Cancelled', message: 'The migration was cancelled' };
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    return { ...(err.cause.type ? { type: err.cause.type } : {}), message: err.cause.message };
  }
  if (err instanceof ApplicationFailure) return { ...(err.type ? { type: err.type } : {}), message: err.message };
  if (err instanceof Error) return { message: err.message };
  return { message: 'The migration failed' };
}
