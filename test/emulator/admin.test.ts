/**
 * The admin API: objects and buckets, ground-truth task views, reset, clock, runtime settings, stats, redacted
 * configuration, and its error answers. Admin calls are neither counted nor logged.
 */
import type { RunningEmulator } from '../../emulator';
import { AdminRequestError } from '../../emulator';
import { isLoopback } from '../../emulator/http-io';
import {
  SK,
  anyNumber,
  createTask,
  getToken,
  passwordAuthBody,
  seedTaskBody,
  showTask,
  startTestEmulator,
  waitForStatus,
} from './helpers';

jest.setTimeout(30_000);

let emulator: RunningEmulator;
let token: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  token = await getToken(emulator);
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.admin.reset());

test('the default fixtures are there: seed buckets, failures, lists and generated logs', async () => {
  const buckets = Object.fromEntries((await emulator.admin.buckets()).map((b) => [b.name, b]));
  expect(buckets['a-test-1']).toEqual({ name: 'a-test-1', region: 'cn-north-7', objects: 2, totalSize: 2_223_728 });
  expect(buckets['api-test-outline']).toMatchObject({ objects: 0 });
  expect(buckets['demo-failures']).toMatchObject({ objects: 20 });
  expect(buckets['demo-logs']).toMatchObject({ objects: 200, totalSize: 200 * 1024 * 1024 });
  expect(await emulator.admin.readObject('oms-lists', 'object_list_file.txt')).toMatch(/^logs\/000\.dat\n/);
  expect((await emulator.admin.listObjects('demo-logs', 'logs/19')).objects.map((o) => o.key)).toEqual([
    'logs/190.dat',
    'logs/191.dat',
    'logs/192.dat',
    'logs/193.dat',
    'logs/194.dat',
    'logs/195.dat',
    'logs/196.dat',
    'logs/197.dat',
    'logs/198.dat',
    'logs/199.dat',
  ]);
});

test('objects can be created, read, listed and deleted at runtime', async () => {
  const put = await emulator.admin.putObject({ bucket: 'a-test-1', key: 'new/file.txt', content: 'hello\n' });
  expect(put).toMatchObject({ size: 6, lastModified: anyNumber });
  expect(await emulator.admin.getObject('a-test-1', 'new/file.txt')).toEqual({
    bucket: 'a-test-1',
    key: 'new/file.txt',
    size: 6,
    lastModified: put.lastModified,
    contentType: 'text/plain',
    content: 'hello\n',
  });
  await emulator.admin.putObject({ bucket: 'a-test-1', key: 'new/data.bin', size: 1234, lastModified: 42 });
  expect((await emulator.admin.getObject('a-test-1', 'new/data.bin'))?.content).toBeNull();
  expect((await emulator.admin.listObjects('a-test-1', 'new/')).count).toBe(2);
  await emulator.admin.deleteObject('a-test-1', 'new/file.txt');
  expect(await emulator.admin.getObject('a-test-1', 'new/file.txt')).toBeUndefined();
  await expect(emulator.admin.readObject('a-test-1', 'new/data.bin')).rejects.toThrow(AdminRequestError);
  await expect(emulator.admin.putObject({ bucket: 'nope', key: 'k' })).rejects.toMatchObject({ status: 404 });
  await emulator.admin.putObject({ bucket: 'fresh', key: 'k', size: 1, createBucket: true, region: 'cn-east-3' });
  expect((await emulator.admin.buckets()).find((b) => b.name === 'fresh')).toMatchObject({ region: 'cn-east-3' });
  await emulator.admin.createBucket('another');
  await emulator.admin.deleteBucket('another');
  expect((await emulator.admin.buckets()).some((b) => b.name === 'another')).toBe(false);
});

test('reset brings back the fixtures and clears tasks, counters and the log', async () => {
  const id = await createTask(emulator, token, seedTaskBody());
  await waitForStatus(emulator, token, id, [5]);
  await emulator.admin.deleteObject('a-test-1', '01.png');
  await emulator.admin.reset();
  expect((await emulator.admin.tasks()).tasks).toEqual([]);
  expect(await emulator.admin.counters()).toEqual({});
  expect(await emulator.admin.requests()).toEqual([]);
  expect(await emulator.admin.getObject('a-test-1', '01.png')).toMatchObject({ size: 2_223_000 });
  expect((await emulator.admin.listObjects('api-test-outline')).count).toBe(0);
  // Tokens survive a reset.
  expect(
    (await fetch(`${emulator.url}/v2/0215ef11e49d4743be23dd97a1561e91/tasks`, { headers: { 'x-auth-token': token } }))
      .status,
  ).toBe(200);
});

test('the task view has ground truth consistent with ShowTask', async () => {
  const id = await createTask(emulator, token, seedTaskBody());
  const shown = await waitForStatus(emulator, token, id, [5]);
  const truth = await emulator.admin.task(id);
  expect(truth).toMatchObject({
    id,
    name: shown.name,
    status: 5,
    taskType: 'object',
    projectId: '0215ef11e49d4743be23dd97a1561e91',
    counters: { total: 2, successful: 2, failed: 0, skipped: 0, totalSize: 2_223_728, successfulSize: 2_223_728 },
    metrics: { progress: 1, completeSize: 2_223_728 },
    holdsCredentials: false,
    credentialVerdict: { src: 'valid', dst: 'valid' },
    activeRun: null,
  });
  await expect(emulator.admin.task(1)).rejects.toMatchObject({ status: 404 });
});

