/**
 * Inputs and outputs of the migration activities (pure types, shared by workflows/ and activities/). Every input
 * names credentials by profile only; the worker resolves the secrets inside the activity.
 */
import type { ApiCallCounts, BandwidthWindow, NormalizedMigrationRequest, TaskSnapshot } from './types';

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
}

/** Result of `createMigrationTask`. */
export interface CreateMigrationTaskOutput {
  task_id: number;
  task_name: string;
  /** True when an earlier attempt had already created the task and this attempt found it by its marker. */
  reattached: boolean;
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
}

/** Result of `pollMigrationTask`: a snapshot worth a workflow event (status change, checkpoint or final). */
export interface PollMigrationTaskOutput {
  snapshot: TaskSnapshot;
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
