/**
 * The soak's ground truth: what the emulator holds compared with what each migration reported, duplicate tasks by
 * idempotency marker, retry attempts and secrets in the histories, secrets in the logs.
 *
 * Rules (docs/benchmarks.md, "Soak"):
 * - A duplicate is a task that carries a migration's marker (derived from namespace / workflow id / first run id,
 *   as the product derives it) and is not the task its report names, or a task that carries no migration's marker.
 *   Only a live duplicate (status 1, 2 or 6: it runs or will run) fails the verdict; duplicates the migrations
 *   stopped or deleted are counted separately (`duplicates_removed` in their reports, and those left stopped).
 * - A report equals the truth when status, object counts and sizes are the emulator's (for a task that ran more than
 *   once, the counters of its last run, `last_run`: the report's own counters are over the whole migration). A task halted at the
 *   deadline is reported as OMS answered right after the stop (7, pausing); the emulator moves it to 3 a few
 *   seconds later without changing its counters, so report status 7 matches truth 3. A task deleted on exit
 *   (`task_deleted`: it was still waiting) must be gone from the emulator; its counters are not compared.
 * - A migration that has ended leaves no live task of its own.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { MARKER_PREFIX } from '../../activities/build-create-request';
import type { TaskResp } from '../../activities/oms/wire-types';
import type { AdminTaskView } from '../../emulator';
import type { MigrationReport } from '../../workflows/report-types';

/** OMS statuses of a task that runs or will run: waiting, executing, retrying. */
export const LIVE_STATUSES: readonly number[] = [1, 2, 6];
export const isLive = (status: number): boolean => LIVE_STATUSES.includes(status);

/** A report field that differs from the emulator's record. */
export interface Mismatch {
  id: string;
  field: string;
  report: unknown;
  truth: unknown;
}

/** Report fields and the ground-truth values they must equal (rules above). */
export function compareWithTruth(id: string, report: MigrationReport, truth: AdminTaskView | undefined): Mismatch[] {
  if (report.task_id != null && report.task_deleted) {
    return truth ? [{ id, field: 'task_deleted', report: true, truth: `task exists, status ${truth.status}` }] : [];
  }
  if (!truth) return [{ id, field: 'task_id', report: report.task_id, truth: 'no such OMS task' }];
  const statusMatches = report.status === truth.status || (report.status === 7 && truth.status === 3);
  // A task that ran more than once (resume, failed-object rounds): the report counts over the whole migration and
  // keeps OMS's own counters of the last run in `last_run`, which is what the emulator holds.
  const c = report.task_runs !== undefined && report.task_runs > 1 && report.last_run ? report.last_run : report;
  const pairs: [string, unknown, unknown][] = [
    ['total_num', c.total_num, truth.counters.total],
    ['successful_num', c.successful_num, truth.counters.successful],
    ['failed_num', c.failed_num, truth.counters.failed],
    ['skipped_num', c.skipped_num, truth.counters.skipped],
    ['total_size', c.total_size, truth.counters.totalSize],
    ['complete_size', c.complete_size, truth.metrics.completeSize],
    ['real_size', c.real_size, truth.metrics.realSize],
  ];
  const out = pairs.filter(([, r, t]) => r !== t).map(([field, r, t]) => ({ id, field, report: r, truth: t }));
  return statusMatches ? out : [{ id, field: 'status', report: report.status, truth: truth.status }, ...out];
}

/** The idempotency markers a task's description carries. */
export function markersOf(task: TaskResp): string[] {
  return (task.description ?? '').split(/\s+/).filter((w) => w.startsWith(MARKER_PREFIX));
}

/** Tasks by marker. */
export function tasksByMarker(tasks: readonly TaskResp[]): Map<string, TaskResp[]> {
  const byMarker = new Map<string, TaskResp[]>();
  for (const t of tasks) {
    for (const marker of markersOf(t)) byMarker.set(marker, [...(byMarker.get(marker) ?? []), t]);
  }
  return byMarker;
}

/** A migration's duplicates: tasks with its marker other than the one its report names. */
export function duplicatesOf(
  marker: string,
  ownTaskId: number | null | undefined,
  byMarker: Map<string, TaskResp[]>,
): { live: number; left: number } {
  const others = (byMarker.get(marker) ?? []).filter((t) => t.id !== ownTaskId);
  return { live: others.filter((t) => isLive(t.status)).length, left: others.filter((t) => !isLive(t.status)).length };
}

/** Attempts and secrets in one migration's history (payloads decoded as text). */
export async function analyseHistory(
  client: Client,
  workflowId: string,
  secrets: string[],
): Promise<{ maxActivityAttempt: number; maxWorkflowTaskAttempt: number; secrets: number }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const E = temporal.api.enums.v1.EventType;
  const names = new Map<string, string>();
  let maxActivityAttempt = 0;
  let maxWorkflowTaskAttempt = 0;
  for (const e of history.events ?? []) {
    if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      names.set(String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
    } else if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes;
      const name = names.get(String(a?.scheduledEventId));
      // Poll attempts are the cadence (one ShowTask per attempt), not retries of a failing call.
      if (name !== 'pollMigrationTask') maxActivityAttempt = Math.max(maxActivityAttempt, a?.attempt ?? 0);
    } else if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) {
      maxWorkflowTaskAttempt = Math.max(maxWorkflowTaskAttempt, e.workflowTaskScheduledEventAttributes?.attempt ?? 0);
    }
  }
  const text = historyText(history);
  return { maxActivityAttempt, maxWorkflowTaskAttempt, secrets: secrets.filter((s) => text.includes(s)).length };
}

/** A history as JSON with every byte field (payload data) decoded as UTF-8 text, so secrets are greppable. */
export function historyText(history: unknown): string {
  return JSON.stringify(history, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (isBufferJson(value)) return Buffer.from(value.data).toString('utf8');
    return value;
  });
}

function isBufferJson(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  );
}

/** Secrets found in the run's log files (worker logs, dev server log). */
export function countSecretsInLogs(dir: string, secrets: string[]): number {
  let found = 0;
  for (const file of fs.readdirSync(dir)) {
    if (!file.endsWith('.log')) continue;
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    found += secrets.filter((s) => text.includes(s)).length;
  }
  return found;
}
