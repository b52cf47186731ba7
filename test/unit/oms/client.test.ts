import { createHash, createHmac } from 'node:crypto';

import { MockAgent, errors as undiciErrors } from 'undici';
import type { MockInterceptor } from 'undici/types/mock-interceptor';

import { OmsClient } from '../../../activities/oms/client';
import type { OmsClientOptions } from '../../../activities/oms/client';
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
} from '../../../activities/oms/errors';
import type { RequestEvent } from '../../../activities/oms/http';
import { fetchIamToken } from '../../../activities/oms/iam';
import { TokenCache } from '../../../activities/oms/token-cache';
import type { TokenProvider } from '../../../activities/oms/token-cache';
import type { CreateTaskReq, StartTaskReq, TaskResp } from '../../../activities/oms/wire-types';

const OMS = 'https://oms.example.com';
const IAM = 'https://iam.example.com';
const PROJECT = 'proj-1';
const NOW = new Date('2026-03-01T12:00:00Z');

let agent: MockAgent;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

/** A TokenProvider handing out the given tokens in order and recording invalidations. */
function fakeTokens(...tokens: string[]): { provider: TokenProvider; gets: () => number; invalidated: unknown[] } {
  let gets = 0;
  const invalidated: unknown[] = [];
  return {
    provider: {
      getToken: () => Promise.resolve(tokens[Math.min(gets++, tokens.length - 1)] ?? 'none'),
      invalidate: (stale) => {
        invalidated.push(stale);
      },
    },
    gets: () => gets,
    invalidated,
  };
}

function tokenClient(provider: TokenProvider, extra: Partial<OmsClientOptions> = {}): OmsClient {
  return new OmsClient({
    omsEndpoint: OMS,
    projectId: PROJECT,
    auth: { mode: 'token', tokenProvider: provider },
    dispatcher: agent,
    now: () => NOW,
    ...extra,
  });
}

type Captured = { method: string; path: string; headers: Record<string, string>; body: string | undefined };

/** Intercepts one request, records it, and replies. */
function expectCall(
  method: string,
  path: string,
  reply: { status?: number; body?: unknown; headers?: Record<string, string> } = {},
  origin = OMS,
): Captured[] {
  const seen: Captured[] = [];
  agent
    .get(origin)
    .intercept({ method, path })
    .reply((opts: MockInterceptor.MockResponseCallbackOptions) => {
      seen.push({
        method: opts.method,
        path: opts.path,
        headers: lowerCaseHeaders(opts.headers),
        body: typeof opts.body === 'string' ? opts.body : undefined,
      });
      const data =
        reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      return { statusCode: reply.status ?? 200, data, responseOptions: { headers: reply.headers ?? {} } };
    });
  return seen;
}

function lowerCaseHeaders(headers: MockInterceptor.MockResponseCallbackOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  const entries: Iterable<[string, string]> =
    typeof (headers as Headers).entries === 'function' ? (headers as Headers).entries() : Object.entries(headers);
  for (const [k, v] of entries) out[k.toLowerCase()] = v;
  return out;
}

