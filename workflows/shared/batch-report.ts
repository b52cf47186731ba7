/**
 * The batch's accounting as pure functions: an item's outcome → a small summary, the running tally (counters,
 * totals and a bounded list of item rows — the compact state the batch carries across continue-as-new), the
 * batch outcome, the report, and the markdown the UI shows.
 */
import {
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
  type TemporalFailure,
} from '@temporalio/common';

import type { MigrationOutcomeRecord } from '../activity-types';
import type {
  BatchCounts,
  BatchItemOutcome,
  BatchItemSummary,
  BatchOutcome,
  BatchProgress,
  BatchReport,
  BatchTotals,
  BatchWatermark,
} from '../batch-types';
import { FailureType } from '../failure-types';
import type { MigrationReport } from '../report-types';
import { objectCounts } from '../task-status';
import { asOfLine, formatBytes } from './details';

/** Batches up to this many items list every item in their report; larger ones list only the notable items. */
export const MAX_LISTED_ITEMS = 1_000;
/** Failure messages kept per item (they travel in the carried state and the report). */
const MAX_MESSAGE_LENGTH = 300;

/** Counters, totals and item rows; carried across continue-as-new (bounded by {@link MAX_LISTED_ITEMS} rows). */
export interface BatchTally {
  counts: BatchCounts;
  totals: BatchTotals;
  /** Rows kept for the report, in completion order. */
  rows: BatchItemSummary[];
  /** Items that ended without a row (large batches list only notable items). */
  omitted: number;
}

/** An empty tally. */
export function emptyTally(): BatchTally {
  return {
    counts: { succeeded: 0, completed_with_failures: 0, failed: 0, stopped: 0, cancelled: 0, not_started: 0 },
    totals: { total_num: 0, successful_num: 0, failed_num: 0, skipped_num: 0, total_size: 0, complete_size: 0 },
    rows: [],
    omitted: 0,
  };
}

function isReport(value: unknown): value is MigrationReport {
  return typeof value === 'object' && value !== null && 'outcome' in value && 'migration_id' in value;
}

function cut(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

/** The outcome record of a cancelled migration (also of an item whose start was cancelled). */
export function cancelledOutcome(message = 'cancelled'): MigrationOutcomeRecord {
  return { report: null, failure: { type: FailureType.Cancelled, message: cut(message) }, cancelled: true };
}

/**
 * How a migration ended, from the failure its workflow ended with (the `cause` of a `ChildWorkflowFailure` or of
 * a client's `WorkflowFailedError`): typed failures keep their type, message and report (`details[0]`). Types
 * come from `FailureType` (failure-types.ts); only an unknown failure keeps its own name.
 */
export function outcomeFromFailure(cause: unknown): MigrationOutcomeRecord {
  if (cause instanceof CancelledFailure) return cancelledOutcome(cause.message || 'cancelled');
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0];
    return {
      report: isReport(details) ? details : null,
      failure: { type: cause.type ?? 'Error', message: cut(cause.message) },
      cancelled: false,
    };
  }
  if (cause instanceof TerminatedFailure) {
    return { report: null, failure: { type: FailureType.Terminated, message: cut(cause.message) }, cancelled: false };
  }
  if (cause instanceof TimeoutFailure) {
    return { report: null, failure: { type: FailureType.TimedOut, message: cut(cause.message) }, cancelled: false };
  }
  const failure = cause as Partial<TemporalFailure> | undefined;
  return {
    report: null,
    failure: { type: failure?.name ?? 'Error', message: cut(failure?.message ?? String(cause)) },
    cancelled: false,
  };
}

/** The summary row of an ended item. */
export function summarizeItem(index: number, migrationId: string, record: MigrationOutcomeRecord): BatchItemSummary {
  const r = record.report;
  let outcome: BatchItemOutcome;
  if (record.failure === null && r) outcome = r.outcome;
  else if (record.cancelled) outcome = 'cancelled';
  else if (r && r.outcome !== 'succeeded' && r.outcome !== 'completed_with_failures') outcome = r.outcome;
  else outcome = 'failed';
  return {
    index,
    migration_id: migrationId,
    outcome,
    task_id: r?.task_id ?? null,
    ...objectCounts(r),
    retry_rounds: r?.retry_rounds ?? 0,
    failure: record.failure,
    failed_object_record: (r?.failed_num ?? 0) > 0 ? (r?.failed_object_record ?? null) : null,
  };
}

/** The row of an item the batch never started. */
export function notStartedItem(index: number, migrationId: string): BatchItemSummary {
  return {
    ...summarizeItem(index, migrationId, { report: null, failure: null, cancelled: false }),
    outcome: 'not_started',
  };
}

/** Items worth listing whatever the batch size: anything but a plain success. */
export function isNotable(outcome: BatchItemOutcome): boolean {
  return outcome !== 'succeeded';
}

