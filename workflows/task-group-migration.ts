/**
 * The task-group migration workflow: one OMS task group (docs/oms-api.md §6) from creation to a final status, durably.
 *
 *   validate → prepare (profiles + IAM token, on the worker) → region slot → create the group exactly once →
 *   [settle, remove duplicates] → poll until final [→ RetryTaskGroup rounds] [→ delete] → report
 *
 * It takes the migration's request (`MigrationRequest`, task types `prefix`, `list`, `url_list`; `prefix` when
 * absent, as OMS defaults) and follows the migration's guarantees with the group API: the group carries the
 * migration's marker in its description and a create that may follow another (retried attempt, reset run) looks it
 * up with ListTaskGroup first; after a create of unknown outcome the workflow looks again once a late request had
 * time to land and removes any other group with the marker. Polling is an activity whose retries are the cadence
 * (no worker slot held, no history between status changes). The `progress` query and the `pause`, `resume` and
 * `setBandwidth` updates have the migration's names, so clients drive both kinds the same way. A cancelled
 * migration stops the group (unless `on_cancel: detach`).
 *
 * Region limiter: a group holds ONE slot of the region limiter (like a task) from its creation until it is final or
 * paused, and counts as one creation. OMS itself counts the group's member tasks against the region's running limit
 * and the creation quota (the members are ordinary tasks, docs/oms-api.md §5.2 `group_type: GROUP_TASK`, §10), so
 * `max_running_per_region` should leave room for the members of the groups running at once (docs/task-groups.md).
 *
 * Patch ids: {@link TASK_GROUP_OUTCOME_ATTRIBUTES_PATCH}. Its histories (test/replay/histories/task-group-*.json)
 * must keep replaying: any later change to the commands it issues needs `patched()`.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

import type { Activities } from '../activities';
import { API_CALL, CLEANUP_CALL, pollOptions } from './activity-options';
import {
  limiterSlotQuery,
  pauseUpdate,
  progressQuery,
  REPORT_MEMO_KEY,
  resumeUpdate,
  setBandwidthUpdate,
} from './definitions';
import { FailureType } from './failure-types';
import { invalidInputFailure } from './invalid-input';
import { validateTaskGroupRequest } from './task-group-validate';
import { idempotencyKey, mayFollowEarlierRun } from './migration-create';
import { regionSlot, type RegionSlot, type RegionSlotState } from './region-limiter';
import type { MigrationOutcome, MigrationPhase } from './report-types';
import type { BandwidthWindow, MigrationRequest, NormalizedMigrationRequest } from './request-types';
import { addCalls, emptyCalls } from './shared/calls';
import { applyDefaults, formatIssues, validateMigrationRequest } from './shared/validate-request';
import { objectCounts } from './task-status';
import type { ActivityCallCounts } from './activity-types';
import type {
  FailedAfterRound,
  RemovedDuplicateGroup,
  TaskGroupProgress,
  TaskGroupReport,
  TaskGroupSnapshot,
} from './task-group-types';
import { GroupStatus, groupStatusText, isFinalGroupStatus } from './task-group-types';
import { OMS_OUTCOME, OMS_STATUS } from './search-attributes';

const api = proxyActivities<Activities>(API_CALL);
const cleanup = proxyActivities<Activities>(CLEANUP_CALL);

/** Runs longer than this many events continue as new at the next poll (the server suggests ~4k). */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;
/** How long a poll may run past the deadline (backstop of its schedule-to-close timeout). */
const DEADLINE_GRACE_MS = 2 * 60_000;
/**
 * Patch id: the final `OmsStatus` (group status word) and `OmsOutcome` search attributes, so group migrations can be
 * listed by outcome like task migrations. Runs recorded before it (test/replay/histories/task-group-*.json) skip it.
 */
export const TASK_GROUP_OUTCOME_ATTRIBUTES_PATCH = 'oms-task-group-outcome-attributes';

/** Shortest and longest wait before looking for duplicates after a create of unknown outcome. */
const SETTLE_MIN_MS = 10_000;
const SETTLE_MAX_MS = 120_000;