function task(id: number, extra: Partial<TaskResp> = {}): TaskResp {
  return { id, name: `task-${id}`, status: 2, ...extra };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const createReq: CreateTaskReq = {
  task_type: 'prefix',
  src_node: {
    cloud_type: 'AWS',
    region: 'us-east-1',
    bucket: 'src',
    ak: 'SRC-AK-111',
    sk: 'SRC-SK-222',
    object_key: [''],
  },
  dst_node: { region: 'cn-north-4', bucket: 'dst', ak: 'DST-AK-333', sk: 'DST-SK-444' },
  description: 'oms-orchestrator:migration/job-1',
};

describe('OmsClient request shapes (token auth)', () => {
  test('createTask POSTs the body to /v2/{project_id}/tasks with X-Auth-Token and returns {id, task_name}', async () => {
    const seen = expectCall('POST', '/v2/proj-1/tasks', { body: { id: 200477729979132, task_name: 'src-dst-2026' } });
    const client = tokenClient(fakeTokens('tok-1').provider);

    await expect(client.createTask(createReq)).resolves.toEqual({ id: 200477729979132, task_name: 'src-dst-2026' });

    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers).toMatchObject({ 'content-type': 'application/json', 'x-auth-token': 'tok-1' });
    expect(seen[0]?.headers.authorization).toBeUndefined();
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual(createReq);
  });

  test('showTask GETs /v2/{project_id}/tasks/{task_id} and returns the TaskResp as-is', async () => {
    const body = task(42, { error_reason: '', progress: 0.5, src_node: { bucket: 'src', object_key: [''] } });
    const seen = expectCall('GET', '/v2/proj-1/tasks/42', { body });
    await expect(tokenClient(fakeTokens('tok').provider).showTask(42)).resolves.toEqual(body);
    expect(seen[0]?.body).toBeUndefined();
  });

  test('listTasks sends every filter, RFC 3986-encoded, in a fixed order', async () => {
    expectCall('GET', '/v2/proj-1/tasks?limit=10&offset=20&status=2&group_id=g%201&task_name=my%20task', {
      body: { tasks: [task(1)], count: 21 },
    });
    const res = await tokenClient(fakeTokens('tok').provider).listTasks({
      limit: 10,
      offset: 20,
      status: 2,
      group_id: 'g 1',
      task_name: 'my task',
    });
    expect(res).toEqual({ tasks: [task(1)], count: 21 });
  });

  test('listTasks without filters sends no query string', async () => {
    expectCall('GET', '/v2/proj-1/tasks', { body: { tasks: [], count: 0 } });
    await expect(tokenClient(fakeTokens('tok').provider).listTasks()).resolves.toEqual({ tasks: [], count: 0 });
  });

  test('startTask POSTs the credentials body to …/start and accepts an empty 200', async () => {
    const req: StartTaskReq = { src_ak: 'a', src_sk: 'b', dst_ak: 'c', dst_sk: 'd', migrate_failed_object: true };
    const seen = expectCall('POST', '/v2/proj-1/tasks/42/start');
    await expect(tokenClient(fakeTokens('tok').provider).startTask(42, req)).resolves.toBeUndefined();
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual(req);
  });

  test('stopTask POSTs …/stop without a body', async () => {
    const seen = expectCall('POST', '/v2/proj-1/tasks/42/stop');
    await tokenClient(fakeTokens('tok').provider).stopTask(42);
    expect(seen[0]?.body).toBeUndefined();
  });

  test('deleteTask sends DELETE /v2/{project_id}/tasks/{task_id}', async () => {
    expectCall('DELETE', '/v2/proj-1/tasks/42');
    await expect(tokenClient(fakeTokens('tok').provider).deleteTask(42)).resolves.toBeUndefined();
  });

  test('updateBandwidthPolicy PUTs {bandwidth_policy} to …/bandwidth-policy', async () => {
    const policies = [{ start: '00:00', end: '06:00', max_bandwidth: 52_428_800 }];
    const seen = expectCall('PUT', '/v2/proj-1/tasks/42/bandwidth-policy');
    await tokenClient(fakeTokens('tok').provider).updateBandwidthPolicy(42, policies);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ bandwidth_policy: policies });
  });

  test('listApiVersions GETs /', async () => {
    const body = { versions: [{ id: 'v2', status: 'CURRENT', links: [{ href: `${OMS}/v2`, rel: 'self' }] }] };
    expectCall('GET', '/', { body });
    await expect(tokenClient(fakeTokens('tok').provider).listApiVersions()).resolves.toEqual(body);
  });

  test('keeps an endpoint path prefix and strips trailing slashes', async () => {
    expectCall('GET', '/oms-api/v2/proj-1/tasks/7', { body: task(7) });
    const client = tokenClient(fakeTokens('tok').provider, { omsEndpoint: `${OMS}/oms-api/` });
    await expect(client.showTask(7)).resolves.toMatchObject({ id: 7 });
  });

  test.each([-1, 1.5, Number.NaN, 2 ** 53])('rejects task id %p with a TypeError before any request', async (id) => {
    await expect(tokenClient(fakeTokens('tok').provider).showTask(id)).rejects.toThrow(TypeError);
  });
});

