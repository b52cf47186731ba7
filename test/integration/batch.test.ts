/**
 * Batch migrations on the real dev server and the emulator: a sliding window of child migrations, validation with
 * zero OMS calls, the failure policy, the report, continue-as-new and cancellation.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { BatchClient } from '../../client/batch-client';
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import type { batchMigrationWorkflow } from '../../workflows/batch';
import { batchProgressQuery } from '../../workflows/definitions';
import type { BatchReport, BatchRequest } from '../../workflows/batch-types';
import type { MigrationRequest, ValidationIssue } from '../../workflows/request-types';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

const MIB = 1024 * 1024;
/** Simulated seconds per wall second, except where a test holds the emulator's clock still. */
const TIME_SCALE = 20;
/** 1 MiB/s: a 10-object prefix (10 MiB) runs 10 simulated seconds = 0.5 s of wall time at time scale 20. */
const CAPPED = [{ start: '00:00', end: '23:59', max_bandwidth: MIB }];

let stack: Stack;
let batches: BatchClient;
beforeAll(async () => {
  stack = await startStack({
    emulator: {
      timeScale: TIME_SCALE,
      config: {
        buckets: [
          ...DEFAULT_EMULATOR_CONFIG.buckets,
          { name: 'batch-src', generate: { count: 600, size: MIB, prefix: 'p/' } },
        ],
      },
    },
  });
  batches = new BatchClient(stack.client, stack.taskQueue);
});
afterAll(async () => {
  await stack?.close();
});

/** A compact batch: one prefix task per entry of `prefixes` on the `batch-src` bucket. */
function prefixBatch(prefixes: string[], extra: Partial<BatchRequest> = {}): BatchRequest {
  const seed = stack.seedRequest();
  const { object_key: _keys, ...src } = seed.src_node;
  return {
    template: {
      ...seed,
      task_type: 'prefix',
      src_node: { ...src, bucket: 'batch-src' },
      dst_node: { ...seed.dst_node, save_prefix: `${uniqueId('dst')}/` },
      bandwidth_policy: CAPPED,
    },
    prefixes,
    ...extra,
  };
}

/** `p/00` … : prefixes of 10 objects each. */
const tens = (n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => `p/${String(from + i).padStart(2, '0')}`);

