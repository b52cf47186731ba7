/**
 * Field tables of a migration request: the single source of the structural rules (types, required keys,
 * enums, lengths, patterns, ranges). `validate-request.ts` walks these tables, and `scripts/generate-schemas.ts`
 * turns the same tables into `schemas/migration-request.schema.json`, so the validator and the schema cannot
 * disagree on those rules. Cross-field rules (which depend on `task_type`, `cloud_type`, …) are written out in
 * both places and kept in agreement by the differential tests in `test/unit/contract/`.
 *
 * Each table is typed against the interface in `workflows/request-types.ts` it describes: a key missing from or
 * added to a table, or a `required` flag that disagrees with the interface, is a compile error. The `description`s
 * here are the one written description of each field (copied into the JSON Schema); the interfaces carry labels.
 */
import { LIMITER_DEFAULTS } from '../limiter-types';
import {
  CDN_AUTHENTICATION_TYPES,
  CDN_PROTOCOLS,
  CONSISTENCY_CHECKS,
  CRYPTO_TYPES,
  DESCRIPTION_MAX_LENGTH,
  DST_STORAGE_POLICIES,
  IDEMPOTENCY_MARKER_RESERVED_LENGTH,
  KNOWN_CLOUD_TYPES,
  OBJECT_OVERWRITE_MODES,
  OMS_DESCRIPTION_MAX_LENGTH,
  ON_CANCEL_ACTIONS,
  ORCHESTRATION_DEFAULTS,
  SMN_LANGUAGES,
  SMN_TRIGGER_CONDITIONS,
  TASK_PRIORITIES,
  TASK_TYPES,
} from '../request-types';
import type {
  BandwidthWindow,
  DestinationNode,
  ListFile,
  MigrationRequest,
  NotificationConfig,
  OrchestrationOptions,
  SmnConfig,
  SourceCdn,
  SourceNode,
} from '../request-types';

/** A regular expression with the message shown when a value does not match it. */
export interface PatternRule {
  /**
   * Compiled with the `u` flag only (JSON Schema 2020-12 `pattern` semantics; its `source` is what the schema
   * carries). No `g`/`y` flag, so `test()` keeps no state between calls.
   */
  regex: RegExp;
  /** Message for a mismatch; never includes the value. */
  message: string;
}

interface BaseSpec {
  /** Human description, copied into the JSON Schema. */
  description: string;
  /**
   * The rule set that added the field (see `ValidationRules`): under older sets the key is unknown, as it was, so a
   * run that refused it then refuses it again on replay.
   */
  addedIn?: 'v3';
}

/** A string value. Lengths count Unicode code points, as JSON Schema does. */
export interface StringSpec extends BaseSpec {
  kind: 'string';
  minLength?: number;
  maxLength?: number;
  /** Why the maximum is what it is, appended to the too-long message. */
  maxLengthNote?: string;
  enum?: readonly string[];
  pattern?: PatternRule;
  /**
   * Rule of the current rule set only (see `ValidationRules`): runs that validated under the first rules keep
   * them on replay. It must imply `pattern`, which it replaces under the current rules (and in the JSON Schema).
   */
  strictPattern?: PatternRule;
  /**
   * Count the length in UTF-16 code units, as OMS does (an emoji is 2), under the current rule set (the first
   * rules counted code points, and their messages stay as they were). JSON Schema counts code points, so the
   * schema's maxLength is only an upper bound for such a field.
   */
  utf16Length?: boolean;
  default?: string;
  examples?: readonly string[];
}

/** A number value (JSON Schema `integer` when `integer` is true). */
export interface NumberSpec extends BaseSpec {
  kind: 'number';
  integer: boolean;
  minimum: number;
  maximum: number;
  /** Replaces the generic message when the value is above `maximum`. */
  tooLargeMessage?: string;
  default?: number;
}

/** A boolean value. */
export interface BooleanSpec extends BaseSpec {
  kind: 'boolean';
  default?: boolean;
}