/** State carried across continue-as-new (everything the workflow decides from). */
export interface TaskGroupCarriedState {
  phase: MigrationPhase;
  group_id?: string;
  snapshot?: TaskGroupSnapshot;
  checkpoint: number;
  paused: boolean;
  pause_requested: boolean;
  retry_rounds: number;
  failed_before_retry?: number;
  failed_after_round: FailedAfterRound[];
  calls: ActivityCallCounts;
  started_at: string;
  deadline_at: number;
  next_poll_delay_ms?: number;
  /** When to look for duplicates (a create had an unknown outcome); null once done. */
  reconcile_due_at?: number | null;
  duplicates?: RemovedDuplicateGroup[];
  group_deleted?: boolean;
  limiter?: RegionSlotState;
}

class DeadlineReached extends Error {}

/**
 * Migrates through one OMS task group. Input: the migration request (see `MigrationRequest`; task type `prefix`,
 * `list` or `url_list`). Result: a `TaskGroupReport`. Fails with `InvalidMigrationInput` (before any OMS call),
 * `MigrationFailed` (group status 4 or 5 after the retry rounds; details carry the report), `MigrationStopped`
 * (paused or deleted outside the orchestrator), `DeadlineExceeded` (details carry the report), or an API failure.
 * A cancelled migration ends cancelled with its report in the `report` memo.
 */
export async function taskGroupMigrationWorkflow(
  request: MigrationRequest,
  carried?: TaskGroupCarriedState,
): Promise<TaskGroupReport> {
  // A run carried over by continue-as-new gets the request its first run validated and normalized.
  let req: NormalizedMigrationRequest;
  if (carried) {
    req = applyDefaults(request);
  } else {
    const validation = validateTaskGroupRequest(request);
    if (!validation.ok) throw invalidInputFailure('task-group migration request', validation.errors);
    req = validation.request;
  }
  const opts = req.orchestration;
  const id = workflowInfo().workflowId;
  const state: TaskGroupCarriedState = carried ?? {
    phase: 'validating',
    checkpoint: 0,
    paused: false,
    pause_requested: false,
    retry_rounds: 0,
    failed_after_round: [],
    calls: emptyCalls(),
    started_at: new Date().toISOString(),
    deadline_at: Date.now() + opts.deadline_seconds * 1000,
  };
  // One limiter slot per group (see the module comment), held while OMS may run it.
  const slot = regionSlot(req, state, true);
  setGroupHandlers(request, req, state, slot);

  try {
    if (state.group_id === undefined) await createGroup(req, state, slot);
    await reconcileWhenDue(req, state);
    await driveToFinal(req, state, slot);
    await slot.release();
    return await CancellationScope.nonCancellable(() => finish(req, state, id, slot));
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) return await exitEarly(req, state, id, slot, 'cancelled', err);
    if (err instanceof DeadlineReached) return await exitEarly(req, state, id, slot, 'deadline', err);
    await slot.release();
    throw err;
  }
}

function progressOf(state: TaskGroupCarriedState): TaskGroupProgress {
  return {
    migration_id: workflowInfo().workflowId,
    kind: 'group',
    phase: state.phase,
    ...(state.group_id === undefined ? {} : { group_id: state.group_id }),
    ...(state.snapshot === undefined ? {} : { snapshot: state.snapshot }),
    paused: state.paused,
    updated_at: new Date().toISOString(),
  };
}

