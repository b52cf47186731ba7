/**
 * Throughput against the engine's ceiling: completed short migrations per second, divided by completed no-op
 * workflows per second on the same server in the same run, where the no-op workflow runs as many no-op
 * activities, one after another, as a migration's history schedules (measured in a warm-up).
 *
 * Migrations are short: the emulator schedules at once and runs every task immediately at a high time scale, so
 * the figures measure orchestration (validation, token, create, poll, search attributes, report), not OMS time.
 * Both kinds start with the same starter (`client.workflow.start`, a bounded number in flight; the migration with
 * the options MigrationClient uses) and each runs on its own worker process with the same limits.
 *
 * The measurement runs in rounds that alternate which kind goes first (no-op then migrations, then migrations then
 * no-op, …), so neither kind always runs on the larger database or the warmer server; each rate is the workflows
 * completed over the sum of that kind's makespans (first start → last close, from visibility).
 */

import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { MIGRATION_WORKFLOW_TYPE } from '../../client/migration-client';
import { OMS_DST_BUCKET, OMS_SRC_BUCKET, OMS_TASK_TYPE } from '../../workflows/search-attributes';
import type { MigrationRequest } from '../../workflows/request-types';
import type { Flags } from '../lib/args';
import { mapLimited } from '../lib/pool';
import { ProcSampler, round } from '../lib/proc';
import { objectRequest } from '../lib/requests';
import { startScenarioEnv, target, type Scenario, type ScenarioContext, type ScenarioOutcome } from '../lib/scenario';
import { closeStats, count, onQueue, sample, waitAllClosed } from '../lib/temporal';

export const throughput: Scenario = {
  name: 'throughput',
  title: 'Throughput: short migrations per second vs no-op workflows with as many no-op activities',
  defaults: { n: 1_000, rounds: 4, warmup: 20, 'time-scale': 10_000, 'start-concurrency': 50, 'timeout-minutes': 10 },
  key: (flags: Flags) => `throughput n=${flags.num('n')}`,
  run,
};

const SEED_KEYS = ['01.png', 'list.txt'];

