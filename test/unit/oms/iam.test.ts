import { MockAgent } from 'undici';
import type { MockInterceptor } from 'undici/types/mock-interceptor';

import { OmsAuthError, OmsProtocolError, OmsServerError, OmsTransportError } from '../../../activities/oms/errors';
import type { RequestEvent } from '../../../activities/oms/http';
import { IAM_TOKEN_OPERATION, buildPasswordAuthRequest, fetchIamToken } from '../../../activities/oms/iam';
import type { FetchIamTokenInput } from '../../../activities/oms/iam';

const IAM = 'https://iam.example.com';
const TOKEN_PATH = '/v3/auth/tokens?nocatalog=true';
const PASSWORD = 'Pa55-w0rd-SECRET';
const TOKEN = 'MIIatAYJKoZIhvcNAQcCoIIapTCCGqECAQExDTALB-secret-token';

let agent: MockAgent;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

const input = (extra: Partial<FetchIamTokenInput> = {}): FetchIamTokenInput =>
  ({
    iamEndpoint: IAM,
    user: 'migrator',
    password: PASSWORD,
    domainName: 'my-account',
    projectId: '0215ef11e49d4743be23dd97a1561e91',
    dispatcher: agent,
    ...extra,
  }) as FetchIamTokenInput;

const tokenBody = {
  token: {
    catalog: [],
    expires_at: '2020-01-04T09:05:22.701000Z',
    issued_at: '2020-01-03T09:05:22.701000Z',
    methods: ['password'],
  },
};

function replyOnce(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): { body?: string; headers?: unknown }[] {
  const seen: { body?: string; headers?: unknown }[] = [];
  agent
    .get(IAM)
    .intercept({ method: 'POST', path: TOKEN_PATH })
    .reply((opts: MockInterceptor.MockResponseCallbackOptions) => {
      seen.push({ body: typeof opts.body === 'string' ? opts.body : undefined, headers: opts.headers });
      return {
        statusCode: status,
        data: typeof body === 'string' ? body : JSON.stringify(body),
        responseOptions: { headers },
      };
    });
  return seen;
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('fetchIamToken', () => {
  test('POSTs the password-method body and returns the X-Subject-Token with its validity window', async () => {
    const seen = replyOnce(201, tokenBody, { 'X-Subject-Token': TOKEN });
    const events: RequestEvent[] = [];

    const before = performance.now();
    const result = await fetchIamToken(input({ onRequest: (e) => void events.push(e) }));
    const elapsed = performance.now() - before;

    expect(result).toEqual({
      token: TOKEN,
      expiresAt: new Date('2020-01-04T09:05:22.701Z'),
      issuedAt: new Date('2020-01-03T09:05:22.701Z'),
    });
    expect(seen[0]?.headers).toMatchObject({ 'Content-Type': 'application/json;charset=utf8' });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'migrator', password: PASSWORD, domain: { name: 'my-account' } } },
        },
        scope: { project: { id: '0215ef11e49d4743be23dd97a1561e91' } },
      },
    });
    expect(events.map(({ operation, statusCode }) => ({ operation, statusCode }))).toEqual([
      { operation: IAM_TOKEN_OPERATION, statusCode: 201 },
    ]);
    // The request's own duration: positive, and within the time the whole call took.
    expect(events[0]?.durationMs).toBeGreaterThan(0);
    expect(events[0]?.durationMs).toBeLessThanOrEqual(elapsed);
  });

  test('supports domain id and project name scopes', () => {
    const body = buildPasswordAuthRequest(
      input({ domainName: undefined, domainId: 'dom-id', projectId: undefined, projectName: 'cn-north-4' }),
    );
    expect(body.auth.identity.password.user.domain).toEqual({ id: 'dom-id' });
    expect(body.auth.scope).toEqual({ project: { name: 'cn-north-4' } });
  });

  test.each([
    ['user', { user: '' }],
    ['password', { password: '' }],
    ['domain', { domainName: undefined }],
    ['project', { projectId: undefined }],
  ])('missing %s is a TypeError before any request', async (_name, extra) => {
    await expect(fetchIamToken(input(extra as Partial<FetchIamTokenInput>))).rejects.toThrow(TypeError);
  });

  test('uses the call time when issued_at is missing', async () => {
    replyOnce(201, { token: { expires_at: '2020-01-04T09:05:22Z' } }, { 'x-subject-token': TOKEN });
    const now = new Date('2020-01-04T08:00:00Z');
    await expect(fetchIamToken(input({ now: () => now }))).resolves.toMatchObject({ issuedAt: now });
  });

  test('a Keystone 401 becomes OmsAuthError, with the password scrubbed even if echoed', async () => {
    replyOnce(401, { error: { code: 401, message: `Authentication failed for ${PASSWORD}`, title: 'Unauthorized' } });
    const err = await caught(fetchIamToken(input()));
    expect(err).toBeInstanceOf(OmsAuthError);
    expect(err.message).toBe(
      'IAM KeystoneCreateUserTokenByPassword failed: HTTP 401 401 Authentication failed for ***',
    );
    expect((err as OmsAuthError).apiErrorCode).toBe('401');
    expect(JSON.stringify({ ...err, m: err.message, s: err.stack })).not.toContain(PASSWORD);
  });

  test('a 503 becomes OmsServerError', async () => {
    replyOnce(503, 'Service Unavailable');
    await expect(fetchIamToken(input())).rejects.toBeInstanceOf(OmsServerError);
  });

  test.each([
    ['no X-Subject-Token header', 201, tokenBody, {}],
    ['a non-JSON body', 201, 'oops', { 'X-Subject-Token': TOKEN }],
    ['no expires_at', 201, { token: {} }, { 'X-Subject-Token': TOKEN }],
    ['an unparsable expires_at', 201, { token: { expires_at: 'tomorrow-ish' } }, { 'X-Subject-Token': TOKEN }],
  ])('%s → OmsProtocolError that never contains the token', async (_name, status, body, headers) => {
    replyOnce(status, body, headers);
    const err = await caught(fetchIamToken(input()));
    expect(err).toBeInstanceOf(OmsProtocolError);
    expect(err.message).not.toContain(TOKEN);
  });

  test('transport failures are classified', async () => {
    agent
      .get(IAM)
      .intercept({ method: 'POST', path: TOKEN_PATH })
      .replyWithError(Object.assign(new Error('getaddrinfo EAI_AGAIN iam.example.com'), { code: 'EAI_AGAIN' }));
    const err = await caught(fetchIamToken(input()));
    expect(err).toBeInstanceOf(OmsTransportError);
    expect(err.message).toBe(
      'IAM KeystoneCreateUserTokenByPassword failed: transport error EAI_AGAIN (getaddrinfo EAI_AGAIN iam.example.com)',
    );
  });
});
