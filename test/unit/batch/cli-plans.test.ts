import { printBatchResult, renderBatchStatus } from '../../../client/cli/commands/batch';
import {
  checkSpecOptions,
  cronProblems,
  overlapOption,
  parseOverlap,
  renderScheduleList,
  table,
  timeIn,
} from '../../../client/cli/commands/schedule';
import { CliError, EXIT } from '../../../client/cli/exit-codes';
import { OVERLAP_POLICIES } from '../../../client/schedules';
import type { BatchReport } from '../../../workflows/batch-types';

/** The CliError a call throws (fails the test when it throws nothing or something else). */
function cliError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected a CliError');
}

describe('schedule options are checked before any call, naming the option', () => {
  test.each([
    ['0 2 * * *', []],
    ['*/15 0-6 1,15 JAN-MAR mon-fri', []],
    ['@daily', []],
    ['@every 30m', []],
    ['0 25 * * *', ['hour 25 is out of range 0-23']],
    ['61 * * * *', ['minute 61 is out of range 0-59']],
    ['0 2 * *', ['expected 5 fields (minute hour day-of-month month day-of-week), got 4']],
    ['0 2 * * funday', ['day of week "funday" is not valid']],
    ['@every soon', ['@every needs a duration such as 30m or 24h']],
  ])('cron %j', (expr, problems) => {
    expect(cronProblems(expr)).toEqual(problems);
  });

  test('exactly one of --cron and --every is a usage error (2); bad values are invalid input (2), all named', () => {
    const neither = cliError(() => checkSpecOptions({}));
    expect([neither.code, neither.exitCode, neither.message]).toEqual([
      'usage',
      EXIT.USAGE,
      'Give exactly one of --cron and --every.',
    ]);
    expect(cliError(() => checkSpecOptions({ cron: '0 2 * * *', every: '1h' })).code).toBe('usage');
    const bad = cliError(() => checkSpecOptions({ every: 'often', timezone: 'Mars/Olympus', catchupWindow: '-1' }));
    expect(bad.exitCode).toBe(EXIT.USAGE);
    expect(bad.message.split('\n')).toEqual([
      '--every "often" is not a duration (examples: 30m, 6h, 24h, 1 day)',
      '--timezone "Mars/Olympus" is not an IANA time zone (examples: UTC, Asia/Shanghai)',
      '--catchup-window "-1" must be more than 0',
    ]);
    expect(() =>
      checkSpecOptions({ cron: '0 2 * * *', timezone: 'Asia/Shanghai', catchupWindow: '1 day' }),
    ).not.toThrow();
  });

  test('overlap policies parse case- and separator-insensitively; an unknown one names the choices', () => {
    expect(parseOverlap('skip')).toBe('SKIP');
    expect(parseOverlap('cancel-other')).toBe('CANCEL_OTHER');
    expect(parseOverlap('Allow_All')).toBe('ALLOW_ALL');
    expect(parseOverlap('never')).toBeUndefined();
    expect(OVERLAP_POLICIES).toHaveLength(6);
    expect(overlapOption(undefined)).toBeUndefined();
    expect(cliError(() => overlapOption('sometimes')).message).toBe(
      '--overlap: "sometimes" is not a policy; use one of skip, buffer_one, buffer_all, cancel_other, terminate_other, allow_all.',
    );
  });
});

describe('schedule list', () => {
  test('aligned columns under a header; next run in the schedule time zone; "paused" instead of next', () => {
    const lines = renderScheduleList([
      {
        id: 'nightly-shanghai',
        paused: false,
        workflow_type: 'batchMigrationWorkflow',
        next: '2026-12-01T18:00:00.000Z',
        spec: '0 2 * * *',
        timezone: 'Asia/Shanghai',
        last_run: { workflow_id: 'nightly-shanghai-2026-11-30T18:00:00Z', taken_at: '2026-11-30T18:00:00.000Z' },
        last_outcome: 'succeeded',
      },
      {
        id: 'h',
        paused: true,
        workflow_type: 'batchMigrationWorkflow',
        next: '2026-12-01T07:00:00.000Z',
        spec: 'every 1h',
        timezone: 'UTC',
        last_run: null,
        last_outcome: null,
      },
    ]);
    expect(lines).toEqual([
      'ID                STATE   SPEC                       NEXT RUN          LAST RUN',
      'nightly-shanghai  ACTIVE  0 2 * * * (Asia/Shanghai)  2026-12-02 02:00  2026-12-01 02:00 succeeded',
      'h                 PAUSED  every 1h (UTC)             paused            never',
    ]);
    expect(renderScheduleList([])).toEqual(['No schedules.']);
  });

  test('times are shown to the minute in the zone given', () => {
    expect(timeIn(new Date('2026-06-30T23:30:00Z'), 'Asia/Shanghai')).toBe('2026-07-01 07:30');
    expect(timeIn(new Date('2026-06-30T23:30:00Z'), 'UTC')).toBe('2026-06-30 23:30');
    expect(table(['A', 'B'], [['long', 'x']])).toEqual(['A     B', 'long  x']);
  });
});

