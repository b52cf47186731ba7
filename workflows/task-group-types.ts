/**
 * Task-group migrations (workflows/task-group-migration.ts): OMS group statuses, the snapshot the workflow keeps,
 * its progress and report, and the inputs and outputs of the group activities (activities/task-group-activities.ts).
 * Pure types and helpers, shared by the workflow sandbox, the activities and the client.
 *
 * Counters use the task names (`successful_num`, `failed_num`, `skipped_num`), as in a migration report, so one
 * reader handles both; OMS names them `success_num`/`fail_num`/`skip_num` for groups (mapped by the activity).
 */
import type { ActivityCallCounts } from './activity-types';
import type { ApiCallCounts, MigrationOutcome, MigrationPhase } from './report-types';
import type { BandwidthWindow, NormalizedMigrationRequest, TaskType } from './request-types';
import type { FailedObjectRecord, ObjectCounts, TaskErrorReason } from './task-status';

/** OMS task-group status codes (TaskGroupResp `status`, docs/oms-api.md §6). */
export const GroupStatus = {
  /** Waiting. */
  WAITING: 0,
  /** Creating its member tasks. */
  CREATING: 1,
  /** Monitoring: member tasks are waiting or running. */
  MONITORING: 2,
  /** Paused (StopTaskGroup); final until StartTaskGroup. */
  PAUSED: 3,
  /** Creating the member tasks failed. */
  CREATE_FAILED: 4,
  /** Migration failed (members failed); final until RetryTaskGroup. */
  MIGRATE_FAILED: 5,
  /** Succeeded. */
  SUCCEEDED: 6,
  /** Pausing: on the way from 1/2 to 3 after StopTaskGroup. */
  PAUSING: 7,
  /** Waiting to be deleted. */
  WAITING_DELETION: 8,
  /** Deleted. */
  DELETED: 9,
} as const;

/** True for the statuses a group stays in without further action: 3, 4, 5, 6 and 9. */
export function isFinalGroupStatus(status: number): boolean {
  return (
    status === GroupStatus.PAUSED ||
    status === GroupStatus.CREATE_FAILED ||
    status === GroupStatus.MIGRATE_FAILED ||
    status === GroupStatus.SUCCEEDED ||
    status === GroupStatus.DELETED
  );
}

/** The final group statuses (for the poll's "report now" rule). */
export const FINAL_GROUP_STATUSES: readonly number[] = [3, 4, 5, 6, 9];

/** The status as an upper-case word (`MONITORING`, …); unknown codes give `UNKNOWN_<n>`. */
export function groupStatusText(status: number): string {
  for (const [name, code] of Object.entries(GroupStatus)) if (code === status) return name;
  return `UNKNOWN_${String(status)}`;
}

/** What the workflow keeps of ShowTaskGroup between polls: aggregated figures, no secrets. */
export interface TaskGroupSnapshot extends ObjectCounts {
  /** OMS group id. */
  group_id: string;
  /** Raw OMS group status (see {@link GroupStatus}). */
  status: number;
  /** 0..1: `complete_size / total_size` (by objects when sizes are unknown). */
  progress: number;
  /** Member tasks: all, failed, succeeded, paused, executing, waiting. */
  total_task_num: number;
  failed_task_num: number;
  complete_task_num: number;
  paused_task_num: number;
  executing_task_num: number;
  waiting_task_num: number;
  /** Aggregated speed, bytes/s. */
  migrate_speed: number;
  /** Elapsed, ms. */
  total_time: number;
  /** Start, Unix ms (0 before any member ran). */
  start_time: number;
  /** Why the group failed, or null. */
  error_reason: TaskErrorReason | null;
  /** The group's failed-object list record, or null. */
  failed_object_record: FailedObjectRecord | null;
}

/** Answer of the `progress` query of a group migration. */
export interface TaskGroupProgress {
  /** Workflow id. */
  migration_id: string;
  /** Always `group`: tells a group migration's progress from a task migration's. */
  kind: 'group';
  phase: MigrationPhase;
  /** OMS group id, once the group exists. */
  group_id?: string;
  /** Latest group snapshot, once polled. */
  snapshot?: TaskGroupSnapshot;
  /** True while paused on request. */
  paused: boolean;
  /** When this progress was last updated (ISO 8601, workflow time). */
  updated_at: string;
}

/** Failed objects after one round (the first entry is the migration before any retry). */
export interface FailedAfterRound {
  /** 0 = the first run, n = after the n-th RetryTaskGroup round. */
  round: number;
  /** Objects that had failed then (`fail_num`). */
  failed_num: number;
  /** The group's failed-object list then (OMS rewrites it per run). */
  failed_object_record: FailedObjectRecord | null;
}

