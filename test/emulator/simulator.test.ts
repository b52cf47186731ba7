/**
 * The migration simulator through the API: object sets per task type, lifecycle and counters, failures and the
 * failed-object list, stop/start and migrate_failed_object, migrate_since, skipping objects already at the
 * destination, the running-task cap, quotas, task-level failures, bandwidth windows and the time scale.
 */
import type { RunningEmulator } from '../../emulator';
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import {
  AK,
  SK,
  anyString,
  createTask,
  getToken,
  oms,
  seedTaskBody,
  showTask,
  srcNode,
  startTestEmulator,
  waitForStatus,
} from './helpers';

jest.setTimeout(60_000);

const MIB = 1024 * 1024;
const START = { src_ak: AK, src_sk: SK, dst_ak: AK, dst_sk: SK };

let emulator: RunningEmulator;
let token: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  token = await getToken(emulator);
});
afterAll(() => emulator.stop());
beforeEach(async () => {
  await emulator.admin.reset();
  await emulator.admin.updateSettings({
    timeScale: 1000,
    schedulingDelayMs: 0,
    pauseDurationMs: 3000,
    maxRunningPerRegion: 5,
    defaultSpeedBytesPerSec: 20 * MIB,
    failureRules: DEFAULT_EMULATOR_CONFIG.simulation.failureRules,
    failureRate: null,
    createsPerWindow: 1500,
    maxWaitingTasks: 1500,
  });
});

function task(src: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...seedTaskBody(), src_node: src, ...extra };
}

async function putObjects(bucket: string, objects: Record<string, number>, lastModified?: number): Promise<void> {
  for (const [key, size] of Object.entries(objects)) {
    await emulator.admin.putObject({
      bucket,
      key,
      size,
      createBucket: true,
      ...(lastModified === undefined ? {} : { lastModified }),
    });
  }
}

