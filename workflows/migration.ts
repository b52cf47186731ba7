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
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';

import type { createActivities } from '../activities';
import { API_CALL, CLEANUP_CALL, pollOptions } from './activity-options';
import type {
  ActivityCallCounts,
  CreateMigrationTaskInput,
  CreateMigrationTaskOutput,
  PollMigrationTaskOutput,
  StopMigrationTaskOutput,
} from './activity-types';
import { limiterSlotQuery, pauseUpdate, progressQuery, resumeUpdate, setBandwidthUpdate } from './definitions';
import { FailureType } from './failure-types';
import { renderDetails } from './internal/details';
import { nextPollDelayMs } from './internal/polling';
import { addCalls, emptyCalls } from './internal/calls';
import { validateMigrationRequest, formatIssues } from './internal/validate-request';
import { migrationEndOf, recordMigrationEnded, recordMigrationStarted } from './metrics';
import {
  CreateDeadlineReached,
  MAX_LOOKUP_ROUNDS,
  createOnce,
  idempotencyKey,
  lookupIncomplete,
  reconcile,
} from './migration-create';
import { mergeSnapshot, type MigrationCarriedState } from './migration-state';
import { regionSlot, type RegionSlot } from './region-limiter';
import {
  bucketSearchAttributesAllowed,
  OMS_BLOCKED,
  OMS_DST_BUCKET,
  OMS_OUTCOME,
  OMS_SRC_BUCKET,
  OMS_STATUS,
  OMS_TASK_ID,
  OMS_TASK_TYPE,
} from './search-attributes';
import {
  TaskStatus,
  isFinalStatus,
  statusText,
  type BandwidthWindow,
  type MigrationOutcome,
  type MigrationProgress,
  type MigrationReport,
  type MigrationRequest,
  type NormalizedMigrationRequest,
  type TaskSnapshot,
} from './types';

type Activities = ReturnType<typeof createActivities>;

const api = proxyActivities<Activities>(API_CALL);
const cleanup = proxyActivities<Activities>(CLEANUP_CALL);

/** Runs longer than this many events continue as new at the next safe point (the server suggests ~4k). */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

export type { MigrationCarriedState } from './migration-state';

/** Patch: the final OMS status is upserted with the outcome, not on its own (histories before it replay as before). */
export const FINAL_STATUS_PATCH = 'oms-final-status-with-outcome';

/**
 * Patch: the core promises under faults — exactly one live task after late creates and resets (reconciliation,
 * look-up after a reset), credentials outages that block instead of failing, a deadline that is never early,
 * the task's real final state on every exit, one resume at a time. Decided once per run, at its start, so a run
 * recorded before it replays the old way throughout. It includes the earlier patches ({@link FINAL_STATUS_PATCH},
 * the limiter's), whose markers a v3 run does not write again.
 */
export const CORE_PROMISES_PATCH = 'oms-core-promises-v3';

/** How long a deadline poll may still take after the deadline (its attempts run past it by at most this). */
const DEADLINE_GRACE_MS = 2 * 60_000;

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
  try {
    const report = await runMigration(request, carried);
    recordMigrationEnded(report.outcome, report);
    return report;
  } catch (err) {
    const end = migrationEndOf(err);
    if (end) recordMigrationEnded(end.outcome, end.report);
    throw err;
  }
}

