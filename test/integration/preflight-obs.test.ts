/**
 * The dry run's OBS checks against the real system (dev server, worker, emulator serving OBS to Huawei's SDK): each
 * kind of bucket problem — a missing source or destination bucket, a source bucket of another account, a bucket in
 * another region, a wrong destination secret key, a missing list file, a prefix with no object, OBS answering 503 —
 * and the prefix estimate equal to the emulator's ground truth, up to the 10,000-object bound. Every dry run proves
 * with the emulator's counters that it sent no CreateTask, and that no secret of the worker is in its result.
 */
import { preflightExitCode, PREFLIGHT_PROBLEMS_EXIT } from '../../client/cli/preflight-output';
import { PREFIX_ESTIMATE_MAX_OBJECTS } from '../../activities/preflight-obs';
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import type { RouteCounters } from '../../emulator/admin-types';
import type { PreflightCheck, PreflightResult } from '../../workflows/preflight-types';
import type { MigrationRequest } from '../../workflows/request-types';
import { startStack, stackSecrets, type Stack } from '../helpers/stack';

jest.setTimeout(120_000);

const OTHER_DOMAIN = 'aaaabbbbccccddddeeeeffff00001111';
const OTHER = { ak: 'OTHERACCOUNTAK000001', sk: 'otherAccountSecret0000000000000000000001' };
const WRONG_SK = 'not-the-destination-secret-key-000000000';
const FAR_REGION = 'cn-south-1';

let stack: Stack;
let secrets: string[];

beforeAll(async () => {
  stack = await startStack({
    emulator: {
      timeScale: 0,
      config: {
        iam: {
          domains: [
            ...structuredClone(DEFAULT_EMULATOR_CONFIG.iam.domains),
            { id: OTHER_DOMAIN, name: 'other', users: [], projects: [] },
          ],
        },
        accessKeys: [...structuredClone(DEFAULT_EMULATOR_CONFIG.accessKeys), { ...OTHER, domainId: OTHER_DOMAIN }],
        buckets: [
          ...structuredClone(DEFAULT_EMULATOR_CONFIG.buckets),
          {
            name: 'pf-data',
            generate: [
              { count: 1_200, size: 1_000, prefix: 'data/a/' },
              { count: 345, size: 7, prefix: 'data/b/' },
              { count: 3, size: 1, prefix: 'other/' },
            ],
          },
          // One object over the bound.
          { name: 'pf-big', generate: { count: PREFIX_ESTIMATE_MAX_OBJECTS + 1, size: 2 } },
          { name: 'pf-owned', owner: OTHER_DOMAIN, objects: [{ key: 'x', size: 1 }] },
          { name: 'pf-far', region: FAR_REGION, objects: [{ key: 'x', size: 1 }] },
        ],
      },
    },
    // The destination's access key with a wrong secret key.
    workerEnv: {
      OMS_PROFILE_BADDST_AK: DEFAULT_EMULATOR_CONFIG.accessKeys[0]!.ak,
      OMS_PROFILE_BADDST_SK: WRONG_SK,
    },
  });
  secrets = [...stackSecrets(stack.emulator), OTHER.sk, WRONG_SK];
});
afterAll(async () => {
  await stack?.close();
});

const delta = (before: RouteCounters, after: RouteCounters, route: keyof RouteCounters): number =>
  (after[route] ?? 0) - (before[route] ?? 0);

/** Runs a dry run: no CreateTask, no secret; returns the checks by name and the OBS requests it made. */
async function dryRun(
  request: MigrationRequest,
): Promise<{ result: PreflightResult; checks: Record<string, PreflightCheck>; obs: Partial<RouteCounters> }> {
  const before = await stack.emulator.admin.counters();
  const result = await stack.migrations.preflight(request);
  const after = await stack.emulator.admin.counters();
  expect(delta(before, after, 'CreateTask')).toBe(0);
  expect(result.calls.create).toBe(0);
  const json = JSON.stringify(result);
  for (const secret of secrets) expect(json).not.toContain(secret);
  const obs = Object.fromEntries(
    (['ObsHeadBucket', 'ObsListObjects', 'ObsHeadObject', 'ObsGetObject'] as const).map((r) => [
      r,
      delta(before, after, r),
    ]),
  );
  return { result, checks: Object.fromEntries(result.checks.map((c) => [c.name, c])), obs };
}

const srcNode = (overrides: Partial<MigrationRequest['src_node']>): Partial<MigrationRequest> => ({
  src_node: { ...stack.seedRequest().src_node, ...overrides },
});

