/**
 * Batch makespan: `--n` (1,000) items through `batchMigrationWorkflow` at concurrency `--concurrency` (5), vs the
 * ideal makespan = (sum of the items' own durations, each item's migration workflow start → close) / concurrency.
 *
 * The batch workflow is issue 5's (workflows/batch.ts), built concurrently with this benchmark. The scenario checks
 * at run time whether `workflows/batch.ts` exports `batchMigrationWorkflow` and the product worker registers it
 * (workflows/index.ts); until then it is SKIPPED with a message saying so. {@link batchInput} is the one place that
 * knows the batch workflow's input contract.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { MigrationRequest } from '../../workflows/types';
import type { Flags } from '../lib/args';
import { BenchEnv, ROOT } from '../lib/env';
import { round } from '../lib/proc';
import { benchEmulatorConfig, objectRequest } from '../lib/requests';
import { target, type Scenario, type ScenarioContext, type ScenarioOutcome } from '../lib/scenario';
import { listAll } from '../lib/temporal';

export const BATCH_WORKFLOW = 'batchMigrationWorkflow';

export const batch: Scenario = {
  name: 'batch',
  title: 'Batch makespan vs the ideal (sum of item durations / concurrency)',
  defaults: { n: 1000, concurrency: 5, 'time-scale': 1000, 'timeout-minutes': 10 },
  key: (flags: Flags) => `batch n=${flags.num('n')}`,
  run,
};

/**
 * Whether issue 5's batch workflow is there: `workflows/batch.ts` exports `batchMigrationWorkflow` and the
 * worker's bundle entry (workflows/index.ts) exports it too. Checked at run time so this file compiles without it.
 */
export async function batchWorkflowAvailability(): Promise<{ available: boolean; reason: string }> {
  const file = path.join(ROOT, 'workflows', 'batch.ts');
  if (!fs.existsSync(file)) {
    return { available: false, reason: 'workflows/batch.ts does not exist yet (issue 5 has not landed)' };
  }
  try {
    const mod = (await import(file)) as Record<string, unknown>;
    if (typeof mod[BATCH_WORKFLOW] !== 'function') {
      return { available: false, reason: `workflows/batch.ts does not export ${BATCH_WORKFLOW} yet (issue 5)` };
    }
    const index = (await import(path.join(ROOT, 'workflows', 'index.ts'))) as Record<string, unknown>;
    if (typeof index[BATCH_WORKFLOW] !== 'function') {
      return { available: false, reason: `workflows/index.ts does not register ${BATCH_WORKFLOW} yet (issue 5)` };
    }
  } catch (err) {
    return { available: false, reason: `workflows/batch.ts cannot be loaded: ${String(err)}` };
  }
  return { available: true, reason: '' };
}

/**
 * The batch workflow's argument, per issue 5's `BatchRequest` (workflows/types.ts): explicit `items` and a
 * `concurrency`. Items run as migrations with ids `<batch id>/item-<index>`. Built as plain data, so this file does
 * not depend on issue 5's types; adapt it here if that contract changes.
 */
export function batchInput(items: MigrationRequest[], concurrency: number): Record<string, unknown> {
  return { label: 'bench makespan', items, concurrency };
}

/** What this scenario reads from the batch's result (`BatchReport`). */
interface BatchResultView {
  items_total?: number;
  counts?: { succeeded?: number };
  runs?: number;
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const f = ctx.flags;
  const n = f.num('n');
  const concurrency = f.num('concurrency');
  const params = { n, concurrency, emulator_time_scale: f.num('time-scale') };
  const availability = await batchWorkflowAvailability();
  if (!availability.available) {
    return {
      status: 'skipped',
      message: `SKIPPED: ${availability.reason}. This scenario runs once workflows/batch.ts exports ${BATCH_WORKFLOW} (see bench/scenarios/batch.ts).`,
      params,
      metrics: {},
      targets: [target('batch makespan ÷ ideal (sum / concurrency)', 'close to 1', null, null)],
    };
  }

  const env = await BenchEnv.start({
    dir: ctx.dir,
    temporalAddress: ctx.temporalAddress,
    emulator: { timeScale: f.num('time-scale'), config: benchEmulatorConfig([]) },
  });
  try {
    await env.emulator.admin.updateSettings({ maxRunningPerRegion: 1_000, schedulingDelayMs: 0 });
    const taskQueue = `bench-batch-${Date.now()}`;
    await env.spawnWorker('product', taskQueue, {}, path.join(ctx.dir, 'worker.log'));
    const batchId = `bench-batch-${Date.now()}`;
    const items = Array.from({ length: n }, (_, i) =>
      objectRequest(
        'a-test-1',
        ['01.png', 'list.txt'],
        `${batchId}/${i}/`,
        {
          poll_interval_seconds: 1,
          min_poll_interval_seconds: 0.1,
        },
        true,
      ),
    );
    ctx.log(`running a batch of ${n} items at concurrency ${concurrency}`);
    const handle = await env.client.workflow.start(BATCH_WORKFLOW, {
      taskQueue,
      workflowId: batchId,
      args: [batchInput(items, concurrency)],
      workflowExecutionTimeout: f.num('timeout-minutes') * 60_000,
    });
    const report = (await handle.result()) as BatchResultView;
    const d = await handle.describe();
    const makespan = (d.closeTime!.getTime() - d.startTime.getTime()) / 1000;
    // The ideal: every item's own duration (its migration workflow, start → close), summed, over the concurrency.
    const itemInfos = await listAll(env.client, `WorkflowId STARTS_WITH '${batchId}/item-'`);
    const itemSeconds = itemInfos.map((i) => ((i.closeTime?.getTime() ?? NaN) - i.startTime.getTime()) / 1000);
    const sum = itemSeconds.reduce((a, b) => a + b, 0);
    const ideal = sum / concurrency;
    const succeeded = report.counts?.succeeded ?? 0;
    return {
      status: 'ok',
      params,
      metrics: {
        items_listed: itemInfos.length,
        item_seconds_mean: round(sum / Math.max(1, itemSeconds.length), 3),
        item_seconds_sum: round(sum, 1),
        ideal_makespan_seconds: round(ideal, 1),
        makespan_seconds: round(makespan, 1),
        makespan_over_ideal: round(makespan / ideal, 3),
        items_succeeded: succeeded,
        batch_runs: report.runs ?? null,
      },
      targets: [
        target(
          'batch makespan ÷ ideal (sum of item durations / concurrency)',
          '≤ 1.25',
          round(makespan / ideal, 3),
          makespan / ideal <= 1.25,
        ),
        target('all items succeeded', `${n}`, succeeded, succeeded === n),
      ],
    };
  } finally {
    await env.close();
  }
}
