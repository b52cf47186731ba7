import { ApplicationFailure, CancelledFailure, TerminatedFailure } from '@temporalio/common';

import {
  MAX_LISTED_ITEMS,
  batchOutcome,
  buildBatchReport,
  emptyTally,
  failedItemCount,
  notStartedItem,
  outcomeFromFailure,
  recordItem,
  renderBatchDetails,
  summarizeItem,
  type ReportContext,
} from '../../../workflows/shared/batch-report';
import type { BatchProgress } from '../../../workflows/batch-types';
import type { MigrationReport } from '../../../workflows/report-types';

function report(overrides: Partial<MigrationReport> = {}): MigrationReport {
  return {
    migration_id: 'b/item-0',
    task_id: 175996210659552,
    task_name: 'src-dst-20260101_001',
    task_type: 'prefix',
    outcome: 'succeeded',
    status: 5,
    total_num: 10,
    successful_num: 10,
    failed_num: 0,
    skipped_num: 0,
    total_size: 1000,
    complete_size: 1000,
    real_size: 1000,
    failed_object_record: { result: null, list_file_key: null, error_code: null },
    error_reason: null,
    start_time: 0,
    total_time: 0,
    retry_rounds: 0,
    src_bucket: 'src',
    dst_bucket: 'dst',
    api_calls: { iam: 0, oms: 0, create: 0, show: 0, list: 0, start: 0, stop: 0, other: 0 },
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: '2026-01-01T01:00:00.000Z',
    ...overrides,
  };
}

const RECORD = { result: true, list_file_key: 'oms/failed_object_lists/1/failed-objects-list.txt', error_code: null };

const ctx = (overrides: Partial<ReportContext> = {}): ReportContext => ({
  batch_id: 'b',
  label: null,
  items_total: 3,
  stopped_by_failure_policy: false,
  cancelled: false,
  incremental: null,
  runs: 1,
  started_at: '2026-01-01T00:00:00.000Z',
  finished_at: '2026-01-01T02:00:00.000Z',
  ...overrides,
});

describe('item outcomes', () => {
  test('a completed migration: its report figures', () => {
    expect(summarizeItem(0, 'b/item-0', { report: report(), failure: null, cancelled: false })).toEqual({
      index: 0,
      migration_id: 'b/item-0',
      outcome: 'succeeded',
      task_id: 175996210659552,
      total_num: 10,
      successful_num: 10,
      failed_num: 0,
      skipped_num: 0,
      total_size: 1000,
      complete_size: 1000,
      retry_rounds: 0,
      failure: null,
      failed_object_record: null,
    });
  });

  test('a typed failure keeps its type, message and report (with the failed-object record)', () => {
    const failed = report({
      outcome: 'failed',
      status: 4,
      failed_num: 5,
      failed_object_record: RECORD,
      retry_rounds: 1,
    });
    const record = outcomeFromFailure(
      ApplicationFailure.create({ type: 'MigrationFailed', message: 'OMS task failed', details: [failed] }),
    );
    expect(record).toEqual({
      report: failed,
      failure: { type: 'MigrationFailed', message: 'OMS task failed' },
      cancelled: false,
    });
    expect(summarizeItem(1, 'b/item-1', record)).toMatchObject({
      outcome: 'failed',
      failed_num: 5,
      retry_rounds: 1,
      failed_object_record: RECORD,
      failure: { type: 'MigrationFailed' },
    });
  });

  test('failures without a report, cancellation, termination', () => {
    const auth = outcomeFromFailure(ApplicationFailure.create({ type: 'ApiAuth', message: 'x'.repeat(1000) }));
    expect(auth.report).toBeNull();
    expect(auth.failure!.message).toHaveLength(300);
    expect(summarizeItem(2, 'id', auth)).toMatchObject({ outcome: 'failed', task_id: null, total_num: 0 });
    const cancelled = outcomeFromFailure(new CancelledFailure('cancelled'));
    expect(summarizeItem(3, 'id', cancelled).outcome).toBe('cancelled');
    expect(outcomeFromFailure(new TerminatedFailure('by operator')).failure).toEqual({
      type: 'Terminated',
      message: 'by operator',
    });
    const stopped = report({ outcome: 'stopped', status: 3 });
    const stoppedRecord = outcomeFromFailure(
      ApplicationFailure.create({ type: 'MigrationStopped', details: [stopped] }),
    );
    expect(summarizeItem(4, 'id', stoppedRecord).outcome).toBe('stopped');
    expect(notStartedItem(5, 'b/item-5')).toMatchObject({ outcome: 'not_started', failure: null, task_id: null });
  });
});

