/**
 * Request and response DTOs of the Huawei Cloud OMS v2 and IAM v3 token APIs, in the APIs' own snake_case shapes
 * (field tables: docs/oms-api.md §2, §5, §8, §9).
 *
 * `OmsClient` returns these shapes unmapped (no camelCase domain objects): the public contract (workflow input,
 * migration report) uses OMS's own field names too, so a mapping would be two hand-written translations of ~60
 * fields that could only add bugs.
 *
 * OMS `Long` fields become JS numbers: task ids (< 10^15) are exact, and the client rejects one that is not a safe
 * integer; byte and object counters lose precision only beyond 2^53 (8 PiB) per task.
 */

/** Task types accepted by CreateTask (`object` is the OMS default). */
export type TaskType = 'list' | 'url_list' | 'object' | 'prefix';

/** Same-name object policy at the destination. */
export type ObjectOverwriteMode =
  'NO_OVERWRITE' | 'SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE' | 'CRC64_COMPARISON_OVERWRITE' | 'FULL_OVERWRITE';

/** Destination storage class. */
export type DstStoragePolicy = 'STANDARD' | 'IA' | 'ARCHIVE' | 'DEEP_ARCHIVE' | 'SRC_STORAGE_MAPPING';

/** Consistency check mode (`no_check` only for HTTP/HTTPS sources). */
export type ConsistencyCheck = 'size_last_modified' | 'crc64' | 'no_check';

/** Scheduling priority of a task. */
export type TaskPriority = 'HIGH' | 'MEDIUM' | 'LOW';

/** Server-side encryption selector that replaced `enable_kms` in newer SDKs (PY-SDK 3.1.195+). */
export type CryptoType = 'DEFAULT' | 'KMS';

// --- CreateTask request ---

/** Object-list / URL-list file location (`src_node.list_file`). */
export interface ListFile {
  /** Object name of the list file (1..1024). */
  list_file_key: string;
  /** OBS bucket holding the list file; must be in the destination's region. */
  obs_bucket: string;
  /** "Number of list files" — a string in the API. */
  list_file_num?: string;
}

/** Source node of CreateTask. Holds credentials: never log it, never put it in workflow history. */
export interface SrcNodeReq {
  /** Provider (`Aliyun` default, `HuaweiCloud`, `AWS`, `URLSource` for url_list, …); a plain string in the SDKs. */
  cloud_type?: string;
  /** Source region; required unless `task_type` is `url_list`. */
  region?: string;
  /** Source access key; required unless `url_list`. Secret. */
  ak?: string;
  /** Source secret key; required unless `url_list`. Secret. */
  sk?: string;
  /** Temporary security token for the source. Secret. */
  security_token?: string;
  /** Azure Blob connection string. Secret. */
  connection_string?: string;
  /** Google Cloud Storage credentials JSON. Secret. */
  json_auth_file?: string;
  /** Tencent APPID (required for Tencent sources). */
  app_id?: string;
  /** Source bucket; required unless `url_list`. */
  bucket?: string;
  /** Object names (`object`) or prefixes (`prefix`); `[""]` = whole bucket. */
  object_key?: string[];
  /** List file for `list` / `url_list` tasks. */
  list_file?: ListFile;
  /** Source encryption (newer SDKs). */
  crypto_type?: CryptoType;
  /** KMS key id (36 chars) when `crypto_type` is `KMS`. */
  kms_key_id?: string;
}

/** Destination node of CreateTask (Huawei OBS). Holds credentials: never log it. */
export interface DstNodeReq {
  /** Destination access key. Secret. */
  ak: string;
  /** Destination secret key. Secret. */
  sk: string;
  /** Temporary security token. Secret. */
  security_token?: string;
  /** Destination bucket. */
  bucket: string;
  /** Region; must equal the OMS endpoint's region. */
  region: string;
  /** Prefix prepended to destination keys. */
  save_prefix?: string;
  /** Destination encryption (newer SDKs). */
  crypto_type?: CryptoType;
  /** KMS key id when `crypto_type` is `KMS`. */
  kms_key_id?: string;
}