describe('object sets per task type', () => {
  test('object: exact keys, folders (trailing /) and missing keys (failed, TRF.0012)', async () => {
    await putObjects('sim-src', { 'dir/a': 100, 'dir/b': 200, 'dir/sub/c': 300, top: 400, 'dirx/d': 500 });
    const id = await createTask(
      emulator,
      token,
      task(srcNode('sim-src', { object_key: ['dir/', 'top', 'missing', 'top'] })),
    );
    const done = await waitForStatus(emulator, token, id, [4, 5]);
    expect(done).toMatchObject({
      status: 4,
      total_num: 5,
      successful_num: 4,
      failed_num: 1,
      skipped_num: 0,
      total_size: 1000,
      complete_size: 1000,
      real_size: 1000,
      progress: 1,
      error_reason: { error_code: 'TRF.0012', error_msg: anyString },
      is_query_over: true,
    });
    const dst = await emulator.admin.listObjects('api-test-outline');
    expect(dst.objects.map((o) => o.key).filter((k) => !k.startsWith('oms/'))).toEqual([
      'dir/a',
      'dir/b',
      'dir/sub/c',
      'top',
    ]);
    expect((await emulator.admin.task(id)).failedKeys).toEqual(['missing']);
  });

  test('object: [""] is the whole bucket; save_prefix is prepended at the destination', async () => {
    await putObjects('sim-src', { a: 1, 'b/c': 2 });
    const id = await createTask(emulator, token, {
      ...task(srcNode('sim-src', { object_key: [''] })),
      dst_node: { region: 'cn-north-7', ak: AK, sk: SK, bucket: 'api-test-outline', save_prefix: 'copy/' },
    });
    expect(await waitForStatus(emulator, token, id, [5])).toMatchObject({
      total_num: 2,
      successful_num: 2,
      total_size: 3,
    });
    expect((await emulator.admin.listObjects('api-test-outline', 'copy/')).objects.map((o) => o.key)).toEqual([
      'copy/a',
      'copy/b/c',
    ]);
  });

  test('prefix: every key under each prefix, deduplicated', async () => {
    await putObjects('sim-src', { 'dir/a': 1, 'dir/sub/c': 2, top: 3, other: 4 });
    const id = await createTask(
      emulator,
      token,
      task(srcNode('sim-src', { object_key: ['dir/sub', 'dir/', 'to'] }), { task_type: 'prefix' }),
    );
    expect(await waitForStatus(emulator, token, id, [5])).toMatchObject({
      total_num: 3,
      successful_num: 3,
      total_size: 6,
    });
  });

  test('list: keys from the list file in the list bucket; progress counted by objects', async () => {
    // Simulated time paused: it moves only when the test advances it, however loaded the machine is.
    await emulator.admin.setClock({ timeScale: 0 });
    const id = await createTask(
      emulator,
      token,
      task(
        srcNode('demo-logs', {
          list_file: { obs_bucket: 'oms-lists', list_file_key: 'object_list_file.txt' },
        }),
        { task_type: 'list' },
      ),
    );
    const { schedulingDelayMs } = await emulator.admin.settings();
    await emulator.admin.setClock({ advanceMs: schedulingDelayMs });
    await waitForStatus(emulator, token, id, [2]);
    // 10 objects of 1 MiB at 20 MiB/s: 0.5 s; after 0.26 s, 5 objects are done → progress 0.5 (by count).
    await emulator.admin.setClock({ advanceMs: 260 });
    const mid = await showTask(emulator, token, id);
    expect(mid).toMatchObject({ status: 2, total_num: 10, successful_num: 5, progress: 0.5 });
    await emulator.admin.updateSettings({ timeScale: 1000 });
    const done = await waitForStatus(emulator, token, id, [5]);
    expect(done).toMatchObject({ total_num: 10, successful_num: 10, total_size: 10 * MIB, progress: 1 });
    expect(done.src_node).toMatchObject({
      list_file: { obs_bucket: 'oms-lists', list_file_key: 'object_list_file.txt' },
      object_key: null,
    });
  });

  test('url_list: URLs http://<bucket>.emulator/<key> resolve to emulated objects, the second column names the destination', async () => {
    await emulator.admin.putObject({
      bucket: 'oms-lists',
      key: 'urls.txt',
      content: [
        'http://a-test-1.emulator/01.png\timages/one.png',
        'https://a-test-1.emulator/list.txt\tdocs/list.txt',
        'http://elsewhere.example.com/x.bin\tx.bin',
      ].join('\n'),
    });
    const id = await createTask(emulator, token, {
      ...seedTaskBody(),
      task_type: 'url_list',
      src_node: { cloud_type: 'URLSource', list_file: { obs_bucket: 'oms-lists', list_file_key: 'urls.txt' } },
    });
    const done = await waitForStatus(emulator, token, id, [4, 5]);
    expect(done).toMatchObject({ status: 4, total_num: 3, successful_num: 2, failed_num: 1, total_size: 2_223_728 });
    expect(await emulator.admin.getObject('api-test-outline', 'images/one.png')).toMatchObject({ size: 2_223_000 });
    expect(await emulator.admin.getObject('api-test-outline', 'docs/list.txt')).toMatchObject({ size: 728 });
    const list = await emulator.admin.readObject(
      'api-test-outline',
      done.failed_object_record ? (done.failed_object_record as { list_file_key: string }).list_file_key : '',
    );
    expect(list).toBe('http://elsewhere.example.com/x.bin\tx.bin\n');
  });
});

