/**
 * The migration's poll loop: polls the OMS task until it is final, waits while paused, marks it blocked while the
 * worker's credentials are refused, runs the failed-object rounds, and continues as new when history grows long.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

import type { Activities } from '../activities';
import { pollOptions } from './activity-options';
import type { PollMigrationTaskOutput } from './activity-types';
import { FailureType } from './failure-types';
import type { migrationWorkflow } from './migration';
import { startTask } from './migration-control';
import { recordFailedObjects } from './migration-failed-objects';
import { FINAL_STATUS_PATCH } from './migration-patches';
import { logEvent } from './migration-log';
import { DeadlineReached, mergeSnapshot, tallySnapshot, type MigrationCarriedState } from './migration-state';
import { applySnapshot, flushPendingStatus } from './migration-status';
import type { RegionSlot } from './region-limiter';
import type { NormalizedMigrationRequest } from './request-types';
import { OMS_BLOCKED, OMS_STATUS } from './search-attributes';
import { addCalls } from './shared/calls';
import { nextPollDelayMs } from './shared/polling';
import { TaskStatus, isFinalStatus, statusText, type TaskSnapshot } from './task-status';

/** Runs longer than this many events continue as new at the next safe point (the server suggests ~4k). */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

/** How long a deadline poll may still take after the deadline (its attempts run past it by at most this). */
const DEADLINE_GRACE_MS = 2 * 60_000;

/** True for an activity failure that means the worker's credentials were refused or are not configured. */
function isCredentialsFailure(err: unknown): boolean {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return false;
  const type = err.cause.type;
  return (
    type === FailureType.ApiAuth || type === FailureType.CredentialsMissing || type === FailureType.CredentialsRejected
  );
}

/** Polls (and pauses, resumes, retries failed objects) until the task is final and nothing more is to be done. */
export async function driveToFinal(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  show: () => void,
  slot: RegionSlot,
  v3: boolean,
): Promise<void> {
  for (;;) {
    if (state.paused) {
      const remaining = state.deadline_at - Date.now();
      if (!(await condition(() => !state.paused, Math.max(1, remaining)))) {
        throw new DeadlineReached();
      }
      continue;
    }
    await continueAsNewIfLong(req, state);

    const polled = await pollOnce(req, state, v3);
    if (polled.deadline_reached) {
      if (polled.snapshot) applySnapshot(state, polled.snapshot);
      throw new DeadlineReached();
    }
    if (polled.blocked) {
      if (state.blocked === undefined) {
        log.error('OMS refused the worker credentials: the migration is blocked and retries until they are fixed', {
          taskId: state.task_id,
          reason: polled.blocked.detail,
        });
        state.blocked = polled.blocked.reason;
        upsertSearchAttributes([{ key: OMS_BLOCKED, value: state.blocked }]);
        show();
      }
      continue;
    }
    if (state.blocked !== undefined) {
      log.info('Credentials accepted again: the migration continues', { taskId: state.task_id });
      state.blocked = undefined;
      upsertSearchAttributes([{ key: OMS_BLOCKED, value: null }]);
    }
    const snap = polled.snapshot!;
    const previous = state.snapshot?.status;
    state.snapshot = v3 ? mergeSnapshot(state.snapshot, snap) : snap;
    tallySnapshot(state, snap);
    state.checkpoint = polled.checkpoint;
    state.next_poll_delay_ms = nextPollDelayMs(
      snap.left_time,
      req.orchestration.poll_interval_seconds * 1000,
      req.orchestration.min_poll_interval_seconds * 1000,
    );
    if (snap.status !== previous) {
      logStatusChange(state, previous, snap);
      // v3 runs include the final-status patch (its marker is not written again: two events fewer).
      if (isFinalStatus(snap.status) && (v3 || patched(FINAL_STATUS_PATCH))) {
        state.pending_status = statusText(snap.status);
      } else upsertSearchAttributes([{ key: OMS_STATUS, value: statusText(snap.status) }]);
    }
    state.phase = phaseOf(snap.status, state);
    show();

    if (!isFinalStatus(snap.status)) continue;
    // Paused on request: say so before the slot is given back (a query meanwhile must not read "finalizing").
    const pausedNow = snap.status === TaskStatus.STOPPED && state.pause_requested;
    if (pausedNow) {
      state.paused = true;
      state.phase = 'paused';
      if (state.visibility) state.paused_since = Date.now();
      logEvent(
        'migration.paused',
        `Paused: OMS task ${state.task_id} is stopped`,
        workflowInfo().workflowId,
        state.task_id,
      );
      show();
    }
    await slot.release();
    if (pausedNow) {
      flushPendingStatus(state);
      show();
      continue;
    }
    if (snap.status !== TaskStatus.STOPPED) await recordFailedObjects(req, state);
    if (snap.status !== TaskStatus.STOPPED && shouldRetryFailedObjects(req, state, snap)) {
      state.failed_before_retry = snap.failed_num ?? 0;
      state.retry_rounds += 1;
      logEvent(
        'migration.retry_round',
        `Retrying ${state.failed_before_retry} failed object(s), round ${state.retry_rounds} of ${req.orchestration.failed_object_retry_rounds}`,
        workflowInfo().workflowId,
        state.task_id,
        { round: state.retry_rounds, failed: state.failed_before_retry },
      );
      state.phase = 'retrying_failed_objects';
      flushPendingStatus(state);
      show();
      let restarted: boolean;
      try {
        restarted = await startTask(req, state, true, slot);
      } catch (err) {
        // A failed-object round is best effort: refused credentials end the rounds, not the migration.
        if (!v3 || !isCredentialsFailure(err)) throw err;
        log.error('Could not start a failed-object retry round: credentials refused', { taskId: state.task_id });
        restarted = false;
      }
      if (restarted) {
        state.checkpoint = 0;
        continue;
      }
    }
    return;
  }
}

