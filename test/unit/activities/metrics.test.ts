/**
 * The activity-side metrics: the result labels of OMS/IAM calls (from the HTTP client's request events), token
 * fetches, and the status detection delay as defined from OMS's own timestamps — recorded on the activity's meter.
 */
import type { MetricCounter, MetricGauge, MetricHistogram, MetricMeter, MetricTags } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

import {
  ACTIVITY_METRICS,
  activityMeter,
  apiResult,
  countTokenRefresh,
  recordApiRequest,
  recordStatusDetection,
  statusChangedAt,
  statusClass,
} from '../../../activities/metrics';
import { OmsClient } from '../../../activities/oms/client';
import { OmsAuthError } from '../../../activities/oms/errors';
import type { RequestEvent } from '../../../activities/oms/http';
import type { TokenProvider } from '../../../activities/oms/token-cache';
import type { PollMigrationTaskInput } from '../../../workflows/activity-types';

import { OMS, PROJECT, activitiesOn, useMockOms } from './mock-oms';

interface Recorded {
  name: string;
  kind: string;
  value: number;
  tags: MetricTags;
}

/** A meter that keeps every value recorded on it. */
function recordingMeter(): { meter: MetricMeter; records: Recorded[] } {
  const records: Recorded[] = [];
  const metric = (name: string, kind: string) => ({
    name,
    kind,
    valueType: 'int' as const,
    add: (value: number, tags: MetricTags = {}) => void records.push({ name, kind, value, tags }),
    record: (value: number, tags: MetricTags = {}) => void records.push({ name, kind, value, tags }),
    set: (value: number, tags: MetricTags = {}) => void records.push({ name, kind, value, tags }),
    withTags() {
      return this;
    },
  });
  const meter: MetricMeter = {
    createCounter: (name) => metric(name, 'counter') as unknown as MetricCounter,
    createHistogram: (name) => metric(name, 'histogram') as unknown as MetricHistogram,
    createGauge: (name) => metric(name, 'gauge') as unknown as MetricGauge,
    withTags: () => meter,
  };
  return { meter, records };
}

const mock = useMockOms();

/** An OMS client in token mode whose tokens come from `tokens` in turn, reporting every attempt to `events`. */
function client(events: RequestEvent[], ...tokens: string[]): OmsClient {
  let next = 0;
  const tokenProvider: TokenProvider = {
    getToken: () => Promise.resolve(tokens[Math.min(next++, tokens.length - 1)]!),
    invalidate: () => undefined,
  };
  return new OmsClient({
    omsEndpoint: OMS,
    projectId: PROJECT,
    auth: { mode: 'token', tokenProvider },
    dispatcher: mock.current(),
    onRequest: (e) => void events.push(e),
  });
}

const task = (status: number, extra: Record<string, unknown> = {}) => ({ id: 7, name: 't', status, ...extra });

