/**
 * The soak: many migrations while things break, then a verdict from ground truth.
 *
 * Migrations (90 % that succeed, 10 % whose objects fail and end in OMS status 4) start through MigrationClient
 * with at most `concurrency` running at once. Phases, each with its own slice of the migrations and its own chaos:
 *
 * - `worker-kill`: the worker process is SIGKILLed a few seconds after each start, and started again;
 * - `server-restart`: the Temporal dev server is stopped and started again on the same SQLite file (and port);
 * - `faults`: the emulator answers ~20 % 5xx, bursts of 429 with Retry-After, 1 % lost create responses,
 *   connection resets and latency (`admin.addFaults` with `rate`);
 * - `emulator-restart`: the emulator stops and starts again on its data directory and port;
 * - `together`: all of the above at once;
 * - the core-promise phases `late-create`, `reset`, `credentials`, `updates`, `deadline-race` (bench/lib/soak-phases.ts).
 *
 * Verdict per phase and overall: migrations completed with their expected outcome / expected; live duplicate OMS
 * tasks (by idempotency marker, from ListTasks; duplicates the migrations removed are counted apart); reports equal
 * to the emulator's ground truth (status, counts, sizes); no task left live by an ended migration; retries bounded
 * (max attempts of non-poll activities and workflow tasks, from the histories); secrets in histories (all, decoded;
 * a sample through `temporal workflow show -o json`) and in the worker and server logs; the core-promise phases'
 * own checks (bench/lib/soak-truth.ts has the comparison rules).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import {
  InvalidMigrationRequestError,
  MigrationClient,
  MigrationIdConflictError,
  type MigrationResult,
} from '../../client/migration-client';
import type { FaultRuleInput, RouteCounters } from '../../emulator';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { BenchEnv, type WorkerProcess } from './env';
import { delay, mapLimited } from './pool';
import { round } from './proc';
import { MIB, benchEmulatorConfig, failingRequest, generatedBucket, generatedKeys, objectRequest } from './requests';
import {
  CORE_PHASES,
  corePhase,
  isCorePhase,
  plansFailing,
  type CorePhase,
  type CorePhaseName,
  type PhaseRuntime,
} from './soak-phases';
import { countSecretsInLogs } from './soak-truth';
import { readGroundTruth, verdictOf, type ChaosTally, type ClosedMigration, type SoakVerdict } from './soak-verdict';

export { MAX_REASONABLE_ATTEMPTS, type SoakVerdict } from './soak-verdict';

export type SoakPhaseName =
  'worker-kill' | 'server-restart' | 'faults' | 'emulator-restart' | 'together' | CorePhaseName;
export type FaultLevel = 'full' | 'light' | 'none';

export interface SoakOptions {
  /** Working directory (SQLite file, emulator data, logs). */
  dir: string;
  /** Migrations in all (split evenly over the phases). */
  n: number;
  phases: SoakPhaseName[];
  /** Most migrations running at once. */
  concurrency: number;
  /** Worker SIGKILLs per phase that kills workers (undefined: every few seconds until the phase's migrations end). */
  workerKills?: number;
  /** Seconds after the worker is ready before the next SIGKILL: uniformly between these two. */
  killAfterSeconds: [number, number];
  /**
   * Dev server restarts per phase that restarts the server. They happen at even steps of the phase's progress
   * (after 1/(R+1), 2/(R+1), … of its migrations have completed), so every one happens while migrations are in
   * flight however fast the phase runs.
   */
  serverRestarts: number;
  /** Seconds before each emulator restart of a phase that restarts it. */
  emulatorRestartAfterSeconds: number;
  /** Emulator restarts per phase that restarts it. */
  emulatorRestarts: number;
  faults: FaultLevel;
  /** Transfer time of a migration, wall seconds. */
  transferSeconds: number;
  /** Fraction of migrations whose objects fail (status 4). */
  failingFraction: number;
  /**
   * `credentials` phase: seconds the worker keeps a wrong IAM password (at least until every running migration
   * shows blocked; 0: just that). The product then backs off 15 s, 30 s, …: keep it short.
   */
  credentialsOutageSeconds: number;
  /** Histories checked with `temporal workflow show -o json` (all are checked through the SDK). */
  cliHistorySample: number;
  /** Overall bound on the run. */
  timeoutMinutes: number;
  log?: (message: string) => void;
}

