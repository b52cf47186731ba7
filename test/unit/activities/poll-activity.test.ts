/**
 * The polling activity's own contract, with a mocked OMS: an unchanged task is a benign retry whose delay is the
 * cadence, a change returns, and a deferred first attempt (the previous poll has just looked) makes no call.
 */
import { MockActivityEnvironment } from '@temporalio/testing';

import type { PollMigrationTaskInput, PollMigrationTaskOutput } from '../../../workflows/activity-types';
import { FailureType } from '../../../workflows/failure-types';

import { OMS, PROJECT, activitiesOn, failureOf, useMockOms } from './mock-oms';

const mock = useMockOms();

const activities = () => activitiesOn(mock.current());

/** ShowTask answers for task 7: `status`, `progress`, `left_time` (ms). */
function showTask(status: number, progress: number, leftTime: number): void {
  mock
    .current()
    .get(OMS)
    .intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks/7` })
    .reply(200, {
      id: 7,
      name: 'task-7',
      status,
      progress,
      left_time: leftTime,
      total_num: 10,
      successful_num: Math.round(progress * 10),
      failed_num: 0,
      skipped_num: 0,
      total_size: 1000,
      complete_size: Math.round(progress * 1000),
    });
}

const input = (extra: Partial<PollMigrationTaskInput> = {}): PollMigrationTaskInput => ({
  task_id: 7,
  api_profile: 'default',
  known_status: 2,
  known_checkpoint: 0,
  poll_interval_ms: 30_000,
  min_poll_interval_ms: 5_000,
  ...extra,
});

test('an unchanged task: benign TaskPending retried after the cadence, carrying the snapshot', async () => {
  showTask(2, 0.2, 600_000);
  const failure = await failureOf(
    new MockActivityEnvironment({ attempt: 1 }).run(activities().pollMigrationTask, input()),
  );
  expect(failure.type).toBe(FailureType.TaskPending);
  expect(failure.nextRetryDelay).toBe(30_000);
  expect(failure.details?.[0]).toMatchObject({ id: 7, status: 2 });
});

test('a change returns, counting the quiet attempts before it as polls', async () => {
  showTask(5, 1, 0);
  const out: PollMigrationTaskOutput = await new MockActivityEnvironment({ attempt: 4 }).run(
    activities().pollMigrationTask,
    input(),
  );
  expect(out.snapshot?.status).toBe(5);
  expect(out.calls.show).toBe(4);
});

test('a deferred first attempt makes no OMS call and asks to be retried after the delay', async () => {
  // No interceptor: a ShowTask would fail the test (network disabled, assertNoPendingInterceptors).
  const failure = await failureOf(
    new MockActivityEnvironment({ attempt: 1 }).run(
      activities().pollMigrationTask,
      input({ first_poll_delay_ms: 12_000 }),
    ),
  );
  expect(failure.type).toBe(FailureType.TaskPending);
  expect(failure.nextRetryDelay).toBe(12_000);
  expect(failure.details ?? []).toHaveLength(0);
});

test('after a deferred first attempt, the polls counted exclude it', async () => {
  showTask(5, 1, 0);
  const out: PollMigrationTaskOutput = await new MockActivityEnvironment({ attempt: 3 }).run(
    activities().pollMigrationTask,
    input({ first_poll_delay_ms: 12_000 }),
  );
  expect(out.calls.show).toBe(2);
});
