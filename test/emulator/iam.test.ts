/** IAM `POST /v3/auth/tokens` (password method): the 201 answer, scopes, Keystone errors, expiry. */
import type { RunningEmulator } from '../../emulator';
import { DOMAIN, PROJECT_ID, anyString, passwordAuthBody, request, startTestEmulator, waitUntil } from './helpers';

jest.setTimeout(30_000);

let emulator: RunningEmulator;
const DOMAIN_ID = '7c1f0f4e9a8b4d2c8e6a5b3d1f0e9c7a';

beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.stop());

function tokens(body: string, query = '', contentType = 'application/json;charset=utf8') {
  return request(`${emulator.url}/v3/auth/tokens${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
}

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

test('a valid password request answers 201 with X-Subject-Token and a project-scoped token body', async () => {
  const before = Date.now();
  const res = await tokens(passwordAuthBody(), '?nocatalog=true');
  expect(res.status).toBe(201);
  expect(res.headers['x-subject-token']).toMatch(/^MII[A-Za-z0-9_-]{100,}$/);
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  const { token } = res.json<{ token: Record<string, unknown> }>();
  expect(token.methods).toEqual(['password']);
  expect(token.catalog).toEqual([]);
  expect(token.expires_at).toMatch(ISO_MICROS);
  expect(token.issued_at).toMatch(ISO_MICROS);
  const issued = Date.parse(token.issued_at as string);
  const expires = Date.parse(token.expires_at as string);
  // Wall clock (not simulated, although this emulator runs at 1000x) and 24 h by default.
  expect(issued).toBeGreaterThanOrEqual(before - 1);
  expect(issued).toBeLessThanOrEqual(Date.now() + 1);
  expect(expires - issued).toBe(24 * 3_600_000);
  expect(token.project).toEqual({ id: PROJECT_ID, name: 'cn-north-7', domain: { id: DOMAIN_ID, name: DOMAIN } });
  expect(token.user).toMatchObject({
    name: 'demo-user',
    domain: { id: DOMAIN_ID, name: DOMAIN },
    password_expires_at: '',
  });
  expect(Array.isArray(token.roles)).toBe(true);
  expect(res.text).not.toContain('Demo-Passw0rd!');
});

test('without nocatalog the catalog lists the OMS endpoint', async () => {
  const res = await tokens(passwordAuthBody());
  expect(res.status).toBe(201);
  const catalog = res.json<{ token: { catalog: { type: string; endpoints: { url: string; region: string }[] }[] } }>()
    .token.catalog;
  const omsEntry = catalog.find((c) => c.type === 'oms');
  expect(omsEntry?.endpoints[0]).toMatchObject({ url: emulator.url, region: 'cn-north-7' });
});

test('the domain can be given by id and the project by name; a domain scope gives a domain token', async () => {
  const byIdAndName = await tokens(
    passwordAuthBody({ domain: { id: DOMAIN_ID }, scope: { project: { name: 'cn-north-7' } } }),
  );
  expect(byIdAndName.status).toBe(201);
  expect(byIdAndName.json<{ token: { project: { id: string } } }>().token.project.id).toBe(PROJECT_ID);
  const domainScoped = await tokens(passwordAuthBody({ scope: { domain: { name: DOMAIN } } }));
  expect(domainScoped.status).toBe(201);
  const body = domainScoped.json<{ token: Record<string, unknown> }>().token;
  expect(body.domain).toEqual({ id: DOMAIN_ID, name: DOMAIN });
  expect(body.project).toBeUndefined();
});

test.each([
  ['a wrong password', { password: 'nope' }],
  ['an unknown user', { user: 'someone' }],
  ['an unknown domain', { domain: { name: 'other-domain' } }],
])('%s answers 401 in the Keystone shape', async (_name, overrides) => {
  const res = await tokens(passwordAuthBody(overrides));
  expect(res.status).toBe(401);
  expect(res.json()).toEqual({ error: { code: 401, message: anyString, title: 'Unauthorized' } });
  expect(res.headers['x-subject-token']).toBeUndefined();
  expect(res.text).not.toContain('nope');
});

test('an unknown project answers 401', async () => {
  const res = await tokens(passwordAuthBody({ scope: { project: { id: 'ffffffffffffffffffffffffffffffff' } } }));
  expect(res.status).toBe(401);
  expect(res.json<{ error: { code: number } }>().error.code).toBe(401);
});

test.each([
  ['not JSON', '{"auth":'],
  ['an empty body', ''],
  ['no auth object', '{}'],
  ['no methods', JSON.stringify({ auth: { identity: {}, scope: { project: { id: PROJECT_ID } } } })],
  [
    'an unsupported method',
    JSON.stringify({ auth: { identity: { methods: ['token'] }, scope: { project: { id: PROJECT_ID } } } }),
  ],
  [
    'no scope',
    JSON.stringify({ auth: (JSON.parse(passwordAuthBody()) as { auth: { identity: unknown } }).auth.identity }),
  ],
  ['both scopes', passwordAuthBody({ scope: { project: { id: PROJECT_ID }, domain: { name: DOMAIN } } })],
  ['a user without a domain', passwordAuthBody({ domain: {} })],
  ['a numeric password', passwordAuthBody().replace('"Demo-Passw0rd!"', '12')],
])('a malformed body (%s) answers 400 in the Keystone shape', async (_name, body) => {
  const res = await tokens(body);
  expect(res.status).toBe(400);
  expect(res.json()).toEqual({ error: { code: 400, message: anyString, title: 'Bad Request' } });
});

test('a non-JSON content type answers 400', async () => {
  const res = await tokens(passwordAuthBody(), '', 'text/plain');
  expect(res.status).toBe(400);
});

test('GET /v3/auth/tokens is not a route (404 APIGW.0101)', async () => {
  const res = await request(`${emulator.url}/v3/auth/tokens`);
  expect(res.status).toBe(404);
  expect(res.json()).toMatchObject({ error_code: 'APIGW.0101' });
});

test('a token issued with a short TTL expires by the wall clock and OMS then says "token expires"', async () => {
  await emulator.admin.updateSettings({ tokenTtlMs: 300 });
  try {
    const res = await tokens(passwordAuthBody());
    const token = res.headers['x-subject-token'] as string;
    const body = res.json<{ token: { issued_at: string; expires_at: string } }>().token;
    expect(Date.parse(body.expires_at) - Date.parse(body.issued_at)).toBe(300);
    const ok = await request(`${emulator.url}/v2/${PROJECT_ID}/tasks`, { headers: { 'x-auth-token': token } });
    expect(ok.status).toBe(200);
    const expired = await waitUntil(async () => {
      const r = await request(`${emulator.url}/v2/${PROJECT_ID}/tasks`, { headers: { 'x-auth-token': token } });
      return r.status === 401 ? r : undefined;
    }, 'the token to expire');
    expect(expired.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: `Incorrect IAM authentication information: token expires, expires_at: ${body.expires_at}`,
      request_id: expired.headers['x-request-id'],
    });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(body.expires_at));
  } finally {
    await emulator.admin.updateSettings({ tokenTtlMs: 24 * 3_600_000 });
  }
});

test('token calls are counted and logged with the user name, without the password', async () => {
  await emulator.admin.clearRequests();
  await tokens(passwordAuthBody());
  await tokens(passwordAuthBody({ password: 'wrong-one' }));
  expect((await emulator.admin.counters()).KeystoneCreateUserTokenByPassword).toBe(2);
  const log = await emulator.admin.requests({ route: 'KeystoneCreateUserTokenByPassword' });
  expect(log.map((e) => e.status)).toEqual([201, 401]);
  expect(log[0]).toMatchObject({ method: 'POST', path: '/v3/auth/tokens', user: 'demo-user', authMode: 'none' });
  expect(log[1]?.errorCode).toBe('IAM.401');
  expect(JSON.stringify(log)).not.toMatch(/Passw0rd|wrong-one/);
});