/** The migration itself (see {@link migrationWorkflow}). */
async function runMigration(request: MigrationRequest, carried?: MigrationCarriedState): Promise<MigrationReport> {
  const v3 = patched(CORE_PROMISES_PATCH);
  // Rules as they were when the run validated its request: a run from before v3, or one carried over by
  // continue-as-new (validated by its first run), keeps the first rule set.
  const validation = validateMigrationRequest(request, { rules: v3 && !carried ? 'v2' : 'v1' });
  if (!validation.ok) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidMigrationInput,
      message: `Invalid migration request:\n${formatIssues(validation.errors)}`,
      nonRetryable: true,
      details: [validation.errors],
    });
  }
  const req = validation.request;
  if (!carried) recordMigrationStarted();
  const opts = req.orchestration;
  const migrationId = workflowInfo().workflowId;
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
  // Region limiter: a slot is held from CreateTask/StartTask until the task is final or the workflow ends.
  const slot = regionSlot(request, state, v3);
  /** True while a resume update runs (a second one is refused: two would each ask for a slot). */
  let resuming = false;

  const progress = (): MigrationProgress => ({
    migration_id: migrationId,
    phase: state.phase,
    task_id: state.task_id,
    snapshot: state.snapshot,
    paused: state.paused,
    ...(state.blocked ? { blocked: state.blocked } : {}),
    updated_at: new Date().toISOString(),
  });
  const show = (): void => setCurrentDetails(renderDetails(req, progress()));

  // --- Queries and updates ---
  setHandler(progressQuery, progress);
  setHandler(limiterSlotQuery, () => slot.current());
  setHandler(
    pauseUpdate,
    async () => {
      const before = state.pause_requested;
      state.pause_requested = true;
      try {
        const stopped = await api.stopMigrationTask({ task_id: state.task_id!, api_profile: opts.api_profile });
        state.calls = addCalls(state.calls, stopped.calls);
        if (!stopped.changed) {
          throw ApplicationFailure.create({
            type: FailureType.InvalidRequest,
            nonRetryable: true,
            message: 'OMS refused to pause: the task is not migrating (OMS.0066); try again once it runs',
          });
        }
        if (v3) {
          state.phase = 'pausing';
          if (stopped.snapshot) applySnapshot(state, stopped.snapshot);
        }
      } catch (err) {
        state.pause_requested = before;
        throw err;
      }
      show();
      return progress();
    },
    {
      validator: () => {
        requireRunningTask(state, 'pause');
        if (state.pause_requested) throw new Error('the migration is already pausing');
      },
    },
  );
  setHandler(
    resumeUpdate,
    async () => {
      resuming = true;
      try {
        if (!(await startTask(req, state, false, slot))) {
          throw ApplicationFailure.create({
            type: FailureType.InvalidRequest,
            nonRetryable: true,
            message: 'OMS refused to restart the task (OMS.0070: it has completed); it stays paused',
          });
        }
      } finally {
        resuming = false;
      }
      state.paused = false;
      state.pause_requested = false;
      state.phase = 'running';
      show();
      return progress();
    },
    {
      validator: () => {
        if (!state.paused) throw new Error('the migration is not paused');
        if (resuming) throw new Error('a resume is already in progress (it may be waiting for a region slot)');
      },
    },
  );
  setHandler(
    setBandwidthUpdate,
    async (policies: BandwidthWindow[]) => {
      const updated = await api.updateBandwidthPolicy({
        task_id: state.task_id!,
        api_profile: opts.api_profile,
        bandwidth_policy: policies,
      });
      state.calls = addCalls(state.calls, updated.calls);
      return progress();
    },
    {
      validator: (policies: BandwidthWindow[]) => {
        requireRunningTask(state, 'change the bandwidth of');
        const check = validateMigrationRequest({ ...request, bandwidth_policy: policies });
        const issues = check.ok ? [] : check.errors.filter((e) => e.field.startsWith('bandwidth_policy'));
        if (issues.length > 0) throw new Error(formatIssues(issues));
      },
    },
  );

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
    // expiry hits a running attempt. Both mean the deadline (with v3 only after it: see pollOnce).
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
        upsertMemo({ report: buildReport(req, state, migrationId, 'failed') });
      }
    }
    throw err;
  }
}

/** The migration's own deadline passed while it waited (paused) without an activity to time out. */
class DeadlineReached extends Error {}

