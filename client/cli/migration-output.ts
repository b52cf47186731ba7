/** What the migration commands print: the progress line, the live watch and the final result. */
import { formatBytes, formatDuration } from '../../workflows/shared/details';
import { statusText, type TaskSnapshot } from '../../workflows/task-status';
import type { MigrationClient, MigrationResult, MigrationStatus } from '../migration-client';
import { exitCodeForOutcome } from './exit-codes';
import type { Out } from './io';

/** A one-line progress bar: percentage, objects, bytes, speed, ETA and OMS status. */
export function renderProgressLine(s: TaskSnapshot | undefined, phase?: string): string {
  if (!s) return `[${'-'.repeat(20)}]   0.0%  ${phase ?? 'starting'}`;
  const filled = Math.max(0, Math.min(20, Math.round((s.progress ?? 0) * 20)));
  const pct = ((s.progress ?? 0) * 100).toFixed(1).padStart(5);
  const done = s.successful_num + s.failed_num + s.skipped_num;
  return (
    `[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${pct}%  ${done}/${s.total_num} objects` +
    (s.failed_num > 0 ? ` (${s.failed_num} failed)` : '') +
    `  ${formatBytes(s.complete_size)}/${formatBytes(s.total_size)}  ${formatBytes(s.migrate_speed)}/s` +
    `  ETA ${formatDuration(s.left_time)}  ${statusText(s.status)}`
  );
}

/** The further advanced of the workflow's last snapshot and the live one. */
export function freshest(status: MigrationStatus): TaskSnapshot | undefined {
  const a = status.progress?.snapshot;
  const b = status.live;
  if (!a) return b;
  if (!b) return a;
  return (b.progress ?? 0) >= (a.progress ?? 0) ? b : a;
}

/** Prints a result and maps it to an exit code. */
export function printResult(result: MigrationResult, json: boolean, out: Out): number {
  if (json) out(JSON.stringify(result.report ?? result, null, 2));
  else {
    const r = result.report;
    out(
      `Outcome: ${result.outcome}${result.failure ? ` (${result.failure.type ?? 'error'}: ${result.failure.message})` : ''}`,
    );
    if (r) {
      out(
        `OMS task: ${r.task_id} ${r.task_name ?? ''} · status ${r.status} (${r.status === null ? '-' : statusText(r.status)})`,
      );
      out(`Objects: ${r.successful_num} succeeded, ${r.failed_num} failed, ${r.skipped_num} skipped of ${r.total_num}`);
      out(`Bytes: ${formatBytes(r.complete_size)} of ${formatBytes(r.total_size)} in ${formatDuration(r.total_time)}`);
      if (r.failed_num > 0 || r.failed_object_record?.list_file_key) {
        out(`failed_num: ${r.failed_num}`);
        out(`failed_object_record: ${JSON.stringify(r.failed_object_record)}`);
      }
      if (r.error_reason) out(`error_reason: ${r.error_reason.error_code} ${r.error_reason.error_msg}`);
      if (r.notification) {
        const n = r.notification;
        const how = n.delivered ? `delivered (HTTP ${n.status_code})` : `not delivered (${n.error ?? 'no 2xx answer'})`;
        out(`Notification: ${how} to the ${n.source} webhook after ${n.attempts} attempt(s)`);
      }
      out(
        `API calls: ${r.api_calls.oms} OMS (${r.api_calls.create} create, ${r.api_calls.show} show), ${r.api_calls.iam} IAM`,
      );
    }
  }
  return exitCodeForOutcome(result.outcome, result.failure?.type);
}

/** Follows a migration to its end: a redrawn line on a terminal, one line per change otherwise. */
export async function watchLoop(mc: MigrationClient, id: string, out: Out, tty: boolean): Promise<MigrationResult> {
  let last = '';
  return mc
    .watch(id, (status) => {
      const line = renderProgressLine(freshest(status), status.progress?.phase);
      if (line === last) return;
      last = line;
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else out(line);
    })
    .finally(() => {
      if (tty) process.stdout.write('\n');
    });
}
