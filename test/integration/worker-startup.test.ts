/**
 * The worker as a process, as operators start it. Started while Temporal is down (or restarting) it waits for it,
 * retrying with backoff, instead of exiting; once the server answers, it serves migrations. With
 * WORKER_CONNECT_TIMEOUT_SECONDS=0 it fails at once. Everything it writes is JSON lines (Temporal core's forwarded
 * lines and fatal errors included); it refuses plain-http endpoints unless allowed; and its search-attribute check
 * warns exactly when the namespace lacks them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

import { startEmulator, type RunningEmulator } from '../../emulator';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import { freePort } from '../../scripts/lib/net';
import { testEnv } from '../helpers/env';
import { startStack, workerEnv, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

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

/** Resolves with the exit code once `child` has exited (at once if it already has). */
function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * The log's lines parsed as JSON; fails naming every line that is not (coloured text, a plain stack trace...). A
 * `running` worker may be writing its last line: only newline-terminated lines count then.
 */
function jsonLines(logs: string, running = false): Record<string, unknown>[] {
  const parts = logs.split('\n');
  const lines = (running ? parts.slice(0, -1) : parts).filter((l) => l.trim() !== '');
  const notJson = lines.filter((l) => {
    try {
      return typeof JSON.parse(l) !== 'object';
    } catch {
      return true;
    }
  });
  expect(notJson).toEqual([]);
  expect(logs).not.toContain('\u001b['); // no ANSI colour codes anywhere
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The log file's JSON lines so far, skipping anything else (for polling; assert with {@link jsonLines}). */
function recordsSoFar(logFile: string): Record<string, unknown>[] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

const secrets = (): string[] => [emulator.config.accessKeys[0]!.sk, emulator.config.iam.domains[0]!.users[0]!.password];

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
  for (const secret of secrets()) expect(logs).not.toContain(secret);
  // The server has the project's search attributes: the check ran and found them, no false warning.
  expect(logs).toContain('Custom search attributes are registered');
  expect(logs).not.toContain('search attributes are not registered');

  // Temporal core's own log lines (its poll retries once the server is gone) arrive as JSON lines too.
  await server.stop();
  await waitFor(
    // Strict (jsonLines): a line that is not JSON shows in the timeout message.
    () =>
      jsonLines(fs.readFileSync(logFile, 'utf8'), true).some((r) => r.sdkComponent === 'core' && r.level === 'WARN'),
    90_000,
    'a core WARN line (poll retries) in the worker log',
  );
  const records = jsonLines(fs.readFileSync(logFile, 'utf8'), true);
  expect(records.length).toBeGreaterThan(2);
  expect(records.every((r) => typeof r.level === 'string' && typeof r.message === 'string')).toBe(true);
});

test("at LOG_LEVEL=DEBUG core's start and shutdown lines are JSON lines in the worker log", async () => {
  const taskQueue = uniqueId('startup-debug');
  const logFile = path.join(testEnv('tmpDir'), `${taskQueue}.log`);
  const worker = spawnWorker(testEnv('address'), taskQueue, logFile, { LOG_LEVEL: 'DEBUG' });
  // Running (so SIGTERM starts a graceful shutdown), and core has logged.
  await waitFor(
    () => {
      const records = jsonLines(fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '', true);
      return records.some((r) => r.state === 'RUNNING') && records.some((r) => r.sdkComponent === 'core');
    },
    90_000,
    'the worker running and a core line in its log',
  );
  worker.kill('SIGTERM');
  expect(await exitOf(worker)).toBe(0);
  const records = jsonLines(fs.readFileSync(logFile, 'utf8'));
  expect(records.filter((r) => r.sdkComponent === 'core').length).toBeGreaterThan(0);
  expect(records.some((r) => r.level === 'DEBUG')).toBe(true);
  for (const secret of secrets()) expect(JSON.stringify(records)).not.toContain(secret);
});

test('plain http stops the start unless OMS_ALLOW_INSECURE_HTTP=true: one JSON line names the variables', async () => {
  const logFile = path.join(testEnv('tmpDir'), `${uniqueId('startup-http')}.log`);
  const worker = spawnWorker(testEnv('address'), uniqueId('startup'), logFile, { OMS_ALLOW_INSECURE_HTTP: '' });
  expect(await exitOf(worker)).toBe(1);
  const logs = fs.readFileSync(logFile, 'utf8');
  const records = jsonLines(logs);
  expect(records).toEqual([
    expect.objectContaining({
      level: 'ERROR',
      message: 'Invalid worker configuration',
      problems: [
        expect.stringMatching(/^OMS_ENDPOINT uses plain http.*OMS_ALLOW_INSECURE_HTTP=true/),
        expect.stringMatching(/^OMS_OBS_ENDPOINT uses plain http.*OMS_ALLOW_INSECURE_HTTP=true/),
        expect.stringMatching(/^OMS_IAM_ENDPOINT uses plain http/),
      ],
    }),
  ]);
  for (const secret of secrets()) expect(logs).not.toContain(secret);
});

test('on a namespace without the custom search attributes the worker warns, naming them all', async () => {
  const namespace = uniqueId('no-attributes');
  const connection = await Connection.connect({ address: testEnv('address') });
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    await waitFor(() => connection.workflowService.describeNamespace({ namespace }), 30_000, 'the new namespace');
  } finally {
    await connection.close();
  }
  const logFile = path.join(testEnv('tmpDir'), `${namespace}.log`);
  const worker = spawnWorker(testEnv('address'), uniqueId('startup'), logFile, { TEMPORAL_NAMESPACE: namespace });
  const warning = await waitFor(
    () =>
      recordsSoFar(logFile).find(
        (r) => r.level === 'WARN' && String(r.message).includes('search attributes are not registered'),
      ),
    90_000,
    'the search-attribute warning',
  );
  expect(warning).toMatchObject({ namespace, missing: SEARCH_ATTRIBUTES.map((k) => k.name) });
  worker.kill('SIGTERM');
  await exitOf(worker);
  expect(fs.readFileSync(logFile, 'utf8')).not.toContain('Custom search attributes are registered');
});

test('with WORKER_CONNECT_TIMEOUT_SECONDS=0 an unreachable server fails the start at once', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const logFile = path.join(testEnv('tmpDir'), `${uniqueId('startup-fail')}.log`);
  const worker = spawnWorker(address, uniqueId('startup'), logFile, { WORKER_CONNECT_TIMEOUT_SECONDS: '0' });
  expect(await exitOf(worker)).toBe(1);
  const logs = fs.readFileSync(logFile, 'utf8');
  expect(logs).not.toContain('Temporal is not reachable yet');
  // The fatal error is a JSON line like the rest, not a bare stack trace, naming the address and what is wrong.
  expect(jsonLines(logs).at(-1)).toMatchObject({
    level: 'ERROR',
    message: `Cannot connect to Temporal at ${address} (namespace default, no TLS): nothing answers there: is the server running and the address right?`,
    kind: 'unreachable',
    cause: `connect ECONNREFUSED ${address}`,
  });
});
