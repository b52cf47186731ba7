import {
  ApplicationFailure,
  CancelledFailure,
  DefaultFailureConverter,
  defaultPayloadConverter,
} from '@temporalio/common';
import { MockAgent } from 'undici';

import { OmsClient } from '../../../activities/oms/client';
import {
  OmsAuthError,
  OmsProtocolError,
  OmsQuotaError,
  OmsServerError,
  OmsTaskNotFoundError,
  OmsThrottledError,
  OmsTransportError,
  OmsValidationError,
} from '../../../activities/oms/errors';
import type * as ErrorsModule from '../../../activities/oms/errors';
import type { OmsApiError, OmsApiErrorOptions } from '../../../activities/oms/errors';
import { DEFAULT_QUOTA_RETRY_DELAY_MS, toApplicationFailure } from '../../../activities/to-application-failure';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from '../../../workflows/failure-types';

type OmsErrorClass = new (options: OmsApiErrorOptions) => OmsApiError;

const fields: OmsApiErrorOptions = {
  message: 'OMS ShowTask failed: HTTP 400 OMS.1009 No resources found [request id r-1]',
  statusCode: 400,
  apiErrorCode: 'OMS.1009',
  apiErrorMessage: 'No resources found',
  requestId: 'r-1',
  operation: 'ShowTask',
};

function mapped(err: unknown): ApplicationFailure {
  const failure = toApplicationFailure(err);
  if (!(failure instanceof ApplicationFailure)) throw new Error('expected an ApplicationFailure');
  return failure;
}

describe('FailureType contract', () => {
  test('values equal their keys (they are persisted in history)', () => {
    for (const [key, value] of Object.entries(FailureType)) expect(value).toBe(key);
    // 17 raised by the migration path and the worker, 2 by batches, 4 item outcomes without a failure of their own.
    expect(Object.keys(FailureType)).toHaveLength(23);
  });

  test('the non-retryable list', () => {
    expect([...NON_RETRYABLE_FAILURE_TYPES].sort()).toEqual(
      [
        'ApiAuth',
        'InvalidRequest',
        'TaskNotFound',
        'ApiProtocol',
        'TaskFailed',
        'InvalidMigrationInput',
        'MigrationFailed',
        'CredentialsMissing',
        'LookupIncomplete',
      ].sort(),
    );
  });
});

describe('toApplicationFailure: OMS errors', () => {
  test.each<[string, OmsErrorClass, string, boolean]>([
    ['OmsTransportError', OmsTransportError, FailureType.ApiUnavailable, false],
    ['OmsServerError', OmsServerError, FailureType.ApiUnavailable, false],
    ['OmsThrottledError', OmsThrottledError, FailureType.ApiThrottled, false],
    ['OmsAuthError', OmsAuthError, FailureType.ApiAuth, true],
    ['OmsValidationError', OmsValidationError, FailureType.InvalidRequest, true],
    ['OmsTaskNotFoundError', OmsTaskNotFoundError, FailureType.TaskNotFound, true],
    ['OmsProtocolError', OmsProtocolError, FailureType.ApiProtocol, true],
    ['OmsQuotaError', OmsQuotaError, FailureType.QuotaExceeded, false],
  ])('%s → type %s, nonRetryable %s', (_name, cls, type, nonRetryable) => {
    const err = new cls(fields);
    const failure = mapped(err);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
    expect(failure.message).toBe(fields.message);
    expect(failure.cause).toBe(err);
    expect(failure.details).toEqual([
      { statusCode: 400, apiErrorCode: 'OMS.1009', apiErrorMessage: 'No resources found', requestId: 'r-1' },
    ]);
  });

  test('details omit absent fields (transport errors have no status)', () => {
    const failure = mapped(new OmsTransportError({ message: 'OMS ShowTask failed: transport error ECONNRESET' }));
    expect(failure.details).toEqual([{}]);
  });

  test.each<[string, OmsApiError, number | undefined]>([
    ['throttled with Retry-After', new OmsThrottledError({ message: 'm', retryAfterMs: 7000 }), 7000],
    ['throttled without Retry-After', new OmsThrottledError({ message: 'm' }), undefined],
    ['server with Retry-After', new OmsServerError({ message: 'm', retryAfterMs: 30_000 }), 30_000],
    ['server without Retry-After', new OmsServerError({ message: 'm' }), undefined],
    [
      'Retry-After of zero keeps the policy backoff',
      new OmsThrottledError({ message: 'm', retryAfterMs: 0 }),
      undefined,
    ],
    ['quota uses the long default delay', new OmsQuotaError({ message: 'm' }), DEFAULT_QUOTA_RETRY_DELAY_MS],
    ['quota honours Retry-After', new OmsQuotaError({ message: 'm', retryAfterMs: 90_000 }), 90_000],
    ['transport has none', new OmsTransportError({ message: 'm' }), undefined],
    ['validation ignores Retry-After', new OmsValidationError({ message: 'm', retryAfterMs: 5000 }), undefined],
  ])('nextRetryDelay: %s', (_name, err, expected) => {
    expect(mapped(err).nextRetryDelay).toBe(expected);
  });

  test('the quota delay is configurable', () => {
    const failure = toApplicationFailure(new OmsQuotaError({ message: 'm' }), { quotaRetryDelayMs: 3_600_000 });
    expect((failure as ApplicationFailure).nextRetryDelay).toBe(3_600_000);
    expect(DEFAULT_QUOTA_RETRY_DELAY_MS).toBe(600_000);
  });

  test('errors from another copy of the errors module are still recognised', () => {
    let foreign: unknown;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const other = require('../../../activities/oms/errors') as typeof ErrorsModule;
      foreign = new other.OmsThrottledError({ message: 'm', retryAfterMs: 1000 });
    });
    const failure = mapped(foreign);
    expect(failure.type).toBe(FailureType.ApiThrottled);
    expect(failure.nextRetryDelay).toBe(1000);
  });
});

