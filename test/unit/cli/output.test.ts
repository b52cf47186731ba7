import { describeJsonError } from '../../../client/cli/io';
import { resultLines } from '../../../client/cli/migration-output';
import { ordinal, progressLine, waitingForSlotTexts, type ProgressView } from '../../../client/cli/progress';
import type { MigrationReport } from '../../../workflows/report-types';
import type { TaskSnapshot } from '../../../workflows/task-status';

const snapshot = (over: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  id: 1759,
  name: 'task',
  status: 2,
  progress: 0.456,
  total_num: 200,
  successful_num: 90,
  failed_num: 3,
  skipped_num: 0,
  total_size: 3 * 1024 ** 3,
  complete_size: 1.4 * 1024 ** 3,
  real_size: 0,
  migrate_speed: 12 * 1024 ** 2,
  left_time: 123_000,
  is_query_over: true,
  total_time: 60_000,
  start_time: 0,
  error_reason: null,
  failed_object_record: null,
  ...over,
});
const running: ProgressView = { migration_id: 'm', phase: 'running', paused: false, updated_at: '' };

describe('progress line', () => {
  test('fits every width from 20 to 160 columns, dropping fields rather than wrapping', () => {
    const full = progressLine(snapshot(), running, 160);
    expect(full).toBe(
      '[#########-----------]  45.6%  93/200 objects (3 failed)  1.4 GiB/3.0 GiB  12.0 MiB/s  ETA 2m03s  EXECUTING',
    );
    for (let width = 20; width <= 160; width++) {
      expect(progressLine(snapshot(), running, width).length).toBeLessThanOrEqual(width);
    }
    expect(progressLine(snapshot(), running, 79)).toBe(
      '[#####-----]  45.6%  93/200 3 failed  1.4 GiB/3.0 GiB  ETA 2m03s  EXECUTING',
    );
    expect(progressLine(snapshot(), running, 45)).toBe('45.6%  93/200 3 failed  ETA 2m03s  EXECUTING');
    expect(progressLine(snapshot(), running, 40)).toBe('45.6%  EXECUTING');
  });

  test('ETA only while the task executes with progress; never "ETA 0s"', () => {
    expect(progressLine(snapshot(), { ...running, paused: true, phase: 'paused' }, 160)).not.toContain('ETA');
    expect(
      progressLine(snapshot({ status: 5, left_time: 0, progress: 1 }), { ...running, phase: 'done' }, 160),
    ).not.toContain('ETA');
    expect(progressLine(snapshot({ status: 1, left_time: 0, progress: 0 }), running, 160)).not.toContain('ETA');
    expect(progressLine(snapshot({ status: 4 }), running, 160)).not.toContain('ETA');
    expect(progressLine(snapshot({ left_time: 0 }), running, 160)).not.toContain('ETA');
    expect(progressLine(snapshot({ status: 3 }), { ...running, paused: true }, 160)).toMatch(/ paused$/);
  });

  test('a migration waiting for a region slot says so, in the words that fit', () => {
    const waiting: ProgressView = {
      ...running,
      phase: 'waiting_for_quota',
      waiting_for_slot: {
        region: 'cn-north-7',
        position: 3,
        waiting: 4,
        running: 5,
        limit: 5,
        holders: ['m-a', 'm-b'],
      },
    };
    expect(progressLine(undefined, waiting, 160)).toBe(
      '[--------------------]   0.0%  waiting for a cn-north-7 slot (3rd in line; 5/5 running: m-a, m-b, …)',
    );
    expect(progressLine(undefined, waiting, 60)).toBe('waiting for a cn-north-7 slot (3rd in line; 5/5 running)');
    expect(
      waitingForSlotTexts({ region: 'r', position: 1, waiting: 1, running: 2, limit: 2, holders: ['a', 'b'] })[0],
    ).toBe('waiting for a r slot (1st in line; 2/2 running: a, b)');
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '101st',
    ]);
    expect(progressLine(undefined, { ...running, phase: 'creating' }, 80)).toBe(
      '[--------------------]   0.0%  creating the OMS task',
    );
  });
});

describe('report', () => {
  const report = (over: Partial<MigrationReport> = {}): MigrationReport => ({
    migration_id: 'm',
    task_id: 1759,
    task_name: 't',
    task_type: 'object',
    outcome: 'completed_with_failures',
    status: 5,
    total_num: 200,
    successful_num: 195,
    failed_num: 5,
    skipped_num: 0,
    total_size: 2048,
    complete_size: 2048,
    real_size: 2048,
    failed_object_record: { result: true, list_file_key: 'oms/failed_object_lists/1759.txt', error_code: null },
    error_reason: { error_code: 'TRF.0159', error_msg: '5 object(s) failed to be migrated.' },
    start_time: 0,
    total_time: 61_000,
    retry_rounds: 0,
    src_bucket: 's',
    dst_bucket: 'dst',
    api_calls: { iam: 1, oms: 9, create: 1, show: 8, list: 0, start: 0, stop: 0, other: 0 },
    started_at: '',
    finished_at: '',
    ...over,
  });

  test('failed objects are said once, readably; both durations when the report has them', () => {
    const lines = resultLines({
      outcome: 'completed_with_failures',
      report: report({ elapsed_ms: 182_000, active_ms: 121_000 }),
      failure: { type: 'TaskFailed', message: 'OMS task 1759 failed (TRF.0159: 5 object(s) failed to be migrated.)' },
    });
    expect(lines).toEqual([
      'Outcome: completed_with_failures — OMS task 1759 failed (TRF.0159: 5 object(s) failed to be migrated.) [TaskFailed]',
      'OMS task: 1759, status SUCCEEDED',
      'Task name: t',
      'Objects: 195 succeeded, 5 failed, 0 skipped of 200',
      'Bytes: 2.0 KiB of 2.0 KiB in 3m02s (active 2m01s)',
      'Failed objects: listed in dst/oms/failed_object_lists/1759.txt',
      'API calls: 9 OMS (1 create, 8 show), 1 IAM',
    ]);
    expect(resultLines({ outcome: 'completed_with_failures', report: report() })).toContain(
      'OMS error: TRF.0159 5 object(s) failed to be migrated.',
    );
    expect(resultLines({ outcome: 'succeeded', report: report() })[4]).toBe('Bytes: 2.0 KiB of 2.0 KiB in 1m01s');
  });
});

describe('JSON syntax errors name the line and column, never the content', () => {
  test.each([
    ['{\n  "a": 1,\n  "b" 2\n}', "line 3, column 7 (expected ':' after the property name)"],
    ['{\n  "task_type": "object",\n  "src_node" {}\n}', "line 3, column 14 (expected ':' after the property name)"],
    ['{"secret": "SK-123"', "line 1, column 20 (expected ',' or '}')"],
    ['[1,]', 'line 1, column 4 (expected a value)'],
    [String.raw`{"a": "x\u12"}`, String.raw`line 1, column 10 (expected four hex digits after \u)`],
    ['{"a": 1} extra', 'line 1, column 10 (expected the end of the file)'],
    ['', 'line 1, column 1 (expected a value)'],
  ])('%j', (text, expected) => {
    expect(() => JSON.parse(text) as unknown).toThrow();
    const message = describeJsonError(text);
    expect(message).toBe(`not valid JSON at ${expected}`);
    expect(message).not.toContain('SK-123');
  });

  test('valid JSON has no error position', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "\\u00e9"]} ', '"x"', '0']) {
      expect(() => JSON.parse(text) as unknown).not.toThrow();
      expect(describeJsonError(text)).toBe('not valid JSON');
    }
  });
});
