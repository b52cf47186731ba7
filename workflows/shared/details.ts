/** Markdown for the Temporal UI's "current details" of a migration (pure; recomputed on every change). */
import { SLOT_POSITION_UPDATES, type MigrationProgress } from '../report-types';
import type { NormalizedMigrationRequest } from '../request-types';
import { TaskStatus, statusText } from '../task-status';

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

/** The closing line of every Current Details: `_as of 2026-12-01 06:30:00 UTC (workflow time)_`. */
export function asOfLine(at: Date): string {
  return `_as of ${at
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')} (workflow time)_`;
}

/** `1st`, `2nd`, `3rd`, `4th`, … `11th`, `21st`. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** Holder ids shown in a waiting migration's details (the progress query has up to five). */
const HOLDERS_SHOWN = 3;

/**
 * `Waiting for a cn-north-7 slot (3rd in line; 5 of 5 running: a, b, c, …)`. A place beyond the ones the limiter
 * keeps up to date is the place when the migration joined the queue, so it reads "joined … in line".
 */
export function slotWaitText(
  w: NonNullable<MigrationProgress['waiting_for_slot']>,
  keptUpdated: number,
  /** The queue waits for the rolling creation quota rather than a running slot. */
  creationQuota = false,
): string {
  const place = w.position > keptUpdated ? `joined ${ordinal(w.position)} in line` : `${ordinal(w.position)} in line`;
  // "5 of 5", not "5/5": the UI's markdown typesets n/m as a fraction.
  const running = w.limit > 0 ? `${w.running} of ${w.limit} running` : `${w.running} running`;
  const shown = w.holders.slice(0, HOLDERS_SHOWN).map((h) => `\`${h}\``);
  const more = w.running > shown.length ? ', …' : '';
  const holders = shown.length > 0 ? `: ${shown.join(', ')}${more}` : '';
  const quota = creationQuota ? '; the creation quota is used up until its window moves on' : '';
  return `Waiting for a ${w.region} slot (${place}; ${running}${holders}${quota})`;
}

/**
 * Renders the migration's current state for the UI's Current Details: a headline, then a short list (one fact per
 * item, so nothing runs on or gets clipped), then the workflow time it describes (`asOf`). Never includes
 * credentials (the request has none).
 */
export function renderDetails(
  req: NormalizedMigrationRequest,
  p: MigrationProgress,
  asOf?: Date,
  /** What the limiter said beyond `waiting_for_slot`: the queue waits for the creation quota. */
  slot: { creationQuota?: boolean } = {},
): string {
  const src = req.src_node.bucket ?? 'URL list';
  const lines = [`**${req.task_type} migration** ${src} → ${req.dst_node.bucket}`, ''];
  const item = (text: string): number => lines.push(`- ${text}`);
  if (p.waiting_for_slot) {
    item(`**${slotWaitText(p.waiting_for_slot, SLOT_POSITION_UPDATES, slot.creationQuota)}**`);
  }
  if (p.blocked) item(`**Blocked: ${p.blocked}.** Fix the worker's credentials; the migration retries by itself.`);
  if (p.paused) item(`**Paused** on request; resume with \`oms-orchestrator resume ${p.migration_id}\`.`);
  item(`Phase: **${p.phase}**`);
  if (p.task_id !== undefined) item(`OMS task: \`${p.task_id}\``);
  const s = p.snapshot;
  if (s) {
    const pct = Math.round((s.progress ?? 0) * 1000) / 10;
    item(`Status: **${statusText(s.status)}** (${s.status}) · ${pct}%`);
    item(
      `Objects: ${s.successful_num ?? 0} ok / ${s.failed_num ?? 0} failed / ${s.skipped_num ?? 0} skipped of ${s.total_num ?? 0}`,
    );
    const running = s.status === TaskStatus.EXECUTING || s.status === TaskStatus.RETRYING;
    const speed = running && (s.migrate_speed ?? 0) > 0 ? ` · ${formatBytes(s.migrate_speed)}/s` : '';
    const eta = running && (s.left_time ?? 0) > 0 ? ` · ETA ${formatDuration(s.left_time)}` : '';
    item(`Bytes: ${formatBytes(s.complete_size)} of ${formatBytes(s.total_size)}${speed}${eta}`);
    if (s.error_reason) item(`Error: ${s.error_reason.error_code} ${s.error_reason.error_msg}`);
    if (s.failed_object_record?.list_file_key) item(`Failed-object list: \`${s.failed_object_record.list_file_key}\``);
  }
  // Right under the headline: the UI clips long details at the bottom, never at the top.
  if (asOf) lines.splice(1, 0, '', asOfLine(asOf));
  return lines.join('\n');
}
