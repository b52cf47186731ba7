/**
 * Contract of every OMS route: status codes, body shapes and types, documented error codes, ListTasks paging,
 * ordering and filters, and that no secret is ever echoed.
 */
import net from 'node:net';

import type { RunningEmulator } from '../../emulator';
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import {
  AK,
  PROJECT_ID,
  SK,
  anyString,
  createTask,
  getToken,
  matching,
  oms,
  request,
  seedTaskBody,
  showTask,
  srcNode,
  startTestEmulator,
  waitForStatus,
  waitUntil,
} from './helpers';

jest.setTimeout(30_000);

let emulator: RunningEmulator;
let token: string;

const OTHER_PROJECT = '22222222222222222222222222222222';

beforeAll(async () => {
  const config = structuredClone(DEFAULT_EMULATOR_CONFIG);
  config.iam.domains[0]!.projects.push({ id: OTHER_PROJECT, name: 'cn-north-7_other' });
  emulator = await startTestEmulator({ config: { iam: config.iam } });
  token = await getToken(emulator);
});
afterAll(() => emulator.stop());
beforeEach(async () => {
  await emulator.admin.reset();
  await emulator.admin.updateSettings({ timeScale: 1000, schedulingDelayMs: 2000, maxRunningPerRegion: 5 });
});

const START_BODY = { src_ak: AK, src_sk: SK, dst_ak: AK, dst_sk: SK };

function expectOmsError(res: { status: number; json: () => Record<string, unknown> }, code: string, status = 400) {
  expect(res.status).toBe(status);
  const body = res.json();
  expect(body.error_code).toBe(code);
  expect(typeof body.error_msg).toBe('string');
  return body;
}

describe('API version discovery', () => {
  test('GET / lists v1 and v2 with self links', async () => {
    const res = await request(`${emulator.url}/`, { headers: { 'x-auth-token': token } });
    expect(res.status).toBe(200);
    const { versions } = res.json<{ versions: Record<string, unknown>[] }>();
    expect(versions.map((v) => v.id)).toEqual(['v1', 'v2']);
    for (const v of versions) {
      expect(v).toEqual({
        id: anyString,
        links: [{ href: matching(/^http:\/\/127\.0\.0\.1:\d+\/v\d\/$/), rel: 'self' }],
        status: matching(/^(CURRENT|SUPPORTED|DEPRECATED)$/),
        updated: matching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      });
    }
    expect(versions.find((v) => v.id === 'v2')?.status).toBe('CURRENT');
  });

  test('GET /v2 answers the version fields at top level; an unknown version is OMS.1009', async () => {
    const res = await request(`${emulator.url}/v2`, { headers: { 'x-auth-token': token } });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ id: 'v2', status: 'CURRENT' });
    expectOmsError(await request(`${emulator.url}/v9`, { headers: { 'x-auth-token': token } }), 'OMS.1009');
  });

  test('version discovery needs authentication too', async () => {
    expect((await request(`${emulator.url}/`)).status).toBe(401);
  });
});

describe('CreateTask', () => {
  test('answers 200 {id, task_name} with a realistic 15-digit id and a generated name', async () => {
    const res = await oms(emulator, token, 'POST', '/tasks', seedTaskBody());
    expect(res.status).toBe(200);
    const body = res.json<{ id: number; task_name: string }>();
    expect(Object.keys(body).sort()).toEqual(['id', 'task_name']);
    expect(Number.isInteger(body.id)).toBe(true);
    expect(String(body.id)).toMatch(/^[1-9]\d{14}$/);
    expect(body.id).toBeLessThanOrEqual(999_999_999_999_999);
    expect(body.task_name).toMatch(/^a-test-1-api-test-outline-\d{17}_\d{3}$/);
    const shown = await showTask(emulator, token, body.id);
    expect(shown.name).toBe(body.task_name);
    expect(shown.id).toBe(body.id);
  });

  test('ids are unique and increasing', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createTask(emulator, token, seedTaskBody()));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(5);
  });
});

