/**
 * Activity behaviour behind the core promises, with a mocked OMS: the poll never waits past the deadline and
 * returns there, refused credentials block instead of failing, a stop answered "already completed" reports the real
 * final state, a create refusal says whether an earlier create may exist, and reconciliation removes duplicates.
 */
import { MockActivityEnvironment } from '@temporalio/testing';

import { credentialsBackoffMs, CREDENTIALS_RETRY_CAP_MS } from '../../../activities/credentials-rejected';
import { idempotencyMarker } from '../../../activities/build-create-request';
import type {
  PollMigrationTaskInput,
  PollMigrationTaskOutput,
  ReconcileTasksOutput,
  StopMigrationTaskOutput,
} from '../../../workflows/activity-types';
import { FailureType } from '../../../workflows/failure-types';

import { OMS, PROJECT, activitiesOn, failureOf, useMockOms } from './mock-oms';

const mock = useMockOms();
const activities = () => activitiesOn(mock.current());
const pool = () => mock.current().get(OMS);

function task(id: number, status: number, extra: Record<string, unknown> = {}) {
  return { id, name: `task-${id}`, status, progress: 0.4, total_num: 10, successful_num: 4, failed_num: 0, ...extra };
}

function showTask(id: number, status: number, times = 1): void {
  pool()
    .intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks/${id}` })
    .reply(200, task(id, status))
    .times(times);
}

function omsError(status: number, code: string) {
  return { error_code: code, error_msg: `${code} from the mock` };
}

const pollInput = (extra: Partial<PollMigrationTaskInput> = {}): PollMigrationTaskInput => ({
  task_id: 7,
  api_profile: 'default',
  known_status: 2,
  known_checkpoint: 0,
  poll_interval_ms: 30_000,
  min_poll_interval_ms: 5_000,
  ...extra,
});

describe('poll and the deadline', () => {
  test('the next poll is never scheduled past the deadline', async () => {
    showTask(7, 2);
    const deadline = Date.now() + 4_000;
    const failure = await failureOf(
      new MockActivityEnvironment({ attempt: 1 }).run(
        activities().pollMigrationTask,
        pollInput({ deadline_at: deadline }),
      ),
    );
    expect(failure.type).toBe(FailureType.TaskPending);
    expect(Number(failure.nextRetryDelay)).toBeLessThanOrEqual(4_000);
    expect(Number(failure.nextRetryDelay)).toBeGreaterThan(0);
  });

  test('a deferred first attempt waits only until the deadline', async () => {
    const deadline = Date.now() + 2_000;
    const failure = await failureOf(
      new MockActivityEnvironment({ attempt: 1 }).run(
        activities().pollMigrationTask,
        pollInput({ deadline_at: deadline, first_poll_delay_ms: 30_000 }),
      ),
    );
    expect(Number(failure.nextRetryDelay)).toBeLessThanOrEqual(2_000);
  });

  test('a poll at the deadline returns with deadline_reached and the real snapshot', async () => {
    showTask(7, 2);
    const out: PollMigrationTaskOutput = await new MockActivityEnvironment({ attempt: 3 }).run(
      activities().pollMigrationTask,
      pollInput({ deadline_at: Date.now() - 1 }),
    );
    expect(out.deadline_reached).toBe(true);
    expect(out.snapshot?.status).toBe(2);
  });

  test('a final task at the deadline is reported as final, not as the deadline', async () => {
    showTask(7, 5);
    const out: PollMigrationTaskOutput = await new MockActivityEnvironment({ attempt: 3 }).run(
      activities().pollMigrationTask,
      pollInput({ deadline_at: Date.now() - 1 }),
    );
    expect(out.deadline_reached).toBeUndefined();
    expect(out.snapshot?.status).toBe(5);
  });
});

describe('refused credentials while the task exists', () => {
  const unauthorized = (times = 1) =>
    pool()
      .intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks/7` })
      .reply(403, omsError(403, 'OMS.0001'))
      .times(times);

  test('the first refusal returns `blocked` to the workflow instead of failing', async () => {
    unauthorized();
    const out: PollMigrationTaskOutput = await new MockActivityEnvironment({ attempt: 2 }).run(
      activities().pollMigrationTask,
      pollInput(),
    );
    expect(out.blocked?.reason).toBe('credentials rejected');
    expect(out.snapshot).toBeUndefined();
    expect(out.calls.show).toBe(2);
  });

  test('while blocked, a refusal is the retryable CredentialsRejected with a capped backoff', async () => {
    unauthorized();
    const failure = await failureOf(
      new MockActivityEnvironment({ attempt: 30 }).run(
        activities().pollMigrationTask,
        pollInput({ blocked: 'credentials' }),
      ),
    );
    expect(failure.type).toBe(FailureType.CredentialsRejected);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(CREDENTIALS_RETRY_CAP_MS);
  });

  test('while blocked, an accepted call returns the snapshot (the block is over)', async () => {
    showTask(7, 2);
    const out: PollMigrationTaskOutput = await new MockActivityEnvironment({ attempt: 4 }).run(
      activities().pollMigrationTask,
      pollInput({ blocked: 'credentials' }),
    );
    expect(out.blocked).toBeUndefined();
    expect(out.snapshot?.status).toBe(2);
  });

  test('the backoff doubles from 15 s up to five minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map(credentialsBackoffMs)).toEqual([
      15_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000,
    ]);
  });
});

