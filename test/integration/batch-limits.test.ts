/**
 * OMS's limits across everything on a task queue, enforced by the region limiter: the running-task limit shared
 * by concurrent batches and single migrations (set below the emulator's own cap of 5, so the emulator's queueing
 * cannot be what keeps it), the rolling creation quota (work waits, then resumes), and slots reclaimed from
 * migrations that ended without releasing them.
 */
import { BatchClient } from '../../client/batch-client';
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import { limiterStatusQuery } from '../../workflows/definitions';
import { limiterWorkflowId } from '../../workflows/shared/region-limiter-logic';
import type { BatchRequest } from '../../workflows/batch-types';
import type { LimiterStatus } from '../../workflows/limiter-types';
import type { OrchestrationOptions } from '../../workflows/request-types';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

const MIB = 1024 * 1024;
/** Simulated seconds per wall second once a test lets the emulator's clock run. */
const TIME_SCALE = 20;
const CAPPED = [{ start: '00:00', end: '23:59', max_bandwidth: MIB }];

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
});

/**
 * A stack (own emulator, task queue and therefore limiter) whose `batch-src` bucket has 10-object prefixes. Its
 * emulator starts on the manual clock: no OMS task moves until the test resumes the clock, so the limiter's state
 * is observed at rest instead of sampled.
 */
async function newStack(): Promise<Stack> {
  const stack = await startStack({
    emulator: {
      timeScale: 0,
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

/** Lets the emulator's simulated time run again. */
async function resumeClock(stack: Stack): Promise<void> {
  await stack.emulator.admin.setClock({ timeScale: TIME_SCALE });
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

  // At rest (no task can end): 11 wanted, 3 hold a slot and created their task, the other 8 wait in the limiter.
  await waitFor(
    async () => {
      const s = await limiter(stack).query(limiterStatusQuery);
      const created = (await stack.emulator.admin.counters()).CreateTask ?? 0;
      return s.running === 3 && s.waiting === 8 && created === 3;
    },
    30_000,
    '3 slots held, 3 tasks created and 8 requests waiting',
  );
  await resumeClock(stack);
  const [ra, rb, rs] = await Promise.all([batches.result(a), batches.result(b), stack.migrations.result(single)]);
  expect(ra.outcome).toBe('succeeded');
  expect(rb.outcome).toBe('succeeded');
  expect(rs.outcome).toBe('succeeded');
  expect(ra.report!.totals.successful_num + rb.report!.totals.successful_num).toBe(120);

  // Ground truth: OMS ran 3 at once (the 3 tasks created at rest started together), never more, though 11 were
  // wanted; work waited in the limiter instead.
  const region = (await stack.emulator.admin.regions())[stack.emulator.config.region]!;
  expect(region.maxObservedRunning).toBe(3);
  expect((await stack.emulator.admin.counters()).CreateTask).toBe(13);
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

  // The tasks cannot end on the manual clock, so all four grants stay listed once the window lets the rest in.
  const granted = await waitFor(
    async () => {
      const s = await limiter(stack).query(limiterStatusQuery);
      const created = (await stack.emulator.admin.counters()).CreateTask;
      return s.holders.length === 4 && created === 4 ? s.holders.map((h) => h.granted_at).sort((x, y) => x - y) : null;
    },
    30_000,
    'all four creations granted',
  );
  // The third and fourth grants came only once the first two had left the 4-second window (limiter time).
  expect(granted[2]! - granted[0]!).toBeGreaterThanOrEqual(windowSeconds * 1000);
  expect(granted[3]! - granted[1]!).toBeGreaterThanOrEqual(windowSeconds * 1000);

  await resumeClock(stack);
  const { outcome, report } = await batches.result(id);
  expect(outcome).toBe('succeeded');
  expect(report!.counts.succeeded).toBe(4);
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
  await resumeClock(stack);
  const { outcome } = await stack.migrations.result(waiter);
  expect(outcome).toBe('succeeded');
  const status = await limiter(stack).query(limiterStatusQuery);
  expect(status.reclaimed).toBe(1);
});