describe('ShowTask', () => {
  test('answers a TaskResp with the documented fields and types and no credentials', async () => {
    await emulator.admin.updateSettings({ timeScale: 0 }); // manual clock: still waiting (status 1) when shown
    const id = await createTask(emulator, token, seedTaskBody({ description: 'seed' }));
    const task = await showTask(emulator, token, id);
    const types: Record<string, string> = {
      id: 'number',
      name: 'string',
      status: 'number',
      task_type: 'string',
      group_type: 'string',
      group_id: 'string',
      description: 'string',
      progress: 'number',
      migrate_speed: 'number',
      left_time: 'number',
      total_time: 'number',
      start_time: 'number',
      total_num: 'number',
      successful_num: 'number',
      failed_num: 'number',
      skipped_num: 'number',
      total_size: 'number',
      complete_size: 'number',
      real_size: 'number',
      is_query_over: 'boolean',
      migrate_since: 'number',
      enable_failed_object_recording: 'boolean',
      enable_metadata_migration: 'boolean',
      enable_restore: 'boolean',
      enable_kms: 'boolean',
      object_overwrite_mode: 'string',
      dst_storage_policy: 'string',
      consistency_check: 'string',
    };
    for (const [field, type] of Object.entries(types)) expect([field, typeof task[field]]).toEqual([field, type]);
    expect(task.status).toBe(1);
    expect(task.description).toBe('seed');
    expect(task.group_type).toBe('NORMAL_TASK');
    expect(Array.isArray(task.bandwidth_policy)).toBe(true);
    expect(task.src_node).toEqual({
      bucket: 'a-test-1',
      cloud_type: 'HuaweiCloud',
      region: 'cn-north-7',
      app_id: '',
      object_key: ['01.png', 'list.txt'],
      list_file: null,
    });
    expect(task.dst_node).toEqual({ bucket: 'api-test-outline', region: 'cn-north-7' });
    expect(task.error_reason).toBeNull();
    expect(task.failed_object_record).toEqual({ result: null, list_file_key: null, error_code: null });
    expect(task.smn_info).toBeNull();
    expect(task.source_cdn).toBeNull();
    await emulator.admin.updateSettings({ timeScale: 1000 });
    const done = await waitForStatus(emulator, token, id, [5]);
    expect(done.progress).toBe(1);
    expect(done.start_time as number).toBeGreaterThan(1_500_000_000_000);
  });

  test('description is "" when not set', async () => {
    const body = seedTaskBody();
    delete body.description;
    const id = await createTask(emulator, token, body);
    expect((await showTask(emulator, token, id)).description).toBe('');
  });

  test('an unknown id is 400 OMS.1009; a non-numeric id is 400 OMS.0054', async () => {
    expectOmsError(await oms(emulator, token, 'GET', '/tasks/123456789012345'), 'OMS.1009');
    const invalid = expectOmsError(await oms(emulator, token, 'GET', '/tasks/abc'), 'OMS.0054');
    expect(invalid.error_detail).toBe('request parameter [task_id] invalid.');
  });
});