export const SOAK_DEFAULTS: Omit<SoakOptions, 'dir'> = {
  n: 500,
  phases: ['worker-kill', 'server-restart', 'faults', 'emulator-restart', 'together', ...CORE_PHASES],
  concurrency: 50,
  killAfterSeconds: [3, 8],
  serverRestarts: 3,
  emulatorRestartAfterSeconds: 7.5,
  emulatorRestarts: 1,
  faults: 'full',
  transferSeconds: 10,
  failingFraction: 0.1,
  credentialsOutageSeconds: 30,
  cliHistorySample: 20,
  timeoutMinutes: 30,
};

/** The whole run: one verdict per phase, the overall one, and the chaos log. */
export interface SoakResult {
  options: Omit<SoakOptions, 'log'>;
  phases: SoakVerdict[];
  overall: SoakVerdict;
  apiCalls: Partial<RouteCounters>;
  events: { at: number; what: string }[];
  historiesCheckedWithCli: number;
}

interface Planned {
  id: string;
  phase: SoakPhaseName;
  index: number;
  failing: boolean;
}

/** Runs the soak and returns the verdicts. Throws only for set-up failures or the overall timeout. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const deadline = started + options.timeoutMinutes * 60_000;
  const events: { at: number; what: string }[] = [];
  const note = (what: string) => {
    events.push({ at: round((Date.now() - started) / 1000, 1), what });
    log(what);
  };

  const objects = 10;
  const speed = MIB;
  const timeScale = (objects * MIB) / speed / options.transferSeconds;
  const cli = await ensureTemporalCli();
  const env = await BenchEnv.start({
    dir: options.dir,
    emulator: {
      timeScale,
      dataDir: path.join(options.dir, 'emulator'),
      config: benchEmulatorConfig([generatedBucket('soak-src', objects, MIB)]),
    },
  });
  const taskQueue = `soak-${Date.now()}`;
  const apiCalls: Partial<RouteCounters> = {};
  const addCounters = async () => {
    const c = await env.emulator.admin.counters();
    for (const [k, v] of Object.entries(c) as [keyof RouteCounters, number][]) apiCalls[k] = (apiCalls[k] ?? 0) + v;
    await env.emulator.admin.clearRequests();
  };
  const applySettings = () =>
    env.emulator.admin.updateSettings({ maxRunningPerRegion: 10_000, defaultSpeedBytesPerSec: speed });
  /** A wrong IAM password for the credentials phase: checked for leaks like the real secrets. */
  const wrongPassword = `soak-Wrong-${randomBytes(6).toString('hex')}`;

  let worker: WorkerProcess | undefined;
  let workerGeneration = 0;
  let workerExtraEnv: Record<string, string> = {};
  let unexpectedExits = 0;
  let closing = false;
  const startWorker = async () => {
    workerGeneration += 1;
    const extra = { LOG_LEVEL: 'INFO', ...workerExtraEnv };
    worker = await env.spawnWorker('product', taskQueue, extra, path.join(options.dir, 'worker.log'));
    const generation = workerGeneration;
    const w = worker;
    w.child.once('exit', (code, signal) => {
      if (!closing && signal !== 'SIGKILL' && generation === workerGeneration) {
        unexpectedExits += 1;
        note(`worker ${w.pid} exited on its own (${signal ?? `code ${code}`})`);
      }
    });
    note(`worker ${w.pid} ready`);
  };
  const replaceWorker: PhaseRuntime['replaceWorker'] = async (extraEnv, how, beforeStart) => {
    const victim = worker;
    workerGeneration += 1; // its exit is expected
    if (victim?.alive) {
      if (how === 'kill') await victim.kill();
      else await victim.stop();
      note(`${how === 'kill' ? 'SIGKILL' : 'stopped'} worker ${victim.pid}`);
    }
    if (beforeStart) await beforeStart();
    workerExtraEnv = extraEnv;
    await startWorker();
  };

  try {
    await applySettings();
    await startWorker();
    const migrations = new MigrationClient(env.client, taskQueue);
    const orchestration = { poll_interval_seconds: 2, min_poll_interval_seconds: 0.5 };
    const runtime: PhaseRuntime = {
      env,
      migrations,
      taskQueue,
      cliPath: cli.path,
      transferSeconds: options.transferSeconds,
      credentialsOutageSeconds: options.credentialsOutageSeconds,
      wrongPassword,
      deadline,
      note,
      replaceWorker,
      clearRequestLog: addCounters,
    };

    const perPhase = Math.max(1, Math.floor(options.n / options.phases.length));
    const failingEvery = options.failingFraction > 0 ? Math.round(1 / options.failingFraction) : Infinity;
    const plan: Planned[] = options.phases.flatMap((phase, p) => {
      const count = p === options.phases.length - 1 ? options.n - perPhase * p : perPhase;
      return Array.from({ length: count }, (_, i) => ({
        id: `soak-${phase}-${i}`,
        phase,
        index: i,
        failing: plansFailing(phase) && i % failingEvery === failingEvery - 1,
      }));
    });
    const requestFor = (m: Planned, hooks: CorePhase | undefined) => {
      const o = { ...orchestration, ...hooks?.orchestration(m) };
      return m.failing
        ? failingRequest(`${m.id}/`, o)
        : objectRequest('soak-src', generatedKeys(objects), `${m.id}/`, o, hooks?.limiter ?? false);
    };

    const closed: ClosedMigration[] = [];
    const chaosTally = new Map<SoakPhaseName, ChaosTally>();
    const coreHooks = new Map<string, CorePhase>();

    for (const phase of options.phases) {
      const slice = plan.filter((m) => m.phase === phase);
      const tally: ChaosTally = { kills: 0, server: 0, emulator: 0, faults: 0, wall: 0 };
      chaosTally.set(phase, tally);
      const phaseStart = Date.now();
      note(`phase ${phase}: ${slice.length} migrations`);
      let active = true;
      const all = phase === 'together';
      const faultRules = faultsFor(options.faults);
      const useFaults = (phase === 'faults' || all) && faultRules.length > 0;
      const hooks = isCorePhase(phase) ? corePhase(phase, runtime, slice) : undefined;
      if (hooks) {
        coreHooks.set(phase, hooks);
        await hooks.setup();
      }
      if (useFaults) {
        await env.emulator.admin.addFaults(...faultRules);
        tally.faults += faultRules.length;
      }

      const progress = new Progress();
      const chaos: Promise<void>[] = [];
      if (hooks) chaos.push(hooks.chaos());
      if (phase === 'worker-kill' || all) {
        chaos.push(
          (async () => {
            while (active && (options.workerKills === undefined || tally.kills < options.workerKills)) {
              const [lo, hi] = options.killAfterSeconds;
              await delay((lo + Math.random() * (hi - lo)) * 1000);
              if (!active) break;
              const victim = worker!;
              workerGeneration += 1;
              await victim.kill();
              tally.kills += 1;
              note(`SIGKILL worker ${victim.pid}`);
              await startWorker();
            }
          })(),
        );
      }
      if (phase === 'server-restart' || all) {
        chaos.push(
          (async () => {
            for (let i = 1; i <= options.serverRestarts; i++) {
              await progress.reached(Math.floor((i * slice.length) / (options.serverRestarts + 1)));
              if (!active) break;
              note('restarting the Temporal dev server (same database and port)');
              await env.restartServer();
              tally.server += 1;
              note('Temporal dev server back');
            }
          })(),
        );
      }
      if (phase === 'emulator-restart' || all) {
        chaos.push(
          (async () => {
            while (active && tally.emulator < options.emulatorRestarts) {
              await delay(options.emulatorRestartAfterSeconds * 1000);
              if (!active) break;
              await addCounters();
              note('restarting the emulator (same data directory and port)');
              await env.restartEmulator();
              await applySettings();
              if (useFaults) await env.emulator.admin.addFaults(...faultRules);
              tally.emulator += 1;
              note('emulator back');
            }
          })(),
        );
      }
      if (useFaults) {
        // A few 429 bursts with Retry-After on top of the rate-based faults (a finite number: bursts that kept
        // coming every few seconds would starve the last migrations of the phase forever).
        chaos.push(
          (async () => {
            const [bursts, size] = options.faults === 'full' ? [6, 20] : [1, 3];
            for (let i = 0; i < bursts && active; i++) {
              await delay(5_000);
              if (!active) break;
              await env.emulator.admin
                .addFaults({ route: 'ShowTask', kind: 'throttle', retryAfterSeconds: 2, times: size })
                .then(() => (tally.faults += 1))
                .catch(() => undefined);
            }
          })(),
        );
      }

      // The starter: at most `concurrency` migrations in flight; each is started, then driven to its end.
      const start = (m: Planned) => async () => {
        await retrying(() => migrations.start(requestFor(m, hooks), { migrationId: m.id }), deadline, `start ${m.id}`);
      };
      const concurrency = hooks ? hooks.concurrency(slice.length, options.concurrency) : options.concurrency;
      const outcomes = await mapLimited(slice, concurrency, async (m) => {
        let result: MigrationResult;
        if (hooks) result = await hooks.drive(m, start(m));
        else {
          await start(m)();
          result = await retrying(() => migrations.result(m.id), deadline, `result of ${m.id}`);
        }
        progress.add();
        return { ...m, result };
      }).finally(() => {
        active = false;
        progress.end();
      });
      await Promise.all(chaos);
      if (useFaults || (hooks?.faults ?? 0) > 0) await env.emulator.admin.clearFaults();
      if (hooks) {
        await hooks.finish();
        tally.kills += hooks.kills;
        tally.faults += hooks.faults;
      }
      if (Object.keys(workerExtraEnv).length > 0) await replaceWorker({}, 'stop');
      if (worker && !worker.alive) await startWorker();
      closed.push(...outcomes);
      tally.wall = round((Date.now() - phaseStart) / 1000, 1);
      note(`phase ${phase} done in ${tally.wall} s`);
    }

    // --- Ground truth (no faults any more) ---
    await addCounters();
    const secrets = [...env.secrets(), wrongPassword];
    const { rows, orphans, cliChecked } = await readGroundTruth({
      env,
      cliPath: cli.path,
      closed,
      secrets,
      cliHistorySample: options.cliHistorySample,
      expected: (c) => {
        const hooks = coreHooks.get(c.phase);
        if (hooks) return hooks.expected(c, c.result);
        return c.result.report !== undefined && c.result.outcome === (c.failing ? 'completed_with_failures' : 'succeeded');
      },
    });
    for (const [phase, hooks] of coreHooks) {
      const mine = rows.filter((r) => r.c.phase === phase);
      hooks.judge(mine.map((r) => ({ m: r.c, result: r.c.result, markerTasks: r.markerTasks })));
    }
    const phaseVerdicts = options.phases.map((phase) => {
      const mine = rows.filter((r) => r.c.phase === phase);
      return verdictOf(phase, mine, chaosTally.get(phase)!, { logs: 0, findings: coreHooks.get(phase)?.findings });
    });
    const sum = (k: keyof ChaosTally) => [...chaosTally.values()].reduce((a, t) => a + t[k], 0);
    const overall = verdictOf(
      'overall',
      rows,
      {
        kills: sum('kills'),
        server: sum('server'),
        emulator: sum('emulator'),
        faults: sum('faults'),
        wall: round((Date.now() - started) / 1000, 1),
      },
      {
        logs: countSecretsInLogs(options.dir, secrets),
        orphans,
        violations: phaseVerdicts.flatMap((v) => v.violations.map((x) => `${v.phase}: ${x}`)),
      },
    );
    overall.unexpectedWorkerExits = unexpectedExits;
    overall.pass &&= unexpectedExits === 0;
    const { log: _log, ...recorded } = options;
    return {
      options: recorded,
      phases: phaseVerdicts,
      overall,
      apiCalls,
      events,
      historiesCheckedWithCli: cliChecked,
    };
  } finally {
    closing = true;
    await env.close();
  }
}