describe('failures', () => {
  test('objects matching a failure rule fail; the failed-object list is written to the destination', async () => {
    const id = await createTask(emulator, token, task(srcNode('demo-failures', { object_key: [''] })));
    const done = await waitForStatus(emulator, token, id, [4, 5]);
    expect(done).toMatchObject({
      status: 4,
      total_num: 20,
      successful_num: 15,
      failed_num: 5,
      error_reason: { error_code: 'TRF.0159' },
      failed_object_record: {
        result: true,
        list_file_key: `oms/failed_object_lists/${id}/failed-objects-list.txt`,
        error_code: null,
      },
    });
    expect(done.progress).toBe(0.75);
    const content = await emulator.admin.readObject(
      'api-test-outline',
      `oms/failed_object_lists/${id}/failed-objects-list.txt`,
    );
    expect(content.trim().split('\n')).toEqual(['bad/0.dat', 'bad/1.dat', 'bad/2.dat', 'bad/3.dat', 'bad/4.dat']);
    const object = await emulator.admin.getObject(
      'api-test-outline',
      `oms/failed_object_lists/${id}/failed-objects-list.txt`,
    );
    expect(object?.contentType).toBe('text/plain');
  });

  test('with enable_failed_object_recording false no list is written', async () => {
    const id = await createTask(
      emulator,
      token,
      task(srcNode('demo-failures', { object_key: ['bad/'] }), { enable_failed_object_recording: false }),
    );
    const done = await waitForStatus(emulator, token, id, [4]);
    expect(done.failed_object_record).toEqual({ result: false, list_file_key: null, error_code: null });
    expect((await emulator.admin.listObjects('api-test-outline', 'oms/')).count).toBe(0);
  });

  test('StartTask with migrate_failed_object retries only the failed objects', async () => {
    await emulator.admin.updateSettings({
      failureRules: [{ bucket: 'demo-failures', glob: 'bad/**', errorCode: 'TRF.0159', failRuns: 1 }],
    });
    const id = await createTask(emulator, token, task(srcNode('demo-failures', { object_key: [''] })));
    await waitForStatus(emulator, token, id, [4]);
    expect(
      (await oms(emulator, token, 'POST', `/tasks/${id}/start`, { ...START, migrate_failed_object: true })).status,
    ).toBe(200);
    const retried = await waitForStatus(emulator, token, id, [4, 5]);
    expect(retried).toMatchObject({
      status: 5,
      total_num: 5,
      successful_num: 5,
      failed_num: 0,
      skipped_num: 0,
      error_reason: null,
    });
    expect(retried.failed_object_record).toEqual({ result: null, list_file_key: null, error_code: null });
    expect((await emulator.admin.task(id)).runIndex).toBe(1);
    expect((await emulator.admin.listObjects('api-test-outline', 'bad/')).count).toBe(5);
  });

  test('StartTask without migrate_failed_object re-runs everything, skipping what was migrated', async () => {
    await emulator.admin.updateSettings({ failureRules: [{ glob: 'bad/*', errorCode: 'TRF.0159', failRuns: 1 }] });
    const id = await createTask(emulator, token, task(srcNode('demo-failures', { object_key: [''] })));
    await waitForStatus(emulator, token, id, [4]);
    await oms(emulator, token, 'POST', `/tasks/${id}/start`, START);
    expect(await waitForStatus(emulator, token, id, [4, 5])).toMatchObject({
      status: 5,
      total_num: 20,
      successful_num: 5,
      skipped_num: 15,
      real_size: 5 * 64 * 1024,
      complete_size: 20 * 64 * 1024,
      progress: 1,
    });
  });

  test('a seeded failure rate fails a deterministic subset', async () => {
    await emulator.admin.updateSettings({ failureRules: [], failureRate: { rate: 0.3, errorCode: 'TRF.0004' } });
    const first = await createTask(emulator, token, task(srcNode('demo-logs', { object_key: ['logs/'] })));
    const a = await waitForStatus(emulator, token, first, [4, 5]);
    expect(a.failed_num as number).toBeGreaterThan(20);
    expect(a.failed_num as number).toBeLessThan(100);
    expect((a.error_reason as { error_code: string }).error_code).toBe('TRF.0004');
    const truth = await emulator.admin.task(first);
    expect(truth.failedKeys).toHaveLength(a.failed_num as number);
  });

  test.each([
    [
      'an unknown source key pair',
      { src_node: { ...srcNode('a-test-1', { object_key: [''] }), sk: 'wrong' } },
      'TRF.0151',
    ],
    ['a missing source bucket', { src_node: srcNode('no-such-bucket', { object_key: [''] }) }, 'TRF.0155'],
    [
      'a source bucket in another region',
      { src_node: { ...srcNode('a-test-1', { object_key: [''] }), region: 'cn-east-3' } },
      'TRF.0155',
    ],
    [
      'an unknown destination key pair',
      { dst_node: { region: 'cn-north-7', ak: 'NOPE', sk: 'nope', bucket: 'api-test-outline' } },
      'TRF.0057',
    ],
    [
      'a missing destination bucket',
      { dst_node: { region: 'cn-north-7', ak: AK, sk: SK, bucket: 'no-such-dst' } },
      'TRF.0058',
    ],
    [
      'a missing list file',
      {
        task_type: 'list',
        src_node: srcNode('demo-logs', { list_file: { obs_bucket: 'oms-lists', list_file_key: 'nope.txt' } }),
      },
      'TRF.0013',
    ],
    [
      'a missing list bucket',
      {
        task_type: 'list',
        src_node: srcNode('demo-logs', { list_file: { obs_bucket: 'no-lists', list_file_key: 'a.txt' } }),
      },
      'TRF.0013',
    ],
  ])('%s fails the task (status 4) with %s', async (_name, overrides, code) => {
    const id = await createTask(emulator, token, { ...seedTaskBody(), ...overrides });
    const done = await waitForStatus(emulator, token, id, [4, 5]);
    expect(done).toMatchObject({
      status: 4,
      error_reason: { error_code: code, error_msg: anyString },
      total_num: 0,
      progress: 0,
    });
    expect((await emulator.admin.task(id)).holdsCredentials).toBe(false);
  });

  test.each([
    ['not .txt', 'list.csv', 'a.dat\n', 'text/plain', 'TRF.0014'],
    ['empty', 'empty.txt', '\n\n', 'text/plain', 'TRF.0017'],
    ['not text/plain', 'typed.txt', 'a.dat\n', 'application/octet-stream', 'TRF.0019'],
    ['a line over 65535 characters', 'long.txt', `${'k'.repeat(65_536)}\n`, 'text/plain', 'TRF.0018'],
  ])('a list file that is %s fails the task with %s', async (_name, key, content, contentType, code) => {
    await emulator.admin.putObject({ bucket: 'oms-lists', key, content, contentType });
    const id = await createTask(
      emulator,
      token,
      task(srcNode('demo-logs', { list_file: { obs_bucket: 'oms-lists', list_file_key: key } }), { task_type: 'list' }),
    );
    expect(await waitForStatus(emulator, token, id, [4])).toMatchObject({ error_reason: { error_code: code } });
  });

  test('a URL list line without a tab fails the task with TRF.0016', async () => {
    await emulator.admin.putObject({
      bucket: 'oms-lists',
      key: 'bad-urls.txt',
      content: 'http://a-test-1.emulator/01.png\n',
    });
    const id = await createTask(emulator, token, {
      ...seedTaskBody(),
      task_type: 'url_list',
      src_node: { cloud_type: 'URLSource', list_file: { obs_bucket: 'oms-lists', list_file_key: 'bad-urls.txt' } },
    });
    expect(await waitForStatus(emulator, token, id, [4])).toMatchObject({ error_reason: { error_code: 'TRF.0016' } });
  });
});