/** A duplicate group (from a create of unknown outcome) taken out of service. */
export interface RemovedDuplicateGroup {
  group_id: string;
  /** `stopped`: it was running (paused now); `deleted`: it is gone. */
  action: 'stopped' | 'deleted';
  status?: number;
}

/** The result of a group migration (and the `report` memo when it ends early). */
export interface TaskGroupReport extends ObjectCounts {
  /** Workflow id. */
  migration_id: string;
  kind: 'group';
  /** OMS group id, or null if none was created. */
  group_id: string | null;
  /** Task type of the request (the group's type in lower case). */
  task_type: TaskType;
  outcome: MigrationOutcome;
  /** Last OMS group status, or null. */
  status: number | null;
  /** Member tasks: all, failed, succeeded. */
  total_task_num: number;
  failed_task_num: number;
  complete_task_num: number;
  failed_object_record: FailedObjectRecord | null;
  /** Failed objects after the first run and after each retry round. */
  failed_after_round: FailedAfterRound[];
  error_reason: TaskErrorReason | null;
  start_time: number;
  total_time: number;
  retry_rounds: number;
  src_bucket: string | null;
  dst_bucket: string;
  api_calls: ApiCallCounts;
  started_at: string;
  finished_at: string;
  duplicates_removed?: RemovedDuplicateGroup[];
  /** True when the group was deleted after success (`delete_task_on_success`). */
  group_deleted?: boolean;
}

// --- Activity inputs and outputs ---

/** Input of `createTaskGroup`. */
export interface CreateTaskGroupInput {
  /** Idempotency key (namespace / workflow id / first run id), hashed into a marker in the group description. */
  idempotency_key: string;
  request: NormalizedMigrationRequest;
  /** Look for a group with the marker before creating, also on the first attempt (a reset run, a re-call). */
  lookup_first?: boolean;
}

/** Result of `createTaskGroup`. */
export interface CreateTaskGroupOutput {
  group_id: string;
  /** An earlier create had made the group; this call found it by its marker. */
  reattached: boolean;
  /** Another create for this migration may still land: the workflow reconciles after a settle window. */
  uncertain: boolean;
  calls: ActivityCallCounts;
}

/** Input of `reconcileTaskGroups`. */
export interface ReconcileTaskGroupsInput {
  api_profile: string;
  idempotency_key: string;
  /** The group the migration watches; every other group with the marker is removed. None: all. */
  keep_group_id?: string;
}

/** Result of `reconcileTaskGroups`. */
export interface ReconcileTaskGroupsOutput {
  removed: RemovedDuplicateGroup[];
  calls: ActivityCallCounts;
}

/** Input of `pollTaskGroup`: the cadence fields of `pollMigrationTask`. */
export interface PollTaskGroupInput {
  group_id: string;
  api_profile: string;
  known_status?: number;
  known_checkpoint: number;
  poll_interval_ms: number;
  min_poll_interval_ms: number;
  /** When > 0 the first attempt only waits this long (the previous poll has just looked). */
  first_poll_delay_ms: number;
  /** The migration's deadline (epoch ms): a poll at or after it returns with `deadline_reached`. */
  deadline_at: number;
}

/** Result of `pollTaskGroup`. */
export interface PollTaskGroupOutput {
  snapshot: TaskGroupSnapshot;
  checkpoint: number;
  deadline_reached?: boolean;
  attempt: number;
  calls: ActivityCallCounts;
}

/** Input of the group-control activities. */
export interface TaskGroupControlInput {
  group_id: string;
  api_profile: string;
}

/** Input of `restartTaskGroup`: resume a paused group (StartTaskGroup) or retry a failed one (RetryTaskGroup). */
export interface RestartTaskGroupInput extends TaskGroupControlInput {
  mode: 'resume' | 'retry';
  src_profile?: string;
  dst_profile: string;
  cdn_profile?: string;
  /** Retry: only the failed objects. */
  migrate_failed_object: boolean;
}

/** Input of `updateTaskGroupBandwidth`. */
export interface UpdateTaskGroupBandwidthInput extends TaskGroupControlInput {
  bandwidth_policy: BandwidthWindow[];
}

/** Result of a group-control activity; `changed` is false when OMS was already in the requested state. */
export interface TaskGroupControlOutput {
  changed: boolean;
  /** The group as OMS showed it after the call (stop only). */
  snapshot?: TaskGroupSnapshot;
  calls: ActivityCallCounts;
}
