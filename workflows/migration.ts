/**
 * The migration workflow: one OMS task from creation to a final status, durably.
 *
 *   validate → prepare (credentials + IAM token, kept on the worker) → create exactly once → poll until final
 *   [→ retry failed objects] [→ delete] → report
 *
 * It survives worker and server restarts (all state is in history), waits without holding a worker slot (polling
 * is an activity whose retries are the poll cadence), writes a constant number of history events whatever the
 * duration, and reacts to pause / resume / bandwidth updates and to cancellation (which stops the OMS task unless
 * the request says detach).
 *
 * This module runs the steps in order; each lives in its own module: creating the task (migration-create.ts), the
 * poll loop (migration-poll.ts), queries and updates (migration-control.ts), and the end — outcome, early exits,
 * report (migration-end.ts). Patch ids: migration-patches.ts.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  TimeoutFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

import { REPORT_MEMO_KEY, itemSlotWaitSignal } from './definitions';
import { FailureType } from './failure-types';
import { invalidInputFailure } from './invalid-input';
import { migrationEndOf, recordMigrationEnded, recordMigrationStarted } from './metrics';
import { setMigrationHandlers } from './migration-control';
import { CreateDeadlineReached, createTask, reconcileAfterSettling } from './migration-create';
import { buildReport, exitEarly, finish, stopOnExit } from './migration-end';
import { hasNotification, notifyFailed, notifySucceeded } from './migration-notify';
import { logEnded, logEvent } from './migration-log';
import { COMPLETION_NOTIFY_PATCH, CORE_PROMISES_PATCH, OPERATOR_VISIBILITY_PATCH } from './migration-patches';
import { driveToFinal } from './migration-poll';
import { DeadlineReached, type MigrationCarriedState } from './migration-state';
import { flushPendingStatus } from './migration-status';
import type { SlotQueued } from './limiter-types';
import { regionSlot } from './region-limiter';
import { OMS_WAITING_FOR_SLOT } from './search-attributes';
import type { MigrationProgress, MigrationReport } from './report-types';
import type { MigrationRequest, NormalizedMigrationRequest } from './request-types';
import { renderDetails } from './shared/details';
import { emptyCalls } from './shared/calls';
import { MIGRATION_RULE_SETS, selectRules } from './shared/rule-sets';
import { applyDefaults, validateMigrationRequest } from './shared/validate-request';

export type { MigrationCarriedState } from './migration-state';

/**
 * Migrates one OMS task. Input: the OMS CreateTask body with credential profile names instead of keys (see
 * `MigrationRequest`). Result: a `MigrationReport`. Fails with `InvalidMigrationInput` (before any OMS call),
 * `MigrationFailed` (status 4; details carry the report), `MigrationStopped` (stopped outside the orchestrator),
 * `DeadlineExceeded` (details carry the report), or an API failure type. A cancelled migration ends cancelled,
 * with its report in the `report` memo.
 */
export async function migrationWorkflow(
  request: MigrationRequest,
  carried?: MigrationCarriedState,
): Promise<MigrationReport> {
  // Metrics produce no commands and are skipped on replay: this wrapper leaves every history as it was.
  // The completion webhook runs once the outcome is final (migration-notify.ts, patch-guarded); `run.state` tells
  // it whether the worker has a default webhook. The `migration.ended` log line likewise (the workflow logger writes
  // nothing on replay).
  const run: { state?: MigrationCarriedState } = {};
  try {
    const report = await runMigration(request, carried, run);
    recordMigrationEnded(report.outcome, report);
    logEnded(workflowInfo().workflowId, report.outcome, report);
    return await notifySucceeded(request, run.state, report);
  } catch (err) {
    const end = migrationEndOf(err);
    if (end) {
      recordMigrationEnded(end.outcome, end.report);
      logEnded(workflowInfo().workflowId, end.outcome, end.report);
      await notifyFailed(request, run.state, end, err);
    }
    throw err;
  }
}

