/**
 * Carrying capacity: N migrations waiting at once on ONE worker process.
 *
 * OMS runs a few tasks per region and queues the rest (status 1, WAITING). The scenario reproduces that: the
 * emulator's running cap is 1 and a blocker task holds the slot, so every migration's OMS task waits while its
 * workflow polls it at `--interval` seconds. Once all N are seen waiting, the figures are sampled for `--hold`
 * seconds; then the cap is raised (the release) and all N transfer for `--transfer` wall seconds each and
 * complete. The worker runs with only `--activity-slots` activity slots: if a waiting migration held a slot,
 * at most that many could progress. Figures: worker RSS and CPU, dev server CPU, the bench process (emulator +
 * starter) CPU, ShowTask rate while waiting, pending-activity states of a sample, times of each phase.
 */
import path from 'node:path';

import { MigrationClient } from '../../client/migration-client';
import { idempotencyMarker } from '../../activities/build-create-request';
import type { Flags } from '../lib/args';
import { benchContext, createTaskDirect } from '../lib/oms';
import { delay, mapLimited, waitUntil } from '../lib/pool';
import { ProcSampler, round } from '../lib/proc';
import { generatedBucket, generatedKeys, objectRequest } from '../lib/requests';
import { startScenarioEnv, target, type Scenario, type ScenarioContext, type ScenarioOutcome } from '../lib/scenario';
import { count, onQueue, pendingActivityStates, sample, waitAllClosed } from '../lib/temporal';

const DEFAULT_SPEED = 20 * 2 ** 20;
const RSS_TARGET_MIB = 512;