/** One bandwidth window (`hh:mm`..`hh:mm`, at most 5, non-overlapping). */
export interface BandwidthPolicyDto {
  /** Window start, `hh:mm`. */
  start: string;
  /** Window end, `hh:mm`. */
  end: string;
  /** Cap in bytes/s, 1048576 (1 MB/s) .. 209715200 (200 MB/s). */
  max_bandwidth: number;
}

/** Fetch source objects through a CDN domain. */
export interface SourceCdnReq {
  /** CDN domain. */
  domain: string;
  /** `http` or `https`. */
  protocol: 'http' | 'https';
  /** CDN authentication scheme (`NONE`, `ALIYUN_OSS_A`, …). */
  authentication_type: string;
  /** CDN authentication key. Secret. */
  authentication_key?: string;
  /** Encryption of the key (newer SDKs). */
  crypto_type?: CryptoType;
  /** KMS key id. */
  kms_key_id?: string;
}

/** SMN notification on task completion. */
export interface SmnConfig {
  /** SMN topic URN. */
  topic_urn: string;
  /** When to notify. */
  trigger_conditions: ('SUCCESS' | 'FAILURE')[];
  /** Message language. */
  language?: 'zh-cn' | 'en-us';
  /** Send using this message template. */
  message_template_name?: string;
}

/**
 * CreateTask body (`POST /v2/{project_id}/tasks`). There is no task-name input: OMS generates the name.
 * Carries source and destination credentials; the client scrubs them from any error it raises.
 *
 * Its option fields repeat `MigrationRequest`'s (workflows/request-types.ts) on purpose: this is OMS's wire format,
 * that the orchestrator's request contract; they change for different reasons (an OMS API change vs a contract
 * version) and activities/build-create-request.ts is the one place that maps one onto the other.
 */
export interface CreateTaskReq {
  /** Task type; OMS default `object`. */
  task_type?: TaskType;
  /** Source. */
  src_node: SrcNodeReq;
  /** Destination. */
  dst_node: DstNodeReq;
  /** Legacy KMS switch (docs and GO-SDK still have it; newer SDKs use `dst_node.crypto_type`). */
  enable_kms?: boolean;
  /** Description, 0..255 chars, none of `^<>&"'`. */
  description?: string;
  /** Only migrate objects modified after this time; **seconds** here (ShowTask echoes it, docs say ms). */
  migrate_since?: number;
  /** Bandwidth windows. */
  bandwidth_policy?: BandwidthPolicyDto[];
  /** Fetch through a CDN. */
  source_cdn?: SourceCdnReq;
  /** Completion notification. */
  smn_config?: SmnConfig;
  /** Migrate object metadata (default false). */
  enable_metadata_migration?: boolean;
  /** Restore archived source objects (default false). */
  enable_restore?: boolean;
  /** Write a failed-object list to the destination (default true). */
  enable_failed_object_recording?: boolean;
  /** Same-name object policy. */
  object_overwrite_mode?: ObjectOverwriteMode;
  /** Destination storage class. */
  dst_storage_policy?: DstStoragePolicy;
  /** Consistency check mode. */
  consistency_check?: ConsistencyCheck;
  /** Requester-pays on source requests. */
  enable_requester_pays?: boolean;
  /** Scheduling priority. */
  task_priority?: TaskPriority;
}

/** CreateTask response (HTTP **200**). Note the key is `task_name`, not `name`. */
export interface CreateTaskResponse {
  /** Task id, 0..999999999999999 (safe integer). */
  id: number;
  /** Generated task name. */
  task_name: string;
}

// --- Task responses ---

/** Source node as echoed by ShowTask (no credentials). */
export interface SrcNodeResp {
  bucket?: string;
  cloud_type?: string;
  region?: string;
  app_id?: string;
  object_key?: string[];
  list_file?: ListFile | null;
}

/** Destination node as echoed by ShowTask (no credentials). */
export interface DstNodeResp {
  bucket?: string;
  region?: string;
  save_prefix?: string;
}

/** CDN settings as echoed by ShowTask (no key). */
export interface SourceCdnResp {
  domain?: string;
  protocol?: string;
  authentication_type?: string;
}

/** SMN notification outcome. */
export interface SmnInfo {
  notify_result?: boolean;
  /** Error code; empty on success. */
  notify_error_message?: string;
  topic_name?: string;
}

