/**
 * Failed objects end to end (real dev server, emulator, worker): a migration whose objects fail reports a bounded
 * summary of OMS's failed-object list, read by the worker from the destination bucket with the official OBS SDK,
 * equal to the emulator's ground truth; each retry round says which objects still failed; the whole list streams
 * to the operator; a list the worker may not read is reported as unavailable, without failing anything else.
 */
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import { runFailedObjectsCommand } from '../../client/cli/failed-objects-command';
import type { MigrationReport } from '../../workflows/report-types';
import { startStack, stackSecrets, type Stack } from '../helpers/stack';
import { uniqueId } from '../helpers/wait';

jest.setTimeout(180_000);

const DOMAIN = DEFAULT_EMULATOR_CONFIG.iam.domains[0]!.id;
const OTHER_DOMAIN = 'aaaabbbbccccddddeeeeffff00001111';
const OTHER_AK = 'OTHERACCOUNTAK000001';
const OTHER_SK = 'otherAccountSecret0000000000000000000001';
const BAD = 520;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    emulator: {
      timeScale: 2_000,
      config: {
        iam: {
          domains: [
            ...structuredClone(DEFAULT_EMULATOR_CONFIG.iam.domains),
            { id: OTHER_DOMAIN, name: 'other', users: [], projects: [] },
          ],
        },
        accessKeys: [
          ...structuredClone(DEFAULT_EMULATOR_CONFIG.accessKeys),
          { ak: OTHER_AK, sk: OTHER_SK, domainId: OTHER_DOMAIN },
        ],
        buckets: [
          ...structuredClone(DEFAULT_EMULATOR_CONFIG.buckets),
          {
            name: 'many-failures',
            generate: [
              { count: BAD, size: 1024, prefix: 'bad/' },
              { count: 30, size: 1024, prefix: 'ok/' },
            ],
          },
          { name: 'fo-owned', owner: DOMAIN },
          {
            name: 'fo-rounds',
            generate: [
              { count: 4, size: 1024, prefix: 'flaky/' },
              { count: 3, size: 1024, prefix: 'bad/' },
            ],
          },
        ],
        simulation: {
          failureRules: [
            ...structuredClone(DEFAULT_EMULATOR_CONFIG.simulation.failureRules),
            { bucket: 'many-failures', glob: 'bad/**', errorCode: 'TRF.0159' },
            { bucket: 'fo-rounds', glob: 'bad/**', errorCode: 'TRF.0061' },
            { bucket: 'fo-rounds', glob: 'flaky/**', errorCode: 'TRF.0159', failRuns: 1 },
          ],
          failedListFormat: 'key-tab-code',
        },
      },
    },
    // A destination profile of another account: it may run tasks, but not read the owned bucket over OBS.
    workerEnv: { OMS_PROFILE_INTRUDER_AK: OTHER_AK, OMS_PROFILE_INTRUDER_SK: OTHER_SK },
  });
});
afterAll(async () => {
  await stack?.close();
});

/** The list as the emulator wrote it, split into entries (key, code). */
async function groundTruth(report: MigrationReport): Promise<{ key: string; code: string }[]> {
  const text = await stack.emulator.admin.readObject(report.dst_bucket, report.failed_object_record!.list_file_key!);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [key, code] = l.split('\t');
      return { key: key!, code: code! };
    });
}

/** Runs a prefix migration of `bucket` to its end; its report and history size. */
async function migrate(prefix: string, bucket: string, rounds = 0) {
  const id = uniqueId(prefix);
  await stack.migrations.start(
    stack.seedRequest({
      task_type: 'prefix',
      src_node: { ...stack.seedRequest().src_node, bucket, object_key: [''] },
      dst_node: { ...stack.seedRequest().dst_node, save_prefix: `${id}/` },
      orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1, failed_object_retry_rounds: rounds },
    }),
    { migrationId: id },
  );
  const report = (await stack.migrations.result(id)).report!;
  const history = await stack.migrations.handle(id).fetchHistory();
  return { id, report, events: history.events?.length ?? 0, history: JSON.stringify(history) };
}

