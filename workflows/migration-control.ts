/**
 * The migration's message handlers — the `progress` and `limiterSlot` queries, the pause / resume / bandwidth
 * updates — and StartTask, which a resume and a failed-object round share. Cancellation is handled where the
 * migration ends (migration-end.ts).
 */
import {
  ApplicationFailure,
  proxyActivities,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';

import type { Activities } from '../activities';
import { API_CALL } from './activity-options';
import { limiterSlotQuery, pauseUpdate, progressQuery, resumeUpdate, setBandwidthUpdate } from './definitions';
import { FailureType } from './failure-types';
import { DeadlineReached, type MigrationCarriedState } from './migration-state';
import { applySnapshot } from './migration-status';
import type { RegionSlot } from './region-limiter';
import type { MigrationProgress } from './report-types';
import type { BandwidthWindow, MigrationRequest, NormalizedMigrationRequest } from './request-types';
import { logEvent } from './migration-log';
import { addCalls } from './shared/calls';
import { restarted } from './shared/run-counters';
import { formatIssues, validateMigrationRequest } from './shared/validate-request';

const api = proxyActivities<Activities>(API_CALL);

/** The OMS-call proxy for one action: with its summary in the UI in runs with the operator-visibility patch. */
function apiFor(state: MigrationCarriedState, summary: string): typeof api {
  if (!state.visibility) return api;
  const options: ActivityOptions = { ...API_CALL, summary };
  return proxyActivities<Activities>(options);
}

/**
 * Registers the migration's queries and updates. `request` is the request as started (the bandwidth validator
 * checks a new policy against it), `req` its normalized form.
 */
export function setMigrationHandlers(
  request: MigrationRequest,
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  slot: RegionSlot,
  v3: boolean,
  progress: () => MigrationProgress,
  show: () => void,
): void {
  const opts = req.orchestration;
  /** True while a resume update runs (a second one is refused: two would each ask for a slot). */
  let resuming = false;

  setHandler(progressQuery, progress);
  setHandler(limiterSlotQuery, () => slot.current());
  setHandler(
    pauseUpdate,
    async () => {
      const before = state.pause_requested;
      state.pause_requested = true;
      try {
        const stopped = await apiFor(state, `Pausing OMS task ${state.task_id} (StopTask)`).stopMigrationTask({
          task_id: state.task_id!,
          api_profile: opts.api_profile,
        });
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
      if (state.paused_since !== undefined) {
        state.paused_ms = (state.paused_ms ?? 0) + Math.max(0, Date.now() - state.paused_since);
        state.paused_since = undefined;
      }
      logEvent(
        'migration.resumed',
        `Resumed: OMS task ${state.task_id} restarted`,
        workflowInfo().workflowId,
        state.task_id,
      );
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
      const updated = await apiFor(
        state,
        `Changing the bandwidth policy of OMS task ${state.task_id}`,
      ).updateBandwidthPolicy({ task_id: state.task_id!, api_profile: opts.api_profile, bandwidth_policy: policies });
      state.calls = addCalls(state.calls, updated.calls);
      logEvent(
        'migration.bandwidth_changed',
        policies.length === 0 ? 'Bandwidth limit removed' : `Bandwidth policy set (${policies.length} window(s))`,
        workflowInfo().workflowId,
        state.task_id,
        { windows: policies.length },
      );
      return progress();
    },
    {
      validator: (policies: BandwidthWindow[]) => {
        requireRunningTask(state, 'change the bandwidth of');
        // The current rules, not the run's frozen set: an update validator checks new input live and never runs
        // on replay (the history records the update as accepted), so a rule change cannot fail a running migration.
        const check = validateMigrationRequest({ ...request, bandwidth_policy: policies });
        const issues = check.ok ? [] : check.errors.filter((e) => e.field.startsWith('bandwidth_policy'));
        if (issues.length > 0) throw new Error(formatIssues(issues));
      },
    },
  );
}

/** Validator helper for updates that need a live OMS task. */
function requireRunningTask(state: MigrationCarriedState, action: string): void {
  if (state.task_id === undefined) throw new Error(`cannot ${action} the migration: the OMS task does not exist yet`);
  if (state.phase === 'done' || state.phase === 'finalizing') {
    throw new Error(`cannot ${action} the migration: it has finished`);
  }
  if (state.paused) throw new Error(`cannot ${action} the migration: it is paused`);
}

/** StartTask with credentials resolved on the worker. Returns false if OMS says the task cannot be restarted. */
export async function startTask(
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
  const what = failedOnly ? 'failed objects only' : 'resume';
  const started = await apiFor(state, `Starting OMS task ${state.task_id} again (${what})`).startMigrationTask({
    task_id: state.task_id!,
    api_profile: req.orchestration.api_profile,
    src_profile: req.src_node.credential_profile,
    dst_profile: req.dst_node.credential_profile,
    cdn_profile: req.source_cdn?.credential_profile,
    migrate_failed_object: failedOnly,
  });
  state.calls = addCalls(state.calls, started.calls);
  if (!started.changed) await slot.release();
  else {
    state.next_poll_delay_ms = undefined; // a (re)started task: look at once
    if (state.tally) state.tally = restarted(state.tally, failedOnly ? 'failed_only' : 'full');
  }
  return started.changed;
}
