/**
 * Metrics end to end: a worker process with `WORKER_METRICS_BIND` runs migrations against the emulator, and its
 * Prometheus endpoint shows the SDK's own metrics and the orchestrator's, matching the migration reports and the
 * emulator's request counters. A separate process, because the Prometheus exporter is set when the Temporal runtime
 * is installed, once per process (this test process has its runtime already).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { freePort } from '../../scripts/lib/net';
import type { MigrationReport } from '../../workflows/report-types';
import { testEnv } from '../helpers/env';
import { scrape, select, total, type Scrape } from '../helpers/prometheus';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

let stack: Stack;
let worker: ChildProcess;
let metricsUrl: string;
let logFile: string;

beforeAll(async () => {
  // Time scale 1: the emulator's task timestamps are then wall-clock times, so detection delays are meaningful.
  stack = await startStack({ worker: false, emulator: { timeScale: 1 } });
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  logFile = path.join(testEnv('tmpDir'), `${uniqueId('metrics-worker')}.log`);
  worker = stack.spawnWorker(logFile, {
    WORKER_METRICS_BIND: `127.0.0.1:${port}`,
    WORKER_WORKFLOW_BUNDLE: testEnv('workflowBundle'),
  });
  await waitFor(() => scrape(metricsUrl), 60_000, `the metrics endpoint ${metricsUrl} (worker log: ${logFile})`);
});

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
  }
  await stack?.close();
});

/** Scrapes until `ready` holds for a scrape (values are exported asynchronously), bounded. */
function scrapeUntil(ready: (s: Scrape) => boolean, what: string): Promise<Scrape> {
  return waitFor(
    async () => {
      const s = await scrape(metricsUrl);
      return ready(s) ? s : undefined;
    },
    30_000,
    what,
  );
}

const sum = (reports: MigrationReport[], field: keyof MigrationReport): number =>
  reports.reduce((acc, r) => acc + (r[field] as number), 0);

