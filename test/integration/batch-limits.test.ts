/**
 * OMS's limits across everything on a task queue, enforced by the region limiter: the running-task limit shared
 * by concurrent batches and single migrations (set below the emulator's own cap of 5, so the emulator's queueing
 * cannot be what keeps it), the rolling creation quota (work waits, then resumes), and slots reclaimed from
 * migrations that ended without releasing them.
 */
import { BatchClient } from '../../client/batch-client';
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import { limiterStatusQuery } from '../../workflows/definitions';
import { limiterWorkflowId } from '../../workflows/internal/batch-limiter';
import type { BatchRequest, LimiterStatus, OrchestrationOptions } from '../../workflows/types';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

const MIB = 1024 * 1024;
const CAPPED = [{ start: '00:00', end: '23:59', max_bandwidth: MIB }];

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
});

/** A stack (own emulator, task queue and therefore limiter) whose `batch-src` bucket has 10-object prefixes. */
async function newStack(): Promise<Stack> {
  const stack = await startStack({
    emulator: {
      timeScale: 20,
      config: {
        buckets: [
          ...DEFAULT_EMULATOR_CONFIG.buckets,
          { name: 'batch-src', generate: { count: 300, size: MIB, prefix: 'p/' } },
        ],
      },
    },
  });
  stacks.push(stack);
  return stack;
}

function prefixBatch(stack: Stack, prefixes: string[], extra: Partial<BatchRequest> = {}): BatchRequest {
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

const tens = (n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => `p/${String(from + i).padStart(2, '0')}`);

/** The stack's limiter for the emulator region. */
function limiter(stack: Stack) {
  return stack.client.workflow.getHandle(limiterWorkflowId(stack.emulator.config.region, stack.taskQueue));
}

/** Samples the limiter's status until `done` settles; returns the largest holder and waiter counts seen. */
async function sampleLimiter(stack: Stack, done: Promise<unknown>): Promise<{ running: number; waiting: number }> {
  let finished = false;
  void done.finally(() => (finished = true));
  const max = { running: 0, waiting: 0 };
  while (!finished) {
    const status = await limiter(stack)
      .query(limiterStatusQuery)
      .catch(() => undefined);
    if (status) {
      max.running = Math.max(max.running, status.running);
      max.waiting = Math.max(max.waiting, status.waiting);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return max;
}

test('two concurrent batches and a single migration never have more than max_running_per_region tasks in OMS', async () => {
  const stack = await newStack();
  const batches = new BatchClient(stack.client, stack.taskQueue);
  const orchestration: OrchestrationOptions = { max_running_per_region: 3 };
  const [a, b, single] = [uniqueId('batch-a'), uniqueId('batch-b'), uniqueId('single')];
  await batches.start(prefixBatch(stack, tens(6, 0), { concurrency: 5, orchestration }), { batchId: a });
  await batches.start(prefixBatch(stack, tens(6, 6), { concurrency: 5, orchestration }), { batchId: b });
  const request = prefixBatch(stack, []).template!;
  await stack.migrations.start(
    {
      ...request,
      task_type: 'prefix',
      src_node: { ...request.src_node, object_key: ['p/12'] },
      orchestration: { ...request.orchestration, ...orchestration },
    },
    { migrationId: single },
  );

  const all = Promise.all([batches.result(a), batches.result(b), stack.migrations.result(single)]);
  const seen = await sampleLimiter(stack, all);
  const [ra, rb, rs] = await all;
  expect(ra.outcome).toBe('succeeded');
  expect(rb.outcome).toBe('succeeded');
  expect(rs.outcome).toBe('succeeded');
  expect(ra.report!.totals.successful_num + rb.report!.totals.successful_num).toBe(120);

  // Ground truth: OMS never ran more than 3 at once, though 11 were wanted; work waited in the limiter instead.
  const region = (await stack.emulator.admin.regions())[stack.emulator.config.region]!;
  expect(region.maxObservedRunning).toBeLessThanOrEqual(3);
  expect(region.maxObservedRunning).toBeGreaterThanOrEqual(2);
  expect(seen.running).toBeLessThanOrEqual(3);
  expect(seen.waiting).toBeGreaterThan(0);
  // Every slot was given back.
  await waitFor(async () => (await limiter(stack).query(limiterStatusQuery)).running === 0, 10_000, 'slots released');
});

test('when the creation quota is used up, creations wait for the window to move on, then resume', async () => {
  const stack = await newStack();
  const batches = new BatchClient(stack.client, stack.taskQueue);
  const id = uniqueId('quota');
  const windowSeconds = 4;
  await batches.start(
    prefixBatch(stack, tens(4, 20), {
      concurrency: 4,
      orchestration: { daily_create_quota: 2, create_quota_window_seconds: windowSeconds },
    }),
    { batchId: id },
  );
  // Two tasks created; the other two wait durably for the window (not failing, not calling OMS).
  const waiting = await waitFor<LimiterStatus>(
    async () => {
      const s = await limiter(stack).query(limiterStatusQuery);
      const created = (await stack.emulator.admin.counters()).CreateTask;
      return s.waiting === 2 && s.recent_creations === 2 && created === 2 ? s : undefined;
    },
    20_000,
    'two tasks created and two requests waiting for the creation window',
  );
  expect(waiting.waiters.every((w) => w.creates && w.create_quota === 2)).toBe(true);

  const { outcome, report } = await batches.result(id);
  expect(outcome).toBe('succeeded');
  expect(report!.counts.succeeded).toBe(4);
  const creates = (await stack.emulator.admin.requests({ route: 'CreateTask' })).map((r) => Date.parse(r.time)).sort();
  expect(creates).toHaveLength(4);
  // The third and fourth creations came only once the first two had left the 4-second window.
  expect(creates[2]! - creates[0]!).toBeGreaterThanOrEqual(windowSeconds * 1000 - 500);
  expect(creates[3]! - creates[1]!).toBeGreaterThanOrEqual(windowSeconds * 1000 - 500);
});

test('the slot of a migration terminated while holding it is reclaimed, and the waiting migration proceeds', async () => {
  const stack = await newStack();
  const orchestration = { max_running_per_region: 1 };
  const request = prefixBatch(stack, []).template!;
  const holder = uniqueId('holder');
  const waiter = uniqueId('waiter');
  await stack.migrations.start(
    {
      ...request,
      task_type: 'prefix',
      src_node: { ...request.src_node, object_key: ['p/1'] },
      orchestration: { ...request.orchestration, ...orchestration },
    },
    { migrationId: holder },
  );
  await waitFor(
    async () => (await limiter(stack).query(limiterStatusQuery)).holders.some((h) => h.holder_id === holder),
    20_000,
    'the first migration to hold the slot',
  );
  await stack.migrations.start(
    {
      ...request,
      task_type: 'prefix',
      src_node: { ...request.src_node, object_key: ['p/20'] },
      orchestration: { ...request.orchestration, ...orchestration },
    },
    { migrationId: waiter },
  );
  await waitFor(
    async () => (await limiter(stack).query(limiterStatusQuery)).waiters.some((w) => w.holder_id === waiter),
    20_000,
    'the second migration to wait',
  );
  // Terminate runs no cleanup: the slot is not released by the holder.
  await stack.migrations.handle(holder).terminate('test: leak the slot');
  const { outcome } = await stack.migrations.result(waiter);
  expect(outcome).toBe('succeeded');
  const status = await limiter(stack).query(limiterStatusQuery);
  expect(status.reclaimed).toBeGreaterThanOrEqual(1);
});