/** Validator helper for updates that need a live OMS task. */
function requireRunningTask(state: MigrationCarriedState, action: string): void {
  if (state.task_id === undefined) throw new Error(`cannot ${action} the migration: the OMS task does not exist yet`);
  if (state.phase === 'done' || state.phase === 'finalizing') {
    throw new Error(`cannot ${action} the migration: it has finished`);
  }
  if (state.paused) throw new Error(`cannot ${action} the migration: it is paused`);
}

/** True for an activity failure that means the worker's credentials were refused or are not configured. */
function isCredentialsFailure(err: unknown): boolean {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return false;
  const type = err.cause.type;
  return (
    type === FailureType.ApiAuth || type === FailureType.CredentialsMissing || type === FailureType.CredentialsRejected
  );
}

/** Takes a fresh snapshot (never showing less progress than before) and writes a changed status to `OmsStatus`. */
function applySnapshot(state: MigrationCarriedState, fresh: TaskSnapshot): void {
  const previous = state.snapshot?.status;
  state.snapshot = mergeSnapshot(state.snapshot, fresh);
  if (fresh.status !== previous) upsertSearchAttributes([{ key: OMS_STATUS, value: statusText(fresh.status) }]);
}

async function createTask(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  id: string,
  slot: RegionSlot,
  v3: boolean,
  show: () => void,
): Promise<void> {
  state.phase = 'creating';
  const profiles = [
    req.src_node.credential_profile,
    req.dst_node.credential_profile,
    req.source_cdn?.credential_profile,
  ];
  const prepared = await api.prepareMigration({
    api_profile: req.orchestration.api_profile,
    profiles: profiles.filter((p): p is string => typeof p === 'string'),
  });
  state.calls = addCalls(state.calls, prepared.calls);
  // Region limiter: wait (durably) for a running slot and room in the creation quota.
  if (!(await slot.acquire(true, state.deadline_at))) throw new DeadlineReached();
  const created = v3 ? await createOnce(req, state, show) : await createBeforeV3(req, state, id);
  state.calls = addCalls(state.calls, created.calls);
  state.task_id = created.task_id;
  state.task_name = created.task_name;
  state.phase = 'waiting';
  if (created.reattached)
    log.info('Re-attached to the OMS task an earlier attempt created', { taskId: created.task_id });
  const pairs: SearchAttributeUpdatePair[] = [
    { key: OMS_TASK_ID, value: created.task_id },
    { key: OMS_STATUS, value: statusText(TaskStatus.WAITING) },
    { key: OMS_TASK_TYPE, value: req.task_type },
  ];
  // Bucket names only where the starter allows them (a memo from the start event, so replay decides the same). The
  // upsert command is the same either way; only its content differs, which replay does not compare.
  if (bucketSearchAttributesAllowed(workflowInfo().memo)) {
    pairs.push({ key: OMS_DST_BUCKET, value: req.dst_node.bucket });
    if (req.src_node.bucket) pairs.push({ key: OMS_SRC_BUCKET, value: req.src_node.bucket });
  }
  upsertSearchAttributes(pairs);
}

/** The create as runs recorded before {@link CORE_PROMISES_PATCH} made it (kept for their replay). */
async function createBeforeV3(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  id: string,
): Promise<CreateMigrationTaskOutput> {
  // Not cancellable: a create cancelled mid-flight could still land at OMS, orphaning a running task.
  const { createMigrationTask } = proxyActivities<Activities>({
    ...API_CALL,
    scheduleToCloseTimeout: Math.max(10 * 60_000, state.deadline_at - Date.now()),
  });
  let lookup: CreateMigrationTaskInput['lookup'];
  for (let round = 1; ; round++) {
    try {
      return await CancellationScope.nonCancellable(() =>
        createMigrationTask({
          migration_id: id,
          idempotency_key: idempotencyKey(),
          request: req,
          ...(lookup ? { lookup } : {}),
        }),
      );
    } catch (err) {
      const resume = lookupIncomplete(err);
      if (resume === undefined || round >= MAX_LOOKUP_ROUNDS) throw err;
      state.calls = addCalls(state.calls, resume.calls);
      lookup = { resume_offset: resume.resume_offset };
    }
  }
}

