/** Markdown for the Temporal UI's "current details" of a migration (pure; recomputed on every change). */
import type { MigrationProgress } from '../report-types';
import type { NormalizedMigrationRequest } from '../request-types';
import { statusText } from '../task-status';

/** Human-readable byte count (binary units). */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Human-readable duration from milliseconds. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Renders the migration's current state for the UI. Never includes credentials (the request has none). */
export function renderDetails(req: NormalizedMigrationRequest, p: MigrationProgress): string {
  const src = req.src_node.bucket ?? 'URL list';
  const lines = [`**${req.task_type} migration** ${src} → ${req.dst_node.bucket}`, '', `Phase: **${p.phase}**`];
  if (p.task_id !== undefined) lines.push(`OMS task: \`${p.task_id}\``);
  const s = p.snapshot;
  if (s) {
    const pct = Math.round((s.progress ?? 0) * 1000) / 10;
    lines.push(
      `Status: **${statusText(s.status)}** (${s.status}) · ${pct}%`,
      `Objects: ${s.successful_num ?? 0} ok / ${s.failed_num ?? 0} failed / ${s.skipped_num ?? 0} skipped of ${s.total_num ?? 0}`,
      `Bytes: ${formatBytes(s.complete_size)} of ${formatBytes(s.total_size)} · ${formatBytes(s.migrate_speed)}/s · ETA ${formatDuration(s.left_time)}`,
    );
    if (s.error_reason) lines.push(`Error: ${s.error_reason.error_code} ${s.error_reason.error_msg}`);
    if (s.failed_object_record?.list_file_key)
      lines.push(`Failed-object list: \`${s.failed_object_record.list_file_key}\``);
  }
  if (p.blocked) {
    lines.push('', `**Blocked: ${p.blocked}.** Fix the worker's credentials; the migration retries by itself.`);
  }
  if (p.paused) lines.push('', '_Paused by the orchestrator; resume with the `resume` update._');
  return lines.join('\n');
}
