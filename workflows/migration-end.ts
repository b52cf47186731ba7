/**
 * How a migration ends: the outcome of a final task (report, or a typed failure carrying it), the early exits on
 * cancellation and deadline (halt the task, read its real state, report), and the report itself.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  type ActivityOptions,
  condition,
  log,
  proxyActivities,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';

import type { Activities } from '../activities';
import { API_CALL, CLEANUP_CALL } from './activity-options';
import type { ActivityCallCounts, StopMigrationTaskOutput } from './activity-types';
import { REPORT_MEMO_KEY } from './definitions';
import { FailureType } from './failure-types';
import { reconcile } from './migration-create';
import { mergeSnapshot, tallySnapshot, type MigrationCarriedState } from './migration-state';
import { takePendingStatus } from './migration-status';
import type { RegionSlot } from './region-limiter';
import type { MigrationOutcome, MigrationReport } from './report-types';
import { failedMessage, failedObjectsOnly, reasonText } from './shared/outcome';
import type { NormalizedMigrationRequest } from './request-types';
import { OMS_BLOCKED, OMS_OUTCOME, OMS_STATUS } from './search-attributes';
import { addCalls } from './shared/calls';
import { cumulativeCounts, countsOf, type RunCounts } from './shared/run-counters';
import { TaskStatus, isFinalStatus, objectCounts, statusText } from './task-status';

const api = proxyActivities<Activities>(API_CALL);
const cleanup = proxyActivities<Activities>(CLEANUP_CALL);

/** `proxy` or, in runs with the operator-visibility patch, the same options with a summary for the UI. */
function withSummary(
  state: MigrationCarriedState,
  options: ActivityOptions,
  proxy: typeof api,
  summary: string,
): typeof api {
  return state.visibility ? proxyActivities<Activities>({ ...options, summary }) : proxy;
}

/** Final bookkeeping and the outcome: a report, or a typed failure that carries it. */
export async function finish(
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
      ? state.visibility && failedObjectsOnly(countsOf(snap), reportCounts(state))
        ? 'completed_with_failures'
        : 'failed'
      : snap.status === TaskStatus.STOPPED
        ? 'stopped'
        : (snap.failed_num ?? 0) > 0
          ? 'completed_with_failures'
          : 'succeeded';
  if (outcome === 'succeeded' && req.orchestration.delete_task_on_success) {
    try {
      const deleted = await withSummary(
        state,
        API_CALL,
        api,
        `Deleting OMS task ${state.task_id} (succeeded; delete_task_on_success)`,
      ).deleteMigrationTask({
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
    throw ApplicationFailure.create({
      type: FailureType.MigrationFailed,
      message: state.visibility
        ? failedMessage(state.task_id!, snap.error_reason, report.failed_num)
        : `OMS task ${state.task_id} failed (${reasonText(snap.error_reason)}); ${report.failed_num} object(s) failed`,
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
export async function exitEarly(
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
        tallySnapshot(state, halted.snapshot);
        state.pending_status = statusText(halted.snapshot.status);
        await slot.release();
        return finish(req, state, id, show, true, slot);
      }
      if (halted?.snapshot) {
        state.snapshot = mergeSnapshot(state.snapshot, halted.snapshot);
        tallySnapshot(state, halted.snapshot);
      }
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
    upsertMemo({ [REPORT_MEMO_KEY]: report });
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
      const shown = await withSummary(
        state,
        CLEANUP_CALL,
        cleanup,
        `Reading OMS task ${state.task_id} on exit (on_cancel: detach)`,
      ).showMigrationTask({
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
    const stopped = await withSummary(
      state,
      CLEANUP_CALL,
      cleanup,
      `Stopping OMS task ${state.task_id} on exit (a waiting task is deleted)`,
    ).stopMigrationTask({
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

/**
 * On cancellation or deadline, as runs before `CORE_PROMISES_PATCH` did it: stop the OMS task (unless
 * detach) in a scope that cannot itself be cancelled.
 */
export async function stopOnExit(
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

/** The migration report from the request and the state (the last OMS snapshot, API calls, duplicates removed). */
export function buildReport(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  id: string,
  outcome: MigrationOutcome,
): MigrationReport {
  const s = state.snapshot;
  const counts = reportCounts(state);
  const finishedAt = Date.now();
  return {
    migration_id: id,
    task_id: state.task_id ?? null,
    task_name: state.task_name ?? s?.name ?? null,
    task_type: req.task_type,
    outcome,
    status: s?.status ?? null,
    ...objectCounts(counts),
    real_size: counts.real_size,
    failed_object_record: s?.failed_object_record ?? null,
    error_reason: s?.error_reason ?? null,
    start_time: s?.start_time ?? 0,
    total_time: s?.total_time ?? 0,
    retry_rounds: state.retry_rounds,
    src_bucket: req.src_node.bucket ?? null,
    dst_bucket: req.dst_node.bucket,
    api_calls: { ...state.calls, oms: omsCalls(state.calls) },
    started_at: state.started_at,
    finished_at: new Date(finishedAt).toISOString(),
    ...(state.duplicates?.length ? { duplicates_removed: state.duplicates } : {}),
    ...(state.task_deleted ? { task_deleted: true } : {}),
    ...(state.failed_objects ? { failed_objects: state.failed_objects } : {}),
    ...(state.visibility ? durations(state, finishedAt) : {}),
    ...(state.tally && state.tally.runs > 1
      ? { task_runs: state.tally.runs, last_run: { ...state.tally.current } }
      : {}),
  };
}

/**
 * The report's counters: over the whole migration when the run keeps a tally (shared/run-counters.ts), else the
 * last snapshot's, as runs before the operator-visibility patch reported them.
 */
function reportCounts(state: MigrationCarriedState): RunCounts {
  return state.tally ? cumulativeCounts(state.tally) : countsOf(state.snapshot);
}

/** `elapsed_ms` (start to end, workflow time) and `active_ms` (the same minus the time paused on request). */
function durations(state: MigrationCarriedState, finishedAt: number): { elapsed_ms: number; active_ms: number } {
  const elapsed = Math.max(0, finishedAt - Date.parse(state.started_at));
  const pausedNow = state.paused_since === undefined ? 0 : Math.max(0, finishedAt - state.paused_since);
  const paused = (state.paused_ms ?? 0) + pausedNow;
  return { elapsed_ms: elapsed, active_ms: Math.max(0, elapsed - paused) };
}

function omsCalls(c: ActivityCallCounts): number {
  return c.create + c.show + c.list + c.start + c.stop + c.other;
}