test('the endpoint shows migrations, objects, bytes, OMS calls and token fetches as the reports and OMS saw them', async () => {
  const seed = await stack.migrations.start(stack.seedRequest(), { migrationId: uniqueId('metrics-seed') });
  const failuresRequest = stack.seedRequest({
    task_type: 'prefix',
    src_node: { ...stack.seedRequest().src_node, bucket: 'demo-failures', object_key: [''] },
  });
  const failing = await stack.migrations.start(failuresRequest, { migrationId: uniqueId('metrics-failures') });
  const seedResult = await stack.migrations.result(seed.migrationId);
  const failingResult = await stack.migrations.result(failing.migrationId);
  expect(seedResult.outcome).toBe('succeeded');
  // OMS ends a task with failed objects in status 4; failed objects alone make it completed_with_failures.
  expect(failingResult.outcome).toBe('completed_with_failures');
  const reports = [seedResult.report!, failingResult.report!];
  expect(reports[1]!.failed_num).toBe(5);

  const s = await scrapeUntil(
    (x) => total(x, 'oms_migrations_ended_total') >= 2,
    'both migrations counted as ended on the metrics endpoint',
  );
  expect(total(s, 'oms_migrations_started_total')).toBe(2);
  expect(total(s, 'oms_migrations_ended_total', { outcome: 'succeeded' })).toBe(1);
  expect(total(s, 'oms_migrations_ended_total', { outcome: 'completed_with_failures' })).toBe(1);
  expect(total(s, 'oms_migrated_objects_total')).toBe(sum(reports, 'successful_num'));
  expect(total(s, 'oms_failed_objects_total')).toBe(5);
  expect(total(s, 'oms_skipped_objects_total')).toBe(sum(reports, 'skipped_num'));
  expect(total(s, 'oms_migrated_bytes_total')).toBe(sum(reports, 'complete_size'));
  expect(total(s, 'oms_transferred_bytes_total')).toBe(sum(reports, 'real_size'));
  expect(total(s, 'oms_migrated_bytes_total')).toBeGreaterThanOrEqual(2_223_728);
  // Workflow-side metrics carry the SDK's labels, and no task id, bucket or migration id anywhere.
  expect(select(s, 'oms_migrations_ended_total')[0]!.labels).toMatchObject({
    workflowType: 'migrationWorkflow',
    taskQueue: stack.taskQueue,
  });
  const allLabels = s.samples.flatMap((x) => Object.values(x.labels)).join(' ');
  for (const r of reports) {
    expect(allLabels).not.toContain(String(r.task_id));
    expect(allLabels).not.toContain(r.migration_id);
  }
  expect(allLabels).not.toContain('a-test-1');

  // OMS calls by operation and result: exactly what the emulator received.
  const counters = await stack.emulator.admin.counters();
  for (const operation of ['CreateTask', 'ShowTask', 'KeystoneCreateUserTokenByPassword'] as const) {
    expect(total(s, 'oms_api_requests_total', { operation })).toBe(counters[operation]);
    expect(total(s, 'oms_api_requests_total', { operation, result: 'ok', status_class: '2xx' })).toBe(
      counters[operation],
    );
    expect(total(s, 'oms_api_request_duration_seconds_count', { operation })).toBe(counters[operation]);
  }
  expect(counters.CreateTask).toBe(2);
  expect(counters.ShowTask).toBeGreaterThan(0);
  expect(total(s, 'oms_iam_token_refreshes_total', { result: 'ok' })).toBe(counters.KeystoneCreateUserTokenByPassword);
  expect(counters.KeystoneCreateUserTokenByPassword).toBe(1);

  // The ends were detected within a few seconds of OMS's end times (the poll cadence is 0.5 s here).
  for (const status of ['SUCCEEDED', 'FAILED']) {
    const detected = total(s, 'oms_status_detection_delay_seconds_count', { status });
    expect(detected).toBeGreaterThanOrEqual(1);
    expect(total(s, 'oms_status_detection_delay_seconds_sum', { status }) / detected).toBeLessThan(5);
  }

  // Every migration waited for its region slot once (plus one per failed-object retry round).
  const region = stack.emulator.config.region;
  const waits = total(s, 'oms_region_limiter_waits_total', { region, result: 'granted' });
  expect(waits).toBe(2 + sum(reports, 'retry_rounds'));
  expect(total(s, 'oms_region_limiter_wait_seconds_count', { region, result: 'granted' })).toBe(waits);
  const idle = await scrapeUntil(
    (x) => select(x, 'oms_region_limiter_slots_held', { region }).some((g) => g.value === 0),
    'the region limiter to report its slots given back',
  );
  expect(select(idle, 'oms_region_limiter_queue_length', { region }).map((g) => g.value)).toContain(0);

  // The SDK's own worker metrics are on the same endpoint.
  expect(idle.types.temporal_worker_task_slots_available).toBe('gauge');
  expect(select(idle, 'temporal_worker_task_slots_available', { task_queue: stack.taskQueue }).length).toBeGreaterThan(
    0,
  );
  expect(total(idle, 'temporal_num_pollers', { task_queue: stack.taskQueue })).toBeGreaterThan(0);

  // Every metric the Grafana dashboard queries exists on the endpoint.
  const dashboard = fs.readFileSync(
    path.join(__dirname, '..', '..', 'deploy', 'grafana', 'oms-orchestrator.json'),
    'utf8',
  );
  const queried = new Set(
    [...dashboard.matchAll(/\b((?:oms|temporal)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')),
  );
  expect(queried.size).toBeGreaterThan(15);
  for (const family of queried) expect([family, idle.types[family]]).toEqual([family, expect.any(String)]);
});

test('a refused token shows as an auth error of the call, a refresh and a second IAM call', async () => {
  const before = await scrape(metricsUrl);
  await stack.emulator.admin.revokeTokens();
  const id = uniqueId('metrics-revoked');
  await stack.migrations.start(stack.seedRequest(), { migrationId: id });
  expect((await stack.migrations.result(id)).outcome).toBe('succeeded');

  const s = await scrapeUntil(
    (x) => total(x, 'oms_migrations_ended_total') >= total(before, 'oms_migrations_ended_total') + 1,
    'the third migration counted as ended',
  );
  const authErrors = (x: Scrape): number => total(x, 'oms_api_requests_total', { result: 'auth', status_class: '4xx' });
  expect(authErrors(s) - authErrors(before)).toBe(1);
  const counters = await stack.emulator.admin.counters();
  expect(counters.KeystoneCreateUserTokenByPassword).toBe(2);
  expect(total(s, 'oms_iam_token_refreshes_total', { result: 'ok' })).toBe(counters.KeystoneCreateUserTokenByPassword);
});

test('cancelled and out-of-time migrations are counted under their own outcomes', async () => {
  const before = await scrape(metricsUrl);
  const cancelled = uniqueId('metrics-cancelled');
  const late = uniqueId('metrics-deadline');
  await stack.migrations.start(stack.seedRequest(), { migrationId: cancelled });
  // OMS schedules a task 2 s after its creation (time scale 1): a 1 s deadline passes first.
  const orchestration = { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1, deadline_seconds: 1 };
  await stack.migrations.start(stack.seedRequest({ orchestration }), { migrationId: late });
  await waitFor(async () => (await stack.migrations.status(cancelled)).progress?.task_id, 30_000, 'the OMS task');
  await stack.migrations.cancel(cancelled);
  expect((await stack.migrations.result(cancelled)).outcome).toBe('cancelled');
  await stack.migrations.result(late);

  const delta = (x: Scrape, outcome: string): number =>
    total(x, 'oms_migrations_ended_total', { outcome }) - total(before, 'oms_migrations_ended_total', { outcome });
  const s = await scrapeUntil(
    (x) => delta(x, 'cancelled') > 0 && delta(x, 'deadline') > 0,
    'a cancelled and a deadline outcome',
  );
  // At least once: an end whose workflow task the server refuses (an event raced it) runs, and counts, again.
  expect(delta(s, 'cancelled')).toBeGreaterThanOrEqual(1);
  expect(delta(s, 'deadline')).toBeGreaterThanOrEqual(1);
  expect(delta(s, 'succeeded') + delta(s, 'failed') + delta(s, 'stopped')).toBe(0);
});
