/**
 * Shared fixtures of the contract tests: the example requests shipped in `examples/` and a table of invalid
 * requests with the exact field paths the validator must report.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Repository root. */
export const ROOT = path.resolve(__dirname, '../../..');

/** The example requests in `examples/` that run as they are: one per task type, and the demo's. */
export const EXAMPLE_FILES = [
  'demo-seed-object-task.json',
  'demo-failed-objects.json',
  'prefix-task.json',
  'list-task.json',
  'url-list-task.json',
] as const;

/**
 * The OMS documentation's seed example with only ak/sk replaced: its regions are the documentation's placeholders
 * (`destination_bucket_region`), which the first rules accepted and the current rules refuse for the destination
 * (not a Huawei Cloud region id).
 */
export const DOC_SEED_FILE = 'seed-object-task.json';

/** Reads a JSON file relative to the repository root, as a client would. */
export function readJson(relativePath: string): unknown {
  return JSON.parse(readFileSync(path.join(ROOT, relativePath), 'utf8')) as unknown;
}

// --- Building requests ---

/** A JSON object request under construction; tests reshape it freely, valid or not. */
export type Draft = Record<string, unknown>;

/** A change to a draft request. */
export type Change = (request: Draft) => void;

/** The object holding the last key of a dotted `path`, and that key. */
function locate(request: Draft, dotted: string): [Draft, string] {
  const keys = dotted.split('.');
  let node = request;
  for (const key of keys.slice(0, -1)) node = node[key] as Draft;
  return [node, keys[keys.length - 1]!];
}

/** The value at a dotted path (`src_node.object_key`). */
export function get(request: Draft, dotted: string): unknown {
  const [node, key] = locate(request, dotted);
  return node[key];
}

/** Sets the value at a dotted path. */
export const set =
  (dotted: string, value: unknown): Change =>
  (request) => {
    const [node, key] = locate(request, dotted);
    node[key] = value;
  };

/** Removes the key at a dotted path. */
export const del =
  (dotted: string): Change =>
  (request) => {
    const [node, key] = locate(request, dotted);
    delete node[key];
  };

/** Moves a value to another key of the same object (typos: `dst_node` → `dst_nodes`). */
export const rename =
  (dotted: string, newKey: string): Change =>
  (request) => {
    const [node, key] = locate(request, dotted);
    node[newKey] = node[key];
    delete node[key];
  };

/** Merges `fields` into the object at a dotted path. */
export const merge =
  (dotted: string, fields: Draft): Change =>
  (request) => {
    Object.assign(get(request, dotted) as Draft, fields);
  };

/** A fresh `base()` with `changes` applied in order. */
export function edit(base: () => Draft, ...changes: Change[]): Draft {
  const request = base();
  for (const change of changes) change(request);
  return request;
}

/** A minimal valid object task. */
export function objectTask(): Draft {
  return {
    task_type: 'object',
    src_node: { cloud_type: 'AWS', region: 'us-east-1', bucket: 'src', credential_profile: 'src', object_key: ['a/'] },
    dst_node: { region: 'cn-north-4', bucket: 'dst', credential_profile: 'dst' },
  };
}

/** A minimal valid prefix task. */
export function prefixTask(): Draft {
  return edit(objectTask, set('task_type', 'prefix'));
}

/** A minimal valid list task. */
export function listTask(): Draft {
  return edit(
    objectTask,
    set('task_type', 'list'),
    del('src_node.object_key'),
    set('src_node.list_file', { list_file_key: 'lists/a.txt', obs_bucket: 'lists' }),
  );
}

/** A minimal valid URL-list task. */
export function urlListTask(): Draft {
  return {
    task_type: 'url_list',
    src_node: { cloud_type: 'URLSource', list_file: { list_file_key: 'urls.txt', obs_bucket: 'lists' } },
    dst_node: { region: 'cn-north-4', bucket: 'dst', credential_profile: 'dst' },
  };
}

// --- Invalid requests ---

/** One invalid request and exactly the fields the validator must report for it. */
export interface InvalidCase {
  name: string;
  request: unknown;
  fields: string[];
  /** A secret planted in the request: it must appear nowhere in the validation result. */
  secret?: string;
  /** False for the rules JSON Schema cannot express (they compare two values); the schema then accepts. */
  schemaRejects?: false;
}

const SECRET = 'AKIA-SeCrEt-7f3e9c1d';
const KMS_KEY = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const window = (start: string, end: string, max_bandwidth = 10_485_760): Draft => ({ start, end, max_bandwidth });
const cdn = (fields: Draft): Change => set('source_cdn', { domain: 'cdn.example.com', protocol: 'https', ...fields });
const orchestration = (fields: Draft): Change => set('orchestration', fields);