describe('token refresh on 401', () => {
  const gateway401 = {
    status: 401,
    body: {
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: token expires',
      request_id: 'g',
    },
  };

  test('invalidates the token, fetches a new one and sends the call once more', async () => {
    const tokens = fakeTokens('tok-old', 'tok-new');
    const first = expectCall('GET', '/v2/proj-1/tasks/42', gateway401);
    const second = expectCall('GET', '/v2/proj-1/tasks/42', { body: task(42) });

    await expect(tokenClient(tokens.provider).showTask(42)).resolves.toMatchObject({ id: 42 });

    expect(first[0]?.headers['x-auth-token']).toBe('tok-old');
    expect(second[0]?.headers['x-auth-token']).toBe('tok-new');
    expect(tokens.gets()).toBe(2);
    expect(tokens.invalidated).toEqual(['tok-old']);
  });

  test('a second 401 is final: OmsAuthError after exactly two attempts', async () => {
    const tokens = fakeTokens('tok-1', 'tok-2');
    expectCall('POST', '/v2/proj-1/tasks', gateway401);
    expectCall('POST', '/v2/proj-1/tasks', gateway401);

    const err = await caught(tokenClient(tokens.provider).createTask(createReq));

    expect(err).toBeInstanceOf(OmsAuthError);
    expect((err as OmsAuthError).apiErrorCode).toBe('APIGW.0301');
    expect(tokens.gets()).toBe(2);
    // the MockAgent would reject a third request (disableNetConnect, no interceptor left)
  });

  test('403 is not refreshed', async () => {
    const tokens = fakeTokens('tok');
    expectCall('GET', '/v2/proj-1/tasks/1', {
      status: 403,
      body: { error_code: 'OMS.0206', error_msg: 'Insufficient permissions.' },
    });
    await expect(tokenClient(tokens.provider).showTask(1)).rejects.toBeInstanceOf(OmsAuthError);
    expect(tokens.gets()).toBe(1);
  });

  test('with TokenCache + fetchIamToken: one IAM call per token, reported to onRequest', async () => {
    const events: RequestEvent[] = [];
    const onRequest = (e: RequestEvent): void => {
      events.push(e);
    };
    const iamReply = (token: string) => ({
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: { token: { expires_at: '2026-03-02T12:00:00.000000Z', issued_at: '2026-03-01T12:00:00.000000Z' } },
    });
    expectCall('POST', '/v3/auth/tokens?nocatalog=true', iamReply('iam-tok-1'), IAM);
    expectCall('POST', '/v3/auth/tokens?nocatalog=true', iamReply('iam-tok-2'), IAM);
    const first = expectCall('GET', '/v2/proj-1/tasks/5', gateway401);
    const second = expectCall('GET', '/v2/proj-1/tasks/5', { body: task(5) });
    const third = expectCall('GET', '/v2/proj-1/tasks/5', { body: task(5) });
    const cache = new TokenCache({
      now: () => NOW,
      fetchToken: () =>
        fetchIamToken({
          iamEndpoint: IAM,
          user: 'u',
          password: 'pw',
          domainName: 'd',
          projectId: PROJECT,
          dispatcher: agent,
          onRequest,
        }),
    });
    const client = tokenClient(cache.providerFor('default'), { onRequest });

    const before = performance.now();
    await client.showTask(5);
    await client.showTask(5);
    const elapsed = performance.now() - before;

    expect(first[0]?.headers['x-auth-token']).toBe('iam-tok-1');
    expect(second[0]?.headers['x-auth-token']).toBe('iam-tok-2');
    expect(third[0]?.headers['x-auth-token']).toBe('iam-tok-2');
    expect(events.map((e) => [e.operation, e.statusCode])).toEqual([
      ['KeystoneCreateUserTokenByPassword', 201],
      ['ShowTask', 401],
      ['KeystoneCreateUserTokenByPassword', 201],
      ['ShowTask', 200],
      ['ShowTask', 200],
    ]);
    // Each request's own duration: positive, and together (they ran one after another) within the calls' time.
    for (const e of events) expect(e.durationMs).toBeGreaterThan(0);
    expect(events.reduce((sum, e) => sum + e.durationMs, 0)).toBeLessThanOrEqual(elapsed);
  });
});

