/**
 * What a running migration answers (`MigrationProgress`, by phase) and what it returns (`MigrationReport`, by
 * outcome): snake_case JSON for consumers in any language (`schemas/migration-report.schema.json`). Pure types and
 * constants.
 */
import type { TaskType } from './request-types';
import type { FailedObjectRecord, ObjectCounts, TaskErrorReason, TaskSnapshot } from './task-status';

/**
 * Phases of a migration, in order (`paused` and `retrying_failed_objects` may repeat). `waiting_for_slot`: queued
 * at the region limiter before CreateTask (OMS runs a few tasks per region at a time); `waiting_for_quota`: OMS
 * refused the create for its daily creation quota and the migration waits to try again.
 */
export const MIGRATION_PHASES = [
  'validating',
  'creating',
  'waiting_for_slot',
  'waiting_for_quota',
  'waiting',
  'running',
  'pausing',
  'paused',
  'retrying_failed_objects',
  'finalizing',
  'done',
  'cancelled',
  'deadline_exceeded',
] as const;
/** One of {@link MIGRATION_PHASES}. */
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** Answer of the progress query. */
export interface MigrationProgress {
  /** Workflow id. */
  migration_id: string;
  /** Current phase. */
  phase: MigrationPhase;
  /** OMS task id, once the task exists. */
  task_id?: number;
  /** Latest task snapshot, once polled. */
  snapshot?: TaskSnapshot;
  /** True while the migration is paused on request. */
  paused: boolean;
  /** Why the migration cannot make progress and needs an operator (`credentials rejected`); absent otherwise. */
  blocked?: string;
  /**
   * While the migration waits in the region limiter's queue (before a create, a resume or a failed-object round):
   * its place in line (1-based; kept up to date for the first {@link SLOT_POSITION_UPDATES} waiters, the place
   * when it joined for the others), how many wait and run, the running limit, and the first few holders' ids.
   * Absent when the migration neither waits nor has been told its place yet.
   */
  waiting_for_slot?: {
    region: string;
    position: number;
    waiting: number;
    running: number;
    limit: number;
    holders: string[];
  };
  /** When this progress was last updated (ISO 8601, workflow time). */
  updated_at: string;
}

/** The limiter keeps the first this many waiters told of their place in line as it changes (the others once). */
export const SLOT_POSITION_UPDATES = 10;

/**
 * How a migration ended: `succeeded` (status 5, no failed objects), `completed_with_failures` (failed objects left
 * after any retry rounds, and nothing else wrong: status 5 with failed objects, or status 4 after a run that
 * accounted for every object and migrated or skipped at least one — see `failedObjectsOnly`, shared/outcome.ts), `failed`
 * (any other status 4, or the deadline passed), `stopped` (the task was paused and stays paused), `cancelled`
 * (the workflow was cancelled; see `on_cancel`). docs/outcomes.md has the rule and the CLI's exit codes.
 */
export const MIGRATION_OUTCOMES = ['succeeded', 'completed_with_failures', 'failed', 'stopped', 'cancelled'] as const;
/** One of {@link MIGRATION_OUTCOMES}. */
export type MigrationOutcome = (typeof MIGRATION_OUTCOMES)[number];

/** API calls made for one migration, by kind (each HTTP attempt counts once). */
export interface ApiCallCounts {
  /** IAM token requests. */
  iam: number;
  /** All OMS calls (the sum of the per-operation counts below). */
  oms: number;
  /** CreateTask. */
  create: number;
  /** ShowTask. */
  show: number;
  /** ListTasks (idempotency look-ups). */
  list: number;
  /** StartTask (resume, failed-object retries). */
  start: number;
  /** StopTask. */
  stop: number;
  /** Any other OMS call (DeleteTask, …). */
  other: number;
}

/**
 * The workflow's result: snake_case JSON for consumers in any language (`schemas/migration-report.schema.json`).
 * `task_id`, `task_name` and `status` are null only when the migration ended before OMS created a task (e.g.
 * cancelled while creating); counters are then 0.
 */