/** The migration's queries and updates, under the migration's names. */
function setGroupHandlers(
  request: MigrationRequest,
  req: NormalizedMigrationRequest,
  state: TaskGroupCarriedState,
  slot: RegionSlot,
): void {
  const profile = req.orchestration.api_profile;
  let resuming = false;
  const requireLive = (action: string): void => {
    if (state.group_id === undefined)
      throw new Error(`cannot ${action} the migration: the OMS group does not exist yet`);
    if (state.phase === 'done' || state.phase === 'finalizing') {
      throw new Error(`cannot ${action} the migration: it has finished`);
    }
    if (state.paused) throw new Error(`cannot ${action} the migration: it is paused`);
  };
  // The client types these as a task migration's progress; a group's answer says `kind: 'group'`.
  const progress = () => progressOf(state) as never;
  setHandler(progressQuery, progress);
  setHandler(limiterSlotQuery, () => slot.current());
  setHandler(
    pauseUpdate,
    async () => {
      const before = state.pause_requested;
      state.pause_requested = true;
      try {
        const stopped = await api.stopTaskGroup({ group_id: state.group_id!, api_profile: profile });
        state.calls = addCalls(state.calls, stopped.calls);
        if (!stopped.changed) {
          throw ApplicationFailure.create({
            type: FailureType.InvalidRequest,
            nonRetryable: true,
            message: 'OMS refused to pause: the task group is not creating or migrating (OMS.0066)',
          });
        }
        state.phase = 'pausing';
        if (stopped.snapshot) state.snapshot = stopped.snapshot;
      } catch (err) {
        state.pause_requested = before;
        throw err;
      }
      return progress();
    },
    {
      validator: () => {
        requireLive('pause');
        if (state.pause_requested) throw new Error('the migration is already pausing');
      },
    },
  );
  setHandler(
    resumeUpdate,
    async () => {
      resuming = true;
      try {
        if (!(await restart(req, state, slot, 'resume'))) {
          throw ApplicationFailure.create({
            type: FailureType.InvalidRequest,
            nonRetryable: true,
            message: 'OMS refused to restart the task group (OMS.0070: it has completed); it stays paused',
          });
        }
      } finally {
        resuming = false;
      }
      state.paused = false;
      state.pause_requested = false;
      state.phase = 'running';
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
      const updated = await api.updateTaskGroupBandwidth({
        group_id: state.group_id!,
        api_profile: profile,
        bandwidth_policy: policies,
      });
      state.calls = addCalls(state.calls, updated.calls);
      return progress();
    },
    {
      validator: (policies: BandwidthWindow[]) => {
        requireLive('change the bandwidth of');
        const check = validateMigrationRequest({ ...request, task_type: req.task_type, bandwidth_policy: policies });
        const issues = check.ok ? [] : check.errors.filter((e) => e.field.startsWith('bandwidth_policy'));
        if (issues.length > 0) throw new Error(formatIssues(issues));
      },
    },
  );
}

/** Prepares (profiles, IAM token), waits for a region slot and creates the group once. */
async function createGroup(
  req: NormalizedMigrationRequest,
  state: TaskGroupCarriedState,
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
  if (!(await slot.acquire(true, state.deadline_at))) throw new DeadlineReached();
  const { createTaskGroup } = proxyActivities<Activities>({
    ...API_CALL,
    // Up to the deadline (at least ten minutes): a quota refusal or refused credentials back off until they clear.
    scheduleToCloseTimeout: Math.max(10 * 60_000, state.deadline_at - Date.now()),
    // A cancellation waits for the attempt in flight (its CreateTaskGroup is never aborted mid-request) and then
    // stops the retries: a cancelled migration does not sit out a quota wait.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const startedAt = Date.now();
  let created: Awaited<ReturnType<typeof createTaskGroup>>;
  try {
    created = await createTaskGroup({
      idempotency_key: idempotencyKey(),
      request: req,
      ...(mayFollowEarlierRun() ? { lookup_first: true } : {}),
    });
  } catch (err) {
    // Cancelled, or failed after attempts whose outcome may be unknown (a lost answer): remove any group made.
    await reconcile(req, state);
    throw err;
  }
  state.calls = addCalls(state.calls, created.calls);
  state.group_id = created.group_id;
  state.phase = 'waiting';
  if (created.reattached)
    log.info('Re-attached to the OMS task group an earlier attempt created', { groupId: created.group_id });
  if (created.uncertain) {
    state.reconcile_due_at =
      Date.now() + Math.min(SETTLE_MAX_MS, Math.max(SETTLE_MIN_MS, 2 * (Date.now() - startedAt)));
  }
}

/** After a create of unknown outcome: wait out the settle window, then remove any other group with the marker. */
async function reconcileWhenDue(req: NormalizedMigrationRequest, state: TaskGroupCarriedState): Promise<void> {
  const due = state.reconcile_due_at;
  if (due === undefined || due === null) return;
  const wait = Math.min(due, state.deadline_at) - Date.now();
  if (wait > 0) await sleep(wait);
  await reconcile(req, state);
}

/** Removes every other group with the marker, recording what it removed. Never throws; runs when cancelled too. */
async function reconcile(req: NormalizedMigrationRequest, state: TaskGroupCarriedState): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    try {
      const out = await cleanup.reconcileTaskGroups({
        api_profile: req.orchestration.api_profile,
        idempotency_key: idempotencyKey(),
        ...(state.group_id === undefined ? {} : { keep_group_id: state.group_id }),
      });
      state.calls = addCalls(state.calls, out.calls);
      if (out.removed.length > 0) {
        state.duplicates = [...(state.duplicates ?? []), ...out.removed];
        log.warn('Removed duplicate OMS task groups of this migration', {
          groupId: state.group_id,
          removed: out.removed,
        });
      }
      state.reconcile_due_at = null;
    } catch (err) {
      log.error('Could not check OMS for duplicate task groups of this migration', { error: String(err) });
    }
  });
}

