/**
 * History size per migration: a `--hours` (24) simulated-hour migration polled every `--cadence` (30) simulated
 * seconds, beside the same migration waited for by a naive workflow loop (timer + ShowTask activity per
 * iteration, no continue-as-new, bench/workflows), and beside a migration half as long (the product's history
 * must not depend on the duration). Events and bytes are the server's own accounting (DescribeWorkflowExecution
 * `historyLength` / `historySizeBytes`).
 *
 * The poll interval is wall time, so the emulator runs at `cadence / --interval-wall` (30 / 0.1 = 300×): 24
 * simulated hours take 288 wall seconds.
 */

import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { MigrationClient } from '../../client/migration-client';
import type { NaivePollResult } from '../workflows';
import type { Flags } from '../lib/args';
import { round } from '../lib/proc';
import { generatedBucket, generatedKeys, objectRequest } from '../lib/requests';
import { startScenarioEnv, target, type Scenario, type ScenarioContext, type ScenarioOutcome } from '../lib/scenario';
import { historyStats } from '../lib/temporal';

/** Events before the naive loop's first timer, and events per loop iteration after it. */
async function naiveEventsPerIteration(
  client: Client,
  workflowId: string,
): Promise<{ base: number; perIteration: number }> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const E = temporal.api.enums.v1.EventType;
  const timers = events.filter((e) => e.eventType === E.EVENT_TYPE_TIMER_STARTED);
  const first = events.findIndex((e) => e.eventType === E.EVENT_TYPE_TIMER_STARTED);
  if (timers.length === 0 || first < 0) return { base: events.length, perIteration: 0 };
  return { base: first, perIteration: round((events.length - first) / timers.length, 2) };
}

const SPEED = 2 ** 20;
const EVENT_TARGET = 50;

export const history: Scenario = {
  name: 'history',
  title: 'History events and bytes per migration vs a naive timer-polling workflow',
  defaults: { hours: 24, cadence: 30, 'interval-wall': 0.1 },
  key: (flags: Flags) => `history hours=${flags.num('hours')}`,
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { hours, cadence, 'interval-wall': intervalWall } = ctx.flags.nums('hours', 'cadence', 'interval-wall');
  const timeScale = cadence / intervalWall;
  const params = {
    simulated_hours: hours,
    cadence_simulated_seconds: cadence,
    poll_interval_wall_seconds: intervalWall,
    emulator_time_scale: timeScale,
  };
  const size = (h: number) => Math.round(SPEED * h * 3600);
  const env = await startScenarioEnv(ctx, timeScale, [
    generatedBucket('hist-long', 1, size(hours)),
    generatedBucket('hist-short', 1, size(hours / 2)),
  ]);
  try {
    const admin = env.emulator.admin;
    await admin.updateSettings({ maxRunningPerRegion: 10, defaultSpeedBytesPerSec: SPEED });
    const stamp = Date.now();
    const productQueue = `bench-history-product-${stamp}`;
    const benchQueue = `bench-history-naive-${stamp}`;
    const [product, bench] = await env.spawnWorkerPair(productQueue, benchQueue);
    const orchestration = { poll_interval_seconds: intervalWall, min_poll_interval_seconds: intervalWall };
    const request = (bucket: string, id: string) => objectRequest(bucket, generatedKeys(1), `${id}/`, orchestration);
    const migrations = new MigrationClient(env.client, productQueue);
    const ids = {
      long: `hist-product-long-${stamp}`,
      short: `hist-product-short-${stamp}`,
      naive: `hist-naive-${stamp}`,
    };

    ctx.log(
      `migrating ${hours} simulated hours at ${cadence} s cadence (≈ ${round((hours * 3600) / timeScale)} wall s)`,
    );
    await migrations.start(request('hist-long', ids.long), { migrationId: ids.long });
    await migrations.start(request('hist-short', ids.short), { migrationId: ids.short });
    const naiveHandle = await env.client.workflow.start('naivePollWorkflow', {
      taskQueue: benchQueue,
      workflowId: ids.naive,
      args: [{ request: request('hist-long', ids.naive), intervalMs: intervalWall * 1000 }],
    });
    const [long, short, naive] = await Promise.all([
      migrations.result(ids.long),
      migrations.result(ids.short),
      naiveHandle.result() as Promise<NaivePollResult>,
    ]);
    if (!long.report || !short.report) throw new Error('a product migration ended without a report');
    await Promise.all([product.stop(), bench.stop()]);

    const figures = async (id: string, taskId: number, polls: number) => {
      const truth = await admin.task(taskId);
      const h = await historyStats(env.client, id);
      const simHours = (truth.endTime! - truth.startTime) / 3_600_000;
      return {
        status: truth.status,
        simulated_hours: round(simHours, 2),
        polls,
        mean_cadence_simulated_s: round((simHours * 3600) / Math.max(1, polls), 1),
        history_events: h.events,
        history_bytes: h.bytes,
      };
    };
    const productLong = await figures(ids.long, long.report.task_id!, long.report.api_calls.show);
    const productShort = await figures(ids.short, short.report.task_id!, short.report.api_calls.show);
    const naiveLong = await figures(ids.naive, naive.task_id, naive.polls);
    // The server's latency bounds how often a loop can poll (each iteration is a timer, an activity and two
    // workflow tasks): project the naive history to the nominal number of polls, hours × 3600 / cadence.
    const nominalPolls = Math.round((hours * 3600) / cadence);
    const perIteration = await naiveEventsPerIteration(env.client, ids.naive);
    const projectedEvents = Math.round(perIteration.base + perIteration.perIteration * nominalPolls);
    const metrics = {
      nominal_polls: nominalPolls,
      product: productLong,
      product_half_duration: productShort,
      naive_loop: naiveLong,
      naive_loop_projected_to_nominal_polls: {
        events_per_iteration: perIteration.perIteration,
        history_events: projectedEvents,
        history_bytes: Math.round((naiveLong.history_bytes / naiveLong.history_events) * projectedEvents),
        note: 'linear in polls: the loop adds a timer, an activity and two workflow tasks per poll',
      },
      naive_over_product: {
        events_measured: round(naiveLong.history_events / productLong.history_events, 1),
        bytes_measured: round(naiveLong.history_bytes / productLong.history_bytes, 1),
        events_at_nominal_polls: round(projectedEvents / productLong.history_events, 1),
      },
    };
    const targets = [
      target(
        `product: history events ≤ ${EVENT_TARGET} for a ${hours} h migration`,
        `≤ ${EVENT_TARGET}`,
        productLong.history_events,
        productLong.history_events <= EVENT_TARGET,
      ),
      target(
        'product: events independent of duration (full vs half duration)',
        `= ${productShort.history_events}`,
        productLong.history_events,
        productLong.history_events === productShort.history_events,
      ),
    ];
    return { status: 'ok', params, metrics, targets };
  } finally {
    await env.close();
  }
}
