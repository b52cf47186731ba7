/**
 * The request contract of a migration: what a client sends (`MigrationRequest`), the enumerations and limits its
 * fields use, the orchestration options with their defaults, and the validator's result.
 *
 * Pure types and constants only: this module is imported by the workflow sandbox, the activities and the
 * client alike. Field names stay in OMS's own snake_case so a user can paste the CreateTask body they know
 * (docs/oms-api.md §5.1), and so the JSON in history and in `schemas/*.schema.json` reads the same in any language.
 * Runtime validation lives in `workflows/shared/validate-request.ts`; the field tables that drive both the
 * validator and the JSON Schemas live in `workflows/shared/request-spec.ts`.
 */
import { LIMITER_DEFAULTS } from './limiter-types';

// --- Enumerations (docs/oms-api.md §5.1; the arrays drive the validator and the JSON Schemas) ---

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

/** Longest `description` OMS accepts (docs/oms-api.md §5.1). */
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
// Field comments here are labels. Each field's description and rules (lengths, ranges, defaults, which task types
// need it) are written once, in the tables of workflows/shared/request-spec.ts, which the validator enforces and
// which generate schemas/migration-request.schema.json.

/**
 * Where the objects come from: OMS's `SrcNodeReq`, with every secret (`ak`, `sk`, `security_token`,
 * `json_auth_file`, `connection_string`) replaced by {@link SourceNode.credential_profile}.
 */
export interface SourceNode {
  /** Source provider. */
  cloud_type?: CloudType;
  /** Source bucket region. */
  region?: string;
  /** Source bucket. */
  bucket?: string;
  /** Worker credential profile with the source secrets. */
  credential_profile?: string;
  /** Tencent APPID. */
  app_id?: string;
  /** Object names or key prefixes. */
  object_key?: readonly string[];
  /** The object-list or URL-list file. */
  list_file?: ListFile;
  /** Encryption type. */
  crypto_type?: CryptoType;
  /** KMS key id. */
  kms_key_id?: string;
}

/** OMS's `ListFile`: where the object-list / URL-list file lives (same region as the destination bucket). */
export interface ListFile {
  /** Object name of the list file. */
  list_file_key: string;
  /** OBS bucket holding the list file. */
  obs_bucket: string;
  /** Number of list files. */
  list_file_num?: string;
}

/** Where the objects go (Huawei OBS): OMS's `DstNodeReq` with `ak`/`sk`/`security_token` replaced by a profile. */
export interface DestinationNode {
  /** Destination region. */
  region: string;
  /** Destination bucket. */
  bucket: string;
  /** Worker credential profile with the destination secrets. */
  credential_profile: string;
  /** Prefix prepended to destination keys. */
  save_prefix?: string;
  /** Encryption type. */
  crypto_type?: CryptoType;
  /** KMS key id. */
  kms_key_id?: string;
}

/** OMS's `BandwidthPolicyDto`: a bandwidth cap for a daily time window (both ends inclusive). */
export interface BandwidthWindow {
  /** Window start, `hh:mm`. */
  start: string;
  /** Window end, `hh:mm`. */
  end: string;
  /** Cap in bytes/s. */
  max_bandwidth: number;
}

/** OMS's `SourceCdnReq` with `authentication_key` replaced by a credential profile. */
export interface SourceCdn {
  /** CDN domain. */
  domain: string;
  /** Protocol used to reach the CDN. */
  protocol: CdnProtocol;
  /** URL-authentication scheme. */
  authentication_type?: CdnAuthenticationType;
  /** Worker credential profile with the CDN key. */
  credential_profile?: string;
  /** Encryption type. */
  crypto_type?: CryptoType;
  /** KMS key id. */
  kms_key_id?: string;
}

/** OMS's `SmnConfig`: notify an SMN topic when the task ends. */
export interface SmnConfig {
  /** SMN topic URN. */
  topic_urn: string;
  /** When to notify. */
  trigger_conditions: readonly SmnTriggerCondition[];
  /** Language of the messages. */
  language?: SmnLanguage;
  /** SMN message template. */
  message_template_name?: string;
}

