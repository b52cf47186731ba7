/**
 * Fault injection through the admin API: 5xx, 429 with Retry-After, latency, connection resets, lost, truncated
 * and malformed answers (the request still takes effect), late-apply (processed after the client gave up), what
 * a client that gives up during a delay leaves behind, seeded rates, and the counters and log that let a test
 * prove what really happened. Tests wait on events (the held-request list, the log entry written when a request
 * finishes), never on a sleep.
 */
import type { RunningEmulator } from '../../emulator';
import {
  PROJECT_ID,
  anyString,
  containing,
  createTask,
  getToken,
  oms,
  passwordAuthBody,
  request,
  seedTaskBody,
  startTestEmulator,
  waitUntil,
} from './helpers';

jest.setTimeout(30_000);

let emulator: RunningEmulator;
let token: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  token = await getToken(emulator);
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.admin.reset());

const list = () => oms(emulator, token, 'GET', '/tasks');

test.each([
  [500, { error_code: 'OMS.1001', error_msg: anyString }],
  [502, { error_code: 'APIGW.0202', error_msg: anyString, request_id: anyString }],
  [503, { error_code: 'OMS.2004', error_msg: anyString }],
  [504, { error_code: 'APIGW.0203', error_msg: anyString, request_id: anyString }],
])('an injected %i answers once, then the route works again', async (status, body) => {
  await emulator.admin.addFaults({ route: 'ListTasks', kind: 'error', status });
  const failed = await list();
  expect(failed.status).toBe(status);
  expect(failed.json()).toEqual(body);
  expect(failed.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  expect((await list()).status).toBe(200);
  const log = await emulator.admin.requests({ route: 'ListTasks' });
  expect(log.map((e) => [e.status, e.faults])).toEqual([
    [status, ['error']],
    [200, []],
  ]);
});

test('skip lets the next N matching requests through, then the rule applies its times', async () => {
  await emulator.admin.addFaults({ route: 'ListTasks', kind: 'error', status: 503, skip: 2, times: 1 });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await list()).status);
  expect(statuses).toEqual([200, 200, 503, 200]);
  expect(await emulator.admin.faults()).toEqual([]);
});

test('skip must be a non-negative integer', async () => {
  await expect(emulator.admin.addFaults({ route: 'ListTasks', kind: 'error', skip: 1.5 })).rejects.toThrow(/skip/);
});

test('a 429 burst answers Retry-After (seconds) with a gateway body, then recovers', async () => {
  await emulator.admin.addFaults({ route: 'ShowTask', kind: 'throttle', times: 3, retryAfterSeconds: 2 });
  const id = await createTask(emulator, token, seedTaskBody());
  for (let i = 0; i < 3; i++) {
    const res = await oms(emulator, token, 'GET', `/tasks/${id}`);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json()).toEqual({
      error_code: 'APIGW.0308',
      error_msg: anyString,
      request_id: res.headers['x-request-id'],
    });
  }
  expect((await oms(emulator, token, 'GET', `/tasks/${id}`)).status).toBe(200);
  expect((await emulator.admin.counters()).ShowTask).toBe(4);
});

test('a throttled or failed CreateTask creates nothing', async () => {
  await emulator.admin.addFaults(
    { route: 'CreateTask', kind: 'throttle' },
    { route: 'CreateTask', kind: 'error', status: 503 },
  );
  expect((await oms(emulator, token, 'POST', '/tasks', seedTaskBody())).status).toBe(429);
  expect((await oms(emulator, token, 'POST', '/tasks', seedTaskBody())).status).toBe(503);
  expect((await emulator.admin.tasks()).tasks).toHaveLength(0);
});

