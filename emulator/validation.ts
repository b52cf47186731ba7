/**
 * Request validation as OMS does it: types, enums, lengths and ranges, per-`task_type` required fields and
 * cross-field rules. The first violation wins and is reported as 400 with its OMS code and
 * `error_detail: "request parameter [path] invalid."`. Unknown fields are ignored (as the service's JSON binding
 * does), so both `enable_kms` and the newer `crypto_type`/`kms_key_id` are accepted.
 */
import type { BandwidthPolicyDto } from './bandwidth';
import { parseHhMm, windowsOverlap } from './bandwidth';
import { invalidParameter, omsError } from './errors';
import type { ListFileSpec, TaskCredentials, TaskRecord, TaskSpec, TaskType } from './task-model';
import { TASK_TYPES } from './task-model';

// These enum tables repeat the product's (workflows/request-types.ts) on purpose: the emulator imports nothing from
// the product it stands in for, so it keeps OMS's rules even if the product's drift.
/** `src_node.cloud_type` values (plus `HEC`, accepted by other OMS APIs); matched case-insensitively. */
export const CLOUD_TYPES = [
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

const OVERWRITE_MODES = [
  'NO_OVERWRITE',
  'SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE',
  'CRC64_COMPARISON_OVERWRITE',
  'FULL_OVERWRITE',
] as const;
const STORAGE_POLICIES = ['STANDARD', 'IA', 'ARCHIVE', 'DEEP_ARCHIVE', 'SRC_STORAGE_MAPPING'] as const;
const CONSISTENCY_CHECKS = ['size_last_modified', 'crc64', 'no_check'] as const;
const PRIORITIES = ['HIGH', 'MEDIUM', 'LOW'] as const;
const CRYPTO_TYPES = ['DEFAULT', 'KMS'] as const;
const CDN_PROTOCOLS = ['http', 'https'] as const;
const CDN_AUTH_TYPES = [
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
const SMN_TRIGGERS = ['SUCCESS', 'FAILURE'] as const;
const SMN_LANGUAGES = ['zh-cn', 'en-us'] as const;

/** Characters a task description must not contain (→ OMS.0078). */
export const DESCRIPTION_FORBIDDEN = /[\^<>&"']/;

/** Lowest bandwidth cap, bytes/s (1 MiB/s). */
export const MIN_BANDWIDTH = 1_048_576;
/** Highest bandwidth cap, bytes/s (200 MiB/s). */
export const MAX_BANDWIDTH = 209_715_200;
/** Most bandwidth windows per task. */
export const MAX_BANDWIDTH_WINDOWS = 5;

type Obj = Record<string, unknown>;

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

// The emulator repeats this on purpose: it imports nothing from the product it stands in for.
function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectField(o: Obj, key: string, path: string, required: boolean): Obj | undefined {
  const value = o[key];
  if (value === undefined || value === null) {
    if (required) throw invalidParameter(join(path, key));
    return undefined;
  }
  if (!isObj(value)) throw invalidParameter(join(path, key));
  return value;
}

interface StringRule {
  required?: boolean;
  max?: number;
  /** Exact length when present. */
  length?: number;
}

function stringField(o: Obj, key: string, path: string, rule: StringRule = {}): string | undefined {
  const value = o[key];
  const where = join(path, key);
  if (value === undefined || value === null) {
    if (rule.required) throw invalidParameter(where);
    return undefined;
  }
  if (typeof value !== 'string') throw invalidParameter(where);
  if (rule.required && value === '') throw invalidParameter(where);
  if (rule.max !== undefined && value.length > rule.max) throw invalidParameter(where);
  if (rule.length !== undefined && value.length !== rule.length) throw invalidParameter(where);
  return value;
}

function booleanField(o: Obj, key: string, path: string): boolean | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidParameter(join(path, key));
  return value;
}

function integerField(o: Obj, key: string, path: string, min: number, max: number): number | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(join(path, key));
  }
  return value;
}

