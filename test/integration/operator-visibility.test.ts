/**
 * What operators see (issue 13), end to end on the dev server and the emulator, with the worker as its own
 * process so its log is the product's: a migration queued behind the region limit says so (progress, Current
 * Details, `OmsWaitingForSlot`, the limiter's own details), the poll activity carries a summary, a paused and
 * resumed migration reports what it migrated over its whole life with its total and active time, the worker log
 * has one JSON line per lifecycle event, and a batch counts items waiting for a slot apart and reports when
 * cancelled.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { defaultPayloadConverter } from '@temporalio/common';

import { BatchClient } from '../../client/batch-client';
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import { progressQuery } from '../../workflows/definitions';
import type { MigrationProgress } from '../../workflows/report-types';
import type { MigrationRequest } from '../../workflows/request-types';
import { OMS_OUTCOME, OMS_WAITING_FOR_SLOT } from '../../workflows/search-attributes';
import { limiterWorkflowId } from '../../workflows/shared/region-limiter-logic';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

const MIB = 1024 * 1024;
const CAPPED = [{ start: '00:00', end: '23:59', max_bandwidth: MIB }];

let stack: Stack;
let worker: ChildProcess;
let logFile: string;
let region: string;

beforeAll(async () => {
  // The emulator starts on the manual clock: no task moves until a test lets time run, so queues are seen at rest.
  stack = await startStack({
    worker: false,
    emulator: {
      timeScale: 0,
      config: {
        buckets: [
          ...DEFAULT_EMULATOR_CONFIG.buckets,
          { name: 'ops-src', generate: { count: 300, size: MIB, prefix: 'p/' } },
        ],
      },
    },
  });
  region = stack.emulator.config.region;
  logFile = path.join(testEnv('tmpDir'), `${uniqueId('visibility-worker')}.log`);
  worker = stack.spawnWorker(logFile, { WORKER_WORKFLOW_BUNDLE: testEnv('workflowBundle') });
});

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
  }
  await stack?.close();
});

/** A prefix migration of `ops-src` at 1 MiB/s under a running limit of one task. */
function request(prefixes: string[]): MigrationRequest {
  const seed = stack.seedRequest();
  const { object_key: _keys, ...src } = seed.src_node;
  return {
    ...seed,
    task_type: 'prefix',
    src_node: { ...src, bucket: 'ops-src', object_key: prefixes },
    dst_node: { ...seed.dst_node, save_prefix: `${uniqueId('dst')}/` },
    bandwidth_policy: CAPPED,
    orchestration: { ...seed.orchestration, max_running_per_region: 1 },
  };
}

const progressOf = (id: string): Promise<MigrationProgress> => stack.migrations.handle(id).query(progressQuery);

async function detailsOf(workflowId: string): Promise<string> {
  const meta = await stack.client.workflow
    .getHandle(workflowId)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}