/** Why a task failed (`TRF.xxxx` codes, docs/oms-api.md §9.4). */
export interface ErrorReasonResp {
  /** e.g. `TRF.0057` (invalid destination AK/SK). */
  error_code?: string;
  error_msg?: string;
}

/** Failed-object list outcome. */
export interface FailedObjectRecordDto {
  /** Whether failed-object retransmission is supported / the list was recorded. */
  result?: boolean | null;
  /** Path of the failed-object list in the destination bucket. */
  list_file_key?: string | null;
  /** Why recording failed. */
  error_code?: string | null;
}

/**
 * A migration task as returned by ShowTask and ListTasks (docs/oms-api.md §5.2). Every field but `id` and
 * `status` is optional because the API omits or nulls fields depending on version and state.
 */
export interface TaskResp {
  /** Task id (safe integer, checked by the client). */
  id: number;
  /** Generated task name. */
  name?: string;
  /** Status: see `TaskStatus` (workflows/task-status.ts); any other number must be treated as non-final. */
  status: number;
  task_type?: TaskType;
  /** `NORMAL_TASK`, `SYNC_TASK` or `GROUP_TASK`. */
  group_type?: string;
  group_id?: string;
  /** Empty string when not set. */
  description?: string;
  /** 0..1 (bytes for object/prefix tasks, object count for list/url_list). */
  progress?: number;
  /** Bytes/s. */
  migrate_speed?: number;
  /** Remaining time, ms. */
  left_time?: number;
  /** Elapsed time, ms. */
  total_time?: number;
  /** Start time, Unix ms. */
  start_time?: number;
  total_num?: number;
  successful_num?: number;
  failed_num?: number;
  skipped_num?: number;
  /** Bytes to migrate. */
  total_size?: number;
  /** Bytes migrated. */
  complete_size?: number;
  /** Bytes actually transferred (excludes skipped). */
  real_size?: number;
  /** Source listing finished. */
  is_query_over?: boolean;
  /** Docs say ms, Terraform reads seconds; 0 = not set. */
  migrate_since?: number;
  bandwidth_policy?: BandwidthPolicyDto[];
  src_node?: SrcNodeResp;
  dst_node?: DstNodeResp;
  source_cdn?: SourceCdnResp | null;
  smn_info?: SmnInfo | null;
  /**
   * Failure reason. v1 sent `""` for non-failed tasks, v2 types it as an object and live responses show `null`:
   * accept all of them. Use {@link errorReasonOf} to read it.
   */
  error_reason?: ErrorReasonResp | '' | null;
  failed_object_record?: FailedObjectRecordDto | null;
  success_record_error_reason?: string;
  skip_record_error_reason?: string;
  enable_failed_object_recording?: boolean;
  enable_metadata_migration?: boolean;
  enable_restore?: boolean;
  enable_kms?: boolean;
  object_overwrite_mode?: ObjectOverwriteMode;
  dst_storage_policy?: DstStoragePolicy;
  consistency_check?: ConsistencyCheck;
  enable_requester_pays?: boolean;
  /** `BUCKET` or `PFS`. */
  obs_system?: string;
  task_priority?: TaskPriority;
}

/** ShowTask response: a {@link TaskResp} at top level.
 * @public (the documented wire format, kept whole though the client reads only part of it)
 */
export type ShowTaskResponse = TaskResp;

/** ListTasks query (`GET /v2/{project_id}/tasks`). */
export interface ListTasksQuery {
  /** Page size 1..100 (OMS default 10). */
  limit?: number;
  /** Item offset (0-based). */
  offset?: number;
  /** Filter by status (`TaskStatus` in workflows/task-status.ts; 1,2,3,4,5,7 documented). */
  status?: number;
  /** Only tasks of this task group. */
  group_id?: string;
  /** Fuzzy name filter (newer API versions). */
  task_name?: string;
}

/** ListTasks response; `count` is the total number of matching tasks, not the page size. */
export interface ListTasksResponse {
  tasks: TaskResp[];
  count: number;
}

/**
 * StartTask body (`POST /v2/{project_id}/tasks/{task_id}/start`): restarts a stopped or failed task. OMS erases
 * stored credentials when a task stops, so they are required again. Secret-bearing.
 */
