/**
 * The pre-flight dry run against the real system (dev server, worker, emulator): the all-clear case and each kind
 * of problem — bad credentials (IAM password, AK/SK), OMS unreachable, an unsupported source cloud, unknown
 * regions, a full region limiter with its creation quota used up — each proving with the emulator's counters that
 * the dry run sent no CreateTask; and invalid input refused by the client (before Temporal) and by the workflow.
 */
import net from 'node:net';

import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { InvalidMigrationRequestError } from '../../client/migration-client';
import { PREFLIGHT_PROBLEMS_EXIT, preflightExitCode, renderPreflight } from '../../client/cli/preflight-output';
import { DEFAULT_EMULATOR_CONFIG, startEmulator, type RunningEmulator } from '../../emulator';
import type { RouteCounters } from '../../emulator/admin-types';
import { PREFLIGHT_WORKFLOW_TYPE, limiterStatusQuery } from '../../workflows/definitions';
import { FailureType } from '../../workflows/failure-types';
import type { preflightWorkflow } from '../../workflows/preflight';
import type { PreflightCheck, PreflightResult } from '../../workflows/preflight-types';
import type { MigrationRequest } from '../../workflows/request-types';
import { limiterWorkflowId } from '../../workflows/shared/region-limiter-logic';
import { startStack, stackSecrets, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

const stacks: Stack[] = [];
const emulators: RunningEmulator[] = [];
afterAll(async () => {
  for (const s of stacks.reverse()) await s.close();
  for (const e of emulators) await e.stop();
});

/**
 * The main emulator: manual clock (no task moves on its own, so the limiter is observed at rest), and no `AWS` among
 * the source clouds OMS supports (its AWS regions stay listed: only the cloud-type check should object).
 */
let main: Stack;
beforeAll(async () => {
  const emulator = await startEmulator({
    timeScale: 0,
    config: {
      regionInfo: {
        ...DEFAULT_EMULATOR_CONFIG.regionInfo,
        srcCloudTypes: DEFAULT_EMULATOR_CONFIG.regionInfo.srcCloudTypes.filter((t) => t !== 'AWS'),
      },
    },
  });
  emulators.push(emulator);
  main = await startStack({ existingEmulator: emulator });
  stacks.push(main);
});

function byName(result: PreflightResult): Record<string, PreflightCheck> {
  return Object.fromEntries(result.checks.map((c) => [c.name, c]));
}

function statuses(result: PreflightResult): Record<string, string> {
  return Object.fromEntries(result.checks.map((c) => [c.name, c.status]));
}

/** Runs a dry run and returns its result with the emulator's counters from just before and just after it. */
async function dryRun(
  stack: Stack,
  request: unknown,
): Promise<{ result: PreflightResult; before: RouteCounters; after: RouteCounters }> {
  const before = await stack.emulator.admin.counters();
  const result = await stack.migrations.preflight(request);
  const after = await stack.emulator.admin.counters();
  // Whatever the verdict: nothing created, and no secret of the worker anywhere in the result.
  expect(after.CreateTask ?? 0).toBe(before.CreateTask ?? 0);
  expect(result.calls.create).toBe(0);
  const json = JSON.stringify(result);
  for (const secret of stackSecrets(stack.emulator)) expect(json).not.toContain(secret);
  return { result, before, after };
}

const delta = (before: RouteCounters, after: RouteCounters, route: keyof RouteCounters): number =>
  (after[route] ?? 0) - (before[route] ?? 0);

test('the seed request passes every check, its buckets read over OBS; exit code 0', async () => {
  const { result, before, after } = await dryRun(main, main.seedRequest());
  expect(statuses(result)).toEqual({
    'node-profiles': 'ok',
    'oms-endpoint': 'ok',
    'api-credentials': 'ok',
    'cloud-types': 'ok',
    regions: 'ok',
    'src-bucket': 'ok',
    'dst-bucket': 'ok',
    'dst-writable': 'skipped',
    'oms-quota': 'ok',
    'region-limiter': 'ok',
  });
  const checks = byName(result);
  const region = main.emulator.config.region;
  expect(checks['src-bucket']!.details).toEqual({ bucket: 'a-test-1', region, obs_region: region });
  expect(checks['dst-bucket']!.details).toEqual({ bucket: 'api-test-outline', region, obs_region: region });
  expect(checks['dst-writable']!.reason).toBe(
    'OBS offers no way to check write access without writing; the destination keys can read the bucket (dst-bucket)',
  );
  expect(checks['oms-endpoint']!.details).toMatchObject({
    version_path: '/v2',
    versions: ['v1 SUPPORTED', 'v2 CURRENT'],
  });
  expect(checks['api-credentials']!.details).toMatchObject({
    auth_mode: 'token',
    iam_token: 'obtained',
    oms_accepted: true,
  });
  expect(checks['oms-quota']!.details).toMatchObject({ running: 0, waiting: 0 });
  expect(result.ok).toBe(true);
  expect(preflightExitCode(result)).toBe(0);
  // The reads the checks made, as the emulator saw them.
  expect(delta(before, after, 'ListApiVersions')).toBe(1);
  expect(delta(before, after, 'ShowCloudType')).toBe(2);
  expect(delta(before, after, 'ShowRegionInfo')).toBe(1);
  expect(delta(before, after, 'ListTasks')).toBe(4);
  expect(delta(before, after, 'ObsHeadBucket')).toBe(2);
  expect(renderPreflight(result, { json: false })).toMatch(/^Dry run: no problems found/);
});

test('in AK/SK mode every read is signed by the product signer and accepted (query strings included)', async () => {
  const stack = await startStack({ existingEmulator: main.emulator, workerEnv: { OMS_AUTH_MODE: 'aksk' } });
  stacks.push(stack);
  const { result, before, after } = await dryRun(stack, stack.seedRequest());
  expect(result.checks.filter((c) => c.status === 'problem')).toEqual([]);
  expect(byName(result)['api-credentials']!.details).toMatchObject({ auth_mode: 'aksk', oms_accepted: true });
  expect(delta(before, after, 'ShowCloudType')).toBe(2);
  expect(delta(before, after, 'KeystoneCreateUserTokenByPassword')).toBe(0);
});

test('a source cloud OMS does not support is a cloud-types problem', async () => {
  const seed = main.seedRequest();
  const request = { ...seed, src_node: { ...seed.src_node, cloud_type: 'AWS', region: 'us-east-1' } };
  const { result } = await dryRun(main, request);
  const checks = byName(result);
  expect(checks['cloud-types']).toMatchObject({
    status: 'problem',
    reason: 'OMS does not migrate from cloud type "AWS"',
  });
  expect(checks.regions!.status).toBe('ok');
  // Not a Huawei OBS source: no source bucket check.
  expect(checks['src-bucket']).toBeUndefined();
  expect(result.ok).toBe(false);
  expect(preflightExitCode(result)).toBe(PREFLIGHT_PROBLEMS_EXIT);
});

test('source and destination regions OMS does not list are a regions problem naming both; the buckets are elsewhere too', async () => {
  const seed = main.seedRequest();
  const request = {
    ...seed,
    src_node: { ...seed.src_node, region: 'cn-nowhere-9' },
    dst_node: { ...seed.dst_node, region: 'ap-nowhere-9' },
  };
  const { result } = await dryRun(main, request);
  const regions = byName(result).regions!;
  expect(regions.status).toBe('problem');
  expect(regions.reason).toContain('destination region "ap-nowhere-9" is not among OMS\'s HuaweiCloud regions');
  expect(regions.reason).toContain('source region "cn-nowhere-9" is not among OMS\'s HuaweiCloud regions');
  // The buckets exist, in the emulator's region: OBS says where, so the bucket checks object as well.
  const checks = byName(result);
  expect(checks['src-bucket']!.reason).toBe(
    `bucket a-test-1 is in ${main.emulator.config.region}, not in cn-nowhere-9 as the request says`,
  );
  expect(checks['dst-bucket']!.reason).toBe(
    `bucket api-test-outline is in ${main.emulator.config.region}, not in ap-nowhere-9 as the request says`,
  );
  expect(result.checks.filter((c) => c.status === 'problem').map((c) => c.name)).toEqual([
    'regions',
    'src-bucket',
    'dst-bucket',
  ]);
});

test('a full region limiter with its creation quota used up is a region-limiter problem, and OMS shows the task', async () => {
  const orchestration = { max_running_per_region: 1, daily_create_quota: 1, poll_interval_seconds: 0.5 };
  const request = main.seedRequest({ orchestration });
  const holder = uniqueId('holder');
  await main.migrations.start(request, { migrationId: holder });
  const limiter = main.client.workflow.getHandle(limiterWorkflowId(request.dst_node.region, main.taskQueue));
  try {
    // The clock stands still: the holder's task stays waiting in OMS, and its slot stays held.
    await waitFor(async () => (await main.emulator.admin.counters()).CreateTask === 1, 30_000, 'the holder to create');
    const status = await limiter.query(limiterStatusQuery);
    expect([status.running, status.recent_creations]).toEqual([1, 1]);

    const { result } = await dryRun(main, main.seedRequest({ orchestration }));
    const checks = byName(result);
    expect(checks['region-limiter']!.status).toBe('problem');
    expect(checks['region-limiter']!.reason).toContain('the limiter is full: 1 of 1 slots held');
    expect(checks['region-limiter']!.reason).toContain('the creation quota is used up: 1 creations remembered');
    expect(checks['region-limiter']!.details).toMatchObject({ running: 1, recent_creations: 1, daily_create_quota: 1 });
    expect(checks['oms-quota']!.details).toMatchObject({ running: 0, waiting: 1 });
    expect(preflightExitCode(result)).toBe(PREFLIGHT_PROBLEMS_EXIT);
  } finally {
    await main.migrations.handle(holder).terminate('test done');
    await limiter.terminate('test done');
  }
});

test('invalid input is refused by the client before Temporal, and by the workflow itself, naming the field', async () => {
  const before = await main.emulator.admin.counters();
  const bad = { ...main.seedRequest(), dst_node: { region: 'cn-north-7', credential_profile: 'dst' } };
  const err = await main.migrations.preflight(bad).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidMigrationRequestError);
  expect((err as InvalidMigrationRequestError).issues.map((i) => i.field)).toEqual(['dst_node.bucket']);

  const direct = await main.client.workflow
    .execute<typeof preflightWorkflow>(PREFLIGHT_WORKFLOW_TYPE, {
      taskQueue: main.taskQueue,
      workflowId: uniqueId('preflight-bad'),
      // Around the client's validation, as another SDK could start it.
      args: [bad as unknown as MigrationRequest],
    })
    .catch((e: unknown) => e);
  expect(direct).toBeInstanceOf(WorkflowFailedError);
  const cause = (direct as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe(FailureType.InvalidMigrationInput);
  expect((cause as ApplicationFailure).message).toContain('dst_node.bucket');
  // Not a single call reached the emulator.
  expect(await main.emulator.admin.counters()).toEqual(before);
});

test('an OMS endpoint that does not answer is an oms-endpoint problem; the OMS checks are skipped', async () => {
  const port = await closedPort();
  const stack = await startStack({
    existingEmulator: main.emulator,
    workerEnv: { OMS_ENDPOINT: `http://127.0.0.1:${port}`, OMS_IAM_ENDPOINT: main.emulator.url },
  });
  stacks.push(stack);
  const { result, before, after } = await dryRun(stack, stack.seedRequest());
  const checks = byName(result);
  expect(checks['oms-endpoint']!.status).toBe('problem');
  expect(checks['oms-endpoint']!.reason).toContain(`OMS did not answer at http://127.0.0.1:${port}`);
  expect(checks['api-credentials']).toMatchObject({ status: 'skipped', details: { iam_token: 'obtained' } });
  for (const name of ['cloud-types', 'regions', 'oms-quota']) {
    expect(checks[name]).toEqual({ name, status: 'skipped', reason: 'OMS cannot be used (see oms-endpoint)' });
  }
  // Only IAM (the token) and OBS (its own endpoint, still answering) were reached; not one OMS route.
  expect(delta(before, after, 'KeystoneCreateUserTokenByPassword')).toBe(1);
  expect(delta(before, after, 'ObsHeadBucket')).toBe(2);
  expect([checks['src-bucket']!.status, checks['dst-bucket']!.status]).toEqual(['ok', 'ok']);
  expect(
    Object.keys(after).filter((k) => delta(before, after, k as keyof RouteCounters) > 0 && !k.startsWith('Obs')),
  ).toEqual(['KeystoneCreateUserTokenByPassword']);
});

describe('bad API credentials', () => {
  // Its own emulator: wrong signatures count towards the AK's lock-out, which must not reach the other tests.
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ timeScale: 0 });
    emulators.push(emulator);
  });

  test('a wrong IAM password is an api-credentials problem, and no OMS call is made', async () => {
    const stack = await startStack({
      existingEmulator: emulator,
      workerEnv: { OMS_PROFILE_DEFAULT_IAM_PASSWORD: 'Not-The-Passw0rd!' },
    });
    stacks.push(stack);
    const { result, before, after } = await dryRun(stack, stack.seedRequest());
    const checks = byName(result);
    expect(checks['api-credentials']!.status).toBe('problem');
    expect(checks['api-credentials']!.reason).toMatch(/^No IAM token: /);
    expect(checks['oms-endpoint']!.status).toBe('skipped');
    expect(checks.regions!.reason).toBe('OMS cannot be used (see oms-endpoint)');
    expect(JSON.stringify(result)).not.toContain('Not-The-Passw0rd!');
    expect(delta(before, after, 'ListTasks') + delta(before, after, 'ListApiVersions')).toBe(0);
  });

  test('a wrong secret key (AK/SK mode) is an api-credentials problem; the endpoint is still proven there', async () => {
    const stack = await startStack({
      existingEmulator: emulator,
      workerEnv: { OMS_AUTH_MODE: 'aksk', OMS_PROFILE_DEFAULT_SK: 'not-the-secret-key-000000000000000000000' },
    });
    stacks.push(stack);
    const { result } = await dryRun(stack, stack.seedRequest());
    const checks = byName(result);
    expect(checks['oms-endpoint']!.status).toBe('ok');
    expect(checks['oms-endpoint']!.reason).toContain('OMS answered, but not with its version list');
    expect(checks['api-credentials']!.status).toBe('problem');
    expect(checks['api-credentials']!.reason).toContain('OMS refused the API credentials');
    expect(checks['api-credentials']!.reason).toContain('APIGW.0301');
    expect(checks['cloud-types']!.reason).toBe('OMS cannot be used (see api-credentials)');
    expect(JSON.stringify(result)).not.toContain('not-the-secret-key');
    expect(preflightExitCode(result)).toBe(PREFLIGHT_PROBLEMS_EXIT);
  });
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