export const capacity: Scenario = {
  name: 'capacity',
  title: 'Carrying capacity: N concurrently waiting migrations on one worker',
  defaults: {
    n: 1000,
    interval: 30,
    'activity-slots': 20,
    'time-scale': 100,
    hold: 60,
    transfer: 30,
    'start-concurrency': 50,
    'timeout-minutes': 10,
  },
  key: (flags: Flags) =>
    `capacity n=${flags.num('n')}` +
    (flags.has('cached-workflows') ? ` cache=${flags.num('cached-workflows')}` : '') +
    (flags.has('heap-mib') ? ` heap=${flags.num('heap-mib')}` : '') +
    (flags.num('timeout-minutes') !== 10 ? ` budget=${flags.num('timeout-minutes')}min` : ''),
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const f = ctx.flags;
  const {
    n,
    interval,
    'activity-slots': slots,
    'time-scale': timeScale,
    hold: holdSeconds,
    transfer: transferWall,
  } = f.nums('n', 'interval', 'activity-slots', 'time-scale', 'hold', 'transfer');
  const deadline = Date.now() + f.num('timeout-minutes') * 60_000;
  const left = () => Math.max(1_000, deadline - Date.now());
  // One object per migration whose transfer takes `transfer` wall seconds at the default speed.
  const objectSize = Math.round(DEFAULT_SPEED * transferWall * timeScale);
  const params = {
    n,
    poll_interval_seconds: interval,
    min_poll_interval_seconds: Math.min(5, interval),
    worker_max_concurrent_activities: slots,
    worker_max_cached_workflows: f.has('cached-workflows') ? f.num('cached-workflows') : 'worker default (200)',
    worker_node_options: f.has('heap-mib') ? `--max-old-space-size=${f.num('heap-mib')}` : 'none',
    emulator_time_scale: timeScale,
    hold_seconds: holdSeconds,
    transfer_wall_seconds: transferWall,
    start_concurrency: f.num('start-concurrency'),
  };

  const env = await startScenarioEnv(ctx, timeScale, [
    generatedBucket('bench-src', 1, objectSize),
    generatedBucket('bench-blocker', 1, 1e15),
  ]);
  const sampler = new ProcSampler(1_000);
  try {
    const admin = env.emulator.admin;
    await admin.updateSettings({ maxRunningPerRegion: 1, defaultSpeedBytesPerSec: DEFAULT_SPEED });
    // The blocker: a task that would run for years of simulated time, holding the region's only running slot.
    const oms = benchContext(env.emulator);
    const blocker = await createTaskDirect(
      oms,
      objectRequest('bench-blocker', generatedKeys(1), 'blocker/', {}),
      idempotencyMarker('bench-blocker'),
    );
    await waitUntil(async () => (await admin.task(blocker.id)).status === 2, 30_000, 'the blocker task to run');

    const taskQueue = `bench-capacity-${Date.now()}`;
    const workerEnv: Record<string, string> = { WORKER_MAX_CONCURRENT_ACTIVITIES: String(slots) };
    if (f.has('cached-workflows')) workerEnv.WORKER_MAX_CACHED_WORKFLOWS = String(f.num('cached-workflows'));
    // The V8 heap limit, as operators set it (`NODE_OPTIONS`; see docs/configuration.md, Worker).
    if (f.has('heap-mib')) workerEnv.NODE_OPTIONS = `--max-old-space-size=${f.num('heap-mib')}`;
    const worker = await env.spawnWorker('product', taskQueue, workerEnv, path.join(ctx.dir, 'worker.log'));
    await admin.clearRequests();

    sampler.track('worker', worker.pid);
    if (env.serverPid) sampler.track('server', env.serverPid);
    sampler.track('bench', 'self');
    sampler.start();
    sampler.mark('begin');

    // Each phase is bounded by the scenario's time budget; a phase that runs out is recorded, and the figures
    // measured up to then are still reported (status `failed`, with the phase named).
    let failure: string | undefined;
    const phase = async (name: string, body: () => Promise<void>) => {
      if (failure !== undefined) return;
      try {
        await body();
      } catch (err) {
        failure = `${name}: ${err instanceof Error ? err.message : String(err)}`;
        ctx.log(`phase ${failure}`);
      }
    };

    // --- Ramp: start N migrations through the product client, a bounded number of starts at a time ---
    const migrations = new MigrationClient(env.client, taskQueue);
    const ids = Array.from({ length: n }, (_, i) => `cap-${i}`);
    const request = (id: string) =>
      objectRequest('bench-src', generatedKeys(1), `${id}/`, { poll_interval_seconds: interval });
    ctx.log(`starting ${n} migrations (worker pid ${worker.pid}, ${slots} activity slots)`);
    let startedCount = 0;
    await phase('start', async () => {
      const budget = Date.now() + left();
      await mapLimited(ids, f.num('start-concurrency'), async (id) => {
        if (Date.now() > budget) throw new Error(`time budget spent after ${startedCount} starts`);
        await migrations.start(request(id), { migrationId: id });
        startedCount += 1;
      });
      sampler.mark('started');
      ctx.log(`all started after ${secondsBetween(sampler, 'begin', 'started')} s`);
    });

    // --- All waiting: every workflow has seen its OMS task in status 1 (search attribute OmsStatus) ---
    let waitingSeen = 0;
    let regionsWaiting = 0;
    await phase('all waiting', async () => {
      await waitUntil(
        async () => {
          waitingSeen = await count(env.client, onQueue(taskQueue, "OmsStatus = 'WAITING'"));
          return waitingSeen >= n;
        },
        left(),
        `${n} migrations waiting`,
        1_000,
      );
      sampler.mark('waiting');
      regionsWaiting = (await admin.regions())[env.emulator.config.region]?.waiting ?? 0;
      ctx.log(`all ${n} waiting after ${secondsBetween(sampler, 'begin', 'waiting')} s; holding ${holdSeconds} s`);
    });

    // --- Hold: sample steady state ---
    let pending = { sampled: 0, scheduled: 0, started: 0, none: 0 };
    let showDuringHold = 0;
    let holdWall = 0;
    let stillWaiting = 0;
    await phase('hold', async () => {
      const showBefore = (await admin.counters()).ShowTask ?? 0;
      const holdStart = Date.now();
      await delay((holdSeconds * 1000) / 2);
      pending = await pendingActivityStates(env.client, sample(ids, Math.min(100, n)));
      await delay(Math.max(0, holdStart + holdSeconds * 1000 - Date.now()));
      showDuringHold = ((await admin.counters()).ShowTask ?? 0) - showBefore;
      holdWall = (Date.now() - holdStart) / 1000;
      sampler.mark('hold-end');
      stillWaiting = await count(
        env.client,
        onQueue(taskQueue, "OmsStatus = 'WAITING' AND ExecutionStatus = 'Running'"),
      );
    });

    // --- Release: raise the running cap; every task transfers and completes ---
    await phase('release', async () => {
      await admin.updateSettings({ maxRunningPerRegion: n + 10 });
      sampler.mark('released');
      await waitAllClosed(env.client, taskQueue, n, left(), (closed) => ctx.log(`${closed}/${n} closed`));
      sampler.mark('closed');
    });
    sampler.mark('end');
    sampler.stop();

    const succeeded = await count(
      env.client,
      onQueue(taskQueue, "ExecutionStatus = 'Completed' AND OmsOutcome = 'succeeded'"),
    );
    const counters = await admin.counters();
    const truth = await admin.tasks();
    const migrationTasks = truth.tasks.filter((t) => t.srcBucket === 'bench-src');
    const maxRunning = truth.regions[env.emulator.config.region]?.maxObservedRunning ?? 0;
    await worker.stop();

    const workerAll = sampler.window('worker');
    const expectedShowRate = n / interval;
    const showRate = holdWall > 0 ? showDuringHold / holdWall : 0;
    const totalSeconds = secondsBetween(sampler, 'begin', 'end');
    const metrics = {
      seconds: {
        start_all: secondsBetween(sampler, 'begin', 'started'),
        until_all_waiting: secondsBetween(sampler, 'begin', 'waiting'),
        hold: round(holdWall, 1),
        release_to_all_closed: secondsBetween(sampler, 'released', 'closed'),
        total: totalSeconds,
      },
      migrations: {
        started: startedCount,
        waiting_at_once_visibility: waitingSeen,
        waiting_at_once_emulator: regionsWaiting,
        still_waiting_after_hold: stillWaiting,
        completed_succeeded: succeeded,
        oms_tasks_created: migrationTasks.length,
        emulator_max_running_after_release: maxRunning,
      },
      worker: {
        peak_rss_mib: workerAll.peakRssMiB,
        rss_end_of_hold_mib: sampler.window('worker', 'waiting', 'hold-end').endRssMiB,
        peak_rss_ramp_mib: sampler.window('worker', 'begin', 'waiting').peakRssMiB,
        peak_rss_hold_mib: sampler.window('worker', 'waiting', 'hold-end').peakRssMiB,
        peak_rss_release_mib: sampler.window('worker', 'released', 'closed').peakRssMiB,
        cpu_cores_ramp: sampler.window('worker', 'begin', 'waiting').cpuCores,
        cpu_cores_hold: sampler.window('worker', 'waiting', 'hold-end').cpuCores,
        cpu_cores_release: sampler.window('worker', 'released', 'closed').cpuCores,
      },
      temporal_server: {
        cpu_cores_ramp: sampler.window('server', 'begin', 'waiting').cpuCores,
        cpu_cores_hold: sampler.window('server', 'waiting', 'hold-end').cpuCores,
        cpu_cores_release: sampler.window('server', 'released', 'closed').cpuCores,
        peak_rss_mib: sampler.window('server').peakRssMiB,
      },
      bench_process_emulator_and_client: {
        cpu_cores_hold: sampler.window('bench', 'waiting', 'hold-end').cpuCores,
        peak_rss_mib: sampler.window('bench').peakRssMiB,
      },
      hold: {
        show_task_calls: showDuringHold,
        show_task_per_second: round(showRate, 1),
        expected_per_second_n_over_interval: round(expectedShowRate, 1),
        pending_activity_sample: pending,
      },
      api_calls: {
        iam: counters.KeystoneCreateUserTokenByPassword ?? 0,
        create: counters.CreateTask ?? 0,
        show: counters.ShowTask ?? 0,
        list: counters.ListTasks ?? 0,
        show_per_migration: round((counters.ShowTask ?? 0) / n, 2),
      },
    };
    const targets = [
      target('all N waiting at once on one worker', `${n}`, regionsWaiting, regionsWaiting >= n),
      target(
        'every migration progresses with few activity slots (none held while waiting)',
        `${n} completed with ${slots} slots`,
        succeeded,
        succeeded === n && n > slots,
      ),
      target(
        'no activity slot held between polls (sampled pending activities STARTED)',
        `≤ ${slots} of ${pending.sampled}`,
        pending.sampled > 0 ? pending.started : null,
        pending.started <= slots,
      ),
      target(
        `worker peak RSS ≤ ${RSS_TARGET_MIB} MiB`,
        `≤ ${RSS_TARGET_MIB}`,
        workerAll.peakRssMiB,
        (workerAll.peakRssMiB ?? Infinity) <= RSS_TARGET_MIB,
      ),
      target('exactly one OMS task per migration', `${n}`, migrationTasks.length, migrationTasks.length === n),
      target('scenario within 10 minutes', '≤ 600 s', totalSeconds, totalSeconds <= 600),
    ];
    return failure === undefined
      ? { status: 'ok', params, metrics, targets }
      : {
          status: 'failed',
          message: `Did not finish: ${failure}. Figures up to then are recorded.`,
          params,
          metrics,
          targets,
        };
  } finally {
    sampler.stop();
    await env.close();
  }
}

function secondsBetween(sampler: ProcSampler, from: string, to: string): number {
  const a = sampler.markTime(from);
  const b = sampler.markTime(to);
  return a === undefined || b === undefined ? NaN : round((b - a) / 1000, 1);
}