describe('ListTasks', () => {
  test('pages newest first with count = all matches; default limit 10', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await createTask(emulator, token, seedTaskBody()));
    const first = await oms(emulator, token, 'GET', '/tasks');
    expect(first.status).toBe(200);
    const page1 = first.json<{ tasks: { id: number }[]; count: number }>();
    expect(page1.count).toBe(12);
    expect(page1.tasks.map((t) => t.id)).toEqual([...ids].reverse().slice(0, 10));
    const page2 = (await oms(emulator, token, 'GET', '/tasks?limit=10&offset=10')).json<{
      tasks: { id: number }[];
      count: number;
    }>();
    expect(page2.tasks.map((t) => t.id)).toEqual([ids[1], ids[0]]);
    expect(page2.count).toBe(12);
    const beyond = (await oms(emulator, token, 'GET', '/tasks?offset=100')).json<{ tasks: unknown[]; count: number }>();
    expect(beyond).toEqual({ tasks: [], count: 12 });
  });

  test('filters by status, task_name (case-insensitive substring) and group_id', async () => {
    await emulator.admin.updateSettings({ maxRunningPerRegion: 1, timeScale: 0 }); // manual clock: both wait
    const a = await createTask(emulator, token, seedTaskBody());
    const b = await createTask(emulator, token, {
      ...seedTaskBody(),
      src_node: srcNode('demo-logs', { object_key: [''] }),
    });
    const waiting = (await oms(emulator, token, 'GET', '/tasks?status=1')).json<{
      tasks: { id: number }[];
      count: number;
    }>();
    expect(waiting.tasks.map((t) => t.id).sort()).toEqual([a, b].sort());
    expect((await oms(emulator, token, 'GET', '/tasks?status=5')).json()).toEqual({ tasks: [], count: 0 });
    const byName = (await oms(emulator, token, 'GET', '/tasks?task_name=DEMO-LOGS')).json<{
      tasks: { id: number }[];
    }>();
    expect(byName.tasks.map((t) => t.id)).toEqual([b]);
    expect((await oms(emulator, token, 'GET', '/tasks?group_id=g1')).json()).toEqual({ tasks: [], count: 0 });
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['offset=-1', 'offset'],
    ['status=8', 'status'],
    ['status=0', 'status'],
    ['task_name=%3Cscript%3E', 'task_name'],
  ])('an invalid query (%s) is 400 OMS.0064 naming the parameter', async (query, field) => {
    const body = expectOmsError(await oms(emulator, token, 'GET', `/tasks?${query}`), 'OMS.0064');
    expect(body.error_detail).toBe(`request parameter [${field}] invalid.`);
  });

  test('limit=100 is allowed', async () => {
    expect((await oms(emulator, token, 'GET', '/tasks?limit=100&offset=0')).status).toBe(200);
  });
});

