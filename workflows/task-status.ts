/**
 * What OMS reports about a task: its status codes, the helpers that read them, and the subset of ShowTask's
 * answer the workflow keeps between polls (docs/oms-api.md §5.2, §5.9). Pure; shared by the workflow sandbox, the
 * activities and the client.
 */

/** OMS task status codes (TaskResp `status`). */
export const TaskStatus = {
  /** Waiting to be scheduled. */
  WAITING: 1,
  /** Migrating. */
  EXECUTING: 2,
  /** Stopped (paused by StopTask); final until StartTask. */
  STOPPED: 3,
  /** Failed; final until StartTask. */
  FAILED: 4,
  /** Succeeded (possibly with failed objects: check `failed_num`). */
  SUCCEEDED: 5,
  /** Retrying (when it occurs is undocumented). */
  RETRYING: 6,
  /** Pausing: on the way from 2 to 3 after StopTask. */
  PAUSING: 7,
} as const;

/** True for the statuses a task stays in without further action: stopped (3), failed (4), succeeded (5). */
export function isFinalStatus(status: number): status is 3 | 4 | 5 {
  return status === TaskStatus.STOPPED || status === TaskStatus.FAILED || status === TaskStatus.SUCCEEDED;
}

/**
 * The status as an upper-case word (`WAITING`, `EXECUTING`, …), as used in logs and the `OmsStatus` search
 * attribute. `0` is the v1 API's "initializing" (still seen as pending by Terraform); other codes give
 * `UNKNOWN_<n>` so a new OMS status never breaks the caller.
 */
export function statusText(status: number): string {
  for (const [name, code] of Object.entries(TaskStatus)) {
    if (code === status) return name;
  }
  return status === 0 ? 'INITIALIZING' : `UNKNOWN_${String(status)}`;
}

// --- Task snapshots (ShowTask) ---

/** OMS `error_reason` of a failed task (normalized: `""`, `null` or missing become `null`). */
export interface TaskErrorReason {
  /** Failure reason code, e.g. `TRF.0151`. */
  error_code: string;
  /** Human-readable reason. */
  error_msg: string;
}

/** OMS `failed_object_record`: whether and where the failed-object list was written. */
export interface FailedObjectRecord {
  /** True when the list was recorded (and failed-object retransmission is possible). */
  result: boolean | null;
  /** Key of the failed-object list in the destination bucket. */
  list_file_key: string | null;
  /** Why recording failed, if it did. */
  error_code: string | null;
}

/**
 * OMS's object and byte counters, as a task snapshot, a migration report and a batch item or total carry them (one
 * declaration for all four).
 */
export interface ObjectCounts {
  /** Objects in the task. */
  total_num: number;
  /** Objects migrated. */
  successful_num: number;
  /** Objects failed (in a migration report: after its retry rounds). */
  failed_num: number;
  /** Objects skipped (older than `migrate_since` or already at the destination). */
  skipped_num: number;
  /** Bytes to migrate. */
  total_size: number;
  /** Bytes migrated. */
  complete_size: number;
}

/** The counters of `c`, each 0 when `c` is absent (no task, no report yet). Keys in declaration order. */
export function objectCounts(c: ObjectCounts | null | undefined): ObjectCounts {
  return {
    total_num: c?.total_num ?? 0,
    successful_num: c?.successful_num ?? 0,
    failed_num: c?.failed_num ?? 0,
    skipped_num: c?.skipped_num ?? 0,
    total_size: c?.total_size ?? 0,
    complete_size: c?.complete_size ?? 0,
  };
}

/** The subset of OMS `TaskResp` (ShowTask) the workflow keeps between polls. */
export interface TaskSnapshot extends ObjectCounts {
  /** OMS task id. */
  id: number;
  /** OMS-generated task name. */
  name: string;
  /** Raw OMS status (see {@link TaskStatus}; unknown codes are kept as-is). */
  status: number;
  /** 0..1 (by bytes for object/prefix, by object count for list/url_list). */
  progress: number;
  /** Bytes actually transferred (skipped objects excluded). */
  real_size: number;
  /** Current speed, bytes/s. */
  migrate_speed: number;
  /** Estimated remaining time, ms. */
  left_time: number;
  /** True once OMS finished listing the source. */
  is_query_over: boolean;
  /** Elapsed time, ms. */
  total_time: number;
  /** Start time, Unix ms. */
  start_time: number;
  /** Why the task failed, or null. */
  error_reason: TaskErrorReason | null;
  /** Failed-object list record, or null. */
  failed_object_record: FailedObjectRecord | null;
}