function enumField<T extends string>(
  o: Obj,
  key: string,
  path: string,
  values: readonly T[],
  caseInsensitive = false,
): T | undefined {
  const value = stringField(o, key, path);
  if (value === undefined) return undefined;
  const found = values.find((v) => (caseInsensitive ? v.toLowerCase() === value.toLowerCase() : v === value));
  if (found === undefined) throw invalidParameter(join(path, key));
  return found;
}

function stringArrayField(o: Obj, key: string, path: string, itemMax: number): string[] | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParameter(join(path, key));
  return value.map((item, i) => {
    if (typeof item !== 'string' || item.length > itemMax) throw invalidParameter(`${join(path, key)}[${i}]`);
    return item;
  });
}

/** Requires a JSON object body; anything else (array, scalar, null) is "not JSON" (OMS.0067). */
export function requireObjectBody(body: unknown): Obj {
  if (!isObj(body)) throw omsError('OMS.0067');
  return body;
}

/** Validates a `bandwidth_policy` array (count → OMS.0083, range → OMS.0084, overlap → OMS.0085). */
export function validateBandwidthPolicy(value: unknown, path: string): BandwidthPolicyDto[] {
  if (!Array.isArray(value)) throw invalidParameter(path);
  if (value.length > MAX_BANDWIDTH_WINDOWS) throw omsError('OMS.0083', path);
  const policy = value.map((item: unknown, i): BandwidthPolicyDto => {
    const where = `${path}[${i}]`;
    if (!isObj(item)) throw invalidParameter(where);
    const start = stringField(item, 'start', where, { required: true }) as string;
    const end = stringField(item, 'end', where, { required: true }) as string;
    if (parseHhMm(start) === undefined) throw invalidParameter(`${where}.start`);
    if (parseHhMm(end) === undefined) throw invalidParameter(`${where}.end`);
    const max = item.max_bandwidth;
    if (typeof max !== 'number' || !Number.isInteger(max)) throw invalidParameter(`${where}.max_bandwidth`);
    if (max < MIN_BANDWIDTH || max > MAX_BANDWIDTH) throw omsError('OMS.0084', `${where}.max_bandwidth`);
    return { start, end, max_bandwidth: max };
  });
  if (windowsOverlap(policy)) throw omsError('OMS.0085', path);
  return policy;
}

function cryptoFields(o: Obj, path: string, cryptoKey = 'crypto_type', kmsKey = 'kms_key_id'): 'DEFAULT' | 'KMS' {
  const crypto = enumField(o, cryptoKey, path, CRYPTO_TYPES) ?? 'DEFAULT';
  stringField(o, kmsKey, path, { length: 36 });
  return crypto;
}

/** What CreateTask needs to know about the emulated world. */
export interface CreateTaskContext {
  /** The emulator's region (`dst_node.region` must equal it). */
  region: string;
  /** Region of an existing bucket, undefined if the bucket does not exist. */
  bucketRegion(name: string): string | undefined;
}

/** A validated CreateTask request. */
export interface ValidatedCreateTask {
  spec: TaskSpec;
  credentials: TaskCredentials;
}