const problems = (result: PreflightResult): string[] =>
  result.checks.filter((c) => c.status === 'problem').map((c) => c.name);

/** Objects and bytes under `prefix` in `bucket`, as the emulator stores them. */
async function groundTruth(bucket: string, prefix: string): Promise<{ objects: number; bytes: number }> {
  const listing = await stack.emulator.admin.listObjects(bucket, prefix, 100_000);
  expect(listing.objects).toHaveLength(listing.count);
  return { objects: listing.count, bytes: listing.objects.reduce((sum, o) => sum + o.size, 0) };
}

test('a prefix task: the estimate equals the ground truth, nested prefixes counted once; all checks pass', async () => {
  const request = stack.seedRequest({
    task_type: 'prefix',
    ...srcNode({ bucket: 'pf-data', object_key: ['data/', 'data/b/'] }),
  });
  const { result, checks, obs } = await dryRun(request);
  const truth = await groundTruth('pf-data', 'data/');
  expect(truth).toEqual({ objects: 1_545, bytes: 1_202_415 });
  expect(checks['prefix-estimate']).toMatchObject({
    status: 'ok',
    reason: `${truth.objects} object(s), ${truth.bytes} byte(s)`,
    details: { bucket: 'pf-data', ...truth, prefixes: 1, truncated: false, list_requests: 2 },
  });
  expect(problems(result)).toEqual([]);
  expect(checks['src-bucket']!.status).toBe('ok');
  expect(checks['dst-bucket']!.status).toBe('ok');
  expect(checks['dst-writable']!.status).toBe('skipped');
  expect(preflightExitCode(result)).toBe(0);
  expect(obs).toEqual({ ObsHeadBucket: 2, ObsListObjects: 2, ObsHeadObject: 0, ObsGetObject: 0 });
});

test('a prefix estimate over the bound stops at 10,000 objects and says so (truncated)', async () => {
  const request = stack.seedRequest({ task_type: 'prefix', ...srcNode({ bucket: 'pf-big', object_key: [''] }) });
  const { result, checks, obs } = await dryRun(request);
  expect((await groundTruth('pf-big', '')).objects).toBe(PREFIX_ESTIMATE_MAX_OBJECTS + 1);
  expect(checks['prefix-estimate']).toMatchObject({
    status: 'ok',
    reason: 'at least 10000 object(s), 20000 byte(s) (listing stopped at 10000 objects)',
    details: { objects: 10_000, bytes: 20_000, truncated: true, max_objects: 10_000, list_requests: 10 },
  });
  expect(obs.ObsListObjects).toBe(10);
  expect(result.ok).toBe(true);
});

test('a prefix with no object is a prefix-estimate problem; an empty one beside others is named', async () => {
  const empty = await dryRun(
    stack.seedRequest({ task_type: 'prefix', ...srcNode({ bucket: 'pf-data', object_key: ['nothing/'] }) }),
  );
  expect(empty.checks['prefix-estimate']).toMatchObject({
    status: 'problem',
    reason: 'no object under the prefixes in bucket pf-data: nothing to migrate',
    details: { objects: 0, bytes: 0, empty_prefixes: ['nothing/'] },
  });
  expect(problems(empty.result)).toEqual(['prefix-estimate']);
  expect(preflightExitCode(empty.result)).toBe(PREFLIGHT_PROBLEMS_EXIT);

  const mixed = await dryRun(
    stack.seedRequest({ task_type: 'prefix', ...srcNode({ bucket: 'pf-data', object_key: ['other/', 'typo/'] }) }),
  );
  expect(mixed.checks['prefix-estimate']).toMatchObject({
    status: 'ok',
    reason: '3 object(s), 3 byte(s); no object under "typo/"',
  });
});

test('a missing source bucket is a src-bucket problem naming it; the estimate is not tried', async () => {
  const { result, checks, obs } = await dryRun(
    stack.seedRequest({ task_type: 'prefix', ...srcNode({ bucket: 'pf-missing', object_key: [''] }) }),
  );
  expect(checks['src-bucket']).toMatchObject({
    status: 'problem',
    reason: 'bucket pf-missing does not exist (NoSuchBucket)',
    details: { bucket: 'pf-missing', http_status: 404, code: 'NoSuchBucket' },
  });
  expect(checks['prefix-estimate']).toMatchObject({ status: 'skipped' });
  expect(obs.ObsListObjects).toBe(0);
  expect(problems(result)).toEqual(['src-bucket']);
});

