/**
 * CreateTask validation as the service does it: each rule is exercised through HTTP with the expected OMS code
 * and `error_detail`, and the documented variants (enable_kms or crypto_type, url_list without keys, …) pass.
 */
import type { RunningEmulator } from '../../emulator';
import { AK, SK, getToken, matching, oms, seedTaskBody, srcNode, startTestEmulator } from './helpers';

jest.setTimeout(30_000);

let emulator: RunningEmulator;
let token: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  token = await getToken(emulator);
});
afterAll(() => emulator.stop());

type Body = Record<string, unknown>;

/** The seed body with `mutate` applied to a deep copy. */
function body(mutate: (b: Body & { src_node: Body; dst_node: Body }) => void): Body {
  const b = structuredClone(seedTaskBody()) as Body & { src_node: Body; dst_node: Body };
  mutate(b);
  return b;
}

const listTask = (extra: Partial<Body> = {}): Body => ({
  ...seedTaskBody(),
  task_type: 'list',
  src_node: srcNode('demo-logs', { list_file: { obs_bucket: 'oms-lists', list_file_key: 'object_list_file.txt' } }),
  ...extra,
});
const urlTask = (src: Body = {}): Body => ({
  ...seedTaskBody(),
  task_type: 'url_list',
  src_node: {
    cloud_type: 'URLSource',
    list_file: { obs_bucket: 'oms-lists', list_file_key: 'url_list_file.txt' },
    ...src,
  },
});
const window = (start: string, end: string, max = 50_000_000) => ({ start, end, max_bandwidth: max });