/** The migration itself (see {@link migrationWorkflow}). */
async function runMigration(
  request: MigrationRequest,
  carried: MigrationCarriedState | undefined,
  run: { state?: MigrationCarriedState },
): Promise<MigrationReport> {
  const v3 = patched(CORE_PROMISES_PATCH);
  // Operator visibility (issue 13) builds on v3; a run recorded without v3 writes no marker for it.
  const vis = v3 && patched(OPERATOR_VISIBILITY_PATCH);
  // Validation is frozen per migration (shared/rule-sets.ts): the first run validates under the rule set its patch
  // markers select, so a rule set added later never refuses, on replay, a request the run accepted. A run carried
  // over by continue-as-new gets the request its first run validated and normalized; it only re-applies the
  // (idempotent) defaults, since validating it again, under whatever set, could only fail a running migration.
  let req: NormalizedMigrationRequest;
  if (carried) {
    req = applyDefaults(request);
  } else {
    // The notify patch's rule set (v3) differs from v2 only for a request with `notification`: other requests do
    // not write its marker here (a history without a webhook to call stays as it was).
    const isPatched = (id: string): boolean =>
      id === COMPLETION_NOTIFY_PATCH && !hasNotification(request) ? false : patched(id);
    const validation = validateMigrationRequest(request, { rules: selectRules(MIGRATION_RULE_SETS, isPatched) });
    if (!validation.ok) {
      throw invalidInputFailure('migration request', validation.errors);
    }
    req = validation.request;
  }
  const opts = req.orchestration;
  const migrationId = workflowInfo().workflowId;
  if (!carried) {
    recordMigrationStarted();
    logEvent('migration.started', 'Migration started', migrationId, undefined, {
      taskType: req.task_type,
      region: req.dst_node.region,
    });
  }
  const state: MigrationCarriedState = carried ?? {
    phase: 'validating',
    checkpoint: 0,
    paused: false,
    pause_requested: false,
    retry_rounds: 0,
    calls: emptyCalls(),
    started_at: new Date().toISOString(),
    deadline_at: Date.now() + opts.deadline_seconds * 1000,
  };
  run.state = state;
  state.visibility = vis;

  // The region slot's queue callback (below) and the message handlers show progress through these.
  function progress(): MigrationProgress {
    const q = state.limiter?.queued;
    return {
      migration_id: migrationId,
      phase: state.phase,
      task_id: state.task_id,
      snapshot: state.snapshot,
      paused: state.paused,
      ...(state.blocked ? { blocked: state.blocked } : {}),
      ...(q ? { waiting_for_slot: waitingForSlot(q) } : {}),
      updated_at: new Date().toISOString(),
    };
  }
  function show(): void {
    const creationQuota = state.limiter?.queued?.blocked_by === 'creation_quota';
    setCurrentDetails(renderDetails(req, progress(), new Date(), { creationQuota }));
  }
  /** The region `OmsWaitingForSlot` says, as last written by this run (waits never span a continue-as-new). */
  let waitingAttribute: string | null = null;
  function onQueueChange(queued: SlotQueued | undefined): void {
    if (queued && state.phase === 'creating') state.phase = 'waiting_for_slot';
    if (!queued && state.phase === 'waiting_for_slot') state.phase = 'creating';
    const region = queued?.region ?? null;
    if (region !== waitingAttribute) {
      upsertSearchAttributes([{ key: OMS_WAITING_FOR_SLOT, value: region }]);
      waitingAttribute = region;
      tellParent(queued !== undefined);
      if (queued) {
        logEvent('migration.waiting_for_slot', `Waiting for a ${queued.region} slot`, migrationId, state.task_id, {
          region: queued.region,
          position: queued.position,
          running: queued.running,
          limit: queued.limit,
        });
      } else if (state.limiter?.held) {
        logEvent('migration.slot_granted', 'Region slot granted', migrationId, state.task_id);
      } else {
        logEvent('migration.slot_withdrawn', 'Stopped waiting for a region slot', migrationId, state.task_id);
      }
    }
    show();
  }
  // Region limiter: a slot is held from CreateTask/StartTask until the task is final or the workflow ends.
  const slot = regionSlot(req, state, v3, vis ? { onQueueChange } : undefined);

  // --- Queries and updates ---
  setMigrationHandlers(request, req, state, slot, v3, progress, show);

  try {
    if (state.task_id === undefined) {
      await createTask(req, state, migrationId, slot, v3, show);
      show();
    }
    if (v3) await reconcileAfterSettling(req, state);
    await driveToFinal(req, state, show, slot, v3);
    await slot.release();
    // Once the task is final, the outcome is decided: a late cancellation must not lose the report.
    return await CancellationScope.nonCancellable(() => finish(req, state, migrationId, show, v3, slot));
  } catch (err) {
    flushPendingStatus(state);
    if (isCancellation(err)) {
      if (v3) return await exitEarly(req, state, migrationId, show, slot, 'cancelled', err);
      await stopOnExit(req, state, 'cancelled');
      await slot.release();
      throw err;
    }
    // Only the poll's timeout is the migration deadline (its schedule-to-close is the time left); another
    // activity timing out means its own retry budget ran out, and that failure propagates as it is.
    // When the next poll would fall past the schedule-to-close time, the server closes the activity with the last
    // attempt's failure (usually TaskPending) and retry state TIMEOUT; a TimeoutFailure comes only when the
    // expiry hits a running attempt. Both mean the deadline (with v3 only after it: see pollOnce, migration-poll.ts).
    const pollTimedOut =
      err instanceof ActivityFailure &&
      err.activityType === 'pollMigrationTask' &&
      (err.cause instanceof TimeoutFailure || err.retryState === 'TIMEOUT');
    if (err instanceof DeadlineReached || err instanceof CreateDeadlineReached || pollTimedOut) {
      if (v3) return await exitEarly(req, state, migrationId, show, slot, 'deadline', err);
      await stopOnExit(req, state, 'deadline');
      await slot.release();
      throw ApplicationFailure.create({
        type: FailureType.DeadlineExceeded,
        message: `Migration did not reach a final status within ${opts.deadline_seconds} s`,
        nonRetryable: true,
        details: [buildReport(req, state, migrationId, 'failed')],
      });
    }
    if (!(err instanceof ContinueAsNew)) {
      await slot.release();
      // An activity failure with a task (e.g. TaskNotFound): the task's last known state stays readable (the
      // `report` memo); the migration's own failures (MigrationFailed, …) carry their report already.
      if (v3 && state.task_id !== undefined && err instanceof ActivityFailure) {
        state.phase = 'done';
        upsertMemo({ [REPORT_MEMO_KEY]: buildReport(req, state, migrationId, 'failed') });
      }
    }
    throw err;
  }
}

/**
 * A batch item tells its batch when it starts or stops waiting for a slot (the batch counts those apart from
 * running items). Best effort: a batch that has ended or cannot be signalled changes nothing for the item.
 */
function tellParent(waiting: boolean): void {
  const { parent, workflowId } = workflowInfo();
  if (!parent) return;
  getExternalWorkflowHandle(parent.workflowId)
    .signal(itemSlotWaitSignal, { workflow_id: workflowId, waiting })
    .catch((err: unknown) => log.warn('Could not tell the batch about the slot wait', { error: String(err) }));
}

/** The progress query's view of the limiter's word. */
function waitingForSlot(q: SlotQueued): NonNullable<MigrationProgress['waiting_for_slot']> {
  return {
    region: q.region,
    position: q.position,
    waiting: q.waiting,
    running: q.running,
    limit: q.limit,
    holders: q.holders,
  };
}