export interface StartTaskReq {
  /** Source AK (not for URL-list tasks). Secret. */
  src_ak?: string;
  /** Source SK. Secret. */
  src_sk?: string;
  /** Azure connection string. Secret. */
  connection_string?: string;
  /** Google credentials JSON. Secret. */
  json_auth_file?: string;
  /** Source temporary token. Secret. */
  src_security_token?: string;
  /** Destination AK (required). Secret. */
  dst_ak: string;
  /** Destination SK (required). Secret. */
  dst_sk: string;
  /** Destination temporary token. Secret. */
  dst_security_token?: string;
  /** CDN key if the task uses CDN auth. Secret. */
  source_cdn_authentication_key?: string;
  /** true = re-transfer only failed objects; false = full migration (skipping per overwrite mode). */
  migrate_failed_object?: boolean;
  src_crypto_type?: CryptoType;
  src_kms_key_id?: string;
  dst_crypto_type?: CryptoType;
  dst_kms_key_id?: string;
  source_cdn_crypto_type?: CryptoType;
  source_cdn_kms_key_id?: string;
}

/** UpdateBandwidthPolicy body (`PUT /v2/{project_id}/tasks/{task_id}/bandwidth-policy`). */
export interface UpdateBandwidthPolicyReq {
  /** 0..5 windows (an empty array presumably clears the limits). */
  bandwidth_policy: BandwidthPolicyDto[];
}

// --- API versions ---

/** A link of a {@link Version}. */
export interface VersionLink {
  href: string;
  rel: string;
}

/** One API version (`GET /`). */
export interface Version {
  /** e.g. `v2`. */
  id: string;
  links?: VersionLink[];
  /** `CURRENT`, `SUPPORTED` or `DEPRECATED`. */
  status?: string;
  /** `yyyy-mm-ddThh:mm:ssZ`. */
  updated?: string;
}

/** ListApiVersions response. */
export interface ApiVersions {
  versions: Version[];
}

// --- Object-storage metadata (ShowRegionInfo, ShowCloudType) ---

/** One region of a cloud in `ShowRegionInfo`'s `region_list`. */
export interface RegionInfo {
  /** The cloud the region belongs to, e.g. `AWS`, `HuaweiCloud`. */
  cloud_type: string;
  /** Region id as the cloud spells it, e.g. `us-east-1`. */
  value: string;
  description: string;
}

/** One element of the `ShowRegionInfo` body (a JSON array). */
export interface ShowRegionInfoResp {
  service_name: string;
  region_list: RegionInfo[];
}

/** `ShowCloudType`'s `type` query: the clouds OMS migrates from (`src`) or to (`dst`). */
export type CloudTypeDirection = 'src' | 'dst';

// --- IAM ---

/** IAM `POST /v3/auth/tokens` password-method body (docs/oms-api.md §2.1). Contains the password. */
export interface IamPasswordAuthRequest {
  auth: {
    identity: {
      methods: ['password'];
      password: {
        user: {
          name: string;
          password: string;
          domain: { name: string } | { id: string };
        };
      };
    };
    scope: { project: { id: string } | { name: string } };
  };
}

/** IAM token response body (the token string itself is in the `X-Subject-Token` header, not here).
 * @public (the documented wire format, kept whole though the client reads only part of it)
 */
export interface IamTokenResponseBody {
  token: {
    /** ISO-8601 UTC with microseconds, e.g. `2020-01-04T09:05:22.701000Z`. */
    expires_at: string;
    /** Same format; normally 24 h before `expires_at`. */
    issued_at?: string;
    methods?: string[];
    catalog?: unknown[];
    project?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
    domain?: { id?: string; name?: string };
    roles?: { id?: string | number; name?: string }[];
    user?: { id?: string; name?: string; domain?: { id?: string; name?: string }; password_expires_at?: string };
  };
}

// --- Error bodies ---

/** OMS service error body; live responses add `error_detail`.
 * @public (the documented wire format, kept whole though the client reads only part of it)
 */
export interface OmsErrorBody {
  error_code: string;
  error_msg: string;
  error_detail?: string;
}

/** API gateway error body (auth, routing, throttling), e.g. `APIGW.0301` with HTTP 401.
 * @public (the documented wire format, kept whole though the client reads only part of it)
 */
export interface GatewayErrorBody {
  error_code: string;
  error_msg: string;
  request_id?: string;
}