describe('lifecycle', () => {
  test('1 → 2 → 5 with live progress, speed and left_time; credentials dropped at the end', async () => {
    await emulator.admin.updateSettings({ schedulingDelayMs: 1000 });
    await emulator.admin.setClock({ timeScale: 0 }); // simulated time moves only when the test advances it
    const id = await createTask(emulator, token, task(srcNode('demo-logs', { object_key: ['logs/'] })));
    const waiting = await showTask(emulator, token, id);
    expect(waiting).toMatchObject({ status: 1, progress: 0, is_query_over: false, start_time: 0, migrate_speed: 0 });
    expect((await emulator.admin.task(id)).holdsCredentials).toBe(true);
    await emulator.admin.setClock({ advanceMs: 1000 });
    await emulator.admin.setClock({ advanceMs: 4000 });
    const running = await showTask(emulator, token, id);
    // 200 MiB at 20 MiB/s: 10 s; exactly 4 s in (the clock moved only by the advances above).
    expect(running).toMatchObject({
      status: 2,
      migrate_speed: 20 * MIB,
      progress: 0.4,
      left_time: 6000,
      total_time: 4000,
      successful_num: 80,
      is_query_over: true,
    });
    await emulator.admin.setClock({ advanceMs: 10_000 });
    const done = await showTask(emulator, token, id);
    expect(done).toMatchObject({
      status: 5,
      progress: 1,
      left_time: 0,
      total_time: 10_000,
      migrate_speed: 20 * MIB,
      successful_num: 200,
    });
    expect(done.start_time as number).toBe(Math.round((await emulator.admin.task(id)).startTime));
    expect((await emulator.admin.task(id)).holdsCredentials).toBe(false);
  });

  test('stop: 2 → 7 → 3 with partial counts; start re-runs and skips what was already migrated', async () => {
    await emulator.admin.setClock({ timeScale: 0 }); // simulated time moves only when the test advances it
    const id = await createTask(emulator, token, task(srcNode('demo-logs', { object_key: ['logs/'] })));
    await emulator.admin.setClock({ advanceMs: 2_500 });
    await waitForStatus(emulator, token, id, [2]);
    expect((await oms(emulator, token, 'POST', `/tasks/${id}/stop`)).status).toBe(200);
    const pausing = await showTask(emulator, token, id);
    expect(pausing.status).toBe(7);
    // 2.5 s at 20 MiB/s: 50 objects of 1 MiB.
    const migrated = pausing.successful_num as number;
    expect(migrated).toBe(50);
    await emulator.admin.setClock({ advanceMs: 3_000 });
    const stopped = await showTask(emulator, token, id);
    expect(stopped).toMatchObject({ status: 3, successful_num: migrated, total_num: 200 });
    expect((await emulator.admin.task(id)).holdsCredentials).toBe(false);
    expect((await emulator.admin.regions())['cn-north-7']?.running).toBe(0);
    await oms(emulator, token, 'POST', `/tasks/${id}/start`, START);
    await emulator.admin.updateSettings({ timeScale: 1000 });
    const done = await waitForStatus(emulator, token, id, [5]);
    expect(done).toMatchObject({ total_num: 200, skipped_num: migrated, successful_num: 200 - migrated, progress: 1 });
  });

  test('migrate_since (seconds) skips objects modified before it', async () => {
    await putObjects('sim-src', { old1: 10, old2: 20 }, 1_000_000);
    await putObjects('sim-src', { new1: 30 }, 3_000_000);
    const id = await createTask(
      emulator,
      token,
      task(srcNode('sim-src', { object_key: [''] }), { migrate_since: 2000 }),
    );
    const done = await waitForStatus(emulator, token, id, [5]);
    expect(done).toMatchObject({
      total_num: 3,
      skipped_num: 2,
      successful_num: 1,
      total_size: 60,
      real_size: 30,
      complete_size: 60,
      migrate_since: 2000,
    });
  });

  test('objects already at the destination are skipped; a changed source object is migrated again', async () => {
    await putObjects('sim-src', { a: 10, b: 20, c: 30 });
    const first = await createTask(emulator, token, task(srcNode('sim-src', { object_key: [''] })));
    await waitForStatus(emulator, token, first, [5]);
    const second = await createTask(emulator, token, task(srcNode('sim-src', { object_key: [''] })));
    expect(await waitForStatus(emulator, token, second, [5])).toMatchObject({
      skipped_num: 3,
      successful_num: 0,
      real_size: 0,
      progress: 1,
    });
    // Incremental: one object changes at the source (new last-modified time = simulated now).
    await emulator.admin.putObject({ bucket: 'sim-src', key: 'b', size: 25 });
    const third = await createTask(emulator, token, task(srcNode('sim-src', { object_key: [''] })));
    expect(await waitForStatus(emulator, token, third, [5])).toMatchObject({
      skipped_num: 2,
      successful_num: 1,
      real_size: 25,
    });
    const full = await createTask(
      emulator,
      token,
      task(srcNode('sim-src', { object_key: [''] }), { object_overwrite_mode: 'FULL_OVERWRITE' }),
    );
    expect(await waitForStatus(emulator, token, full, [5])).toMatchObject({ skipped_num: 0, successful_num: 3 });
    await emulator.admin.putObject({ bucket: 'sim-src', key: 'a', size: 11 });
    const never = await createTask(
      emulator,
      token,
      task(srcNode('sim-src', { object_key: [''] }), { object_overwrite_mode: 'NO_OVERWRITE' }),
    );
    expect(await waitForStatus(emulator, token, never, [5])).toMatchObject({ skipped_num: 3, successful_num: 0 });
  });

  test('smn_info reports the notification once the task finished', async () => {
    const id = await createTask(emulator, token, {
      ...seedTaskBody(),
      smn_config: { topic_urn: 'urn:smn:cn-north-7:4cf2:OMS', trigger_conditions: ['SUCCESS'] },
    });
    expect((await waitForStatus(emulator, token, id, [5])).smn_info).toEqual({
      notify_result: true,
      notify_error_message: '',
      topic_name: 'OMS',
    });
  });
});

