/**
 * The benchmark harness in miniature, so it cannot rot: every scenario at a tiny size against the run's Temporal
 * dev server, checking that each result has its fields and sane values, and that the results files are written.
 * No timing is asserted (the targets are proven by `npm run bench`, recorded in bench/results/).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Flags } from '../../bench/lib/args';
import type { ResultsFile } from '../../bench/lib/results';
import type { ScenarioResult } from '../../bench/lib/scenario';
import { SCENARIOS, runBench } from '../../bench/run';
import { testEnv } from '../helpers/env';
import { uniqueId } from '../helpers/wait';

jest.setTimeout(240_000);

/** Tiny sizes per scenario (`--<scenario>.<flag>`). */
const TINY = [
  '--capacity.n',
  '4',
  '--capacity.interval',
  '1',
  '--capacity.hold',
  '2',
  '--capacity.transfer',
  '1',
  '--capacity.activity-slots',
  '2',
  '--throughput.n',
  '4',
  '--throughput.warmup',
  '2',
  '--throughput.rounds',
  '2',
  '--economy.n',
  '1',
  '--economy.duration',
  '2',
  '--economy.interval',
  '1',
  '--economy.floor',
  '0.2',
  '--history.hours',
  '0.03',
  '--batch.n',
  '4',
  '--batch.item-seconds',
  '100',
  '--baseline.n',
  '4',
  '--baseline.transfer',
  '1',
  '--baseline.interval',
  '1',
  '--baseline.floor',
  '0.2',
];

let results: ScenarioResult[];
let outDir: string;
beforeAll(async () => {
  outDir = path.join(testEnv('tmpDir'), uniqueId('bench-smoke'));
  results = await runBench({
    scenarios: ['all'],
    flags: Flags.parse(TINY),
    outDir,
    temporalAddress: testEnv('address'),
    log: () => undefined,
  });
});

