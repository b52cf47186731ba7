/**
 * createMigrationTask's look-up for a task an earlier attempt may have created, with a mocked OMS: a look-up that
 * fails part-way ends with LookupIncomplete (non-retryable, the offset reached); a resumed call starts one page
 * before that offset on its first attempt only; a failure before any page was read stays a plain retryable error.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

import { idempotencyMarker } from '../../../activities/build-create-request';
import { validateMigrationRequest } from '../../../workflows/shared/validate-request';
import type { CreateMigrationTaskInput, CreateMigrationTaskOutput } from '../../../workflows/activity-types';
import { FailureType, type LookupIncompleteDetails } from '../../../workflows/failure-types';

import { OMS, PROJECT, activitiesOn, failureOf, useMockOms } from './mock-oms';

const KEY = 'default/migration-1/run-1';
const MARKER = idempotencyMarker(KEY);

const mock = useMockOms();
let listedOffsets: number[];
beforeEach(() => {
  listedOffsets = [];
});

const activities = () => activitiesOn(mock.current());

function input(lookup?: { resume_offset: number }): CreateMigrationTaskInput {
  const v = validateMigrationRequest({
    task_type: 'object',
    src_node: {
      region: 'cn-north-7',
      credential_profile: 'default',
      bucket: 'a-test-1',
      cloud_type: 'HuaweiCloud',
      object_key: ['01.png'],
    },
    dst_node: { region: 'cn-north-7', credential_profile: 'default', bucket: 'api-test-outline' },
  });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return { migration_id: 'migration-1', idempotency_key: KEY, request: v.request, ...(lookup ? { lookup } : {}) };
}

/** Tasks `from`..`from + n - 1`; the one at `markedAt` (if any) carries this migration's marker. */
function tasks(from: number, n: number, markedAt?: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: 1000 + from + i,
    name: `task-${from + i}`,
    status: 2,
    description: from + i === markedAt ? `copy ${MARKER}` : 'another migration',
  }));
}

/** One ListTasks page at `offset` answered with `status` and `body`. */
function listPage(offset: number, status: number, body: object): void {
  mock
    .current()
    .get(OMS)
    .intercept({
      method: 'GET',
      path: (p: string) => {
        const [route, query] = p.split('?');
        const q = new URLSearchParams(query);
        return route === `/v2/${PROJECT}/tasks` && q.get('offset') === String(offset) && q.get('limit') === '100';
      },
    })
    .reply(() => {
      listedOffsets.push(offset);
      return {
        statusCode: status,
        data: JSON.stringify(body),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    });
}

const unavailable = { error_code: 'OMS.2004', error_msg: 'The service is unavailable.' };

test('a retried attempt whose look-up fails after a page: LookupIncomplete, non-retryable, with the offset reached and the calls made', async () => {
  listPage(0, 200, { tasks: tasks(0, 100), count: 250 });
  listPage(100, 503, unavailable);
  const failure = await failureOf(
    new MockActivityEnvironment({ attempt: 2 }).run(activities().createMigrationTask, input()),
  );
  expect(failure.type).toBe(FailureType.LookupIncomplete);
  expect(failure.nonRetryable).toBe(true);
  const details = failure.details?.[0] as LookupIncompleteDetails;
  expect(details.resume_offset).toBe(100);
  expect(details.calls.list).toBe(2);
  expect(details.calls.create).toBe(0);
  expect(failure.cause).toBeInstanceOf(ApplicationFailure);
  expect((failure.cause as ApplicationFailure).type).toBe(FailureType.ApiUnavailable);
  expect(listedOffsets).toEqual([0, 100]);
});

test('a resumed call (first attempt) starts one page before the offset and re-attaches without creating', async () => {
  listPage(200, 200, { tasks: tasks(200, 100), count: 450 });
  listPage(300, 200, { tasks: tasks(300, 100, 342), count: 450 });
  const out: CreateMigrationTaskOutput = await new MockActivityEnvironment({ attempt: 1 }).run(
    activities().createMigrationTask,
    input({ resume_offset: 300 }),
  );
  expect(out).toMatchObject({ task_id: 1342, task_name: 'task-342', reattached: true });
  expect(out.calls.list).toBe(2);
  expect(out.calls.create).toBe(0);
  expect(listedOffsets).toEqual([200, 300]);
});

test('a retried attempt of a resumed call reads from the start (an earlier attempt may have created), then creates', async () => {
  listPage(0, 200, { tasks: tasks(0, 40), count: 40 });
  mock
    .current()
    .get(OMS)
    .intercept({ method: 'POST', path: `/v2/${PROJECT}/tasks` })
    .reply(200, { id: 5555, task_name: 'task-new' });
  const out: CreateMigrationTaskOutput = await new MockActivityEnvironment({ attempt: 2 }).run(
    activities().createMigrationTask,
    input({ resume_offset: 300 }),
  );
  expect(out).toMatchObject({ task_id: 5555, task_name: 'task-new', reattached: false });
  expect(out.calls).toMatchObject({ list: 1, create: 1 });
  expect(listedOffsets).toEqual([0]);
});

test('a resumed call that does not get past the offset it was given stays retryable (no progress to keep)', async () => {
  listPage(200, 200, { tasks: tasks(200, 100), count: 450 });
  listPage(300, 503, unavailable);
  const failure = await failureOf(
    new MockActivityEnvironment({ attempt: 1 }).run(activities().createMigrationTask, input({ resume_offset: 300 })),
  );
  expect(failure.type).toBe(FailureType.ApiUnavailable);
  expect(failure.nonRetryable).toBe(false);
  expect(listedOffsets).toEqual([200, 300]);
});

test('a look-up that fails on its first page stays a retryable ApiUnavailable (nothing to resume from)', async () => {
  listPage(200, 503, unavailable);
  const failure = await failureOf(
    new MockActivityEnvironment({ attempt: 1 }).run(activities().createMigrationTask, input({ resume_offset: 300 })),
  );
  expect(failure.type).toBe(FailureType.ApiUnavailable);
  expect(failure.nonRetryable).toBe(false);
  expect(listedOffsets).toEqual([200]);
});

test('a first attempt without a resume point creates at once, with no look-up', async () => {
  mock
    .current()
    .get(OMS)
    .intercept({ method: 'POST', path: `/v2/${PROJECT}/tasks` })
    .reply(200, { id: 6666, task_name: 'task-first' });
  const out: CreateMigrationTaskOutput = await new MockActivityEnvironment({ attempt: 1 }).run(
    activities().createMigrationTask,
    input(),
  );
  expect(out).toMatchObject({ task_id: 6666, reattached: false });
  expect(out.calls).toMatchObject({ list: 0, create: 1 });
  expect(listedOffsets).toEqual([]);
});

test('a look-up that runs short of the attempt time hands its offset back instead of timing out and starting over', async () => {
  mock
    .current()
    .get(OMS)
    .intercept({ method: 'GET', path: (p: string) => p.startsWith(`/v2/${PROJECT}/tasks?`) })
    .reply(200, { tasks: tasks(0, 100), count: 300 })
    .delay(20);
  // Half of a 20 ms start-to-close is spent after the first (slow) page: the look-up stops at offset 100.
  const failure = await failureOf(
    new MockActivityEnvironment({ attempt: 2, startToCloseTimeoutMs: 20 }).run(
      activities().createMigrationTask,
      input(),
    ),
  );
  expect(failure.type).toBe(FailureType.LookupIncomplete);
  expect(failure.nonRetryable).toBe(true);
  expect((failure.details?.[0] as LookupIncompleteDetails).resume_offset).toBe(100);
});
