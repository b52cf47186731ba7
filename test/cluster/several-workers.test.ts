/**
 * Scale-out on the real Temporal server (PostgreSQL): three worker processes on one task queue share a batch of 200
 * migrations; one is SIGKILLed and another restarted while it runs (triggered by the batch's progress). Every
 * migration completes with exactly one OMS task and a report equal to the emulator's ground truth, the work was
 * spread over the processes, and the region limit held across all of them (the emulator's own cap is lifted, so
 * only the orchestrator's limiter can have kept it).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { BatchClient } from '../../client/batch-client';
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import { batchProgressQuery, limiterStatusQuery } from '../../workflows/definitions';
import { limiterWorkflowId } from '../../workflows/shared/region-limiter-logic';
import type { BatchProgress, BatchRequest } from '../../workflows/batch-types';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(900_000);

const MIB = 1024 * 1024;
const ITEMS = 200;
/** Objects per item: the generated keys p/0000 … p/1999 make prefixes p/000 … p/199 of ten objects each. */
const OBJECTS_PER_ITEM = 10;
const MAX_RUNNING = 4;

let stack: Stack;
const logDir = path.join(testEnv('tmpDir'), uniqueId('several-workers'));

beforeAll(async () => {
  fs.mkdirSync(logDir, { recursive: true });
  stack = await startStack({
    worker: false,
    emulator: {
      timeScale: 20,
      config: {
        buckets: [
          ...DEFAULT_EMULATOR_CONFIG.buckets,
          { name: 'scale-src', generate: { count: ITEMS * OBJECTS_PER_ITEM, size: MIB, prefix: 'p/' } },
        ],
      },
    },
  });
  // The emulator would queue tasks beyond its own cap; lift it so only the orchestrator's limiter can hold the line.
  await stack.emulator.admin.updateSettings({ maxRunningPerRegion: 1_000 });
});
afterAll(async () => {
  await stack?.close();
});

/** Whether the process `pid` polls both the workflow and the activity task queue. */
async function polls(client: Client, taskQueue: string, pid: number): Promise<boolean> {
  for (const taskQueueType of [
    temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  ]) {
    const res = await client.workflowService.describeTaskQueue({
      namespace: testEnv('namespace'),
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType,
    });
    if (!(res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`))) return false;
  }
  return true;
}

/** A worker process (worker/main.ts from the prebuilt bundle), resolved once it polls the task queue. */
async function spawnReady(name: string): Promise<ChildProcess> {
  const logFile = path.join(logDir, `${name}.log`);
  const child = stack.spawnWorker(logFile, { WORKER_WORKFLOW_BUNDLE: testEnv('workflowBundle') });
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited; see ${logFile}`);
      return polls(stack.client, stack.taskQueue, child.pid!);
    },
    120_000,
    `${name} (pid ${child.pid}) polling ${stack.taskQueue}`,
    250,
  );
  return child;
}

async function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

test('three worker processes share a 200-migration batch through a SIGKILL and a restart, within the region limit', async () => {
  const workers = [await spawnReady('worker-1'), await spawnReady('worker-2'), await spawnReady('worker-3')];

  const seed = stack.seedRequest();
  const { object_key: _keys, ...src } = seed.src_node;
  const batch: BatchRequest = {
    template: { ...seed, task_type: 'prefix', src_node: { ...src, bucket: 'scale-src' } },
    prefixes: Array.from({ length: ITEMS }, (_, i) => `p/${String(i).padStart(3, '0')}`),
    concurrency: 20,
    continue_as_new_after_items: 100,
    orchestration: { max_running_per_region: MAX_RUNNING },
    label: 'several workers',
  };
  const batches = new BatchClient(stack.client, stack.taskQueue);
  const batchId = uniqueId('several-workers');
  await batches.start(batch, { batchId });

  const progress = (): Promise<BatchProgress> => batches.handle(batchId).query(batchProgressQuery);
  const reached = (done: number) =>
    waitFor(async () => (await progress()).done >= done, 600_000, `${done} of ${ITEMS} items done`, 250);

  // A third of the way: worker 1 dies without any shutdown (its in-flight tasks time out and move on).
  await reached(ITEMS / 3);
  await signalAndWait(workers[0]!, 'SIGKILL');
  // Two thirds: worker 2 is restarted (graceful stop, then a new process).
  await reached((2 * ITEMS) / 3);
  await signalAndWait(workers[1]!, 'SIGTERM');
  workers[1] = await spawnReady('worker-2-restarted');

  const { outcome, report } = await batches.result(batchId);
  expect(outcome).toBe('succeeded');
  expect(report).toMatchObject({
    items_total: ITEMS,
    counts: { succeeded: ITEMS, completed_with_failures: 0, failed: 0, stopped: 0, cancelled: 0, not_started: 0 },
    failed_items: [],
  });
  expect(report!.runs).toBeGreaterThan(1); // continued as new across the kills

  // Ground truth: exactly one OMS task per item, each final with the counters the item reported.
  const truth = await stack.emulator.admin.tasks();
  const tasks = truth.tasks.filter((t) => t.srcBucket === 'scale-src');
  expect(tasks).toHaveLength(ITEMS);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const items = report!.items;
  expect(items.map((i) => i.index)).toEqual([...Array(ITEMS).keys()]);
  expect(new Set(items.map((i) => i.task_id)).size).toBe(ITEMS);
  for (const item of items) {
    const task = byId.get(item.task_id!);
    expect(task).toBeDefined();
    expect(task!.status).toBe(5);
    expect(task!.runIndex).toBe(0);
    expect({
      total_num: item.total_num,
      successful_num: item.successful_num,
      failed_num: item.failed_num,
      total_size: item.total_size,
      complete_size: item.complete_size,
    }).toEqual({
      total_num: task!.counters.total,
      successful_num: task!.counters.successful,
      failed_num: task!.counters.failed,
      total_size: task!.counters.totalSize,
      complete_size: task!.counters.successfulSize,
    });
    expect(item.total_num).toBe(OBJECTS_PER_ITEM);
  }
  const sum = (f: (t: (typeof tasks)[number]) => number) => tasks.reduce((n, t) => n + f(t), 0);
  expect(report!.totals).toMatchObject({
    total_num: sum((t) => t.counters.total),
    successful_num: sum((t) => t.counters.successful),
    failed_num: 0,
    total_size: sum((t) => t.counters.totalSize),
    complete_size: sum((t) => t.counters.successfulSize),
  });

  // The region limit held across the processes: never more OMS tasks running at once than the limiter allows,
  // and every slot was given back.
  const region = truth.regions[stack.emulator.config.region]!;
  expect(region.maxObservedRunning).toBeLessThanOrEqual(MAX_RUNNING);
  expect(region.maxObservedRunning).toBeGreaterThan(1);
  const limiter = stack.client.workflow.getHandle(limiterWorkflowId(stack.emulator.config.region, stack.taskQueue));
  await waitFor(async () => (await limiter.query(limiterStatusQuery)).running === 0, 60_000, 'every slot released');

  // The work was spread: activities of the items ran in at least three of the four worker processes.
  const identities = new Set<string>();
  for (const item of items) {
    const history = await stack.client.workflow.getHandle(item.migration_id).fetchHistory();
    for (const event of history.events ?? []) {
      const identity = event.activityTaskStartedEventAttributes?.identity;
      if (identity) identities.add(identity.split('@')[0]!);
    }
  }
  expect(identities.size).toBeGreaterThanOrEqual(3);

  for (const w of workers) await signalAndWait(w, 'SIGTERM');
});