/**
 * After an uncertain create, waits out the settle window (a late request has had time to land), then removes any
 * other task with the marker before polling.
 */
async function reconcileAfterSettling(req: NormalizedMigrationRequest, state: MigrationCarriedState): Promise<void> {
  const dueAt = state.reconcile?.due_at;
  if (dueAt === undefined || dueAt === null) return;
  const wait = Math.min(dueAt, state.deadline_at) - Date.now();
  if (wait > 0) await sleep(wait);
  await reconcile(req, state, state.task_id);
  state.reconcile = { due_at: null };
}

/** Polls (and pauses, resumes, retries failed objects) until the task is final and nothing more is to be done. */
async function driveToFinal(
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
    state.checkpoint = polled.checkpoint;
    state.next_poll_delay_ms = nextPollDelayMs(
      snap.left_time,
      req.orchestration.poll_interval_seconds * 1000,
      req.orchestration.min_poll_interval_seconds * 1000,
    );
    if (snap.status !== previous) {
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
      show();
    }
    await slot.release();
    if (pausedNow) {
      flushPendingStatus(state);
      show();
      continue;
    }
    if (snap.status !== TaskStatus.STOPPED && shouldRetryFailedObjects(req, state, snap)) {
      state.failed_before_retry = snap.failed_num ?? 0;
      state.retry_rounds += 1;
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
  const { pollMigrationTask } = proxyActivities<Activities>(
    pollOptions(intervalMs, v3 ? Math.max(0, remaining) + grace : remaining),
  );
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

/** StartTask with credentials resolved on the worker. Returns false if OMS says the task cannot be restarted. */
async function startTask(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  failedOnly: boolean,
  slot: RegionSlot,
): Promise<boolean> {
  if (!(await slot.acquire(false, state.deadline_at))) {
    if (failedOnly) throw new DeadlineReached();
    throw ApplicationFailure.create({
      type: FailureType.DeadlineExceeded,
      nonRetryable: true,
      message: 'The migration deadline passed (or it ended) while waiting for an OMS slot to resume',
    });
  }
  const started = await api.startMigrationTask({
    task_id: state.task_id!,
    api_profile: req.orchestration.api_profile,
    src_profile: req.src_node.credential_profile,
    dst_profile: req.dst_node.credential_profile,
    cdn_profile: req.source_cdn?.credential_profile,
    migrate_failed_object: failedOnly,
  });
  state.calls = addCalls(state.calls, started.calls);
  if (!started.changed) await slot.release();
  else state.next_poll_delay_ms = undefined; // a (re)started task: look at once
  return started.changed;
}

async function continueAsNewIfLong(req: NormalizedMigrationRequest, state: MigrationCarriedState): Promise<void> {
  const info = workflowInfo();
  if (!info.continueAsNewSuggested && info.historyLength < CONTINUE_AS_NEW_AFTER_EVENTS) return;
  await condition(allHandlersFinished);
  await continueAsNew<typeof migrationWorkflow>(req, state);
}

/** Final bookkeeping and the outcome: a report, or a typed failure that carries it. */
async function finish(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  id: string,
  show: () => void,
  v3: boolean,
  slot: RegionSlot,
): Promise<MigrationReport> {
  const snap = state.snapshot!;
  state.phase = 'finalizing';
  if (v3) {
    // An update still waiting for a region slot has nothing left to resume.
    slot.abortWaits();
    // A create that landed late (after the settle-window check) is caught here, before the report.
    if (state.reconcile) await reconcile(req, state, state.task_id);
  }
  const outcome: MigrationOutcome =
    snap.status === TaskStatus.FAILED
      ? 'failed'
      : snap.status === TaskStatus.STOPPED
        ? 'stopped'
        : (snap.failed_num ?? 0) > 0
          ? 'completed_with_failures'
          : 'succeeded';
  if (outcome === 'succeeded' && req.orchestration.delete_task_on_success) {
    try {
      const deleted = await api.deleteMigrationTask({
        task_id: state.task_id!,
        api_profile: req.orchestration.api_profile,
      });
      state.calls = addCalls(state.calls, deleted.calls);
    } catch (err) {
      // The migration itself succeeded; a task left in the OMS console is not worth failing it over.
      log.warn('Could not delete the finished OMS task', { taskId: state.task_id, error: String(err) });
    }
  }
  state.phase = 'done';
  upsertSearchAttributes([...takePendingStatus(state), { key: OMS_OUTCOME, value: outcome }]);
  show();
  await condition(allHandlersFinished);
  const report = buildReport(req, state, id, outcome);
  if (outcome === 'failed') {
    const reason = snap.error_reason
      ? `${snap.error_reason.error_code}: ${snap.error_reason.error_msg}`
      : 'no reason given';
    throw ApplicationFailure.create({
      type: FailureType.MigrationFailed,
      message: `OMS task ${state.task_id} failed (${reason}); ${report.failed_num} object(s) failed`,
      nonRetryable: true,
      details: [report],
    });
  }
  if (outcome === 'stopped') {
    throw ApplicationFailure.create({
      type: FailureType.MigrationStopped,
      message: `OMS task ${state.task_id} was stopped outside the orchestrator`,
      nonRetryable: true,
      details: [report],
    });
  }
  return report;
}

/**
 * Ends a migration that is cancelled or out of time: halts the task (unless detach) and reads its real state,
 * removes duplicates, writes the real status, outcome and report (search attributes, details, `report` memo), then
 * ends cancelled or with `DeadlineExceeded`. A task that had already reached a final status of its own decides the
 * outcome instead: the migration ends as that status says (a cancellation or deadline that came too late to matter).
 */
async function exitEarly(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  id: string,
  show: () => void,
  slot: RegionSlot,
  why: 'cancelled' | 'deadline',
  cause: unknown,
): Promise<MigrationReport> {
  return CancellationScope.nonCancellable(async () => {
    slot.abortWaits();
    if (state.task_id !== undefined) {
      const halted = await haltOrShow(req, state);
      if (halted?.already_final && halted.snapshot) {
        state.snapshot = halted.snapshot;
        state.pending_status = statusText(halted.snapshot.status);
        await slot.release();
        return finish(req, state, id, show, true, slot);
      }
      if (halted?.snapshot) state.snapshot = mergeSnapshot(state.snapshot, halted.snapshot);
      if (halted?.deleted) state.task_deleted = true;
      if (state.reconcile) await reconcile(req, state, state.task_id);
    }
    await slot.release();
    state.phase = why === 'cancelled' ? 'cancelled' : 'deadline_exceeded';
    const status = state.task_deleted ? 'DELETED' : state.snapshot ? statusText(state.snapshot.status) : undefined;
    const pairs: SearchAttributeUpdatePair[] = [{ key: OMS_OUTCOME, value: why }];
    if (status !== undefined) pairs.push({ key: OMS_STATUS, value: status });
    if (state.blocked !== undefined) pairs.push({ key: OMS_BLOCKED, value: null });
    upsertSearchAttributes(pairs);
    show();
    const report = buildReport(req, state, id, why === 'cancelled' ? 'cancelled' : 'failed');
    upsertMemo({ report });
    await condition(allHandlersFinished);
    if (why === 'cancelled') throw cause;
    throw ApplicationFailure.create({
      type: FailureType.DeadlineExceeded,
      message: `Migration did not reach a final status within ${req.orchestration.deadline_seconds} s`,
      nonRetryable: true,
      details: [report],
    });
  });
}

/**
 * Halts the task (stop; delete while still waiting) unless the request says detach, in which case it only reads
 * the task. Either way the result carries the task's real state. Undefined when OMS could not be reached.
 */
async function haltOrShow(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
): Promise<StopMigrationTaskOutput | undefined> {
  try {
    if (req.orchestration.on_cancel === 'detach') {
      const shown = await cleanup.showMigrationTask({
        task_id: state.task_id!,
        api_profile: req.orchestration.api_profile,
      });
      state.calls = addCalls(state.calls, shown.calls);
      const final = isFinalStatus(shown.snapshot.status) && shown.snapshot.status !== TaskStatus.STOPPED;
      return {
        changed: false,
        snapshot: shown.snapshot,
        calls: shown.calls,
        ...(final ? { already_final: true } : {}),
      };
    }
    const stopped = await cleanup.stopMigrationTask({
      task_id: state.task_id!,
      api_profile: req.orchestration.api_profile,
      halt: true,
    });
    state.calls = addCalls(state.calls, stopped.calls);
    return stopped;
  } catch (err) {
    log.warn('Could not stop or read the OMS task on exit', { taskId: state.task_id, error: String(err) });
    return undefined;
  }
}

/** The pending final status as a search-attribute update (empty when none), cleared. */
function takePendingStatus(state: MigrationCarriedState): SearchAttributeUpdatePair[] {
  const value = state.pending_status;
  state.pending_status = undefined;
  return value === undefined ? [] : [{ key: OMS_STATUS, value }];
}

/** Writes a pending final status on its own (before an action that may take time, or on an early exit). */
function flushPendingStatus(state: MigrationCarriedState): void {
  const pairs = takePendingStatus(state);
  if (pairs.length > 0) upsertSearchAttributes(pairs);
}

/**
 * On cancellation or deadline, as runs before {@link CORE_PROMISES_PATCH} did it: stop the OMS task (unless
 * detach) in a scope that cannot itself be cancelled.
 */
async function stopOnExit(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  why: 'cancelled' | 'deadline',
): Promise<void> {
  if (state.task_id === undefined || req.orchestration.on_cancel === 'detach') return;
  await CancellationScope.nonCancellable(async () => {
    try {
      const stopped = await cleanup.stopMigrationTask({
        task_id: state.task_id!,
        api_profile: req.orchestration.api_profile,
        halt: true,
      });
      state.calls = addCalls(state.calls, stopped.calls);
      upsertSearchAttributes([{ key: OMS_OUTCOME, value: why }]);
    } catch (err) {
      log.warn('Could not stop the OMS task on exit', { taskId: state.task_id, error: String(err) });
    }
  });
}

function buildReport(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  id: string,
  outcome: MigrationOutcome,
): MigrationReport {
  const s = state.snapshot;
  return {
    migration_id: id,
    task_id: state.task_id ?? null,
    task_name: state.task_name ?? s?.name ?? null,
    task_type: req.task_type,
    outcome,
    status: s?.status ?? null,
    total_num: s?.total_num ?? 0,
    successful_num: s?.successful_num ?? 0,
    failed_num: s?.failed_num ?? 0,
    skipped_num: s?.skipped_num ?? 0,
    total_size: s?.total_size ?? 0,
    complete_size: s?.complete_size ?? 0,
    real_size: s?.real_size ?? 0,
    failed_object_record: s?.failed_object_record ?? null,
    error_reason: s?.error_reason ?? null,
    start_time: s?.start_time ?? 0,
    total_time: s?.total_time ?? 0,
    retry_rounds: state.retry_rounds,
    src_bucket: req.src_node.bucket ?? null,
    dst_bucket: req.dst_node.bucket,
    api_calls: { ...state.calls, oms: omsCalls(state.calls) },
    started_at: state.started_at,
    finished_at: new Date().toISOString(),
    ...(state.duplicates?.length ? { duplicates_removed: state.duplicates } : {}),
    ...(state.task_deleted ? { task_deleted: true } : {}),
  };
}

function omsCalls(c: ActivityCallCounts): number {
  return c.create + c.show + c.list + c.start + c.stop + c.other;
}