describe('StartTask / StopTask / DeleteTask / UpdateBandwidthPolicy', () => {
  /** An executing task (10 s of transfer) on the manual clock: it stays executing until the test moves time. */
  async function runningTask(): Promise<number> {
    await emulator.admin.updateSettings({ timeScale: 0, schedulingDelayMs: 0 });
    const id = await createTask(emulator, token, {
      ...seedTaskBody(),
      src_node: srcNode('demo-logs', { object_key: ['logs/'] }),
    });
    await waitForStatus(emulator, token, id, [2]);
    return id;
  }

  test('stop answers 200 with an empty body; the task goes 2 → 7 → 3', async () => {
    const id = await runningTask();
    const stop = await oms(emulator, token, 'POST', `/tasks/${id}/stop`);
    expect(stop.status).toBe(200);
    expect(stop.text).toBe('');
    expect((await showTask(emulator, token, id)).status).toBe(7);
    await emulator.admin.updateSettings({ timeScale: 1000 });
    await waitForStatus(emulator, token, id, [3]);
  });

  test('stopping a task that is not executing is OMS.0066; a succeeded one OMS.0070', async () => {
    await emulator.admin.updateSettings({ timeScale: 0, schedulingDelayMs: 60_000 }); // manual clock
    const waiting = await createTask(emulator, token, seedTaskBody());
    expectOmsError(await oms(emulator, token, 'POST', `/tasks/${waiting}/stop`), 'OMS.0066');
    await emulator.admin.updateSettings({ timeScale: 1000 });
    await emulator.admin.setClock({ advanceMs: 120_000 });
    await waitForStatus(emulator, token, waiting, [5]);
    expectOmsError(await oms(emulator, token, 'POST', `/tasks/${waiting}/stop`), 'OMS.0070');
  });

  test('deleting an executing or pausing task is OMS.0063; a stopped one can be deleted', async () => {
    const id = await runningTask();
    expectOmsError(await oms(emulator, token, 'DELETE', `/tasks/${id}`), 'OMS.0063');
    await oms(emulator, token, 'POST', `/tasks/${id}/stop`);
    expectOmsError(await oms(emulator, token, 'DELETE', `/tasks/${id}`), 'OMS.0063');
    await emulator.admin.updateSettings({ timeScale: 1000 });
    await waitForStatus(emulator, token, id, [3]);
    const del = await oms(emulator, token, 'DELETE', `/tasks/${id}`);
    expect(del.status).toBe(200);
    expect(del.text).toBe('');
    expectOmsError(await oms(emulator, token, 'GET', `/tasks/${id}`), 'OMS.1009');
    expectOmsError(await oms(emulator, token, 'DELETE', `/tasks/${id}`), 'OMS.1009');
  });

  test('a waiting task can be deleted and leaves the queue', async () => {
    await emulator.admin.updateSettings({ timeScale: 0, schedulingDelayMs: 60_000 }); // manual clock
    const id = await createTask(emulator, token, seedTaskBody());
    expect((await oms(emulator, token, 'DELETE', `/tasks/${id}`)).status).toBe(200);
    expect((await emulator.admin.regions())['cn-north-7']?.waiting).toBe(0);
  });

  test('start is OMS.0065 while waiting/executing and OMS.0070 once succeeded', async () => {
    const id = await runningTask();
    expectOmsError(await oms(emulator, token, 'POST', `/tasks/${id}/start`, START_BODY), 'OMS.0065');
    await emulator.admin.updateSettings({ timeScale: 1000 });
    await waitForStatus(emulator, token, id, [5]);
    expectOmsError(await oms(emulator, token, 'POST', `/tasks/${id}/start`, START_BODY), 'OMS.0070');
  });

  test('start requires the keys again: dst keys always, src keys unless url_list', async () => {
    const id = await runningTask();
    await oms(emulator, token, 'POST', `/tasks/${id}/stop`);
    await emulator.admin.updateSettings({ timeScale: 1000 });
    await waitForStatus(emulator, token, id, [3]);
    for (const missing of ['dst_ak', 'dst_sk', 'src_ak', 'src_sk']) {
      const body: Record<string, unknown> = { ...START_BODY };
      delete body[missing];
      const err = expectOmsError(await oms(emulator, token, 'POST', `/tasks/${id}/start`, body), 'OMS.0064');
      expect(err.error_detail).toBe(`request parameter [${missing}] invalid.`);
    }
    expectOmsError(await oms(emulator, token, 'POST', `/tasks/${id}/start`), 'OMS.0064');
    expectOmsError(
      await oms(emulator, token, 'POST', `/tasks/${id}/start`, { ...START_BODY, migrate_failed_object: 'yes' }),
      'OMS.0064',
    );
    const ok = await oms(emulator, token, 'POST', `/tasks/${id}/start`, START_BODY);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    await waitForStatus(emulator, token, id, [5]);
  });

  test('UpdateBandwidthPolicy replaces the policy; invalid bodies are rejected; finished tasks refuse', async () => {
    await emulator.admin.updateSettings({ timeScale: 0, schedulingDelayMs: 60_000 }); // manual clock
    const id = await createTask(emulator, token, seedTaskBody());
    const policy = [{ start: '00:01', end: '23:59', max_bandwidth: 50_000_000 }];
    const res = await oms(emulator, token, 'PUT', `/tasks/${id}/bandwidth-policy`, { bandwidth_policy: policy });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect((await showTask(emulator, token, id)).bandwidth_policy).toEqual(policy);
    expectOmsError(await oms(emulator, token, 'PUT', `/tasks/${id}/bandwidth-policy`, {}), 'OMS.0064');
    expectOmsError(
      await oms(emulator, token, 'PUT', `/tasks/${id}/bandwidth-policy`, {
        bandwidth_policy: [{ start: '00:00', end: '01:00', max_bandwidth: 1 }],
      }),
      'OMS.0084',
    );
    const cleared = await oms(emulator, token, 'PUT', `/tasks/${id}/bandwidth-policy`, { bandwidth_policy: [] });
    expect(cleared.status).toBe(200);
    expect((await showTask(emulator, token, id)).bandwidth_policy).toEqual([]);
    await emulator.admin.updateSettings({ timeScale: 1000 });
    await emulator.admin.setClock({ advanceMs: 120_000 });
    await waitForStatus(emulator, token, id, [5]);
    expectOmsError(
      await oms(emulator, token, 'PUT', `/tasks/${id}/bandwidth-policy`, { bandwidth_policy: policy }),
      'OMS.0070',
    );
    expectOmsError(
      await oms(emulator, token, 'PUT', '/tasks/1/bandwidth-policy', { bandwidth_policy: policy }),
      'OMS.1009',
    );
  });

  test('a task is invisible from another project of the same account (OMS.1009)', async () => {
    const id = await createTask(emulator, token, seedTaskBody());
    const otherToken = await getToken(emulator, { project: { id: OTHER_PROJECT } });
    const url = `${emulator.url}/v2/${OTHER_PROJECT}/tasks`;
    const headers = { 'x-auth-token': otherToken };
    expectOmsError(await request(`${url}/${id}`, { headers }), 'OMS.1009');
    expectOmsError(await request(`${url}/${id}`, { method: 'DELETE', headers }), 'OMS.1009');
    expect((await request(url, { headers })).json()).toEqual({ tasks: [], count: 0 });
    expect((await showTask(emulator, token, id)).id).toBe(id);
  });
});