const rejected: [string, Body, string, string | undefined][] = [
  ['an unknown task_type', { ...seedTaskBody(), task_type: 'bucket' }, 'OMS.0064', 'task_type'],
  [
    'task_type in upper case (that is the task-group enum)',
    { ...seedTaskBody(), task_type: 'OBJECT' },
    'OMS.0064',
    'task_type',
  ],
  ['no src_node', body((b) => delete (b as Body).src_node), 'OMS.0064', 'src_node'],
  ['no dst_node', body((b) => delete (b as Body).dst_node), 'OMS.0064', 'dst_node'],
  ['src_node not an object', body((b) => ((b as Body).src_node = 'x')), 'OMS.0064', 'src_node'],
  ['no source bucket', body((b) => delete b.src_node.bucket), 'OMS.0064', 'src_node.bucket'],
  ['no source region', body((b) => delete b.src_node.region), 'OMS.0064', 'src_node.region'],
  ['no source ak', body((b) => delete b.src_node.ak), 'OMS.0064', 'src_node.ak'],
  ['an empty source sk', body((b) => (b.src_node.sk = '')), 'OMS.0064', 'src_node.sk'],
  ['a source ak over 100 characters', body((b) => (b.src_node.ak = 'A'.repeat(101))), 'OMS.0064', 'src_node.ak'],
  ['an unknown cloud_type', body((b) => (b.src_node.cloud_type = 'Dropbox')), 'OMS.0064', 'src_node.cloud_type'],
  [
    'URLSource for an object task',
    body((b) => (b.src_node.cloud_type = 'URLSource')),
    'OMS.0064',
    'src_node.cloud_type',
  ],
  ['Tencent without app_id', body((b) => (b.src_node.cloud_type = 'Tencent')), 'OMS.0064', 'src_node.app_id'],
  ['an object task without object_key', body((b) => delete b.src_node.object_key), 'OMS.0064', 'src_node.object_key'],
  ['an empty object_key', body((b) => (b.src_node.object_key = [])), 'OMS.0064', 'src_node.object_key'],
  ['object_key not an array', body((b) => (b.src_node.object_key = '01.png')), 'OMS.0064', 'src_node.object_key'],
  [
    'an object_key item over 1024',
    body((b) => (b.src_node.object_key = ['k'.repeat(1025)])),
    'OMS.0064',
    'src_node.object_key[0]',
  ],
  [
    'a prefix task without prefixes',
    { ...seedTaskBody(), task_type: 'prefix', src_node: srcNode('a-test-1') },
    'OMS.0064',
    'src_node.object_key',
  ],
  [
    'a list task without list_file',
    { ...listTask(), src_node: srcNode('demo-logs') },
    'OMS.0064',
    'src_node.list_file',
  ],
  [
    'a list file without list_file_key',
    { ...listTask(), src_node: srcNode('demo-logs', { list_file: { obs_bucket: 'oms-lists' } }) },
    'OMS.0064',
    'src_node.list_file.list_file_key',
  ],
  [
    'a list file without obs_bucket',
    { ...listTask(), src_node: srcNode('demo-logs', { list_file: { list_file_key: 'a.txt' } }) },
    'OMS.0064',
    'src_node.list_file.obs_bucket',
  ],
  ['a url_list task with cloud_type Aliyun', urlTask({ cloud_type: 'Aliyun' }), 'OMS.0064', 'src_node.cloud_type'],
  ['a url_list task without list_file', urlTask({ list_file: undefined }), 'OMS.0064', 'src_node.list_file'],
  ['no destination ak', body((b) => delete b.dst_node.ak), 'OMS.0064', 'dst_node.ak'],
  ['no destination sk', body((b) => delete b.dst_node.sk), 'OMS.0064', 'dst_node.sk'],
  ['no destination bucket', body((b) => delete b.dst_node.bucket), 'OMS.0064', 'dst_node.bucket'],
  ['no destination region', body((b) => delete b.dst_node.region), 'OMS.0064', 'dst_node.region'],
  [
    'a destination region other than the endpoint region',
    body((b) => (b.dst_node.region = 'cn-north-4')),
    'OMS.0080',
    'dst_node.region',
  ],
  ['a numeric destination bucket', body((b) => (b.dst_node.bucket = 7)), 'OMS.0064', 'dst_node.bucket'],
  [
    'a save_prefix over 1024',
    body((b) => (b.dst_node.save_prefix = 'p'.repeat(1025))),
    'OMS.0064',
    'dst_node.save_prefix',
  ],
  ['a description over 255 characters', { ...seedTaskBody(), description: 'd'.repeat(256) }, 'OMS.0064', 'description'],
  ...['^', '<', '>', '&', '"', "'"].map((c): [string, Body, string, string] => [
    `a description with ${c}`,
    { ...seedTaskBody(), description: `a${c}b` },
    'OMS.0078',
    'description',
  ]),
  ['a negative migrate_since', { ...seedTaskBody(), migrate_since: -1 }, 'OMS.0064', 'migrate_since'],
  ['a fractional migrate_since', { ...seedTaskBody(), migrate_since: 1.5 }, 'OMS.0064', 'migrate_since'],
  ['a string migrate_since', { ...seedTaskBody(), migrate_since: '100' }, 'OMS.0064', 'migrate_since'],
  [
    'six bandwidth windows',
    { ...seedTaskBody(), bandwidth_policy: Array.from({ length: 6 }, (_, i) => window(`0${i}:00`, `0${i}:30`)) },
    'OMS.0083',
    'bandwidth_policy',
  ],
  [
    'a bandwidth below 1 MiB/s',
    { ...seedTaskBody(), bandwidth_policy: [window('00:00', '01:00', 1_048_575)] },
    'OMS.0084',
    'bandwidth_policy[0].max_bandwidth',
  ],
  [
    'a bandwidth above 200 MiB/s',
    { ...seedTaskBody(), bandwidth_policy: [window('00:00', '01:00', 209_715_201)] },
    'OMS.0084',
    'bandwidth_policy[0].max_bandwidth',
  ],
  [
    'overlapping windows',
    { ...seedTaskBody(), bandwidth_policy: [window('00:00', '12:00'), window('11:00', '13:00')] },
    'OMS.0085',
    'bandwidth_policy',
  ],
  [
    'windows sharing a minute (ends are inclusive)',
    { ...seedTaskBody(), bandwidth_policy: [window('00:00', '12:00'), window('12:00', '13:00')] },
    'OMS.0085',
    'bandwidth_policy',
  ],
  [
    'a wrapping window overlapping another',
    { ...seedTaskBody(), bandwidth_policy: [window('22:00', '02:00'), window('01:00', '03:00')] },
    'OMS.0085',
    'bandwidth_policy',
  ],
  [
    'a malformed window time',
    { ...seedTaskBody(), bandwidth_policy: [window('24:00', '01:00')] },
    'OMS.0064',
    'bandwidth_policy[0].start',
  ],
  [
    'a window time without leading zero',
    { ...seedTaskBody(), bandwidth_policy: [window('00:00', '1:00')] },
    'OMS.0064',
    'bandwidth_policy[0].end',
  ],
  [
    'a fractional max_bandwidth',
    { ...seedTaskBody(), bandwidth_policy: [window('00:00', '01:00', 2_000_000.5)] },
    'OMS.0064',
    'bandwidth_policy[0].max_bandwidth',
  ],
  ['bandwidth_policy not an array', { ...seedTaskBody(), bandwidth_policy: {} }, 'OMS.0064', 'bandwidth_policy'],
  [
    'an unknown object_overwrite_mode',
    { ...seedTaskBody(), object_overwrite_mode: 'ALWAYS' },
    'OMS.0064',
    'object_overwrite_mode',
  ],
  [
    'an unknown dst_storage_policy',
    { ...seedTaskBody(), dst_storage_policy: 'COLD' },
    'OMS.0064',
    'dst_storage_policy',
  ],
  ['an unknown consistency_check', { ...seedTaskBody(), consistency_check: 'md5' }, 'OMS.0064', 'consistency_check'],
  [
    'no_check for a non-URL source',
    { ...seedTaskBody(), consistency_check: 'no_check' },
    'OMS.0064',
    'consistency_check',
  ],
  ['an unknown task_priority', { ...seedTaskBody(), task_priority: 'URGENT' }, 'OMS.0064', 'task_priority'],
  ['an unknown crypto_type', body((b) => (b.dst_node.crypto_type = 'SSE')), 'OMS.0064', 'dst_node.crypto_type'],
  [
    'a kms_key_id of the wrong length',
    body((b) => (b.dst_node.kms_key_id = 'short')),
    'OMS.0064',
    'dst_node.kms_key_id',
  ],
  ['enable_kms as a string', { ...seedTaskBody(), enable_kms: 'false' }, 'OMS.0064', 'enable_kms'],
  ['enable_restore as a number', { ...seedTaskBody(), enable_restore: 0 }, 'OMS.0064', 'enable_restore'],
  ['a CDN without domain', { ...seedTaskBody(), source_cdn: { protocol: 'https' } }, 'OMS.0064', 'source_cdn.domain'],
  [
    'a CDN with protocol ftp',
    { ...seedTaskBody(), source_cdn: { domain: 'd.example', protocol: 'ftp' } },
    'OMS.0064',
    'source_cdn.protocol',
  ],
  [
    'a CDN with an unknown authentication_type',
    { ...seedTaskBody(), source_cdn: { domain: 'd.example', protocol: 'https', authentication_type: 'X' } },
    'OMS.0064',
    'source_cdn.authentication_type',
  ],
  [
    'an authenticated CDN without a key',
    { ...seedTaskBody(), source_cdn: { domain: 'd.example', protocol: 'https', authentication_type: 'TENCENT_COS_A' } },
    'OMS.1032',
    'source_cdn.authentication_key',
  ],
  [
    'smn_config without topic_urn',
    { ...seedTaskBody(), smn_config: { trigger_conditions: ['SUCCESS'] } },
    'OMS.0064',
    'smn_config.topic_urn',
  ],
  [
    'smn_config with an unknown trigger',
    { ...seedTaskBody(), smn_config: { topic_urn: 'urn:smn:x:y:z', trigger_conditions: ['DONE'] } },
    'OMS.0064',
    'smn_config.trigger_conditions[0]',
  ],
  [
    'smn_config without triggers',
    { ...seedTaskBody(), smn_config: { topic_urn: 'urn:smn:x:y:z', trigger_conditions: [] } },
    'OMS.0064',
    'smn_config.trigger_conditions',
  ],
  [
    'smn_config with an unknown language',
    {
      ...seedTaskBody(),
      smn_config: { topic_urn: 'urn:smn:x:y:z', trigger_conditions: ['SUCCESS'], language: 'fr-fr' },
    },
    'OMS.0064',
    'smn_config.language',
  ],
];