describe('toApplicationFailure: everything else', () => {
  test('an existing ApplicationFailure passes through untouched', () => {
    const failure = ApplicationFailure.nonRetryable('task failed', FailureType.TaskFailed);
    expect(toApplicationFailure(failure)).toBe(failure);
  });

  test('a CancelledFailure passes through untouched', () => {
    const cancelled = new CancelledFailure('CANCELLED');
    expect(toApplicationFailure(cancelled)).toBe(cancelled);
  });

  test.each([
    ['a TypeError', new TypeError('cannot read properties of undefined')],
    ['a plain Error', new Error('bug')],
    ['a DOMException AbortError', new DOMException('aborted', 'AbortError')],
    ['a string', 'thrown string'],
  ])('%s is rethrown as it is', (_name, err) => {
    let thrown: unknown;
    try {
      toApplicationFailure(err);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(err);
  });
});

describe('no secrets reach workflow history', () => {
  test('a server echoing credentials, token and body: nothing secret in the serialized failure', async () => {
    const secrets = ['SRC-SK-222', 'DST-SK-444', 'SRC-AK-111', 'MY-SECRET-SK', 'MY-AK-ID', 'temp-sec-token'];
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://oms.example.com')
      .intercept({ method: 'POST', path: '/v2/proj-1/tasks' })
      .reply(
        400,
        JSON.stringify({
          error_code: 'OMS.0064',
          error_msg: `echo ${secrets.join(',')}`,
          error_detail: secrets.join(' '),
        }),
        { headers: { 'x-request-id': 'req-9' } },
      );
    const client = new OmsClient({
      omsEndpoint: 'https://oms.example.com',
      projectId: 'proj-1',
      auth: { mode: 'aksk', ak: 'MY-AK-ID', sk: 'MY-SECRET-SK', securityToken: 'temp-sec-token' },
      dispatcher: agent,
    });

    let failure: unknown;
    try {
      await client.createTask({
        src_node: { ak: 'SRC-AK-111', sk: 'SRC-SK-222', bucket: 'b', region: 'r' },
        dst_node: { ak: 'DST-AK-333', sk: 'DST-SK-444', bucket: 'b', region: 'r' },
      });
    } catch (err) {
      failure = toApplicationFailure(err);
    }
    agent.assertNoPendingInterceptors();
    await agent.close();

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe(FailureType.InvalidRequest);
    // What the worker would persist: the proto Failure incl. message, stack, details payloads and cause chain.
    const proto = new DefaultFailureConverter().errorToFailure(failure, defaultPayloadConverter);
    const serialized = JSON.stringify(proto, (_k, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v,
    );
    expect(serialized).toContain('OMS.0064');
    expect(serialized).toContain('req-9');
    for (const secret of secrets) expect(serialized).not.toContain(secret);
    expect(serialized.toLowerCase()).not.toContain('authorization');
    expect(serialized.toLowerCase()).not.toContain('x-auth-token');
  });
});
