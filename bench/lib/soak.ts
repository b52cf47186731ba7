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
 * - `together`: all of the above at once.
 *
 * Verdict per phase and overall: migrations completed with their expected outcome / expected; duplicate OMS tasks
 * (tasks per idempotency marker, from ListTasks, and tasks vs migrations); reports equal to the emulator's ground
 * truth (status, counts, sizes, failed_num); retries bounded (max attempts of non-poll activities and workflow
 * tasks, from the histories); secrets in histories (all, decoded; a sample through `temporal workflow show -o
 * json`) and in the worker and server logs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { MigrationClient, type MigrationResult } from '../../client/migration-client';
import type { AdminTaskView, FaultRuleInput, RouteCounters } from '../../emulator';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import type { MigrationReport } from '../../workflows/types';
import { BenchEnv, type WorkerProcess } from './env';
import { benchContext, listAllTasks, markerCounts } from './oms';
import { delay, mapLimited } from './pool';
import { round } from './proc';
import { MIB, benchEmulatorConfig, failingRequest, generatedBucket, generatedKeys, objectRequest } from './requests';

const run = promisify(execFile);

export type SoakPhaseName = 'worker-kill' | 'server-restart' | 'faults' | 'emulator-restart' | 'together';
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
  /** Histories checked with `temporal workflow show -o json` (all are checked through the SDK). */
  cliHistorySample: number;
  /** Overall bound on the run. */
  timeoutMinutes: number;
  log?: (message: string) => void;
}

export const SOAK_DEFAULTS: Omit<SoakOptions, 'dir'> = {
  n: 500,
  phases: ['worker-kill', 'server-restart', 'faults', 'emulator-restart', 'together'],
  concurrency: 50,
  killAfterSeconds: [3, 8],
  serverRestarts: 3,
  emulatorRestartAfterSeconds: 7.5,
  emulatorRestarts: 1,
  faults: 'full',
  transferSeconds: 10,
  failingFraction: 0.1,
  cliHistorySample: 20,
  timeoutMinutes: 30,
};

/** The verdict of one phase (or of the whole run). */
export interface SoakVerdict {
  phase: string;
  expected: number;
  completed: number;
  /** Migrations that closed with an outcome other than the expected one, with why. */
  unexpected: { id: string; outcome: string; failure?: string }[];
  duplicateTasks: number;
  reportMismatches: { id: string; field: string; report: unknown; truth: unknown }[];
  maxActivityAttempts: number;
  maxWorkflowTaskAttempts: number;
  secretsInHistory: number;
  secretsInLogs: number;
  workerKills: number;
  unexpectedWorkerExits: number;
  serverRestarts: number;
  emulatorRestarts: number;
  faultsInjected: number;
  wallSeconds: number;
  pass: boolean;
}

/** The whole run: one verdict per phase, the overall one, and the chaos log. */
export interface SoakResult {
  options: Omit<SoakOptions, 'log'>;
  phases: SoakVerdict[];
  overall: SoakVerdict;
  apiCalls: Partial<RouteCounters>;
  events: { at: number; what: string }[];
  historiesCheckedWithCli: number;
}

/** Attempts above this for a non-poll activity count as unbounded retrying. */
export const MAX_REASONABLE_ATTEMPTS = 30;

interface Planned {
  id: string;
  phase: SoakPhaseName;
  failing: boolean;
}

interface Closed extends Planned {
  result: MigrationResult;
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

