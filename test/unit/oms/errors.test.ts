import { errors as undiciErrors } from 'undici';

import {
  OmsApiError,
  OmsAuthError,
  OmsProtocolError,
  OmsQuotaError,
  OmsServerError,
  OmsTaskNotFoundError,
  OmsThrottledError,
  OmsTransportError,
  OmsValidationError,
  createOmsApiError,
  errorMarker,
} from '../../../activities/oms/errors';
import {
  API_ERROR_CODE_CLASSIFICATION,
  STATUS_CLASSIFICATION,
  TRANSPORT_ERROR_CODES,
  classifyResponse,
  classifyTransportError,
  parseErrorBody,
  parseRetryAfter,
  protocolError,
} from '../../../activities/oms/classify';
import type * as ErrorsModule from '../../../activities/oms/errors';
import type { OmsErrorCode } from '../../../activities/oms/errors';

type ErrorClass = abstract new (...args: never[]) => OmsApiError;

const omsBody = (code: string, msg = 'message'): string => JSON.stringify({ error_code: code, error_msg: msg });

describe('classifyResponse: one row per HTTP status', () => {
  const rows: [number, OmsErrorCode, ErrorClass][] = [
    [400, 'VALIDATION', OmsValidationError],
    [401, 'AUTH', OmsAuthError],
    [403, 'AUTH', OmsAuthError],
    [404, 'NOT_FOUND', OmsTaskNotFoundError],
    [405, 'VALIDATION', OmsValidationError],
    [406, 'VALIDATION', OmsValidationError],
    [408, 'SERVER', OmsServerError],
    [409, 'VALIDATION', OmsValidationError],
    [413, 'VALIDATION', OmsValidationError],
    [415, 'VALIDATION', OmsValidationError],
    [418, 'AUTH', OmsAuthError],
    [422, 'VALIDATION', OmsValidationError],
    [429, 'THROTTLED', OmsThrottledError],
    [500, 'SERVER', OmsServerError],
    [501, 'SERVER', OmsServerError],
    [502, 'SERVER', OmsServerError],
    [503, 'SERVER', OmsServerError],
    [504, 'SERVER', OmsServerError],
  ];

  test('the test covers every row of the table', () => {
    expect(rows.map(([status]) => String(status)).sort()).toEqual(Object.keys(STATUS_CLASSIFICATION).sort());
  });

  test.each(rows)('HTTP %i → %s', (status, code, cls) => {
    const err = classifyResponse(status, '', {});
    expect(err.code).toBe(code);
    expect(err).toBeInstanceOf(cls);
    expect(err.statusCode).toBe(status);
  });

  test.each([
    [402, 'VALIDATION'],
    [451, 'VALIDATION'],
    [507, 'SERVER'],
    [599, 'SERVER'],
    [200, 'PROTOCOL'],
    [204, 'PROTOCOL'],
    [302, 'PROTOCOL'],
  ])('unlisted HTTP %i falls back to %s', (status, code) => {
    expect(classifyResponse(status, '', {}).code).toBe(code);
  });
});

describe('classifyResponse: one row per API error code (overrides the status)', () => {
  const rows: [number, string, OmsErrorCode, ErrorClass][] = [
    [400, 'OMS.1009', 'NOT_FOUND', OmsTaskNotFoundError],
    [400, 'OMS.0075', 'QUOTA', OmsQuotaError],
    [400, 'OMS.0076', 'QUOTA', OmsQuotaError],
    [400, 'OMS.0077', 'QUOTA', OmsQuotaError],
    [403, 'OMS.0205', 'AUTH', OmsAuthError],
    [403, 'OMS.0206', 'AUTH', OmsAuthError],
    [503, 'OMS.2004', 'SERVER', OmsServerError],
    [404, 'APIGW.0101', 'VALIDATION', OmsValidationError],
    [401, 'APIGW.0301', 'AUTH', OmsAuthError],
    [401, 'APIG.0301', 'AUTH', OmsAuthError],
    [429, 'APIGW.0308', 'THROTTLED', OmsThrottledError],
    [429, 'APIG.0308', 'THROTTLED', OmsThrottledError],
  ];

  test('the test covers every row of the table', () => {
    expect(rows.map(([, apiCode]) => apiCode).sort()).toEqual(Object.keys(API_ERROR_CODE_CLASSIFICATION).sort());
  });

  test.each(rows)('HTTP %i %s → %s', (status, apiCode, code, cls) => {
    const err = classifyResponse(status, omsBody(apiCode), {});
    expect(err.code).toBe(code);
    expect(err).toBeInstanceOf(cls);
    expect(err.apiErrorCode).toBe(apiCode);
  });

  test.each([
    [400, 'OMS.0064', 'VALIDATION'],
    [400, 'OMS.0066', 'VALIDATION'],
    [400, 'OMS.0063', 'VALIDATION'],
    [500, 'OMS.9999', 'SERVER'],
  ])('an unlisted code keeps its status row: HTTP %i %s → %s', (status, apiCode, code) => {
    expect(classifyResponse(status, omsBody(apiCode), {}).code).toBe(code);
  });
});