/** Starts a migration the way MigrationClient.start does (same options), without its extra describe call. */
function startMigration(client: Client, taskQueue: string, id: string, request: MigrationRequest) {
  return client.workflow.start(MIGRATION_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: id,
    args: [request],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `OMS object migration: a-test-1 → api-test-outline`,
    typedSearchAttributes: [
      { key: OMS_TASK_TYPE, value: 'object' },
      { key: OMS_DST_BUCKET, value: 'api-test-outline' },
      { key: OMS_SRC_BUCKET, value: 'a-test-1' },
    ],
  });
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const f = ctx.flags;
  const { n, warmup, 'start-concurrency': concurrency } = f.nums('n', 'warmup', 'start-concurrency');
  const rounds = Math.max(1, Math.min(f.num('rounds'), n));
  const timeoutMs = f.num('timeout-minutes') * 60_000;
  const params = {
    n,
    rounds,
    warmup,
    emulator_time_scale: f.num('time-scale'),
    start_concurrency: concurrency,
    worker_limits: 'defaults (100 activity slots, 40 workflow-task slots)',
  };
  const env = await startScenarioEnv(ctx, f.num('time-scale'), []);
  const sampler = new ProcSampler(1_000);
  try {
    await env.emulator.admin.updateSettings({ schedulingDelayMs: 0, maxRunningPerRegion: 1_000_000 });
    const stamp = Date.now();
    const migQueue = `bench-tp-migration-${stamp}`;
    const noopQueue = `bench-tp-noop-${stamp}`;
    const [product, bench] = await env.spawnWorkerPair(migQueue, noopQueue);
    sampler.track('product', product.pid);
    sampler.track('bench-worker', bench.pid);
    if (env.serverPid) sampler.track('server', env.serverPid);
    sampler.track('bench', 'self');
    sampler.start();

    const request = (id: string) =>
      objectRequest('a-test-1', SEED_KEYS, `${id}/`, { poll_interval_seconds: 1, min_poll_interval_seconds: 0.1 });
    const runMigrations = async (prefix: string, k: number) => {
      const ids = Array.from({ length: k }, (_, i) => `${prefix}-${i}`);
      await mapLimited(ids, concurrency, (id) => startMigration(env.client, migQueue, id, request(id)));
      return ids;
    };
    const runNoops = async (prefix: string, k: number, activities: number) => {
      const ids = Array.from({ length: k }, (_, i) => `${prefix}-${i}`);
      await mapLimited(ids, concurrency, (id) =>
        env.client.workflow.start('noopWorkflow', { taskQueue: noopQueue, workflowId: id, args: [activities] }),
      );
      return ids;
    };

    // --- Warm-up (JIT, token, caches) and the number of activities a migration schedules ---
    const warmIds = await runMigrations(`warm-mig-${stamp}`, warmup);
    await runNoops(`warm-noop-${stamp}`, warmup, 3);
    await waitAllClosed(env.client, migQueue, warmup, timeoutMs);
    await waitAllClosed(env.client, noopQueue, warmup, timeoutMs);
    const perMigration = await activitiesScheduled(env.client, sample(warmIds, Math.min(20, warmIds.length)));
    const k = Math.max(1, Math.round(perMigration.mean));
    ctx.log(
      `a migration schedules ${perMigration.mean} activities on average (range ${perMigration.min}–${perMigration.max}); no-op uses ${k}`,
    );

    // --- Rounds, alternating which kind goes first ---
    const before = await env.emulator.admin.counters();
    const migIds: string[] = [];
    // Each kind: how to start a round of it, its task queue and its worker process.
    const kinds = {
      noop: { queue: noopQueue, worker: 'bench-worker', start: (p: string, k2: number) => runNoops(p, k2, k) },
      mig: {
        queue: migQueue,
        worker: 'product',
        start: async (p: string, k2: number) => migIds.push(...(await runMigrations(p, k2))),
      },
    };
    const figures = { noop: [] as RoundFigures[], mig: [] as RoundFigures[] };
    const closed = { noop: warmup, mig: warmup };
    const measureRound = async (kind: 'noop' | 'mig', r: number, size: number) => {
      const { queue, worker, start } = kinds[kind];
      const prefix = `${kind}-${stamp}-r${r}`;
      sampler.mark(`${prefix}-start`);
      await start(prefix, size);
      closed[kind] += size;
      await waitAllClosed(env.client, queue, closed[kind], timeoutMs);
      sampler.mark(`${prefix}-end`);
      const stats = await closeStats(env.client, onQueue(queue, `WorkflowId STARTS_WITH '${prefix}-'`));
      figures[kind].push(roundFigures(size, stats, sampler, worker, prefix));
    };
    for (let r = 0; r < rounds; r++) {
      const size = Math.floor(n / rounds) + (r < n % rounds ? 1 : 0);
      const order: ('noop' | 'mig')[] = r % 2 === 0 ? ['noop', 'mig'] : ['mig', 'noop'];
      for (const kind of order) await measureRound(kind, r, size);
    }
    sampler.stop();
    const after = await env.emulator.admin.counters();
    const succeeded = await count(
      env.client,
      onQueue(migQueue, `WorkflowId STARTS_WITH 'mig-${stamp}-' AND OmsOutcome = 'succeeded'`),
    );
    const noopCompleted = await count(
      env.client,
      onQueue(noopQueue, `WorkflowId STARTS_WITH 'noop-${stamp}-' AND ExecutionStatus = 'Completed'`),
    );
    const measuredActivities = await activitiesScheduled(env.client, sample(migIds, Math.min(20, n)));
    const noop = combine(figures.noop);
    const mig = combine(figures.mig);

    const noopRate = n / noop.seconds;
    const migRate = n / mig.seconds;
    const ratio = migRate / noopRate;
    const delta = (route: keyof typeof after) => (after[route] ?? 0) - (before[route] ?? 0);
    const metrics = {
      noop: {
        activities_per_workflow: k,
        completed: noopCompleted,
        makespan_seconds: round(noop.seconds, 2),
        per_second: round(noopRate, 1),
        worker_cpu_cores: noop.workerCores,
        server_cpu_cores: noop.serverCores,
      },
      migrations: {
        completed_succeeded: succeeded,
        activities_scheduled_per_migration: measuredActivities,
        makespan_seconds: round(mig.seconds, 2),
        per_second: round(migRate, 1),
        worker_cpu_cores: mig.workerCores,
        server_cpu_cores: mig.serverCores,
        bench_process_cpu_cores_emulator_and_client: mig.benchCores,
        oms_calls_per_migration: round(
          (delta('CreateTask') + delta('ShowTask') + delta('ListTasks') + delta('KeystoneCreateUserTokenByPassword')) /
            n,
          2,
        ),
      },
      ratio: round(ratio, 3),
      ratio_per_round: figures.mig.map((m, r) => round(figures.noop[r]!.seconds / m.seconds, 3)),
    };
    const targets = [
      target('migrations/s ÷ no-op workflows/s (same activity count)', '≥ 0.8', round(ratio, 3), ratio >= 0.8),
      target('all migrations succeeded', `${n}`, succeeded, succeeded === n),
    ];
    return { status: 'ok', params, metrics, targets };
  } finally {
    sampler.stop();
    await env.close();
  }
}

