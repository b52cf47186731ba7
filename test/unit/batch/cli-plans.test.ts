import { BATCH_HELP, planBatchCommand, printBatchResult } from '../../../client/cli/batch-command';
import { SCHEDULE_HELP, parseOverlap, planScheduleCommand } from '../../../client/cli/schedule-command';
import { OVERLAP_POLICIES } from '../../../client/schedules';
import type { BatchReport } from '../../../workflows/batch-types';

const valid = {
  items: [
    {
      src_node: { region: 'r', bucket: 'b', credential_profile: 'p', object_key: [''] },
      dst_node: { region: 'cn-north-4', bucket: 'd', credential_profile: 'p' },
    },
  ],
};
const files: Record<string, unknown> = { 'valid.json': valid, 'invalid.json': { items: [] } };
const readJson = (file: string): unknown => {
  if (!(file in files)) throw new Error(`ENOENT: no such file ${file}`);
  return files[file];
};
const usage = (plan: ReturnType<typeof planScheduleCommand>): string => ('usage' in plan ? plan.usage : '');

describe('schedule command parsing (before any connection)', () => {
  test.each([
    [[], 'Missing schedule subcommand.'],
    [['start'], 'Unknown schedule subcommand "start".'],
    [['describe'], 'Missing <schedule-id>.'],
    [['create', 'nightly'], 'Missing --file.'],
  ])('%j → usage error', (args, message) => {
    expect(usage(planScheduleCommand(args, {}, readJson))).toBe(`${message}\n\n${SCHEDULE_HELP}`);
  });

  test('create needs exactly one of --cron and --every, and a valid batch', () => {
    expect(usage(planScheduleCommand(['create', 'n'], { file: 'valid.json' }, readJson))).toContain('exactly one of');
    expect(
      usage(planScheduleCommand(['create', 'n'], { file: 'valid.json', cron: '0 2 * * *', every: '1h' }, readJson)),
    ).toContain('exactly one of');
    expect(usage(planScheduleCommand(['create', 'n'], { file: 'invalid.json', every: '1h' }, readJson))).toContain(
      'items: must contain 1 to 100000 items',
    );
    expect(usage(planScheduleCommand(['create', 'n'], { file: 'missing.json', every: '1h' }, readJson))).toContain(
      'Cannot read missing.json',
    );
    expect(planScheduleCommand(['create', 'n'], { file: 'valid.json', every: '1h' }, readJson)).toHaveProperty('run');
    expect(
      planScheduleCommand(['create', 'n'], { file: 'valid.json', cron: '0 2 * * *', incremental: true }, readJson),
    ).toHaveProperty('run');
  });

  test('backfill needs an ordered ISO period; overlap must be a policy', () => {
    expect(usage(planScheduleCommand(['backfill', 'n'], { start: '2026-01-02' }, readJson))).toContain(
      '--start and --end',
    );
    expect(
      usage(planScheduleCommand(['backfill', 'n'], { start: '2026-01-02', end: '2026-01-01' }, readJson)),
    ).toContain('end after start');
    expect(usage(planScheduleCommand(['trigger', 'n'], { overlap: 'sometimes' }, readJson))).toContain('--overlap');
    expect(planScheduleCommand(['trigger', 'n'], { overlap: 'buffer-one' }, readJson)).toHaveProperty('run');
  });

  test('overlap policies parse case- and separator-insensitively', () => {
    expect(parseOverlap('skip')).toBe('SKIP');
    expect(parseOverlap('cancel-other')).toBe('CANCEL_OTHER');
    expect(parseOverlap('Allow_All')).toBe('ALLOW_ALL');
    expect(parseOverlap('never')).toBeUndefined();
    expect(OVERLAP_POLICIES).toHaveLength(6);
  });
});

describe('batch command parsing and results', () => {
  test('usage errors', () => {
    expect(usage(planBatchCommand([], {}, readJson))).toBe(`Missing batch subcommand.\n\n${BATCH_HELP}`);
    expect(usage(planBatchCommand(['start'], {}, readJson))).toContain('Missing --file');
    expect(usage(planBatchCommand(['start'], { file: 'invalid.json' }, readJson))).toContain('Invalid batch');
    expect(usage(planBatchCommand(['report'], {}, readJson))).toContain('Missing <batch-id>');
    expect(planBatchCommand(['start'], { file: 'valid.json' }, readJson)).toHaveProperty('run');
  });

  test('exit codes follow the outcome', () => {
    const lines: string[] = [];
    const out = (t: string): number => lines.push(t);
    const report = {
      outcome: 'completed_with_failures',
      counts: {},
      totals: {},
      failed_items: [],
    } as unknown as BatchReport;
    expect(printBatchResult({ outcome: 'succeeded' }, false, out)).toBe(0);
    expect(printBatchResult({ outcome: 'completed_with_failures' }, true, out)).toBe(4);
    expect(
      printBatchResult({ outcome: 'failed', failure: { type: 'BatchFailed', message: 'stopped' } }, false, out),
    ).toBe(3);
    expect(printBatchResult({ outcome: 'cancelled' }, false, out)).toBe(3);
    expect(
      printBatchResult({ outcome: 'error', failure: { type: 'InvalidMigrationInput', message: 'bad' } }, false, out),
    ).toBe(2);
    expect(report.outcome).toBe('completed_with_failures');
  });
});
