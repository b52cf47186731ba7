/**
 * The `preflightChecks` activity against a mocked OMS (AK/SK mode, no Temporal client): which checks a request gets,
 * OMS's waiting-task limit, a malformed or failing answer turning into that check's problem (never the activity's
 * failure), the OMS-dependent checks skipped behind a failed gate, and no secret in the result. OBS is a loopback
 * port nothing listens on (no server in this layer; test/integration/preflight-obs.test.ts has the emulator's), so
 * every OBS check meets an unreachable OBS and must say so as its own problem.
 */
import net from 'node:net';

import { MockActivityEnvironment } from '@temporalio/testing';
import type { MockAgent } from 'undici';

import { createActivities } from '../../../activities';
import { staticCredentialStore } from '../../../activities/credentials';
import { coveringPrefixes } from '../../../activities/preflight-obs';
import type { PreflightChecksOutput } from '../../../workflows/preflight-types';
import type { MigrationRequest } from '../../../workflows/request-types';
import { validateMigrationRequest } from '../../../workflows/shared/validate-request';

import { OMS, PROJECT, useMockOms } from './mock-oms';

const mock = useMockOms();

/** An OBS endpoint that refuses connections: a loopback port bound, then released. */
let obsEndpoint: string;
beforeAll(async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  obsEndpoint = `http://127.0.0.1:${port}`;
});

/** The activities with profile `default` (AK/SK) talking to `agent` for OMS and to the closed port for OBS. */
function activitiesOn(agent: MockAgent) {
  return createActivities({
    omsEndpoint: OMS,
    iamEndpoint: OMS,
    projectId: PROJECT,
    authMode: 'aksk',
    credentials: staticCredentialStore({ default: { ak: 'AK-TEST-1', sk: 'SK-TEST-1' } }),
    dispatcher: agent,
    obsEndpoint,
  });
}