/** One round of one kind: its makespan and the CPU of its worker, the server and the bench process meanwhile. */
interface RoundFigures {
  seconds: number;
  workerCores: number | null;
  serverCores: number | null;
  benchCores: number | null;
}

function roundFigures(
  size: number,
  stats: { executions: number; firstStart: number; lastClose: number },
  sampler: ProcSampler,
  worker: string,
  prefix: string,
): RoundFigures {
  if (stats.executions !== size)
    throw new Error(`${prefix}: ${stats.executions} executions in visibility, expected ${size}`);
  const from = `${prefix}-start`;
  const to = `${prefix}-end`;
  return {
    seconds: (stats.lastClose - stats.firstStart) / 1000,
    workerCores: sampler.window(worker, from, to).cpuCores,
    serverCores: sampler.window('server', from, to).cpuCores,
    benchCores: sampler.window('bench', from, to).cpuCores,
  };
}

/** The rounds of one kind together: summed makespan, CPU weighted by each round's makespan. */
function combine(rounds: readonly RoundFigures[]): RoundFigures {
  const seconds = rounds.reduce((a, r) => a + r.seconds, 0);
  const weighted = (pick: (r: RoundFigures) => number | null) => {
    const known = rounds.filter((r) => pick(r) !== null);
    const span = known.reduce((a, r) => a + r.seconds, 0);
    return span > 0 ? round(known.reduce((a, r) => a + pick(r)! * r.seconds, 0) / span, 2) : null;
  };
  return {
    seconds,
    workerCores: weighted((r) => r.workerCores),
    serverCores: weighted((r) => r.serverCores),
    benchCores: weighted((r) => r.benchCores),
  };
}

/** Mean/min/max of ActivityTaskScheduled events in the histories of `ids`. */
async function activitiesScheduled(
  client: Client,
  ids: readonly string[],
): Promise<{ mean: number; min: number; max: number }> {
  const scheduled = temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED;
  const counts: number[] = [];
  for (const id of ids) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    counts.push((history.events ?? []).filter((e) => e.eventType === scheduled).length);
  }
  if (counts.length === 0) return { mean: 0, min: 0, max: 0 };
  return {
    mean: round(counts.reduce((a, b) => a + b, 0) / counts.length, 2),
    min: Math.min(...counts),
    max: Math.max(...counts),
  };
}