describe('classifyTransportError: one row per transport error code', () => {
  test.each([...TRANSPORT_ERROR_CODES])('%s → OmsTransportError with the original as cause', (code) => {
    const original = Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
    const err = classifyTransportError(original, { operation: 'ShowTask' });
    expect(err).toBeInstanceOf(OmsTransportError);
    expect(err?.code).toBe('TRANSPORT');
    expect(err?.cause).toBe(original);
    expect(err?.message).toBe(`OMS ShowTask failed: transport error ${code} (connect ${code} 10.0.0.1:443)`);
  });

  test.each([
    ['HeadersTimeoutError', new undiciErrors.HeadersTimeoutError(), 'UND_ERR_HEADERS_TIMEOUT'],
    ['BodyTimeoutError', new undiciErrors.BodyTimeoutError(), 'UND_ERR_BODY_TIMEOUT'],
    ['ConnectTimeoutError', new undiciErrors.ConnectTimeoutError(), 'UND_ERR_CONNECT_TIMEOUT'],
    ['SocketError', new undiciErrors.SocketError('other side closed'), 'UND_ERR_SOCKET'],
  ])('undici %s instance is recognised', (_name, original, code) => {
    expect(classifyTransportError(original)?.message).toContain(`transport error ${code}`);
  });

  test('finds the code on a cause chain and inside an AggregateError', () => {
    const nested = new Error('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
    expect(classifyTransportError(nested)?.message).toContain('ECONNRESET');
    const aggregate = new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'all failed');
    expect(classifyTransportError(aggregate)?.message).toContain('ECONNREFUSED');
  });

  test.each([
    ['an invalid-argument programming error', new undiciErrors.InvalidArgumentError('bad')],
    ['an aborted request', new undiciErrors.RequestAbortedError()],
    ['a plain Error', new Error('boom')],
    ['a TypeError', new TypeError('x is not a function')],
    ['a DOMException AbortError', new DOMException('aborted', 'AbortError')],
    ['a string', 'ECONNRESET'],
    ['null', null],
  ])('returns undefined (caller rethrows) for %s', (_name, err) => {
    expect(classifyTransportError(err)).toBeUndefined();
  });
});

