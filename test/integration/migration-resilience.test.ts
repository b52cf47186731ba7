/**
 * Faults on the way: tokens that expire or are revoked, throttling and server errors, a create whose response is
 * lost, and a worker process killed with SIGKILL — each migration still completes with exactly one OMS task, and
 * no secret reaches history or the worker's logs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { benchContext, createTaskDirect } from '../../bench/lib/oms';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import type { MigrationRequest } from '../../workflows/request-types';
import { testEnv } from '../helpers/env';
import { stackSecrets, startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

/** A 200 MiB prefix migration capped at 1 MiB/s: 200 simulated seconds, into a fresh destination prefix. */
function slow(s: Stack): MigrationRequest {
  return s.seedRequest({
    task_type: 'prefix',
    src_node: { ...s.seedRequest().src_node, bucket: 'demo-logs', object_key: ['logs/'] },
    dst_node: { ...s.seedRequest().dst_node, save_prefix: `${uniqueId('run')}/` },
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
  });
}

async function tasksFor(s: Stack, migrationId: string, taskId: number) {
  const { tasks } = await s.emulator.admin.tasks();
  expect(tasks.filter((t) => t.id === taskId)).toHaveLength(1);
  return tasks;
}

describe('with an in-process worker', () => {
  /** Simulated seconds per wall second, except while a test holds the emulator's clock still. */
  const TIME_SCALE = 40;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ emulator: { timeScale: TIME_SCALE } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    await stack.emulator.admin.clearFaults();
  });

  test('a revoked token is replaced by exactly one IAM call and the migration completes', async () => {
    const id = uniqueId('revoked');
    await stack.migrations.start(slow(stack), { migrationId: id });
    await waitFor(
      async () => (await stack.migrations.status(id)).progress?.snapshot?.status === 2,
      60_000,
      'EXECUTING',
    );
    const iamBefore = (await stack.emulator.admin.counters()).KeystoneCreateUserTokenByPassword ?? 0;
    await stack.emulator.admin.revokeTokens();
    const { report } = await stack.migrations.result(id);
    expect(report?.outcome).toBe('succeeded');
    expect((await stack.emulator.admin.counters()).KeystoneCreateUserTokenByPassword).toBe(iamBefore + 1);
    const rejected = (await stack.emulator.admin.requests({ route: 'ShowTask' })).filter((r) => r.status === 401);
    expect(rejected).toHaveLength(1);
  });

  test('throttling (429 with Retry-After) and 5xx bursts are ridden out, with exactly one OMS task', async () => {
    await stack.emulator.admin.addFaults(
      { route: 'CreateTask', kind: 'error', status: 502, times: 1 },
      { route: 'ShowTask', kind: 'throttle', retryAfterSeconds: 1, times: 2 },
      { route: 'ShowTask', kind: 'error', status: 503, times: 3 },
      { route: 'ShowTask', kind: 'error', status: 500, times: 1 },
      { route: 'ShowTask', kind: 'reset', times: 1 },
    );
    const id = uniqueId('bursts');
    const createsBefore = (await stack.emulator.admin.counters()).CreateTask ?? 0;
    await stack.migrations.start(stack.seedRequest(), { migrationId: id });
    const { report } = await stack.migrations.result(id);
    expect(report).toMatchObject({ outcome: 'succeeded', status: 5, total_num: 2 });
    expect((await stack.emulator.admin.faults()).filter((f) => (f.remaining ?? 1) > 0)).toHaveLength(0);
    // The 502'd create never reached OMS's task store; the retry created the one task.
    expect((await stack.emulator.admin.counters()).CreateTask).toBe(createsBefore + 2);
    await tasksFor(stack, id, report!.task_id!);
  });

  test('a create whose response is lost re-attaches to the created task: exactly one OMS task', async () => {
    await stack.emulator.admin.addFaults({ route: 'CreateTask', kind: 'lose-response', times: 1 });
    const id = uniqueId('lost-create');
    const before = (await stack.emulator.admin.tasks()).tasks.length;
    await stack.migrations.start(stack.seedRequest(), { migrationId: id });
    const { report } = await stack.migrations.result(id);
    expect(report).toMatchObject({ outcome: 'succeeded', status: 5 });
    const after = await stack.emulator.admin.tasks();
    expect(after.tasks.length).toBe(before + 1);
    expect(report!.api_calls.list).toBeGreaterThanOrEqual(1);
  });

  test('a token that expires mid-migration is refreshed, one IAM call per half token lifetime at most', async () => {
    const ttlMs = 2_000;
    const admin = stack.emulator.admin;
    await admin.updateSettings({ tokenTtlMs: ttlMs });
    // Tokens issued earlier keep their 24 h lifetime: revoke them so every token of this run lives 2 s.
    await admin.revokeTokens();
    // The manual clock keeps the task executing (token times stay wall-clock) until three tokens were issued.
    await admin.setClock({ timeScale: 0 });
    try {
      await admin.clearRequests();
      const id = uniqueId('expiry');
      await stack.migrations.start(slow(stack), { migrationId: id });
      const iamCalls = () => admin.requests({ route: 'KeystoneCreateUserTokenByPassword' });
      await waitFor(async () => (await iamCalls()).length >= 3, 60_000, 'three IAM token requests');
      await admin.setClock({ timeScale: TIME_SCALE });
      const { report } = await stack.migrations.result(id);
      expect(report?.outcome).toBe('succeeded');
      // The cache refreshes at half-life (1 s), never earlier: consecutive IAM calls of the whole run are at least
      // that far apart, so the refreshes are paced by the lifetime, never a storm.
      const times = (await iamCalls()).map((r) => Date.parse(r.time));
      expect(times.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(ttlMs / 2);
    } finally {
      await admin.setClock({ timeScale: TIME_SCALE });
      await admin.updateSettings({ tokenTtlMs: 24 * 3_600_000 });
    }
  });
});

