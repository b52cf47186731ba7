/**
 * What durability costs: the same `--n` migrations driven (1) by the orchestrator (product worker, MigrationClient)
 * and (2) by a plain Node script with the project's own OMS client — token, create, poll loop, no durability —
 * using the same cadence policy (`nextPollDelayMs`: `left_time` between the floor and the interval). Ratios of wall
 * time (first start → last completion) and of OMS/IAM API calls (the emulator's counters).
 */
import path from 'node:path';

import { idempotencyMarker } from '../../activities/build-create-request';
import { MigrationClient } from '../../client/migration-client';
import { nextPollDelayMs } from '../../workflows/shared/polling';
import { isFinalStatus } from '../../workflows/task-status';
import type { RouteCounters } from '../../emulator';
import type { Flags } from '../lib/args';
import { benchContext, createTaskDirect } from '../lib/oms';
import { delay, mapLimited } from '../lib/pool';
import { ProcSampler, round } from '../lib/proc';
import { generatedBucket, generatedKeys, objectRequest } from '../lib/requests';
import { startScenarioEnv, target, type Scenario, type ScenarioContext, type ScenarioOutcome } from '../lib/scenario';
import { closeStats, count, onQueue, waitAllClosed } from '../lib/temporal';

const SPEED = 20 * 2 ** 20;

export const baseline: Scenario = {
  name: 'baseline',
  title: 'Baseline for users: the same migrations by a plain Node script (no durability)',
  defaults: {
    n: 1000,
    interval: 5,
    floor: 1,
    transfer: 20,
    'time-scale': 10,
    'start-concurrency': 50,
    'timeout-minutes': 10,
  },
  key: (flags: Flags) => `baseline n=${flags.num('n')}`,
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const f = ctx.flags;
  const {
    n,
    interval,
    floor,
    'time-scale': timeScale,
    'start-concurrency': concurrency,
  } = f.nums('n', 'interval', 'floor', 'time-scale', 'start-concurrency');
  const timeoutMs = f.num('timeout-minutes') * 60_000;
  const params = {
    n,
    poll_interval_seconds: interval,
    min_poll_interval_seconds: floor,
    transfer_wall_seconds: f.num('transfer'),
    emulator_time_scale: timeScale,
    start_concurrency: concurrency,
  };
  const env = await startScenarioEnv(ctx, timeScale, [
    generatedBucket('base-src', 1, Math.round(SPEED * f.num('transfer') * timeScale)),
  ]);
  const sampler = new ProcSampler(1_000);
  try {
    const admin = env.emulator.admin;
    await admin.updateSettings({ maxRunningPerRegion: 2 * n + 10, defaultSpeedBytesPerSec: SPEED });
    const orchestration = { poll_interval_seconds: interval, min_poll_interval_seconds: floor };
    const request = (id: string) => objectRequest('base-src', generatedKeys(1), `${id}/`, orchestration);
    const taskQueue = `bench-baseline-${Date.now()}`;
    const worker = await env.spawnWorker('product', taskQueue, {}, path.join(ctx.dir, 'worker.log'));
    sampler.track('worker', worker.pid);
    if (env.serverPid) sampler.track('server', env.serverPid);
    sampler.track('bench', 'self');
    sampler.start();

    // --- (1) The orchestrator ---
    await admin.clearRequests();
    sampler.mark('orch-start');
    const migrations = new MigrationClient(env.client, taskQueue);
    const orchIds = Array.from({ length: n }, (_, i) => `base-orch-${i}`);
    await mapLimited(orchIds, concurrency, (id) => migrations.start(request(id), { migrationId: id }));
    await waitAllClosed(env.client, taskQueue, n, timeoutMs, (c) => ctx.log(`orchestrated: ${c}/${n} closed`));
    sampler.mark('orch-end');
    const orch = await closeStats(env.client, onQueue(taskQueue));
    const orchSucceeded = await count(env.client, onQueue(taskQueue, "OmsOutcome = 'succeeded'"));
    const orchCalls = await admin.counters();
    await worker.stop();

    // --- (2) The plain script: one process, no durability ---
    await admin.clearRequests();
    sampler.mark('plain-start');
    const oms = benchContext(env.emulator);
    const plainStart = Date.now();
    let plainEnd = plainStart;
    let plainSucceeded = 0;
    const plainIds = Array.from({ length: n }, (_, i) => `base-plain-${i}`);
    // Creates go out `concurrency` at a time (like the starter above); each migration then polls on its own.
    const created = await mapLimited(plainIds, concurrency, (id) =>
      createTaskDirect(oms, request(id), idempotencyMarker(id)),
    );
    await Promise.all(
      created.map(async ({ id }) => {
        for (;;) {
          const task = await oms.clientFor('default').showTask(id);
          if (isFinalStatus(task.status)) {
            if (task.status === 5) plainSucceeded += 1;
            plainEnd = Math.max(plainEnd, Date.now());
            return;
          }
          await delay(nextPollDelayMs(task.left_time, interval * 1000, floor * 1000));
        }
      }),
    );
    sampler.mark('plain-end');
    sampler.stop();
    const plainCalls = await admin.counters();

    const calls = (c: RouteCounters) => {
      const iam = c.KeystoneCreateUserTokenByPassword ?? 0;
      const create = c.CreateTask ?? 0;
      const show = c.ShowTask ?? 0;
      const list = c.ListTasks ?? 0;
      return {
        iam,
        create,
        show,
        list,
        total: iam + create + show + list,
        per_migration: round((iam + create + show + list) / n, 2),
      };
    };
    const orchWall = (orch.lastClose - orch.firstStart) / 1000;
    const plainWall = (plainEnd - plainStart) / 1000;
    const o = calls(orchCalls);
    const p = calls(plainCalls);
    const metrics = {
      orchestrated: {
        completed_succeeded: orchSucceeded,
        wall_seconds: round(orchWall, 1),
        api_calls: o,
        worker_cpu_cores: sampler.window('worker', 'orch-start', 'orch-end').cpuCores,
        worker_peak_rss_mib: sampler.window('worker', 'orch-start', 'orch-end').peakRssMiB,
        server_cpu_cores: sampler.window('server', 'orch-start', 'orch-end').cpuCores,
      },
      plain_script: {
        completed_succeeded: plainSucceeded,
        wall_seconds: round(plainWall, 1),
        api_calls: p,
        process_cpu_cores_script_and_emulator: sampler.window('bench', 'plain-start', 'plain-end').cpuCores,
      },
      ratios_orchestrated_over_plain: {
        wall_time: round(orchWall / plainWall, 3),
        api_calls: round(o.total / p.total, 3),
      },
    };
    return {
      status: 'ok',
      params,
      metrics,
      targets: [
        target('orchestrated: all succeeded', `${n}`, orchSucceeded, orchSucceeded === n),
        target('plain script: all succeeded', `${n}`, plainSucceeded, plainSucceeded === n),
      ],
    };
  } finally {
    sampler.stop();
    await env.close();
  }
}