test('added latency delays the answer by at least the configured time', async () => {
  await emulator.admin.addFaults({ route: 'ListTasks', kind: 'latency', latencyMs: 150 });
  const started = Date.now();
  expect((await list()).status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  const [entry] = await emulator.admin.requests({ route: 'ListTasks' });
  expect(entry?.durationMs).toBeGreaterThanOrEqual(145);
});

test('latency after processing: the task exists before the client gets the answer', async () => {
  await emulator.admin.addFaults({ route: 'CreateTask', kind: 'latency', latencyMs: 300, phase: 'after' });
  const pending = oms(emulator, token, 'POST', '/tasks', seedTaskBody());
  const seen = await waitUntil(async () => {
    const { tasks } = await emulator.admin.tasks();
    return tasks.length > 0 ? tasks : undefined;
  }, 'the task to exist while its answer is delayed');
  expect(seen).toHaveLength(1);
  const res = await pending;
  expect(res.json<{ id: number }>().id).toBe(seen[0]!.id);
});

test('a connection reset destroys the socket before the request is processed', async () => {
  await emulator.admin.addFaults({ route: 'CreateTask', kind: 'reset' });
  await expect(oms(emulator, token, 'POST', '/tasks', seedTaskBody())).rejects.toThrow(/socket hang up|ECONNRESET/);
  expect((await emulator.admin.tasks()).tasks).toHaveLength(0);
  expect((await emulator.admin.counters()).CreateTask).toBe(1);
  const [entry] = await emulator.admin.requests({ route: 'CreateTask' });
  expect(entry).toMatchObject({ status: null, faults: ['reset'] });
});

test('a lost CreateTask response: the client sees a socket error but exactly one task was created', async () => {
  await emulator.admin.addFaults({ route: 'CreateTask', kind: 'lose-response' });
  await expect(oms(emulator, token, 'POST', '/tasks', seedTaskBody())).rejects.toThrow(/socket hang up|ECONNRESET/);
  const { tasks } = await emulator.admin.tasks();
  expect(tasks).toHaveLength(1);
  expect(tasks[0]).toMatchObject({ srcBucket: 'a-test-1', dstBucket: 'api-test-outline' });
  expect((await emulator.admin.counters()).CreateTask).toBe(1);
  const [entry] = await emulator.admin.requests({ route: 'CreateTask' });
  expect(entry).toMatchObject({ status: null, faults: ['lose-response'], authMode: 'token' });
  // The task is real: a client that lists after the error finds it.
  const listed = (await list()).json<{ tasks: { id: number }[]; count: number }>();
  expect(listed.tasks.map((t) => t.id)).toEqual([tasks[0]!.id]);
});

test('a truncated answer breaks the body mid-way (the request took effect)', async () => {
  await emulator.admin.addFaults({ route: 'CreateTask', kind: 'truncate' });
  await expect(oms(emulator, token, 'POST', '/tasks', seedTaskBody())).rejects.toThrow(
    /truncated|aborted|ECONNRESET|socket hang up/,
  );
  expect((await emulator.admin.tasks()).tasks).toHaveLength(1);
});

test('a malformed answer is a complete HTTP response whose JSON does not parse', async () => {
  const id = await createTask(emulator, token, seedTaskBody());
  await emulator.admin.addFaults({ route: 'ShowTask', kind: 'malformed' });
  const res = await oms(emulator, token, 'GET', `/tasks/${id}`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  expect(() => res.json()).toThrow();
  expect((await oms(emulator, token, 'GET', `/tasks/${id}`)).json().id).toBe(id);
});

test('faults on "*" hit every route, IAM included; "times" bounds them', async () => {
  await emulator.admin.addFaults({ kind: 'error', status: 503, times: 2 });
  const tokenRes = await request(`${emulator.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: passwordAuthBody(),
  });
  expect(tokenRes.status).toBe(503);
  expect((await list()).status).toBe(503);
  expect((await list()).status).toBe(200);
  expect(await emulator.admin.faults()).toEqual([]);
});

test('rate-based faults are seeded: the same sequence after a reset', async () => {
  const pattern = async (): Promise<number[]> => {
    await emulator.admin.reset();
    await emulator.admin.addFaults({ route: 'ListTasks', kind: 'error', status: 500, rate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await list()).status);
    return statuses;
  };
  const first = await pattern();
  expect(first.filter((s) => s === 500).length).toBeGreaterThan(5);
  expect(first.filter((s) => s === 200).length).toBeGreaterThan(5);
  expect(await pattern()).toEqual(first);
});

test('rules can be listed and removed; invalid rules are rejected with 400', async () => {
  const [rule] = await emulator.admin.addFaults({ route: 'ShowTask', kind: 'error', status: 502, rate: 0.1 });
  expect(await emulator.admin.faults()).toEqual([containing({ id: rule!.id, route: 'ShowTask', remaining: null })]);
  await emulator.admin.clearFaults(rule!.id);
  expect(await emulator.admin.faults()).toEqual([]);
  for (const bad of [
    { kind: 'explode' },
    { kind: 'error', status: 501 },
    { kind: 'latency' },
    { kind: 'error', route: 'Nope' },
    { kind: 'error', rate: 2 },
  ]) {
    const res = await fetch(`${emulator.url}/__admin/faults`, { method: 'POST', body: JSON.stringify(bad) });
    expect(res.status).toBe(400);
  }
});

test('counters and the log tell how many calls of each kind were made', async () => {
  await getToken(emulator);
  await getToken(emulator);
  const id = await createTask(emulator, token, seedTaskBody());
  await oms(emulator, token, 'GET', `/tasks/${id}`);
  await request(`${emulator.url}/v2/${PROJECT_ID}/nothing`);
  expect(await emulator.admin.counters()).toEqual({
    KeystoneCreateUserTokenByPassword: 2,
    CreateTask: 1,
    ShowTask: 1,
    Unmatched: 1,
  });
  const log = await emulator.admin.requests();
  expect(log.map((e) => e.route)).toEqual([
    'KeystoneCreateUserTokenByPassword',
    'KeystoneCreateUserTokenByPassword',
    'CreateTask',
    'ShowTask',
    null,
  ]);
  expect(log.every((e) => typeof e.time === 'string' && e.requestId.length === 32)).toBe(true);
  expect(JSON.stringify(log)).not.toContain(token);
  expect((await emulator.admin.requests({ limit: 2 })).map((e) => e.route)).toEqual(['ShowTask', null]);
});

describe('a client that gives up: late-apply versus ordinary latency', () => {
  /** A CreateTask on the global fetch, so that the client can abort it as a timed-out client would. */
  const post = (signal?: AbortSignal) =>
    fetch(`${emulator.url}/v2/${PROJECT_ID}/tasks`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify(seedTaskBody()),
      signal,
    });
  /** Resolves with the CreateTask log entry: it is written once the request is finished (processed or dropped). */
  const logged = () =>
    waitUntil(async () => (await emulator.admin.requests({ route: 'CreateTask' }))[0], 'the CreateTask log entry');
  const held = () => waitUntil(async () => (await emulator.admin.heldRequests())[0], 'the request to be held');

  test('late-apply: a client that aborts during the hold sees an abort, yet the task is created when the hold ends', async () => {
    await emulator.admin.addFaults({ route: 'CreateTask', kind: 'late-apply', latencyMs: 300 });
    const controller = new AbortController();
    const answer = post(controller.signal);
    // The client's timeout fires while the emulator holds the request (not before its body arrived: a proxy
    // forwards whole requests only).
    const hold = await held();
    controller.abort();
    await expect(answer).rejects.toMatchObject({ name: 'AbortError' });
    // Nobody releases it: the hold ends by itself, the request is processed and its answer dropped.
    const entry = await logged();
    expect(entry).toMatchObject({
      requestId: hold.requestId,
      status: null,
      faults: ['late-apply'],
      processed: true,
      errorCode: null,
      authMode: 'token',
    });
    expect(entry.durationMs).toBeGreaterThanOrEqual(295);
    const { tasks } = await emulator.admin.tasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ srcBucket: 'a-test-1', dstBucket: 'api-test-outline' });
    expect(await emulator.admin.heldRequests()).toEqual([]);
  });

  test('late-apply: the disconnect is seen while the request is held; nothing happens until the hold ends', async () => {
    // A long hold ended by the admin release: every step below is ordered by events, none by wall time.
    await emulator.admin.addFaults({ route: 'CreateTask', kind: 'late-apply', latencyMs: 600_000 });
    const controller = new AbortController();
    const answer = post(controller.signal);
    const hold = await held();
    expect(hold).toMatchObject({ method: 'POST', route: 'CreateTask', clientGone: false });
    controller.abort();
    await expect(answer).rejects.toMatchObject({ name: 'AbortError' });
    await waitUntil(async () => (await emulator.admin.heldRequests())[0]?.clientGone, 'the disconnect to be seen');
    expect((await emulator.admin.tasks()).tasks).toEqual([]);
    expect(await emulator.admin.requests({ route: 'CreateTask' })).toEqual([]);
    expect(await emulator.admin.releaseHeld(hold.requestId)).toBe(1);
    expect(await logged()).toMatchObject({ status: null, faults: ['late-apply'], processed: true });
    expect((await emulator.admin.tasks()).tasks).toHaveLength(1);
  });

  test('late-apply: a client that waits gets the real answer after the hold', async () => {
    await emulator.admin.addFaults({ route: 'CreateTask', kind: 'late-apply', latencyMs: 300 });
    const res = await post();
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: number };
    expect((await emulator.admin.tasks()).tasks.map((t) => t.id)).toEqual([id]);
    const entry = await logged();
    expect(entry).toMatchObject({ status: 200, faults: ['late-apply'], processed: true });
    expect(entry.durationMs).toBeGreaterThanOrEqual(295);
    // The rule applied once (times defaults to 1): the next create is answered at once.
    expect((await post()).status).toBe(200);
  });

  test('late-apply: an admin reset drops held requests unprocessed', async () => {
    await emulator.admin.addFaults({ route: 'CreateTask', kind: 'late-apply', latencyMs: 600_000 });
    const answer = post();
    await held();
    await emulator.admin.reset();
    await expect(answer).rejects.toThrow();
    expect(await emulator.admin.heldRequests()).toEqual([]);
    expect((await emulator.admin.tasks()).tasks).toEqual([]);
  });

  test('late-apply: latencyMs is required', async () => {
    const rule = { route: 'CreateTask', kind: 'late-apply' };
    await expect(emulator.admin.addFaults(rule as never)).rejects.toThrow(/latencyMs is required/);
  });

  test('latency (before): a client that leaves during the delay leaves nothing behind', async () => {
    await emulator.admin.addFaults({ route: 'CreateTask', kind: 'latency', latencyMs: 300 });
    const controller = new AbortController();
    const answer = post(controller.signal);
    // Counted on arrival, i.e. before the delay.
    await waitUntil(async () => (await emulator.admin.counters()).CreateTask, 'the request to arrive');
    controller.abort();
    await expect(answer).rejects.toMatchObject({ name: 'AbortError' });
    expect(await logged()).toMatchObject({ status: null, faults: ['latency'], processed: false });
    expect((await emulator.admin.tasks()).tasks).toEqual([]);
  });

  test('latency (after): the request took effect; a client that leaves during the delay gets no answer', async () => {
    await emulator.admin.addFaults({ route: 'CreateTask', kind: 'latency', latencyMs: 300, phase: 'after' });
    const controller = new AbortController();
    const answer = post(controller.signal);
    await waitUntil(async () => (await emulator.admin.tasks()).tasks[0], 'the task to exist while its answer waits');
    controller.abort();
    await expect(answer).rejects.toMatchObject({ name: 'AbortError' });
    expect(await logged()).toMatchObject({ status: null, faults: ['latency'], processed: true });
    expect((await emulator.admin.tasks()).tasks).toHaveLength(1);
  });
});
