/**
 * The migration workflow end to end: real Temporal dev server, real worker, the OMS/IAM emulator.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { startStack, type Stack } from '../helpers/stack';
import { uniqueId } from '../helpers/wait';

jest.setTimeout(120_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

test('the seed example migrates a-test-1 to api-test-outline and reports status 5', async () => {
  const id = uniqueId('seed');
  await stack.migrations.start(stack.seedRequest(), { migrationId: id });
  const result = await stack.migrations.result(id);
  expect(result.outcome).toBe('succeeded');
  const report = result.report!;
  expect(report).toMatchObject({
    migration_id: id,
    status: 5,
    total_num: 2,
    successful_num: 2,
    failed_num: 0,
    total_size: 2_223_728,
    src_bucket: 'a-test-1',
    dst_bucket: 'api-test-outline',
  });
  expect(report.api_calls.create).toBe(1);
  const truth = await stack.emulator.admin.task(report.task_id!);
  expect(truth.status).toBe(5);
  expect(truth.counters).toMatchObject({ successful: 2, failed: 0 });
});

test('objects that fail are reported as completed with failures, with the failed-object list', async () => {
  const id = uniqueId('failures');
  const request = stack.seedRequest({
    task_type: 'prefix',
    src_node: { ...stack.seedRequest().src_node, bucket: 'demo-failures', object_key: [''] },
  });
  await stack.migrations.start(request, { migrationId: id });
  const result = await stack.migrations.result(id);
  const report = result.report!;
  // OMS ends the task in status 4 for its failed objects alone: the rule of docs/outcomes.md.
  expect(result.outcome).toBe('completed_with_failures');
  expect(report).toMatchObject({ outcome: 'completed_with_failures', status: 4 });
  expect(report.failed_num).toBe(5);
  expect(report.successful_num).toBe(15);
  expect(report.failed_object_record?.list_file_key).toEqual(expect.any(String));
  const list = await stack.emulator.admin.getObject('api-test-outline', report.failed_object_record!.list_file_key!);
  const keys = list?.content?.trim().split('\n') ?? [];
  expect(keys).toHaveLength(5);
  for (const key of keys) expect(key).toMatch(/^bad\//);
});

test('a task that fails (status 4) fails the workflow with MigrationFailed carrying the report', async () => {
  const id = uniqueId('task-failed');
  const request = stack.seedRequest({
    src_node: { ...stack.seedRequest().src_node, bucket: 'no-such-bucket' },
  });
  await stack.migrations.start(request, { migrationId: id });
  const err = await stack.migrations
    .handle(id)
    .result()
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('MigrationFailed');
  const report = (cause as ApplicationFailure).details?.[0] as { status: number; error_reason: { error_code: string } };
  expect(report.status).toBe(4);
  expect(report.error_reason.error_code).toBe('TRF.0155');
});