describe('scheduling and quotas', () => {
  test('at most 5 tasks run per region; the others wait in status 1; the maximum is recorded', async () => {
    await emulator.admin.setClock({ timeScale: 0 }); // simulated time moves only when the test advances it
    const ids: number[] = [];
    for (let i = 0; i < 8; i++)
      ids.push(await createTask(emulator, token, task(srcNode('demo-logs', { object_key: ['logs/'] }))));
    await emulator.admin.setClock({ advanceMs: 100 });
    const statuses = await Promise.all(ids.map(async (id) => (await showTask(emulator, token, id)).status));
    expect(statuses.filter((s) => s === 2)).toHaveLength(5);
    expect(statuses.filter((s) => s === 1)).toHaveLength(3);
    // The oldest five run first.
    expect(statuses.slice(0, 5)).toEqual([2, 2, 2, 2, 2]);
    await emulator.admin.updateSettings({ timeScale: 10_000 });
    for (const id of ids) await waitForStatus(emulator, token, id, [5]);
    expect((await emulator.admin.regions())['cn-north-7']).toEqual({ running: 0, waiting: 0, maxObservedRunning: 5 });
    const truth = (await emulator.admin.tasks()).tasks;
    // Tasks 6..8 started only when earlier ones finished.
    const byId = new Map(truth.map((t) => [t.id, t]));
    expect(byId.get(ids[5]!)!.startTime).toBeGreaterThanOrEqual(
      Math.min(...ids.slice(0, 5).map((id) => byId.get(id)!.endTime!)),
    );
  });

  test('the running cap is configurable', async () => {
    await emulator.admin.updateSettings({ maxRunningPerRegion: 2 });
    await emulator.admin.setClock({ timeScale: 0 }); // simulated time moves only when the test advances it
    const ids: number[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(await createTask(emulator, token, task(srcNode('demo-logs', { object_key: ['logs/'] }))));
    await emulator.admin.setClock({ advanceMs: 100 });
    expect((await emulator.admin.regions())['cn-north-7']).toEqual({ running: 2, waiting: 2, maxObservedRunning: 2 });
  });

  test('more than the allowed creations in 24 h (simulated) is OMS.0075', async () => {
    await emulator.admin.updateSettings({ timeScale: 0, createsPerWindow: 3 }); // manual clock
    for (let i = 0; i < 3; i++) await createTask(emulator, token, seedTaskBody());
    const refused = await oms(emulator, token, 'POST', '/tasks', seedTaskBody());
    expect(refused.status).toBe(400);
    expect(refused.json().error_code).toBe('OMS.0075');
    await emulator.admin.setClock({ advanceMs: 24 * 3_600_000 + 1 });
    expect((await oms(emulator, token, 'POST', '/tasks', seedTaskBody())).status).toBe(200);
  });

  test('more waiting tasks than allowed is OMS.0076', async () => {
    // Manual clock: the three creates happen at one simulated instant, long before any task may leave status 1.
    await emulator.admin.updateSettings({ timeScale: 0, schedulingDelayMs: 3_600_000, maxWaitingTasks: 2 });
    await createTask(emulator, token, seedTaskBody());
    await createTask(emulator, token, seedTaskBody());
    const refused = await oms(emulator, token, 'POST', '/tasks', seedTaskBody());
    expect(refused.json().error_code).toBe('OMS.0076');
    expect((await emulator.admin.tasks()).tasks).toHaveLength(2);
  });
});

describe('speed and time', () => {
  function minuteOfDay(ms: number): number {
    return Math.floor((ms % 86_400_000) / 60_000);
  }
  const hhmm = (m: number): string =>
    `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

  test('inside a bandwidth window the task runs at max_bandwidth, outside at the default speed', async () => {
    await emulator.admin.updateSettings({ timeScale: 0, bandwidthUtcOffsetMinutes: 0 }); // manual clock
    const now = minuteOfDay((await emulator.admin.clock()).simNow);
    const inside = [{ start: '00:00', end: '23:59', max_bandwidth: 2 * MIB }];
    const far = (now + 720) % 1440;
    const outside = [{ start: hhmm(far), end: hhmm((far + 60) % 1440), max_bandwidth: 2 * MIB }];
    const a = await createTask(
      emulator,
      token,
      task(srcNode('demo-logs', { object_key: ['logs/'] }), { bandwidth_policy: inside }),
    );
    const b = await createTask(
      emulator,
      token,
      task(srcNode('demo-logs', { object_key: ['logs/'] }), { bandwidth_policy: outside }),
    );
    await emulator.admin.setClock({ advanceMs: 1000 });
    const [ta, tb] = [await showTask(emulator, token, a), await showTask(emulator, token, b)];
    expect(ta.migrate_speed).toBe(2 * MIB);
    expect(tb.migrate_speed).toBe(20 * MIB);
    // 200 MiB at 2 MiB/s, 1 s in.
    expect(ta.left_time).toBe(99_000);
    // UpdateBandwidthPolicy takes effect immediately for a running task.
    await oms(emulator, token, 'PUT', `/tasks/${a}/bandwidth-policy`, {
      bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 100 * MIB }],
    });
    expect((await showTask(emulator, token, a)).migrate_speed).toBe(100 * MIB);
    await oms(emulator, token, 'PUT', `/tasks/${a}/bandwidth-policy`, { bandwidth_policy: [] });
    expect((await showTask(emulator, token, a)).migrate_speed).toBe(20 * MIB);
  });

  test('1 GiB at 10 MiB/s at time scale 1000 takes at least 100 ms of wall time; times stay simulated', async () => {
    await emulator.admin.updateSettings({ defaultSpeedBytesPerSec: 10 * MIB });
    await emulator.admin.putObject({ bucket: 'big', key: 'one-gib', size: 1024 * MIB, createBucket: true });
    const started = Date.now();
    const id = await createTask(emulator, token, task(srcNode('big', { object_key: ['one-gib'] })));
    const done = await waitForStatus(emulator, token, id, [5]);
    const wall = Date.now() - started;
    expect(done).toMatchObject({ total_time: 102_400, migrate_speed: 10 * MIB, total_size: 1024 * MIB });
    // The real-time mode: 102.4 simulated s at 1000x cannot end sooner (a loaded machine only makes it later; how
    // much later is bounded by waitForStatus, not asserted here).
    expect(wall).toBeGreaterThanOrEqual(100);
  });

  test('progress is computed on read: many waiting tasks cost nothing until they run', async () => {
    await emulator.admin.updateSettings({ timeScale: 0, schedulingDelayMs: 3_600_000 }); // manual clock
    for (let i = 0; i < 200; i++) await createTask(emulator, token, seedTaskBody());
    const page = await oms(emulator, token, 'GET', '/tasks?limit=100');
    expect(page.json<{ count: number }>().count).toBe(200);
    expect((await emulator.admin.regions())['cn-north-7']).toMatchObject({ running: 0, waiting: 200 });
    // One jump past the scheduling delay and 200 runs of ~0.1 s, five at a time: every due event is processed on
    // the next read, in simulated order.
    await emulator.admin.setClock({ advanceMs: 3_600_000 + 60_000 });
    const { tasks } = await emulator.admin.tasks();
    expect(tasks.filter((t) => t.status === 5)).toHaveLength(200);
    expect((await emulator.admin.regions())['cn-north-7']?.maxObservedRunning).toBe(5);
  });
});