/** Completed migrations of a phase, with waiters for a count (released early when the phase ends). */
class Progress {
  private done = 0;
  private ended = false;
  private waiters: { count: number; resolve: () => void }[] = [];

  add(): void {
    this.done += 1;
    this.release();
  }

  end(): void {
    this.ended = true;
    this.release();
  }

  reached(count: number): Promise<void> {
    if (this.ended || this.done >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private release(): void {
    const ready = this.waiters.filter((w) => this.ended || this.done >= w.count);
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

/**
 * Retries `fn` on errors (servers restart during the soak) until `deadline`. A request the client refuses
 * (invalid, or another request under the id) is not retried: it would fail the same way until the deadline.
 */
async function retrying<T>(fn: () => Promise<T>, deadline: number, what: string): Promise<T> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof InvalidMigrationRequestError || err instanceof MigrationIdConflictError) {
        throw new Error(`soak: ${what}: ${err.message}`, { cause: err });
      }
      lastError = err;
      await delay(1_000);
    }
  }
  throw new Error(`soak timed out: ${what}: ${String(lastError)}`);
}

/** The fault rules of a level (429 bursts are added separately, periodically). */
export function faultsFor(level: FaultLevel): FaultRuleInput[] {
  if (level === 'none') return [];
  if (level === 'light') {
    return [
      { route: '*', kind: 'error', status: 503, rate: 0.05 },
      { route: 'CreateTask', kind: 'lose-response', times: 1 },
      { route: '*', kind: 'reset', rate: 0.01 },
      { route: '*', kind: 'latency', latencyMs: 100, rate: 0.05 },
    ];
  }
  return [
    { route: '*', kind: 'error', status: 503, rate: 0.1 },
    { route: '*', kind: 'error', status: 500, rate: 0.1 },
    { route: 'CreateTask', kind: 'lose-response', rate: 0.01 },
    { route: '*', kind: 'reset', rate: 0.02 },
    { route: '*', kind: 'latency', latencyMs: 300, rate: 0.1 },
  ];
}