describe('parseErrorBody: the official SDK precedence', () => {
  test.each([
    [
      'OMS body with error_detail',
      '{"error_code":"OMS.0064","error_msg":"Invalid request parameters.","error_detail":"request parameter [description] invalid."}',
      { code: 'OMS.0064', message: 'Invalid request parameters. (request parameter [description] invalid.)' },
    ],
    [
      'gateway body with request_id',
      '{"error_msg":"Incorrect IAM authentication information: x-auth-token not found","error_code":"APIGW.0301","request_id":"gw-1"}',
      {
        code: 'APIGW.0301',
        message: 'Incorrect IAM authentication information: x-auth-token not found',
        requestId: 'gw-1',
      },
    ],
    ['camelCase body', '{"errorCode":"X.1","errorMsg":"camel"}', { code: 'X.1', message: 'camel' }],
    ['code/message body', '{"code":"Y.2","message":"plain"}', { code: 'Y.2', message: 'plain' }],
    [
      'IAM Keystone body (nested, integer code)',
      '{"error":{"code":401,"message":"Authentication failed","title":"Unauthorized"}}',
      { code: '401', message: 'Authentication failed' },
    ],
    [
      'error_code wins over code/message',
      '{"code":"Z","message":"m","error_code":"OMS.1009","error_msg":"No resources found"}',
      { code: 'OMS.1009', message: 'No resources found' },
    ],
    [
      'non-JSON text',
      '<html>\n  <body>Bad   Gateway</body>\n</html>',
      { message: '<html> <body>Bad Gateway</body> </html>' },
    ],
    ['empty body', '', {}],
    ['JSON without error fields', '{"foo":1}', { message: '{"foo":1}' }],
    ['JSON array', '[1,2]', { message: '[1,2]' }],
  ])('%s', (_name, body, expected) => {
    expect(parseErrorBody(body)).toEqual(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  test.each([
    ['delay-seconds', '7', 7000],
    ['zero seconds', '0', 0],
    ['HTTP-date in the future', 'Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['HTTP-date in the past', 'Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['repeated header (first wins)', ['3', '9'], 3000],
    ['garbage', 'soon', undefined],
    ['negative number', '-5', undefined],
    ['absent', undefined, undefined],
  ])('%s', (_name, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('classifyResponse: messages and fields', () => {
  test('formats the message from operation, status, code, message, detail and request id', () => {
    const err = classifyResponse(
      400,
      '{"error_code":"OMS.0064","error_msg":"Invalid request parameters.","error_detail":"request parameter [description] invalid."}',
      { 'x-request-id': 'req-123' },
      { operation: 'CreateTask' },
    );
    expect(err.message).toBe(
      'OMS CreateTask failed: HTTP 400 OMS.0064 Invalid request parameters. (request parameter [description] invalid.) [request id req-123]',
    );
    expect(err).toMatchObject({
      statusCode: 400,
      apiErrorCode: 'OMS.0064',
      apiErrorMessage: 'Invalid request parameters. (request parameter [description] invalid.)',
      requestId: 'req-123',
      operation: 'CreateTask',
    });
  });

  test('uses the gateway body request_id when there is no X-Request-Id header', () => {
    const err = classifyResponse(401, '{"error_code":"APIGW.0301","error_msg":"m","request_id":"gw-9"}', {});
    expect(err.requestId).toBe('gw-9');
  });

  test('prefixes IAM errors with the IAM service name', () => {
    const err = classifyResponse(
      401,
      '{"error":{"code":401,"message":"Authentication failed"}}',
      {},
      {
        service: 'IAM',
        operation: 'KeystoneCreateUserTokenByPassword',
      },
    );
    expect(err.message).toBe('IAM KeystoneCreateUserTokenByPassword failed: HTTP 401 401 Authentication failed');
  });

  test('reads Retry-After (seconds and HTTP-date relative to the injected clock)', () => {
    expect(classifyResponse(429, '', { 'retry-after': '12' }).retryAfterMs).toBe(12_000);
    const now = new Date('2026-01-01T00:00:00Z');
    expect(classifyResponse(503, '', { 'Retry-After': 'Thu, 01 Jan 2026 00:01:00 GMT' }, { now }).retryAfterMs).toBe(
      60_000,
    );
  });

  test('scrubs server text with the redactor and truncates huge bodies', () => {
    const err = classifyResponse(
      400,
      omsBody('OMS.0064', 'bad sk SECRET-SK'),
      {},
      {
        redact: (t) => t.split('SECRET-SK').join('***'),
      },
    );
    expect(err.message).not.toContain('SECRET-SK');
    expect(err.apiErrorMessage).toBe('bad sk ***');

    const html = classifyResponse(502, `<html>${'x'.repeat(5000)}</html>`, {});
    expect(html.apiErrorMessage?.length).toBeLessThanOrEqual(513);
    expect(html.message.length).toBeLessThan(600);
  });

  test('a non-error status reaching the classifier is a protocol error', () => {
    const err = classifyResponse(302, '', {}, { operation: 'ShowTask' });
    expect(err).toBeInstanceOf(OmsProtocolError);
    expect(err.message).toBe('OMS ShowTask failed: HTTP 302 unexpected response status');
  });

  test('protocolError describes the problem without quoting the body', () => {
    const err = protocolError('response body is not valid JSON', 200, { 'x-request-id': 'r' }, { operation: 'X' });
    expect(err.message).toBe('OMS X failed: HTTP 200 response body is not valid JSON [request id r]');
    expect(err.cause).toBeUndefined();
  });
});

describe('error classes', () => {
  const codes: OmsErrorCode[] = [
    'TRANSPORT',
    'SERVER',
    'THROTTLED',
    'AUTH',
    'VALIDATION',
    'NOT_FOUND',
    'PROTOCOL',
    'QUOTA',
  ];

  test.each(codes)('%s: name on the prototype, stable code, is() guards', (code) => {
    const err = createOmsApiError(code, { message: 'm' });
    expect(Object.prototype.hasOwnProperty.call(err, 'name')).toBe(false);
    expect(err.name).toBe(err.constructor.name);
    expect(err.name).toMatch(/^Oms\w+Error$/);
    expect(err).toBeInstanceOf(OmsApiError);
    expect(err).toBeInstanceOf(Error);
    expect(OmsApiError.is(err)).toBe(true);
    expect(err.code).toBe(code);
    expect(String(err.stack)).toContain(err.name);
    // markers are not enumerable: they never show up in JSON or details
    expect(Object.keys(err)).not.toContain(errorMarker(code).toString());
    expect(JSON.stringify(err)).not.toContain('oms-orchestrator');
  });

  test('subclass guards accept only their own code', () => {
    const throttled = new OmsThrottledError({ message: 'm' });
    expect(OmsThrottledError.is(throttled)).toBe(true);
    expect(OmsServerError.is(throttled)).toBe(false);
    expect(OmsApiError.is(new Error('plain'))).toBe(false);
    expect(OmsApiError.is(null)).toBe(false);
    expect(OmsApiError.is('OmsApiError')).toBe(false);
  });

  test('guards work across module copies (Symbol.for markers, not instanceof)', () => {
    let foreign: unknown;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const other = require('../../../activities/oms/errors') as typeof ErrorsModule;
      foreign = new other.OmsQuotaError({ message: 'from another registry' });
    });
    expect(foreign).not.toBeInstanceOf(OmsQuotaError);
    expect(OmsQuotaError.is(foreign)).toBe(true);
    expect(OmsApiError.is(foreign)).toBe(true);
  });
});
