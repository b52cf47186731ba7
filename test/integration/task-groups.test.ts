/**
 * Task-group migrations (`taskGroupMigrationWorkflow`) on the real dev server and the emulator: the group is created
 * once under a lost response and under a late create; the report's aggregated counts are the emulator's; failed
 * objects are retried with RetryTaskGroup; pause, bandwidth, resume and cancel drive the group; bad input fails
 * before any OMS call.
 */
import { execFileSync } from 'node:child_process';

import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';

import { InvalidMigrationRequestError } from '../../client/migration-client';
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import { TASK_GROUP_MIGRATION_WORKFLOW_TYPE } from '../../workflows/definitions';
import type { MigrationRequest } from '../../workflows/request-types';
import { OMS_OUTCOME, OMS_STATUS } from '../../workflows/search-attributes';
import type { TaskGroupReport } from '../../workflows/task-group-types';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { getToken, oms } from '../emulator/helpers';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

let stack: Stack;
let token: string;
beforeAll(async () => {
  stack = await startStack({ emulator: { timeScale: 10 } });
  token = await getToken(stack.emulator);
});
afterAll(async () => {
  await stack?.close();
});

/** A prefix group into a fresh destination prefix (OMS would skip objects an earlier test copied). */
function groupRequest(bucket: string, prefix: string, overrides: Partial<MigrationRequest> = {}): MigrationRequest {
  const base = stack.seedRequest();
  return stack.seedRequest({
    task_type: 'prefix',
    src_node: { ...base.src_node, bucket, object_key: [prefix] },
    dst_node: { ...base.dst_node, save_prefix: `${uniqueId('run')}/` },
    ...overrides,
  });
}

async function showGroup(groupId: string): Promise<Record<string, unknown>> {
  const res = await oms(stack.emulator, token, 'GET', `/taskgroups/${groupId}`);
  if (res.status !== 200) throw new Error(`ShowTaskGroup ${groupId}: ${res.status} ${res.text}`);
  return res.json();
}

async function groupIds(): Promise<string[]> {
  const res = await oms(stack.emulator, token, 'GET', '/taskgroups?limit=100');
  return res.json<{ taskgroups: { group_id: string }[] }>().taskgroups.map((g) => g.group_id);
}

async function resultOf(id: string): Promise<TaskGroupReport> {
  const { report } = await stack.migrations.result(id);
  return report as unknown as TaskGroupReport;
}

test('a prefix group succeeds; the report carries the counts the emulator aggregates from the member tasks', async () => {
  const id = uniqueId('group-ok');
  const createsBefore = (await stack.emulator.admin.counters()).CreateTaskGroup ?? 0;
  await stack.migrations.startTaskGroupMigration(groupRequest('demo-logs', 'logs/0'), { migrationId: id });
  const report = await resultOf(id);
  expect(report).toMatchObject({ kind: 'group', outcome: 'succeeded', status: 6, task_type: 'prefix' });
  const group = await showGroup(report.group_id!);
  // 100 objects of 1 MiB, ten per member task (the emulator's taskGroupObjectsPerTask).
  expect(report).toMatchObject({
    total_num: group.total_num,
    successful_num: group.success_num,
    failed_num: group.fail_num,
    skipped_num: group.skip_num,
    total_size: group.total_size,
    complete_size: group.complete_size,
    total_task_num: group.total_task_num,
    complete_task_num: group.complete_task_num,
  });
  expect(report).toMatchObject({ total_num: 100, successful_num: 100, failed_num: 0, total_task_num: 10 });
  const members = await oms(stack.emulator, token, 'GET', `/tasks?group_id=${report.group_id}&limit=100`);
  expect(members.json<{ count: number }>().count).toBe(10);
  expect((await stack.emulator.admin.counters()).CreateTaskGroup).toBe(createsBefore + 1);
  // The marker ties the group to the migration; the request's secrets never reach OMS's echo or the report.
  expect(group.description).toMatch(/oms-orch:[0-9a-f]{24}/);
  expect(JSON.stringify(report)).not.toContain(DEFAULT_EMULATOR_CONFIG.accessKeys[0]!.sk);
  const sa = (await stack.migrations.handle(id).describe()).typedSearchAttributes;
  expect([sa.get(OMS_STATUS), sa.get(OMS_OUTCOME)]).toEqual(['SUCCEEDED', 'succeeded']);
});

