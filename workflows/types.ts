/**
 * The public contract of a migration: what a client sends (`MigrationRequest`), what the workflow keeps and
 * answers while it runs (`TaskSnapshot`, `MigrationProgress`) and what it returns (`MigrationReport`).
 *
 * Pure types and constants only: this module is imported by the workflow sandbox, the activities and the
 * client alike. Field names stay in OMS's own snake_case so a user can paste the CreateTask body they know
 * (oms-api.md §5.1), and so the JSON in history and in `schemas/*.schema.json` reads the same in any language.
 * Runtime validation lives in `workflows/internal/validate-request.ts`; the field tables that drive both the
 * validator and the JSON Schemas live in `workflows/internal/request-spec.ts`.
 */

// --- Enumerations (oms-api.md §5.1; the arrays drive the validator and the JSON Schemas) ---

/** OMS task types: files/folders (`object`), key prefixes, an object-list file, a URL-list file. */
export const TASK_TYPES = ['object', 'prefix', 'list', 'url_list'] as const;
/** One of {@link TASK_TYPES}. */
export type TaskType = (typeof TASK_TYPES)[number];

/**
 * Source providers OMS documents. OMS types `cloud_type` as a plain string (not an enum) and other OMS APIs
 * also accept `HEC`, so the contract accepts any string and this list only feeds editor completion and the
 * schema's `examples`.
 */
export const KNOWN_CLOUD_TYPES = [
  'AWS',
  'Azure',
  'Aliyun',
  'Tencent',
  'HuaweiCloud',
  'QingCloud',
  'KingsoftCloud',
  'Baidu',
  'Qiniu',
  'Google',
  'URLSource',
  'UCloud',
  'HEC',
] as const;
/** A source provider; the `string & {}` arm keeps completion for the known names while accepting any string. */
export type CloudType = (typeof KNOWN_CLOUD_TYPES)[number] | (string & {});

/** Server-side encryption of a node (`DEFAULT`: the provider's default; `KMS`: a KMS key). */
export const CRYPTO_TYPES = ['DEFAULT', 'KMS'] as const;
/** One of {@link CRYPTO_TYPES}. */
export type CryptoType = (typeof CRYPTO_TYPES)[number];

/** What OMS does with an object that already exists at the destination. */
export const OBJECT_OVERWRITE_MODES = [
  'NO_OVERWRITE',
  'SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE',
  'CRC64_COMPARISON_OVERWRITE',
  'FULL_OVERWRITE',
] as const;
/** One of {@link OBJECT_OVERWRITE_MODES}. */
export type ObjectOverwriteMode = (typeof OBJECT_OVERWRITE_MODES)[number];

/** Destination storage classes. */
export const DST_STORAGE_POLICIES = ['STANDARD', 'IA', 'ARCHIVE', 'DEEP_ARCHIVE', 'SRC_STORAGE_MAPPING'] as const;
/** One of {@link DST_STORAGE_POLICIES}. */
export type DstStoragePolicy = (typeof DST_STORAGE_POLICIES)[number];

/** Consistency-check modes; `no_check` is only for HTTP/HTTPS (URL-list) sources. */
export const CONSISTENCY_CHECKS = ['size_last_modified', 'crc64', 'no_check'] as const;
/** One of {@link CONSISTENCY_CHECKS}. */
export type ConsistencyCheck = (typeof CONSISTENCY_CHECKS)[number];

/** Scheduling priorities. */
export const TASK_PRIORITIES = ['HIGH', 'MEDIUM', 'LOW'] as const;
/** One of {@link TASK_PRIORITIES}. */
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** Protocols OMS can use to fetch source objects from a CDN domain. */
export const CDN_PROTOCOLS = ['http', 'https'] as const;
/** One of {@link CDN_PROTOCOLS}. */
export type CdnProtocol = (typeof CDN_PROTOCOLS)[number];

/** CDN URL-authentication schemes; anything but `NONE` needs a key (passed by credential profile). */
export const CDN_AUTHENTICATION_TYPES = [
  'NONE',
  'QINIU_PRIVATE_AUTHENTICATION',
  'ALIYUN_OSS_A',
  'ALIYUN_OSS_B',
  'ALIYUN_OSS_C',
  'KSYUN_PRIVATE_AUTHENTICATION',
  'AZURE_SAS_TOKEN',
  'TENCENT_COS_A',
  'TENCENT_COS_B',
  'TENCENT_COS_C',
  'TENCENT_COS_D',
] as const;
/** One of {@link CDN_AUTHENTICATION_TYPES}. */
export type CdnAuthenticationType = (typeof CDN_AUTHENTICATION_TYPES)[number];

