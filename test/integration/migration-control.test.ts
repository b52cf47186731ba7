/**
 * Task types, input validation with zero OMS calls, idempotent starts, and control while running (pause, resume,
 * bandwidth, cancel) — on the real dev server and the emulator.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';

import { InvalidMigrationRequestError, MIGRATION_WORKFLOW_TYPE } from '../../client/migration-client';
import { AdminRequestError } from '../../emulator';
import { progressQuery } from '../../workflows/definitions';
import type { MigrationRequest } from '../../workflows/request-types';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

let stack: Stack;
beforeAll(async () => {
  // 1 MiB/s bandwidth caps below make the 200 MiB demo-logs migration last 200 simulated seconds = 10 s of wall
  // time at this scale: long enough to pause, resume and cancel it mid-flight.
  stack = await startStack({ emulator: { timeScale: 20 } });
});
afterAll(async () => {
  await stack?.close();
});

/** A fresh destination prefix, so OMS does not skip objects an earlier test already copied. */
const freshDst = (s: Stack) => ({ ...s.seedRequest().dst_node, save_prefix: `${uniqueId('run')}/` });

const slow = (s: Stack, overrides: Partial<MigrationRequest> = {}): MigrationRequest =>
  s.seedRequest({
    task_type: 'prefix',
    src_node: { ...s.seedRequest().src_node, bucket: 'demo-logs', object_key: ['logs/'] },
    dst_node: freshDst(s),
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
    ...overrides,
  });

describe('task types', () => {
  test.each([
    ['prefix', { task_type: 'prefix', object_key: ['logs/0'] }, 'demo-logs', 100],
    [
      'list',
      { task_type: 'list', list_file: { obs_bucket: 'oms-lists', list_file_key: 'object_list_file.txt' } },
      'demo-logs',
      10,
    ],
  ] as const)('a %s task migrates the objects it names', async (_type, spec, bucket, expected) => {
    const { task_type, ...node } = spec;
    const base = stack.seedRequest();
    const { object_key: _keys, ...src } = base.src_node;
    const request = stack.seedRequest({ task_type, src_node: { ...src, bucket, ...node }, dst_node: freshDst(stack) });
    const id = uniqueId(task_type);
    await stack.migrations.start(request, { migrationId: id });
    const { report } = await stack.migrations.result(id);
    expect(report).toMatchObject({ outcome: 'succeeded', status: 5, total_num: expected, successful_num: expected });
  });

  test('a url_list task needs no source credentials and migrates every listed URL', async () => {
    const request: MigrationRequest = {
      task_type: 'url_list',
      src_node: { cloud_type: 'URLSource', list_file: { obs_bucket: 'oms-lists', list_file_key: 'url_list_file.txt' } },
      dst_node: freshDst(stack),
      orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1 },
    };
    const id = uniqueId('url-list');
    await stack.migrations.start(request, { migrationId: id });
    const { report } = await stack.migrations.result(id);
    expect(report).toMatchObject({ outcome: 'succeeded', total_num: 2, successful_num: 2, src_bucket: null });
  });
});

