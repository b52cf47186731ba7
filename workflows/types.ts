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
}

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
  'waiting',
  'running',
  'paused',
  'retrying_failed_objects',
  'finalizing',
  'done',
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
}
