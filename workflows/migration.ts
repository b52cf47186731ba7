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
} from './activity-types';
import { pauseUpdate, progressQuery, resumeUpdate, setBandwidthUpdate } from './definitions';
import { FailureType, type LookupIncompleteDetails } from './failure-types';
import { renderDetails } from './internal/details';
import { nextPollDelayMs } from './internal/polling';
import { addCalls, emptyCalls } from './internal/calls';
import { validateMigrationRequest, formatIssues } from './internal/validate-request';
import { regionSlot, type RegionSlot, type RegionSlotState } from './region-limiter';
import {
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
  type MigrationPhase,
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

/** State carried across continue-as-new. Everything else is derived from the request. */
export interface MigrationCarriedState {
  phase: MigrationPhase;
  task_id?: number;
  task_name?: string;
  snapshot?: TaskSnapshot;
  checkpoint: number;
  paused: boolean;
  pause_requested: boolean;
  retry_rounds: number;
  failed_before_retry?: number;
  calls: ActivityCallCounts;
  started_at: string;
  /** Epoch ms (workflow time) after which the migration gives up. */
  deadline_at: number;
  /** Region-limiter slot (OMS running/creation limits; region-limiter.ts). */
  limiter?: RegionSlotState;
  /**
   * Delay before the next poll's first ShowTask, set when a poll reported a change of a task that is not final:
   * that poll just looked, so the next one waits its cadence instead of looking again at once. Cleared when the
   * task is (re)started.
   */
  next_poll_delay_ms?: number;
  /**
   * A final OMS status not yet written to the `OmsStatus` search attribute: with {@link FINAL_STATUS_PATCH} it is
   * written together with the outcome (or before the next action), one visibility update fewer per migration.
   */
  pending_status?: string;
}

/** Patch: the final OMS status is upserted with the outcome, not on its own (histories before it replay as before). */
export const FINAL_STATUS_PATCH = 'oms-final-status-with-outcome';

/**
 * Migrates one OMS task. Input: the OMS CreateTask body with credential profile names instead of keys (see
 * `MigrationRequest`). Result: a `MigrationReport`. Fails with `InvalidMigrationInput` (before any OMS call),
 * `MigrationFailed` (status 4; details carry the report), `MigrationStopped` (stopped outside the orchestrator),
 * `DeadlineExceeded`, or an API failure type.
 */
export async function migrationWorkflow(
  request: MigrationRequest,
  carried?: MigrationCarriedState,
): Promise<MigrationReport> {
  const validation = validateMigrationRequest(request);
  if (!validation.ok) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidMigrationInput,
      message: `Invalid migration request:\n${formatIssues(validation.errors)}`,
      nonRetryable: true,
      details: [validation.errors],
    });
  }
  const req = validation.request;
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
  const slot = regionSlot(request, state);

  const progress = (): MigrationProgress => ({
    migration_id: migrationId,
    phase: state.phase,
    task_id: state.task_id,
    snapshot: state.snapshot,
    paused: state.paused,
    updated_at: new Date().toISOString(),
  });
  const show = (): void => setCurrentDetails(renderDetails(req, progress()));

  // --- Queries and updates ---
  setHandler(progressQuery, progress);
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
      if (!(await startTask(req, state, false, slot))) {
        throw ApplicationFailure.create({
          type: FailureType.InvalidRequest,
          nonRetryable: true,
          message: 'OMS refused to restart the task (OMS.0070: it has completed); it stays paused',
        });
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
      await createTask(req, state, migrationId, slot);
      show();
    }
    await driveToFinal(req, state, show, slot);
    await slot.release();
    // Once the task is final, the outcome is decided: a late cancellation must not lose the report.
    return await CancellationScope.nonCancellable(() => finish(req, state, migrationId, show));
  } catch (err) {
    flushPendingStatus(state);
    if (isCancellation(err)) {
      await stopOnExit(req, state, 'cancelled');
      await slot.release();
      throw err;
    }
    // Only the poll's timeout is the migration deadline (its schedule-to-close is the time left); another
    // activity timing out means its own retry budget ran out, and that failure propagates as it is.
    // When the next poll would fall past the schedule-to-close time, the server closes the activity with the last
    // attempt's failure (usually TaskPending) and retry state TIMEOUT; a TimeoutFailure comes only when the
    // expiry hits a running attempt. Both mean the deadline.
    const pollTimedOut =
      err instanceof ActivityFailure &&
      err.activityType === 'pollMigrationTask' &&
      (err.cause instanceof TimeoutFailure || err.retryState === 'TIMEOUT');
    if (err instanceof DeadlineReached || pollTimedOut) {
      await stopOnExit(req, state, 'deadline');
      await slot.release();
      throw ApplicationFailure.create({
        type: FailureType.DeadlineExceeded,
        message: `Migration did not reach a final status within ${opts.deadline_seconds} s`,
        nonRetryable: true,
        details: [buildReport(req, state, migrationId, 'failed')],
      });
    }
    if (!(err instanceof ContinueAsNew)) await slot.release();
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

async function createTask(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  id: string,
  slot: RegionSlot,
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
  // Not cancellable: a create cancelled mid-flight could still land at OMS, orphaning a running task. Waiting for
  // the answer lets a cancellation that arrives meanwhile stop the task it created (see stopOnExit).
  // The key includes the first run's id: a later execution reusing the workflow id (after retention, or started
  // with another reuse policy) must never re-attach to an older execution's task.
  const info = workflowInfo();
  const idempotencyKey = `${info.namespace}/${id}/${info.firstExecutionRunId}`;
  // Budget: up to the deadline (at least the normal ten minutes), so a creation quota (retried every 10 min)
  // waits durably instead of failing the migration.
  const { createMigrationTask } = proxyActivities<Activities>({
    ...API_CALL,
    scheduleToCloseTimeout: Math.max(10 * 60_000, state.deadline_at - Date.now()),
  });
  // A look-up for an earlier attempt's task that stopped part-way (LookupIncomplete) resumes where it stopped.
  let lookup: CreateMigrationTaskInput['lookup'];
  let created: CreateMigrationTaskOutput | undefined;
  for (let round = 1; created === undefined; round++) {
    try {
      created = await CancellationScope.nonCancellable(() =>
        createMigrationTask({
          migration_id: id,
          idempotency_key: idempotencyKey,
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
    { key: OMS_DST_BUCKET, value: req.dst_node.bucket },
  ];
  if (req.src_node.bucket) pairs.push({ key: OMS_SRC_BUCKET, value: req.src_node.bucket });
  upsertSearchAttributes(pairs);
}

/**
 * Bound on resumed look-ups per creation. Each round reads at least one page of 100 tasks further than the last
 * (or, after a retried attempt, starts again), so this covers far more tasks than a project holds.
 */
const MAX_LOOKUP_ROUNDS = 200;

/** The resume point of a `LookupIncomplete` activity failure, or undefined for any other error. */
function lookupIncomplete(err: unknown): LookupIncompleteDetails | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== FailureType.LookupIncomplete) return undefined;
  const d = err.cause.details?.[0] as Partial<LookupIncompleteDetails> | undefined;
  if (typeof d?.resume_offset !== 'number' || !Number.isSafeInteger(d.resume_offset) || d.resume_offset < 0) {
    return undefined;
  }
  return { resume_offset: d.resume_offset, calls: d.calls ?? emptyCalls() };
}

/** Polls (and pauses, resumes, retries failed objects) until the task is final and nothing more is to be done. */
async function driveToFinal(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  show: () => void,
  slot: RegionSlot,
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

    const polled = await pollOnce(req, state);
    const snap = polled.snapshot;
    const previous = state.snapshot?.status;
    state.snapshot = snap;
    state.checkpoint = polled.checkpoint;
    state.next_poll_delay_ms = nextPollDelayMs(
      snap.left_time,
      req.orchestration.poll_interval_seconds * 1000,
      req.orchestration.min_poll_interval_seconds * 1000,
    );
    if (snap.status !== previous) {
      if (isFinalStatus(snap.status) && patched(FINAL_STATUS_PATCH)) state.pending_status = statusText(snap.status);
      else upsertSearchAttributes([{ key: OMS_STATUS, value: statusText(snap.status) }]);
    }
    state.phase = phaseOf(snap.status, state);
    show();

    if (!isFinalStatus(snap.status)) continue;
    await slot.release();
    if (snap.status === TaskStatus.STOPPED && state.pause_requested) {
      state.paused = true;
      state.phase = 'paused';
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
      const restarted = await startTask(req, state, true, slot);
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
): Promise<PollMigrationTaskOutput> {
  const opts = req.orchestration;
  const remaining = state.deadline_at - Date.now();
  const intervalMs = opts.poll_interval_seconds * 1000;
  const { pollMigrationTask } = proxyActivities<Activities>(pollOptions(intervalMs, remaining));
  const polled = await pollMigrationTask({
    task_id: state.task_id!,
    api_profile: opts.api_profile,
    known_status: state.snapshot?.status,
    known_checkpoint: state.checkpoint,
    poll_interval_ms: intervalMs,
    min_poll_interval_ms: opts.min_poll_interval_seconds * 1000,
    first_poll_delay_ms: state.next_poll_delay_ms ?? 0,
  });
  state.calls = addCalls(state.calls, polled.calls);
  return polled;
}

function phaseOf(status: number, state: MigrationCarriedState): MigrationPhase {
  if (status === TaskStatus.WAITING) return 'waiting';
  if (status === TaskStatus.EXECUTING || status === TaskStatus.RETRYING) {
    return state.retry_rounds > 0 ? 'retrying_failed_objects' : 'running';
  }
  if (status === TaskStatus.PAUSING) return state.pause_requested ? 'paused' : 'running';
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
      message: 'The migration deadline passed while waiting for an OMS slot to resume',
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
): Promise<MigrationReport> {
  const snap = state.snapshot!;
  state.phase = 'finalizing';
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

/** On cancellation or deadline: stop the OMS task (unless detach) in a scope that cannot itself be cancelled. */
async function stopOnExit(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  why: 'cancelled' | 'deadline',
): Promise<void> {
  // Halt whenever a task exists, even if the last snapshot was final: a StartTask (resume, failed-object round)
  // may have restarted it since. The halt activity leaves final tasks alone.
  if (state.task_id === undefined || req.orchestration.on_cancel === 'detach') return;
  await CancellationScope.nonCancellable(async () => {
    try {
      // `halt`: stop it if executing, delete it if still waiting (OMS cannot stop a waiting task).
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
  };
}

function omsCalls(c: ActivityCallCounts): number {
  return c.create + c.show + c.list + c.start + c.stop + c.other;
}