const SECRET_AS_PROFILE = 'Hw/SeCrEt+9f8e7d6c5b4a==';

/**
 * Requests the first rules (`v1`) accept and the current rules (`v2`) refuse: region ids with whitespace or in
 * another form than Huawei's for the destination, profile names the worker's environment cannot configure, and
 * the size bounds. Part of {@link INVALID_CASES}.
 */
export const V2_ONLY_CASES: InvalidCase[] = [
  {
    name: 'a source region with a trailing newline',
    request: edit(objectTask, set('src_node.region', 'us-east-1\n')),
    fields: ['src_node.region'],
  },
  {
    name: 'a destination region with a trailing space',
    request: edit(objectTask, set('dst_node.region', 'cn-north-4 ')),
    fields: ['dst_node.region'],
  },
  {
    name: 'a source region with a control character',
    request: edit(objectTask, set('src_node.region', 'us-east-1\u0000')),
    fields: ['src_node.region'],
  },
  {
    name: 'a source region of 65 characters',
    request: edit(objectTask, set('src_node.region', `r${'1'.repeat(64)}`)),
    fields: ['src_node.region'],
  },
  {
    name: "a destination region in another cloud's form",
    request: edit(objectTask, set('dst_node.region', 'eastus')),
    fields: ['dst_node.region'],
  },
  {
    name: 'a destination region in upper case',
    request: edit(objectTask, set('dst_node.region', 'CN-NORTH-4')),
    fields: ['dst_node.region'],
  },
  {
    name: 'a destination region with underscores',
    request: edit(objectTask, set('dst_node.region', 'cn_north_4')),
    fields: ['dst_node.region'],
  },
  {
    name: 'a profile name with a dot',
    request: edit(objectTask, set('src_node.credential_profile', 'my.src')),
    fields: ['src_node.credential_profile'],
  },
  {
    name: 'a profile name with an underscore (the environment reads _ as -)',
    request: edit(objectTask, set('dst_node.credential_profile', 'my_dst')),
    fields: ['dst_node.credential_profile'],
  },
  {
    name: 'a profile name starting with a digit',
    request: edit(objectTask, orchestration({ api_profile: '1ops' })),
    fields: ['orchestration.api_profile'],
  },
  {
    name: '10,001 object keys',
    request: edit(
      objectTask,
      set(
        'src_node.object_key',
        Array.from({ length: 10_001 }, (_, i) => String(i)),
      ),
    ),
    fields: ['src_node.object_key'],
  },
  {
    name: 'a request over 256 KiB of JSON',
    request: edit(
      objectTask,
      set(
        'src_node.object_key',
        Array.from({ length: 300 }, (_, i) => `${'k'.repeat(1000)}-${i}`),
      ),
    ),
    fields: ['src_node.object_key'],
    // A bound on the whole document's size is not a JSON Schema keyword.
    schemaRejects: false,
  },
];

