/**
 * The completion-webhook activity against a local receiver (node http on a free loopback port): signature and
 * headers, which answers are retried and which are final, the last attempt returning instead of throwing, the
 * worker's default webhook, and the checks made before any request (secret, plain http).
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

import type { ActivityDeps, NotificationSettings } from '../../../activities/context';
import { staticCredentialStore } from '../../../activities/credentials';
import { deliveryIdOf, isLoopbackHost, notifyActivities, signBody } from '../../../activities/notify';
import type { MigrationFinishedEvent, NotifyMigrationEndInput } from '../../../workflows/notify-types';
import type { MigrationReport } from '../../../workflows/report-types';

const SECRET = 'unit-webhook-secret';

interface Seen {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
let seen: Seen[];
/** What the receiver answers next: status and headers. */
let answer: { status: number; headers?: Record<string, string> };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, answer.headers).end('ignored body');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen = [];
  answer = { status: 200 };
});

function deps(notification?: Partial<NotificationSettings>): ActivityDeps {
  return {
    omsEndpoint: 'https://oms.invalid',
    iamEndpoint: 'https://iam.invalid',
    projectId: 'p',
    authMode: 'aksk',
    credentials: staticCredentialStore({ hook: { webhookSecret: SECRET }, bare: { ak: 'AK', sk: 'SK' } }),
    notification: { allowInsecureHttp: false, timeoutMs: 5_000, ...notification },
  };
}

const report = { migration_id: 'm-1', task_id: 42, outcome: 'succeeded' } as unknown as MigrationReport;

function input(overrides: Partial<NotifyMigrationEndInput> = {}): NotifyMigrationEndInput {
  return {
    migration_id: 'm-1',
    run_id: 'r-1',
    outcome: 'succeeded',
    report,
    max_attempts: 3,
    notification: { webhook_url: `${base}/hook?tenant=a`, credential_profile: 'hook' },
    ...overrides,
  };
}

function run(attempt: number, i: NotifyMigrationEndInput, d: ActivityDeps = deps()) {
  return new MockActivityEnvironment({ attempt }).run(notifyActivities(d).notifyMigrationEnd, i);
}