async function failureOf(batchId: string): Promise<ApplicationFailure> {
  const err: unknown = await batches
    .handle(batchId)
    .result()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

test('a 50-item batch runs 5 at a time, never more than 5 running in OMS, and reports every item', async () => {
  const id = uniqueId('batch50');
  const admin = stack.emulator.admin;
  // The manual clock holds every OMS task until the test moves it, so each window of 5 is observed at rest; the
  // emulator's own cap is lifted so that it cannot be what keeps the count at 5.
  await admin.clearRequests();
  await admin.setClock({ timeScale: 0 });
  await admin.updateSettings({ maxRunningPerRegion: 50 });
  try {
    // One 1-MiB object per item: the test is about the window, not transfers.
    const ones = Array.from({ length: 50 }, (_, i) => `p/5${String(i).padStart(2, '0')}`);
    await batches.start(prefixBatch(ones, { concurrency: 5, label: 'fifty prefixes' }), { batchId: id });
    for (let round = 0; round < 10; round++) {
      // At rest: 5 items started, their 5 tasks created and waiting in OMS, and nothing more created.
      await waitFor(
        async () => {
          const p = await batches.handle(id).query(batchProgressQuery);
          const created = (await admin.counters()).CreateTask ?? 0;
          return p.running === 5 && p.done === 5 * round && created === 5 * (round + 1);
        },
        30_000,
        `window ${round}: 5 items running and ${5 * (round + 1)} tasks created`,
      );
      const waitingInOms = (await admin.tasks()).tasks.filter((t) => t.srcBucket === 'batch-src' && t.status === 1);
      expect(waitingInOms).toHaveLength(5);
      // Past the scheduling delay (2 s) and the 1-second transfer: the 5 tasks run side by side and succeed.
      await admin.setClock({ advanceMs: 10_000 });
    }
    const { outcome, report } = await batches.result(id);
    expect(outcome).toBe('succeeded');
    expect((await admin.counters()).CreateTask).toBe(50);
    const region = (await admin.regions())[stack.emulator.config.region]!;
    expect(region.maxObservedRunning).toBe(5);
    expect(report).toMatchObject({
      batch_id: id,
      label: 'fifty prefixes',
      items_total: 50,
      counts: { succeeded: 50, completed_with_failures: 0, failed: 0, not_started: 0 },
      totals: { total_num: 50, successful_num: 50, failed_num: 0, total_size: 50 * MIB, complete_size: 50 * MIB },
      failed_items: [],
      items_omitted: 0,
      runs: 1,
    });
    expect(report!.items.map((i) => i.index)).toEqual([...Array(50).keys()]);
    expect(report!.items[7]).toMatchObject({ migration_id: `${id}/item-7`, outcome: 'succeeded', total_num: 1 });
    // Ground truth: one OMS task per item, all succeeded.
    const { tasks } = await admin.tasks();
    const ours = tasks.filter((t) => report!.items.some((i) => i.task_id === t.id));
    expect(ours).toHaveLength(50);
    expect(ours.every((t) => t.status === 5)).toBe(true);
  } finally {
    await admin.updateSettings({ maxRunningPerRegion: DEFAULT_EMULATOR_CONFIG.simulation.maxRunningPerRegion });
    await admin.setClock({ timeScale: TIME_SCALE });
  }
});

test('an invalid batch fails at once with InvalidMigrationInput naming every field, with zero OMS calls', async () => {
  await stack.emulator.admin.clearRequests();
  const seed = stack.seedRequest();
  const items: unknown[] = [seed, seed, seed, { ...seed, src_node: { ...seed.src_node, bucket: undefined } }];
  const input = { items, concurrency: 0, orchestration: { poll_interval_seconds: 0 } };
  const id = uniqueId('invalid');
  await stack.client.workflow.start<typeof batchMigrationWorkflow>('batchMigrationWorkflow', {
    workflowId: id,
    taskQueue: stack.taskQueue,
    args: [input as BatchRequest],
  });
  const failure = await failureOf(id);
  expect(failure.type).toBe('InvalidMigrationInput');
  expect(failure.nonRetryable).toBe(true);
  const fields = (failure.details![0] as ValidationIssue[]).map((i) => i.field);
  expect(fields).toEqual(
    expect.arrayContaining(['concurrency', 'orchestration.poll_interval_seconds', 'items[3].src_node.bucket']),
  );
  expect(failure.message).toContain('items[3].src_node.bucket');
  expect(await stack.emulator.admin.counters()).toEqual({});
  // The client refuses the same input before contacting Temporal.
  await expect(batches.start(input)).rejects.toThrow(/items\[3\]\.src_node\.bucket/);
});

describe('failures', () => {
  const failing = (): MigrationRequest => ({
    ...prefixBatch(['p/99']).template!,
    src_node: { ...prefixBatch(['p/99']).template!.src_node, bucket: 'no-such-bucket', object_key: ['x/'] },
  });
  const ok = (prefix: string): MigrationRequest => ({
    ...prefixBatch([]).template!,
    task_type: 'prefix',
    src_node: { ...prefixBatch([]).template!.src_node, object_key: [prefix] },
  });

  test('the report lists every item, totals, and the failed items with their failed_object_record', async () => {
    const seed = stack.seedRequest();
    const withFailedObjects: MigrationRequest = {
      ...seed,
      task_type: 'prefix',
      src_node: { ...seed.src_node, bucket: 'demo-failures', object_key: [''] },
      dst_node: { ...seed.dst_node, save_prefix: `${uniqueId('f')}/` },
    };
    const id = uniqueId('report');
    await batches.start(
      {
        items: [ok('p/10'), withFailedObjects, failing(), ok('p/11')],
        concurrency: 2,
        // Batch-level failed-object retries are the per-item rounds: demo-failures' bad/** fail every run.
        orchestration: { failed_object_retry_rounds: 1 },
      },
      { batchId: id },
    );
    const { outcome, report } = await batches.result(id);
    expect(outcome).toBe('completed_with_failures');
    expect(report!.counts).toEqual({
      succeeded: 2,
      completed_with_failures: 1,
      failed: 1,
      stopped: 0,
      cancelled: 0,
      not_started: 0,
    });
    // Item 1's figures are over its whole migration: 15 copied by the first run, 5 still failing after the round.
    expect(report!.totals).toMatchObject({ total_num: 40, successful_num: 35, failed_num: 5 });
    expect(report!.items.map((i) => i.outcome)).toEqual([
      'succeeded',
      'completed_with_failures',
      'failed',
      'succeeded',
    ]);
    expect(report!.failed_items.map((i) => i.index)).toEqual([1, 2]);
    const [objects, bucket] = report!.failed_items;
    expect(objects).toMatchObject({
      migration_id: `${id}/item-1`,
      failed_num: 5,
      successful_num: 15,
      retry_rounds: 1,
      failure: null,
      failed_object_record: { result: true },
    });
    expect(objects!.failed_object_record!.list_file_key).toMatch(/failed-objects-list\.txt$/);
    expect(bucket).toMatchObject({ failed_num: 0, failed_object_record: null, failure: { type: 'MigrationFailed' } });
    expect(bucket!.failure!.message).toContain('TRF.0155');
  });

  test('the stop policy starts no item after N failed ones and fails the batch with BatchFailed', async () => {
    await stack.emulator.admin.clearRequests();
    const id = uniqueId('stop');
    await batches.start(
      {
        items: [ok('p/12'), failing(), failing(), ok('p/13'), ok('p/14')],
        concurrency: 1,
        failure_policy: { mode: 'stop', max_failed_items: 2 },
      },
      { batchId: id },
    );
    const failure = await failureOf(id);
    expect(failure.type).toBe('BatchFailed');
    const report = failure.details![0] as BatchReport;
    expect(report).toMatchObject({
      outcome: 'failed',
      stopped_by_failure_policy: true,
      counts: { succeeded: 1, failed: 2, not_started: 2 },
    });
    expect(report.items.map((i) => i.outcome)).toEqual(['succeeded', 'failed', 'failed', 'not_started', 'not_started']);
    expect((await stack.emulator.admin.counters()).CreateTask).toBe(3);
    expect((await batches.result(id)).outcome).toBe('failed');
  });
});

test('a batch continues as new every N items, carrying running items across, and still reports all of them', async () => {
  const id = uniqueId('can');
  await batches.start(prefixBatch(tens(12, 20), { concurrency: 3, continue_as_new_after_items: 4 }), { batchId: id });
  const { outcome, report } = await batches.result(id);
  expect(outcome).toBe('succeeded');
  expect(report!.runs).toBeGreaterThanOrEqual(3);
  expect(report!.counts.succeeded).toBe(12);
  expect(report!.totals.successful_num).toBe(120);
  expect(report!.items.map((i) => i.index)).toEqual([...Array(12).keys()]);

  // The first run ended by continuing as new; the children carry the batch id as a search attribute.
  expect((await stack.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
  const runs = [];
  for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push(run.status.name);
  expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBe(report!.runs - 1);
  const children = await waitFor(
    async () => {
      const found = [];
      for await (const wf of stack.client.workflow.list({
        query: `WorkflowType = 'migrationWorkflow' AND OmsBatchId = '${id}'`,
      })) {
        found.push(wf.workflowId);
      }
      return found.length === 12 ? found : undefined;
    },
    20_000,
    'the 12 children in visibility',
  );
  expect(children.sort()).toEqual([...Array(12).keys()].map((i) => `${id}/item-${i}`).sort());
});

test('cancelling a batch cancels its running items, which stop their OMS tasks; nothing else starts', async () => {
  const id = uniqueId('cancel');
  // 100 objects at 1 MiB/s: each item runs for 5 s of wall time.
  await batches.start(prefixBatch(['p/1', 'p/2', 'p/3', 'p/4', 'p/5'], { concurrency: 3 }), { batchId: id });
  const executing = await waitFor(
    async () => {
      const { tasks } = await stack.emulator.admin.tasks();
      const ours = tasks.filter(
        (t) => t.dstBucket === 'api-test-outline' && t.status === 2 && t.srcBucket === 'batch-src',
      );
      return ours.length === 3 ? ours : undefined;
    },
    30_000,
    'three executing OMS tasks',
  );
  await batches.cancel(id);
  const result = await batches.result(id);
  expect(result.outcome).toBe('cancelled');

  // Ground truth: the three tasks were stopped (7 → 3); no fourth task was ever created.
  await waitFor(
    async () => {
      const views = await Promise.all(executing.map((t) => stack.emulator.admin.task(t.id)));
      return views.every((v) => v.status === 3);
    },
    30_000,
    'the OMS tasks stopped',
  );
  const { tasks } = await stack.emulator.admin.tasks();
  expect(
    tasks.filter((t) => t.srcBucket === 'batch-src' && t.createdAt >= Math.min(...executing.map((e) => e.createdAt))),
  ).toHaveLength(3);
  for (const index of [0, 1, 2]) {
    const child = await stack.client.workflow.getHandle(`${id}/item-${index}`).describe();
    expect(child.status.name).toBe('CANCELLED');
  }
});