test('a create whose response is lost re-attaches to the group it created: exactly one group', async () => {
  await stack.emulator.admin.addFaults({ route: 'CreateTaskGroup', kind: 'lose-response', times: 1 });
  const before = await groupIds();
  const createsBefore = (await stack.emulator.admin.counters()).CreateTaskGroup ?? 0;
  const id = uniqueId('group-lost');
  await stack.migrations.startTaskGroupMigration(groupRequest('demo-logs', 'logs/01'), { migrationId: id });
  const report = await resultOf(id);
  expect(report).toMatchObject({ outcome: 'succeeded', total_num: 10 });
  const created = (await groupIds()).filter((g) => !before.includes(g));
  expect(created).toEqual([report.group_id]);
  expect(report.api_calls.list).toBeGreaterThanOrEqual(1);
  // One CreateTaskGroup reached OMS (its answer was lost); the retried attempt found the group by its marker.
  expect((await stack.emulator.admin.counters()).CreateTaskGroup).toBe(createsBefore + 1);
});

test('a create OMS processes after the client gave up leaves exactly one group: the late one is removed', async () => {
  const late = await startStack({ existingEmulator: stack.emulator, workerEnv: { OMS_HTTP_TIMEOUT_SECONDS: '1' } });
  try {
    // The first CreateTaskGroup is held 3 s (the client times out after 1 s), then really processed.
    await stack.emulator.admin.addFaults({ route: 'CreateTaskGroup', kind: 'late-apply', latencyMs: 3_000, times: 1 });
    const before = await groupIds();
    const id = uniqueId('group-late');
    await late.migrations.startTaskGroupMigration(groupRequest('demo-logs', 'logs/02'), { migrationId: id });
    const { report: raw } = await late.migrations.result(id);
    const report = raw as unknown as TaskGroupReport;
    expect(report.outcome).toBe('succeeded');
    expect(report.duplicates_removed).toHaveLength(1);
    expect(report.duplicates_removed![0]!.group_id).not.toBe(report.group_id);
    expect((await groupIds()).filter((g) => !before.includes(g))).toEqual([report.group_id]);
  } finally {
    await late.close();
  }
});

test('a reset to the first workflow task of a finished group migration re-attaches: no second group', async () => {
  const id = uniqueId('group-reset');
  await stack.migrations.startTaskGroupMigration(groupRequest('demo-logs', 'logs/03'), { migrationId: id });
  const first = await resultOf(id);
  expect(first.outcome).toBe('succeeded');
  const before = await groupIds();
  const cli = await ensureTemporalCli();
  execFileSync(cli.path, [
    ...['workflow', 'reset', '--workflow-id', id, '--type', 'FirstWorkflowTask', '--reason', 'test'],
    ...['--address', testEnv('address'), '--namespace', testEnv('namespace')],
  ]);
  const again = await resultOf(id);
  expect(again).toMatchObject({ outcome: 'succeeded', group_id: first.group_id });
  expect(again.api_calls.create).toBe(0);
  expect(await groupIds()).toEqual(before);
});

test('failed objects are retried with RetryTaskGroup within failed_object_retry_rounds', async () => {
  const admin = stack.emulator.admin;
  // bad/** fails in the first run only: the retry round migrates it.
  await admin.updateSettings({
    failureRules: [{ bucket: 'demo-failures', glob: 'bad/**', errorCode: 'TRF.0159', failRuns: 1 }],
  });
  try {
    const id = uniqueId('group-retry');
    const request = groupRequest('demo-failures', '', {
      orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1, failed_object_retry_rounds: 2 },
    });
    await stack.migrations.startTaskGroupMigration(request, { migrationId: id });
    const report = await resultOf(id);
    expect(report).toMatchObject({ outcome: 'succeeded', status: 6, retry_rounds: 1, failed_num: 0 });
    expect(report.failed_after_round).toHaveLength(2);
    expect(report.failed_after_round[0]).toMatchObject({
      round: 0,
      failed_num: 5,
      failed_object_record: {
        result: true,
        list_file_key: `oms/failed_object_lists/${report.group_id}/failed-objects-list.txt`,
      },
    });
    expect(report.failed_after_round[1]).toMatchObject({ round: 1, failed_num: 0 });
    const retries = await admin.requests({ route: 'RetryTaskGroup' });
    expect(retries.filter((r) => r.status === 200 && r.path.includes(report.group_id!))).toHaveLength(1);
    expect(report).toMatchObject({ successful_num: (await showGroup(report.group_id!)).success_num });
  } finally {
    await admin.updateSettings({ failureRules: DEFAULT_EMULATOR_CONFIG.simulation.failureRules });
  }
});