/** An array value. */
export interface ArraySpec extends BaseSpec {
  kind: 'array';
  items: ValueSpec;
  minItems?: number;
  /** Appended to the too-few-items message. */
  minItemsNote?: string;
  maxItems?: number;
  /** Appended to the too-many-items message. */
  maxItemsNote?: string;
  /**
   * `maxItems` is a rule of the current rule set only (see `ValidationRules`): runs that validated under the first
   * rules, which had no such bound, keep them on replay. The JSON Schema carries it as `maxItems`.
   */
  strictMaxItems?: boolean;
  uniqueItems?: boolean;
}

/** An object value with a closed set of keys. */
export interface ObjectSpec extends BaseSpec {
  kind: 'object';
  fields: Readonly<Record<string, FieldSpec>>;
}

/** Any value rule. */
export type ValueSpec = StringSpec | NumberSpec | BooleanSpec | ArraySpec | ObjectSpec;

/** A value rule for an object member; `required` means required whatever the other fields say. */
export type FieldSpec = ValueSpec & { required?: boolean };

/** Keys of `T` that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/** A table with exactly the keys of `T`, `required: true` exactly on its non-optional keys. */
export type FieldTable<T> = {
  [K in keyof T]-?: K extends RequiredKeys<T> ? FieldSpec & { required: true } : FieldSpec & { required?: false };
};

/** Builds an object rule from a table typed against `T` (the type check is the point of this helper). */
function objectSpec<T>(description: string, fields: FieldTable<T>): ObjectSpec {
  return { kind: 'object', description, fields };
}

// --- Reusable value rules ---

/**
 * Profile names under the current rules, all of which the worker's environment can configure
 * (`OMS_PROFILE_<NAME>_<FIELD>`, where `<NAME>` is `[A-Z0-9_]+` read case-insensitively with `_` as `-`; see
 * worker/config.ts): a name with `_` or `.` could only come from a credentials file. The leading letter and the
 * length bound also keep many pasted secrets out.
 */
export const PROFILE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,63}$/u;

const PROFILE_NAME: StringSpec = {
  kind: 'string',
  description:
    'Name of a credential profile in the worker configuration: 1 to 64 letters, digits and "-", starting with a ' +
    'letter (OMS_PROFILE_MY_SRC_AK configures the profile my-src). The worker resolves it to the secret; the secret ' +
    'itself never appears in a request.',
  minLength: 1,
  maxLength: 64,
  pattern: {
    regex: /^[A-Za-z0-9][A-Za-z0-9._-]*$/u,
    message: 'must be a profile name: letters, digits, ".", "_" and "-", starting with a letter or digit',
  },
  // The value is never echoed: a name that breaks this rule may be a secret pasted in the wrong field.
  strictPattern: {
    regex: PROFILE_NAME_PATTERN,
    message:
      'must be a credential profile name: 1 to 64 letters, digits and "-", starting with a letter (the worker ' +
      'variables OMS_PROFILE_<NAME>_* configure it, "_" in <NAME> standing for "-"); put secrets in the profile, ' +
      'never in the request',
  },
};

/** Any cloud's region id under the current rules: other clouds name regions freely (`us-central1`, `eastus`, `z0`). */
export const REGION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/u;

/**
 * A Huawei Cloud region id (the destination is always one): `cn-north-4`, `ap-southeast-1`, `la-south-2`,
 * `eu-west-101`. Bounded quantifiers keep it at most 67 characters and free of backtracking.
 */
export const HUAWEI_REGION_PATTERN = /^[a-z]{2,16}(-[a-z0-9]{1,16}){1,3}$/u;

const REGION: StringSpec = {
  kind: 'string',
  description: 'Region id, e.g. cn-north-4.',
  minLength: 1,
  maxLength: 100,
  strictPattern: {
    regex: REGION_PATTERN,
    message:
      'must be a region id: 1 to 64 letters, digits, "-" and "_", with no spaces, line breaks or other characters',
  },
};

const BUCKET: StringSpec = { kind: 'string', description: 'Bucket name.', minLength: 1, maxLength: 1024 };

const CRYPTO_TYPE: StringSpec = {
  kind: 'string',
  description: 'Encryption type (PY-SDK 3.1.195+): DEFAULT or KMS.',
  enum: CRYPTO_TYPES,
};