test('a 2xx delivery is signed over the raw body and carries the delivery id, timestamp and event headers', async () => {
  const out = await run(1, input());
  const id = deliveryIdOf('m-1', 'r-1', 'succeeded');
  expect(out).toEqual({
    configured: true,
    delivery: { delivered: true, source: 'request', delivery_id: id, attempts: 1, status_code: 200 },
  });
  expect(seen).toHaveLength(1);
  const { headers, body } = seen[0]!;
  expect(headers['x-oms-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
  expect(headers['x-oms-delivery-id']).toBe(id);
  expect(headers['x-oms-event']).toBe('migration.finished');
  expect(headers['content-type']).toBe('application/json');
  expect(Math.abs(Number(headers['x-oms-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
  const event = JSON.parse(body) as MigrationFinishedEvent;
  expect(event).toEqual({
    event: 'migration.finished',
    delivery_id: id,
    migration_id: 'm-1',
    run_id: 'r-1',
    outcome: 'succeeded',
    task_id: 42,
    failure: null,
    report,
  });
  expect(body).not.toContain(SECRET);
});

test('the delivery id is stable per run and outcome, and differs between runs and outcomes', () => {
  expect(deliveryIdOf('m', 'r', 'failed')).toBe(deliveryIdOf('m', 'r', 'failed'));
  expect(deliveryIdOf('m', 'r', 'failed')).not.toBe(deliveryIdOf('m', 'r', 'cancelled'));
  expect(deliveryIdOf('m', 'r', 'failed')).not.toBe(deliveryIdOf('m', 'r2', 'failed'));
  expect(deliveryIdOf('m', 'r', 'failed')).toMatch(/^[0-9a-f]{32}$/);
  expect(signBody('k', 'body')).toBe(createHmac('sha256', 'k').update('body').digest('hex'));
});

test.each([503, 500, 408, 429])(
  'HTTP %i before the last attempt throws the retryable WebhookUnavailable',
  async (status) => {
    answer = { status };
    const err: unknown = await run(1, input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'WebhookUnavailable', nonRetryable: false });
    expect((err as ApplicationFailure).message).toContain(String(status));
    expect((err as ApplicationFailure).message).not.toContain(base);
  },
);

test('Retry-After sets the next retry delay (capped at a minute)', async () => {
  answer = { status: 429, headers: { 'retry-after': '7' } };
  await expect(run(1, input())).rejects.toMatchObject({ nextRetryDelay: 7_000 });
  answer = { status: 503, headers: { 'retry-after': '3600' } };
  await expect(run(1, input())).rejects.toMatchObject({ nextRetryDelay: 60_000 });
});

test('the last allowed attempt returns the failed delivery instead of throwing', async () => {
  answer = { status: 503 };
  await expect(run(3, input())).resolves.toEqual({
    configured: true,
    delivery: {
      delivered: false,
      source: 'request',
      delivery_id: deliveryIdOf('m-1', 'r-1', 'succeeded'),
      attempts: 3,
      status_code: 503,
      error: 'the webhook answered HTTP 503',
    },
  });
});

test.each([400, 401, 404, 410, 302])('HTTP %i is final at once: returned, not retried', async (status) => {
  answer = { status, ...(status === 302 ? { headers: { location: '/elsewhere' } } : {}) };
  const out = await run(1, input());
  expect(out).toMatchObject({ configured: true, delivery: { delivered: false, attempts: 1, status_code: status } });
  expect(seen).toHaveLength(1);
});

test('an unreachable receiver is retried (transport error), and named without its URL', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const i = input({ notification: { webhook_url: `http://127.0.0.1:${port}/x`, credential_profile: 'hook' } });
  const err: unknown = await run(1, i).catch((e: unknown) => e);
  expect(err).toMatchObject({ type: 'WebhookUnavailable', nonRetryable: false });
  expect((err as Error).message).toMatch(/could not be reached \(ECONNREFUSED\)/);
  expect((err as Error).message).not.toContain(String(port));
});

test("without a request webhook the worker's default is used; with neither nothing is sent", async () => {
  const withDefault = deps({ defaultWebhook: { url: `${base}/default`, credentialProfile: 'hook' } });
  const out = await run(1, input({ notification: undefined }), withDefault);
  expect(out).toMatchObject({ configured: true, delivery: { delivered: true, source: 'worker' } });
  expect(seen).toHaveLength(1);
  await expect(run(1, input({ notification: undefined }))).resolves.toEqual({ configured: false });
  expect(seen).toHaveLength(1);
});

test('a profile without a webhook secret, or plain http to a remote host, fails the delivery without a request', async () => {
  const noSecret = await run(1, input({ notification: { webhook_url: `${base}/x`, credential_profile: 'bare' } }));
  expect(noSecret).toMatchObject({ configured: true, delivery: { delivered: false, attempts: 1 } });
  expect((noSecret as { delivery: { error: string } }).delivery.error).toContain('OMS_PROFILE_<NAME>_WEBHOOK_SECRET');
  const remote = input({ notification: { webhook_url: 'http://hooks.example.com/x', credential_profile: 'hook' } });
  const refused = await run(1, remote);
  expect((refused as { delivery: { error: string } }).delivery.error).toContain('OMS_NOTIFY_ALLOW_INSECURE_HTTP');
  expect(seen).toHaveLength(0);
});

test('the failure a migration ended with travels in the body', async () => {
  await run(1, input({ outcome: 'deadline', failure: { type: 'DeadlineExceeded', message: 'too slow' } }));
  const event = JSON.parse(seen[0]!.body) as MigrationFinishedEvent;
  expect(event.outcome).toBe('deadline');
  expect(event.failure).toEqual({ type: 'DeadlineExceeded', message: 'too slow' });
});

test.each([
  ['localhost', true],
  ['api.localhost', true],
  ['127.0.0.1', true],
  ['127.8.9.10', true],
  ['[::1]', true],
  ['::1', true],
  ['128.0.0.1', false],
  ['10.0.0.1', false],
  ['localhost.example.com', false],
  ['[::2]', false],
])('isLoopbackHost(%j) = %j', (host, expected) => {
  expect(isLoopbackHost(host)).toBe(expected);
});