test('a source bucket of another account is a src-bucket problem: 403, access denied', async () => {
  const { result, checks } = await dryRun(stack.seedRequest(srcNode({ bucket: 'pf-owned', object_key: ['x'] })));
  expect(checks['src-bucket']).toMatchObject({
    status: 'problem',
    details: { http_status: 403, code: 'AccessDenied' },
  });
  expect(checks['src-bucket']!.reason).toContain('bucket pf-owned: access denied to these credentials (AccessDenied)');
  expect(problems(result)).toEqual(['src-bucket']);
});

test('a source bucket in another region than the request says is a src-bucket problem naming both', async () => {
  const { result, checks } = await dryRun(stack.seedRequest(srcNode({ bucket: 'pf-far', object_key: ['x'] })));
  expect(checks['src-bucket']).toMatchObject({
    status: 'problem',
    reason: `bucket pf-far is in ${FAR_REGION}, not in ${stack.emulator.config.region} as the request says`,
    details: { bucket: 'pf-far', obs_region: FAR_REGION },
  });
  expect(problems(result)).toEqual(['src-bucket']);
});

test('a list file that exists passes with its size; a missing one is a list-file problem naming it', async () => {
  const list = (key: string): MigrationRequest =>
    stack.seedRequest({
      task_type: 'list',
      ...srcNode({ object_key: undefined, list_file: { obs_bucket: 'oms-lists', list_file_key: key } }),
    });
  const present = await dryRun(list('object_list_file.txt'));
  const stored = await stack.emulator.admin.getObject('oms-lists', 'object_list_file.txt');
  expect(present.checks['list-file']).toMatchObject({
    status: 'ok',
    details: { bucket: 'oms-lists', key: 'object_list_file.txt', size: stored!.size },
  });
  expect(present.obs.ObsHeadObject).toBe(1);
  expect(problems(present.result)).toEqual([]);

  const missing = await dryRun(list('lists/absent.txt'));
  expect(missing.checks['list-file']).toMatchObject({
    status: 'problem',
    reason: 'object lists/absent.txt in bucket oms-lists does not exist (NoSuchKey)',
    details: { http_status: 404, code: 'NoSuchKey' },
  });
  expect(problems(missing.result)).toEqual(['list-file']);
});

test('a missing destination bucket is a dst-bucket problem naming it; write access is not claimed', async () => {
  const seed = stack.seedRequest();
  const { result, checks } = await dryRun({ ...seed, dst_node: { ...seed.dst_node, bucket: 'pf-nowhere' } });
  expect(checks['dst-bucket']).toMatchObject({
    status: 'problem',
    reason: 'bucket pf-nowhere does not exist (NoSuchBucket)',
  });
  expect(checks['dst-writable']).toEqual({
    name: 'dst-writable',
    status: 'skipped',
    reason: 'OBS offers no way to check write access without writing',
  });
  expect(problems(result)).toEqual(['dst-bucket']);
});

test('a wrong destination secret key is a dst-bucket problem (SignatureDoesNotMatch), the key never shown', async () => {
  const seed = stack.seedRequest();
  const { result, checks } = await dryRun({ ...seed, dst_node: { ...seed.dst_node, credential_profile: 'baddst' } });
  expect(checks['dst-bucket']).toMatchObject({
    status: 'problem',
    details: { http_status: 403, code: 'SignatureDoesNotMatch' },
  });
  expect(checks['dst-bucket']!.reason).toContain('bucket api-test-outline: access denied to these credentials');
  // The profile itself is complete: only OBS can tell the key is wrong.
  expect(checks['node-profiles']!.status).toBe('ok');
  expect(problems(result)).toEqual(['dst-bucket']);
});

test('OBS failing (503) on the listing is that check’s problem with its status; the dry run still answers', async () => {
  await stack.emulator.admin.addFaults({ route: 'ObsListObjects', kind: 'error', status: 503, times: 1 });
  try {
    const { result, checks, obs } = await dryRun(
      stack.seedRequest({ task_type: 'prefix', ...srcNode({ bucket: 'pf-data', object_key: ['data/'] }) }),
    );
    expect(checks['prefix-estimate']).toMatchObject({ status: 'problem', details: { http_status: 503 } });
    expect(checks['prefix-estimate']!.reason).toMatch(/^listing the source prefixes: OBS answered 503/);
    expect(checks['prefix-estimate']!.reason).toContain('(bucket pf-data at http://127.0.0.1:');
    // One attempt of the activity: the failed page was not asked again.
    expect(obs.ObsListObjects).toBe(1);
    expect(problems(result)).toEqual(['prefix-estimate']);
  } finally {
    await stack.emulator.admin.clearFaults();
  }
});