/** Polls (waits while paused, runs the RetryTaskGroup rounds) until the group is final and nothing is left to do. */
async function driveToFinal(
  req: NormalizedMigrationRequest,
  state: TaskGroupCarriedState,
  slot: RegionSlot,
): Promise<void> {
  const opts = req.orchestration;
  for (;;) {
    if (state.paused) {
      if (!(await condition(() => !state.paused, Math.max(1, state.deadline_at - Date.now())))) {
        throw new DeadlineReached();
      }
      continue;
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= CONTINUE_AS_NEW_AFTER_EVENTS) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof taskGroupMigrationWorkflow>(req, state);
    }
    const intervalMs = opts.poll_interval_seconds * 1000;
    const remaining = state.deadline_at - Date.now();
    const { pollTaskGroup } = proxyActivities<Activities>(
      pollOptions(intervalMs, Math.max(0, remaining) + Math.max(DEADLINE_GRACE_MS, 2 * intervalMs)),
    );
    const polled = await pollTaskGroup({
      group_id: state.group_id!,
      api_profile: opts.api_profile,
      ...(state.snapshot === undefined ? {} : { known_status: state.snapshot.status }),
      known_checkpoint: state.checkpoint,
      poll_interval_ms: intervalMs,
      min_poll_interval_ms: opts.min_poll_interval_seconds * 1000,
      first_poll_delay_ms: state.next_poll_delay_ms ?? 0,
      deadline_at: state.deadline_at,
    });
    state.calls = addCalls(state.calls, polled.calls);
    const snap = polled.snapshot;
    state.snapshot = snap;
    state.checkpoint = polled.checkpoint;
    state.next_poll_delay_ms = intervalMs;
    if (polled.deadline_reached) throw new DeadlineReached();
    state.phase = phaseOf(snap.status, state);
    if (!isFinalGroupStatus(snap.status)) continue;

    const pausedNow = snap.status === GroupStatus.PAUSED && state.pause_requested;
    if (pausedNow) {
      state.paused = true;
      state.phase = 'paused';
    }
    await slot.release();
    if (pausedNow) continue;
    if (snap.status === GroupStatus.MIGRATE_FAILED && shouldRetry(req, state, snap)) {
      state.failed_after_round.push(roundRecord(state, snap));
      state.failed_before_retry = snap.failed_num;
      state.retry_rounds += 1;
      state.phase = 'retrying_failed_objects';
      if (await restart(req, state, slot, 'retry')) {
        state.checkpoint = 0;
        continue;
      }
    }
    return;
  }
}

