/**
 * Inputs and outputs of every activity: the migration, region-limiter and batch activities (pure types, shared by
 * workflows/ and activities/). Every input names credentials by profile only; the worker resolves the secrets
 * inside the activity.
 */
import type { SlotRelease, SlotRequest } from './limiter-types';
import type { ApiCallCounts, MigrationReport } from './report-types';
import type { BandwidthWindow, NormalizedMigrationRequest } from './request-types';
import type { TaskSnapshot } from './task-status';

/** API requests an activity attempt made, by kind (the workflow sums them; `oms` is derived in the report). */
export type ActivityCallCounts = Omit<ApiCallCounts, 'oms'>;

/** Input of `prepareMigration`: the profiles the migration will need. */
export interface PrepareMigrationInput {
  /** Profile that authenticates the OMS API calls. */
  api_profile: string;
  /** Every profile the request names (source, destination, CDN). */
  profiles: string[];
}

/** Result of `prepareMigration`. Carries no token: the token stays in the worker's cache. */
export interface PrepareMigrationOutput {
  auth_mode: 'token' | 'aksk';
  /** When the cached IAM token expires (token mode). */
  token_expires_at?: string;
  /**
   * True when this worker has a default completion webhook (`OMS_NOTIFY_WEBHOOK_URL`): the migration then notifies
   * it at its end even without a `notification` in the request. Recorded here so that migrations on workers without
   * one write no notification events at all.
   */
  notify_default?: true;
  calls: ActivityCallCounts;
}

/** Input of `createMigrationTask`. */
export interface CreateMigrationTaskInput {
  /** Workflow id (for logs; and the idempotency key of histories recorded before `idempotency_key`). */
  migration_id: string;
  /**
   * Idempotency key (namespace / workflow id / first run id), hashed into a marker in the task description. The
   * first run id makes it unique per execution, so a later execution with the same workflow id never re-attaches
   * to an older execution's task.
   */
  idempotency_key?: string;
  request: NormalizedMigrationRequest;
  /**
   * Set when the previous call ended with `LookupIncomplete`: this call looks for the marker before creating, and
   * on its first attempt starts reading the task list one page before `resume_offset` (the earlier call read the
   * rest and did not create anything after it began). A retried attempt reads from the start: an earlier attempt
   * of this call may have sent a CreateTask, and where OMS lists a new task is not documented.
   */
  lookup?: { resume_offset: number };
  /**
   * Look for a task with the marker before creating, also on the first attempt: another create for this
   * migration may have been sent before (a reset run, a workflow-level re-call after a quota refusal).
   */
  lookup_first?: boolean;
}

/** Result of `createMigrationTask`. */
export interface CreateMigrationTaskOutput {
  task_id: number;
  task_name: string;
  /** True when an earlier attempt had already created the task and this attempt found it by its marker. */
  reattached: boolean;
  /**
   * True when another create for this migration may still land at OMS (this call looked up first or was
   * retried): the workflow then reconciles, removing any other task with the marker.
   */
  uncertain?: boolean;
  calls: ActivityCallCounts;
}

/** Input of `pollMigrationTask`. */
export interface PollMigrationTaskInput {
  task_id: number;
  api_profile: string;
  /** Status the workflow last saw (undefined before the first poll). */
  known_status?: number;
  /** Progress checkpoint the workflow last saw. */
  known_checkpoint: number;
  poll_interval_ms: number;
  min_poll_interval_ms: number;
  /**
   * When > 0, the first attempt makes no OMS call and asks to be retried after this many ms: the previous poll
   * has just looked (absent in histories written before this field: poll at once).
   */
  first_poll_delay_ms?: number;
  /**
   * The migration's deadline (epoch ms): no wait goes past it, and a poll at or after it returns with
   * `deadline_reached` (absent in older histories: the poll's schedule-to-close timeout was the deadline).
   */
  deadline_at?: number;
  /** Set while the workflow knows the credentials are refused: a refusal then backs off instead of returning. */
  blocked?: 'credentials';
}

/**
 * Result of `pollMigrationTask`: a snapshot worth a workflow event (status change, checkpoint, final, the deadline),
 * or the news that the credentials were refused (`blocked`, no snapshot).
 */
export interface PollMigrationTaskOutput {
  snapshot?: TaskSnapshot;
  /** The poll ran at or after the deadline and the task is not final. */
  deadline_reached?: boolean;
  /** OMS refused the worker's credentials (or the profile is gone): the workflow shows it and keeps polling. */
  blocked?: { reason: 'credentials rejected'; detail: string };
  checkpoint: number;
  /** Attempt number of the returning attempt: each attempt made one ShowTask call. */
  attempt: number;
  calls: ActivityCallCounts;
}