test('the clock can jump forward and change scale; settings change at runtime and are validated', async () => {
  const clock = await emulator.admin.clock();
  expect(clock.timeScale).toBe(1000);
  expect(clock.simNowIso).toBe(new Date(clock.simNow).toISOString());
  const jumped = await emulator.admin.setClock({ advanceMs: 3_600_000, timeScale: 1 });
  expect(jumped.simNow - clock.simNow).toBeGreaterThanOrEqual(3_600_000);
  expect(jumped.timeScale).toBe(1);
  const settings = await emulator.admin.updateSettings({ timeScale: 1000, maxRunningPerRegion: 3, tokenTtlMs: 5_000 });
  expect(settings).toMatchObject({ timeScale: 1000, maxRunningPerRegion: 3, tokenTtlMs: 5_000 });
  const res = await fetch(`${emulator.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: passwordAuthBody(),
  });
  const body = (await res.json()) as { token: { issued_at: string; expires_at: string } };
  expect(Date.parse(body.token.expires_at) - Date.parse(body.token.issued_at)).toBe(5_000);
  for (const bad of [
    { timeScale: -1 },
    { maxRunningPerRegion: 0 },
    { failureRules: [{ glob: 'x' }] },
    { failureRate: { rate: 3 } },
  ]) {
    await expect(emulator.admin.updateSettings(bad as never)).rejects.toMatchObject({ status: 400 });
  }
  await emulator.admin.updateSettings({ maxRunningPerRegion: 5, tokenTtlMs: 86_400_000 });
});

test('timeScale 0 is the manual clock: simulated time moves only when advanced, then resumes from there', async () => {
  try {
    const paused = await emulator.admin.setClock({ timeScale: 0 });
    expect(paused.timeScale).toBe(0);
    // Each admin round trip takes wall time (at 1000x, a wall millisecond is a simulated second); none moves it.
    expect((await emulator.admin.clock()).simNow).toBe(paused.simNow);
    const advanced = await emulator.admin.setClock({ advanceMs: 1_234 });
    expect(advanced.simNow).toBe(paused.simNow + 1_234);
    expect((await emulator.admin.clock()).simNow).toBe(advanced.simNow);
    // The settings accept 0 as well; a positive scale resumes from the instant reached, without a jump back.
    expect((await emulator.admin.updateSettings({ timeScale: 0 })).timeScale).toBe(0);
    await emulator.admin.updateSettings({ timeScale: 1000 });
    expect((await emulator.admin.clock()).simNow).toBeGreaterThanOrEqual(advanced.simNow);
  } finally {
    await emulator.admin.updateSettings({ timeScale: 1000 });
  }
});

test('stats report the process footprint; the config is redacted', async () => {
  const stats = await emulator.admin.stats();
  expect(stats.rssBytes).toBeGreaterThan(1_000_000);
  expect(stats.heapUsedBytes).toBeGreaterThan(0);
  const config = (await (await fetch(`${emulator.url}/__admin/config`)).json()) as { accessKeys: { sk: string }[] };
  expect(config.accessKeys[0]?.sk).toBe('***');
  expect(JSON.stringify(config)).not.toContain(SK);
});

test('admin calls are not counted; unknown admin routes and methods are 404/405', async () => {
  await emulator.admin.tasks();
  await emulator.admin.health();
  expect(await emulator.admin.counters()).toEqual({});
  expect((await fetch(`${emulator.url}/__admin/nope`)).status).toBe(404);
  expect((await fetch(`${emulator.url}/__admin/reset`)).status).toBe(405);
  expect((await fetch(`${emulator.url}/__admin/objects?bucket=nope&key=x`)).status).toBe(404);
  expect((await fetch(`${emulator.url}/__admin/settings`, { method: 'PATCH', body: '[' })).status).toBe(400);
});

test('only loopback clients may use the admin API', () => {
  expect(isLoopback('127.0.0.1')).toBe(true);
  expect(isLoopback('::1')).toBe(true);
  expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
  expect(isLoopback('10.0.0.5')).toBe(false);
  expect(isLoopback('::ffff:192.168.1.2')).toBe(false);
});

test('ShowTask and the admin agree while a task runs', async () => {
  await emulator.admin.updateSettings({ timeScale: 0, schedulingDelayMs: 0 }); // manual clock
  try {
    const id = await createTask(emulator, token, {
      ...seedTaskBody(),
      src_node: { ...(seedTaskBody().src_node as object), bucket: 'demo-logs', object_key: ['logs/'] },
    });
    await emulator.admin.setClock({ advanceMs: 2_000 });
    const truth = await emulator.admin.task(id);
    const shown = await showTask(emulator, token, id);
    expect(truth.status).toBe(2);
    expect(truth.activeRun).toMatchObject({ items: 200, totalBytes: 200 * 1024 * 1024 });
    // 2 s at 20 MiB/s: 40 of the 1 MiB objects, seen alike by both (the clock stood still between the reads).
    expect(truth.counters.successful).toBe(40);
    expect(shown.successful_num).toBe(truth.counters.successful);
  } finally {
    await emulator.admin.updateSettings({ timeScale: 1000, schedulingDelayMs: 2_000 });
  }
});
