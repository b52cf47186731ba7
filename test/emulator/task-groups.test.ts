/**
 * Contract of the task-group routes (docs/oms-api.md §6): CreateTaskGroup splits the source into member tasks,
 * ListTaskGroup/ShowTaskGroup aggregate their figures, the group statuses follow the members, stop/start/retry/
 * update/delete keep their preconditions, validation errors name the field, secrets are never echoed, and AK/SK
 * signing works as on every route. The clock is manual (timeScale 0): time moves only by `advanceMs`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { RunningEmulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import { AK, PROJECT_ID, REGION, SK, getToken, oms, signedRequest, startTestEmulator } from './helpers';

jest.setTimeout(30_000);

let emulator: RunningEmulator;
let token: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  token = await getToken(emulator);
});
afterAll(() => emulator.stop());
beforeEach(async () => {
  await emulator.admin.reset();
  // 64 KiB/s: a member of ten 64 KiB objects runs for 10 simulated seconds.
  await emulator.admin.updateSettings({
    schedulingDelayMs: 1000,
    pauseDurationMs: 3000,
    maxRunningPerRegion: 5,
    defaultSpeedBytesPerSec: 64 * 1024,
  });
  await emulator.admin.setClock({ timeScale: 0 });
});

const KEYS = { src_ak: AK, src_sk: SK, dst_ak: AK, dst_sk: SK };

function groupBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    task_type: 'PREFIX',
    src_node: { region: REGION, ak: AK, sk: SK, bucket: 'demo-failures', cloud_type: 'HuaweiCloud', object_key: [''] },
    dst_node: { region: REGION, ak: AK, sk: SK, bucket: 'api-test-outline' },
    description: 'group test',
    ...overrides,
  };
}

async function createGroup(body: unknown): Promise<string> {
  const res = await oms(emulator, token, 'POST', '/taskgroups', body);
  expect(res.status).toBe(200);
  const { group_id } = res.json<{ group_id: string }>();
  expect(group_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  return group_id;
}

async function showGroup(id: string): Promise<Record<string, unknown>> {
  const res = await oms(emulator, token, 'GET', `/taskgroups/${id}`);
  expect(res.status).toBe(200);
  return res.json();
}

async function advance(ms: number): Promise<void> {
  await emulator.admin.setClock({ advanceMs: ms });
}

function expectOmsError(res: { status: number; json: () => Record<string, unknown> }, code: string, detail?: string) {
  expect(res.status).toBe(400);
  const body = res.json();
  expect(body.error_code).toBe(code);
  if (detail !== undefined) expect(body.error_detail).toBe(`request parameter [${detail}] invalid.`);
}

test('a PREFIX group is split into member tasks that run and fail like tasks; counts are aggregated', async () => {
  // demo-failures: 15 ok/ objects and 5 bad/ objects (a failure rule fails bad/**), 64 KiB each; 10 per member.
  const id = await createGroup(groupBody());
  const created = await showGroup(id);
  expect(created).toMatchObject({
    group_id: id,
    status: 1,
    task_type: 'PREFIX',
    total_task_num: 2,
    create_task_num: 2,
    waiting_task_num: 2,
    create_complete_num: 20,
    create_complete_size: 20 * 64 * 1024,
    success_num: 0,
    fail_num: 0,
    description: 'group test',
    src_node: { bucket: 'demo-failures', object_key: [''] },
    dst_node: { bucket: 'api-test-outline', region: REGION },
  });
  const text = JSON.stringify(created);
  expect(text).not.toContain(SK);
  expect(text).not.toContain(AK);

  const members = await oms(emulator, token, 'GET', `/tasks?group_id=${id}&limit=100`);
  const { tasks, count } = members.json<{ tasks: Record<string, unknown>[]; count: number }>();
  expect(count).toBe(2);
  for (const t of tasks) expect(t).toMatchObject({ group_type: 'GROUP_TASK', group_id: id, task_type: 'object' });

  await advance(1_500);
  expect((await showGroup(id)).status).toBe(2);
  await advance(600_000);
  const done = await showGroup(id);
  expect(done).toMatchObject({
    status: 5,
    total_num: 20,
    success_num: 15,
    fail_num: 5,
    skip_num: 0,
    total_size: 20 * 64 * 1024,
    // As for tasks, failed objects count in total_size but not in complete_size.
    complete_size: 15 * 64 * 1024,
    failed_task_num: 1,
    complete_task_num: 1,
    error_reason: { error_code: 'TRF.0159' },
    failed_object_record: { result: true, list_file_key: `oms/failed_object_lists/${id}/failed-objects-list.txt` },
  });
  // The sums equal the members' own figures.
  const after = (await oms(emulator, token, 'GET', `/tasks?group_id=${id}&limit=100`)).json<{
    tasks: Record<string, number>[];
  }>().tasks;
  expect(after.reduce((n, t) => n + t.failed_num!, 0)).toBe(done.fail_num);
  expect(after.reduce((n, t) => n + t.successful_num!, 0)).toBe(done.success_num);
  const list = await emulator.admin.readObject(
    'api-test-outline',
    `oms/failed_object_lists/${id}/failed-objects-list.txt`,
  );
  expect(list.trim().split('\n').sort()).toEqual(['bad/0.dat', 'bad/1.dat', 'bad/2.dat', 'bad/3.dat', 'bad/4.dat']);

  // Retry only the failed objects: the failure rule still fails them; the group is failed again, same counts.
  expectOmsError(await oms(emulator, token, 'PUT', `/taskgroups/${id}/start`, KEYS), 'OMS.0065');
  const retried = await oms(emulator, token, 'PUT', `/taskgroups/${id}/retry`, {
    ...KEYS,
    migrate_failed_object: true,
  });
  expect(retried.status).toBe(200);
  expect((await showGroup(id)).status).toBe(2);
  await advance(600_000);
  expect(await showGroup(id)).toMatchObject({ status: 5, fail_num: 5, total_num: 15 + 5 });
});

test('stop, pausing, paused, start again, update bandwidth, delete', async () => {
  const id = await createGroup(groupBody({ src_node: { ...(groupBody().src_node as object), object_key: ['ok/'] } }));
  expectOmsError(await oms(emulator, token, 'PUT', `/taskgroups/${id}/start`, KEYS), 'OMS.0065');
  await advance(1_500);
  expect((await showGroup(id)).status).toBe(2);
  expectOmsError(await oms(emulator, token, 'DELETE', `/taskgroups/${id}`), 'OMS.0063');

  const policy = [{ start: '00:00', end: '23:59', max_bandwidth: 2 * 1024 * 1024 }];
  expect((await oms(emulator, token, 'PUT', `/taskgroups/${id}/update`, { bandwidth_policy: policy })).status).toBe(
    200,
  );
  expect(await showGroup(id)).toMatchObject({ status: 2, bandwidth_policy: policy, executing_task_num: 2 });
  const badPolicy = [{ start: '00:00', end: '23:59', max_bandwidth: 1 }];
  expectOmsError(
    await oms(emulator, token, 'PUT', `/taskgroups/${id}/update`, { bandwidth_policy: badPolicy }),
    'OMS.0084',
    'bandwidth_policy[0].max_bandwidth',
  );

  const stop = await oms(emulator, token, 'PUT', `/taskgroups/${id}/stop`);
  expect([stop.status, stop.text]).toEqual([200, '']);
  expect((await showGroup(id)).status).toBe(7);
  await advance(3_000);
  const paused = await showGroup(id);
  expect(paused).toMatchObject({ status: 3, paused_task_num: 2 });
  expectOmsError(await oms(emulator, token, 'PUT', `/taskgroups/${id}/stop`), 'OMS.0066');
  // StartTaskGroup needs the keys again (OMS erased them at the pause).
  expectOmsError(await oms(emulator, token, 'PUT', `/taskgroups/${id}/start`, {}), 'OMS.0064', 'src_ak');
  expect((await oms(emulator, token, 'PUT', `/taskgroups/${id}/start`, KEYS)).status).toBe(200);
  await advance(600_000);
  expect(await showGroup(id)).toMatchObject({ status: 6, success_num: 15, fail_num: 0, complete_task_num: 2 });
  expectOmsError(await oms(emulator, token, 'PUT', `/taskgroups/${id}/stop`), 'OMS.0070');

  expect((await oms(emulator, token, 'DELETE', `/taskgroups/${id}`)).status).toBe(200);
  expectOmsError(await oms(emulator, token, 'GET', `/taskgroups/${id}`), 'OMS.1009');
  const members = await oms(emulator, token, 'GET', `/tasks?group_id=${id}`);
  expect(members.json<{ count: number }>().count).toBe(0);
});

test('ListTaskGroup pages newest first and filters by status', async () => {
  const a = await createGroup(groupBody());
  const b = await createGroup(groupBody({ task_type: 'LIST', src_node: listSrc('object_list_file.txt') }));
  const c = await createGroup(groupBody({ src_node: { ...(groupBody().src_node as object), bucket: 'no-such' } }));
  const all = (await oms(emulator, token, 'GET', '/taskgroups?limit=100')).json<{
    taskgroups: Record<string, unknown>[];
    count: number;
  }>();
  expect(all.count).toBe(3);
  expect(all.taskgroups.map((g) => g.group_id)).toEqual([c, b, a]);
  const page = (await oms(emulator, token, 'GET', '/taskgroups?limit=1&offset=1')).json<{
    taskgroups: Record<string, unknown>[];
    count: number;
  }>();
  expect(page).toMatchObject({ count: 3, taskgroups: [{ group_id: b }] });
  const failed = (await oms(emulator, token, 'GET', '/taskgroups?status=4')).json<{
    taskgroups: Record<string, unknown>[];
  }>();
  expect(failed.taskgroups).toHaveLength(1);
  expect(failed.taskgroups[0]).toMatchObject({ group_id: c, status: 4, error_reason: { error_code: 'TRF.0155' } });
  expect((await showGroup(b)).task_type).toBe('LIST');
  expectOmsError(await oms(emulator, token, 'GET', '/taskgroups?status=10'), 'OMS.0064', 'status');
  expectOmsError(await oms(emulator, token, 'GET', '/taskgroups?limit=0'), 'OMS.0064', 'limit');
});

function listSrc(key: string): Record<string, unknown> {
  return {
    region: REGION,
    ak: AK,
    sk: SK,
    bucket: 'demo-logs',
    cloud_type: 'HuaweiCloud',
    list_file: { list_file_key: key, obs_bucket: 'oms-lists' },
  };
}

test('validation errors name the field, in the task error format', async () => {
  expectOmsError(
    await oms(emulator, token, 'POST', '/taskgroups', groupBody({ task_type: 'OBJECT' })),
    'OMS.0064',
    'task_type',
  );
  expectOmsError(
    await oms(emulator, token, 'POST', '/taskgroups', groupBody({ task_type: 'prefix' })),
    'OMS.0064',
    'task_type',
  );
  const noDstAk = groupBody({ dst_node: { region: REGION, sk: SK, bucket: 'api-test-outline' } });
  expectOmsError(await oms(emulator, token, 'POST', '/taskgroups', noDstAk), 'OMS.0064', 'dst_node.ak');
  expectOmsError(
    await oms(emulator, token, 'POST', '/taskgroups', groupBody({ description: 'a<b' })),
    'OMS.0078',
    'description',
  );
  expectOmsError(await oms(emulator, token, 'POST', '/taskgroups', '{'), 'OMS.0067');
  expectOmsError(await oms(emulator, token, 'GET', '/taskgroups/x'.padEnd(120, 'x')), 'OMS.0064', 'group_id');
  expectOmsError(await oms(emulator, token, 'GET', '/taskgroups/00000000-0000-4000-8000-000000000000'), 'OMS.1009');
  expect((await emulator.admin.counters()).CreateTaskGroup).toBe(5);
});

test('AK/SK-signed requests are accepted; a bad signature is refused by the gateway', async () => {
  const url = `${emulator.url}/v2/${PROJECT_ID}/taskgroups?limit=5`;
  const headers = { 'X-Project-Id': PROJECT_ID };
  const ok = await signedRequest({ method: 'GET', url, headers });
  expect(ok.status).toBe(200);
  const bad = await signedRequest({ method: 'GET', url, headers, sk: `${SK}x` });
  expect(bad.status).toBe(401);
  expect(bad.json()).toMatchObject({ error_code: 'APIGW.0301' });
  const anonymous = await oms(emulator, 'not-a-token', 'GET', '/taskgroups');
  expect(anonymous.status).toBe(401);
});

test('groups persist in the data directory with their members; a restart keeps the split and the status', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-emulator-groups-'));
  const own: RunningEmulator[] = [];
  try {
    const first = await startEmulator({ dataDir, timeScale: 0 });
    own.push(first);
    const firstToken = await getToken(first);
    const created = await oms(first, firstToken, 'POST', '/taskgroups', groupBody());
    const { group_id: id } = created.json<{ group_id: string }>();
    // Members start at +2 s (scheduling delay) and need ~31 ms each at the default 20 MiB/s: running at +2.01 s.
    await first.admin.setClock({ advanceMs: 2_010 });
    const before = (await oms(first, firstToken, 'GET', `/taskgroups/${id}`)).json<Record<string, unknown>>();
    expect(before).toMatchObject({ status: 2, total_task_num: 2 });
    await first.stop();
    own.pop();
    const second = await startEmulator({ dataDir, timeScale: 0 });
    own.push(second);
    const after = (await oms(second, firstToken, 'GET', `/taskgroups/${id}`)).json<Record<string, unknown>>();
    expect(after).toMatchObject({ group_id: id, status: 2, total_task_num: 2, create_complete_num: 20 });
    const snapshot = fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8');
    expect(snapshot).toContain(id);
    expect(snapshot).not.toContain(SK);
  } finally {
    for (const e of own) await e.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