function phaseOf(status: number, state: TaskGroupCarriedState): MigrationPhase {
  if (status === GroupStatus.WAITING || status === GroupStatus.CREATING) return 'waiting';
  if (status === GroupStatus.MONITORING) return state.retry_rounds > 0 ? 'retrying_failed_objects' : 'running';
  if (status === GroupStatus.PAUSING) return state.pause_requested ? 'pausing' : 'running';
  if (status === GroupStatus.PAUSED && state.pause_requested) return 'paused';
  return 'finalizing';
}

/** Another round is due while rounds remain and the previous round made progress. */
function shouldRetry(req: NormalizedMigrationRequest, state: TaskGroupCarriedState, snap: TaskGroupSnapshot): boolean {
  if (snap.failed_num === 0 || state.retry_rounds >= req.orchestration.failed_object_retry_rounds) return false;
  return state.failed_before_retry === undefined || snap.failed_num < state.failed_before_retry;
}

function roundRecord(state: TaskGroupCarriedState, snap: TaskGroupSnapshot): FailedAfterRound {
  return { round: state.retry_rounds, failed_num: snap.failed_num, failed_object_record: snap.failed_object_record };
}

/** StartTaskGroup (resume) or RetryTaskGroup (failed objects only) once a region slot is held. */
async function restart(
  req: NormalizedMigrationRequest,
  state: TaskGroupCarriedState,
  slot: RegionSlot,
  mode: 'resume' | 'retry',
): Promise<boolean> {
  if (!(await slot.acquire(false, state.deadline_at))) {
    if (mode === 'retry') throw new DeadlineReached();
    throw ApplicationFailure.create({
      type: FailureType.DeadlineExceeded,
      nonRetryable: true,
      message: 'The migration deadline passed (or it ended) while waiting for an OMS slot to resume',
    });
  }
  const out = await api.restartTaskGroup({
    group_id: state.group_id!,
    api_profile: req.orchestration.api_profile,
    mode,
    src_profile: req.src_node.credential_profile,
    dst_profile: req.dst_node.credential_profile,
    cdn_profile: req.source_cdn?.credential_profile,
    migrate_failed_object: mode === 'retry',
  });
  state.calls = addCalls(state.calls, out.calls);
  if (!out.changed) await slot.release();
  else state.next_poll_delay_ms = 0; // restarted: look at once
  return out.changed;
}

/** The outcome of a final group: a report, or a typed failure carrying it. */
async function finish(
  req: NormalizedMigrationRequest,
  state: TaskGroupCarriedState,
  id: string,
  slot: RegionSlot,
): Promise<TaskGroupReport> {
  const snap = state.snapshot!;
  state.phase = 'finalizing';
  slot.abortWaits();
  if (state.reconcile_due_at !== undefined && state.reconcile_due_at !== null) await reconcile(req, state);
  state.failed_after_round.push(roundRecord(state, snap));
  const outcome: MigrationOutcome =
    snap.status === GroupStatus.CREATE_FAILED || snap.status === GroupStatus.MIGRATE_FAILED
      ? 'failed'
      : snap.status === GroupStatus.SUCCEEDED
        ? snap.failed_num > 0
          ? 'completed_with_failures'
          : 'succeeded'
        : 'stopped';
  if (outcome === 'succeeded' && req.orchestration.delete_task_on_success) {
    try {
      const deleted = await api.deleteTaskGroup({
        group_id: state.group_id!,
        api_profile: req.orchestration.api_profile,
      });
      state.calls = addCalls(state.calls, deleted.calls);
      state.group_deleted = deleted.changed;
    } catch (err) {
      log.warn('Could not delete the finished OMS task group', { groupId: state.group_id, error: String(err) });
    }
  }
  state.phase = 'done';
  recordOutcome(snap.status, outcome);
  await condition(allHandlersFinished);
  const report = buildReport(req, state, id, outcome);
  if (outcome === 'failed') {
    const reason = snap.error_reason
      ? `${snap.error_reason.error_code}: ${snap.error_reason.error_msg}`
      : 'no reason given';
    throw ApplicationFailure.create({
      type: FailureType.MigrationFailed,
      message: `OMS task group ${state.group_id} failed (${reason}); ${report.failed_num} object(s) failed`,
      nonRetryable: true,
      details: [report],
    });
  }
  if (outcome === 'stopped') {
    throw ApplicationFailure.create({
      type: FailureType.MigrationStopped,
      message: `OMS task group ${state.group_id} was stopped or deleted outside the orchestrator`,
      nonRetryable: true,
      details: [report],
    });
  }
  return report;
}