describe('AK/SK auth', () => {
  const akskClient = (securityToken?: string): OmsClient =>
    new OmsClient({
      omsEndpoint: OMS,
      projectId: PROJECT,
      auth: { mode: 'aksk', ak: 'MY-AK-ID', sk: 'MY-SECRET-SK', ...(securityToken ? { securityToken } : {}) },
      dispatcher: agent,
      now: () => NOW,
    });

  /** Verifies a captured request's Authorization header from scratch (documented algorithm, node:crypto). */
  function verifySignature(req: Captured, sk: string): void {
    const match = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    );
    expect(match).not.toBeNull();
    const [, , signedHeaderList = '', signature] = match ?? [];
    const names = signedHeaderList.split(';');
    const sent: Record<string, string> = { ...req.headers, host: new URL(OMS).host };
    const [path = '', query = ''] = req.path.split('?');
    const canonicalQuery = query.split('&').filter(Boolean).sort().join('&');
    const canonical = [
      req.method,
      path.endsWith('/') ? path : `${path}/`,
      canonicalQuery,
      names.map((n) => `${n}:${sent[n]?.trim()}\n`).join(''),
      signedHeaderList,
      createHash('sha256')
        .update(req.body ?? '')
        .digest('hex'),
    ].join('\n');
    const stringToSign = `SDK-HMAC-SHA256\n${sent['x-sdk-date']}\n${createHash('sha256').update(canonical).digest('hex')}`;
    expect(signature).toBe(createHmac('sha256', sk).update(stringToSign).digest('hex'));
  }

  test('signs with host, content-type, x-project-id and x-sdk-date; the signature verifies', async () => {
    const seen = expectCall('POST', '/v2/proj-1/tasks', { body: { id: 1, task_name: 't' } });
    await akskClient().createTask(createReq);
    const req = seen[0];
    if (!req) throw new Error('no request captured');
    expect(req.headers['x-sdk-date']).toBe('20260301T120000Z');
    expect(req.headers['x-project-id']).toBe('proj-1');
    expect(req.headers['x-auth-token']).toBeUndefined();
    expect(req.headers.authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=MY-AK-ID, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=/,
    );
    verifySignature(req, 'MY-SECRET-SK');
  });

  test('temporary credentials add a signed X-Security-Token; query strings are signed too', async () => {
    const seen = expectCall('GET', '/v2/proj-1/tasks?limit=100&offset=0&status=5', { body: { tasks: [], count: 0 } });
    await akskClient('temp-sec-token').listTasks({ limit: 100, offset: 0, status: 5 });
    const req = seen[0];
    if (!req) throw new Error('no request captured');
    expect(req.headers['x-security-token']).toBe('temp-sec-token');
    expect(req.headers.authorization).toContain(
      'SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token',
    );
    verifySignature(req, 'MY-SECRET-SK');
  });

  test('a 401 is final in AK/SK mode (no refresh, no second attempt)', async () => {
    expectCall('GET', '/v2/proj-1/tasks/1', {
      status: 401,
      body: {
        error_code: 'APIGW.0301',
        error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
      },
    });
    await expect(akskClient().showTask(1)).rejects.toBeInstanceOf(OmsAuthError);
  });
});

describe('error responses', () => {
  const client = (): OmsClient => tokenClient(fakeTokens('tok').provider);

  test('OMS validation body: message with code, message, detail and request id', async () => {
    expectCall('POST', '/v2/proj-1/tasks', {
      status: 400,
      headers: { 'X-Request-Id': 'req-77' },
      body: {
        error_code: 'OMS.0064',
        error_msg: 'Invalid request parameters.',
        error_detail: 'request parameter [description] invalid.',
      },
    });
    const err = await caught(client().createTask(createReq));
    expect(err).toBeInstanceOf(OmsValidationError);
    expect((err as Error).message).toBe(
      'OMS CreateTask failed: HTTP 400 OMS.0064 Invalid request parameters. (request parameter [description] invalid.) [request id req-77]',
    );
  });

  test.each([
    [
      'missing task (400 OMS.1009)',
      400,
      { error_code: 'OMS.1009', error_msg: 'No resources found' },
      OmsTaskNotFoundError,
    ],
    ['quota (400 OMS.0075)', 400, { error_code: 'OMS.0075', error_msg: 'quota' }, OmsQuotaError],
    [
      'unknown route (404 APIGW.0101)',
      404,
      { error_code: 'APIGW.0101', error_msg: 'The API does not exist' },
      OmsValidationError,
    ],
    ['IAM-style nested body', 403, { error: { code: 403, message: 'Forbidden', title: 'Forbidden' } }, OmsAuthError],
    ['camelCase body', 400, { errorCode: 'X.1', errorMsg: 'camel' }, OmsValidationError],
    ['HTML gateway page', 502, '<html><body>Bad Gateway</body></html>', OmsServerError],
  ])('%s', async (_name, status, body, cls) => {
    expectCall('GET', '/v2/proj-1/tasks/9', { status, body });
    await expect(client().showTask(9)).rejects.toBeInstanceOf(cls);
  });

  test('429 with Retry-After in seconds → OmsThrottledError.retryAfterMs', async () => {
    expectCall('GET', '/v2/proj-1/tasks/9', { status: 429, headers: { 'Retry-After': '7' }, body: '' });
    const err = await caught(client().showTask(9));
    expect(err).toBeInstanceOf(OmsThrottledError);
    expect((err as OmsThrottledError).retryAfterMs).toBe(7000);
  });

  test('503 with an HTTP-date Retry-After is measured from the injected clock', async () => {
    expectCall('GET', '/v2/proj-1/tasks/9', {
      status: 503,
      headers: { 'Retry-After': 'Sun, 01 Mar 2026 12:02:00 GMT' },
      body: { error_code: 'OMS.2004', error_msg: 'unavailable' },
    });
    const err = await caught(client().showTask(9));
    expect(err).toBeInstanceOf(OmsServerError);
    expect((err as OmsServerError).retryAfterMs).toBe(120_000);
  });

  test('secrets from the request body, credentials and the token never reach the error', async () => {
    const secrets = ['SRC-AK-111', 'SRC-SK-222', 'DST-AK-333', 'DST-SK-444', 'tok-secret-xyz'];
    expectCall('POST', '/v2/proj-1/tasks', {
      status: 400,
      // a hostile/buggy server echoing everything back
      body: { error_code: 'OMS.0064', error_msg: `bad request ${secrets.join(' ')} ${JSON.stringify(createReq)}` },
    });
    const err = await caught(tokenClient(fakeTokens('tok-secret-xyz').provider).createTask(createReq));
    expect(err).toBeInstanceOf(OmsValidationError);
    const everything = JSON.stringify({
      ...(err as object),
      message: (err as Error).message,
      stack: (err as Error).stack,
    });
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect((err as OmsValidationError).apiErrorMessage).toContain('***');
  });

  test('AK/SK credentials echoed by the gateway are scrubbed', async () => {
    expectCall('GET', '/v2/proj-1/tasks/1', {
      status: 401,
      body: {
        error_code: 'APIGW.0301',
        error_msg: 'Get secretKey failed,ak:MY-AK-ID,err:ak not exist, sk MY-SECRET-SK',
      },
    });
    const client = new OmsClient({
      omsEndpoint: OMS,
      projectId: PROJECT,
      auth: { mode: 'aksk', ak: 'MY-AK-ID', sk: 'MY-SECRET-SK' },
      dispatcher: agent,
    });
    const err = (await caught(client.showTask(1))) as OmsAuthError;
    expect(err.message).not.toContain('MY-AK-ID');
    expect(err.message).not.toContain('MY-SECRET-SK');
  });
});