/** Adds an ended item to the tally (mutates it). */
export function recordItem(tally: BatchTally, row: BatchItemSummary, itemsTotal: number): void {
  tally.counts[row.outcome] += 1;
  tally.totals.total_num += row.total_num;
  tally.totals.successful_num += row.successful_num;
  tally.totals.failed_num += row.failed_num;
  tally.totals.skipped_num += row.skipped_num;
  tally.totals.total_size += row.total_size;
  tally.totals.complete_size += row.complete_size;
  const listAll = itemsTotal <= MAX_LISTED_ITEMS;
  if ((listAll || isNotable(row.outcome)) && tally.rows.length < MAX_LISTED_ITEMS) tally.rows.push(row);
  else tally.omitted += 1;
}

/** Items that ended without completing so far. */
export function failedItemCount(tally: BatchTally): number {
  return tally.counts.failed + tally.counts.stopped + tally.counts.cancelled;
}

/** Items that ended, whatever the outcome (`not_started` excluded). */
export function doneCount(tally: BatchTally): number {
  const c = tally.counts;
  return c.succeeded + c.completed_with_failures + c.failed + c.stopped + c.cancelled;
}

/**
 * The batch outcome: `cancelled` when the batch was cancelled, `failed` when the failure policy stopped it,
 * `succeeded` when every item succeeded, otherwise `completed_with_failures`.
 */
export function batchOutcome(tally: BatchTally, stoppedByPolicy: boolean, cancelled: boolean): BatchOutcome {
  if (cancelled) return 'cancelled';
  if (stoppedByPolicy) return 'failed';
  const c = tally.counts;
  const all = c.succeeded + c.completed_with_failures + c.failed + c.stopped + c.cancelled + c.not_started;
  return c.succeeded === all ? 'succeeded' : 'completed_with_failures';
}

/** Everything the report needs besides the tally. */
export interface ReportContext {
  batch_id: string;
  label: string | null;
  items_total: number;
  stopped_by_failure_policy: boolean;
  cancelled: boolean;
  incremental: BatchWatermark | null;
  runs: number;
  started_at: string;
  finished_at: string;
}

/** The batch report (rows sorted by item index). */
export function buildBatchReport(tally: BatchTally, ctx: ReportContext): BatchReport {
  const items = [...tally.rows].sort((a, b) => a.index - b.index);
  return {
    batch_id: ctx.batch_id,
    label: ctx.label,
    outcome: batchOutcome(tally, ctx.stopped_by_failure_policy, ctx.cancelled),
    stopped_by_failure_policy: ctx.stopped_by_failure_policy,
    items_total: ctx.items_total,
    counts: { ...tally.counts },
    totals: { ...tally.totals },
    items,
    items_omitted: tally.omitted,
    failed_items: items.filter((row) => row.outcome !== 'succeeded' && row.outcome !== 'not_started'),
    incremental: ctx.incremental,
    runs: ctx.runs,
    started_at: ctx.started_at,
    finished_at: ctx.finished_at,
  };
}

/**
 * Markdown for the Temporal UI's Current Details of a batch: an `Items` table (where every item is), then outcomes
 * and objects as short lists, then the workflow time it describes (`asOf`).
 */
export function renderBatchDetails(p: BatchProgress, label: string | null, asOf?: Date): string {
  const c = p.counts;
  const lines = [
    `**OMS batch** ${label ?? p.batch_id} · ${p.items_total} items`,
    '',
    '### Items',
    '',
    '| Not started | Waiting for a slot | Running | Done | Failed |',
    '| --- | --- | --- | --- | --- |',
    `| ${p.waiting} | ${p.waiting_for_slot ?? '–'} | ${p.running} | ${p.done} | ${p.failed} |`,
    '',
    `- Outcomes: ${c.succeeded} succeeded, ${c.completed_with_failures} with failed objects, ${c.failed} failed, ` +
      `${c.stopped} stopped, ${c.cancelled} cancelled, ${c.not_started} not started`,
    `- Objects: ${p.totals.successful_num} migrated, ${p.totals.failed_num} failed, ${p.totals.skipped_num} skipped ` +
      `of ${p.totals.total_num}`,
    `- Bytes: ${formatBytes(p.totals.complete_size)} of ${formatBytes(p.totals.total_size)}`,
  ];
  if (p.incremental) {
    lines.push(
      `- Incremental (${p.incremental.schedule_id}): migrate_since ${p.incremental.migrate_since}` +
        (p.incremental.previous_run ? ` (run started ${p.incremental.previous_run.started_at})` : ' (first run)'),
    );
  }
  if (p.runs > 1) lines.push(`- Workflow run ${p.runs} (continued as new)`);
  if (p.stopping) lines.push('', '_The failure policy stopped the batch: running items finish, no new ones start._');
  // Right under the headline: the UI clips long details at the bottom, never at the top.
  if (asOf) lines.splice(1, 0, '', asOfLine(asOf));
  return lines.join('\n');
}