const KMS_KEY_ID: StringSpec = {
  kind: 'string',
  description: 'KMS key id (36 characters); only used with crypto_type KMS.',
  minLength: 36,
  maxLength: 36,
};

const HH_MM: PatternRule = {
  regex: /^([01][0-9]|2[0-3]):[0-5][0-9]$/u,
  message: 'must be a time of day as "hh:mm" (00:00 to 23:59)',
};

/** Forbidden description characters (docs/oms-api.md §5.1, v2 tasks). */
const DESCRIPTION_PATTERN: PatternRule = {
  // `[^^…]`: the second caret is a literal; the class reads the same in ECMAScript, Java and Python regexes.
  regex: /^[^^<>&"']*$/u,
  message: 'must not contain any of the characters ^ < > & " \'',
};

/**
 * Bounds that keep every valid request far under Temporal's payload limit (2 MB per payload by default, the
 * server's `limit.blobSize.error`), whatever the workflow adds to it in history (the normalized request it carries
 * across continue-as-new, reports): the whole request at most 256 KiB of UTF-8 JSON, and `src_node.object_key` at
 * most 10,000 keys (each at most 1024 characters, all of them within the 256 KiB). OMS takes longer lists as list
 * files (`list` tasks). Rules of the current rule set only (see `ValidationRules`).
 */
export const MAX_REQUEST_BYTES = 256 * 1024;
/** Most `src_node.object_key` entries (see {@link MAX_REQUEST_BYTES}). */
export const MAX_OBJECT_KEYS = 10_000;

/** Largest accepted `migrate_since`: 1e11 s is the year 5138, while any current time in ms is above it. */
export const MIGRATE_SINCE_MAX = 100_000_000_000;

// --- Tables ---

const LIST_FILE = objectSpec<ListFile>(
  'Object-list or URL-list file (same region as the destination bucket); required for list and url_list tasks, ' +
    'not allowed otherwise.',
  {
    list_file_key: {
      kind: 'string',
      required: true,
      description: 'Object name of the list file.',
      minLength: 1,
      maxLength: 1024,
    },
    obs_bucket: {
      kind: 'string',
      required: true,
      description: 'OBS bucket holding the list file.',
      minLength: 1,
      maxLength: 1024,
    },
    list_file_num: { kind: 'string', description: 'Number of list files (a string in OMS).', maxLength: 255 },
  },
);

const SRC_NODE = objectSpec<SourceNode>('Source (OMS SrcNodeReq without secrets).', {
  cloud_type: {
    kind: 'string',
    description:
      'Source provider (OMS default Aliyun). Must be URLSource for url_list tasks, and only then. OMS types it as a ' +
      'plain string, so any value is accepted; the examples list the documented ones.',
    minLength: 1,
    maxLength: 100,
    examples: KNOWN_CLOUD_TYPES,
  },
  region: { ...REGION, description: 'Source bucket region; required unless task_type is url_list.' },
  bucket: { ...BUCKET, description: 'Source bucket; required unless task_type is url_list.' },
  credential_profile: {
    ...PROFILE_NAME,
    description:
      'Worker credential profile with the source AK/SK (and optional security token, Google JSON key or Azure ' +
      'connection string); required unless task_type is url_list. The worker resolves it; the secret never ' +
      'enters workflow history.',
  },
  app_id: { kind: 'string', description: 'Tencent APPID; required when cloud_type is Tencent.', maxLength: 255 },
  object_key: {
    kind: 'array',
    description:
      'object tasks: object names (trailing "/" = folder); prefix tasks: key prefixes; [""] = whole bucket. ' +
      `Required for object/prefix tasks, not allowed for list/url_list tasks. At most ${MAX_OBJECT_KEYS} keys, and ` +
      `the whole request at most ${MAX_REQUEST_BYTES / 1024} KiB of JSON: longer lists belong in a list file.`,
    minItems: 1,
    minItemsNote: ' (use [""] for the whole bucket)',
    maxItems: MAX_OBJECT_KEYS,
    maxItemsNote: ' (put a longer list in a list file and use a list task)',
    strictMaxItems: true,
    items: { kind: 'string', description: 'Object name or prefix.', maxLength: 1024 },
  },
  list_file: LIST_FILE,
  crypto_type: CRYPTO_TYPE,
  kms_key_id: KMS_KEY_ID,
});

const DST_NODE = objectSpec<DestinationNode>('Destination OBS bucket (OMS DstNodeReq without secrets).', {
  region: {
    ...REGION,
    required: true,
    description: 'Destination region (the OMS endpoint region): a Huawei Cloud region id such as cn-north-4.',
    strictPattern: {
      regex: HUAWEI_REGION_PATTERN,
      message:
        'must be a Huawei Cloud region id such as cn-north-4 or ap-southeast-1: lowercase letters, then one to ' +
        'three "-"-separated groups of lowercase letters and digits, with no spaces or line breaks',
    },
  },
  bucket: { ...BUCKET, required: true, description: 'Destination bucket.' },
  credential_profile: {
    ...PROFILE_NAME,
    required: true,
    description: 'Worker credential profile with the destination AK/SK (and optional security token).',
  },
  save_prefix: {
    kind: 'string',
    description: 'Prefix prepended to destination keys (OMS requires prefix + key ≤ 1024 characters).',
    maxLength: 1024,
  },
  crypto_type: CRYPTO_TYPE,
  kms_key_id: KMS_KEY_ID,
});

const BANDWIDTH_WINDOW = objectSpec<BandwidthWindow>('Bandwidth cap for a daily window (both ends inclusive).', {
  start: { kind: 'string', required: true, description: 'Window start, hh:mm.', pattern: HH_MM },
  end: {
    kind: 'string',
    required: true,
    description: 'Window end, hh:mm, not before start (split windows that cross midnight).',
    pattern: HH_MM,
  },
  max_bandwidth: {
    kind: 'number',
    required: true,
    integer: true,
    description: 'Cap in bytes/s (1 MiB/s .. 200 MiB/s).',
    minimum: 1_048_576,
    maximum: 209_715_200,
  },
});

const SOURCE_CDN = objectSpec<SourceCdn>('Fetch source objects from a CDN domain (OMS SourceCdnReq without the key).', {
  domain: { kind: 'string', required: true, description: 'CDN domain.', minLength: 1, maxLength: 255 },
  protocol: { kind: 'string', required: true, description: 'Protocol used to reach the CDN.', enum: CDN_PROTOCOLS },
  authentication_type: {
    kind: 'string',
    description: 'URL-authentication scheme (OMS default NONE).',
    enum: CDN_AUTHENTICATION_TYPES,
  },
  credential_profile: {
    ...PROFILE_NAME,
    description:
      'Worker credential profile whose CDN key is used; required when authentication_type is set and not NONE, ' +
      'not allowed otherwise.',
  },
  crypto_type: CRYPTO_TYPE,
  kms_key_id: KMS_KEY_ID,
});

const SMN_CONFIG = objectSpec<SmnConfig>('SMN notification when the task ends.', {
  topic_urn: { kind: 'string', required: true, description: 'SMN topic URN.', minLength: 1, maxLength: 1024 },
  trigger_conditions: {
    kind: 'array',
    required: true,
    description: 'When to notify.',
    minItems: 1,
    uniqueItems: true,
    items: { kind: 'string', description: 'Trigger.', enum: SMN_TRIGGER_CONDITIONS },
  },
  language: { kind: 'string', description: 'Message language.', enum: SMN_LANGUAGES },
  message_template_name: {
    kind: 'string',
    description: 'SMN message template to use.',
    minLength: 1,
    maxLength: 255,
  },
});

const SECONDS_INTERVAL = { kind: 'number', integer: false, minimum: 0.1, maximum: 3600 } as const;

const ORCHESTRATION = objectSpec<OrchestrationOptions>('How the orchestrator drives the task (not sent to OMS).', {
  poll_interval_seconds: {
    ...SECONDS_INTERVAL,
    description: 'Normal ShowTask polling interval in seconds.',
    default: ORCHESTRATION_DEFAULTS.poll_interval_seconds,
  },
  min_poll_interval_seconds: {
    ...SECONDS_INTERVAL,
    description:
      'Floor of the adaptive polling cadence in seconds; must not exceed poll_interval_seconds. Default 5, or ' +
      'poll_interval_seconds when that is smaller (so lowering only the interval is never an error).',
    default: ORCHESTRATION_DEFAULTS.min_poll_interval_seconds,
  },
  deadline_seconds: {
    kind: 'number',
    integer: false,
    description: 'Overall deadline in seconds (max 30 days).',
    minimum: 1,
    maximum: 30 * 24 * 3600,
    default: ORCHESTRATION_DEFAULTS.deadline_seconds,
  },
  on_cancel: {
    kind: 'string',
    description: 'On workflow cancellation: stop (pause) the OMS task, or detach and leave it running.',
    enum: ON_CANCEL_ACTIONS,
    default: ORCHESTRATION_DEFAULTS.on_cancel,
  },
  delete_task_on_success: {
    kind: 'boolean',
    description: 'Delete the OMS task after it succeeded (by default it stays for inspection in the console).',
    default: ORCHESTRATION_DEFAULTS.delete_task_on_success,
  },
  failed_object_retry_rounds: {
    kind: 'number',
    integer: true,
    description:
      'How many times to restart the task with migrate_failed_object=true when it ends with failed objects; needs ' +
      'enable_failed_object_recording (not false).',
    minimum: 0,
    maximum: 10,
    default: ORCHESTRATION_DEFAULTS.failed_object_retry_rounds,
  },
  api_profile: {
    ...PROFILE_NAME,
    description: 'Worker credential profile used to authenticate the OMS/IAM API calls.',
    default: ORCHESTRATION_DEFAULTS.api_profile,
  },
  max_running_per_region: {
    kind: 'number',
    integer: true,
    description:
      'Most OMS tasks of this orchestrator waiting or running at once in the destination region (region limiter, ' +
      "shared by every migration and batch on the task queue; the default is OMS's own running limit); 0 = no " +
      'running limit. With different values, the smallest among the migrations holding or requesting a slot applies.',
    minimum: 0,
    maximum: 1000,
    default: LIMITER_DEFAULTS.max_running_per_region,
  },
  daily_create_quota: {
    kind: 'number',
    integer: true,
    description:
      "Most task creations in any rolling create_quota_window_seconds (region limiter; the default is OMS's daily " +
      'creation quota); 0 = no creation quota. With max_running_per_region also 0 the limiter is not used and ' +
      "OMS's own queueing applies.",
    minimum: 0,
    maximum: 1_000_000,
    default: LIMITER_DEFAULTS.daily_create_quota,
  },
  create_quota_window_seconds: {
    kind: 'number',
    integer: true,
    description: 'Length of the creation-quota window in seconds (24 h; shorter only for tests).',
    minimum: 1,
    maximum: 30 * 24 * 3600,
    default: LIMITER_DEFAULTS.create_quota_window_seconds,
  },
});

/**
 * A webhook URL (`notification.webhook_url`): `http://` or `https://`, a host, an optional port, path and query;
 * no user info (`user:password@`: it would be a secret in history), no fragment, no spaces or control characters.
 * Written without `URL` (the workflow sandbox validates with it). Plain http is further restricted by the worker
 * (loopback hosts only, unless `OMS_NOTIFY_ALLOW_INSECURE_HTTP=true`), which alone knows its opt-in.
 */
export const WEBHOOK_URL_PATTERN =
  /^[hH][tT][tT][pP][sS]?:\/\/(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?(?:[/?][\x21-\x22\x24-\x7e]*)?$/u;

const NOTIFICATION = objectSpec<NotificationConfig>(
  'Completion webhook (not sent to OMS; see docs/notifications.md): one signed POST of the report summary per ' +
    "final outcome. Without it, the worker's default webhook (OMS_NOTIFY_WEBHOOK_URL) is used, if any. OMS's own " +
    'smn_config is separate and passed through to OMS.',
  {
    webhook_url: {
      kind: 'string',
      required: true,
      description:
        'http(s) URL receiving the POST; no user info or fragment. It is recorded in workflow history: put no ' +
        'secret in it (the HMAC secret authenticates the delivery). Plain http only to a loopback host unless the ' +
        'worker allows it (OMS_NOTIFY_ALLOW_INSECURE_HTTP).',
      minLength: 1,
      maxLength: 2048,
      pattern: {
        regex: WEBHOOK_URL_PATTERN,
        message:
          'must be an http:// or https:// URL with a host (and optional port, path and query), without user info ' +
          '(user:password@), fragment, spaces or control characters',
      },
    },
    credential_profile: {
      ...PROFILE_NAME,
      required: true,
      description:
        'Worker credential profile whose webhook secret (OMS_PROFILE_<NAME>_WEBHOOK_SECRET) keys the HMAC-SHA256 ' +
        'signature of each delivery.',
    },
  },
);

/** Rules of the whole request: OMS's CreateTask body without secrets, plus `orchestration`. */
export const MIGRATION_REQUEST_SPEC = objectSpec<MigrationRequest>(
  'A migration request: the OMS CreateTask body with credential-profile names instead of secrets, plus ' +
    'orchestration options.',
  {
    task_type: { kind: 'string', description: 'Task type.', enum: TASK_TYPES, default: 'object' },
    src_node: { ...SRC_NODE, required: true },
    dst_node: { ...DST_NODE, required: true },
    enable_kms: {
      kind: 'boolean',
      description: 'KMS encryption at the destination (older API; newer: dst_node.crypto_type).',
      default: false,
    },
    description: {
      kind: 'string',
      description:
        `Task description, without any of ^ < > & " ' (the orchestrator reserves ` +
        `${IDEMPOTENCY_MARKER_RESERVED_LENGTH} of OMS's ${OMS_DESCRIPTION_MAX_LENGTH} characters).`,
      maxLength: DESCRIPTION_MAX_LENGTH,
      maxLengthNote:
        `OMS allows ${OMS_DESCRIPTION_MAX_LENGTH}; the orchestrator reserves ${IDEMPOTENCY_MARKER_RESERVED_LENGTH} ` +
        'for its idempotency marker',
      utf16Length: true,
      pattern: DESCRIPTION_PATTERN,
    },
    migrate_since: {
      kind: 'number',
      integer: true,
      description: 'Only migrate objects modified after this Unix time in SECONDS (0 = not set).',
      minimum: 0,
      maximum: MIGRATE_SINCE_MAX,
      tooLargeMessage: 'is in seconds (Unix time); this value looks like milliseconds: divide it by 1000',
      default: 0,
    },
    bandwidth_policy: {
      kind: 'array',
      description: 'Up to 5 non-overlapping bandwidth windows.',
      maxItems: 5,
      items: BANDWIDTH_WINDOW,
    },
    source_cdn: SOURCE_CDN,
    smn_config: SMN_CONFIG,
    enable_metadata_migration: { kind: 'boolean', description: 'Migrate object metadata.', default: false },
    enable_restore: { kind: 'boolean', description: 'Restore archived source objects automatically.', default: false },
    enable_failed_object_recording: {
      kind: 'boolean',
      description: 'Record failed objects in a list at the destination (needed for failed-object retries).',
      default: true,
    },
    object_overwrite_mode: {
      kind: 'string',
      description: 'Same-name object policy.',
      enum: OBJECT_OVERWRITE_MODES,
      default: 'SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE',
    },
    dst_storage_policy: {
      kind: 'string',
      description: 'Destination storage class.',
      enum: DST_STORAGE_POLICIES,
      default: 'STANDARD',
    },
    consistency_check: {
      kind: 'string',
      description: 'Consistency check; no_check only for url_list tasks.',
      enum: CONSISTENCY_CHECKS,
      default: 'size_last_modified',
    },
    enable_requester_pays: { kind: 'boolean', description: 'Requester-pays for source requests.' },
    task_priority: { kind: 'string', description: 'Scheduling priority.', enum: TASK_PRIORITIES },
    orchestration: ORCHESTRATION,
    notification: { ...NOTIFICATION, addedIn: 'v3' },
  },
);