/**
 * A completion webhook (docs/notifications.md): the orchestrator POSTs the migration's final report summary to
 * `webhook_url` once per final outcome, signed with HMAC-SHA256 under the secret of `credential_profile` (a worker
 * credential profile; the secret never travels in the request). Not sent to OMS (`smn_config` is OMS's own).
 */
export interface NotificationConfig {
  /** Webhook URL. */
  webhook_url: string;
  /** Worker credential profile with the webhook's HMAC secret. */
  credential_profile: string;
}

/**
 * How the orchestrator drives the task. Everything is optional; {@link ORCHESTRATION_DEFAULTS} fills the gaps.
 * These values change workflow decisions, so they travel in the (recorded) input, not in worker config.
 */
export interface OrchestrationOptions {
  /** Normal ShowTask polling interval, seconds. */
  poll_interval_seconds?: number;
  /** Floor of the adaptive polling cadence, seconds. */
  min_poll_interval_seconds?: number;
  /** Overall deadline, seconds. */
  deadline_seconds?: number;
  /** What cancelling the workflow does to the OMS task. */
  on_cancel?: OnCancelAction;
  /** Delete the OMS task after it succeeded. */
  delete_task_on_success?: boolean;
  /** Restarts for failed objects. */
  failed_object_retry_rounds?: number;
  /** Worker credential profile for the OMS/IAM API calls. */
  api_profile?: string;
  /** Region limiter: most tasks waiting or running at once. */
  max_running_per_region?: number;
  /** Region limiter: most creations per window. */
  daily_create_quota?: number;
  /** Region limiter: length of the creation window, seconds. */
  create_quota_window_seconds?: number;
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
  /** See {@link OrchestrationOptions.max_running_per_region}. */
  max_running_per_region: number;
  /** See {@link OrchestrationOptions.daily_create_quota}. */
  daily_create_quota: number;
  /** See {@link OrchestrationOptions.create_quota_window_seconds}. */
  create_quota_window_seconds: number;
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
  ...LIMITER_DEFAULTS,
});

/**
 * The workflow input: OMS's CreateTask body (docs/oms-api.md §5.1) with secrets replaced by credential-profile names,
 * plus {@link MigrationRequest.orchestration}. Validate with `validateMigrationRequest()`; JSON Schema:
 * `schemas/migration-request.schema.json`.
 */
export interface MigrationRequest {
  /** Task type. */
  task_type?: TaskType;
  /** Source. */
  src_node: SourceNode;
  /** Destination (Huawei OBS). */
  dst_node: DestinationNode;
  /** KMS encryption at the destination (older API). */
  enable_kms?: boolean;
  /** Task description. */
  description?: string;
  /** Only objects modified after this Unix time, in seconds. */
  migrate_since?: number;
  /** Bandwidth windows. */
  bandwidth_policy?: readonly BandwidthWindow[];
  /** Fetch source objects through a CDN domain. */
  source_cdn?: SourceCdn;
  /** Notify an SMN topic when the task ends. */
  smn_config?: SmnConfig;
  /** Migrate object metadata. */
  enable_metadata_migration?: boolean;
  /** Restore archived source objects. */
  enable_restore?: boolean;
  /** Record failed objects in a list at the destination. */
  enable_failed_object_recording?: boolean;
  /** Same-name object policy. */
  object_overwrite_mode?: ObjectOverwriteMode;
  /** Destination storage class. */
  dst_storage_policy?: DstStoragePolicy;
  /** Consistency check. */
  consistency_check?: ConsistencyCheck;
  /** Requester-pays for source requests. */
  enable_requester_pays?: boolean;
  /** Scheduling priority. */
  task_priority?: TaskPriority;
  /** How the orchestrator drives the task (not sent to OMS). */
  orchestration?: OrchestrationOptions;
  /** Completion webhook (not sent to OMS). */
  notification?: NotificationConfig;
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