const byName = (name: string): ScenarioResult => {
  const r = results.find((x) => x.scenario === name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
};
const num = (value: unknown): number => {
  expect(typeof value).toBe('number');
  return value as number;
};
const at = (obj: Record<string, unknown>, dotted: string): unknown =>
  dotted.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

test('every scenario ran and left a result with parameters, targets and machine info', () => {
  expect(results.map((r) => r.scenario)).toEqual(SCENARIOS.map((s) => s.name));
  for (const r of results) {
    expect(r.message ?? '').not.toMatch(/^Error/);
    expect(['ok', 'skipped']).toContain(r.status);
    expect(r.key).toMatch(new RegExp(`^${r.scenario} `));
    expect(r.machine.cpus).toBe(os.cpus().length);
    expect(Object.keys(r.params).length).toBeGreaterThan(0);
    for (const t of r.targets) {
      expect(typeof t.name).toBe('string');
      expect(typeof t.target).toBe('string');
    }
  }
});

test('capacity: all waiting at once, all completed with fewer activity slots, worker figures measured', () => {
  const m = byName('capacity').metrics;
  expect(at(m, 'migrations.waiting_at_once_emulator')).toBe(4);
  expect(at(m, 'migrations.completed_succeeded')).toBe(4);
  expect(at(m, 'migrations.oms_tasks_created')).toBe(4);
  expect(num(at(m, 'worker.peak_rss_mib'))).toBeGreaterThan(10);
  const workerCores = num(at(m, 'worker.cpu_cores_hold'));
  expect(workerCores).toBeGreaterThanOrEqual(0);
  expect(workerCores).toBeLessThanOrEqual(os.cpus().length);
  expect(num(at(m, 'hold.show_task_calls'))).toBeGreaterThan(0);
  expect(num(at(m, 'hold.pending_activity_sample.sampled'))).toBe(4);
  expect(at(m, 'api_calls.create')).toBe(4);
  expect(at(m, 'api_calls.iam')).toBe(1);
});

test('throughput: both rates measured and the ratio is their quotient', () => {
  const m = byName('throughput').metrics;
  const noop = num(at(m, 'noop.per_second'));
  const mig = num(at(m, 'migrations.per_second'));
  // Each rate is the 4 measured workflows over their makespan (both rounded in the result).
  expect(at(m, 'noop.completed')).toBe(4);
  expect(noop * num(at(m, 'noop.makespan_seconds'))).toBeCloseTo(4, 0);
  expect(mig * num(at(m, 'migrations.makespan_seconds'))).toBeCloseTo(4, 0);
  expect(num(at(m, 'noop.activities_per_workflow'))).toBeGreaterThanOrEqual(3);
  expect(at(m, 'migrations.completed_succeeded')).toBe(4);
  expect(num(m.ratio)).toBeCloseTo(mig / noop, 1);
  // Two rounds, alternating which kind goes first, each with its own ratio.
  expect(at(m, 'ratio_per_round')).toHaveLength(2);
});

test('economy: one create per migration, one IAM call, polls and detection latencies per cadence', () => {
  const m = byName('economy').metrics;
  expect(at(m, 'totals.oms_tasks_created')).toBe(2);
  expect(at(m, 'totals.create_calls')).toBe(2);
  expect(at(m, 'totals.idempotency_markers_on_more_than_one_task')).toBe(0);
  expect(at(m, 'totals.iam_calls')).toBe(1);
  for (const mode of ['fixed', 'adaptive']) {
    expect(num(at(m, `${mode}.polls_per_migration_mean`))).toBeGreaterThan(0);
    expect(at(m, `${mode}.report_show_equals_emulator`)).toBe(true);
    // The workflow closes after its task finished (the simulated → wall conversion errs by under a millisecond).
    expect(num(at(m, `${mode}.detection_wall_s_mean`))).toBeGreaterThanOrEqual(0);
  }
});

test('history: the product writes a bounded history; the naive loop one that grows with its polls', () => {
  const m = byName('history').metrics;
  expect(at(m, 'product.status')).toBe(5);
  expect(at(m, 'naive_loop.status')).toBe(5);
  expect(num(at(m, 'product.history_events'))).toBeLessThanOrEqual(50);
  // (Equal event counts for both durations is a target of the full run: a tiny migration can end before a poll
  // sees it executing, which writes fewer events.)
  expect(num(at(m, 'product_half_duration.history_events'))).toBeLessThanOrEqual(50);
  expect(num(at(m, 'naive_loop.history_events'))).toBeGreaterThan(num(at(m, 'naive_loop.polls')));
  expect(num(at(m, 'product.history_bytes'))).toBeGreaterThan(0);
});

test('batch: every item succeeds with one OMS task, and the makespan is measured over all runs of the batch', () => {
  const r = byName('batch');
  expect(r.status).toBe('ok');
  expect(r.metrics.items_succeeded).toBe(4);
  expect(r.metrics.oms_tasks).toBe(4);
  expect(r.metrics.items_listed).toBe(4);
  // 4 items at concurrency 5 run side by side: the makespan is at least the longest item, above sum / 5.
  expect(num(r.metrics.makespan_over_ideal)).toBeGreaterThan(1);
  expect(num(r.metrics.makespan_seconds)).toBeGreaterThanOrEqual(num(r.metrics.item_workflow_seconds_mean));
});

test('baseline: the plain script and the orchestrator both complete; call and wall-time ratios computed', () => {
  const m = byName('baseline').metrics;
  expect(at(m, 'orchestrated.completed_succeeded')).toBe(4);
  expect(at(m, 'plain_script.completed_succeeded')).toBe(4);
  expect(at(m, 'orchestrated.api_calls.create')).toBe(4);
  expect(at(m, 'plain_script.api_calls.create')).toBe(4);
  const wallRatio = num(at(m, 'ratios_orchestrated_over_plain.wall_time'));
  expect(Number.isFinite(wallRatio) && wallRatio > 0).toBe(true);
  const orchestratedCalls = num(at(m, 'orchestrated.api_calls.total'));
  const plainCalls = num(at(m, 'plain_script.api_calls.total'));
  expect(num(at(m, 'ratios_orchestrated_over_plain.api_calls'))).toBeCloseTo(orchestratedCalls / plainCalls, 3);
});

test('the results files hold every result as JSON and as markdown tables', () => {
  const file = JSON.parse(fs.readFileSync(path.join(outDir, 'latest.json'), 'utf8')) as ResultsFile;
  expect(Object.keys(file.results).sort()).toEqual(results.map((r) => r.key).sort());
  const md = fs.readFileSync(path.join(outDir, 'latest.md'), 'utf8');
  for (const r of results) expect(md).toContain(`## ${r.key}`);
});