/** What every OBS check says when OBS does not answer. */
const OBS_UNREACHABLE = /^reading the (source|destination) bucket: OBS could not be reached \(.*ECONNREFUSED/;

const SEED: MigrationRequest = {
  task_type: 'object',
  src_node: {
    region: 'cn-north-7',
    credential_profile: 'default',
    bucket: 'a-test-1',
    cloud_type: 'HuaweiCloud',
    object_key: ['01.png'],
  },
  dst_node: { region: 'cn-north-7', credential_profile: 'default', bucket: 'api-test-outline' },
};

const REGIONS = [
  { service_name: 'HuaweiCloud', region_list: [{ cloud_type: 'HuaweiCloud', value: 'cn-north-7', description: 'x' }] },
  { service_name: 'AWS', region_list: [{ cloud_type: 'AWS', value: 'us-east-1', description: 'y' }] },
];

interface Answers {
  regionInfo?: { status: number; body: unknown };
  cloudTypeSrc?: { status: number; body: unknown };
  versions?: { status: number; body: unknown };
  counts?: { running: number; pausing: number; waiting: number };
}

/** Interceptors for every read the checks make (each once), answering `answers` or a healthy OMS. */
function healthyOms(agent: MockAgent, answers: Answers = {}): void {
  const pool = agent.get(OMS);
  const v = answers.versions ?? { status: 200, body: { versions: [{ id: 'v2', status: 'CURRENT', links: [] }] } };
  pool.intercept({ method: 'GET', path: '/' }).reply(v.status, v.body as object);
  if (v.status !== 200 && v.status !== 401) return;
  pool.intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks?limit=1` }).reply(200, { tasks: [], count: 0 });
  const src = answers.cloudTypeSrc ?? { status: 200, body: ['HuaweiCloud', 'AWS'] };
  pool
    .intercept({ method: 'GET', path: `/v2/${PROJECT}/objectstorage/cloud-type?type=src` })
    .reply(src.status, src.body as object);
  // The destination list is asked for only after the source list answered.
  if (src.status === 200) {
    pool
      .intercept({ method: 'GET', path: `/v2/${PROJECT}/objectstorage/cloud-type?type=dst` })
      .reply(200, ['HuaweiCloud']);
  }
  const info = answers.regionInfo ?? { status: 200, body: REGIONS };
  pool
    .intercept({ method: 'GET', path: `/v2/${PROJECT}/objectstorage/data-center` })
    .reply(info.status, info.body as object);
  const counts = answers.counts ?? { running: 0, pausing: 0, waiting: 0 };
  for (const [status, count] of [
    [2, counts.running],
    [7, counts.pausing],
    [1, counts.waiting],
  ] as const) {
    pool
      .intercept({ method: 'GET', path: `/v2/${PROJECT}/tasks?limit=1&status=${status}` })
      .reply(200, { tasks: [], count });
  }
}

async function preflight(request: MigrationRequest = SEED): Promise<PreflightChecksOutput> {
  const v = validateMigrationRequest(request);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  const out: PreflightChecksOutput = await new MockActivityEnvironment().run(
    activitiesOn(mock.current()).preflightChecks,
    {
      request: v.request,
    },
  );
  expect(JSON.stringify(out)).not.toMatch(/SK-TEST-1|AK-TEST-1/);
  return out;
}

const statusOf = (out: PreflightChecksOutput, name: string) => out.checks.find((c) => c.name === name);

test('a healthy OMS passes; OBS unreachable is each bucket check’s problem, not the activity’s failure', async () => {
  healthyOms(mock.current());
  const out = await preflight();
  expect(out.checks.map((c) => [c.name, c.status])).toEqual([
    ['node-profiles', 'ok'],
    ['oms-endpoint', 'ok'],
    ['api-credentials', 'ok'],
    ['cloud-types', 'ok'],
    ['regions', 'ok'],
    ['src-bucket', 'problem'],
    ['dst-bucket', 'problem'],
    ['dst-writable', 'skipped'],
    ['oms-quota', 'ok'],
    ['region-limiter', 'skipped'],
  ]);
  for (const name of ['src-bucket', 'dst-bucket']) {
    expect(statusOf(out, name)!.reason).toMatch(OBS_UNREACHABLE);
    expect(statusOf(out, name)!.details).toEqual({ http_status: 0, code: 'TransportError' });
  }
  // Nothing proved the destination readable, so the write-access note does not claim it.
  expect(statusOf(out, 'dst-writable')!.reason).toBe('OBS offers no way to check write access without writing');
  expect(statusOf(out, 'region-limiter')!.reason).toBe('this worker has no Temporal client');
  expect(out.calls).toMatchObject({ create: 0, list: 4, other: 4 });
});

test("OMS's waiting-task limit reached is an oms-quota problem", async () => {
  healthyOms(mock.current(), { counts: { running: 1, pausing: 1, waiting: 1500 } });
  const check = statusOf(await preflight(), 'oms-quota')!;
  expect(check.status).toBe('problem');
  expect(check.reason).toBe('OMS has 1500 tasks waiting; it refuses new tasks from 1500');
  expect(check.details).toMatchObject({ running: 2, waiting: 1500 });
});

test('tasks running (or pausing) up to max_running_per_region leave no running headroom', async () => {
  healthyOms(mock.current(), { counts: { running: 2, pausing: 1, waiting: 0 } });
  const out = await preflight({ ...SEED, orchestration: { max_running_per_region: 3 } });
  expect(statusOf(out, 'oms-quota')!.reason).toBe(
    'OMS already runs 3 tasks (max_running_per_region 3): a new task would wait for one to end',
  );
});

test('a malformed ShowRegionInfo answer and a failing ShowCloudType are those checks’ problems only', async () => {
  healthyOms(mock.current(), {
    regionInfo: { status: 200, body: { service_name: 'not an array' } },
    cloudTypeSrc: { status: 500, body: { error_code: 'OMS.1001', error_msg: 'Internal error.' } },
  });
  const out = await preflight();
  expect(statusOf(out, 'regions')).toMatchObject({ status: 'problem' });
  expect(statusOf(out, 'regions')!.reason).toContain('body is not an array');
  expect(statusOf(out, 'cloud-types')).toMatchObject({ status: 'problem' });
  expect(statusOf(out, 'cloud-types')!.reason).toContain('OMS.1001');
  // The OBS checks (OBS unreachable here) are the only other problems.
  expect(out.checks.filter((c) => c.status === 'problem').map((c) => c.name)).toEqual([
    'cloud-types',
    'regions',
    'src-bucket',
    'dst-bucket',
  ]);
});

test('an unknown route at the endpoint (a wrong path) is an oms-endpoint problem, and OMS checks are skipped', async () => {
  healthyOms(mock.current(), {
    versions: { status: 404, body: { error_code: 'APIGW.0101', error_msg: 'The API does not exist.' } },
  });
  const out = await preflight();
  expect(statusOf(out, 'oms-endpoint')).toMatchObject({ status: 'problem' });
  expect(statusOf(out, 'api-credentials')).toMatchObject({ status: 'skipped' });
  for (const name of ['cloud-types', 'regions', 'oms-quota']) {
    expect(statusOf(out, name)).toEqual({ name, status: 'skipped', reason: 'OMS cannot be used (see oms-endpoint)' });
  }
});

test('a missing node profile is a node-profiles problem naming the variables to set', async () => {
  healthyOms(mock.current());
  const out = await preflight({ ...SEED, dst_node: { ...SEED.dst_node, credential_profile: 'nowhere' } });
  const check = statusOf(out, 'node-profiles')!;
  expect(check.status).toBe('problem');
  expect(check.reason).toContain('OMS_PROFILE_NOWHERE_AK');
});

test.each([
  [
    'prefix from OBS',
    { task_type: 'prefix' as const },
    ['src-bucket', 'prefix-estimate', 'dst-bucket', 'dst-writable'],
  ],
  [
    'list file',
    {
      task_type: 'list' as const,
      src_node: {
        ...SEED.src_node,
        object_key: undefined,
        list_file: { list_file_key: 'l.txt', obs_bucket: 'oms-lists' },
      },
    },
    ['src-bucket', 'list-file', 'dst-bucket', 'dst-writable'],
  ],
  [
    'object from AWS',
    { src_node: { ...SEED.src_node, cloud_type: 'AWS' as const, region: 'us-east-1' } },
    ['dst-bucket', 'dst-writable'],
  ],
])('the OBS checks a %s task gets', async (_what, overrides, expected) => {
  healthyOms(mock.current());
  const out = await preflight({ ...SEED, ...overrides });
  const obs = out.checks.filter((c) => /bucket|prefix|list-file|writable/.test(c.name));
  expect(obs.map((c) => c.name)).toEqual(expected);
  const verdicts = Object.fromEntries(obs.map((c) => [c.name, [c.status, c.reason]]));
  // A source bucket that cannot be read is not listed again: the estimate points at it.
  if (verdicts['prefix-estimate']) {
    expect(verdicts['prefix-estimate']).toEqual(['skipped', 'the source bucket cannot be listed (see src-bucket)']);
  }
  if (verdicts['list-file']) {
    expect(verdicts['list-file'][0]).toBe('problem');
    expect(verdicts['list-file'][1]).toMatch(/^reading the list file: OBS could not be reached/);
  }
  expect(verdicts['dst-writable']![0]).toBe('skipped');
});

test('a missing source profile is the OBS checks’ problem too, naming the variables to set', async () => {
  healthyOms(mock.current());
  const out = await preflight({
    ...SEED,
    task_type: 'prefix',
    src_node: { ...SEED.src_node, credential_profile: 'nowhere' },
  });
  expect(statusOf(out, 'src-bucket')!.status).toBe('problem');
  expect(statusOf(out, 'src-bucket')!.reason).toContain('OMS_PROFILE_NOWHERE_AK');
  expect(statusOf(out, 'prefix-estimate')!.status).toBe('skipped');
});

test.each([
  [[''], ['']],
  [
    ['logs/', 'logs/2024/', 'img/'],
    ['img/', 'logs/'],
  ],
  [
    ['a', 'a', 'ab', 'b/'],
    ['a', 'b/'],
  ],
  [['', 'x/'], ['']],
])('coveringPrefixes(%j) lists each object once: %j', (prefixes, expected) => {
  expect(coveringPrefixes(prefixes)).toEqual(expected);
});