export interface MigrationReport extends ObjectCounts {
  /** Workflow id. */
  migration_id: string;
  /** OMS task id, or null if no task was created. */
  task_id: number | null;
  /** OMS-generated task name, or null if no task was created. */
  task_name: string | null;
  /** Task type. */
  task_type: TaskType;
  /** How the migration ended. */
  outcome: MigrationOutcome;
  /** Last OMS status (a `TaskStatus` code), or null if no task was created. */
  status: number | null;
  /** Bytes actually transferred. */
  real_size: number;
  /** Failed-object list record, or null. */
  failed_object_record: FailedObjectRecord | null;
  /** Why the task failed, or null. */
  error_reason: TaskErrorReason | null;
  /** OMS start time, Unix ms (0 if unknown). */
  start_time: number;
  /** OMS elapsed time, ms (0 if unknown). */
  total_time: number;
  /** Failed-object retry rounds performed. */
  retry_rounds: number;
  /** Source bucket, or null (URL-list tasks have none). */
  src_bucket: string | null;
  /** Destination bucket. */
  dst_bucket: string;
  /** API calls made. */
  api_calls: ApiCallCounts;
  /** When the workflow started (ISO 8601, workflow time). */
  started_at: string;
  /** When the workflow finished (ISO 8601, workflow time). */
  finished_at: string;
  /**
   * Other OMS tasks found with this migration's marker (left by a create whose outcome was unknown: a request
   * OMS processed after the client gave up, a reset) and taken out of service: `deleted`, or `stopped`.
   */
  duplicates_removed?: { task_id: number; action: 'stopped' | 'deleted'; status?: number }[];
  /** True when the task was deleted on exit (it was still waiting when the migration was cancelled or ran out of time). */
  task_deleted?: boolean;
  /**
   * The failed-object list read from the destination bucket (the last run's summary and each run's survivors);
   * present when a run ended with failed objects. Bounded: a few KB whatever the list's size.
   */
  failed_objects?: FailedObjectsReport;
  /**
   * The completion webhook's delivery (docs/notifications.md), once made: absent when no webhook was configured
   * (neither in the request nor on the worker) or the run predates notifications.
   */
  notification?: NotificationDelivery;
  /** Milliseconds from the workflow's start to its end (workflow time), pauses included. */
  elapsed_ms?: number;
  /** Milliseconds the migration was not paused (`elapsed_ms` minus the time paused on request). */
  active_ms?: number;
  /**
   * OMS runs of the task (1 + restarts by resume or failed-object rounds), when more than one: the counters above
   * are then over the whole migration (docs/outcomes.md), and `last_run` holds OMS's own counters of the last run.
   */
  task_runs?: number;
  /** OMS's counters of the task's last run, when the task ran more than once (see `task_runs`). */
  last_run?: ObjectCounts & { real_size: number };
}

/** What `failed_objects.summary.reasons` says when the list's lines carry keys only. */
export const REASONS_NOT_RECORDED = 'not recorded in the list';

/** One bar of the failure histogram: a code (`TRF.0159`) and, when the list gives one, its reason text. */
export interface FailedObjectReasonCount {
  error_code: string;
  /** The reason text of the list's lines (at most 200 characters), when they carry one. */
  reason?: string;
  count: number;
}

/**
 * A bounded summary of one failed-object list as the worker read it from the destination bucket (a few KB at most
 * whatever the list's size).
 */
export interface FailedObjectsListSummary {
  /** Failed objects in the list (its non-empty lines). */
  count: number;
  /**
   * The first objects, in list order: keys (for URL-list tasks, the URL-list line), at most the worker's
   * `OMS_FAILED_OBJECTS_SUMMARY_KEYS` (default 20) and 4 KiB in total.
   */
  first_keys: string[];
  /**
   * Objects per failure code/reason, most frequent first (at most 10; the rest in one `other` entry), or
   * {@link REASONS_NOT_RECORDED} when the list's lines carry keys only.
   */
  reasons: FailedObjectReasonCount[] | typeof REASONS_NOT_RECORDED;
  /** Size of the list, bytes. */
  list_bytes: number;
}

/** Why a failed-object summary is missing (no secret in it). */
export interface FailedObjectsUnavailable {
  /**
   * `NotRecorded` (OMS wrote no list: recording off, or it failed), `CredentialsMissing`, an OBS error code
   * (`AccessDenied`, `NoSuchKey`, `SignatureDoesNotMatch`, ...), or `ObsUnavailable` (OBS unreachable or failing
   * for the whole retry budget).
   */
  code: string;
  message: string;
}

/** Which objects still failed after a run: round 0 is the task's first run, 1.. the failed-object retry rounds. */
export interface FailedObjectsRound {
  round: number;
  /** Objects that failed in this run (OMS's `failed_num`). */
  failed_num: number;
  /** From the list: its count and first keys (at most 5), or why it could not be read. */
  count?: number;
  first_keys?: string[];
  unavailable?: FailedObjectsUnavailable;
}

/** The report's `failed_objects`: the failed-object list of the last run, summarised, and each run's survivors. */
export interface FailedObjectsReport {
  /** Destination bucket holding the list. */
  bucket: string;
  /** Its region (which OBS endpoint serves it). */
  region: string;
  /** The credential profile the worker read it with (`dst_node.credential_profile`; a name, never a secret). */
  credential_profile: string;
  /** The list's key (`failed_object_record.list_file_key`), or null when OMS recorded none. */
  list_file_key: string | null;
  /** The summary of the last run's list, unless {@link unavailable}. */
  summary?: FailedObjectsListSummary;
  unavailable?: FailedObjectsUnavailable;
  /** One entry per run that ended with failed objects (at most 11: the first run and up to 10 retry rounds). */
  rounds: FailedObjectsRound[];
}

/** How the completion webhook's delivery went (never a secret, never the response body). */
export interface NotificationDelivery {
  /** True when the webhook answered 2xx. A failed delivery never fails the migration. */
  delivered: boolean;
  /** Where the webhook came from: the request's `notification`, or the worker's default (`OMS_NOTIFY_WEBHOOK_URL`). */
  source: 'request' | 'worker';
  /** Delivery id sent in `X-OMS-Delivery-Id` (stable across retries of the same outcome); absent if none was sent. */
  delivery_id?: string;
  /** HTTP attempts made. */
  attempts: number;
  /** Status of the last response, if one came. */
  status_code?: number;
  /** Why the delivery failed (a short, secret-free reason). */
  error?: string;
}
