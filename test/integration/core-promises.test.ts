/**
 * The core promises under faults an adversarial operator tried: concurrent resumes, a credentials outage, a create
 * that OMS processes after the client gave up, workflow resets, deadlines (never early, racing completion), cancel
 * while waiting for the creation quota, and the state shown after cancel/pause/resume — on the real dev server
 * and the emulator.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';

import { benchContext, listAllTasks } from '../../bench/lib/oms';
import { MigrationControlError, MigrationIdConflictError } from '../../client/migration-client';
import { idempotencyMarker, hasMarker } from '../../activities/build-create-request';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { limiterStatusQuery, progressQuery, resumeUpdate } from '../../workflows/definitions';
import { limiterWorkflowId } from '../../workflows/shared/region-limiter-logic';
import { OMS_BLOCKED, OMS_OUTCOME, OMS_STATUS } from '../../workflows/search-attributes';
import type { MigrationReport } from '../../workflows/report-types';
import type { MigrationRequest } from '../../workflows/request-types';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

/** A prefix migration of `demo-logs` capped at `bandwidth` bytes/s (200 MiB: 200 simulated s at 1 MiB/s). */
function slow(
  s: Stack,
  orchestration: MigrationRequest['orchestration'] = {},
  bandwidth = 1_048_576,
): MigrationRequest {
  return s.seedRequest({
    task_type: 'prefix',
    src_node: { ...s.seedRequest().src_node, bucket: 'demo-logs', object_key: ['logs/'] },
    dst_node: { ...s.seedRequest().dst_node, save_prefix: `${uniqueId('run')}/` },
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: bandwidth }],
    orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1, ...orchestration },
  });
}

/** Every OMS task (live, as ListTasks shows it) that carries the migration's marker. */
async function tasksOf(s: Stack, migrationId: string) {
  const described = await s.migrations.handle(migrationId).describe();
  const firstRunId = described.raw.workflowExecutionInfo?.firstRunId ?? described.runId;
  const marker = idempotencyMarker(`${testEnv('namespace')}/${migrationId}/${firstRunId}`);
  const tasks = await listAllTasks(benchContext(s.emulator));
  return tasks.filter((t) => hasMarker(t.description, marker));
}

/** Live tasks: waiting (1), executing (2) or retrying (6); not stopping (7), stopped or finished. */
const live = (tasks: { status: number }[]) => tasks.filter((t) => [1, 2, 6].includes(t.status));

async function failureOf(s: Stack, id: string): Promise<ApplicationFailure> {
  const err = await s.migrations
    .handle(id)
    .result()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return (err as WorkflowFailedError).cause as ApplicationFailure;
}

const executing = (s: Stack, id: string) =>
  waitFor(async () => (await s.migrations.status(id)).progress?.snapshot?.status === 2, 60_000, 'EXECUTING');

/** The wall time between a closed workflow's start and close, in ms. */
async function runTimeMs(s: Stack, id: string): Promise<number> {
  const d = await s.migrations.handle(id).describe();
  return d.closeTime!.getTime() - d.startTime.getTime();
}

/** Runs the Temporal CLI against the test server. */
async function temporalCli(...args: string[]): Promise<string> {
  const cli = await ensureTemporalCli();
  return execFileSync(cli.path, [...args, '--address', testEnv('address'), '--namespace', testEnv('namespace')], {
    encoding: 'utf8',
  });
}

