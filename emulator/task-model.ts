/**
 * The task data model shared by validation, the simulator, the response renderer and persistence. Everything
 * here is free of secrets: credentials live only in {@link TaskCredentials}, which is held in memory while a
 * task may still run and is never persisted, logged or rendered.
 */
import type { BandwidthPolicyDto } from './bandwidth';

/** `task_type` values. */
export const TASK_TYPES = ['list', 'url_list', 'object', 'prefix'] as const;
/** A `task_type` value. */
export type TaskType = (typeof TASK_TYPES)[number];

/** Task status codes (docs/oms-api.md §0 item 3). 6 (retrying) is never produced by the emulator. */
export const TaskStatus = {
  Waiting: 1,
  Executing: 2,
  Stopped: 3,
  Failed: 4,
  Succeeded: 5,
  Pausing: 7,
} as const;
/** A status code the emulator produces. */
export type TaskStatusCode = (typeof TaskStatus)[keyof typeof TaskStatus];

/** `src_node.list_file` as echoed. */
export interface ListFileSpec {
  list_file_key: string;
  obs_bucket: string;
  list_file_num?: string;
}

/** The validated, secret-free description of a task (what CreateTask asked for). */
export interface TaskSpec {
  taskType: TaskType;
  src: {
    cloudType: string;
    region: string | null;
    bucket: string | null;
    appId: string;
    objectKey: string[] | null;
    listFile: ListFileSpec | null;
  };
  dst: { region: string; bucket: string; savePrefix: string | null };
  description: string;
  /** Seconds since the epoch, 0 = not set (echoed as given). */
  migrateSince: number;
  bandwidthPolicy: BandwidthPolicyDto[];
  sourceCdn: { domain: string; protocol: string; authentication_type: string } | null;
  smnConfig: { topic_urn: string; trigger_conditions: string[]; language?: string } | null;
  enableKms: boolean;
  enableMetadataMigration: boolean;
  enableRestore: boolean;
  enableFailedObjectRecording: boolean;
  enableRequesterPays: boolean;
  objectOverwriteMode: string;
  dstStoragePolicy: string;
  consistencyCheck: string;
  taskPriority: string | null;
}

/** Credentials of a task, held in memory only (never persisted). */
export interface TaskCredentials {
  srcAk?: string;
  srcSk?: string;
  srcSecurityToken?: string;
  dstAk: string;
  dstSk: string;
  dstSecurityToken?: string;
  cdnAuthenticationKey?: string;
  jsonAuthFile?: string;
  connectionString?: string;
}

/**
 * Whether the task's key pairs matched a configured account when they were supplied. This verdict (not the keys)
 * is what is persisted, so a task that was waiting or running across a restart still fails or succeeds as it
 * would have.
 */
export interface CredentialVerdict {
  /** 'none' for URL-list tasks (no source keys). */
  src: 'valid' | 'invalid' | 'none';
  dst: 'valid' | 'invalid';
}

/** One object to transfer in a run. */
export interface WorkItem {
  /** Source key (for URL lists: the key the URL resolved to, or the URL when it did not resolve). */
  key: string;
  /** Destination key (save_prefix applied). */
  dstKey: string;
  size: number;
  lastModified: number;
  /** The object's error code if it is going to fail in this run, else null. */
  failCode: string | null;
  /** The URL-list line this item came from (written back to the failed-object list). */
  line?: string;
}

/** A failed object remembered for `migrate_failed_object`. */
export interface FailedItem {
  key: string;
  dstKey: string;
  line?: string;
  /** Why it failed (a TRF code); absent in snapshots written before it was kept. */
  errorCode?: string;
}

/** Counters of the current (or last) run. */
export interface RunCounters {
  totalNum: number;
  totalSize: number;
  successfulNum: number;
  successfulSize: number;
  failedNum: number;
  failedSize: number;
  skippedNum: number;
  skippedSize: number;
}

/** The transfer in progress (status 2). */
export interface ActiveRun {
  items: WorkItem[];
  /** cumulative[i] = bytes of items[0..i); length items.length + 1. Rebuilt after loading. */
  cumulative: number[];
  /** Bytes transferred as of `anchorTime` (re-anchored whenever the speed profile changes). */
  anchorTime: number;
  anchorBytes: number;
  /** Simulated instant at which the last byte is transferred. */
  finishAt: number;
  /** Items fully processed (and written to the destination) so far. */
  doneIdx: number;
  /** Bytes transferred as of the last materialisation. */
  bytesNow: number;
}

/** `error_reason` of a failed task. */
export interface ErrorReason {
  error_code: string;
  error_msg: string;
}

/** A task as the simulator keeps it. Times are simulated epoch ms. */
export interface TaskRecord {
  id: number;
  projectId: string;
  domainId: string;
  /** Region whose running slots the task uses (the destination region). */
  region: string;
  name: string;
  createdAt: number;
  /** Creation order (ties in `createdAt`). */
  seq: number;
  spec: TaskSpec;
  status: TaskStatusCode;
  /** Runs started so far minus one (0 during the first run). */
  runIndex: number;
  /** Whether the pending/current run only retries the previous run's failed objects. */
  failedOnly: boolean;
  /** When a waiting task may start. */
  eligibleAt: number;
  /** Start of the current/last execution (0 if never executed). */
  startTime: number;
  /** End of the current/last execution (stop, failure or success), null while executing. */
  endTime: number | null;
  /** When a pausing task (7) becomes stopped (3). */
  pauseUntil: number;
  counters: RunCounters;
  isQueryOver: boolean;
  active: ActiveRun | null;
  failedItems: FailedItem[];
  errorReason: ErrorReason | null;
  failedObjectRecord: { result: boolean | null; list_file_key: string | null; error_code: string | null };
  smnInfo: { notify_result: boolean; notify_error_message: string; topic_name: string } | null;
  credentialVerdict: CredentialVerdict;
  /** The task group that created this task (a member task), absent for a plain task. */
  groupId?: string;
}

/** Zeroed counters. */
export function emptyCounters(): RunCounters {
  return {
    totalNum: 0,
    totalSize: 0,
    successfulNum: 0,
    successfulSize: 0,
    failedNum: 0,
    failedSize: 0,
    skippedNum: 0,
    skippedSize: 0,
  };
}
