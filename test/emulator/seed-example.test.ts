/**
 * The seed example ("示例1：创建迁移任务", docs/oms-api.md §14) against the default configuration:
 * the published token request, CreateTask body and ShowTask answer, with only the credentials (and the
 * placeholders the example fills in its own answer: bucket names, region, cloud type) substituted.
 */
import type { RunningEmulator } from '../../emulator';
import { AK, PROJECT_ID, SK, anyNumber, request, startTestEmulator, waitUntil } from './helpers';

jest.setTimeout(30_000);

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.stop());

/** Step 1 body, verbatim but for username/domainname/password. */
const TOKEN_BODY = {
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: 'demo-user', domain: { name: 'demo-domain' }, password: 'Demo-Passw0rd!' } },
    },
    scope: { project: { id: '0215ef11e49d4743be23dd97a1561e91' } },
  },
};

/** Step 2 body, verbatim but for the keys and the placeholders that the example's answer fills in. */
const CREATE_BODY = {
  src_node: {
    region: 'cn-north-7',
    ak: AK,
    sk: SK,
    bucket: 'a-test-1',
    cloud_type: 'HuaweiCloud',
    object_key: ['01.png', 'list.txt'],
  },
  enable_kms: false,
  description: '',
  dst_node: { region: 'cn-north-7', ak: AK, sk: SK, bucket: 'api-test-outline' },
  enable_failed_object_recording: true,
  enable_restore: false,
  task_type: 'object',
};

/** Step 3 answer of the example (id, name, times and speed differ by nature). */
const EXAMPLE_ANSWER = {
  bandwidth_policy: [],
  complete_size: 2223728,
  description: '',
  dst_node: { bucket: 'api-test-outline', region: 'cn-north-7' },
  enable_failed_object_recording: true,
  enable_kms: false,
  enable_restore: false,
  error_reason: null,
  failed_num: 0,
  failed_object_record: { result: null, list_file_key: null, error_code: null },
  group_id: '',
  id: 200477729979132,
  is_query_over: true,
  left_time: 0,
  migrate_since: 0,
  migrate_speed: 71477,
  name: 'task_name',
  progress: 1.0,
  real_size: 2223728,
  skipped_num: 0,
  src_node: {
    bucket: 'a-test-1',
    cloud_type: 'HuaweiCloud',
    region: 'cn-north-7',
    app_id: '',
    object_key: ['01.png', 'list.txt'],
    list_file: null,
  },
  start_time: 1589267678170,
  status: 5,
  successful_num: 2,
  task_type: 'object',
  total_num: 2,
  total_size: 2223728,
  total_time: 31111,
  smn_info: null,
  source_cdn: null,
};
const VARYING = new Set(['id', 'name', 'migrate_speed', 'start_time', 'total_time']);

test('the seed example works verbatim against the default configuration', async () => {
  const tokenRes = await request(`${emulator.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json;charset=utf8' },
    body: JSON.stringify(TOKEN_BODY),
  });
  expect(tokenRes.status).toBe(201);
  const token = tokenRes.headers['x-subject-token'] as string;
  expect(token).toMatch(/^MII/);

  const created = await request(`${emulator.url}/v2/${PROJECT_ID}/tasks`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Auth-Token': token },
    body: JSON.stringify(CREATE_BODY),
  });
  expect(created.status).toBe(200);
  const { id, task_name } = created.json<{ id: number; task_name: string }>();
  expect(id).toEqual(anyNumber);

  const answer = await waitUntil(async () => {
    const res = await request(`${emulator.url}/v2/${PROJECT_ID}/tasks/${id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': token },
    });
    const body = res.json();
    return body.status === 5 ? body : undefined;
  }, 'the seed task to succeed');

  for (const [key, value] of Object.entries(EXAMPLE_ANSWER)) {
    if (VARYING.has(key)) expect([key, typeof answer[key]]).toEqual([key, typeof value]);
    else expect([key, answer[key]]).toEqual([key, value]);
  }
  expect(answer.id).toBe(id);
  expect(answer.name).toBe(task_name);
  expect(answer.total_time as number).toBeGreaterThan(0);
  expect(answer.migrate_speed).toBe(Math.round((2223728 * 1000) / (answer.total_time as number)));
  for (const secret of [AK, SK]) expect(JSON.stringify(answer)).not.toContain(secret);
});