describe('request-level errors', () => {
  test('malformed JSON is OMS.0067; a JSON array or scalar too', async () => {
    expectOmsError(await oms(emulator, token, 'POST', '/tasks', '{"src_node":'), 'OMS.0067');
    expectOmsError(await oms(emulator, token, 'POST', '/tasks', '[]'), 'OMS.0067');
    expectOmsError(await oms(emulator, token, 'POST', '/tasks', '42'), 'OMS.0067');
    expectOmsError(
      await request(`${emulator.url}/v2/${PROJECT_ID}/tasks`, { method: 'POST', headers: { 'x-auth-token': token } }),
      'OMS.0067',
    );
  });

  test('a non-JSON Content-Type is 415 OMS.0004; JSON with parameters or without a Content-Type is accepted', async () => {
    const url = `${emulator.url}/v2/${PROJECT_ID}/tasks`;
    const body = JSON.stringify(seedTaskBody());
    expectOmsError(
      await request(url, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'text/plain' }, body }),
      'OMS.0004',
      415,
    );
    const withCharset = await request(url, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json;charset=UTF-8' },
      body,
    });
    expect(withCharset.status).toBe(200);
    const without = await request(url, { method: 'POST', headers: { 'x-auth-token': token }, body });
    expect(without.status).toBe(200);
  });

  test('a body over 12 MiB is 413 (gateway shape)', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024 + 10, 0x20);
    const res = await request(`${emulator.url}/v2/${PROJECT_ID}/tasks`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ error_code: 'APIGW.0201', request_id: res.headers['x-request-id'] });
    expect((await emulator.admin.tasks()).tasks).toHaveLength(0);
  });

  test.each([
    ['GET', '/v2/p/unknown'],
    ['PATCH', `/v2/${PROJECT_ID}/tasks`],
    ['PUT', `/v2/${PROJECT_ID}/tasks/1`],
    ['GET', `/v2/${PROJECT_ID}/tasks/1/start`],
    ['GET', `/v2/${PROJECT_ID}/tasks/`],
    ['PATCH', `/v2/${PROJECT_ID}/taskgroups`],
    ['POST', `/v2/${PROJECT_ID}/taskgroups/g1/stop`],
    ['POST', `/v2/${PROJECT_ID}/sync-tasks`],
    ['GET', '/v3/projects'],
    ['DELETE', '/'],
  ])('%s %s is 404 APIGW.0101 (even without credentials)', async (method, path) => {
    const res = await request(`${emulator.url}${path}`, { method });
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({
      error_msg: 'The API does not exist or has not been published in the environment.',
      error_code: 'APIGW.0101',
      request_id: res.headers['x-request-id'],
    });
  });

  test('a client that disconnects mid-body or sends broken HTTP does not disturb the emulator', async () => {
    const port = new URL(emulator.url).port;
    const raw = (data: string, end: boolean): Promise<string> =>
      new Promise((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.write(data);
          if (end) socket.end();
          else setImmediate(() => socket.destroy());
        });
        let received = '';
        socket.on('data', (d: Buffer) => (received += d.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', () => resolve(received));
      });
    await raw(`POST /v2/${PROJECT_ID}/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"src`, false);
    expect(await raw('NOT HTTP AT ALL\r\n\r\n', true)).toMatch(/^HTTP\/1\.1 400/);
    await waitUntil(
      async () => (await emulator.admin.requests({ route: 'CreateTask' })).length === 1,
      'the aborted request to be logged',
    );
    expect((await emulator.admin.requests({ route: 'CreateTask' }))[0]?.status).toBeNull();
    expect((await oms(emulator, token, 'GET', '/tasks')).status).toBe(200);
  });

  test('garbage input never crashes the emulator', async () => {
    const url = `${emulator.url}/v2/${PROJECT_ID}/tasks`;
    const inputs = ['null', '{"src_node":null}', '{"src_node":[]}', '\u0000\u0001', '{"a":'.repeat(1000), '"x"', '{}'];
    for (const body of inputs) {
      const res = await request(url, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
    }
    const odd = await request(`${emulator.url}/v2/%E0%A4%A/tasks/%ZZ`, { headers: { 'x-auth-token': token } });
    expect([400, 401, 404]).toContain(odd.status);
    expect((await oms(emulator, token, 'GET', '/tasks')).status).toBe(200);
  });
});

