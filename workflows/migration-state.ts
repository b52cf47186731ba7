/** The migration workflow's state, carried across continue-as-new (pure types and helpers, sandbox-safe). */
import type { ActivityCallCounts, RemovedDuplicate } from './activity-types';
import type { RegionSlotState } from './region-limiter';
import { withSnapshot, type RunTally } from './shared/run-counters';
import type { FailedObjectsReport, MigrationPhase } from './report-types';
import { isFinalStatus, type TaskSnapshot } from './task-status';

/**
 * Takes a fresh snapshot into the run tally (the report's whole-migration counters), when the run keeps one and the
 * snapshot is of the migration's task.
 */
export function tallySnapshot(state: MigrationCarriedState, fresh: TaskSnapshot): void {
  if (state.tally && fresh.id === state.task_id) state.tally = withSnapshot(state.tally, fresh);
}

/** The migration's own deadline passed while it waited (paused, or for a slot) without an activity to time out. */
export class DeadlineReached extends Error {}

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
   * A final OMS status not yet written to the `OmsStatus` search attribute: with the final-status patch it is
   * written together with the outcome (or before the next action), one visibility update fewer per migration.
   */
  pending_status?: string;
  /** Why the migration is blocked (`credentials rejected`), while it is. */
  blocked?: string;
  /**
   * Set when the create's outcome was uncertain (another create for this migration may land later): the task list
   * is checked for duplicates at `due_at` (then cleared to null) and again when the migration ends.
   */
  reconcile?: { due_at: number | null };
  /** Duplicate tasks removed so far. */
  duplicates?: RemovedDuplicate[];
  /** The task was deleted on exit (it was still waiting). */
  task_deleted?: boolean;
  /** The failed-object summary so far (migration-failed-objects.ts); bounded, a few KB. */
  failed_objects?: FailedObjectsReport;
  /** The worker reported a default completion webhook when the migration was prepared (migration-notify.ts). */
  notify_default?: boolean;
  /**
   * Counters per OMS run, for the report's whole-migration numbers (shared/run-counters.ts). Kept by runs with the
   * operator-visibility patch, from the task's creation on.
   */
  tally?: RunTally;
  /**
   * Whether this run has the operator-visibility patch (migration-patches.ts). Decided at the start of every run
   * (a carried value is overwritten), kept here so every step of the run reads the same answer.
   */
  visibility?: boolean;
  /** Milliseconds spent paused by earlier pauses (operator-visibility runs). */
  paused_ms?: number;
  /** Epoch ms (workflow time) when the current pause began, while paused (operator-visibility runs). */
  paused_since?: number;
}

/**
 * Folds a fresh snapshot into the last one so that what the migration shows never goes backwards while the task
 * runs: OMS resets a restarted task's counters (status WAITING, 0 of 0 objects) until it has listed the objects
 * again, and a snapshot from a halt may lag the one the workflow holds. Status, times and errors always come from
 * the fresh snapshot; while the task is not final, progress keeps the highest value seen, and counters that were
 * reset to zero keep their last values. A final snapshot is taken as it is (the report is OMS's own numbers).
 */
export function mergeSnapshot(previous: TaskSnapshot | undefined, fresh: TaskSnapshot): TaskSnapshot {
  if (previous === undefined || previous.id !== fresh.id || isFinalStatus(fresh.status)) return fresh;
  const reset = (fresh.total_num ?? 0) === 0 && (previous.total_num ?? 0) > 0;
  const counters = reset
    ? {
        total_num: previous.total_num,
        successful_num: previous.successful_num,
        failed_num: previous.failed_num,
        skipped_num: previous.skipped_num,
        total_size: previous.total_size,
        complete_size: previous.complete_size,
        real_size: previous.real_size,
      }
    : {};
  return { ...fresh, ...counters, progress: Math.max(previous.progress ?? 0, fresh.progress ?? 0) };
}