describe('a migration that ends with 520 failed objects', () => {
  let many: Awaited<ReturnType<typeof migrate>>;
  let few: Awaited<ReturnType<typeof migrate>>;
  let report: MigrationReport;

  beforeAll(async () => {
    [many, few] = await Promise.all([migrate('many-failed', 'many-failures'), migrate('few-failed', 'demo-failures')]);
    report = many.report;
  });

  test('the report summarises the list the emulator wrote: count, first 20 keys, histogram by code', async () => {
    expect(report).toMatchObject({ failed_num: BAD, retry_rounds: 0 });
    const truth = await groundTruth(report);
    expect(truth).toHaveLength(BAD);
    const fo = report.failed_objects!;
    expect(fo).toMatchObject({
      bucket: 'api-test-outline',
      region: stack.emulator.config.region,
      credential_profile: 'dst',
      list_file_key: report.failed_object_record!.list_file_key,
    });
    expect(fo.unavailable).toBeUndefined();
    expect(fo.summary!.count).toBe(truth.length);
    expect(fo.summary!.first_keys).toEqual(truth.slice(0, 20).map((t) => t.key));
    expect(fo.summary!.reasons).toEqual([{ error_code: 'TRF.0159', count: BAD }]);
  });

  test('history does not grow with the list: as many events as for a 5-key list, bounded, no secret', () => {
    expect(few.report.failed_objects!.summary).toMatchObject({
      count: 5,
      reasons: [{ error_code: 'TRF.0159', count: 5 }],
    });
    // The list adds no event: 520 keys cost what 5 do (45 events each on a quiet machine). Timing alone moves the
    // count a little (a poll that catches an intermediate status adds its three activity events, a signal landing
    // during a workflow task splits it), so the two runs, side by side, may differ by that much and no more.
    expect(Math.abs(many.events - few.events)).toBeLessThanOrEqual(6);
    expect(Math.max(many.events, few.events)).toBeLessThanOrEqual(56);
    expect(JSON.stringify(report.failed_objects).length).toBeLessThan(4 * 1024);
    expect(many.history.length - few.history.length).toBeLessThan(4 * 1024);
    for (const secret of stackSecrets(stack.emulator)) expect(many.history).not.toContain(secret);
  });

  test('report --failed-objects streams every key of the list with the operator environment', async () => {
    const truth = await groundTruth(report);
    const [account] = stack.emulator.config.accessKeys;
    const keys: string[] = [];
    const messages: string[] = [];
    const code = await runFailedObjectsCommand(
      { outcome: report.outcome, report },
      {
        out: (line) => keys.push(line),
        err: (line) => messages.push(line),
        env: {
          OMS_PROFILE_DST_AK: account!.ak,
          OMS_PROFILE_DST_SK: account!.sk,
          OMS_OBS_ENDPOINT: stack.emulator.url,
          OMS_ALLOW_INSECURE_HTTP: 'true',
        },
      },
    );
    expect(code).toBe(0);
    expect(keys).toEqual(truth.map((t) => t.key));
    expect(messages).toEqual([
      `${BAD} failed object(s) listed from api-test-outline/${report.failed_objects!.list_file_key}`,
    ]);
    // Without the keys the operator is told which variables to set.
    const refused: string[] = [];
    const usage = await runFailedObjectsCommand(
      { outcome: report.outcome, report },
      { out: () => undefined, err: (line) => refused.push(line), env: { OMS_OBS_ENDPOINT: stack.emulator.url } },
    );
    expect(usage).toBe(2);
    expect(refused.join('\n')).toContain('OMS_PROFILE_DST_AK');
  });
});

test('after each retry round the summary says which objects still failed', async () => {
  const { report } = await migrate('fo-rounds', 'fo-rounds', 2);
  // Round 1 recovers the flaky objects (they fail only in the first run); round 2 recovers nothing, so the
  // rounds stop there. Each run's list is read before the next round overwrites it.
  expect(report).toMatchObject({ failed_num: 3, retry_rounds: 2 });
  const all = ['bad/0.dat', 'bad/1.dat', 'bad/2.dat', 'flaky/0.dat', 'flaky/1.dat'];
  expect(report.failed_objects!.rounds).toEqual([
    { round: 0, failed_num: 7, count: 7, first_keys: all },
    { round: 1, failed_num: 3, count: 3, first_keys: all.slice(0, 3) },
    { round: 2, failed_num: 3, count: 3, first_keys: all.slice(0, 3) },
  ]);
  expect(report.failed_objects!.summary).toMatchObject({
    count: 3,
    first_keys: all.slice(0, 3),
    reasons: [{ error_code: 'TRF.0061', count: 3 }],
  });
});

test('OBS failing for a while: the read is retried by the activity retry policy and the summary arrives', async () => {
  await stack.emulator.admin.addFaults({ route: 'ObsGetObject', kind: 'error', status: 503, times: 2 });
  const before = (await stack.emulator.admin.requests({ route: 'ObsGetObject' })).length;
  const { report } = await migrate('fo-flaky-obs', 'demo-failures');
  expect(report.failed_objects!.summary).toMatchObject({ count: 5 });
  const reads = (await stack.emulator.admin.requests({ route: 'ObsGetObject' })).slice(before);
  expect(reads.map((r) => r.status)).toEqual([503, 503, 200]);
  // The worker's reads are signed with the destination's access key (the product's own OBS read).
  expect(reads.at(-1)!.authMode).toBe('aksk');
});

test('a list the destination profile may not read: the summary is unavailable with the OBS reason, the rest unchanged', async () => {
  const id = uniqueId('fo-denied');
  await stack.migrations.start(
    stack.seedRequest({
      task_type: 'prefix',
      src_node: { ...stack.seedRequest().src_node, bucket: 'demo-failures', object_key: [''] },
      dst_node: { ...stack.seedRequest().dst_node, bucket: 'fo-owned', credential_profile: 'intruder' },
    }),
    { migrationId: id },
  );
  const { report } = await stack.migrations.result(id);
  expect(report).toMatchObject({ failed_num: 5, successful_num: 15 });
  const fo = report!.failed_objects!;
  expect(fo.summary).toBeUndefined();
  expect(fo.unavailable).toMatchObject({ code: 'AccessDenied' });
  expect(fo.unavailable!.message).toContain('403');
  expect(fo.rounds).toEqual([{ round: 0, failed_num: 5, unavailable: fo.unavailable }]);
  expect(JSON.stringify(report)).not.toContain(OTHER_SK);
});
