/**
 * The progress line of `status`, `watch` and `migrate --watch`: fitted to the terminal width (fields are dropped
 * or shortened, never wrapped), with an ETA only when it means something.
 */
import type { MigrationProgress, MigrationReport } from '../../workflows/report-types';
import type { BatchProgress } from '../../workflows/batch-types';
import { formatBytes, formatDuration } from '../../workflows/shared/details';
import { TaskStatus, statusText, type TaskSnapshot } from '../../workflows/task-status';
import type { MigrationStatus } from '../migration-client';

/**
 * A migration waiting for a region slot, as the progress query reports it (`position` is 1-based; `holders` are
 * the first few migration ids holding slots).
 */
export interface WaitingForSlot {
  region: string;
  position: number;
  waiting: number;
  running: number;
  limit: number;
  holders: string[];
}

/** The progress query's answer with the optional fields newer workers add (older workers leave them out). */
export type ProgressView = MigrationProgress & { waiting_for_slot?: WaitingForSlot };

/** A report with the optional durations newer workers add: wall time from start to end, and time not paused. */
export type ReportView = MigrationReport & { elapsed_ms?: number; active_ms?: number };

/**
 * A batch's progress with the optional count of items waiting for a region slot (not counted in `running`), at
 * the top level or among the counts (older workers have neither).
 */
export type BatchProgressView = BatchProgress & {
  waiting_for_slot?: number;
  counts: BatchProgress['counts'] & { waiting_for_slot?: number };
};

/** Items of a batch waiting for a region slot, wherever the progress carries the count; 0 when it does not. */
export function itemsWaitingForSlot(p: BatchProgressView): number {
  return p.waiting_for_slot ?? p.counts.waiting_for_slot ?? 0;
}

/** 1st, 2nd, 3rd, 4th, 11th, 21st … */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * "waiting for a cn-north-7 slot (3rd in line; 5/5 running: m-a, m-b, …)", in up to four lengths, longest first
 * (the caller picks the longest that fits).
 */
export function waitingForSlotTexts(w: WaitingForSlot): string[] {
  const head = `waiting for a ${w.region} slot`;
  const counts = `${ordinal(w.position)} in line; ${w.running}/${w.limit} running`;
  const texts: string[] = [];
  for (let n = w.holders.length; n >= 1; n--) {
    const more = n < w.holders.length || w.running > w.holders.length ? ', …' : '';
    texts.push(`${head} (${counts}: ${w.holders.slice(0, n).join(', ')}${more})`);
  }
  texts.push(`${head} (${counts})`, `${head} (${ordinal(w.position)} in line)`, head);
  return texts;
}

/** True when the snapshot's ETA means something: the task is executing, with progress, and not paused. */
function etaKnown(s: TaskSnapshot, progress: ProgressView | undefined): boolean {
  if (progress && (progress.paused || (progress.phase !== 'running' && progress.phase !== 'retrying_failed_objects')))
    return false;
  return s.status === TaskStatus.EXECUTING && s.left_time > 0 && (s.progress ?? 0) > 0;
}

function bar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** Cuts `text` to `width` characters, marking the cut with "…". */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * One progress line no longer than `width`: bar, percentage, objects, bytes, speed, ETA and state, dropping the
 * least useful fields first (speed, then the bar, bytes, …) until it fits. The state is the OMS status, or what
 * the migration waits for (a region slot, a pause) when it is not running.
 */
export function progressLine(s: TaskSnapshot | undefined, progress: ProgressView | undefined, width = 80): string {
  const slot = progress?.waiting_for_slot;
  const states = slot
    ? waitingForSlotTexts(slot)
    : [
        progress?.paused
          ? 'paused'
          : s
            ? statusText(s.status)
            : progress?.phase === 'creating'
              ? 'creating the OMS task'
              : (progress?.phase ?? 'starting'),
      ];
  const fraction = s?.progress ?? 0;
  const pct = `${(fraction * 100).toFixed(1).padStart(5)}%`;
  const candidates: string[][] = [];
  if (!s) {
    for (const state of states) candidates.push([`${bar(0, 20)} ${pct}`, state], [pct.trimStart(), state], [state]);
  } else {
    const done = s.successful_num + s.failed_num + s.skipped_num;
    const failed = s.failed_num > 0 ? ` (${s.failed_num} failed)` : '';
    const objects = `${done}/${s.total_num} objects${failed}`;
    const shortObjects = `${done}/${s.total_num}${s.failed_num > 0 ? ` ${s.failed_num} failed` : ''}`;
    const bytes = `${formatBytes(s.complete_size)}/${formatBytes(s.total_size)}`;
    const speed = s.migrate_speed > 0 && s.status === TaskStatus.EXECUTING ? `${formatBytes(s.migrate_speed)}/s` : '';
    const eta = etaKnown(s, progress) ? `ETA ${formatDuration(s.left_time)}` : '';
    for (const state of states) {
      candidates.push(
        [`${bar(fraction, 20)} ${pct}`, objects, bytes, speed, eta, state],
        [`${bar(fraction, 10)} ${pct}`, objects, bytes, speed, eta, state],
        [`${bar(fraction, 10)} ${pct}`, objects, bytes, eta, state],
        [`${bar(fraction, 10)} ${pct}`, shortObjects, bytes, eta, state],
        [pct.trimStart(), objects, bytes, eta, state],
        [pct.trimStart(), shortObjects, bytes, eta, state],
        [pct.trimStart(), shortObjects, eta, state],
        [pct.trimStart(), state],
      );
    }
  }
  for (const parts of candidates) {
    const line = parts.filter(Boolean).join('  ');
    if (line.length <= width) return line;
  }
  return fit(candidates[candidates.length - 1]!.filter(Boolean).join('  '), width);
}

/** The further advanced of the workflow's last snapshot and the live one. */
export function freshest(status: MigrationStatus): TaskSnapshot | undefined {
  const a = status.progress?.snapshot;
  const b = status.live;
  if (!a) return b;
  if (!b) return a;
  return (b.progress ?? 0) >= (a.progress ?? 0) ? b : a;
}

/** The progress line of a migration status. */
export function statusLine(status: MigrationStatus, width: number): string {
  return progressLine(freshest(status), status.progress, width);
}

/**
 * "in 3m02s (active 2m01s)" when the report carries both durations (active = not paused), else the OMS elapsed
 * time as older reports have it.
 */
export function durationText(r: ReportView): string {
  if (r.elapsed_ms === undefined) return `in ${formatDuration(r.total_time)}`;
  const active = r.active_ms !== undefined ? ` (active ${formatDuration(r.active_ms)})` : '';
  return `in ${formatDuration(r.elapsed_ms)}${active}`;
}
