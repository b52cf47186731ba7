/**
 * Authentication of OMS calls: tokens (missing, malformed, expired, revoked, wrong project) and AK/SK signatures
 * (accepted when signed per the documented algorithm; tampered, stale, unknown or locked AKs rejected), all as
 * gateway-shaped 401 APIGW.0301, and X-Request-Id on every answer.
 */
import type { RunningEmulator } from '../../emulator';
import {
  AK,
  PROJECT_ID,
  SK,
  anyNumber,
  anyString,
  getToken,
  oms,
  request,
  sdkDate,
  seedTaskBody,
  signHeaders,
  signedRequest,
  startTestEmulator,
} from './helpers';

jest.setTimeout(30_000);

const TEMP_AK = 'EMULATORTEMPAK000002';
const TEMP_SK = 'temporarySecretKey000000000000000000002';
const TEMP_TOKEN = 'temporary-security-token';
const OTHER_PROJECT = '11111111111111111111111111111111';

let emulator: RunningEmulator;
let token: string;

beforeAll(async () => {
  emulator = await startTestEmulator({
    config: {
      iam: {
        domains: [
          {
            id: '7c1f0f4e9a8b4d2c8e6a5b3d1f0e9c7a',
            name: 'demo-domain',
            users: [
              { id: '5e3b1a9d7c6f4e2a8b0d9c7e5f3a1b2c', name: 'demo-user', password: 'Demo-Passw0rd!' },
              { id: '6f4c2b0e8d7a5f3b9c1e0d8f6a4b2c3d', name: 'other-user', password: 'Other-Passw0rd!' },
            ],
            projects: [
              { id: PROJECT_ID, name: 'cn-north-7' },
              { id: OTHER_PROJECT, name: 'cn-north-7_sub' },
            ],
          },
        ],
      },
      accessKeys: [
        { ak: AK, sk: SK, domainId: '7c1f0f4e9a8b4d2c8e6a5b3d1f0e9c7a' },
        { ak: TEMP_AK, sk: TEMP_SK, domainId: '7c1f0f4e9a8b4d2c8e6a5b3d1f0e9c7a', securityToken: TEMP_TOKEN },
      ],
    },
  });
  token = await getToken(emulator);
});
afterAll(() => emulator.stop());

const tasksUrl = (): string => `${emulator.url}/v2/${PROJECT_ID}/tasks`;

function expectGateway401(
  res: { status: number; text: string; headers: Record<string, unknown> },
  message: string | RegExp,
) {
  expect(res.status).toBe(401);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error_code', 'error_msg', 'request_id']);
  expect(body.error_code).toBe('APIGW.0301');
  expect(body.request_id).toBe(res.headers['x-request-id']);
  if (typeof message === 'string') expect(body.error_msg).toBe(`Incorrect IAM authentication information: ${message}`);
  else expect(body.error_msg).toMatch(message);
}