/** Keystone-style IAM error body; `code` is an integer here.
 * @public (the documented wire format, kept whole though the client reads only part of it)
 */
export interface IamErrorBody {
  error: { code: number | string; message: string; title?: string };
}

// --- Secrets ---

/**
 * Body field names whose values are credentials, across CreateTask, StartTask, CDN and IAM bodies. The client
 * scrubs their values from every error message it builds, in case a server echoes them back.
 */
export const SECRET_FIELD_NAMES: ReadonlySet<string> = new Set([
  'ak',
  'sk',
  'security_token',
  'connection_string',
  'json_auth_file',
  'authentication_key',
  'src_ak',
  'src_sk',
  'src_security_token',
  'dst_ak',
  'dst_sk',
  'dst_security_token',
  'source_cdn_authentication_key',
  'password',
]);

/**
 * The failure reason of a task, or `undefined` when the API sent none (`""`, `null`, missing, or an object
 * without a code or message).
 */
export function errorReasonOf(task: Pick<TaskResp, 'error_reason'>): ErrorReasonResp | undefined {
  const reason = task.error_reason;
  if (reason == null || typeof reason !== 'object') return undefined;
  return reason.error_code || reason.error_msg ? reason : undefined;
}

// --- Task groups (docs/oms-api.md §6) ---

/** Task-group `task_type`: upper-case, unlike tasks; there is no OBJECT group. */
export type TaskGroupType = 'PREFIX' | 'LIST' | 'URL_LIST';

/**
 * CreateTaskGroupReq: the CreateTask body's fields (nodes carry the same keys) with an upper-case `task_type` and
 * no `task_priority`. Contains secrets.
 */
export interface CreateTaskGroupReq extends Omit<CreateTaskReq, 'task_type' | 'task_priority'> {
  task_type?: TaskGroupType;
}

/** CreateTaskGroup response (HTTP 200). */
export interface CreateTaskGroupResponse {
  /** Group id, a string (UUID-like, 1..100). */
  group_id: string;
}

/**
 * TaskGroupResp (ShowTaskGroup body; element of ListTaskGroup `taskgroups`). Note the aggregated counters are named
 * `success_num`/`fail_num`/`skip_num` (tasks: `successful_num`/`failed_num`/`skipped_num`).
 */
export interface TaskGroupResp {
  group_id: string;
  /** 0 waiting · 1 creating · 2 monitoring · 3 paused · 4 creation failed · 5 migration failed · 6 succeeded · 7 pausing · 8 waiting to be deleted · 9 deleted. */
  status: number;
  error_reason?: ErrorReasonResp | '' | null;
  description?: string;
  task_type?: TaskGroupType;
  src_node?: SrcNodeResp;
  dst_node?: DstNodeResp;
  bandwidth_policy?: BandwidthPolicyDto[];
  migrate_speed?: number;
  total_time?: number;
  start_time?: number;
  total_task_num?: number;
  create_task_num?: number;
  failed_task_num?: number;
  complete_task_num?: number;
  paused_task_num?: number;
  executing_task_num?: number;
  waiting_task_num?: number;
  total_num?: number;
  create_complete_num?: number;
  success_num?: number;
  fail_num?: number;
  skip_num?: number;
  total_size?: number;
  create_complete_size?: number;
  complete_size?: number;
  failed_object_record?: FailedObjectRecordDto | null;
  enable_failed_object_recording?: boolean;
}

/** ListTaskGroup query. */
export interface ListTaskGroupQuery {
  /** 1..100, OMS default 10. */
  limit?: number;
  /** 0..2147483647. */
  offset?: number;
  /** Group status filter, 0..9. */
  status?: number;
}

/** ListTaskGroup response: `count` is the number of matching groups. */
export interface ListTaskGroupResponse {
  taskgroups: TaskGroupResp[];
  count: number;
}

/** StartTaskGroup body (resume a paused group): the StartTask keys, `dst_ak`/`dst_sk` required. Secrets. */
export type StartTaskGroupReq = Omit<StartTaskReq, 'migrate_failed_object'>;

/** RetryTaskGroup body (restart a failed group): every field optional; `migrate_failed_object` = only failed objects. */
export type RetryTaskGroupReq = Partial<StartTaskReq>;