describe('tally and report', () => {
  test('totals, counts, failed items and the batch outcome', () => {
    const tally = emptyTally();
    const failed = report({
      outcome: 'failed',
      status: 4,
      successful_num: 5,
      failed_num: 5,
      failed_object_record: RECORD,
    });
    recordItem(tally, summarizeItem(2, 'b/item-2', { report: report(), failure: null, cancelled: false }), 3);
    recordItem(
      tally,
      summarizeItem(0, 'b/item-0', {
        report: failed,
        failure: { type: 'MigrationFailed', message: 'm' },
        cancelled: false,
      }),
      3,
    );
    recordItem(tally, notStartedItem(1, 'b/item-1'), 3);
    expect(tally.counts).toEqual({
      succeeded: 1,
      completed_with_failures: 0,
      failed: 1,
      stopped: 0,
      cancelled: 0,
      not_started: 1,
    });
    expect(tally.totals).toEqual({
      total_num: 20,
      successful_num: 15,
      failed_num: 5,
      skipped_num: 0,
      total_size: 2000,
      complete_size: 2000,
    });
    expect(failedItemCount(tally)).toBe(1);

    const r = buildBatchReport(tally, ctx({ stopped_by_failure_policy: true }));
    expect(r.outcome).toBe('failed');
    expect(r.items.map((i) => i.index)).toEqual([0, 1, 2]);
    expect(r.failed_items.map((i) => i.index)).toEqual([0]);
    expect(r.failed_items[0]!.failed_object_record).toEqual(RECORD);
    expect(batchOutcome(tally, false, false)).toBe('completed_with_failures');
    expect(batchOutcome(tally, false, true)).toBe('cancelled');
  });

  test('every item succeeded: succeeded', () => {
    const tally = emptyTally();
    recordItem(tally, summarizeItem(0, 'id', { report: report(), failure: null, cancelled: false }), 1);
    expect(buildBatchReport(tally, ctx({ items_total: 1 })).outcome).toBe('succeeded');
    const withFailures = emptyTally();
    const partial = report({ outcome: 'completed_with_failures', failed_num: 1 });
    recordItem(withFailures, summarizeItem(0, 'id', { report: partial, failure: null, cancelled: false }), 1);
    expect(batchOutcome(withFailures, false, false)).toBe('completed_with_failures');
  });

  test('10,000 items: the carried tally stays small (rows only for notable items, at most 1,000)', () => {
    const tally = emptyTally();
    for (let i = 0; i < 10_000; i++) {
      const record =
        i % 10 === 0
          ? {
              report: report({ outcome: 'failed', failed_num: 1, failed_object_record: RECORD }),
              failure: { type: 'MigrationFailed', message: 'm' },
              cancelled: false,
            }
          : { report: report(), failure: null, cancelled: false };
      recordItem(tally, summarizeItem(i, `batch/item-${i}`, record), 10_000);
    }
    expect(tally.counts.succeeded).toBe(9_000);
    expect(tally.counts.failed).toBe(1_000);
    expect(tally.rows).toHaveLength(MAX_LISTED_ITEMS);
    expect(tally.rows.every((r) => r.outcome === 'failed')).toBe(true);
    expect(tally.omitted).toBe(9_000);
    expect(tally.totals.total_num).toBe(100_000);
    expect(JSON.stringify(tally).length).toBeLessThan(600_000);
    const r = buildBatchReport(tally, ctx({ items_total: 10_000 }));
    expect(r.items_omitted).toBe(9_000);
    expect(JSON.stringify(r).length).toBeLessThan(1_500_000);
  });

  test('the UI details show the counts and the watermark', () => {
    const progress: BatchProgress = {
      batch_id: 'nightly-1',
      items_total: 10,
      waiting: 4,
      running: 3,
      done: 3,
      failed: 1,
      counts: { succeeded: 2, completed_with_failures: 0, failed: 1, stopped: 0, cancelled: 0, not_started: 0 },
      totals: {
        total_num: 30,
        successful_num: 25,
        failed_num: 5,
        skipped_num: 0,
        total_size: 3 * 1024 ** 3,
        complete_size: 1024 ** 3,
      },
      stopping: false,
      runs: 2,
      incremental: { schedule_id: 'nightly', migrate_since: 1_767_225_600, previous_run: null },
      started_at: '',
      updated_at: '',
    };
    const md = renderBatchDetails(
      { ...progress, running: 2, waiting_for_slot: 1 },
      'nightly logs',
      new Date('2026-12-01T06:30:00Z'),
    );
    const lines = md.split('\n');
    expect(lines).toContain('### Items');
    expect(lines).toContain('| Not started | Waiting for a slot | Running | Done | Failed |');
    expect(lines).toContain('| 4 | 1 | 2 | 3 | 1 |');
    expect(lines).toContain('- Bytes: 1.0 GiB of 3.0 GiB');
    expect(md).toContain('migrate_since 1767225600 (first run)');
    expect(md).toContain('Workflow run 2');
    expect(md).toContain('as of 2026-12-01 06:30:00 UTC');
  });
});