describe('OMS call results', () => {
  test('a 401 and its refreshed retry are an auth error (4xx) and an ok (2xx)', async () => {
    const pool = mock.current().get(OMS);
    pool.intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks/7` }).reply(401, { error_code: 'APIGW.0301' });
    pool.intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks/7` }).reply(200, task(2));
    const events: RequestEvent[] = [];
    await client(events, 'old', 'new').showTask(7);
    expect(events.map((e) => [apiResult(e), statusClass(e.statusCode)])).toEqual([
      ['auth', '4xx'],
      ['ok', '2xx'],
    ]);
  });

  test.each([
    [503, {}, 'server', '5xx'],
    [429, {}, 'throttled', '4xx'],
    [400, { error_code: 'OMS.1009', error_msg: 'no such task' }, 'not_found', '4xx'],
    [400, { error_code: 'OMS.0075', error_msg: 'quota' }, 'quota', '4xx'],
    [400, { error_code: 'OMS.0001', error_msg: 'bad' }, 'validation', '4xx'],
  ])('HTTP %i %j is %s (%s)', async (status, body, result, cls) => {
    mock
      .current()
      .get(OMS)
      .intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks/7` })
      .reply(status, body);
    const events: RequestEvent[] = [];
    await client(events, 'tok')
      .showTask(7)
      .catch(() => undefined);
    expect(events).toHaveLength(1);
    expect([apiResult(events[0]!), statusClass(events[0]!.statusCode)]).toEqual([result, cls]);
  });

  test('a connection reset is a transport error without a status; a cancelled call is cancelled', async () => {
    const pool = mock.current().get(OMS);
    pool
      .intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks/7` })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    pool
      .intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks/7` })
      .reply(200, task(2))
      .delay(500);
    const events: RequestEvent[] = [];
    await client(events, 'tok')
      .showTask(7)
      .catch(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 10);
    await client(events, 'tok')
      .showTask(7, { signal: controller.signal })
      .catch(() => undefined);
    expect(events.map((e) => [apiResult(e), statusClass(e.statusCode)])).toEqual([
      ['transport', 'none'],
      ['cancelled', 'none'],
    ]);
  });

  test('each attempt is one count by operation, result and status class, and one duration in seconds', () => {
    const { meter, records } = recordingMeter();
    recordApiRequest({ operation: 'CreateTask', statusCode: 503, errorCode: 'SERVER', durationMs: 250 }, meter);
    expect(records).toEqual([
      {
        name: 'oms_api_requests_total',
        kind: 'counter',
        value: 1,
        tags: { operation: 'CreateTask', result: 'server', status_class: '5xx' },
      },
      { name: 'oms_api_request_duration_seconds', kind: 'histogram', value: 0.25, tags: { operation: 'CreateTask' } },
    ]);
  });
});

describe('IAM token fetches', () => {
  test('are counted by result, and the fetch result or error passes through unchanged', async () => {
    const { meter, records } = recordingMeter();
    await expect(countTokenRefresh(Promise.resolve('tok'), () => meter)).resolves.toBe('tok');
    const refused = new OmsAuthError({ message: 'IAM refused the password', statusCode: 401 });
    await expect(countTokenRefresh(Promise.reject(refused), () => meter)).rejects.toBe(refused);
    await expect(countTokenRefresh(Promise.reject(new TypeError('x')), () => meter)).rejects.toThrow('x');
    expect(records.map((r) => [r.name, r.tags.result])).toEqual([
      ['oms_iam_token_refreshes_total', 'ok'],
      ['oms_iam_token_refreshes_total', 'auth'],
      ['oms_iam_token_refreshes_total', 'unknown'],
    ]);
  });
});

describe('status detection delay', () => {
  test('dates EXECUTING by start_time and a final status by start_time + total_time; other statuses not at all', () => {
    expect(statusChangedAt({ status: 2, start_time: 1_000, total_time: 500 })).toBe(1_000);
    for (const status of [3, 4, 5]) expect(statusChangedAt({ status, start_time: 1_000, total_time: 500 })).toBe(1_500);
    expect(statusChangedAt({ status: 1, start_time: 1_000, total_time: 0 })).toBeUndefined();
    expect(statusChangedAt({ status: 7, start_time: 1_000, total_time: 500 })).toBeUndefined();
    expect(statusChangedAt({ status: 4, start_time: 0, total_time: 0 })).toBeUndefined();
  });

  test('is the poll time minus that instant, by status name; a negative one (clock skew) counts as 0', () => {
    const { meter, records } = recordingMeter();
    expect(recordStatusDetection({ status: 5, start_time: 10_000, total_time: 2_000 }, 12_750, meter)).toBe(0.75);
    expect(recordStatusDetection({ status: 2, start_time: 10_000, total_time: 0 }, 9_000, meter)).toBe(0);
    expect(recordStatusDetection({ status: 1, start_time: 0, total_time: 0 }, 9_000, meter)).toBeUndefined();
    expect(records).toEqual([
      {
        name: ACTIVITY_METRICS.statusDetectionDelay.name,
        kind: 'histogram',
        value: 0.75,
        tags: { status: 'SUCCEEDED' },
      },
      { name: ACTIVITY_METRICS.statusDetectionDelay.name, kind: 'histogram', value: 0, tags: { status: 'EXECUTING' } },
    ]);
  });

  test('the poll that sees a new status records its delay and its ShowTask on the activity meter', async () => {
    const startTime = Date.now() - 60_000;
    mock
      .current()
      .get(OMS)
      .intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks/7` })
      .reply(200, task(5, { start_time: startTime, total_time: 59_000, progress: 1 }));
    const { meter, records } = recordingMeter();
    const input: PollMigrationTaskInput = {
      task_id: 7,
      api_profile: 'default',
      known_status: 2,
      known_checkpoint: 5,
      poll_interval_ms: 30_000,
      min_poll_interval_ms: 5_000,
    };
    const env = new MockActivityEnvironment({ attempt: 1, activityType: 'pollMigrationTask' }, { metricMeter: meter });
    await env.run(activitiesOn(mock.current()).pollMigrationTask, input);
    const detection = records.find((r) => r.name === 'oms_status_detection_delay_seconds')!;
    expect(detection.tags.status).toBe('SUCCEEDED');
    expect(detection.tags.activityType).toBe('pollMigrationTask'); // added by the SDK's activity meter
    expect(detection.value).toBeGreaterThanOrEqual(1);
    expect(detection.value).toBeLessThan(30);
    expect(records.find((r) => r.name === 'oms_api_requests_total')?.tags).toMatchObject({
      operation: 'ShowTask',
      result: 'ok',
      status_class: '2xx',
    });
  });

  test('outside an activity the meter is the no-op meter', () => {
    expect(() => activityMeter().createCounter('oms_x_total').add(1)).not.toThrow();
  });
});
