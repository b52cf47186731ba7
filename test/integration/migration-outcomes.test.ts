/**
 * Outcomes beyond the happy path: AK/SK-signed API calls, failed-object retry rounds, a task that vanishes
 * (OMS.1009), and the migration deadline.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

import type { MigrationRequest } from '../../workflows/request-types';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

function slow(s: Stack, overrides: Partial<MigrationRequest> = {}): MigrationRequest {
  return s.seedRequest({
    task_type: 'prefix',
    src_node: { ...s.seedRequest().src_node, bucket: 'demo-logs', object_key: ['logs/'] },
    dst_node: { ...s.seedRequest().dst_node, save_prefix: `${uniqueId('run')}/` },
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
    ...overrides,
  });
}

async function failureOf(s: Stack, id: string): Promise<ApplicationFailure> {
  const err = await s.migrations
    .handle(id)
    .result()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  let cause = (err as WorkflowFailedError).cause;
  if (cause instanceof ActivityFailure) cause = cause.cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

test('with OMS_AUTH_MODE=aksk every OMS call is signed and no IAM token is requested', async () => {
  const stack = await startStack({ workerEnv: { OMS_AUTH_MODE: 'aksk' } });
  try {
    const id = uniqueId('aksk');
    await stack.migrations.start(stack.seedRequest(), { migrationId: id });
    const { report } = await stack.migrations.result(id);
    expect(report).toMatchObject({ outcome: 'succeeded', status: 5 });
    const log = await stack.emulator.admin.requests();
    const omsCalls = log.filter((r) => r.route !== 'KeystoneCreateUserTokenByPassword');
    expect(omsCalls.length).toBeGreaterThan(0);
    expect(omsCalls.every((r) => r.authMode === 'aksk')).toBe(true);
    expect((await stack.emulator.admin.counters()).KeystoneCreateUserTokenByPassword ?? 0).toBe(0);
  } finally {
    await stack.close();
  }
});

test('failed-object retry rounds re-run only the failed objects until none fail', async () => {
  const stack = await startStack({
    emulator: {
      config: {
        simulation: { failureRules: [{ bucket: 'demo-failures', glob: 'bad/**', errorCode: 'TRF.0159', failRuns: 1 }] },
      },
    },
  });
  try {
    const id = uniqueId('retry-rounds');
    const request = stack.seedRequest({
      task_type: 'prefix',
      src_node: { ...stack.seedRequest().src_node, bucket: 'demo-failures', object_key: [''] },
      orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1, failed_object_retry_rounds: 2 },
    });
    await stack.migrations.start(request, { migrationId: id });
    const { report } = await stack.migrations.result(id);
    expect(report).toMatchObject({ outcome: 'succeeded', status: 5, failed_num: 0, retry_rounds: 1 });
    const truth = await stack.emulator.admin.task(report!.task_id!);
    expect(truth).toMatchObject({ runIndex: 1, failedOnly: true });
    expect(report!.api_calls.start).toBe(1);
  } finally {
    await stack.close();
  }
});

describe('final failures', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ emulator: { timeScale: 20 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  test('a task that vanishes (OMS.1009) fails the migration with TaskNotFound, without retrying', async () => {
    const id = uniqueId('vanished');
    await stack.migrations.start(slow(stack), { migrationId: id });
    await waitFor(
      async () => (await stack.migrations.status(id)).progress?.snapshot?.status === 2,
      60_000,
      'EXECUTING',
    );
    await stack.emulator.admin.reset(); // every task is gone, as if deleted elsewhere
    const failure = await failureOf(stack, id);
    expect(failure.type).toBe('TaskNotFound');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('OMS.1009');
    // The task's last known state is still reported (the `report` memo).
    const { outcome, report } = await stack.migrations.result(id);
    expect(outcome).toBe('error');
    expect(report).toMatchObject({ outcome: 'failed', status: 2 });
    expect(report?.task_id).not.toBeNull();
  });

  test('past its deadline a migration stops the OMS task and fails with DeadlineExceeded', async () => {
    const id = uniqueId('deadline');
    const request = slow(stack, {
      orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1, deadline_seconds: 4 },
    });
    await stack.migrations.start(request, { migrationId: id });
    const failure = await failureOf(stack, id);
    expect(failure.type).toBe('DeadlineExceeded');
    const report = failure.details?.[0] as { task_id: number; outcome: string };
    expect(report.outcome).toBe('failed');
    await waitFor(
      async () => [3, 7].includes((await stack.emulator.admin.task(report.task_id)).status),
      30_000,
      'stop',
    );
  });
});
