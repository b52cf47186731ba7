/**
 * Scheduled, incremental batches through the CLI (`oms-orchestrator schedule …`) on real Temporal Schedules, and
 * the `batch` commands: the second run of an incremental schedule migrates only the objects changed since the
 * first run started.
 */
import fs from 'node:fs';
import path from 'node:path';

import { BatchClient } from '../../client/batch-client';
import { runCli } from '../../client/cli';
import type { BatchReport, BatchRequest } from '../../workflows/batch-types';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

let stack: Stack;
let batches: BatchClient;
beforeAll(async () => {
  stack = await startStack();
  batches = new BatchClient(stack.client, stack.taskQueue);
});
afterAll(async () => {
  await stack?.close();
});

/** Runs the CLI against the stack; returns the exit code and everything it printed. */
async function cli(...args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runCli([...args, '--address', testEnv('address'), '--task-queue', stack.taskQueue], (t) =>
    lines.push(t),
  );
  return { code, text: lines.join('\n') };
}

function writeJson(name: string, value: unknown): string {
  const file = path.join(testEnv('tmpDir'), `${uniqueId(name)}.json`);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

/** The n-th run (1-based) of a schedule, once the schedule has taken it. */
async function nthRun(scheduleId: string, n: number): Promise<string> {
  return waitFor(
    async () => {
      const d = await stack.client.schedule.getHandle(scheduleId).describe();
      return d.info.recentActions[n - 1]?.action.workflow.workflowId;
    },
    20_000,
    `run ${n} of ${scheduleId}`,
  );
}

test('an incremental schedule: the first run copies everything, the second only what changed in between', async () => {
  const admin = stack.emulator.admin;
  const bucket = uniqueId('inc-src');
  const old = Date.parse('2024-01-01T00:00:00Z');
  for (const key of ['a/0', 'a/1', 'a/2', 'b/0', 'b/1', 'b/2']) {
    await admin.putObject({ bucket, key, size: 4096, lastModified: old, createBucket: true });
  }
  const seed = stack.seedRequest();
  const { object_key: _keys, ...src } = seed.src_node;
  const batch: BatchRequest = {
    label: 'nightly copy of inc-src',
    template: {
      ...seed,
      task_type: 'prefix',
      src_node: { ...src, bucket },
      dst_node: { ...seed.dst_node, save_prefix: `${bucket}/` },
      // Overwrite everything unless migrate_since excludes it: what the second run skips, it skips by date.
      object_overwrite_mode: 'FULL_OVERWRITE',
    },
    prefixes: ['a/', 'b/'],
  };
  const scheduleId = uniqueId('nightly');
  const created = await cli(
    'schedule',
    'create',
    scheduleId,
    '--file',
    writeJson('batch', batch),
    '--cron',
    '0 2 1 1 *',
    '--incremental',
    '--paused',
    '--note',
    'triggered by the test only',
  );
  expect(created).toEqual({ code: 0, text: `Created schedule ${scheduleId} (paused)` });
  await waitFor(
    async () => {
      const listed = await cli('schedule', 'list');
      return listed.code === 0 && listed.text.includes(`${scheduleId}  PAUSED`);
    },
    20_000,
    'the schedule in `schedule list`',
  );

  // Run 1: no previous successful run, so migrate_since stays 0 and every object is copied.
  expect((await cli('schedule', 'trigger', scheduleId)).code).toBe(0);
  const firstId = await nthRun(scheduleId, 1);
  const first = await batches.result(firstId);
  expect(first.outcome).toBe('succeeded');
  expect(first.report!.incremental).toEqual({ schedule_id: scheduleId, migrate_since: 0, previous_run: null });
  expect(first.report!.totals).toMatchObject({ total_num: 6, successful_num: 6, skipped_num: 0 });

  // Wait until visibility lists run 1 as a successful run of the schedule (what run 2 looks up).
  await waitFor(
    async () => {
      for await (const _ of stack.client.workflow.list({
        query: `TemporalScheduledById = '${scheduleId}' AND OmsOutcome = 'succeeded' AND ExecutionStatus = 'Completed'`,
      })) {
        return true;
      }
      return false;
    },
    20_000,
    'run 1 in visibility',
  );

  // Between the runs: one object changes, one is added (their modification time is "now").
  await admin.putObject({ bucket, key: 'a/1', size: 8192 });
  await admin.putObject({ bucket, key: 'b/9', size: 100 });

  // A schedule names its runs `<id>-<time in whole seconds>`: a trigger within run 1's second would reuse its id.
  await waitFor(() => !firstId.endsWith(`${new Date().toISOString().slice(0, 19)}Z`), 5_000, 'the next second');
  expect((await cli('schedule', 'trigger', scheduleId)).code).toBe(0);
  const secondId = await nthRun(scheduleId, 2);
  expect(secondId).not.toBe(firstId);
  const second = await batches.result(secondId);
  expect(second.outcome).toBe('succeeded');
  const since = Math.floor(Date.parse(first.report!.started_at) / 1000);
  expect(second.report!.incremental).toEqual({
    schedule_id: scheduleId,
    migrate_since: since,
    previous_run: expect.objectContaining({ started_at: first.report!.started_at }) as unknown,
  });
  expect(second.report!.totals).toMatchObject({ total_num: 7, successful_num: 2, skipped_num: 5 });

  // Ground truth: the second run's OMS tasks carried migrate_since and transferred only the two changed objects.
  const tasks = await Promise.all(second.report!.items.map((i) => admin.task(i.task_id!)));
  expect(tasks.reduce((n, t) => n + t.counters.successful, 0)).toBe(2);
  expect(tasks.reduce((n, t) => n + t.counters.skipped, 0)).toBe(5);
  expect((await admin.getObject('api-test-outline', `${bucket}/a/1`))?.size).toBe(8192);

  // The rest of the schedule commands.
  const described = await cli('schedule', 'describe', scheduleId);
  expect(described.code).toBe(0);
  expect(described.text).toContain(`Schedule ${scheduleId}: PAUSED (triggered by the test only)`);
  expect(described.text).toContain('overlap SKIP');
  expect(described.text).toContain(secondId);
  expect((await cli('schedule', 'unpause', scheduleId)).code).toBe(0);
  expect((await cli('schedule', 'pause', scheduleId, '--note', 'done')).code).toBe(0);
  // A period in which the yearly cron does not fire: accepted, nothing runs.
  expect(
    (await cli('schedule', 'backfill', scheduleId, '--start', '2020-02-01T00:00:00Z', '--end', '2020-02-02T00:00:00Z'))
      .code,
  ).toBe(0);
  expect((await cli('schedule', 'delete', scheduleId)).code).toBe(0);
  expect(await cli('schedule', 'describe', scheduleId)).toEqual({ code: 6, text: `No schedule with id ${scheduleId}` });
});

test('schedule and batch commands refuse bad usage and invalid batches before contacting Temporal', async () => {
  const bad = writeJson('bad', { template: stack.seedRequest(), prefixes: [] });
  const noCron = await cli('schedule', 'create', 'x', '--file', bad);
  expect(noCron.code).toBe(2);
  expect(noCron.text).toContain('exactly one of --cron and --every');
  const invalid = await cli('schedule', 'create', 'x', '--file', bad, '--every', '1h');
  expect(invalid.code).toBe(2);
  expect(invalid.text).toContain('prefixes');
  expect((await cli('schedule', 'trigger', 'x', '--overlap', 'sometimes')).code).toBe(2);
  expect((await cli('batch', 'start', '--file', bad)).code).toBe(2);
  expect((await cli('batch', 'frobnicate')).code).toBe(2);
  expect((await cli('batch', '--help')).code).toBe(0);
});

test('batch start / status / report through the CLI', async () => {
  const seed = stack.seedRequest();
  const file = writeJson('batch', {
    items: [seed, { ...seed, dst_node: { ...seed.dst_node, save_prefix: `${uniqueId('cli')}/` } }],
  });
  const id = uniqueId('cli-batch');
  expect(await cli('batch', 'start', '--file', file, '--id', id)).toEqual({
    code: 0,
    text: `Started batch ${id} (2 items)`,
  });
  const report = await cli('batch', 'report', id, '--json');
  expect(report.code).toBe(0);
  expect((JSON.parse(report.text) as BatchReport).counts.succeeded).toBe(2);
  const status = await cli('batch', 'status', id);
  expect(status.code).toBe(0);
  expect(status.text).toContain(`Batch ${id}: COMPLETED`);
  expect((await cli('batch', 'status', uniqueId('nope'))).code).toBe(6);
});
