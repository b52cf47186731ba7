/** Temporal read-outs the scenarios share: visibility counts, close times, history sizes, pending activities. */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { waitUntil } from './pool';

/** Visibility query for the executions of one task queue, optionally with more conditions. */
export function onQueue(taskQueue: string, extra?: string): string {
  return `TaskQueue = '${taskQueue}'${extra ? ` AND ${extra}` : ''}`;
}

export async function count(client: Client, query: string): Promise<number> {
  return (await client.workflow.count(query)).count;
}

/** Waits until no execution of `taskQueue` is running; reports progress to `onProgress` now and then. */
export async function waitAllClosed(
  client: Client,
  taskQueue: string,
  expected: number,
  timeoutMs: number,
  onProgress?: (closed: number) => void,
): Promise<void> {
  let lastReport = 0;
  await waitUntil(
    async () => {
      const closed = await count(client, onQueue(taskQueue, "ExecutionStatus != 'Running'"));
      if (onProgress && Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        onProgress(closed);
      }
      return closed >= expected;
    },
    timeoutMs,
    `${expected} executions on ${taskQueue} to close`,
    500,
  );
}

/** Every execution matching `query` (paged). */
export async function listAll(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query, pageSize: 1000 })) out.push(info);
  return out;
}

/** Start and close instants of the executions matching `query`: first start, last close, closes per second. */
export async function closeStats(
  client: Client,
  query: string,
): Promise<{ executions: number; firstStart: number; lastClose: number; statuses: Record<string, number> }> {
  const infos = await listAll(client, query);
  const statuses: Record<string, number> = {};
  let firstStart = Infinity;
  let lastClose = -Infinity;
  for (const i of infos) {
    statuses[i.status.name] = (statuses[i.status.name] ?? 0) + 1;
    firstStart = Math.min(firstStart, i.startTime.getTime());
    if (i.closeTime) lastClose = Math.max(lastClose, i.closeTime.getTime());
  }
  return { executions: infos.length, firstStart, lastClose, statuses };
}

/** History events and bytes of a closed execution, as the server accounts them. */
export async function historyStats(client: Client, workflowId: string): Promise<{ events: number; bytes: number }> {
  const d = await client.workflow.getHandle(workflowId).describe();
  const info = d.raw.workflowExecutionInfo;
  return { events: Number(info?.historyLength ?? 0), bytes: Number(info?.historySizeBytes ?? 0) };
}

/**
 * Pending activities of a sample of executions, by state: `started` ones hold a worker slot right now,
 * `scheduled` ones wait for their next attempt (a poll between retries) and hold nothing.
 */
export async function pendingActivityStates(
  client: Client,
  workflowIds: readonly string[],
): Promise<{ sampled: number; scheduled: number; started: number; none: number }> {
  const S = temporal.api.enums.v1.PendingActivityState;
  const tally = { sampled: 0, scheduled: 0, started: 0, none: 0 };
  for (const id of workflowIds) {
    const d = await client.workflow.getHandle(id).describe();
    tally.sampled += 1;
    const pending = d.raw.pendingActivities ?? [];
    if (pending.length === 0) tally.none += 1;
    for (const a of pending) {
      if (a.state === S.PENDING_ACTIVITY_STATE_STARTED) tally.started += 1;
      else tally.scheduled += 1;
    }
  }
  return tally;
}

/** A random sample of `k` distinct items. */
export function sample<T>(items: readonly T[], k: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, k);
}
