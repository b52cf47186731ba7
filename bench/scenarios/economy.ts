/**
 * API economy per migration and completion-detection latency, fixed vs adaptive cadence.
 *
 * `--n` migrations per mode run at once on a fresh worker, each transferring for `--duration` seconds at time
 * scale `--time-scale` (1 by default: OMS's `left_time` is then exact in wall time). Fixed cadence sets
 * `min_poll_interval_seconds` = `poll_interval_seconds`; adaptive keeps the floor at `--floor`. Per migration:
 * IAM calls, creates, polls (the emulator's request log per task, and the report's `api_calls`), all OMS calls,
 * and the latency from the task's true finish (`admin.task(id).endTime`, simulated) to the workflow's close.
 */
import path from 'node:path';

import { MigrationClient } from '../../client/migration-client';
import type { MigrationReport } from '../../workflows/report-types';
import type { Flags } from '../lib/args';
import { benchContext, listAllTasks, markerCounts } from '../lib/oms';
import { mapLimited } from '../lib/pool';
import { round } from '../lib/proc';
import { generatedBucket, generatedKeys, objectRequest } from '../lib/requests';
import {
  startScenarioEnv,
  target,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
  type Target,
} from '../lib/scenario';

const SPEED = 20 * 2 ** 20;
type Mode = 'fixed' | 'adaptive';

export const economy: Scenario = {
  name: 'economy',
  title: 'API economy per migration and completion-detection latency, fixed vs adaptive cadence',
  defaults: { n: 5, interval: 10, floor: 1, duration: 30, 'time-scale': 1 },
  key: (flags: Flags) => `economy n=${flags.num('n')}`,
  run,
};