/**
 * Cancellation or deadline: stop the group (unless detach), read its real state, remove duplicates, write the
 * report to the `report` memo, then end cancelled or with `DeadlineExceeded`.
 */
async function exitEarly(
  req: NormalizedMigrationRequest,
  state: TaskGroupCarriedState,
  id: string,
  slot: RegionSlot,
  why: 'cancelled' | 'deadline',
  cause: unknown,
): Promise<TaskGroupReport> {
  return CancellationScope.nonCancellable(async () => {
    slot.abortWaits();
    if (state.group_id !== undefined && (why === 'deadline' || req.orchestration.on_cancel === 'stop')) {
      try {
        const stopped = await cleanup.stopTaskGroup({
          group_id: state.group_id,
          api_profile: req.orchestration.api_profile,
        });
        state.calls = addCalls(state.calls, stopped.calls);
        if (stopped.snapshot) state.snapshot = stopped.snapshot;
      } catch (err) {
        log.error('Could not stop the OMS task group on exit', { groupId: state.group_id, error: String(err) });
      }
    }
    if (state.reconcile_due_at !== undefined && state.reconcile_due_at !== null) await reconcile(req, state);
    await slot.release();
    state.phase = why === 'cancelled' ? 'cancelled' : 'deadline_exceeded';
    const report = buildReport(req, state, id, why === 'cancelled' ? 'cancelled' : 'failed');
    recordOutcome(state.snapshot?.status, report.outcome);
    upsertMemo({ [REPORT_MEMO_KEY]: report });
    if (why === 'cancelled') throw cause;
    throw ApplicationFailure.create({
      type: FailureType.DeadlineExceeded,
      message: `Task-group migration did not reach a final status within ${req.orchestration.deadline_seconds} s`,
      nonRetryable: true,
      details: [report],
    });
  });
}

/** The final `OmsStatus` and `OmsOutcome` search attributes (runs with the patch). */
function recordOutcome(status: number | undefined, outcome: MigrationOutcome): void {
  if (!patched(TASK_GROUP_OUTCOME_ATTRIBUTES_PATCH)) return;
  upsertSearchAttributes([
    ...(status === undefined ? [] : [{ key: OMS_STATUS, value: groupStatusText(status) }]),
    { key: OMS_OUTCOME, value: outcome },
  ]);
}

function buildReport(
  req: NormalizedMigrationRequest,
  state: TaskGroupCarriedState,
  id: string,
  outcome: MigrationOutcome,
): TaskGroupReport {
  const snap = state.snapshot;
  const calls = state.calls;
  return {
    migration_id: id,
    kind: 'group',
    group_id: state.group_id ?? null,
    task_type: req.task_type,
    outcome,
    status: snap?.status ?? null,
    ...objectCounts(snap),
    total_task_num: snap?.total_task_num ?? 0,
    failed_task_num: snap?.failed_task_num ?? 0,
    complete_task_num: snap?.complete_task_num ?? 0,
    failed_object_record: snap?.failed_object_record ?? null,
    failed_after_round: state.failed_after_round,
    error_reason: snap?.error_reason ?? null,
    start_time: snap?.start_time ?? 0,
    total_time: snap?.total_time ?? 0,
    retry_rounds: state.retry_rounds,
    src_bucket: req.src_node.bucket ?? null,
    dst_bucket: req.dst_node.bucket,
    api_calls: {
      ...calls,
      oms: calls.create + calls.show + calls.list + calls.start + calls.stop + calls.other,
    },
    started_at: state.started_at,
    finished_at: new Date().toISOString(),
    ...(state.duplicates && state.duplicates.length > 0 ? { duplicates_removed: state.duplicates } : {}),
    ...(state.group_deleted ? { group_deleted: true } : {}),
  };
}