/** Validates a CreateTask body. Throws the OMS error of the first violation. */
export function validateCreateTask(body: unknown, ctx: CreateTaskContext): ValidatedCreateTask {
  const root = requireObjectBody(body);
  const taskType: TaskType = enumField(root, 'task_type', '', TASK_TYPES) ?? 'object';
  const isUrlList = taskType === 'url_list';
  const src = objectField(root, 'src_node', '', true) as Obj;
  const dst = objectField(root, 'dst_node', '', true) as Obj;

  // --- src_node ---
  const cloudType = enumField(src, 'cloud_type', 'src_node', CLOUD_TYPES, true) ?? 'Aliyun';
  const givenCloudType = (src.cloud_type as string | undefined) ?? 'Aliyun';
  if (isUrlList !== (cloudType === 'URLSource')) throw invalidParameter('src_node.cloud_type');
  const srcRegion = stringField(src, 'region', 'src_node', { required: !isUrlList, max: 100 });
  const srcAk = stringField(src, 'ak', 'src_node', { required: !isUrlList, max: 100 });
  const srcSk = stringField(src, 'sk', 'src_node', { required: !isUrlList, max: 100 });
  const srcBucket = stringField(src, 'bucket', 'src_node', { required: !isUrlList, max: 1024 });
  const srcSecurityToken = stringField(src, 'security_token', 'src_node', { max: 16_384 });
  const jsonAuthFile = stringField(src, 'json_auth_file', 'src_node', { max: 65_535 });
  const connectionString = stringField(src, 'connection_string', 'src_node', { max: 2048 });
  const appId = stringField(src, 'app_id', 'src_node', { max: 255, required: cloudType === 'Tencent' }) ?? '';
  cryptoFields(src, 'src_node');
  const needsKeys = taskType === 'object' || taskType === 'prefix';
  const objectKey = stringArrayField(src, 'object_key', 'src_node', 1024);
  if (needsKeys && (objectKey === undefined || objectKey.length === 0)) throw invalidParameter('src_node.object_key');
  let listFile: ListFileSpec | null = null;
  if (!needsKeys) {
    const lf = objectField(src, 'list_file', 'src_node', true) as Obj;
    const path = 'src_node.list_file';
    const listFileKey = stringField(lf, 'list_file_key', path, { required: true, max: 1024 }) as string;
    const obsBucket = stringField(lf, 'obs_bucket', path, { required: true, max: 1024 }) as string;
    const listFileNum = stringField(lf, 'list_file_num', path, { max: 1024 });
    const listRegion = ctx.bucketRegion(obsBucket);
    // The list-file bucket must be in the destination region; a missing bucket fails the task later (TRF.0013).
    if (listRegion !== undefined && listRegion !== ctx.region) throw invalidParameter(`${path}.obs_bucket`);
    listFile = { list_file_key: listFileKey, obs_bucket: obsBucket };
    if (listFileNum !== undefined) listFile.list_file_num = listFileNum;
  }

  // --- dst_node ---
  const dstAk = stringField(dst, 'ak', 'dst_node', { required: true, max: 100 }) as string;
  const dstSk = stringField(dst, 'sk', 'dst_node', { required: true, max: 100 }) as string;
  const dstSecurityToken = stringField(dst, 'security_token', 'dst_node', { max: 16_384 });
  const dstBucket = stringField(dst, 'bucket', 'dst_node', { required: true, max: 1024 }) as string;
  const dstRegion = stringField(dst, 'region', 'dst_node', { required: true, max: 100 }) as string;
  if (dstRegion !== ctx.region) throw omsError('OMS.0080', 'dst_node.region');
  const savePrefix = stringField(dst, 'save_prefix', 'dst_node', { max: 1024 });
  const dstCrypto = cryptoFields(dst, 'dst_node');

  // --- task options ---
  const description = stringField(root, 'description', '') ?? '';
  if (description.length > 255) throw invalidParameter('description');
  if (DESCRIPTION_FORBIDDEN.test(description)) throw omsError('OMS.0078', 'description');
  const migrateSince = integerField(root, 'migrate_since', '', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const bandwidthPolicy =
    root.bandwidth_policy === undefined || root.bandwidth_policy === null
      ? []
      : validateBandwidthPolicy(root.bandwidth_policy, 'bandwidth_policy');

  let sourceCdn: TaskSpec['sourceCdn'] = null;
  let cdnKey: string | undefined;
  const cdn = objectField(root, 'source_cdn', '', false);
  if (cdn) {
    const domain = stringField(cdn, 'domain', 'source_cdn', { required: true, max: 255 }) as string;
    const protocol = enumField(cdn, 'protocol', 'source_cdn', CDN_PROTOCOLS);
    if (protocol === undefined) throw invalidParameter('source_cdn.protocol');
    const authType = enumField(cdn, 'authentication_type', 'source_cdn', CDN_AUTH_TYPES) ?? 'NONE';
    cdnKey = stringField(cdn, 'authentication_key', 'source_cdn', { max: 255 });
    if (authType !== 'NONE' && !cdnKey) throw omsError('OMS.1032', 'source_cdn.authentication_key');
    cryptoFields(cdn, 'source_cdn');
    sourceCdn = { domain, protocol, authentication_type: authType };
  }

  let smnConfig: TaskSpec['smnConfig'] = null;
  const smn = objectField(root, 'smn_config', '', false);
  if (smn) {
    const topicUrn = stringField(smn, 'topic_urn', 'smn_config', { required: true, max: 1024 }) as string;
    const triggers = stringArrayField(smn, 'trigger_conditions', 'smn_config', 16);
    if (triggers === undefined || triggers.length === 0) throw invalidParameter('smn_config.trigger_conditions');
    triggers.forEach((t, i) => {
      if (!(SMN_TRIGGERS as readonly string[]).includes(t))
        throw invalidParameter(`smn_config.trigger_conditions[${i}]`);
    });
    const language = enumField(smn, 'language', 'smn_config', SMN_LANGUAGES);
    stringField(smn, 'message_template_name', 'smn_config', { max: 255 });
    smnConfig = { topic_urn: topicUrn, trigger_conditions: triggers };
    if (language !== undefined) smnConfig.language = language;
  }

  const enableKms = booleanField(root, 'enable_kms', '') ?? false;
  const consistencyCheck = enumField(root, 'consistency_check', '', CONSISTENCY_CHECKS) ?? 'size_last_modified';
  // no_check is only meaningful for HTTP/HTTPS (URL list) sources.
  if (consistencyCheck === 'no_check' && !isUrlList) throw invalidParameter('consistency_check');

  const spec: TaskSpec = {
    taskType,
    src: {
      cloudType: givenCloudType,
      region: srcRegion ?? null,
      bucket: srcBucket ?? null,
      appId,
      objectKey: needsKeys ? (objectKey as string[]) : null,
      listFile,
    },
    dst: { region: dstRegion, bucket: dstBucket, savePrefix: savePrefix ?? null },
    description,
    migrateSince,
    bandwidthPolicy,
    sourceCdn,
    smnConfig,
    enableKms: enableKms || dstCrypto === 'KMS',
    enableMetadataMigration: booleanField(root, 'enable_metadata_migration', '') ?? false,
    enableRestore: booleanField(root, 'enable_restore', '') ?? false,
    enableFailedObjectRecording: booleanField(root, 'enable_failed_object_recording', '') ?? true,
    enableRequesterPays: booleanField(root, 'enable_requester_pays', '') ?? false,
    objectOverwriteMode:
      enumField(root, 'object_overwrite_mode', '', OVERWRITE_MODES) ?? 'SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE',
    dstStoragePolicy: enumField(root, 'dst_storage_policy', '', STORAGE_POLICIES) ?? 'STANDARD',
    consistencyCheck,
    taskPriority: enumField(root, 'task_priority', '', PRIORITIES) ?? null,
  };
  const credentials = taskCredentials(isUrlList, {
    srcAk,
    srcSk,
    srcSecurityToken,
    dstAk,
    dstSk,
    dstSecurityToken,
    jsonAuthFile,
    connectionString,
    cdnAuthenticationKey: cdnKey,
  });
  return { spec, credentials };
}

/** The credentials copied only when given. */
const OPTIONAL_CREDENTIALS = [
  'srcSecurityToken',
  'dstSecurityToken',
  'jsonAuthFile',
  'connectionString',
  'cdnAuthenticationKey',
] as const;

/** The credentials a CreateTask or StartTask body supplies: no source keys for `url_list`, absent fields left out. */
function taskCredentials(isUrlList: boolean, fields: TaskCredentials): TaskCredentials {
  const credentials: TaskCredentials = { dstAk: fields.dstAk, dstSk: fields.dstSk };
  if (!isUrlList) {
    credentials.srcAk = fields.srcAk;
    credentials.srcSk = fields.srcSk;
  }
  for (const key of OPTIONAL_CREDENTIALS) {
    if (fields[key] !== undefined) credentials[key] = fields[key];
  }
  return credentials;
}

/** A validated StartTask request. */
export interface ValidatedStartTask {
  credentials: TaskCredentials;
  migrateFailedObject: boolean;
}

/** Validates a StartTask body for `task` (keys are required again: OMS erased them). */
export function validateStartTask(body: unknown, task: TaskRecord): ValidatedStartTask {
  const root = body === undefined ? {} : requireObjectBody(body);
  const isUrlList = task.spec.taskType === 'url_list';
  // Properties evaluate in source order, so the first invalid field is still the one reported.
  const credentials = taskCredentials(isUrlList, {
    srcAk: stringField(root, 'src_ak', '', { required: !isUrlList, max: 100 }),
    srcSk: stringField(root, 'src_sk', '', { required: !isUrlList, max: 100 }),
    dstAk: stringField(root, 'dst_ak', '', { required: true, max: 100 }) as string,
    dstSk: stringField(root, 'dst_sk', '', { required: true, max: 100 }) as string,
    srcSecurityToken: stringField(root, 'src_security_token', '', { max: 16_384 }),
    dstSecurityToken: stringField(root, 'dst_security_token', '', { max: 16_384 }),
    connectionString: stringField(root, 'connection_string', '', { max: 2048 }),
    jsonAuthFile: stringField(root, 'json_auth_file', '', { max: 65_535 }),
    cdnAuthenticationKey: stringField(root, 'source_cdn_authentication_key', '', { max: 255 }),
  });
  const cdnType = task.spec.sourceCdn?.authentication_type;
  if (cdnType !== undefined && cdnType !== 'NONE' && !credentials.cdnAuthenticationKey) {
    throw omsError('OMS.1032', 'source_cdn_authentication_key');
  }
  cryptoFields(root, '', 'src_crypto_type', 'src_kms_key_id');
  cryptoFields(root, '', 'dst_crypto_type', 'dst_kms_key_id');
  cryptoFields(root, '', 'source_cdn_crypto_type', 'source_cdn_kms_key_id');
  const migrateFailedObject = booleanField(root, 'migrate_failed_object', '') ?? false;
  return { credentials, migrateFailedObject };
}

/** Validates an UpdateBandwidthPolicy body. */
export function validateBandwidthUpdate(body: unknown): BandwidthPolicyDto[] {
  const root = requireObjectBody(body);
  if (root.bandwidth_policy === undefined || root.bandwidth_policy === null) {
    throw invalidParameter('bandwidth_policy');
  }
  return validateBandwidthPolicy(root.bandwidth_policy, 'bandwidth_policy');
}

/** Validated ListTasks query. */
export interface ListTasksQuery {
  limit: number;
  offset: number;
  status?: number;
  groupId?: string;
  taskName?: string;
}

function queryInteger(params: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,10}$/.test(raw)) throw invalidParameter(name);
  const value = Number(raw);
  if (value < min || value > max) throw invalidParameter(name);
  return value;
}

/** Validates the ListTasks query (`offset` accepts the larger documented maximum, 2147483647). */
export function validateListQuery(params: URLSearchParams): ListTasksQuery {
  const limit = queryInteger(params, 'limit', 1, 100) ?? 10;
  const offset = queryInteger(params, 'offset', 0, 2_147_483_647) ?? 0;
  const status = queryInteger(params, 'status', 1, 7);
  const groupId = params.get('group_id') ?? undefined;
  if (groupId !== undefined && (groupId.length < 1 || groupId.length > 100)) throw invalidParameter('group_id');
  const taskName = params.get('task_name') ?? undefined;
  if (taskName !== undefined && (taskName.length > 255 || DESCRIPTION_FORBIDDEN.test(taskName))) {
    throw invalidParameter('task_name');
  }
  const query: ListTasksQuery = { limit, offset };
  if (status !== undefined) query.status = status;
  if (groupId !== undefined) query.groupId = groupId;
  if (taskName !== undefined) query.taskName = taskName;
  return query;
}