interface PerMigration {
  mode: Mode;
  task_id: number;
  /** Task creation → true finish, wall seconds. */
  duration_s: number;
  polls_emulator: number;
  polls_report: number;
  oms_calls_report: number;
  detection_wall_s: number;
  detection_sim_s: number;
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const {
    n,
    interval,
    floor,
    duration: durationSim,
    'time-scale': timeScale,
  } = ctx.flags.nums('n', 'interval', 'floor', 'duration', 'time-scale');
  const params = {
    n_per_mode: n,
    poll_interval_seconds: interval,
    adaptive_floor_seconds: floor,
    transfer_seconds_simulated: durationSim,
    emulator_time_scale: timeScale,
  };
  const env = await startScenarioEnv(ctx, timeScale, [generatedBucket('econ-src', 1, Math.round(SPEED * durationSim))]);
  try {
    const admin = env.emulator.admin;
    await admin.updateSettings({ maxRunningPerRegion: 4 * n + 10, defaultSpeedBytesPerSec: SPEED });
    const taskQueue = `bench-economy-${Date.now()}`;
    const worker = await env.spawnWorker('product', taskQueue, {}, path.join(ctx.dir, 'worker.log'));
    await admin.clearRequests();
    const migrations = new MigrationClient(env.client, taskQueue);

    const plan = (['fixed', 'adaptive'] as const).flatMap((mode) =>
      Array.from({ length: n }, (_, i) => ({ mode, id: `econ-${mode}-${i}` })),
    );
    await mapLimited(plan, 20, ({ mode, id }) =>
      migrations.start(
        objectRequest('econ-src', generatedKeys(1), `${id}/`, {
          poll_interval_seconds: interval,
          min_poll_interval_seconds: mode === 'fixed' ? interval : floor,
        }),
        { migrationId: id },
      ),
    );
    const reports = await mapLimited(plan, 20, async ({ id }) => {
      const r = await migrations.result(id);
      if (!r.report) throw new Error(`migration ${id} ended without a report: ${r.failure?.message ?? r.outcome}`);
      return r.report;
    });
    const counters = await admin.counters();
    const clock = await admin.clock();
    const showLog = await admin.requests({ route: 'ShowTask' });
    const createLog = await admin.requests({ route: 'CreateTask' });
    await worker.stop();
    // Ground truth for "exactly one create": one OMS task per idempotency marker, one task per migration.
    const markers = markerCounts(await listAllTasks(benchContext(env.emulator)));

    const showsByTask = new Map<number, number>();
    for (const r of showLog) {
      const id = Number(r.path.split('/').pop());
      showsByTask.set(id, (showsByTask.get(id) ?? 0) + 1);
    }
    // Simulated epoch ms → wall epoch ms (the emulator's clock runs `timeScale` times faster).
    const toWall = (sim: number) => clock.wallNow - (clock.simNow - sim) / clock.timeScale;

    const rows: PerMigration[] = [];
    for (const [i, { mode, id }] of plan.entries()) {
      const report: MigrationReport = reports[i]!;
      const truth = await admin.task(report.task_id!);
      const closed = (await migrations.handle(id).describe()).closeTime!.getTime();
      const finishWall = toWall(truth.endTime!);
      rows.push({
        mode,
        task_id: report.task_id!,
        duration_s: round((finishWall - toWall(truth.createdAt)) / 1000, 2),
        polls_emulator: showsByTask.get(report.task_id!) ?? 0,
        polls_report: report.api_calls.show,
        oms_calls_report: report.api_calls.oms,
        detection_wall_s: round((closed - finishWall) / 1000, 3),
        detection_sim_s: round(((closed - finishWall) * clock.timeScale) / 1000, 3),
      });
    }
    const tasksCreated = (await admin.tasks()).tasks.filter((t) => t.srcBucket === 'econ-src').length;
    const duplicated = [...markers.values()].filter((c) => c > 1).length;

    const summary = (mode: Mode) => {
      const r = rows.filter((x) => x.mode === mode);
      const bound = (x: PerMigration) => x.duration_s / interval + 2;
      return {
        migrations: r.length,
        mean_duration_s: mean(r.map((x) => x.duration_s)),
        polls_per_migration_mean: mean(r.map((x) => x.polls_emulator)),
        polls_per_migration_max: Math.max(...r.map((x) => x.polls_emulator)),
        poll_bound_mean_duration_over_interval_plus_2: mean(r.map(bound)),
        migrations_within_poll_bound: r.filter((x) => x.polls_emulator <= bound(x)).length,
        report_show_equals_emulator: r.every((x) => x.polls_report === x.polls_emulator),
        oms_calls_per_migration_mean: mean(r.map((x) => x.oms_calls_report)),
        detection_wall_s_mean: mean(r.map((x) => x.detection_wall_s)),
        detection_wall_s_max: Math.max(...r.map((x) => x.detection_wall_s)),
        detection_sim_s_mean: mean(r.map((x) => x.detection_sim_s)),
      };
    };
    const fixed = summary('fixed');
    const adaptive = summary('adaptive');
    const iam = counters.KeystoneCreateUserTokenByPassword ?? 0;
    const creates = counters.CreateTask ?? 0;
    const metrics = {
      totals: {
        migrations: plan.length,
        iam_calls: iam,
        create_calls: creates,
        create_requests_logged: createLog.length,
        oms_tasks_created: tasksCreated,
        idempotency_markers_on_more_than_one_task: duplicated,
        show_calls: counters.ShowTask ?? 0,
        list_calls: counters.ListTasks ?? 0,
      },
      fixed,
      adaptive,
      per_migration: rows,
    };
    const targets: Target[] = [
      target(
        'exactly 1 create per migration (OMS tasks, CreateTask calls, markers on more than one task)',
        `${plan.length} tasks, ${plan.length} calls, 0 duplicated`,
        `${tasksCreated} tasks, ${creates} calls, ${duplicated} duplicated`,
        tasksCreated === plan.length && creates === plan.length && duplicated === 0,
      ),
      target('IAM calls per credential per worker per token lifetime', '≤ 1', iam, iam <= 1),
      ...(['fixed', 'adaptive'] as const).map((mode) => {
        const s = mode === 'fixed' ? fixed : adaptive;
        return target(
          `${mode}: polls ≤ duration/interval + 2 (migrations within)`,
          `${s.migrations}/${s.migrations}`,
          `${s.migrations_within_poll_bound}/${s.migrations} (mean ${s.polls_per_migration_mean} vs bound ${s.poll_bound_mean_duration_over_interval_plus_2})`,
          s.migrations_within_poll_bound === s.migrations,
        );
      }),
      target(
        'adaptive: detection within 10 % of the interval (max)',
        `≤ ${round(interval * 0.1, 2)} s`,
        adaptive.detection_wall_s_max,
        adaptive.detection_wall_s_max <= interval * 0.1,
      ),
    ];
    return { status: 'ok', params, metrics, targets };
  } finally {
    await env.close();
  }
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : round(xs.reduce((a, b) => a + b, 0) / xs.length, 3);
}