/** When OMS sends an SMN notification. */
export const SMN_TRIGGER_CONDITIONS = ['SUCCESS', 'FAILURE'] as const;
/** One of {@link SMN_TRIGGER_CONDITIONS}. */
export type SmnTriggerCondition = (typeof SMN_TRIGGER_CONDITIONS)[number];

/** Languages of SMN notification messages. */
export const SMN_LANGUAGES = ['zh-cn', 'en-us'] as const;
/** One of {@link SMN_LANGUAGES}. */
export type SmnLanguage = (typeof SMN_LANGUAGES)[number];

/**
 * What cancelling the workflow does to the OMS task: `stop` pauses it (StopTask) before the workflow ends;
 * `detach` leaves it running in OMS and only ends the orchestration.
 */
export const ON_CANCEL_ACTIONS = ['stop', 'detach'] as const;
/** One of {@link ON_CANCEL_ACTIONS}. */
export type OnCancelAction = (typeof ON_CANCEL_ACTIONS)[number];

// --- Request limits that other modules must agree on ---

/** Longest `description` OMS accepts (oms-api.md §5.1). */
export const OMS_DESCRIPTION_MAX_LENGTH = 255;
/**
 * Characters of the OMS `description` the orchestrator reserves for its idempotency marker (the activity that
 * creates the task appends it, and looks tasks up by it). The marker must fit in this many characters,
 * separator included, and must itself avoid the forbidden characters `^ < > & " '`.
 */
export const IDEMPOTENCY_MARKER_RESERVED_LENGTH = 40;
/** Longest user `description` a migration request may carry: 255 − 40 = 215 characters (Unicode code points). */
export const DESCRIPTION_MAX_LENGTH = OMS_DESCRIPTION_MAX_LENGTH - IDEMPOTENCY_MARKER_RESERVED_LENGTH;

// --- Request ---

/**
 * Where the objects come from: OMS's `SrcNodeReq`, with every secret (`ak`, `sk`, `security_token`,
 * `json_auth_file`, `connection_string`) replaced by {@link SourceNode.credential_profile}.
 */
export interface SourceNode {
  /** Source provider; OMS defaults to `Aliyun` when absent. Must be `URLSource` for `url_list` tasks. */
  cloud_type?: CloudType;
  /** Source bucket region (1..100 chars); required unless `url_list`. */
  region?: string;
  /** Source bucket (1..1024 chars); required unless `url_list`. */
  bucket?: string;
  /**
   * Name of the worker credential profile holding the source AK/SK (and token, Google JSON or Azure connection
   * string). Required unless `url_list`. The worker resolves it; the secret never enters workflow history.
   */
  credential_profile?: string;
  /** Tencent APPID (0..255 chars); required (non-empty) when `cloud_type` is `Tencent`. */
  app_id?: string;
  /**
   * `object` tasks: object names (a trailing `/` is a folder); `prefix` tasks: key prefixes; `[""]` = the whole
   * bucket. Required (≥ 1 item, each 0..1024 chars) for `object`/`prefix`; not allowed for list tasks.
   */
  object_key?: readonly string[];
  /** The object-list or URL-list file; required for `list`/`url_list`, not allowed otherwise. */
  list_file?: ListFile;
  /** Encryption of the stored source credentials (PY-SDK 3.1.195+). */
  crypto_type?: CryptoType;
  /** KMS key id (exactly 36 chars); only with `crypto_type: "KMS"`. */
  kms_key_id?: string;
}

/** OMS's `ListFile`: where the object-list / URL-list file lives (same region as the destination bucket). */
export interface ListFile {
  /** Object name of the list file (1..1024 chars). */
  list_file_key: string;
  /** OBS bucket holding the list file (1..1024 chars). */
  obs_bucket: string;
  /** "Number of list files" — a string in OMS's own model (0..255 chars). */
  list_file_num?: string;
}

