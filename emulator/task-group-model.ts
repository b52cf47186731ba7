/**
 * The task-group data model (docs/oms-api.md §6). Like {@link TaskRecord}, a group record is free of secrets: the keys
 * of a CreateTaskGroup/StartTaskGroup/RetryTaskGroup body go to the member tasks (held in memory by the simulator)
 * and are never stored here.
 */
import type { ErrorReason, TaskSpec } from './task-model';

/** Group `task_type` values (upper-case, unlike tasks; there is no OBJECT group). */
export const GROUP_TASK_TYPES = ['PREFIX', 'LIST', 'URL_LIST'] as const;
/** A group `task_type`. */
export type GroupTaskType = (typeof GROUP_TASK_TYPES)[number];

/** Group status codes (docs/oms-api.md §6). 0 and 8 are never produced: creation starts at once, deletion is immediate. */
export const GroupStatus = {
  Waiting: 0,
  Creating: 1,
  Monitoring: 2,
  Paused: 3,
  CreateFailed: 4,
  MigrateFailed: 5,
  Succeeded: 6,
  Pausing: 7,
  WaitingDeletion: 8,
  Deleted: 9,
} as const;
/** A group status code. */
export type GroupStatusCode = (typeof GroupStatus)[keyof typeof GroupStatus];

/** A task group as the emulator keeps it. Times are simulated epoch ms. */
export interface TaskGroupRecord {
  /** UUID-shaped group id. */
  id: string;
  projectId: string;
  domainId: string;
  createdAt: number;
  groupTaskType: GroupTaskType;
  /** The validated group options, in the task form (lower-case task type); members derive their specs from it. */
  spec: TaskSpec;
  /** Member task ids, in creation order. */
  memberIds: number[];
  /** Objects and bytes the split assigned to members (`create_complete_num`/`create_complete_size`). */
  createdNum: number;
  createdSize: number;
  /** Why the split failed (status 4), null when it succeeded. */
  creationError: ErrorReason | null;
  /** A StopTaskGroup is in force (cleared by StartTaskGroup/RetryTaskGroup). */
  stopRequested: boolean;
  failedObjectRecord: { result: boolean | null; list_file_key: string | null; error_code: string | null };
  /** What the failed-object list was last written for (member ids, runs and failures), to write it once per outcome. */
  recordedFor: string;
}