describe('invalid requests fail fast, naming the field, with zero OMS creates', () => {
  const seed = (): MigrationRequest => stack.seedRequest();
  const cases: [string, () => unknown][] = [
    ['$', () => 'not an object'],
    ['src_node', () => ({ ...seed(), src_node: undefined })],
    ['dst_node', () => ({ ...seed(), dst_node: undefined })],
    ['task_type', () => ({ ...seed(), task_type: 'bucket' })],
    ['src_node.ak', () => ({ ...seed(), src_node: { ...seed().src_node, ak: 'RAW-AK-123' } })],
    ['src_node.sk', () => ({ ...seed(), src_node: { ...seed().src_node, sk: 'RAW-SK-456' } })],
    ['dst_node.ak', () => ({ ...seed(), dst_node: { ...seed().dst_node, ak: 'RAW-AK-789' } })],
    ['dst_node.security_token', () => ({ ...seed(), dst_node: { ...seed().dst_node, security_token: 'T' } })],
    ['dst_node.bucket', () => ({ ...seed(), dst_node: { ...seed().dst_node, bucket: undefined } })],
    ['dst_node.region', () => ({ ...seed(), dst_node: { ...seed().dst_node, region: 7 } })],
    [
      'dst_node.credential_profile',
      () => ({ ...seed(), dst_node: { ...seed().dst_node, credential_profile: undefined } }),
    ],
    ['src_node.object_key', () => ({ ...seed(), src_node: { ...seed().src_node, object_key: [] } })],
    ['src_node.object_key[0]', () => ({ ...seed(), src_node: { ...seed().src_node, object_key: ['x'.repeat(1025)] } })],
    [
      'src_node.list_file',
      () => ({ ...seed(), task_type: 'list', src_node: { ...seed().src_node, object_key: undefined } }),
    ],
    ['description', () => ({ ...seed(), description: 'bad <chars>' })],
    ['description', () => ({ ...seed(), description: 'x'.repeat(300) })],
    ['migrate_since', () => ({ ...seed(), migrate_since: 1_700_000_000_000 })],
    ['migrate_since', () => ({ ...seed(), migrate_since: -1 })],
    [
      'bandwidth_policy[0].max_bandwidth',
      () => ({ ...seed(), bandwidth_policy: [{ start: '00:00', end: '01:00', max_bandwidth: 5 }] }),
    ],
    [
      'bandwidth_policy[0].start',
      () => ({ ...seed(), bandwidth_policy: [{ start: '25:00', end: '26:00', max_bandwidth: 1_048_576 }] }),
    ],
    [
      'bandwidth_policy',
      () => ({
        ...seed(),
        bandwidth_policy: Array(6).fill({ start: '00:00', end: '00:01', max_bandwidth: 1_048_576 }),
      }),
    ],
    ['object_overwrite_mode', () => ({ ...seed(), object_overwrite_mode: 'ALWAYS' })],
    ['orchestration.poll_interval_seconds', () => ({ ...seed(), orchestration: { poll_interval_seconds: 0 } })],
    ['orchestration.on_cancel', () => ({ ...seed(), orchestration: { on_cancel: 'explode' } })],
    ['dst_nodes', () => ({ ...seed(), dst_nodes: {} })],
  ];

  test.each(cases)('the client refuses a request with a bad %s before starting anything', async (field, make) => {
    const attempt = stack.migrations.start(make(), { migrationId: uniqueId('invalid') });
    await expect(attempt).rejects.toBeInstanceOf(InvalidMigrationRequestError);
    const issues = await attempt.then(
      () => [],
      (e: InvalidMigrationRequestError) => e.issues,
    );
    expect(issues.map((i) => i.field)).toContain(field);
    expect(JSON.stringify(issues)).not.toMatch(/RAW-(AK|SK)-\d+/);
  });

  test('the workflow itself rejects the same requests when started around the client, and creates no task', async () => {
    const before = (await stack.emulator.admin.counters()).CreateTask ?? 0;
    for (const [field, make] of cases) {
      const err: unknown = await stack.client.workflow
        .execute(MIGRATION_WORKFLOW_TYPE, {
          taskQueue: stack.taskQueue,
          workflowId: uniqueId('invalid-direct'),
          args: [make()],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause.type).toBe('InvalidMigrationInput');
      expect(cause.nonRetryable).toBe(true);
      expect(cause.message).toContain(field);
      expect(cause.message).not.toMatch(/RAW-(AK|SK)-\d+/);
    }
    expect((await stack.emulator.admin.counters()).CreateTask ?? 0).toBe(before);
  });
});

test('starting the same migration id twice returns the existing run and never a second OMS task', async () => {
  const id = uniqueId('twice');
  const first = await stack.migrations.start(stack.seedRequest(), { migrationId: id });
  const second = await stack.migrations.start(stack.seedRequest(), { migrationId: id });
  expect(second.runId).toBe(first.runId);
  const { report } = await stack.migrations.result(id);
  const third = await stack.migrations.start(stack.seedRequest(), { migrationId: id });
  expect(third).toMatchObject({ runId: first.runId, existing: true });
  const tasks = (await stack.emulator.admin.tasks()).tasks.filter((t) => t.id === report!.task_id);
  expect(tasks).toHaveLength(1);
  expect(report!.api_calls.create).toBe(1);
});

describe('control while running', () => {
  const running = async (id: string) =>
    waitFor(async () => (await stack.migrations.status(id)).progress?.snapshot?.status === 2, 60_000, 'EXECUTING');

  test('pause stops the OMS task, resume restarts it with worker-side credentials, and it completes', async () => {
    const id = uniqueId('pause');
    await stack.migrations.start(slow(stack), { migrationId: id });
    await running(id);
    await stack.migrations.pause(id);
    const paused = await waitFor(
      async () => {
        const s = await stack.migrations.status(id);
        return s.progress?.paused ? s : undefined;
      },
      60_000,
      'paused',
    );
    expect(paused.progress?.phase).toBe('paused');
    const taskId = paused.progress!.task_id!;
    expect((await stack.emulator.admin.task(taskId)).status).toBe(3);
    // A second pause is refused and does not turn the pause into "stopped outside the orchestrator".
    await expect(stack.migrations.pause(id)).rejects.toThrow(/paused|pausing/);
    await stack.migrations.resume(id);
    const { report } = await stack.migrations.result(id);
    // The restarted run skips what the first run already copied (OMS's overwrite check); the report counts those
    // objects as migrated, over the whole migration, and keeps OMS's numbers of the last run apart.
    expect(report).toMatchObject({ outcome: 'succeeded', status: 5, total_num: 200, failed_num: 0, task_runs: 2 });
    expect(report).toMatchObject({ successful_num: 200, skipped_num: 0 });
    expect(report!.last_run!.successful_num + report!.last_run!.skipped_num).toBe(200);
    expect(report!.last_run!.skipped_num).toBeGreaterThan(0);
    expect(report!.api_calls.stop).toBe(1);
    expect(report!.api_calls.start).toBe(1);
  });

  test('resume is refused while the migration is not paused', async () => {
    const id = uniqueId('resume-refused');
    await stack.migrations.start(slow(stack), { migrationId: id });
    await running(id);
    await expect(stack.migrations.resume(id)).rejects.toThrow(/not paused/);
    await stack.migrations.cancel(id);
  });

  test('the bandwidth policy can be changed while running', async () => {
    const id = uniqueId('bandwidth');
    await stack.migrations.start(slow(stack), { migrationId: id });
    const status = await running(id).then(() => stack.migrations.status(id));
    await stack.migrations.setBandwidth(id, [{ start: '00:00', end: '23:59', max_bandwidth: 209_715_200 }]);
    const truth = await stack.emulator.admin.task(status.progress!.task_id!);
    expect(truth.status).not.toBe(3);
    await expect(
      stack.migrations.setBandwidth(id, [{ start: '00:00', end: '23:59', max_bandwidth: 1 }]),
    ).rejects.toThrow(/max_bandwidth/);
    const { report } = await stack.migrations.result(id);
    expect(report?.outcome).toBe('succeeded');
  });

  test('cancelling stops the OMS task and ends the workflow cancelled', async () => {
    const id = uniqueId('cancel');
    await stack.migrations.start(slow(stack), { migrationId: id });
    await running(id);
    const taskId = (await stack.migrations.status(id)).progress!.task_id!;
    await stack.migrations.cancel(id);
    const result = await stack.migrations.result(id);
    expect(result.outcome).toBe('cancelled');
    await waitFor(async () => [3, 7].includes((await stack.emulator.admin.task(taskId)).status), 30_000, 'stopped');
  });

  test('with on_cancel=detach, cancelling leaves the OMS task running', async () => {
    const id = uniqueId('detach');
    await stack.migrations.start(slow(stack, { orchestration: { on_cancel: 'detach', poll_interval_seconds: 0.5 } }), {
      migrationId: id,
    });
    await running(id);
    const taskId = (await stack.migrations.status(id)).progress!.task_id!;
    await stack.migrations.cancel(id);
    expect((await stack.migrations.result(id)).outcome).toBe('cancelled');
    expect((await stack.emulator.admin.task(taskId)).status).toBe(2);
  });
});

describe('cancellation around task creation', () => {
  test('a cancel that arrives while the create call is in flight still stops the task it created', async () => {
    await stack.emulator.admin.addFaults({ route: 'CreateTask', kind: 'latency', latencyMs: 2_000, times: 1 });
    const id = uniqueId('cancel-during-create');
    await stack.migrations.start(slow(stack), { migrationId: id });
    const handle = stack.migrations.handle(id);
    await waitFor(
      async () =>
        (await handle.describe()).raw.pendingActivities?.some(
          (a) => a.activityType?.name === 'createMigrationTask' && a.attempt === 1 && a.lastStartedTime,
        ),
      30_000,
      'the create call to be in flight',
    );
    await stack.migrations.cancel(id);
    expect((await stack.migrations.result(id)).outcome).toBe('cancelled');
    // The workflow learned the task id despite the cancellation, and the task is not left migrating.
    const taskId = (await handle.query(progressQuery)).task_id;
    expect(taskId).toEqual(expect.any(Number));
    // Stopped if it was executing; deleted if OMS had not scheduled it yet (a waiting task cannot be stopped).
    const fate = await waitFor(
      async () => {
        const task = await stack.emulator.admin.task(taskId!).catch((e: unknown) => {
          if (e instanceof AdminRequestError && e.status === 404) return 'deleted' as const;
          throw e;
        });
        if (task === 'deleted') return task;
        return [3, 7].includes(task.status) ? 'stopped' : undefined;
      },
      30_000,
      'the task to be stopped or deleted',
    );
    expect(['stopped', 'deleted']).toContain(fate);
  });
});