/** Where the objects go (Huawei OBS): OMS's `DstNodeReq` with `ak`/`sk`/`security_token` replaced by a profile. */
export interface DestinationNode {
  /** Destination region (1..100 chars); must be the OMS endpoint's region. */
  region: string;
  /** Destination bucket (1..1024 chars). */
  bucket: string;
  /** Name of the worker credential profile holding the destination AK/SK (and optional token). */
  credential_profile: string;
  /** Prefix prepended to destination keys (0..1024 chars; OMS requires prefix + key ≤ 1024). */
  save_prefix?: string;
  /** Destination encryption (PY-SDK 3.1.195+). */
  crypto_type?: CryptoType;
  /** KMS key id (exactly 36 chars); only with `crypto_type: "KMS"`. */
  kms_key_id?: string;
}

/** OMS's `BandwidthPolicyDto`: a bandwidth cap for a daily time window (both ends inclusive). */
export interface BandwidthWindow {
  /** Window start, `hh:mm` (00:00..23:59). */
  start: string;
  /** Window end, `hh:mm`, not before `start` (split a window that crosses midnight in two). */
  end: string;
  /** Cap in bytes/s, integer 1048576 (1 MiB/s) .. 209715200 (200 MiB/s). */
  max_bandwidth: number;
}

/** OMS's `SourceCdnReq` with `authentication_key` replaced by a credential profile. */
export interface SourceCdn {
  /** CDN domain to fetch source objects from (1..255 chars). */
  domain: string;
  /** Protocol used to reach the CDN. */
  protocol: CdnProtocol;
  /** URL-authentication scheme; OMS defaults to `NONE`. */
  authentication_type?: CdnAuthenticationType;
  /** Worker credential profile whose CDN key is used; required unless `authentication_type` is `NONE`/absent. */
  credential_profile?: string;
  /** Encryption of the stored CDN key (PY-SDK 3.1.195+). */
  crypto_type?: CryptoType;
  /** KMS key id (exactly 36 chars); only with `crypto_type: "KMS"`. */
  kms_key_id?: string;
}

/** OMS's `SmnConfig`: notify an SMN topic when the task ends. */
export interface SmnConfig {
  /** SMN topic URN (1..1024 chars). */
  topic_urn: string;
  /** When to notify (≥ 1 item, no duplicates). */
  trigger_conditions: readonly SmnTriggerCondition[];
  /** Language of the messages. */
  language?: SmnLanguage;
  /** Send through this SMN message template (1..255 chars). */
  message_template_name?: string;
}

/**
 * How the orchestrator drives the task. Everything is optional; {@link ORCHESTRATION_DEFAULTS} fills the gaps.
 * These values change workflow decisions, so they travel in the (recorded) input, not in worker config.
 */
export interface OrchestrationOptions {
  /** Normal ShowTask polling interval in seconds, 0.1..3600 (default 30). */
  poll_interval_seconds?: number;
  /**
   * Floor of the adaptive polling cadence in seconds, 0.1..3600, ≤ `poll_interval_seconds`. Default: 5, or
   * `poll_interval_seconds` when that is smaller (so lowering only the interval is never an error).
   */
  min_poll_interval_seconds?: number;
  /** Overall deadline of the migration in seconds, 1..2592000 (30 days); default 604800 (7 days). */
  deadline_seconds?: number;
  /** What cancelling the workflow does to the OMS task (default `stop`). */
  on_cancel?: OnCancelAction;
  /** Delete the OMS task after it succeeded (default false: keep it for inspection in the console). */
  delete_task_on_success?: boolean;
  /**
   * How many times to restart the task with `migrate_failed_object: true` when it ends with failed objects,
   * integer 0..10 (default 0). Needs `enable_failed_object_recording` (not false).
   */
  failed_object_retry_rounds?: number;
  /** Worker credential profile used to authenticate the OMS/IAM API calls themselves (default `default`). */
  api_profile?: string;
  /**
   * Most OMS tasks of this orchestrator that may be waiting or running at once in the destination region,
   * integer 0..1000 (default 5, OMS's own running-task limit; 0 = no running limit). Enforced by the region
   * limiter workflow across every migration and batch that uses the same task queue (docs/batches.md).
   * With mixed values, the smallest value among the migrations holding or requesting a slot applies.
   */
  max_running_per_region?: number;
  /**
   * Most CreateTask calls in any rolling `create_quota_window_seconds`, integer 0..1000000 (default 1500, OMS's
   * daily creation quota; 0 = no creation quota). With both this and `max_running_per_region` at 0 the limiter is
   * not used at all and OMS's own queueing applies.
   */
  daily_create_quota?: number;
  /** Length of the creation-quota window in seconds, 1..2592000 (default 86400 = 24 h; shorter only for tests). */
  create_quota_window_seconds?: number;
}

