/**
 * Counts the API requests each activity execution makes, without threading counters through the client: the
 * activity runs inside an AsyncLocalStorage scope, and the client's request listener adds to the current scope.
 * An IAM token fetch is counted for the activity that triggered it (other activities awaiting the same
 * single-flight fetch made no call of their own).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

import type { ActivityCallCounts } from '../workflows/activity-types';
import { emptyCalls } from '../workflows/shared/calls';
import { IAM_TOKEN_OPERATION } from './oms/iam';

const scope = new AsyncLocalStorage<ActivityCallCounts>();

const KIND_BY_OPERATION: Readonly<Record<string, keyof ActivityCallCounts>> = {
  [IAM_TOKEN_OPERATION]: 'iam',
  CreateTask: 'create',
  ShowTask: 'show',
  ListTasks: 'list',
  StartTask: 'start',
  StopTask: 'stop',
  // Task groups count under the same kinds (docs/oms-api.md §6).
  CreateTaskGroup: 'create',
  ShowTaskGroup: 'show',
  ListTaskGroup: 'list',
  StartTaskGroup: 'start',
  RetryTaskGroup: 'start',
  StopTaskGroup: 'stop',
};

/** Runs `fn` with a fresh counter and returns its result together with the counts. */
export async function withCallAccounting<T>(fn: () => Promise<T>): Promise<{ result: T; calls: ActivityCallCounts }> {
  const calls = emptyCalls();
  const result = await scope.run(calls, fn);
  return { result, calls };
}

/** A copy of the counts of the current scope so far (all zero outside one). */
export function currentCalls(): ActivityCallCounts {
  const calls = scope.getStore();
  return calls ? { ...calls } : emptyCalls();
}

/** Request listener for the OMS client and the IAM token fetcher. */
export function countRequest(event: { operation: string }): void {
  const calls = scope.getStore();
  if (calls) calls[KIND_BY_OPERATION[event.operation] ?? 'other'] += 1;
}
