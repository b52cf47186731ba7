/** What the migration commands print: the final result (report) and its exit code. */
import { formatBytes } from '../../workflows/shared/details';
import { statusText } from '../../workflows/task-status';
import type { FailedObjectRecord } from '../../workflows/task-status';
import type { MigrationResult } from '../migration-client';
import { exitCodeForOutcome, type ExitCode } from './exit-codes';
import { renderFailedObjectsSummary } from './failed-objects-command';
import type { Out } from './io';
import { durationText, progressLine, type ReportView } from './progress';

/**
 * The failed-object record in words: where the list of failed objects was written, or why it was not
 * (OMS's `failed_object_record`), e.g. "listed in dst-bucket/oms/failed_object_lists/…".
 */
export function failedObjectRecordText(record: FailedObjectRecord | null, dstBucket: string): string {
  if (record?.list_file_key) return `listed in ${dstBucket}/${record.list_file_key}`;
  if (record?.error_code) return `no list of them was written (OMS error ${record.error_code})`;
  if (record && record.result === false) return 'no list of them was written';
  return 'no list of them was recorded (enable_failed_object_recording is off?)';
}

/** The human rendering of a result: outcome, task, objects, bytes and durations, failed objects, API calls. */
export function resultLines(result: MigrationResult): string[] {
  const r: ReportView | undefined = result.report;
  const lines: string[] = [];
  const failure = result.failure;
  // The failure message often quotes the task's error reason (…failed (TRF.0159: …)); say it once.
  const reason = r?.error_reason;
  const reasonInFailure = !!(reason && failure && failure.message.includes(reason.error_msg));
  lines.push(
    `Outcome: ${result.outcome}${failure ? ` — ${failure.message}${failure.type ? ` [${failure.type}]` : ''}` : ''}`,
  );
  if (!r) return lines;
  if (r.task_id !== null) {
    lines.push(`OMS task: ${r.task_id}, status ${r.status === null ? '-' : statusText(r.status)}`);
    if (r.task_name) lines.push(`Task name: ${r.task_name}`);
  } else lines.push('OMS task: none was created');
  lines.push(
    `Objects: ${r.successful_num} succeeded, ${r.failed_num} failed, ${r.skipped_num} skipped of ${r.total_num}`,
  );
  lines.push(`Bytes: ${formatBytes(r.complete_size)} of ${formatBytes(r.total_size)} ${durationText(r)}`);
  // The worker's summary of the list (failed_objects) names the list itself; otherwise say where OMS wrote it.
  if ((r.failed_num > 0 || r.failed_object_record?.list_file_key) && !r.failed_objects?.summary) {
    lines.push(`Failed objects: ${failedObjectRecordText(r.failed_object_record, r.dst_bucket)}`);
  }
  lines.push(...renderFailedObjectsSummary(r));
  if (r.retry_rounds > 0) lines.push(`Failed-object retry rounds: ${r.retry_rounds}`);
  if (reason && !reasonInFailure) lines.push(`OMS error: ${reason.error_code} ${reason.error_msg}`);
  if (r.notification) {
    const n = r.notification;
    const how = n.delivered ? `delivered (HTTP ${n.status_code})` : `not delivered (${n.error ?? 'no 2xx answer'})`;
    lines.push(`Notification: ${how} to the ${n.source} webhook after ${n.attempts} attempt(s)`);
  }
  lines.push(
    `API calls: ${r.api_calls.oms} OMS (${r.api_calls.create} create, ${r.api_calls.show} show), ${r.api_calls.iam} IAM`,
  );
  return lines;
}

/** Prints a result (the report as JSON with `json`) and maps it to an exit code. */
export function printResult(result: MigrationResult, json: boolean, out: Out): ExitCode {
  if (json) out(JSON.stringify(result.report ?? result, null, 2));
  else for (const line of resultLines(result)) out(line);
  return exitCodeForOutcome(result.outcome, result.failure?.type);
}

/**
 * The one-line progress bar of a snapshot, 80 columns wide (kept for scripts that render progress themselves;
 * the CLI fits its own terminal).
 */
export function renderProgressLine(s: Parameters<typeof progressLine>[0], phase?: string, width = 80): string {
  return progressLine(s, phase ? ({ phase, paused: false } as Parameters<typeof progressLine>[1]) : undefined, width);
}