describe('protocol errors', () => {
  const client = (): OmsClient => tokenClient(fakeTokens('tok').provider);

  test.each([
    ['non-JSON 200 body', 'GET', '/v2/proj-1/tasks/3', 'not json at all', (c: OmsClient) => c.showTask(3)],
    ['task without status', 'GET', '/v2/proj-1/tasks/3', '{"id":3}', (c: OmsClient) => c.showTask(3)],
    [
      'CreateTask id as a string',
      'POST',
      '/v2/proj-1/tasks',
      '{"id":"12","task_name":"t"}',
      (c: OmsClient) => c.createTask(createReq),
    ],
    [
      'CreateTask id beyond 2^53',
      'POST',
      '/v2/proj-1/tasks',
      '{"id":9007199254740993,"task_name":"t"}',
      (c: OmsClient) => c.createTask(createReq),
    ],
    [
      'CreateTask without task_name',
      'POST',
      '/v2/proj-1/tasks',
      '{"id":1,"name":"t"}',
      (c: OmsClient) => c.createTask(createReq),
    ],
    ['ListTasks without count', 'GET', '/v2/proj-1/tasks', '{"tasks":[]}', (c: OmsClient) => c.listTasks()],
    [
      'ListTasks with a bad task',
      'GET',
      '/v2/proj-1/tasks',
      '{"tasks":[{"id":-1,"status":1}],"count":1}',
      (c: OmsClient) => c.listTasks(),
    ],
  ])('%s → OmsProtocolError without quoting the body', async (_name, method, path, body, call) => {
    expectCall(method, path, { body });
    const err = await caught(call(client()));
    expect(err).toBeInstanceOf(OmsProtocolError);
    expect((err as Error).message).not.toContain(body);
  });

  test('the largest documented task id (999999999999999) is exact', async () => {
    expectCall('POST', '/v2/proj-1/tasks', { body: '{"id":999999999999999,"task_name":"t"}' });
    await expect(client().createTask(createReq)).resolves.toEqual({ id: 999999999999999, task_name: 't' });
  });
});