test.each(rejected)('%s is rejected', async (_name, request, code, field) => {
  const res = await oms(emulator, token, 'POST', '/tasks', request);
  expect(res.status).toBe(400);
  const answer = res.json();
  expect(answer.error_code).toBe(code);
  expect(typeof answer.error_msg).toBe('string');
  if (field !== undefined) expect(answer.error_detail).toBe(`request parameter [${field}] invalid.`);
  expect(res.text).not.toContain(SK);
});

test('rejected requests create nothing', async () => {
  await emulator.admin.reset();
  await oms(emulator, token, 'POST', '/tasks', { ...seedTaskBody(), description: '<' });
  expect((await emulator.admin.tasks()).tasks).toHaveLength(0);
});

const accepted: [string, Body][] = [
  ['the seed example', seedTaskBody()],
  ['no task_type (defaults to object)', body((b) => delete (b as Body).task_type)],
  ['enable_kms: true (older docs and SDKs)', { ...seedTaskBody(), enable_kms: true }],
  [
    'crypto_type KMS with a 36-character key (newer SDKs)',
    body((b) => Object.assign(b.dst_node, { crypto_type: 'KMS', kms_key_id: 'k'.repeat(36) })),
  ],
  ['cloud_type in another case', body((b) => (b.src_node.cloud_type = 'huaweicloud'))],
  ['cloud_type HEC', body((b) => (b.src_node.cloud_type = 'HEC'))],
  ['Tencent with app_id', body((b) => Object.assign(b.src_node, { cloud_type: 'Tencent', app_id: '1250000000' }))],
  ['a whole-bucket object task', body((b) => (b.src_node.object_key = ['']))],
  [
    'a prefix task',
    { ...seedTaskBody(), task_type: 'prefix', src_node: srcNode('demo-logs', { object_key: ['logs/'] }) },
  ],
  ['a list task', listTask()],
  ['a url_list task without region, keys or bucket', urlTask()],
  ['a url_list task with no_check', { ...urlTask(), consistency_check: 'no_check' }],
  [
    'five non-overlapping windows incl. one wrapping midnight',
    {
      ...seedTaskBody(),
      bandwidth_policy: [
        window('00:00', '03:59'),
        window('04:00', '07:59'),
        window('08:00', '11:59'),
        window('12:00', '15:59'),
        window('22:00', '23:59'),
      ],
    },
  ],
  [
    'a wrapping window',
    {
      ...seedTaskBody(),
      bandwidth_policy: [window('22:00', '02:00', 1_048_576), window('03:00', '04:00', 209_715_200)],
    },
  ],
  ['an empty bandwidth_policy', { ...seedTaskBody(), bandwidth_policy: [] }],
  ['a description of 255 characters', { ...seedTaskBody(), description: 'd'.repeat(255) }],
  ['migrate_since in seconds', { ...seedTaskBody(), migrate_since: 1_700_000_000 }],
  [
    'a CDN without authentication_type (defaults to NONE)',
    { ...seedTaskBody(), source_cdn: { domain: 'd.example', protocol: 'http' } },
  ],
  [
    'all enums set',
    {
      ...seedTaskBody(),
      object_overwrite_mode: 'FULL_OVERWRITE',
      dst_storage_policy: 'IA',
      consistency_check: 'crc64',
      task_priority: 'HIGH',
      enable_requester_pays: true,
      enable_metadata_migration: true,
    },
  ],
  [
    'smn_config',
    {
      ...seedTaskBody(),
      smn_config: {
        topic_urn: 'urn:smn:cn-north-7:4cf2:OMS',
        trigger_conditions: ['SUCCESS', 'FAILURE'],
        language: 'en-us',
      },
    },
  ],
  ['unknown fields (ignored)', { ...seedTaskBody(), task_name: 'ignored', whatever: { a: 1 } }],
  ['a save_prefix', body((b) => (b.dst_node.save_prefix = 'backup/'))],
  [
    'a security token on both nodes',
    body((b) => {
      b.src_node.security_token = 't';
      b.dst_node.security_token = 't';
    }),
  ],
];