test('secrets are never echoed in responses, errors or the request log', async () => {
  const secretBody = seedTaskBody({
    src_node: { ...srcNode('a-test-1', { object_key: ['01.png'] }), security_token: 'SRC-SECURITY-TOKEN-X' },
    dst_node: {
      region: 'cn-north-7',
      ak: AK,
      sk: SK,
      bucket: 'api-test-outline',
      security_token: 'DST-SECURITY-TOKEN-X',
    },
    source_cdn: {
      domain: 'cdn.example.com',
      protocol: 'https',
      authentication_type: 'ALIYUN_OSS_A',
      authentication_key: 'CDN-KEY-X',
    },
  });
  const created = await oms(emulator, token, 'POST', '/tasks', secretBody);
  const id = created.json<{ id: number }>().id;
  const invalid = await oms(emulator, token, 'POST', '/tasks', { ...secretBody, description: '<x>' });
  const answers = [
    created.text,
    invalid.text,
    (await oms(emulator, token, 'GET', `/tasks/${id}`)).text,
    (await oms(emulator, token, 'GET', '/tasks')).text,
    JSON.stringify(await emulator.admin.requests()),
    JSON.stringify(await emulator.admin.tasks()),
    JSON.stringify(await (await fetch(`${emulator.url}/__admin/config`)).json()),
  ].join('\n');
  for (const secret of [SK, AK, 'SRC-SECURITY-TOKEN-X', 'DST-SECURITY-TOKEN-X', 'CDN-KEY-X', 'Demo-Passw0rd!', token]) {
    expect(answers).not.toContain(secret);
  }
  const shown = await showTask(emulator, token, id);
  expect(shown.source_cdn).toEqual({
    domain: 'cdn.example.com',
    protocol: 'https',
    authentication_type: 'ALIYUN_OSS_A',
  });
});