describe('with an in-process worker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ emulator: { timeScale: 20 } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    await stack.emulator.admin.clearFaults();
  });

  test('three concurrent resumes: one runs, the others are refused, and no slot is left held', async () => {
    const id = uniqueId('resume3');
    const request = slow(stack);
    await stack.migrations.start(request, { migrationId: id });
    await executing(stack, id);
    await stack.migrations.pause(id);
    await waitFor(async () => (await stack.migrations.status(id)).progress?.paused, 60_000, 'paused');
    const results = await Promise.allSettled([1, 2, 3].map(() => stack.migrations.resume(id)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(MigrationControlError);
      expect(String((r.reason as Error).message)).toMatch(/already in progress|not paused/);
    }
    const { report } = await stack.migrations.result(id);
    expect(report?.outcome).toBe('succeeded');
    expect(live(await tasksOf(stack, id))).toHaveLength(0);
    const limiter = stack.client.workflow.getHandle(limiterWorkflowId(request.dst_node.region, stack.taskQueue));
    const status = await limiter.query(limiterStatusQuery);
    expect(status.holders.map((h) => h.holder_id)).not.toContain(id);
    expect(status.waiters.map((w) => w.holder_id)).not.toContain(id);
  });

  test('a resume that waits for a full region limiter is the only one: a second is refused; both migrations finish', async () => {
    const one = { max_running_per_region: 1 };
    const paused = uniqueId('waits');
    await stack.migrations.start(slow(stack, one), { migrationId: paused });
    await executing(stack, paused);
    await stack.migrations.pause(paused);
    await waitFor(async () => (await stack.migrations.status(paused)).progress?.paused, 60_000, 'paused');
    // Another migration takes the region's only slot.
    const holder = uniqueId('holder');
    await stack.migrations.start(slow(stack, one, 8 * 1_048_576), { migrationId: holder });
    await executing(stack, holder);
    // The first resume is accepted and waits for the slot; the caller walks away.
    await stack.migrations.handle(paused).startUpdate(resumeUpdate, { waitForStage: 'ACCEPTED' });
    await expect(stack.migrations.resume(paused)).rejects.toThrow(/already in progress/);
    const [a, b] = await Promise.all([stack.migrations.result(holder), stack.migrations.result(paused)]);
    expect(a.report?.outcome).toBe('succeeded');
    expect(b.report?.outcome).toBe('succeeded');
    expect(live(await tasksOf(stack, paused))).toHaveLength(0);
  });

  test('a create that OMS processes after the client gave up leaves exactly one task: the late one is removed and reported', async () => {
    const late = await startStack({
      existingEmulator: stack.emulator,
      workerEnv: { OMS_HTTP_TIMEOUT_SECONDS: '1' },
    });
    try {
      // The first CreateTask is held 3 s (the client times out after 1 s), then really processed.
      await stack.emulator.admin.addFaults({ route: 'CreateTask', kind: 'late-apply', latencyMs: 3_000, times: 1 });
      const id = uniqueId('late-create');
      await late.migrations.start(slow(late, {}, 16 * 1_048_576), { migrationId: id });
      const { report } = await late.migrations.result(id);
      expect(report?.outcome).toBe('succeeded');
      const tasks = await tasksOf(late, id);
      // Ours, finished; the late one was removed (deleted, or stopped and then deleted at the end).
      expect(tasks.map((t) => t.id)).toEqual([report!.task_id]);
      expect(report!.duplicates_removed).toHaveLength(1);
      expect(report!.duplicates_removed![0]!.task_id).not.toBe(report!.task_id);
      const creates = (await stack.emulator.admin.requests({ route: 'CreateTask' })).length;
      expect(creates).toBeGreaterThanOrEqual(2);
    } finally {
      await late.close();
    }
  });

  test('a reset to the first workflow task of a finished migration re-attaches: no second task', async () => {
    const id = uniqueId('reset-done');
    await stack.migrations.start(
      stack.seedRequest({ dst_node: { ...stack.seedRequest().dst_node, save_prefix: `${id}/` } }),
      {
        migrationId: id,
      },
    );
    const first = await stack.migrations.result(id);
    expect(first.report?.outcome).toBe('succeeded');
    await temporalCli('workflow', 'reset', '--workflow-id', id, '--type', 'FirstWorkflowTask', '--reason', 'test');
    const again = await stack.migrations.result(id);
    expect(again.report?.outcome).toBe('succeeded');
    expect(again.report?.task_id).toBe(first.report?.task_id);
    expect((await tasksOf(stack, id)).map((t) => t.id)).toEqual([first.report!.task_id]);
  });

  test('a reset of a running migration to the workflow task that scheduled the create keeps watching its task', async () => {
    const id = uniqueId('reset-running');
    await stack.migrations.start(slow(stack, {}, 2 * 1_048_576), { migrationId: id });
    await executing(stack, id);
    const taskId = (await stack.migrations.status(id)).progress!.task_id!;
    const history = await stack.migrations.handle(id).fetchHistory();
    const scheduled = history.events!.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createMigrationTask',
    )!;
    const wftCompleted = Number(scheduled.activityTaskScheduledEventAttributes!.workflowTaskCompletedEventId);
    await temporalCli('workflow', 'reset', '--workflow-id', id, '--event-id', String(wftCompleted), '--reason', 'test');
    const { report } = await stack.migrations.result(id);
    expect(report?.outcome).toBe('succeeded');
    expect(report?.task_id).toBe(taskId);
    expect((await tasksOf(stack, id)).map((t) => t.id)).toEqual([taskId]);
  });

  test('a reset of a running migration to any later workflow task (after the create) replays and finishes: no second task', async () => {
    const id = uniqueId('reset-later');
    await stack.migrations.start(slow(stack, {}, 2 * 1_048_576), { migrationId: id });
    await executing(stack, id);
    const taskId = (await stack.migrations.status(id)).progress!.task_id!;
    // The last workflow task so far: the create is done and the task executes.
    const history = await stack.migrations.handle(id).fetchHistory();
    const last = history.events!.filter((e) => e.workflowTaskCompletedEventAttributes).at(-1)!;
    const scheduledCreate = history.events!.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createMigrationTask',
    )!;
    expect(Number(last.eventId)).toBeGreaterThan(Number(scheduledCreate.eventId));
    await temporalCli('workflow', 'reset', '--workflow-id', id, '--event-id', String(last.eventId), '--reason', 'test');
    const { report } = await stack.migrations.result(id);
    expect(report?.outcome).toBe('succeeded');
    expect(report?.task_id).toBe(taskId);
    expect((await tasksOf(stack, id)).map((t) => t.id)).toEqual([taskId]);
  });

  test.each([
    ['a poll interval longer than the time left', 5, 7],
    ['a deadline shorter than one poll interval', 5, 2],
  ])('the deadline is never declared early (%s)', async (_name, interval, deadline) => {
    const id = uniqueId('deadline');
    const request = slow(stack, {
      poll_interval_seconds: interval,
      min_poll_interval_seconds: interval,
      deadline_seconds: deadline,
    });
    await stack.migrations.start(request, { migrationId: id });
    const failure = await failureOf(stack, id);
    expect(failure.type).toBe('DeadlineExceeded');
    expect(await runTimeMs(stack, id)).toBeGreaterThanOrEqual(deadline * 1000);
    const report = failure.details?.[0] as MigrationReport;
    expect(report.task_id).not.toBeNull();
    expect(report.status).not.toBeNull();
    expect(live(await tasksOf(stack, id))).toHaveLength(0);
  });

  test('a task that completes before the deadline, seen only by the final poll at the deadline, succeeds with OMS numbers', async () => {
    const id = uniqueId('race');
    // Two small objects finish in well under a second; the next poll after the first would come after 30 s.
    const request = stack.seedRequest({
      dst_node: { ...stack.seedRequest().dst_node, save_prefix: `${id}/` },
      orchestration: { poll_interval_seconds: 30, min_poll_interval_seconds: 30, deadline_seconds: 3 },
    });
    await stack.migrations.start(request, { migrationId: id });
    const { report } = await stack.migrations.result(id);
    expect(report?.outcome).toBe('succeeded');
    const truth = await stack.emulator.admin.task(report!.task_id!);
    expect(truth.status).toBe(5);
    expect(report!.status).toBe(5);
    expect(report!.successful_num).toBe(truth.counters.successful);
  });

  test('cancel while the create waits for the creation quota ends the migration at once, with no task', async () => {
    const before = await stack.emulator.admin.settings();
    await stack.emulator.admin.updateSettings({ createsPerWindow: 0 });
    try {
      const id = uniqueId('quota-cancel');
      await stack.migrations.start(slow(stack), { migrationId: id });
      await waitFor(
        async () => (await stack.migrations.status(id)).progress?.phase === 'waiting_for_quota',
        60_000,
        'waiting for the quota',
      );
      const listsBefore = (await stack.emulator.admin.requests({ route: 'ListTasks' })).length;
      await stack.migrations.cancel(id);
      const result = await stack.migrations.result(id);
      expect(result.outcome).toBe('cancelled');
      expect(result.report?.task_id).toBeNull();
      // The refusal was definite: nothing to look up.
      expect((await stack.emulator.admin.requests({ route: 'ListTasks' })).length).toBe(listsBefore);
      expect(await tasksOf(stack, id)).toHaveLength(0);
    } finally {
      await stack.emulator.admin.updateSettings({ createsPerWindow: before.createsPerWindow });
    }
  });

  test('after cancel, search attributes, progress and report show the task as OMS has it', async () => {
    const id = uniqueId('cancel-state');
    await stack.migrations.start(slow(stack), { migrationId: id });
    await executing(stack, id);
    await stack.migrations.cancel(id);
    const result = await stack.migrations.result(id);
    expect(result.outcome).toBe('cancelled');
    const report = result.report!;
    expect(report.task_id).not.toBeNull();
    expect([3, 7]).toContain(report.status);
    // The task counted demo-logs' 200 objects before it was stopped.
    expect(report.total_num).toBe(200);
    const described = await stack.migrations.handle(id).describe();
    const sa = described.typedSearchAttributes;
    expect(sa.get(OMS_OUTCOME)).toBe('cancelled');
    expect(['PAUSING', 'STOPPED']).toContain(sa.get(OMS_STATUS));
    const progress = await stack.migrations.handle(id).query(progressQuery);
    expect(progress.phase).toBe('cancelled');
    expect(progress.snapshot?.status).toBe(report.status);
  });

  test('pause shows pausing/paused at once; after resume progress never goes back', async () => {
    const id = uniqueId('pause-state');
    await stack.migrations.start(slow(stack), { migrationId: id });
    await waitFor(
      async () => ((await stack.migrations.status(id)).progress?.snapshot?.progress ?? 0) > 0,
      60_000,
      'some progress',
    );
    const paused = await stack.migrations.pause(id);
    expect(['pausing', 'paused']).toContain(paused.phase);
    const status = await stack.migrations.status(id);
    expect(['pausing', 'paused']).toContain(status.progress?.phase);
    await waitFor(async () => (await stack.migrations.status(id)).progress?.paused, 60_000, 'paused');
    const before = (await stack.migrations.status(id)).progress!.snapshot!;
    const resumed = await stack.migrations.resume(id);
    expect(resumed.snapshot!.progress).toBeGreaterThanOrEqual(before.progress);
    expect(resumed.snapshot!.total_num).toBeGreaterThanOrEqual(before.total_num);
    const after = await stack.migrations.status(id);
    expect((after.live ?? after.progress!.snapshot!).progress).toBeGreaterThanOrEqual(before.progress);
    expect((after.live ?? after.progress!.snapshot!).total_num).toBe(200);
    expect((await stack.migrations.result(id)).report?.outcome).toBe('succeeded');
  });
});