describe('halting on exit', () => {
  test('a stop answered OMS.0070 reads the task: already final, with the real status and counts', async () => {
    pool()
      .intercept({ method: 'POST', path: `/v2/${PROJECT}/tasks/7/stop` })
      .reply(400, omsError(400, 'OMS.0070'));
    showTask(7, 5);
    const out: StopMigrationTaskOutput = await new MockActivityEnvironment().run(activities().stopMigrationTask, {
      task_id: 7,
      api_profile: 'default',
      halt: true,
    });
    expect(out).toMatchObject({ changed: false, already_final: true, snapshot: { status: 5, successful_num: 4 } });
  });

  test('a stop that lands is followed by one ShowTask for the real state', async () => {
    pool()
      .intercept({ method: 'POST', path: `/v2/${PROJECT}/tasks/7/stop` })
      .reply(200, {});
    showTask(7, 7);
    const out: StopMigrationTaskOutput = await new MockActivityEnvironment().run(activities().stopMigrationTask, {
      task_id: 7,
      api_profile: 'default',
      halt: true,
    });
    expect(out).toMatchObject({ changed: true, snapshot: { status: 7 } });
  });

  test('a waiting task is deleted and reported as deleted', async () => {
    pool()
      .intercept({ method: 'POST', path: `/v2/${PROJECT}/tasks/7/stop` })
      .reply(400, omsError(400, 'OMS.0066'));
    showTask(7, 1);
    pool()
      .intercept({ method: 'DELETE', path: `/v2/${PROJECT}/tasks/7` })
      .reply(200, {});
    const out: StopMigrationTaskOutput = await new MockActivityEnvironment().run(activities().stopMigrationTask, {
      task_id: 7,
      api_profile: 'default',
      halt: true,
    });
    expect(out).toMatchObject({ changed: true, deleted: true, snapshot: { status: 1 } });
  });
});

describe('reconciliation', () => {
  test('every other task with the marker is stopped, then deleted once stopped; ours and unrelated tasks are left alone', async () => {
    const key = 'default/m-1/run-1';
    const marker = idempotencyMarker(key);
    pool()
      .intercept({ method: 'GET', path: (p) => p.startsWith(`/v2/${PROJECT}/tasks?`) })
      .reply(200, {
        count: 4,
        tasks: [
          task(1, 2, { description: marker }),
          task(2, 2, { description: `mine ${marker}` }),
          task(3, 5, { description: marker }),
          task(4, 2, { description: 'someone else' }),
        ],
      });
    showTask(2, 2);
    pool()
      .intercept({ method: 'POST', path: `/v2/${PROJECT}/tasks/2/stop` })
      .reply(200, {});
    showTask(3, 5);
    pool()
      .intercept({ method: 'DELETE', path: `/v2/${PROJECT}/tasks/3` })
      .reply(200, {});
    // The stopped duplicate finishes pausing, then it is deleted too (none is left for anyone to start again).
    showTask(2, 3);
    pool()
      .intercept({ method: 'DELETE', path: `/v2/${PROJECT}/tasks/2` })
      .reply(200, {});
    const out: ReconcileTasksOutput = await new MockActivityEnvironment().run(activities().reconcileMigrationTasks, {
      api_profile: 'default',
      idempotency_key: key,
      keep_task_id: 1,
    });
    expect(out.removed).toEqual([
      { task_id: 2, action: 'deleted', status: 2 },
      { task_id: 3, action: 'deleted', status: 5 },
    ]);
  });
});