/** The worker's log lines, each parsed (a line that is not JSON fails the test). */
function logLines(): Record<string, unknown>[] {
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const eventsOf = (id: string): Record<string, unknown>[] =>
  logLines().filter((l) => l.migrationId === id && typeof l.event === 'string');

test('a queued migration says what it waits for; pause and resume keep whole-migration numbers; the log tells it all', async () => {
  const [a, b] = [uniqueId('vis-a'), uniqueId('vis-b')];
  // A: 200 objects (200 s at 1 MiB/s, 10 s of wall time at the scale below); B: 10 objects.
  await stack.migrations.start(request(['p/0', 'p/1']), { migrationId: a });
  const taskA = await waitFor(async () => (await progressOf(a)).task_id, 30_000, 'A to create its task');
  await stack.migrations.start(request(['p/20']), { migrationId: b });

  // At rest: A holds the only slot, B waits first in line.
  const queued = await waitFor(
    async () => {
      const p = await progressOf(b);
      return p.waiting_for_slot ? p : undefined;
    },
    30_000,
    'B to be told its place in line',
  );
  expect(queued.phase).toBe('waiting_for_slot');
  expect(queued.waiting_for_slot).toEqual({ region, position: 1, waiting: 1, running: 1, limit: 1, holders: [a] });
  const details = await detailsOf(b);
  expect(details).toContain(`Waiting for a ${region} slot (1st in line; 1 of 1 running: \`${a}\`)`);
  expect(details).toContain('as of ');
  expect((await stack.migrations.handle(b).describe()).typedSearchAttributes.get(OMS_WAITING_FOR_SLOT)).toBe(region);
  const limiterDetails = await detailsOf(limiterWorkflowId(region, stack.taskQueue));
  expect(limiterDetails).toContain('### Holders');
  expect(limiterDetails).toContain('### Waiters');
  expect(limiterDetails).toContain(`| 1 | \`${b}\` |`);
  expect(limiterDetails).toContain(`\`${a}\``);

  // The pending poll activity reads as what it is in the UI.
  const history = await stack.migrations.handle(a).fetchHistory();
  const summaries = (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pollMigrationTask')
    .map((e) => e.userMetadata?.summary && defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary));
  expect(summaries[0]).toContain(`Polling OMS task ${taskA} every 0.5 s`);

  // Let time run: A migrates, is re-capped, paused (B gets the slot and finishes), resumed, and completes.
  await stack.emulator.admin.setClock({ timeScale: 20 });
  await waitFor(async () => (await progressOf(a)).snapshot?.status === 2, 60_000, 'A EXECUTING');
  await stack.migrations.setBandwidth(a, CAPPED);
  await stack.migrations.pause(a);
  await waitFor(async () => (await progressOf(a)).paused, 60_000, 'A paused');
  const rb = await stack.migrations.result(b);
  expect(rb.outcome).toBe('succeeded');
  expect((await stack.migrations.handle(b).describe()).typedSearchAttributes.get(OMS_WAITING_FOR_SLOT)).toBeUndefined();
  await stack.migrations.resume(a);
  const { report } = await stack.migrations.result(a);
  expect(report).toMatchObject({
    outcome: 'succeeded',
    total_num: 200,
    successful_num: 200,
    skipped_num: 0,
    failed_num: 0,
    task_runs: 2,
  });
  // OMS's own numbers of the last run count the objects copied before the pause as skipped.
  expect(report!.last_run!.skipped_num).toBeGreaterThan(0);
  expect(report!.last_run!.successful_num + report!.last_run!.skipped_num).toBe(200);
  expect(report!.active_ms).toBeLessThan(report!.elapsed_ms!);
  expect(report!.elapsed_ms).toBe(Date.parse(report!.finished_at) - Date.parse(report!.started_at));

  // The worker log: JSON lines only, starting with the worker's own line (not the bundler's), then one line per
  // lifecycle event with the migration id and task id as fields.
  const first = logLines()[0];
  expect(first?.message).toBe('Starting OMS migration worker');
  const ended = await waitFor(
    () => Promise.resolve(eventsOf(a).find((l) => l.event === 'migration.ended')),
    10_000,
    "A's migration.ended log line",
  );
  expect(ended).toMatchObject({ outcome: 'succeeded', taskId: taskA, total: 200, succeeded: 200, failed: 0 });
  const aEvents = eventsOf(a).map((l) => l.event);
  for (const event of [
    'migration.started',
    'migration.task_created',
    'migration.status_changed',
    'migration.bandwidth_changed',
    'migration.paused',
    'migration.resumed',
    'migration.ended',
  ]) {
    expect(aEvents).toContain(event);
  }
  expect(eventsOf(a).filter((l) => l.event !== 'migration.started' && l.taskId !== taskA)).toEqual([]);
  const executing = eventsOf(a).find((l) => l.event === 'migration.status_changed' && l.status === 'EXECUTING');
  expect(executing).toMatchObject({ taskId: taskA, previous: 'WAITING' });
  const bEvents = eventsOf(b);
  expect(bEvents.find((l) => l.event === 'migration.waiting_for_slot')).toMatchObject({ region, position: 1 });
  expect(bEvents.map((l) => l.event)).toEqual(
    expect.arrayContaining(['migration.slot_granted', 'migration.task_created', 'migration.ended']),
  );
});

test('a batch counts items waiting for a slot apart from running ones, and a cancelled batch has a report', async () => {
  await stack.emulator.admin.setClock({ timeScale: 0 });
  const batches = new BatchClient(stack.client, stack.taskQueue);
  const id = uniqueId('vis-batch');
  const { object_key: _keys, ...src } = request([]).src_node;
  const template = { ...request([]), src_node: src };
  await batches.start({ template, prefixes: ['p/22', 'p/23', 'p/24', 'p/25'], concurrency: 3 }, { batchId: id });
  const progress = await waitFor(
    async () => {
      const p = (await batches.status(id)).progress;
      return p?.waiting_for_slot === 2 && p.running === 1 ? p : undefined;
    },
    30_000,
    'one item running and two waiting for the slot',
  );
  expect(progress.waiting).toBe(1);
  const details = await detailsOf(id);
  expect(details).toContain('### Items');
  expect(details).toContain('| 1 | 2 | 1 | 0 | 0 |');

  await batches.cancel(id);
  const result = await batches.result(id);
  expect(result.outcome).toBe('cancelled');
  expect(result.report).toMatchObject({
    outcome: 'cancelled',
    items_total: 4,
    counts: { cancelled: 3, not_started: 1, succeeded: 0 },
  });
  expect(result.report!.items.map((i) => i.outcome).sort()).toEqual([
    'cancelled',
    'cancelled',
    'cancelled',
    'not_started',
  ]);
  expect((await stack.client.workflow.getHandle(id).describe()).typedSearchAttributes.get(OMS_OUTCOME)).toBe(
    'cancelled',
  );
});