test.each(accepted)('%s is accepted', async (_name, request) => {
  const res = await oms(emulator, token, 'POST', '/tasks', request);
  expect([res.status, res.text]).toEqual([200, matching(/^\{"id":\d{15},"task_name":"[^"]+"\}$/)]);
});

test('enable_kms and crypto_type both show as enable_kms in the task; url_list echoes no source keys', async () => {
  const kms = await oms(
    emulator,
    token,
    'POST',
    '/tasks',
    body((b) => Object.assign(b.dst_node, { crypto_type: 'KMS' })),
  );
  const kmsTask = (await oms(emulator, token, 'GET', `/tasks/${kms.json<{ id: number }>().id}`)).json();
  expect(kmsTask.enable_kms).toBe(true);
  expect(JSON.stringify(kmsTask)).not.toContain('crypto_type');
  const url = await oms(emulator, token, 'POST', '/tasks', urlTask());
  const urlView = (await oms(emulator, token, 'GET', `/tasks/${url.json<{ id: number }>().id}`)).json();
  expect(urlView.src_node).toEqual({
    bucket: null,
    cloud_type: 'URLSource',
    region: null,
    app_id: '',
    object_key: null,
    list_file: { obs_bucket: 'oms-lists', list_file_key: 'url_list_file.txt' },
  });
  expect(urlView.task_type).toBe('url_list');
  expect(JSON.stringify(urlView)).not.toContain(AK);
});

test('a list-file bucket in another region makes creation fail', async () => {
  await emulator.admin.createBucket('far-lists', 'cn-east-3');
  const res = await oms(
    emulator,
    token,
    'POST',
    '/tasks',
    listTask({ src_node: srcNode('demo-logs', { list_file: { obs_bucket: 'far-lists', list_file_key: 'a.txt' } }) }),
  );
  expect(res.json()).toMatchObject({
    error_code: 'OMS.0064',
    error_detail: 'request parameter [src_node.list_file.obs_bucket] invalid.',
  });
});