describe('a migration id is one request', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ emulator: { timeScale: 20 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  test('while it runs and after it failed, another request under the id is refused naming the fields; the same attaches', async () => {
    const id = uniqueId('same-id');
    const request = slow(stack);
    await stack.migrations.start(request, { migrationId: id });
    await expect(stack.migrations.start(request, { migrationId: id })).resolves.toMatchObject({ existing: true });
    const other = { ...request, dst_node: { ...request.dst_node, save_prefix: 'elsewhere/' } };
    const running = await stack.migrations.start(other, { migrationId: id }).catch((e: unknown) => e);
    expect(running).toBeInstanceOf(MigrationIdConflictError);
    expect((running as MigrationIdConflictError).fields).toEqual(['dst_node.save_prefix']);

    // A failed migration (its task removed under it) is still the migration of that request.
    await executing(stack, id);
    await stack.emulator.admin.reset();
    expect((await stack.migrations.result(id)).outcome).toBe('error');
    await expect(stack.migrations.start(request, { migrationId: id })).resolves.toMatchObject({ existing: true });
    await expect(stack.migrations.start({ ...request, description: 'x' }, { migrationId: id })).rejects.toThrow(
      /already used by a different request \(differs at: description\)/,
    );
  });
});

describe('credentials outage with the worker as a separate process', () => {
  let stack: Stack;
  let logDir: string;
  beforeAll(async () => {
    stack = await startStack({ emulator: { timeScale: 10 }, worker: false });
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-creds-'));
  });
  afterAll(async () => {
    await stack?.close();
    fs.rmSync(logDir, { recursive: true, force: true });
  });

  test('a worker restarted with a wrong IAM password blocks the migration (shown, not failed); fixed, it completes', async () => {
    const good = stack.spawnWorker(path.join(logDir, 'good.log'));
    const id = uniqueId('creds');
    await stack.migrations.start(slow(stack, {}, 2 * 1_048_576), { migrationId: id });
    await executing(stack, id);
    good.kill('SIGKILL');
    await new Promise((r) => good.once('exit', r));
    await stack.emulator.admin.revokeTokens();
    const bad = stack.spawnWorker(path.join(logDir, 'bad.log'), { OMS_PROFILE_DEFAULT_IAM_PASSWORD: 'wrong-password' });
    await waitFor(
      async () => (await stack.migrations.status(id)).progress?.blocked === 'credentials rejected',
      120_000,
      'blocked: credentials rejected',
    );
    // The search attribute follows the workflow task that records it.
    const described = await waitFor(
      async () => {
        const d = await stack.migrations.handle(id).describe();
        return d.typedSearchAttributes.get(OMS_BLOCKED) === 'credentials rejected' ? d : undefined;
      },
      60_000,
      'OmsBlocked search attribute',
    );
    expect(described.status.name).toBe('RUNNING');
    // The workflow's error line reaches the log after the workflow task: wait for it before the kill.
    const badLogFile = path.join(logDir, 'bad.log');
    await waitFor(
      () => fs.readFileSync(badLogFile, 'utf8').includes('the migration is blocked'),
      60_000,
      'the blocked line in the log',
    );
    bad.kill('SIGKILL');
    await new Promise((r) => bad.once('exit', r));
    stack.spawnWorker(path.join(logDir, 'fixed.log'));
    const { report } = await stack.migrations.result(id);
    expect(report?.outcome).toBe('succeeded');
    const truth = await stack.emulator.admin.task(report!.task_id!);
    expect(report!.successful_num).toBe(truth.counters.successful);
    const after = await stack.migrations.handle(id).describe();
    expect(after.typedSearchAttributes.get(OMS_BLOCKED)).toBeUndefined();
    // One error line for the outage, not one per poll.
    const badLog = fs.readFileSync(path.join(logDir, 'bad.log'), 'utf8');
    const blockedLines = badLog.split('\n').filter((l) => l.includes('the migration is blocked'));
    expect(blockedLines).toHaveLength(1);
    expect(badLog).not.toContain('wrong-password');
  });
});
