/**
 * Persistence in a data directory: a restart mid-migration keeps tasks and progress (the simulated clock resumes
 * where it stopped), issued tokens stay valid, waiting tasks still run without their (never persisted)
 * credentials, and the snapshot holds no secrets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { RunningEmulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import {
  AK,
  PASSWORD,
  SK,
  createTask,
  getToken,
  oms,
  seedTaskBody,
  showTask,
  srcNode,
  waitForStatus,
  waitUntil,
} from './helpers';

jest.setTimeout(60_000);

const dirs: string[] = [];
const running: RunningEmulator[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-emulator-test-'));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string, timeScale: number, maxRunning = 5): Promise<RunningEmulator> {
  const emulator = await startEmulator({
    dataDir,
    timeScale,
    config: { simulation: { schedulingDelayMs: 0, maxRunningPerRegion: maxRunning } },
  });
  running.push(emulator);
  return emulator;
}

afterAll(async () => {
  for (const emulator of running) await emulator.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('stopping and restarting mid-migration keeps the task, its progress and the simulated time', async () => {
  const dataDir = tempDir();
  // Both runs on the manual clock: every simulated instant below is exact, however slow the machine.
  const first = await start(dataDir, 0, 1);
  const token = await getToken(first);
  const logsTask = task('demo-logs', ['logs/']);
  const a = await createTask(first, token, logsTask);
  const b = await createTask(first, token, task('a-test-1', ['']));
  await first.admin.setClock({ advanceMs: 3_000 });
  const before = await showTask(first, token, a);
  expect(before.status).toBe(2);
  expect(before.successful_num).toBe(60); // 3 s at 20 MiB/s, 1 MiB objects
  expect((await showTask(first, token, b)).status).toBe(1);
  const simAtStop = (await first.admin.clock()).simNow;
  await first.stop();

  const file = path.join(dataDir, 'state.json');
  const snapshot = fs.readFileSync(file, 'utf8');
  for (const secret of [SK, AK, PASSWORD, token]) expect(snapshot).not.toContain(secret);
  expect(fs.readdirSync(dataDir)).toEqual(['state.json']);
  const persisted = JSON.parse(snapshot) as { simNow: number; format: string };
  expect(persisted.format).toBe('oms-emulator-state');
  expect(persisted.simNow).toBe(simAtStop);

  // The restarted clock resumes at the persisted instant, not at the wall time: the simulated time is 3 s ahead
  // of the wall clock here, so resuming at the wall time would show a different instant and different progress
  // (downtime does not count, whatever its length; no wait is needed to show it).
  const second = await start(dataDir, 0, 1);
  expect((await second.admin.clock()).simNow).toBe(persisted.simNow);
  // The token issued before the restart is still valid.
  const after = await showTask(second, token, a);
  expect(after).toMatchObject({ id: a, name: before.name, status: 2, total_num: 200 });
  expect(after.successful_num).toBe(before.successful_num);

  await second.admin.setClock({ timeScale: 1000 });
  const done = await waitForStatus(second, token, a, [5]);
  expect(done).toMatchObject({
    total_num: 200,
    successful_num: 200,
    failed_num: 0,
    skipped_num: 0,
    complete_size: 200 * 1024 * 1024,
  });
  expect((await second.admin.listObjects('api-test-outline', 'logs/')).count).toBe(200);
  // The waiting task had no credentials left after the restart; its persisted verdict lets it run.
  const waited = await waitForStatus(second, token, b, [4, 5]);
  expect(waited).toMatchObject({ status: 5, successful_num: 2 });
  expect((await second.admin.task(b)).holdsCredentials).toBe(false);
  // Ids continue after the restart.
  const c = await createTask(second, token, seedTaskBody());
  expect(c).toBeGreaterThan(b);
  await second.stop();
});

test('a snapshot is written while tasks run (so a killed emulator resumes near where it was)', async () => {
  const dataDir = tempDir();
  const emulator = await startEmulator({
    dataDir,
    timeScale: 0, // manual clock: the task stays executing until the test moves time
    config: { simulation: { schedulingDelayMs: 0 }, persistence: { debounceMs: 10, checkpointIntervalMs: 50 } },
  });
  running.push(emulator);
  const token = await getToken(emulator);
  const id = await createTask(emulator, token, task('demo-logs', ['logs/']));
  const file = path.join(dataDir, 'state.json');
  const snapshot = await waitUntil(() => {
    if (!fs.existsSync(file)) return undefined;
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      simulator: { tasks: { id: number; status: number }[] };
    };
    return state.simulator.tasks.find((t) => t.id === id && t.status === 2);
  }, 'a checkpoint with the running task');
  expect(snapshot.id).toBe(id);
  await emulator.stop();
});

test('without a data directory nothing is written; with a corrupt state file start-up fails clearly', async () => {
  const dataDir = tempDir();
  fs.writeFileSync(path.join(dataDir, 'state.json'), '{"format":"something-else"}');
  await expect(startEmulator({ dataDir })).rejects.toThrow(/not an OMS emulator state file/);
  const memoryOnly = await startEmulator();
  running.push(memoryOnly);
  const token = await getToken(memoryOnly);
  await createTask(memoryOnly, token, seedTaskBody());
  await memoryOnly.admin.flush();
  await memoryOnly.stop();
  expect(fs.readdirSync(dataDir)).toEqual(['state.json']);
});

test('stop() is idempotent and the admin flush writes on demand', async () => {
  const dataDir = tempDir();
  const emulator = await start(dataDir, 1000);
  const token = await getToken(emulator);
  const id = await createTask(emulator, token, seedTaskBody());
  await emulator.admin.flush();
  const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8')) as {
    simulator: { tasks: { id: number }[] };
  };
  expect(state.simulator.tasks.map((t) => t.id)).toEqual([id]);
  await Promise.all([emulator.stop(), emulator.stop()]);
  const again = await start(dataDir, 1000);
  expect((await oms(again, await getToken(again), 'GET', '/tasks')).json<{ count: number }>().count).toBe(1);
});

function task(bucket: string, keys: string[]): Record<string, unknown> {
  return { ...seedTaskBody(), src_node: srcNode(bucket, { object_key: keys }) };
}