/** Defaults of the region-limiter options of {@link OrchestrationOptions} (applied where the limiter is used). */
export const LIMITER_DEFAULTS = Object.freeze({
  max_running_per_region: 5,
  daily_create_quota: 1500,
  create_quota_window_seconds: 24 * 3600,
});

/** {@link OrchestrationOptions} with every default applied. */
export interface ResolvedOrchestrationOptions {
  /** See {@link OrchestrationOptions.poll_interval_seconds}. */
  poll_interval_seconds: number;
  /** See {@link OrchestrationOptions.min_poll_interval_seconds}. */
  min_poll_interval_seconds: number;
  /** See {@link OrchestrationOptions.deadline_seconds}. */
  deadline_seconds: number;
  /** See {@link OrchestrationOptions.on_cancel}. */
  on_cancel: OnCancelAction;
  /** See {@link OrchestrationOptions.delete_task_on_success}. */
  delete_task_on_success: boolean;
  /** See {@link OrchestrationOptions.failed_object_retry_rounds}. */
  failed_object_retry_rounds: number;
  /** See {@link OrchestrationOptions.api_profile}. */
  api_profile: string;
}

/**
 * Defaults of {@link OrchestrationOptions}. `min_poll_interval_seconds` is additionally clamped to the
 * effective `poll_interval_seconds` when the caller did not set it.
 */
export const ORCHESTRATION_DEFAULTS: Readonly<ResolvedOrchestrationOptions> = Object.freeze({
  poll_interval_seconds: 30,
  min_poll_interval_seconds: 5,
  deadline_seconds: 7 * 24 * 3600,
  on_cancel: 'stop',
  delete_task_on_success: false,
  failed_object_retry_rounds: 0,
  api_profile: 'default',
});

/**
 * The workflow input: OMS's CreateTask body (oms-api.md §5.1) with secrets replaced by credential-profile names,
 * plus {@link MigrationRequest.orchestration}. Validate with `validateMigrationRequest()`; JSON Schema:
 * `schemas/migration-request.schema.json`.
 */
export interface MigrationRequest {
  /** Task type; default `object`. */
  task_type?: TaskType;
  /** Source. */
  src_node: SourceNode;
  /** Destination (Huawei OBS). */
  dst_node: DestinationNode;
  /** KMS encryption at the destination (older API; newer OMS uses `dst_node.crypto_type`). OMS default false. */
  enable_kms?: boolean;
  /** Free text, ≤ {@link DESCRIPTION_MAX_LENGTH} chars, without `^ < > & " '`. */
  description?: string;
  /** Only migrate objects modified after this Unix time, in **seconds** (integer 0..1e11; 0 = not set). */
  migrate_since?: number;
  /** Up to 5 non-overlapping bandwidth windows. */
  bandwidth_policy?: readonly BandwidthWindow[];
  /** Fetch source objects through a CDN domain. */
  source_cdn?: SourceCdn;
  /** Notify an SMN topic when the task ends. */
  smn_config?: SmnConfig;
  /** Migrate object metadata (OMS default false). */
  enable_metadata_migration?: boolean;
  /** Restore archived source objects automatically (OMS default false). */
  enable_restore?: boolean;
  /** Record failed objects in a list at the destination; default **true** (failed-object retries rely on it). */
  enable_failed_object_recording?: boolean;
  /** Same-name object policy (OMS default `SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE`). */
  object_overwrite_mode?: ObjectOverwriteMode;
  /** Destination storage class (OMS default `STANDARD`). */
  dst_storage_policy?: DstStoragePolicy;
  /** Consistency check (OMS default `size_last_modified`; `no_check` only for `url_list`). */
  consistency_check?: ConsistencyCheck;
  /** Requester-pays for source requests. */
  enable_requester_pays?: boolean;
  /** Scheduling priority. */
  task_priority?: TaskPriority;
  /** How the orchestrator drives the task (not sent to OMS). */
  orchestration?: OrchestrationOptions;
}