/** Input of the task-control activities. */
export interface TaskControlInput {
  task_id: number;
  api_profile: string;
}

/** Input of `stopMigrationTask`. */
export interface StopMigrationTaskInput extends TaskControlInput {
  /**
   * Halt rather than pause (cancellation, deadline): a task still waiting to be scheduled, which OMS cannot stop,
   * is deleted instead, so it never starts later.
   */
  halt?: boolean;
}

/** Result of `stopMigrationTask`: whether it stopped (or deleted) the task, and the task's real state after. */
export interface StopMigrationTaskOutput extends TaskControlOutput {
  /** The task had reached a final status of its own (failed or succeeded): nothing was stopped. */
  already_final?: boolean;
  /** The task was still waiting and was deleted (halt). */
  deleted?: boolean;
  /** The task as OMS showed it last (after the stop; before the delete). */
  snapshot?: TaskSnapshot;
}

/** Result of `showMigrationTask`. */
export interface ShowMigrationTaskOutput {
  snapshot: TaskSnapshot;
  calls: ActivityCallCounts;
}

/** Input of `reconcileMigrationTasks`. */
export interface ReconcileTasksInput {
  api_profile: string;
  /** The migration's idempotency key (its marker is derived from it). */
  idempotency_key: string;
  /** The task the migration watches; every other task with the marker is removed. None: remove all. */
  keep_task_id?: number;
}

/** A duplicate task taken out of service by `reconcileMigrationTasks`. */
export interface RemovedDuplicate {
  task_id: number;
  /** `stopped`: it was migrating (a later reconciliation deletes it); `deleted`: it is gone. */
  action: 'stopped' | 'deleted';
  /** Its status when found (absent when it had already gone). */
  status?: number;
}

/** Result of `reconcileMigrationTasks`. */
export interface ReconcileTasksOutput {
  removed: RemovedDuplicate[];
  calls: ActivityCallCounts;
}

/** Input of `startMigrationTask` (resume, or retry failed objects). */
export interface StartMigrationTaskInput extends TaskControlInput {
  src_profile?: string;
  dst_profile: string;
  cdn_profile?: string;
  migrate_failed_object: boolean;
}

/** Input of `updateBandwidthPolicy`. */
export interface UpdateBandwidthInput extends TaskControlInput {
  bandwidth_policy: BandwidthWindow[];
}

/** Result of a task-control activity. `changed` is false when OMS was already in the requested state. */
export interface TaskControlOutput {
  changed: boolean;
  calls: ActivityCallCounts;
}

// --- Region limiter (workflows/region-limiter.ts) ---

/** Input of the `requestLimiterSlot` local activity. */
export interface RequestLimiterSlotInput {
  limiter_id: string;
  region: string;
  request: SlotRequest;
}

/** Input of the `releaseLimiterSlot` local activity. */
export interface ReleaseLimiterSlotInput {
  limiter_id: string;
  release: SlotRelease;
}

/** Input of `findClosedWorkflows`. */
export interface FindClosedWorkflowsInput {
  workflow_ids: string[];
  /**
   * The slots the limiter believes these workflows hold: a running holder whose `limiterSlot` query names another
   * request (or none) no longer holds it, and is listed in `stale` (absent in older limiter histories).
   */
  holders?: { holder_id: string; request_id: string }[];
}

/** Result of `findClosedWorkflows`: the ids whose latest run is no longer running (or that do not exist). */
export interface FindClosedWorkflowsOutput {
  closed: string[];
  /** Slots whose running holder says it no longer waits on or holds them (the limiter releases exactly these). */
  stale?: { holder_id: string; request_id: string }[];
}

// --- Batches (workflows/batch.ts) ---

/** How an item's migration ended, as the batch sees it: its report, or its failure (with a report if it had one). */
export interface MigrationOutcomeRecord {
  report: MigrationReport | null;
  failure: { type: string; message: string } | null;
  /** True when the migration was cancelled. */
  cancelled: boolean;
}

/** Input of `awaitMigrationOutcome`. */
export interface AwaitMigrationOutcomeInput {
  workflow_id: string;
  /** How often to look again while it runs. */
  poll_interval_ms: number;
}

/** Input of `findPreviousSuccessfulRun`. */
export interface FindPreviousRunInput {
  schedule_id: string;
  /** Workflow type of the runs (`batchMigrationWorkflow`). */
  workflow_type: string;
}
