/**
 * The migration's lifecycle in the worker log: one JSON line per event (started, task created or attached, OMS
 * status change, paused, resumed, bandwidth changed, retry round, waiting for a slot, ended), each with the
 * `event` name, the `migrationId` and, once it exists, the `taskId`. The workflow logger is replay-aware (nothing
 * is written again when a history is replayed) and writes no history, so these lines cost no commands.
 */
import { log } from '@temporalio/workflow';

import type { MigrationEndOutcome } from './metrics';
import type { MigrationReport } from './report-types';

/** Names of the lifecycle events (the `event` field of each line). */
export type MigrationEvent =
  | 'migration.started'
  | 'migration.waiting_for_slot'
  | 'migration.slot_granted'
  | 'migration.slot_withdrawn'
  | 'migration.task_created'
  | 'migration.task_attached'
  | 'migration.status_changed'
  | 'migration.paused'
  | 'migration.resumed'
  | 'migration.bandwidth_changed'
  | 'migration.retry_round'
  | 'migration.ended';

/** Writes one lifecycle line at INFO. `fields` are extra attributes (never secrets: the state holds none). */
export function logEvent(
  event: MigrationEvent,
  message: string,
  migrationId: string,
  taskId: number | undefined,
  fields: Record<string, unknown> = {},
): void {
  log.info(message, { event, migrationId, ...(taskId === undefined ? {} : { taskId }), ...fields });
}

/** The `migration.ended` line: the outcome and the report's counters (when there is a report). */
export function logEnded(
  migrationId: string,
  outcome: MigrationEndOutcome | MigrationReport['outcome'],
  report: MigrationReport | undefined,
): void {
  const fields: Record<string, unknown> = { outcome };
  if (report) {
    Object.assign(fields, {
      status: report.status,
      total: report.total_num,
      succeeded: report.successful_num,
      failed: report.failed_num,
      skipped: report.skipped_num,
      bytes: report.complete_size,
      retryRounds: report.retry_rounds,
      ...(report.elapsed_ms === undefined ? {} : { elapsedMs: report.elapsed_ms }),
      ...(report.active_ms === undefined ? {} : { activeMs: report.active_ms }),
    });
  }
  const counts = report
    ? `: ${report.successful_num} succeeded, ${report.failed_num} failed, ${report.skipped_num} skipped of ${report.total_num}`
    : '';
  logEvent('migration.ended', `Migration ended ${outcome}${counts}`, migrationId, report?.task_id ?? undefined, fields);
}