/**
 * A validated request with the defaults the orchestrator decides on applied: `task_type`,
 * `enable_failed_object_recording` and every orchestration option. Other optional OMS fields stay absent, so
 * OMS applies its own defaults (and fields newer OMS versions dropped, such as `enable_kms`, are not sent
 * unless the caller asked for them).
 */
export interface NormalizedMigrationRequest extends Omit<
  MigrationRequest,
  'task_type' | 'enable_failed_object_recording' | 'orchestration'
> {
  /** Task type (default applied). */
  task_type: TaskType;
  /** Failed-object recording (default true applied). */
  enable_failed_object_recording: boolean;
  /** Orchestration options with every default applied. */
  orchestration: ResolvedOrchestrationOptions;
}

// --- Validation results ---

/** One problem found in a request. Messages name fields but never echo values (a value may be a secret). */
export interface ValidationIssue {
  /** JSON path of the offending field, e.g. `src_node.object_key[2]`; `$` is the request itself. */
  field: string;
  /** What is wrong and, where useful, how to fix it. */
  message: string;
}

/** Outcome of `validateMigrationRequest()`: the normalized request, or every problem found. */
export type ValidationResult =
  { ok: true; request: NormalizedMigrationRequest } | { ok: false; errors: ValidationIssue[] };

// --- OMS task status (oms-api.md §5.2, §5.9) ---

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
/** One of the documented {@link TaskStatus} codes. */
export type TaskStatusCode = (typeof TaskStatus)[keyof typeof TaskStatus];

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

// --- Task snapshots, progress and report ---

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

/** The subset of OMS `TaskResp` (ShowTask) the workflow keeps between polls. */
export interface TaskSnapshot {
  /** OMS task id. */
  id: number;
  /** OMS-generated task name. */
  name: string;
  /** Raw OMS status (see {@link TaskStatus}; unknown codes are kept as-is). */
  status: number;
  /** 0..1 (by bytes for object/prefix, by object count for list/url_list). */
  progress: number;
  /** Objects in the task. */
  total_num: number;
  /** Objects migrated. */
  successful_num: number;
  /** Objects failed. */
  failed_num: number;
  /** Objects skipped (older than `migrate_since` or already at the destination). */
  skipped_num: number;
  /** Bytes to migrate. */
  total_size: number;
  /** Bytes migrated. */
  complete_size: number;
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

/** Phases of a migration, in order (`paused` and `retrying_failed_objects` may repeat). */
export const MIGRATION_PHASES = [
  'validating',
  'creating',
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
  /** When this progress was last updated (ISO 8601, workflow time). */
  updated_at: string;
}

/**
 * How a migration ended: `succeeded` (status 5, no failed objects), `completed_with_failures` (status 5 with
 * failed objects left after any retry rounds), `failed` (status 4, or the deadline passed), `stopped` (the task
 * was paused and stays paused), `cancelled` (the workflow was cancelled; see `on_cancel`).
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
export interface MigrationReport {
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
  /** Last OMS status (see {@link TaskStatus}), or null if no task was created. */
  status: number | null;
  /** Objects in the task. */
  total_num: number;
  /** Objects migrated. */
  successful_num: number;
  /** Objects failed (after retry rounds). */
  failed_num: number;
  /** Objects skipped. */
  skipped_num: number;
  /** Bytes to migrate. */
  total_size: number;
  /** Bytes migrated. */
  complete_size: number;
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
}

// --- Region limiter (workflows/region-limiter.ts; docs/batches.md) ---

/** A request for a running slot, sent by a migration to the limiter of its region (signal-with-start). */
export interface SlotRequest {
  /** Workflow id of the requesting migration: the limiter signals the grant to it and tracks the slot by it. */
  holder_id: string;
  /** Unique per request; the grant echoes it, so a late grant of a withdrawn request is ignored. */
  request_id: string;
  /** True when a CreateTask follows (it then also needs room in the creation quota). */
  creates: boolean;
  /**
   * The requester's running limit (0 = none): it is granted only while fewer slots are held, and while it holds
   * its slot no other request is granted beyond this many holders either.
   */
  max_running: number;
  /** The requester's creation quota per window (0 = none). */
  create_quota: number;
  /** The requester's creation-quota window, ms. */
  create_window_ms: number;
}

/** Gives a slot back, or withdraws a request still waiting. */
export interface SlotRelease {
  holder_id: string;
  request_id: string;
}

