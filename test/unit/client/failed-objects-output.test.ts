/** What `report` prints for a report's failed-object summary, and how `report --failed-objects` refuses. */
import { renderFailedObjectsSummary, runFailedObjectsCommand } from '../../../client/cli/failed-objects-command';
import type { MigrationReport } from '../../../workflows/report-types';

function report(overrides: Partial<MigrationReport>): MigrationReport {
  return {
    migration_id: 'm-1',
    task_id: 1,
    task_name: 't',
    task_type: 'prefix',
    outcome: 'failed',
    status: 4,
    total_num: 30,
    successful_num: 5,
    failed_num: 25,
    skipped_num: 0,
    total_size: 0,
    complete_size: 0,
    real_size: 0,
    failed_object_record: { result: true, list_file_key: 'oms/l.txt', error_code: null },
    error_reason: null,
    start_time: 0,
    total_time: 0,
    retry_rounds: 1,
    src_bucket: 's',
    dst_bucket: 'd',
    api_calls: { iam: 0, oms: 0, create: 0, show: 0, list: 0, start: 0, stop: 0, other: 0 },
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: '2026-01-01T00:01:00.000Z',
    ...overrides,
  };
}

const location = { bucket: 'd', region: 'cn-north-4', credential_profile: 'dst', list_file_key: 'oms/l.txt' };

test('a summary with more keys than shown: the keys, the histogram, how to get all, and each round', () => {
  const lines = renderFailedObjectsSummary(
    report({
      failed_objects: {
        ...location,
        summary: {
          count: 25,
          first_keys: ['a', 'b'],
          reasons: [{ error_code: 'TRF.0159', count: 25 }],
          list_bytes: 100,
        },
        rounds: [
          { round: 0, failed_num: 30, count: 30, first_keys: ['a', 'b', 'c'] },
          { round: 1, failed_num: 25, unavailable: { code: 'ObsUnavailable', message: 'x' } },
        ],
      },
    }),
  );
  expect(lines).toEqual([
    'Failed objects: 25 in d/oms/l.txt (first 2 below)',
    '  a',
    '  b',
    '  reasons: TRF.0159 ×25',
    '  all keys: report m-1 --failed-objects',
    '  after first run: 30 failed — a, b, c, …',
    '  after retry round 1: 25 failed — list unavailable (ObsUnavailable)',
  ]);
});

test('keys only, and an unavailable summary, say so', () => {
  expect(
    renderFailedObjectsSummary(
      report({
        failed_num: 1,
        failed_objects: {
          ...location,
          summary: { count: 1, first_keys: ['a'], reasons: 'not recorded in the list', list_bytes: 2 },
          rounds: [{ round: 0, failed_num: 1, count: 1, first_keys: ['a'] }],
        },
      }),
    ),
  ).toEqual(['Failed objects: 1 in d/oms/l.txt', '  a', '  reasons: not recorded in the list']);
  expect(
    renderFailedObjectsSummary(
      report({
        failed_objects: {
          ...location,
          unavailable: { code: 'AccessDenied', message: 'OBS answered 403 AccessDenied' },
          rounds: [],
        },
      }),
    ),
  ).toEqual(['Failed objects: summary unavailable (AccessDenied: OBS answered 403 AccessDenied)']);
  expect(renderFailedObjectsSummary(report({ failed_num: 0 }))).toEqual([]);
});

test('--failed-objects without a list or without keys: exit codes and messages, nothing on stdout', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const run = (r: MigrationReport | undefined) =>
    runFailedObjectsCommand(
      { outcome: r?.outcome ?? 'error', ...(r ? { report: r } : {}) },
      { out: (l) => out.push(l), err: (l) => err.push(l), env: {} },
    );
  expect(await run(report({ failed_num: 0 }))).toBe(0);
  expect(await run(undefined)).toBe(1);
  expect(await run(report({ failed_objects: { ...location, list_file_key: null, rounds: [] } }))).toBe(1);
  expect(await run(report({ failed_objects: { ...location, rounds: [] } }))).toBe(2);
  expect(out).toEqual([]);
  expect(err[0]).toBe('Migration m-1 has no failed objects');
  expect(err[3]).toContain('set OMS_PROFILE_DST_AK and OMS_PROFILE_DST_SK');
});
