/**
 * Batch makespan: `--n` (1,000) items through `batchMigrationWorkflow` (started with `BatchClient`, as users do) at
 * concurrency `--concurrency` (5). Every item copies one generated object whose transfer takes `--item-seconds`
 * simulated seconds (emulator time scale `--time-scale`).
 *
 * Ideal makespan = (sum of the items' own durations) / concurrency, where an item's duration is its migration
 * workflow's start → close (visibility): what a perfect scheduler that never leaves a slot idle would achieve. The
 * makespan is the batch report's `started_at` (the first run's start) → `finished_at`. Both are wall times; in
 * simulated time both scale by the time scale, so the ratio is the same. The ratio against the OMS tasks' own
 * durations (emulator ground truth: created → finished) is reported as well; it adds each item's own orchestration
 * (token, create, detection latency), magnified by the time scale.
 */
import path from 'node:path';

import { BatchClient } from '../../client/batch-client';
import type { BatchRequest } from '../../workflows/batch-types';
import type { Flags } from '../lib/args';
import { round } from '../lib/proc';
import { generatedBucket, generatedKeys, objectRequest } from '../lib/requests';
import { startScenarioEnv, target, type Scenario, type ScenarioContext, type ScenarioOutcome } from '../lib/scenario';
import { listAll } from '../lib/temporal';

/** Transfer speed of every item (bytes per simulated second). */
const SPEED = 10 * 2 ** 20;
/** The target: makespan within 5 % of the ideal. */
const MAX_RATIO = 1.05;

export const batch: Scenario = {
  name: 'batch',
  title: 'Batch makespan vs the ideal (sum of item durations / concurrency)',
  defaults: { n: 1000, concurrency: 5, 'item-seconds': 600, 'time-scale': 400, 'timeout-minutes': 10 },
  key: (flags: Flags) => `batch n=${flags.num('n')}`,
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const {
    n,
    concurrency,
    'item-seconds': itemSeconds,
    'time-scale': timeScale,
  } = ctx.flags.nums('n', 'concurrency', 'item-seconds', 'time-scale');
  const params = { n, concurrency, item_seconds_simulated: itemSeconds, emulator_time_scale: timeScale };
  const env = await startScenarioEnv(ctx, timeScale, [
    generatedBucket('batch-src', 1, Math.round(SPEED * itemSeconds)),
  ]);
  try {
    await env.emulator.admin.updateSettings({
      maxRunningPerRegion: 1_000,
      schedulingDelayMs: 0,
      defaultSpeedBytesPerSec: SPEED,
    });
    const taskQueue = `bench-batch-${Date.now()}`;
    await env.spawnWorker('product', taskQueue, {}, path.join(ctx.dir, 'worker.log'));
    const batchId = `bench-batch-${Date.now()}`;
    const items = Array.from({ length: n }, (_, i) =>
      objectRequest(
        'batch-src',
        generatedKeys(1),
        `${batchId}/${i}/`,
        { poll_interval_seconds: 1, min_poll_interval_seconds: 0.1 },
        true,
      ),
    );
    const input: BatchRequest = { label: 'bench makespan', items, concurrency };
    ctx.log(`running a batch of ${n} items at concurrency ${concurrency}`);
    const batches = new BatchClient(env.client, taskQueue);
    await batches.start(input, { batchId });
    const { report } = await batches.result(batchId);
    if (!report) throw new Error(`batch ${batchId} ended without a report`);
    const makespan = (Date.parse(report.finished_at) - Date.parse(report.started_at)) / 1000;
    // The ideal: every item's own duration (its migration workflow, start → close), summed, over the concurrency.
    const itemInfos = await listAll(env.client, `WorkflowId STARTS_WITH '${batchId}/item-'`);
    const itemWall = itemInfos.map((i) => ((i.closeTime?.getTime() ?? NaN) - i.startTime.getTime()) / 1000);
    const sum = itemWall.reduce((a, b) => a + b, 0);
    const ideal = sum / concurrency;
    // Ground truth: the OMS tasks' own durations (simulated ms → wall s).
    const tasks = (await env.emulator.admin.tasks()).tasks.filter((t) => t.srcBucket === 'batch-src');
    const omsWall = tasks.map((t) => ((t.endTime ?? NaN) - t.createdAt) / 1000 / timeScale);
    const omsIdeal = omsWall.reduce((a, b) => a + b, 0) / concurrency;
    const succeeded = report.counts.succeeded;
    const ratio = makespan / ideal;
    return {
      status: 'ok',
      params,
      metrics: {
        items_listed: itemInfos.length,
        oms_tasks: tasks.length,
        item_workflow_seconds_mean: round(sum / Math.max(1, itemWall.length), 3),
        item_workflow_seconds_sum: round(sum, 1),
        oms_task_seconds_mean: round(omsWall.reduce((a, b) => a + b, 0) / Math.max(1, omsWall.length), 3),
        ideal_makespan_seconds: round(ideal, 1),
        makespan_seconds: round(makespan, 1),
        makespan_over_ideal: round(ratio, 3),
        makespan_simulated_hours: round((makespan * timeScale) / 3600, 2),
        ideal_simulated_hours: round((ideal * timeScale) / 3600, 2),
        makespan_over_oms_only_ideal: round(makespan / omsIdeal, 3),
        items_succeeded: succeeded,
        batch_runs: report.runs,
      },
      targets: [
        target(
          'batch makespan ÷ ideal (sum of item durations / concurrency)',
          `≤ ${MAX_RATIO}`,
          round(ratio, 3),
          ratio <= MAX_RATIO,
        ),
        target(
          'all items succeeded, one OMS task each',
          `${n}, ${n}`,
          `${succeeded}, ${tasks.length}`,
          succeeded === n && tasks.length === n,
        ),
      ],
    };
  } finally {
    await env.close();
  }
}