describe('in a project with hundreds of tasks', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ emulator: { timeScale: 200 } });
    // 300 other tasks: the look-up for an earlier attempt's task reads four ListTasks pages (100, 100, 100, 0).
    const ctx = benchContext(stack.emulator);
    for (let i = 0; i < 300; i++) await createTaskDirect(ctx, stack.seedRequest(), `filler-${i}`);
  });
  afterAll(async () => {
    await stack?.close();
  });

  test('a look-up that fails part-way resumes where it stopped instead of reading the list again: one OMS task', async () => {
    await stack.emulator.admin.clearRequests();
    await stack.emulator.admin.addFaults(
      // Not created: the retry must look for it anyway (a 5xx can come after the task was made).
      { route: 'CreateTask', kind: 'error', status: 500, times: 1 },
      // The look-up reads pages 0 and 100, then page 200 fails.
      { route: 'ListTasks', kind: 'error', status: 503, skip: 2, times: 1 },
    );
    const id = uniqueId('resumed-lookup');
    const before = (await stack.emulator.admin.tasks()).tasks.length;
    await stack.migrations.start(stack.seedRequest(), { migrationId: id });
    const { report } = await stack.migrations.result(id);
    expect(report).toMatchObject({ outcome: 'succeeded', status: 5 });
    expect((await stack.emulator.admin.tasks()).tasks.length).toBe(before + 1);

    // The second call resumed one page before the offset reached (100, 200, 300): 3 + 3 pages in all, where
    // reading again from the start would have taken 3 + 4.
    // The create was uncertain (retried), so the migration then reconciled twice (after the settle window and at
    // the end), each a full read of the 301 tasks: 4 pages, nothing to remove.
    const lists = await stack.emulator.admin.requests({ route: 'ListTasks' });
    expect(lists.map((r) => r.status)).toEqual([200, 200, 503, 200, 200, 200, ...Array<number>(8).fill(200)]);
    expect(report!.api_calls.list).toBe(14);
    expect(report!.duplicates_removed).toBeUndefined();

    // History: the first call failed with LookupIncomplete (resume at 200); the second carried that offset.
    const history = await stack.client.workflow.getHandle(id).fetchHistory();
    const scheduled = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createMigrationTask',
    );
    expect(scheduled).toHaveLength(2);
    const converter = stack.client.options.loadedDataConverter.payloadConverter;
    const inputs = scheduled.map((e) =>
      converter.fromPayload<{ lookup?: { resume_offset: number } }>(
        e.activityTaskScheduledEventAttributes!.input!.payloads![0]!,
      ),
    );
    expect(inputs.map((i) => i.lookup)).toEqual([undefined, { resume_offset: 200 }]);
    const failed = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes);
    expect(failed.map((e) => e.activityTaskFailedEventAttributes!.failure!.applicationFailureInfo?.type)).toEqual([
      'LookupIncomplete',
    ]);
  });
});

describe('with the worker as a separate process', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ emulator: { timeScale: 40 }, worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  test('SIGKILL of the worker mid-poll: a new worker finishes the migration with exactly one OMS task, and no secret is in history or logs', async () => {
    const logFile = path.join(testEnv('tmpDir'), `${uniqueId('worker')}.log`);
    let worker = stack.spawnWorker(logFile);
    const id = uniqueId('sigkill');
    await stack.migrations.start(slow(stack), { migrationId: id });
    const status = await waitFor(
      async () => {
        const s = await stack.migrations.status(id);
        return s.progress?.snapshot?.status === 2 ? s : undefined;
      },
      90_000,
      'EXECUTING',
    );
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
    // The replacement runs as `node lib/worker/main.js` does after `npm run build`: from a prebuilt bundle.
    worker = stack.spawnWorker(logFile, { WORKER_WORKFLOW_BUNDLE: testEnv('workflowBundle') });
    const { report } = await stack.migrations.result(id);
    expect(report).toMatchObject({ outcome: 'succeeded', status: 5, total_num: 200, failed_num: 0 });
    expect(report!.task_id).toBe(status.progress!.task_id);
    expect((await stack.emulator.admin.counters()).CreateTask).toBe(1);
    expect((await stack.emulator.admin.tasks()).tasks).toHaveLength(1);

    // The complete history, as the CLI exports it, and the worker's logs carry none of the secrets.
    const cli = await ensureTemporalCli();
    const history = execFileSync(cli.path, [
      'workflow',
      'show',
      '--address',
      testEnv('address'),
      '--namespace',
      testEnv('namespace'),
      '-w',
      id,
      '-o',
      'json',
    ]).toString();
    expect(history).toContain('"EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"');
    const logs = fs.readFileSync(logFile, 'utf8');
    expect(logs).toContain('Starting OMS migration worker');
    expect(logs).toContain('Workflow code: bundling workflows/ at start');
    expect(logs).toContain('Workflow code: prebuilt bundle');
    for (const secret of stackSecrets(stack.emulator)) {
      expect(history).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    const exitedAgain = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exitedAgain;
  });
});