describe('batch views', () => {
  test('status: items waiting for a slot apart from running ones; failed items counted; lines fit the width', () => {
    const lines = renderBatchStatus(
      {
        batch_id: 'b-1',
        run_id: 'r',
        workflow_status: 'RUNNING',
        progress: {
          batch_id: 'b-1',
          items_total: 10,
          waiting: 4,
          running: 3,
          waiting_for_slot: 1,
          done: 2,
          failed: 1,
          counts: { succeeded: 1, completed_with_failures: 0, failed: 1, stopped: 0, cancelled: 0, not_started: 0 },
          totals: {
            total_num: 20,
            successful_num: 10,
            failed_num: 2,
            skipped_num: 0,
            total_size: 4096,
            complete_size: 2048,
          },
          stopping: false,
          runs: 1,
          incremental: null,
          started_at: '2026-01-01T00:00:00Z',
          updated_at: '2026-01-01T00:00:00Z',
        },
      },
      80,
    );
    expect(lines).toEqual([
      'Batch b-1: RUNNING',
      'Items: 2/10 done · 3 running · 1 waiting for a slot · 4 not started · 1 failed',
      'Objects: 10 migrated, 2 failed, 0 skipped of 20 · bytes 2.0 KiB of 4.0 KiB',
    ]);
  });

  test('the slot count may come among the counts; without it, no slot wording', () => {
    const progress = {
      batch_id: 'b',
      items_total: 2,
      waiting: 0,
      running: 1,
      done: 0,
      failed: 0,
      counts: { succeeded: 0, completed_with_failures: 0, failed: 0, stopped: 0, cancelled: 0, not_started: 0 },
      totals: { total_num: 0, successful_num: 0, failed_num: 0, skipped_num: 0, total_size: 0, complete_size: 0 },
      stopping: false,
      runs: 1,
      incremental: null,
      started_at: '',
      updated_at: '',
    };
    const line = (p: unknown): string | undefined =>
      renderBatchStatus({ batch_id: 'b', run_id: 'r', workflow_status: 'RUNNING', progress: p as typeof progress })[1];
    expect(line({ ...progress, counts: { ...progress.counts, waiting_for_slot: 1 } })).toBe(
      'Items: 0/2 done · 1 running · 1 waiting for a slot · 0 not started · 0 failed',
    );
    expect(line(progress)).toBe('Items: 0/2 done · 1 running · 0 not started · 0 failed');
  });

  test('report: exit codes follow the outcome; failed and not-started items are listed', () => {
    const lines: string[] = [];
    const out = (t: string): number => lines.push(t);
    const item = {
      total_num: 5,
      successful_num: 0,
      failed_num: 5,
      skipped_num: 0,
      total_size: 0,
      complete_size: 0,
      task_id: 7,
      retry_rounds: 0,
    };
    const report = {
      batch_id: 'b',
      outcome: 'cancelled',
      items_total: 3,
      counts: { succeeded: 1, completed_with_failures: 1, failed: 0, stopped: 0, cancelled: 0, not_started: 1 },
      totals: { total_num: 5, successful_num: 0, failed_num: 5, skipped_num: 0, total_size: 0, complete_size: 0 },
      items: [
        {
          ...item,
          index: 1,
          migration_id: 'b/item-1',
          outcome: 'completed_with_failures',
          failure: null,
          failed_object_record: { result: true, list_file_key: 'oms/failed/1.txt', error_code: null },
        },
        {
          ...item,
          index: 2,
          migration_id: 'b/item-2',
          outcome: 'not_started',
          failure: null,
          failed_object_record: null,
        },
      ],
      failed_items: [
        {
          ...item,
          index: 1,
          migration_id: 'b/item-1',
          outcome: 'completed_with_failures',
          failure: null,
          failed_object_record: { result: true, list_file_key: 'oms/failed/1.txt', error_code: null },
        },
      ],
      incremental: null,
    } as unknown as BatchReport;
    expect(printBatchResult({ outcome: 'cancelled', report }, false, out)).toBe(EXIT.FAILED);
    expect(lines).toEqual([
      'Outcome: cancelled',
      'Items: 3 · 1 succeeded, 1 with failed objects, 0 failed, 0 stopped, 0 cancelled, 1 not started',
      'Objects: 0 migrated, 5 failed, 0 skipped of 5 · bytes 0 B of 0 B',
      'Items that did not succeed:',
      '  item 1 (b/item-1): completed_with_failures · 5 failed objects, listed in the destination/oms/failed/1.txt',
      'Not started: item 2',
    ]);
    expect(printBatchResult({ outcome: 'succeeded' }, false, out)).toBe(EXIT.OK);
    expect(printBatchResult({ outcome: 'completed_with_failures' }, true, out)).toBe(EXIT.WITH_FAILURES);
    expect(
      printBatchResult({ outcome: 'failed', failure: { type: 'BatchFailed', message: 'stopped' } }, false, out),
    ).toBe(EXIT.FAILED);
    expect(
      printBatchResult({ outcome: 'error', failure: { type: 'InvalidMigrationInput', message: 'bad' } }, false, out),
    ).toBe(EXIT.USAGE);
  });
});
