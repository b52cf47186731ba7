/**
 * A worker process started while Temporal is down (or restarting) waits for it, retrying with backoff, instead of
 * exiting; once the server answers, it serves migrations. With WORKER_CONNECT_TIMEOUT_SECONDS=0 it fails at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { startEmulator, type RunningEmulator } from '../../emulator';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import { freePort } from '../../scripts/lib/net';
import { testEnv } from '../helpers/env';
import { startStack, workerEnv, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

const WORKER = path.join(__dirname, '..', '..', 'worker', 'main.ts');

let emulator: RunningEmulator;
let server: DevServer | undefined;
let stack: Stack | undefined;
const children: ChildProcess[] = [];
beforeAll(async () => {
  emulator = await startEmulator({ timeScale: 200 });
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stack?.close();
  await server?.stop();
  await emulator?.stop();
});

function spawnWorker(address: string, taskQueue: string, logFile: string, extra: Record<string, string> = {}) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env,
      ...workerEnv(
        emulator,
        taskQueue,
        { LOG_LEVEL: 'INFO', WORKER_WORKFLOW_BUNDLE: testEnv('workflowBundle'), ...extra },
        address,
      ),
    },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  children.push(child);
  return child;
}

test('started before the server, the worker waits for it and then completes a migration', async () => {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const taskQueue = uniqueId('startup');
  const logFile = path.join(testEnv('tmpDir'), `${uniqueId('startup-worker')}.log`);
  const worker = spawnWorker(address, taskQueue, logFile);
  // It has tried at least twice (and is still alive) before the server exists.
  await waitFor(
    () => (fs.readFileSync(logFile, 'utf8').match(/Temporal is not reachable yet/g)?.length ?? 0) >= 2,
    60_000,
    'two connection retries in the worker log',
  );
  expect(worker.exitCode).toBeNull();

  server = await startDevServer({ headless: true, port, dbFile: path.join(testEnv('tmpDir'), `${taskQueue}.sqlite`) });
  stack = await startStack({ worker: false, existingEmulator: emulator, temporalAddress: address, taskQueue });
  const id = uniqueId('after-startup');
  await stack.migrations.start(stack.seedRequest(), { migrationId: id });
  const { outcome } = await stack.migrations.result(id);
  expect(outcome).toBe('succeeded');
  expect(worker.exitCode).toBeNull();
  // The retries name the address, never a secret.
  const logs = fs.readFileSync(logFile, 'utf8');
  expect(logs).toContain(address);
  for (const secret of [emulator.config.accessKeys[0]!.sk, emulator.config.iam.domains[0]!.users[0]!.password]) {
    expect(logs).not.toContain(secret);
  }
  // The server has the project's search attributes: no false warning.
  expect(logs).not.toContain('search attributes are not registered');
  // One JSON object per line, core (native) log lines included.
  const lines = logs.split('\n').filter((l) => l.trim() !== '');
  expect(lines.length).toBeGreaterThan(2);
  for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
});

test('with WORKER_CONNECT_TIMEOUT_SECONDS=0 an unreachable server fails the start at once', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const logFile = path.join(testEnv('tmpDir'), `${uniqueId('startup-fail')}.log`);
  const worker = spawnWorker(address, uniqueId('startup'), logFile, { WORKER_CONNECT_TIMEOUT_SECONDS: '0' });
  const code = await new Promise<number | null>((resolve) => worker.once('exit', (c) => resolve(c)));
  expect(code).toBe(1);
  const logs = fs.readFileSync(logFile, 'utf8');
  expect(logs).toMatch(/Connection refused|connect error/i);
  expect(logs).not.toContain('Temporal is not reachable yet');
});