/** The `migration.status_changed` line: the OMS status before and after, with the task's counters. */
function logStatusChange(state: MigrationCarriedState, previous: number | undefined, snap: TaskSnapshot): void {
  logEvent(
    'migration.status_changed',
    `OMS task ${snap.id} is ${statusText(snap.status)}`,
    workflowInfo().workflowId,
    state.task_id,
    {
      status: statusText(snap.status),
      statusCode: snap.status,
      ...(previous === undefined ? {} : { previous: statusText(previous) }),
      total: snap.total_num ?? 0,
      succeeded: snap.successful_num ?? 0,
      failed: snap.failed_num ?? 0,
      skipped: snap.skipped_num ?? 0,
      ...(snap.error_reason ? { errorCode: snap.error_reason.error_code } : {}),
    },
  );
}

async function pollOnce(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  v3: boolean,
): Promise<PollMigrationTaskOutput> {
  const opts = req.orchestration;
  const remaining = state.deadline_at - Date.now();
  const intervalMs = opts.poll_interval_seconds * 1000;
  // v3: the activity itself returns at the deadline (one last poll there); the timeout is only a backstop, late
  // enough that no backoff can make the server end the poll before the deadline.
  const grace = Math.max(DEADLINE_GRACE_MS, 2 * intervalMs);
  const { pollMigrationTask } = proxyActivities<Activities>({
    ...pollOptions(intervalMs, v3 ? Math.max(0, remaining) + grace : remaining),
    ...(state.visibility ? { summary: pollSummary(state.task_id!, opts.poll_interval_seconds, state.blocked) } : {}),
  });
  const polled = await pollMigrationTask({
    task_id: state.task_id!,
    api_profile: opts.api_profile,
    known_status: state.snapshot?.status,
    known_checkpoint: state.checkpoint,
    poll_interval_ms: intervalMs,
    min_poll_interval_ms: opts.min_poll_interval_seconds * 1000,
    first_poll_delay_ms: state.next_poll_delay_ms ?? 0,
    ...(v3 ? { deadline_at: state.deadline_at } : {}),
    ...(state.blocked ? { blocked: 'credentials' as const } : {}),
  });
  state.calls = addCalls(state.calls, polled.calls);
  return polled;
}

/**
 * The poll activity's summary in the UI, which shows it as a pending activity with many attempts: each attempt is
 * one look at the task, and "not changed yet" is how it waits for the next.
 */
export function pollSummary(taskId: number, intervalSeconds: number, blocked: string | undefined): string {
  const what = `Polling OMS task ${taskId} every ${intervalSeconds} s`;
  return blocked ? `${what} (blocked: ${blocked}; retrying until fixed)` : `${what} (a retry means "not changed yet")`;
}

function phaseOf(status: number, state: MigrationCarriedState): MigrationCarriedState['phase'] {
  if (status === TaskStatus.WAITING) return 'waiting';
  if (status === TaskStatus.EXECUTING || status === TaskStatus.RETRYING) {
    return state.retry_rounds > 0 ? 'retrying_failed_objects' : 'running';
  }
  if (status === TaskStatus.PAUSING) return state.pause_requested ? 'pausing' : 'running';
  if (status === TaskStatus.STOPPED && state.pause_requested) return 'paused';
  return 'finalizing';
}

/** Another failed-object round is due while rounds remain and the previous round made progress. */
function shouldRetryFailedObjects(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  snap: TaskSnapshot,
): boolean {
  const failed = snap.failed_num ?? 0;
  if (failed === 0 || state.retry_rounds >= req.orchestration.failed_object_retry_rounds) return false;
  return state.failed_before_retry === undefined || failed < state.failed_before_retry;
}

async function continueAsNewIfLong(req: NormalizedMigrationRequest, state: MigrationCarriedState): Promise<void> {
  const info = workflowInfo();
  if (!info.continueAsNewSuggested && info.historyLength < CONTINUE_AS_NEW_AFTER_EVENTS) return;
  await condition(allHandlersFinished);
  await continueAsNew<typeof migrationWorkflow>(req, state);
}