/** Invalid requests, each with the exact set of field paths reported. */
export const INVALID_CASES: InvalidCase[] = [
  // Shape of the request
  { name: 'a string instead of a request', request: 'migrate please', fields: ['$'] },
  { name: 'an array instead of a request', request: [objectTask()], fields: ['$'] },
  { name: 'null instead of a request', request: null, fields: ['$'] },
  { name: 'no src_node', request: edit(objectTask, del('src_node')), fields: ['src_node'] },
  { name: 'no dst_node', request: edit(objectTask, del('dst_node')), fields: ['dst_node'] },
  { name: 'src_node is null', request: edit(objectTask, set('src_node', null)), fields: ['src_node'] },
  {
    name: 'dst_node is an array',
    request: edit(objectTask, (r) => set('dst_node', [r.dst_node])(r)),
    fields: ['dst_node'],
  },
  {
    name: 'typo dst_nodes (and so no dst_node)',
    request: edit(objectTask, rename('dst_node', 'dst_nodes')),
    fields: ['dst_node', 'dst_nodes'],
  },
  { name: 'typo task-type', request: edit(objectTask, rename('task_type', 'task-type')), fields: ['task-type'] },
  {
    name: 'a key holding a dot',
    request: edit(objectTask, (r) => (r['src_node.bucket'] = 'x')),
    fields: ['["src_node.bucket"]'],
  },
  {
    name: 'a __proto__ key from JSON.parse',
    // Built from JSON text: only JSON.parse makes `__proto__` an own key (assignment would set the prototype).
    request: JSON.parse(JSON.stringify(objectTask()).replace(/^\{/, '{"__proto__":{"polluted":true},')) as unknown,
    fields: ['__proto__'],
  },
  { name: 'unknown task_type', request: edit(objectTask, set('task_type', 'bucket')), fields: ['task_type'] },
  { name: 'task_type as a number', request: edit(objectTask, set('task_type', 1)), fields: ['task_type'] },

  // Secrets
  {
    name: 'raw src_node.ak',
    request: edit(objectTask, set('src_node.ak', SECRET)),
    fields: ['src_node.ak'],
    secret: SECRET,
  },
  {
    name: 'raw src_node.sk',
    request: edit(objectTask, set('src_node.sk', SECRET)),
    fields: ['src_node.sk'],
    secret: SECRET,
  },
  {
    name: 'raw ak and sk instead of a profile',
    request: edit(
      objectTask,
      del('src_node.credential_profile'),
      merge('src_node', { ak: SECRET, sk: `${SECRET}-sk` }),
    ),
    fields: ['src_node.ak', 'src_node.sk', 'src_node.credential_profile'],
    secret: SECRET,
  },
  {
    name: 'raw dst_node.security_token',
    request: edit(objectTask, set('dst_node.security_token', SECRET)),
    fields: ['dst_node.security_token'],
    secret: SECRET,
  },
  {
    name: 'raw src_node.json_auth_file',
    request: edit(objectTask, set('src_node.json_auth_file', `{"private_key": "${SECRET}"}`)),
    fields: ['src_node.json_auth_file'],
    secret: SECRET,
  },
  {
    name: 'raw src_node.connection_string',
    request: edit(objectTask, set('src_node.connection_string', `AccountKey=${SECRET}`)),
    fields: ['src_node.connection_string'],
    secret: SECRET,
  },
  {
    name: 'raw source_cdn.authentication_key',
    request: edit(
      objectTask,
      cdn({ authentication_type: 'ALIYUN_OSS_A', credential_profile: 'cdn', authentication_key: SECRET }),
    ),
    fields: ['source_cdn.authentication_key'],
    secret: SECRET,
  },
  {
    name: 'a password in orchestration',
    request: edit(objectTask, orchestration({ api_password: SECRET })),
    fields: ['orchestration.api_password'],
    secret: SECRET,
  },
  {
    name: 'a secret nested in an unknown key',
    request: edit(objectTask, set('auth', { user: { Password: SECRET } })),
    fields: ['auth', 'auth.user.Password'],
    secret: SECRET,
  },
  {
    name: 'a secret inside a mistyped node',
    request: edit(objectTask, (r) => set('dst_node', [{ ...(r.dst_node as Draft), secretKey: SECRET }])(r)),
    fields: ['dst_node', 'dst_node[0].secretKey'],
    secret: SECRET,
  },

  // Top-level OMS fields
  {
    name: 'description over 215 characters',
    request: edit(objectTask, set('description', 'd'.repeat(216))),
    fields: ['description'],
  },
  { name: 'description with <', request: edit(objectTask, set('description', 'a <b> c')), fields: ['description'] },
  { name: 'description with ^', request: edit(objectTask, set('description', 'x^2')), fields: ['description'] },
  {
    name: 'migrate_since in ms',
    request: edit(objectTask, set('migrate_since', 1_700_000_000_000)),
    fields: ['migrate_since'],
  },
  { name: 'negative migrate_since', request: edit(objectTask, set('migrate_since', -1)), fields: ['migrate_since'] },
  { name: 'fractional migrate_since', request: edit(objectTask, set('migrate_since', 1.5)), fields: ['migrate_since'] },
  { name: 'enable_kms as a string', request: edit(objectTask, set('enable_kms', 'false')), fields: ['enable_kms'] },
  { name: 'enable_restore null', request: edit(objectTask, set('enable_restore', null)), fields: ['enable_restore'] },
  {
    name: 'unknown overwrite mode',
    request: edit(objectTask, set('object_overwrite_mode', 'ALWAYS')),
    fields: ['object_overwrite_mode'],
  },
  {
    name: 'no_check on a bucket source',
    request: edit(objectTask, set('consistency_check', 'no_check')),
    fields: ['consistency_check'],
  },

  // Bandwidth policy
  {
    name: 'six bandwidth windows',
    request: edit(
      objectTask,
      set(
        'bandwidth_policy',
        [0, 1, 2, 3, 4, 5].map((h) => window(`0${h}:00`, `0${h}:30`)),
      ),
    ),
    fields: ['bandwidth_policy'],
  },
  {
    name: 'bandwidth start 24:00',
    request: edit(objectTask, set('bandwidth_policy', [window('24:00', '23:59')])),
    fields: ['bandwidth_policy[0].start'],
  },
  {
    name: 'bandwidth under 1 MiB/s',
    request: edit(objectTask, set('bandwidth_policy', [window('00:00', '01:00', 1_048_575)])),
    fields: ['bandwidth_policy[0].max_bandwidth'],
  },
  {
    name: 'bandwidth over 200 MiB/s',
    request: edit(objectTask, set('bandwidth_policy', [window('00:00', '01:00', 209_715_201)])),
    fields: ['bandwidth_policy[0].max_bandwidth'],
  },
  {
    name: 'touching bandwidth windows',
    request: edit(objectTask, set('bandwidth_policy', [window('00:00', '12:00'), window('12:00', '23:59')])),
    fields: ['bandwidth_policy[1]'],
    schemaRejects: false,
  },
  {
    name: 'bandwidth window crossing midnight',
    request: edit(objectTask, set('bandwidth_policy', [window('22:00', '06:00')])),
    fields: ['bandwidth_policy[0].end'],
    schemaRejects: false,
  },

  // Source node and task types
  {
    name: 'object_key item over 1024 characters',
    request: edit(objectTask, set('src_node.object_key', ['a', 'b', 'k'.repeat(1025)])),
    fields: ['src_node.object_key[2]'],
  },
  {
    name: 'empty object_key',
    request: edit(objectTask, set('src_node.object_key', [])),
    fields: ['src_node.object_key'],
  },
  {
    name: 'prefix task without object_key',
    request: edit(prefixTask, del('src_node.object_key')),
    fields: ['src_node.object_key'],
  },
  {
    name: 'object task (by default) with a list_file',
    request: edit(listTask, del('task_type')),
    fields: ['src_node.object_key', 'src_node.list_file'],
  },
  {
    name: 'list task with object_key',
    request: edit(listTask, set('src_node.object_key', ['a'])),
    fields: ['src_node.object_key'],
  },
  {
    name: 'list task without list_file',
    request: edit(listTask, del('src_node.list_file')),
    fields: ['src_node.list_file'],
  },
  {
    name: 'empty list_file_key',
    request: edit(listTask, set('src_node.list_file.list_file_key', '')),
    fields: ['src_node.list_file.list_file_key'],
  },
  {
    name: 'list_file without obs_bucket',
    request: edit(listTask, del('src_node.list_file.obs_bucket')),
    fields: ['src_node.list_file.obs_bucket'],
  },
  {
    name: 'url_list task from AWS',
    request: edit(urlListTask, set('src_node.cloud_type', 'AWS')),
    fields: ['src_node.cloud_type'],
  },
  {
    name: 'url_list task without cloud_type',
    request: edit(urlListTask, del('src_node.cloud_type')),
    fields: ['src_node.cloud_type'],
  },
  {
    name: 'object task from URLSource',
    request: edit(objectTask, set('src_node.cloud_type', 'URLSource')),
    fields: ['src_node.cloud_type'],
  },
  {
    name: 'object task without a source profile',
    request: edit(objectTask, del('src_node.credential_profile')),
    fields: ['src_node.credential_profile'],
  },
  {
    name: 'list task without a source region',
    request: edit(listTask, del('src_node.region')),
    fields: ['src_node.region'],
  },
  {
    name: 'Tencent source without app_id',
    request: edit(objectTask, set('src_node.cloud_type', 'Tencent')),
    fields: ['src_node.app_id'],
  },
  {
    name: 'kms_key_id without crypto_type KMS',
    request: edit(objectTask, set('src_node.kms_key_id', KMS_KEY)),
    fields: ['src_node.kms_key_id'],
  },

  // Destination node
  { name: 'no dst_node.region', request: edit(objectTask, del('dst_node.region')), fields: ['dst_node.region'] },
  {
    name: 'profile name with a space',
    request: edit(objectTask, set('dst_node.credential_profile', 'my profile')),
    fields: ['dst_node.credential_profile'],
  },
  {
    name: 'a secret pasted as a profile name',
    request: edit(objectTask, set('src_node.credential_profile', SECRET_AS_PROFILE)),
    fields: ['src_node.credential_profile'],
    secret: SECRET_AS_PROFILE,
  },
  {
    name: 'a secret pasted as a CDN profile name',
    request: edit(objectTask, cdn({ authentication_type: 'ALIYUN_OSS_A', credential_profile: SECRET_AS_PROFILE })),
    fields: ['source_cdn.credential_profile'],
    secret: SECRET_AS_PROFILE,
  },
  {
    name: 'save_prefix over 1024 characters',
    request: edit(objectTask, set('dst_node.save_prefix', 'p'.repeat(1025))),
    fields: ['dst_node.save_prefix'],
  },
  {
    name: 'kms_key_id of 35 characters',
    request: edit(objectTask, merge('dst_node', { crypto_type: 'KMS', kms_key_id: 'k'.repeat(35) })),
    fields: ['dst_node.kms_key_id'],
  },

  // SMN and CDN
  {
    name: 'smn_config without topic_urn',
    request: edit(objectTask, set('smn_config', { trigger_conditions: ['SUCCESS'] })),
    fields: ['smn_config.topic_urn'],
  },
  {
    name: 'unknown SMN trigger',
    request: edit(objectTask, set('smn_config', { topic_urn: 'urn:smn:x', trigger_conditions: ['ALWAYS'] })),
    fields: ['smn_config.trigger_conditions[0]'],
  },
  {
    name: 'duplicate SMN trigger',
    request: edit(
      objectTask,
      set('smn_config', { topic_urn: 'urn:smn:x', trigger_conditions: ['FAILURE', 'FAILURE'] }),
    ),
    fields: ['smn_config.trigger_conditions[1]'],
  },
  {
    name: 'CDN authentication without a profile',
    request: edit(objectTask, cdn({ authentication_type: 'TENCENT_COS_A' })),
    fields: ['source_cdn.credential_profile'],
  },
  {
    name: 'CDN profile without authentication',
    request: edit(objectTask, cdn({ credential_profile: 'cdn' })),
    fields: ['source_cdn.credential_profile'],
  },
  { name: 'CDN over ftp', request: edit(objectTask, cdn({ protocol: 'ftp' })), fields: ['source_cdn.protocol'] },

  // Orchestration
  {
    name: 'poll interval under 0.1 s',
    request: edit(objectTask, orchestration({ poll_interval_seconds: 0.05 })),
    fields: ['orchestration.poll_interval_seconds'],
  },
  {
    name: 'poll interval over an hour',
    request: edit(objectTask, orchestration({ poll_interval_seconds: 3601 })),
    fields: ['orchestration.poll_interval_seconds'],
  },
  {
    name: 'interval floor above the interval',
    request: edit(objectTask, orchestration({ poll_interval_seconds: 10, min_poll_interval_seconds: 11 })),
    fields: ['orchestration.min_poll_interval_seconds'],
    schemaRejects: false,
  },
  {
    name: 'interval floor above the default interval',
    request: edit(objectTask, orchestration({ min_poll_interval_seconds: 60 })),
    fields: ['orchestration.min_poll_interval_seconds'],
    schemaRejects: false,
  },
  {
    name: 'deadline over 30 days',
    request: edit(objectTask, orchestration({ deadline_seconds: 30 * 24 * 3600 + 1 })),
    fields: ['orchestration.deadline_seconds'],
  },
  {
    name: 'deadline under 1 s',
    request: edit(objectTask, orchestration({ deadline_seconds: 0.5 })),
    fields: ['orchestration.deadline_seconds'],
  },
  {
    name: 'unknown on_cancel',
    request: edit(objectTask, orchestration({ on_cancel: 'terminate' })),
    fields: ['orchestration.on_cancel'],
  },
  {
    name: 'eleven retry rounds',
    request: edit(objectTask, orchestration({ failed_object_retry_rounds: 11 })),
    fields: ['orchestration.failed_object_retry_rounds'],
  },
  {
    name: 'fractional retry rounds',
    request: edit(objectTask, orchestration({ failed_object_retry_rounds: 1.5 })),
    fields: ['orchestration.failed_object_retry_rounds'],
  },
  {
    name: 'retry rounds without failed-object recording',
    request: edit(
      objectTask,
      set('enable_failed_object_recording', false),
      orchestration({ failed_object_retry_rounds: 1 }),
    ),
    fields: ['orchestration.failed_object_retry_rounds'],
  },
  {
    name: 'empty api_profile',
    request: edit(objectTask, orchestration({ api_profile: '' })),
    fields: ['orchestration.api_profile'],
  },
  {
    name: 'typo in orchestration',
    request: edit(objectTask, orchestration({ poll_interval: 5 })),
    fields: ['orchestration.poll_interval'],
  },

  // Rules of the current rule set (v2; see V2_ONLY_CASES)
  ...V2_ONLY_CASES,
];