test('pause, bandwidth, resume and cancel drive the group', async () => {
  // 200 objects of 1 MiB at 1 MiB/s per member.
  const slow = () =>
    groupRequest('demo-logs', 'logs/', {
      bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
    });
  const running = async (id: string) =>
    waitFor(async () => (await stack.migrations.status(id)).progress?.phase === 'running', 60_000, `${id} running`);

  try {
    // Two members at a time: 100 simulated seconds, 10 s of wall time at this scale, ample for the steps below.
    await stack.emulator.admin.updateSettings({ maxRunningPerRegion: 2 });
    const id = uniqueId('group-pause');
    await stack.migrations.startTaskGroupMigration(slow(), { migrationId: id });
    await running(id);
    // Between status changes the workflow hears nothing; status() reads the poll's latest attempt.
    const live = await waitFor(
      async () => {
        const g = (await stack.migrations.status(id)).live_group;
        return g && g.executing_task_num > 0 ? g : undefined;
      },
      60_000,
      'a live group snapshot',
    );
    expect(live).toMatchObject({ status: 2, total_task_num: 20 });
    await stack.migrations.pause(id);
    const paused = await waitFor(
      async () => {
        const p = (await stack.migrations.status(id)).progress;
        return p?.paused ? p : undefined;
      },
      60_000,
      'paused',
    );
    const groupId = (paused as unknown as { group_id: string }).group_id;
    expect((await showGroup(groupId)).status).toBe(3);
    await expect(stack.migrations.pause(id)).rejects.toThrow(/paused/);
    await stack.migrations.resume(id);
    const policy = [{ start: '00:00', end: '23:59', max_bandwidth: 4 * 1_048_576 }];
    await stack.migrations.setBandwidth(id, policy);
    expect((await showGroup(groupId)).bandwidth_policy).toEqual(policy);
    const report = await resultOf(id);
    // Restarted members skip what they had already copied before the pause.
    expect(report).toMatchObject({ outcome: 'succeeded', total_num: 200, failed_num: 0 });
    expect(report.successful_num + report.skipped_num).toBe(200);
    expect(report.api_calls.stop).toBe(1);
    expect(report.api_calls.start).toBe(1);

    const cancelled = uniqueId('group-cancel');
    await stack.migrations.startTaskGroupMigration(slow(), { migrationId: cancelled });
    await running(cancelled);
    await stack.migrations.cancel(cancelled);
    const result = await stack.migrations.result(cancelled);
    expect(result.outcome).toBe('cancelled');
    const stoppedId = (result.report as unknown as TaskGroupReport).group_id!;
    expect([3, 7]).toContain((await showGroup(stoppedId)).status);
    const sa = (await stack.migrations.handle(cancelled).describe()).typedSearchAttributes;
    expect(sa.get(OMS_OUTCOME)).toBe('cancelled');
  } finally {
    await stack.emulator.admin.updateSettings({
      maxRunningPerRegion: DEFAULT_EMULATOR_CONFIG.simulation.maxRunningPerRegion,
    });
  }
});

test('the deadline stops the group and ends DeadlineExceeded with the report', async () => {
  // Two members at a time at 1 MiB/s: 100 simulated seconds (10 s of wall time) against a 3 s deadline.
  await stack.emulator.admin.updateSettings({ maxRunningPerRegion: 2 });
  try {
    const id = uniqueId('group-deadline');
    const request = groupRequest('demo-logs', 'logs/', {
      bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
      orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1, deadline_seconds: 3 },
    });
    await stack.migrations.startTaskGroupMigration(request, { migrationId: id });
    const result = await stack.migrations.result(id);
    expect(result.failure?.type).toBe('DeadlineExceeded');
    const report = result.report as unknown as TaskGroupReport;
    expect(report).toMatchObject({ kind: 'group', outcome: 'failed' });
    expect([3, 7]).toContain((await showGroup(report.group_id!)).status);
  } finally {
    await stack.emulator.admin.updateSettings({
      maxRunningPerRegion: DEFAULT_EMULATOR_CONFIG.simulation.maxRunningPerRegion,
    });
  }
});

test('bad input fails before any OMS call, naming the fields', async () => {
  const before = (await stack.emulator.admin.counters()).CreateTaskGroup ?? 0;
  const bad = { ...groupRequest('demo-logs', 'logs/'), task_type: 'object', task_priority: 'HIGH' } as MigrationRequest;
  const refused = stack.migrations.startTaskGroupMigration(bad);
  await expect(refused).rejects.toBeInstanceOf(InvalidMigrationRequestError);
  await expect(refused).rejects.toThrow(/task_type[\s\S]*task_priority/);
  // Started around the client's check: the workflow refuses it itself.
  const handle = await stack.client.workflow.start(TASK_GROUP_MIGRATION_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: uniqueId('group-bad'),
    args: [bad],
  });
  const err: unknown = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('InvalidMigrationInput');
  expect((await stack.emulator.admin.counters()).CreateTaskGroup ?? 0).toBe(before);
});