/** The limiter's answer to a {@link SlotRequest}, signalled to the requester. */
export interface SlotGrant {
  request_id: string;
}

/** A granted slot. */
export interface LimiterHolder {
  holder_id: string;
  request_id: string;
  creates: boolean;
  /** The holder's running limit: while it holds, no grant makes more than this many holders (0 = none). */
  max_running: number;
  /** Epoch ms (limiter workflow time). */
  granted_at: number;
}

/** A request waiting for a slot (first come, first served). */
export interface LimiterWaiter extends SlotRequest {
  /** Epoch ms (limiter workflow time). */
  enqueued_at: number;
}

/** The limiter's whole state: small, and carried as it is across continue-as-new. */
export interface LimiterState {
  region: string;
  holders: LimiterHolder[];
  waiters: LimiterWaiter[];
  /** Epoch ms of the creations granted within `retain_ms` (for the rolling creation quota). */
  creations: number[];
  /** How long creations are remembered: the longest quota window any request named. */
  retain_ms: number;
  /** Slots taken back from holders that ended without releasing them (since the limiter first started). */
  reclaimed: number;
  /** Runs so far (1 + continue-as-new count). */
  runs: number;
}

/** Answer of the limiter's `limiterStatus` query. */
export interface LimiterStatus {
  region: string;
  /** Slots held (tasks waiting or running in OMS that this orchestrator created or restarted). */
  running: number;
  /** Requests waiting for a slot. */
  waiting: number;
  holders: LimiterHolder[];
  /** The first waiters, in grant order (at most 50). */
  waiters: LimiterWaiter[];
  /** Creations remembered for the quota (within the longest window requested). */
  recent_creations: number;
  reclaimed: number;
  runs: number;
}

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

// --- Batches (workflows/batch.ts; docs/batches.md) ---

/** What a batch does when items fail: go on with the others, or stop starting items after some failed. */
export const BATCH_FAILURE_MODES = ['continue', 'stop'] as const;
/** One of {@link BATCH_FAILURE_MODES}. */
export type BatchFailureMode = (typeof BATCH_FAILURE_MODES)[number];

/**
 * Failure policy of a batch. A *failed item* is one whose migration did not complete (failed, stopped, cancelled
 * on its own, deadline); items that completed with failed objects are not failed items.
 */
export interface BatchFailurePolicy {
  /** `continue` (default): run every item. `stop`: start no further items once `max_failed_items` failed. */
  mode?: BatchFailureMode;
  /** With `stop`: how many failed items stop the batch, integer ≥ 1 (default 1). Items already running finish. */
  max_failed_items?: number;
}

/** Incremental runs: each run migrates only objects changed since the last fully successful run. */
export interface BatchIncremental {
  /** The schedule whose runs are compared (set by `oms-orchestrator schedule create --incremental`). */
  schedule_id: string;
  /**
   * Seconds subtracted from the previous run's start time, 0..86400 (default 0): a safety margin for clock skew
   * between Temporal and the source storage.
   */
  overlap_seconds?: number;
}

/**
 * Input of `batchMigrationWorkflow`: either explicit `items` (migration requests), or a compact spec — one
 * `template` request (source/destination pair and options) plus `prefixes` (one prefix task each) or
 * `list_files` (one list task each). `orchestration` applies to every item unless the item sets the field itself.
 */
export interface BatchRequest {
  /** Short free text shown in the UI (≤ 200 characters). */
  label?: string;
  /** Explicit items, 1..100000 migration requests. Exactly one of `items` and `template`. */
  items?: MigrationRequest[];
  /** Shared request of a compact spec; leave `src_node.object_key` / `src_node.list_file` out. */
  template?: MigrationRequest;
  /** With `template`: one prefix task per entry (`task_type` defaults to `prefix`). */
  prefixes?: string[];
  /** With `template`: one list task per entry (`task_type` defaults to `list`; `url_list` when the template says so). */
  list_files?: ListFile[];
  /** Items running at once, integer 1..1000 (default 5). OMS's limits apply on top (the region limiter). */
  concurrency?: number;
  /** Default `{ "mode": "continue" }`. */
  failure_policy?: BatchFailurePolicy;
  /** Orchestration options for every item (an item's own `orchestration` fields win). */
  orchestration?: OrchestrationOptions;
  /** Migrate only objects changed since the last successful run of a schedule. */
  incremental?: BatchIncremental;
  /**
   * Items started per workflow run before the batch continues as new, integer 1..10000 (default 200; the run also
   * continues as new when Temporal suggests it). Lower it only to test the continue-as-new path.
   */
  continue_as_new_after_items?: number;
}