describe('token authentication', () => {
  test('a valid project token is accepted', async () => {
    const res = await oms(emulator, token, 'GET', '/tasks');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  test('no credentials at all: "x-auth-token not found"', async () => {
    expectGateway401(await request(tasksUrl()), 'x-auth-token not found');
  });

  test('a malformed or forged token: "decrypt token fail"', async () => {
    expectGateway401(await request(tasksUrl(), { headers: { 'x-auth-token': 'garbage' } }), 'decrypt token fail');
    const forged = token.slice(0, -5) + (token.endsWith('AAAAA') ? 'BBBBB' : 'AAAAA');
    expectGateway401(await request(tasksUrl(), { headers: { 'x-auth-token': forged } }), 'decrypt token fail');
  });

  test('a token scoped to another project, or a domain token, is refused for this project', async () => {
    const other = await getToken(emulator, { project: { id: OTHER_PROJECT } });
    expectGateway401(await oms(emulator, other, 'GET', '/tasks'), /does not match/);
    const domainToken = await getToken(emulator, { domain: { name: 'demo-domain' } });
    expectGateway401(await oms(emulator, domainToken, 'GET', '/tasks'), /does not match/);
    // The version APIs have no project in the path: any valid token works.
    expect((await request(`${emulator.url}/`, { headers: { 'x-auth-token': domainToken } })).status).toBe(200);
  });

  test('X-Project-Id, when present, must equal the project of the path', async () => {
    const ok = await request(tasksUrl(), { headers: { 'x-auth-token': token, 'x-project-id': PROJECT_ID } });
    expect(ok.status).toBe(200);
    const bad = await request(tasksUrl(), { headers: { 'x-auth-token': token, 'x-project-id': OTHER_PROJECT } });
    expectGateway401(bad, /x-project-id/);
  });

  test('revoking one user revokes only that user; revoking all revokes every token issued so far', async () => {
    const mine = await getToken(emulator);
    const otherRes = await request(`${emulator.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'other-user', password: 'Other-Passw0rd!', domain: { name: 'demo-domain' } } },
          },
          scope: { project: { id: PROJECT_ID } },
        },
      }),
    });
    const others = otherRes.headers['x-subject-token'] as string;
    await emulator.admin.revokeTokens('other-user');
    expectGateway401(
      await oms(emulator, others, 'GET', '/tasks'),
      /^Incorrect IAM authentication information: token expires/,
    );
    expect((await oms(emulator, mine, 'GET', '/tasks')).status).toBe(200);
    await emulator.admin.revokeTokens();
    expectGateway401(await oms(emulator, mine, 'GET', '/tasks'), /token expires/);
    // A token obtained after the revocation works.
    token = await getToken(emulator);
    expect((await oms(emulator, token, 'GET', '/tasks')).status).toBe(200);
  });
});

describe('AK/SK signature authentication', () => {
  // Rejections count towards the lock-out of the AK; each test starts with a clean slate.
  beforeEach(() => emulator.admin.reset());

  test('a signed GET and a signed POST with a body are accepted', async () => {
    const list = await signedRequest({ method: 'GET', url: `${tasksUrl()}?limit=5&offset=0` });
    expect(list.status).toBe(200);
    const body = JSON.stringify(seedTaskBody());
    const created = await signedRequest({
      method: 'POST',
      url: tasksUrl(),
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    expect(created.status).toBe(200);
    expect(created.json()).toEqual({ id: anyNumber, task_name: anyString });
    const log = await emulator.admin.requests({ route: 'CreateTask', limit: 1 });
    expect(log[0]?.authMode).toBe('aksk');
    expect(JSON.stringify(log)).not.toContain(AK);
  });

  test('query parameters with special characters are canonicalised like the SDKs do', async () => {
    const res = await signedRequest({ method: 'GET', url: `${tasksUrl()}?task_name=a%20b&limit=1` });
    expect(res.status).toBe(200);
  });

  test('a tampered body, path, query or signature is rejected', async () => {
    const body = JSON.stringify(seedTaskBody());
    const headers = signHeaders({
      method: 'POST',
      url: tasksUrl(),
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    const tamperedBody = await request(tasksUrl(), {
      method: 'POST',
      headers,
      body: body.replace('a-test-1', 'a-test-2'),
    });
    expectGateway401(tamperedBody, /^Incorrect IAM authentication information: verify aksk signature fail/);
    const getHeaders = signHeaders({ method: 'GET', url: `${tasksUrl()}?limit=5` });
    expectGateway401(await request(`${tasksUrl()}?limit=6`, { headers: getHeaders }), /verify aksk signature fail/);
    expectGateway401(
      await request(`${emulator.url}/v2/${PROJECT_ID}/tasks/1?limit=5`, { headers: getHeaders }),
      /verify aksk signature fail/,
    );
    const sig = getHeaders.authorization!;
    const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
    expectGateway401(
      await request(`${tasksUrl()}?limit=5`, { headers: { ...getHeaders, authorization: flipped } }),
      /verify aksk signature fail/,
    );
  });

  test('a stale X-Sdk-Date (more than 15 minutes off the wall clock) is rejected', async () => {
    const stale = new Date(Date.now() - 16 * 60_000);
    expectGateway401(
      await signedRequest({ method: 'GET', url: tasksUrl(), date: stale }),
      /verify aksk signature fail/,
    );
    const future = new Date(Date.now() + 16 * 60_000);
    expectGateway401(
      await signedRequest({ method: 'GET', url: tasksUrl(), date: future }),
      /verify aksk signature fail/,
    );
    const recent = new Date(Date.now() - 10 * 60_000);
    expect((await signedRequest({ method: 'GET', url: tasksUrl(), date: recent })).status).toBe(200);
  });

  test('an unknown AK: "ak not exist" (without echoing the AK)', async () => {
    const res = await signedRequest({ method: 'GET', url: tasksUrl(), ak: 'UNKNOWNAK0000000000X', sk: 'whatever' });
    expectGateway401(res, 'Get secretKey failed,ak:******,err:ak not exist');
    expect(res.text).not.toContain('UNKNOWNAK');
  });

  test('a project outside the account of the AK is refused', async () => {
    const res = await signedRequest({
      method: 'GET',
      url: `${emulator.url}/v2/ffffffffffffffffffffffffffffffff/tasks`,
    });
    expectGateway401(res, /does not belong/);
  });

  test('temporary keys need their X-Security-Token', async () => {
    const url = tasksUrl();
    const withToken = await signedRequest({
      method: 'GET',
      url,
      ak: TEMP_AK,
      sk: TEMP_SK,
      headers: { 'X-Security-Token': TEMP_TOKEN },
    });
    expect(withToken.status).toBe(200);
    const without = await signedRequest({ method: 'GET', url, ak: TEMP_AK, sk: TEMP_SK });
    expectGateway401(without, /x-security-token/);
  });

  test('more than 5 consecutive failures lock the AK for a while, even for correct signatures', async () => {
    const url = `${tasksUrl()}?limit=1`;
    for (let i = 0; i < 6; i++) {
      const res = await signedRequest({
        method: 'GET',
        url,
        ak: TEMP_AK,
        sk: 'wrong-secret',
        headers: { 'X-Security-Token': TEMP_TOKEN },
      });
      expectGateway401(res, /verify aksk signature fail/);
    }
    const locked = await signedRequest({
      method: 'GET',
      url,
      ak: TEMP_AK,
      sk: TEMP_SK,
      headers: { 'X-Security-Token': TEMP_TOKEN },
    });
    expectGateway401(locked, 'AK access failed to reach the limit,forbidden.');
    // Another AK is unaffected; an admin reset lifts the lock.
    expect((await signedRequest({ method: 'GET', url })).status).toBe(200);
    await emulator.admin.reset();
    const unlocked = await signedRequest({
      method: 'GET',
      url,
      ak: TEMP_AK,
      sk: TEMP_SK,
      headers: { 'X-Security-Token': TEMP_TOKEN },
    });
    expect(unlocked.status).toBe(200);
  });

  test('a missing X-Sdk-Date is a signature failure', async () => {
    const headers = signHeaders({ method: 'GET', url: tasksUrl() });
    delete headers['x-sdk-date'];
    expectGateway401(await request(tasksUrl(), { headers }), /verify aksk signature fail/);
    expect(sdkDate(new Date(Date.UTC(2019, 10, 15, 3, 36, 55)))).toBe('20191115T033655Z');
  });
});

test('every answer carries X-Request-Id: success, OMS errors, gateway errors and unknown routes', async () => {
  const answers = await Promise.all([
    oms(emulator, token, 'GET', '/tasks'),
    oms(emulator, token, 'GET', '/tasks/123456789012345'),
    request(tasksUrl()),
    request(`${emulator.url}/nope/nope`),
    request(`${emulator.url}/v2/${PROJECT_ID}/tasks`, { method: 'PATCH' }),
  ]);
  expect(answers.map((a) => a.status)).toEqual([200, 400, 401, 404, 404]);
  const ids = answers.map((a) => a.headers['x-request-id']);
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  expect(new Set(ids).size).toBe(ids.length);
});