describe('transport errors and cancellation', () => {
  test.each([
    ['ECONNRESET', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['UND_ERR_HEADERS_TIMEOUT', new undiciErrors.HeadersTimeoutError()],
    ['UND_ERR_SOCKET', new undiciErrors.SocketError('other side closed')],
  ])('%s → OmsTransportError (cause kept)', async (code, original) => {
    agent.get(OMS).intercept({ method: 'GET', path: '/v2/proj-1/tasks/1' }).replyWithError(original);
    const events: RequestEvent[] = [];
    const err = await caught(
      tokenClient(fakeTokens('tok').provider, { onRequest: (e) => void events.push(e) }).showTask(1),
    );
    expect(err).toBeInstanceOf(OmsTransportError);
    expect((err as Error).message).toContain(`OMS ShowTask failed: transport error ${code}`);
    expect((err as Error).cause).toBe(original);
    expect(events).toHaveLength(1);
    expect(events[0]?.statusCode).toBeUndefined();
  });

  test('an unknown error is rethrown unchanged (programming errors stay visible)', async () => {
    const original = new RangeError('weird');
    agent.get(OMS).intercept({ method: 'GET', path: '/v2/proj-1/tasks/1' }).replyWithError(original);
    await expect(tokenClient(fakeTokens('tok').provider).showTask(1)).rejects.toBe(original);
  });

  test('cancellation rejects with the signal reason, not an OmsApiError', async () => {
    agent
      .get(OMS)
      .intercept({ method: 'GET', path: '/v2/proj-1/tasks/1' })
      .reply(200, JSON.stringify(task(1)))
      .delay(500);
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => controller.abort(reason), 10);
    const err = await caught(tokenClient(fakeTokens('tok').provider).showTask(1, { signal: controller.signal }));
    expect(err).toBe(reason);
    expect(OmsApiError.is(err)).toBe(false);
  });

  test('an already-aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already cancelled'));
    const client = new OmsClient({
      omsEndpoint: OMS,
      projectId: PROJECT,
      auth: { mode: 'aksk', ak: 'a', sk: 's' },
      dispatcher: agent,
    });
    await expect(client.stopTask(1, { signal: controller.signal })).rejects.toThrow('already cancelled');
  });

  test('a throwing onRequest hook does not change the result', async () => {
    expectCall('GET', '/v2/proj-1/tasks/1', { body: task(1) });
    const client = tokenClient(fakeTokens('tok').provider, {
      onRequest: () => {
        throw new Error('metrics down');
      },
    });
    await expect(client.showTask(1)).resolves.toMatchObject({ id: 1 });
  });
});

describe('listAllTasks', () => {
  const page = (from: number, n: number): TaskResp[] => Array.from({ length: n }, (_, i) => task(from + i));

  test('pages with limit=100, offset += page length, and stops on a short page', async () => {
    expectCall('GET', '/v2/proj-1/tasks?limit=100&offset=0&status=2', { body: { tasks: page(0, 100), count: 999 } });
    expectCall('GET', '/v2/proj-1/tasks?limit=100&offset=100&status=2', {
      body: { tasks: page(100, 100), count: 999 },
    });
    expectCall('GET', '/v2/proj-1/tasks?limit=100&offset=200&status=2', { body: { tasks: page(200, 37), count: 999 } });
    const ids: number[] = [];
    for await (const t of tokenClient(fakeTokens('tok').provider).listAllTasks({ status: 2 })) ids.push(t.id);
    expect(ids).toEqual(Array.from({ length: 237 }, (_, i) => i));
  });

  test('after a full last page it fetches one empty page; count is not trusted to stop early', async () => {
    // count: 100 although 200 exist — a server reporting the page size there must not truncate the listing
    expectCall('GET', '/v2/proj-1/tasks?limit=100&offset=0', { body: { tasks: page(0, 100), count: 100 } });
    expectCall('GET', '/v2/proj-1/tasks?limit=100&offset=100', { body: { tasks: page(100, 100), count: 100 } });
    expectCall('GET', '/v2/proj-1/tasks?limit=100&offset=200', { body: { tasks: [], count: 100 } });
    let n = 0;
    for await (const _ of tokenClient(fakeTokens('tok').provider).listAllTasks()) n++;
    expect(n).toBe(200);
  });

  test('breaking early fetches no further pages', async () => {
    expectCall('GET', '/v2/proj-1/tasks?limit=100&offset=0', { body: { tasks: page(0, 100), count: 500 } });
    let found: TaskResp | undefined;
    for await (const t of tokenClient(fakeTokens('tok').provider).listAllTasks()) {
      if (t.id === 3) {
        found = t;
        break;
      }
    }
    expect(found?.id).toBe(3);
  });
});