  let worker: WorkerProcess | undefined;
  let workerGeneration = 0;
  let unexpectedExits = 0;
  let closing = false;
  const startWorker = async () => {
    workerGeneration += 1;
    worker = await env.spawnWorker('product', taskQueue, { LOG_LEVEL: 'INFO' }, path.join(options.dir, 'worker.log'));
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

  try {
    await applySettings();
    await startWorker();
    const migrations = new MigrationClient(env.client, taskQueue);
    const orchestration = { poll_interval_seconds: 2, min_poll_interval_seconds: 0.5 };

    const perPhase = Math.max(1, Math.floor(options.n / options.phases.length));
    const plan: Planned[] = options.phases.flatMap((phase, p) => {
      const count = p === options.phases.length - 1 ? options.n - perPhase * p : perPhase;
      const failingEvery = options.failingFraction > 0 ? Math.round(1 / options.failingFraction) : Infinity;
      return Array.from({ length: count }, (_, i) => ({ id: `soak-${phase}-${i}`, phase, failing: i % failingEvery === failingEvery - 1 }));
    });
    const requestFor = (m: Planned) =>
      m.failing
        ? failingRequest(`${m.id}/`, orchestration)
        : objectRequest('soak-src', generatedKeys(objects), `${m.id}/`, orchestration);

    const closed: Closed[] = [];
    const chaosTally = new Map<SoakPhaseName, { kills: number; server: number; emulator: number; faults: number; wall: number }>();

    for (const phase of options.phases) {
      const slice = plan.filter((m) => m.phase === phase);
      const tally = { kills: 0, server: 0, emulator: 0, faults: 0, wall: 0 };
      chaosTally.set(phase, tally);
      const phaseStart = Date.now();
      note(`phase ${phase}: ${slice.length} migrations`);
      let active = true;
      const all = phase === 'together';
      const faultRules = faultsFor(options.faults);
      const useFaults = (phase === 'faults' || all) && faultRules.length > 0;
      if (useFaults) {
        await env.emulator.admin.addFaults(...faultRules);
        tally.faults += faultRules.length;
      }

      const progress = new Progress();
      const chaos: Promise<void>[] = [];
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

      // The starter: at most `concurrency` migrations in flight; each is started, then awaited to its end.
      const outcomes = await mapLimited(slice, options.concurrency, async (m) => {
        await retrying(() => migrations.start(requestFor(m), { migrationId: m.id }), deadline, `start ${m.id}`);
        const result = await retrying(() => migrations.result(m.id), deadline, `result of ${m.id}`);
        progress.add();
        return { ...m, result };
      }).finally(() => {
        active = false;
        progress.end();
      });
      await Promise.all(chaos);
      if (worker && !worker.alive) await startWorker();
      if (useFaults) await env.emulator.admin.clearFaults();
      closed.push(...outcomes);
      tally.wall = round((Date.now() - phaseStart) / 1000, 1);
      note(`phase ${phase} done in ${tally.wall} s`);
    }

    // --- Ground truth (no faults any more) ---
    await addCounters();
    const oms = benchContext(env.emulator);
    const tasks = await listAllTasks(oms);
    const markers = markerCounts(tasks);
    const truthById = new Map<number, AdminTaskView>((await env.emulator.admin.tasks()).tasks.map((t) => [t.id, t]));
    const secrets = env.secrets();
    const cli = await ensureTemporalCli();
    const cliSample = new Set(closed.map((c) => c.id).filter((_, i) => i % Math.max(1, Math.floor(closed.length / options.cliHistorySample)) === 0).slice(0, options.cliHistorySample));

    const perMigration = await mapLimited(closed, 10, async (c) => {
      const analysis = await analyseHistory(env.client, c.id, secrets);
      if (cliSample.has(c.id)) {
        const { stdout } = await run(
          cli.path,
          ['workflow', 'show', '--address', env.address, '--namespace', env.namespace, '-w', c.id, '-o', 'json'],
          { maxBuffer: 64 * MIB },
        );
        analysis.secrets += secrets.filter((s) => stdout.includes(s)).length;
      }
      const report = c.result.report;
      const mismatches = report ? compareWithTruth(c.id, report, truthById.get(report.task_id ?? -1)) : [];
      const expectedOutcome = c.failing ? 'failed' : 'succeeded';
      return { c, analysis, mismatches, ok: c.result.outcome === expectedOutcome && report !== undefined };
    });

    const logSecrets = countSecretsInLogs(options.dir, secrets);
    const duplicatesByMarker = [...markers.values()].reduce((a, v) => a + Math.max(0, v - 1), 0);
    const withTask = closed.filter((c) => c.result.report?.task_id != null).length;
    const duplicatesOverall = Math.max(duplicatesByMarker, tasks.length - withTask);

    const verdictOf = (name: string, rows: typeof perMigration, chaos: { kills: number; server: number; emulator: number; faults: number; wall: number }, dups: number, logs: number): SoakVerdict => {
      const v: SoakVerdict = {
        phase: name,
        expected: rows.length,
        completed: rows.filter((r) => r.ok).length,
        unexpected: rows
          .filter((r) => !r.ok)
          .map((r) => ({ id: r.c.id, outcome: r.c.result.outcome, failure: r.c.result.failure?.message.slice(0, 300) })),
        duplicateTasks: dups,
        reportMismatches: rows.flatMap((r) => r.mismatches),
        maxActivityAttempts: Math.max(0, ...rows.map((r) => r.analysis.maxActivityAttempt)),
        maxWorkflowTaskAttempts: Math.max(0, ...rows.map((r) => r.analysis.maxWorkflowTaskAttempt)),
        secretsInHistory: rows.reduce((a, r) => a + r.analysis.secrets, 0),
        secretsInLogs: logs,
        workerKills: chaos.kills,
        unexpectedWorkerExits: 0,
        serverRestarts: chaos.server,
        emulatorRestarts: chaos.emulator,
        faultsInjected: chaos.faults,
        wallSeconds: chaos.wall,
        pass: false,
      };
      v.pass =
        v.completed === v.expected &&
        v.duplicateTasks === 0 &&
        v.reportMismatches.length === 0 &&
        v.maxActivityAttempts <= MAX_REASONABLE_ATTEMPTS &&
        v.secretsInHistory === 0 &&
        v.secretsInLogs === 0;
      return v;
    };

    const phaseVerdicts = options.phases.map((phase) => {
      const rows = perMigration.filter((r) => r.c.phase === phase);
      return verdictOf(phase, rows, chaosTally.get(phase)!, duplicatesFor(rows.map((r) => r.c), tasks, markers), 0);
    });
    const sum = (k: 'kills' | 'server' | 'emulator' | 'faults') => [...chaosTally.values()].reduce((a, t) => a + t[k], 0);
    const overall = verdictOf(
      'overall',
      perMigration,
      { kills: sum('kills'), server: sum('server'), emulator: sum('emulator'), faults: sum('faults'), wall: round((Date.now() - started) / 1000, 1) },
      duplicatesOverall,
      logSecrets,
    );
    overall.unexpectedWorkerExits = unexpectedExits;
    const { log: _log, ...recorded } = options;
    return { options: recorded, phases: phaseVerdicts, overall, apiCalls, events, historiesCheckedWithCli: cliSample.size };
  } finally {
    closing = true;
    await env.close();
  }
}

/** Duplicate OMS tasks among the tasks of `migrations`: tasks sharing the marker of one of their tasks. */
function duplicatesFor(
  migrations: Closed[],
  tasks: Awaited<ReturnType<typeof listAllTasks>>,
  markers: Map<string, number>,
): number {
  const ids = new Set(migrations.map((m) => m.result.report?.task_id).filter((id): id is number => id != null));
  let dups = 0;
  for (const t of tasks) {
    if (!ids.has(t.id)) continue;
    for (const word of (t.description ?? '').split(/\s+/)) dups += Math.max(0, (markers.get(word) ?? 1) - 1);
  }
  return dups;
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

/** Retries `fn` on errors (servers restart during the soak) until `deadline`. */
async function retrying<T>(fn: () => Promise<T>, deadline: number, what: string): Promise<T> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (err) {
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

/** Report fields and the ground-truth values they must equal. */
function compareWithTruth(
  id: string,
  report: MigrationReport,
  truth: AdminTaskView | undefined,
): SoakVerdict['reportMismatches'] {
  if (!truth) return [{ id, field: 'task_id', report: report.task_id, truth: 'no such OMS task' }];
  const pairs: [string, unknown, unknown][] = [
    ['status', report.status, truth.status],
    ['total_num', report.total_num, truth.counters.total],
    ['successful_num', report.successful_num, truth.counters.successful],
    ['failed_num', report.failed_num, truth.counters.failed],
    ['skipped_num', report.skipped_num, truth.counters.skipped],
    ['total_size', report.total_size, truth.counters.totalSize],
    ['complete_size', report.complete_size, truth.metrics.completeSize],
    ['real_size', report.real_size, truth.metrics.realSize],
  ];
  return pairs.filter(([, r, t]) => r !== t).map(([field, r, t]) => ({ id, field, report: r, truth: t }));
}

/** Attempts and secrets in one migration's history (payloads decoded as text). */
async function analyseHistory(
  client: Client,
  workflowId: string,
  secrets: string[],
): Promise<{ maxActivityAttempt: number; maxWorkflowTaskAttempt: number; secrets: number }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const E = temporal.api.enums.v1.EventType;
  const names = new Map<string, string>();
  let maxActivityAttempt = 0;
  let maxWorkflowTaskAttempt = 0;
  for (const e of history.events ?? []) {
    if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      names.set(String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
    } else if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes;
      const name = names.get(String(a?.scheduledEventId));
      // Poll attempts are the cadence (one ShowTask per attempt), not retries of a failing call.
      if (name !== 'pollMigrationTask') maxActivityAttempt = Math.max(maxActivityAttempt, a?.attempt ?? 0);
    } else if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) {
      maxWorkflowTaskAttempt = Math.max(maxWorkflowTaskAttempt, e.workflowTaskScheduledEventAttributes?.attempt ?? 0);
    }
  }
  const text = historyText(history);
  return { maxActivityAttempt, maxWorkflowTaskAttempt, secrets: secrets.filter((s) => text.includes(s)).length };
}

/** A history as JSON with every byte field (payload data) decoded as UTF-8 text, so secrets are greppable. */
export function historyText(history: unknown): string {
  return JSON.stringify(history, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (isBufferJson(value)) return Buffer.from(value.data).toString('utf8');
    return value;
  });
}

function isBufferJson(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  );
}

/** Secrets found in the run's log files (worker logs, dev server log). */
function countSecretsInLogs(dir: string, secrets: string[]): number {
  let found = 0;
  for (const file of fs.readdirSync(dir)) {
    if (!file.endsWith('.log')) continue;
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    found += secrets.filter((s) => text.includes(s)).length;
  }
  return found;
}