/** Defaults of {@link BatchRequest}. */
export const BATCH_DEFAULTS = Object.freeze({
  concurrency: 5,
  max_failed_items: 1,
  continue_as_new_after_items: 200,
  overlap_seconds: 0,
});

/** Most items of one batch. */
export const BATCH_MAX_ITEMS = 100_000;

/** How an item ended (`not_started`: the batch stopped or was cancelled before starting it). */
export type BatchItemOutcome = MigrationOutcome | 'not_started';

/** One item's outcome in a batch report: a few numbers from its migration report, or its failure. */
export interface BatchItemSummary {
  index: number;
  /** Workflow id of the item's migration: `<batch id>/item-<index>`. */
  migration_id: string;
  outcome: BatchItemOutcome;
  task_id: number | null;
  total_num: number;
  successful_num: number;
  failed_num: number;
  skipped_num: number;
  total_size: number;
  complete_size: number;
  retry_rounds: number;
  /** Failure type and message when the migration did not complete (messages are cut to 300 characters). */
  failure: { type: string; message: string } | null;
  /** Where OMS wrote the item's failed-object list, when objects failed. */
  failed_object_record: FailedObjectRecord | null;
}

/** Object and byte totals over the items that ended. */
export interface BatchTotals {
  total_num: number;
  successful_num: number;
  failed_num: number;
  skipped_num: number;
  total_size: number;
  complete_size: number;
}

/** Items by outcome. */
export interface BatchCounts {
  succeeded: number;
  completed_with_failures: number;
  failed: number;
  stopped: number;
  cancelled: number;
  not_started: number;
}

/** How a batch ended. */
export const BATCH_OUTCOMES = ['succeeded', 'completed_with_failures', 'failed', 'cancelled'] as const;
/** One of {@link BATCH_OUTCOMES}. */
export type BatchOutcome = (typeof BATCH_OUTCOMES)[number];

/** The previous successful run an incremental batch started from. */
export interface BatchPreviousRun {
  workflow_id: string;
  run_id: string;
  /** When that run started (ISO 8601). */
  started_at: string;
}

/** The watermark an incremental batch used. */
export interface BatchWatermark {
  schedule_id: string;
  /** `migrate_since` given to every item, Unix seconds (0 = first run: everything). */
  migrate_since: number;
  previous_run: BatchPreviousRun | null;
}

/**
 * The batch's result (snake_case JSON). `items` lists every item when the batch has at most 1,000 of them;
 * larger batches list only the items that did not succeed (also at most 1,000) and count the rest in
 * `items_omitted` (find them with the `OmsBatchId` search attribute).
 */
export interface BatchReport {
  batch_id: string;
  label: string | null;
  outcome: BatchOutcome;
  /** True when the failure policy stopped the batch. */
  stopped_by_failure_policy: boolean;
  items_total: number;
  counts: BatchCounts;
  totals: BatchTotals;
  items: BatchItemSummary[];
  items_omitted: number;
  /** The items that failed or completed with failures, with their `failed_object_record`. */
  failed_items: BatchItemSummary[];
  incremental: BatchWatermark | null;
  /** Workflow runs (1 + continue-as-new count). */
  runs: number;
  /** When the batch started (ISO 8601; the first run's start). */
  started_at: string;
  finished_at: string;
}

/** Answer of the batch's `progress` query. */
export interface BatchProgress {
  batch_id: string;
  items_total: number;
  /** Not started yet. */
  waiting: number;
  /** Started and not ended (includes items waiting in OMS or for a limiter slot). */
  running: number;
  /** Ended, whatever the outcome. */
  done: number;
  /** Ended without completing (counts towards the failure policy). */
  failed: number;
  counts: BatchCounts;
  totals: BatchTotals;
  stopping: boolean;
  runs: number;
  incremental: BatchWatermark | null;
  started_at: string;
  updated_at: string;
}

/** Failure types of the batch workflow (`ApplicationFailure.type`; never rename). */
export const BatchFailureType = {
  /** The failure policy stopped the batch; `details[0]` is the {@link BatchReport}. Non-retryable. */
  BatchFailed: 'BatchFailed',
} as const;

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
