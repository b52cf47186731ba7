/**
 * The soak's core-promise phases (docs/guarantees.md), each a set of hooks bench/lib/soak.ts runs like its other
 * phases: per-migration orchestration options, set-up, background chaos, a per-migration driver (start, control,
 * reset, result), a check after the last migration ended, and a judgement from ground truth.
 *
 * - `late-create`: CreateTask requests OMS processes after the client gave up (emulator fault `late-apply`, worker
 *   HTTP timeout 1 s): one task per migration remains in service, every other is in `duplicates_removed`.
 * - `reset`: `temporal workflow reset` of running and of finished migrations, to the first or the last workflow
 *   task or to a random WorkflowTaskCompleted event: the reset run keeps the task, no second task is ever created.
 * - `credentials`: the worker restarted with a wrong IAM password (tokens revoked) while migrations run; they show
 *   `blocked: credentials rejected` and do not fail; restarted with the right one, they complete.
 * - `updates`: bandwidth changes, duplicated pauses, three concurrent resumes (exactly one accepted) and one more
 *   resume, with the region limiter on; no migration stays open after its task is final, no slot stays held.
 * - `deadline-race`: deadlines around the transfer time, half with a poll interval longer than the deadline: each
 *   ends succeeded or DeadlineExceeded, never before its deadline unless the task was final, task id in the report.
 *
 * Every driver waits for results with a watchdog: a migration whose workflow task keeps failing (e.g. a
 * nondeterminism error), or (where it applies) that stays open a minute after its task became final, is recorded
 * as stuck with the reason and terminated, instead of hanging the soak.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { temporal } from '@temporalio/proto';

import { MigrationControlError, type MigrationClient, type MigrationResult } from '../../client/migration-client';
import type { RequestLogEntry } from '../../emulator';
import { limiterStatusQuery, progressQuery } from '../../workflows/definitions';
import { FailureType } from '../../workflows/failure-types';
import { limiterWorkflowId } from '../../workflows/shared/region-limiter-logic';
import { OMS_TASK_ID } from '../../workflows/search-attributes';
import type { MigrationProgress } from '../../workflows/report-types';
import type { BandwidthWindow, OrchestrationOptions } from '../../workflows/request-types';
import type { BenchEnv } from './env';
import { delay } from './pool';
import { round } from './proc';
import { MIB, REGION } from './requests';

const run = promisify(execFile);

/** The core-promise phases, in the order the soak runs them by default. */
export const CORE_PHASES = ['late-create', 'reset', 'credentials', 'updates', 'deadline-race'] as const;
export type CorePhaseName = (typeof CORE_PHASES)[number];
export const isCorePhase = (phase: string): phase is CorePhaseName =>
  (CORE_PHASES as readonly string[]).includes(phase);

/** Whether a tenth of a phase's migrations copy `demo-failures` (status 4): not in deadline races, whose tasks
 * must be able to succeed (their only way to fail is the deadline). */
export const plansFailing = (phase: string): boolean => phase !== 'deadline-race';

/** The failure type of a result the watchdog gave up waiting for. */
export const STUCK = 'SoakStuck';

/** Worker HTTP timeout in the late-create phase, and how long the emulator holds a create before applying it. */
const LATE_CREATE_HTTP_TIMEOUT_SECONDS = 1;
const LATE_APPLY_MS = 3_000;
/** Region limiter cap of the updates phase (below the phase's concurrency, so resumes queue for slots). */
const UPDATES_MAX_RUNNING = 10;
/** Deadlines of the deadline-race phase, as fractions of the transfer time. */
const DEADLINE_FACTORS = [0.6, 0.8, 1.0, 1.1, 1.2, 1.4, 1.7];

/** One planned migration. */
export interface PlannedMigration {
  id: string;
  phase: string;
  index: number;
  failing: boolean;
}

/** What the soak lends a phase. */
export interface PhaseRuntime {
  env: BenchEnv;
  migrations: MigrationClient;
  taskQueue: string;
  /** The Temporal CLI (resets). */
  cliPath: string;
  transferSeconds: number;
  /** How long the worker keeps the wrong password (at least until every running migration shows blocked). */
  credentialsOutageSeconds: number;
  /** The wrong IAM password of the credentials phase (checked for leaks like the real secrets). */
  wrongPassword: string;
  /** Epoch ms at which the whole soak gives up. */
  deadline: number;
  note(what: string): void;
  /**
   * Replaces the worker by one whose environment has `extraEnv` over the normal one: SIGKILL (`kill`) or SIGTERM
   * (`stop`) first, then `beforeStart`, then the new worker (resolves when it polls).
   */
  replaceWorker(
    extraEnv: Record<string, string>,
    how: 'kill' | 'stop',
    beforeStart?: () => Promise<void>,
  ): Promise<void>;
  /** Adds the emulator's counters to the run's totals and empties its request log (a phase reads its own). */
  clearRequestLog(): Promise<void>;
}

/** A phase's figures (name → value) and its broken promises (one line each; any fails the phase). */
export interface PhaseFindings {
  figures: Record<string, number>;
  violations: string[];
}

/** A closed migration with its ground truth, for {@link CorePhase.judge}. */
export interface JudgedMigration {
  m: PlannedMigration;
  result: MigrationResult;
  /** Tasks that carry its marker in ListTasks after the soak. */
  markerTasks: number;
}

/** The hooks of a core-promise phase. */
export interface CorePhase {
  /** Orchestration options over the soak's defaults. */
  orchestration(m: PlannedMigration): OrchestrationOptions;
  /** Whether the region limiter is on for its object migrations. */
  limiter: boolean;
  /** Most migrations started at once. */
  concurrency(count: number, soakConcurrency: number): number;
  setup(): Promise<void>;
  /** Runs alongside the migrations. */
  chaos(): Promise<void>;
  /** Drives one migration from start to result. */
  drive(m: PlannedMigration, start: () => Promise<void>): Promise<MigrationResult>;
  /** Whether a result is what the phase expects. */
  expected(m: PlannedMigration, result: MigrationResult): boolean;
  /** After the phase's last migration ended. */
  finish(): Promise<void>;
  /** After the soak's ground truth is read. */
  judge(rows: JudgedMigration[]): void;
  findings: PhaseFindings;
  /** Worker SIGKILLs and fault rules, for the verdict's chaos columns. */
  kills: number;
  faults: number;
}

/** The hooks of a core-promise phase over the migrations `slice`. */
export function corePhase(name: CorePhaseName, rt: PhaseRuntime, slice: PlannedMigration[]): CorePhase {
  const findings: PhaseFindings = { figures: {}, violations: [] };
  const base: CorePhase = {
    orchestration: () => ({}),
    limiter: false,
    concurrency: (_count, soakConcurrency) => soakConcurrency,
    setup: () => Promise.resolve(),
    chaos: () => Promise.resolve(),
    drive: async (m, start) => {
      await start();
      return resultOf(rt, m.id, {});
    },
    expected: (m, r) => r.report !== undefined && r.outcome === (m.failing ? 'completed_with_failures' : 'succeeded'),
    finish: () => Promise.resolve(),
    judge: () => undefined,
    findings,
    kills: 0,
    faults: 0,
  };
  switch (name) {
    case 'late-create':
      return lateCreate(base, rt);
    case 'reset':
      return resets(base, rt);
    case 'credentials':
      return credentials(base, rt, slice);
    case 'updates':
      return updates(base, rt, slice);
    case 'deadline-race':
      return deadlineRace(base, rt);
  }
}

function bump(findings: PhaseFindings, figure: string, by = 1): void {
  findings.figures[figure] = (findings.figures[figure] ?? 0) + by;
}

// --- late-create ---

function lateCreate(phase: CorePhase, rt: PhaseRuntime): CorePhase {
  const { findings } = phase;
  let createdTasks = 0;
  phase.setup = async () => {
    await rt.replaceWorker({ OMS_HTTP_TIMEOUT_SECONDS: String(LATE_CREATE_HTTP_TIMEOUT_SECONDS) }, 'stop');
    rt.note(
      `worker HTTP timeout ${LATE_CREATE_HTTP_TIMEOUT_SECONDS} s; creates held ${LATE_APPLY_MS} ms: the first, then half`,
    );
    await rt.clearRequestLog();
    // The phase's first create for certain (so even a small run has one), then half of them.
    await rt.env.emulator.admin.addFaults(
      { route: 'CreateTask', kind: 'late-apply', latencyMs: LATE_APPLY_MS, times: 1 },
      { route: 'CreateTask', kind: 'late-apply', latencyMs: LATE_APPLY_MS, rate: 0.5 },
    );
    phase.faults += 2;
  };
  phase.drive = async (m, start) => {
    await start();
    return resultOf(rt, m.id, { runningAfterFinalMs: 60_000 });
  };
  phase.finish = async () => {
    const creates = await rt.env.emulator.admin.requests({ route: 'CreateTask' });
    const late = (e: RequestLogEntry) => e.faults.includes('late-apply');
    // A create applied after its client left has no status (the answer was dropped): it made a task all the same.
    const made = (e: RequestLogEntry) => e.errorCode === null && (e.status === null ? late(e) : e.status < 300);
    createdTasks = creates.filter(made).length;
    findings.figures['CreateTask calls'] = creates.length;
    findings.figures['creates applied after the client gave up'] = creates.filter(
      (e) => late(e) && made(e) && e.status === null,
    ).length;
    findings.figures['tasks created'] = createdTasks;
    await rt.replaceWorker({}, 'stop');
  };
  phase.judge = (rows) => {
    const removed = rows.reduce((a, r) => a + (r.result.report?.duplicates_removed?.length ?? 0), 0);
    const withTask = rows.filter((r) => r.result.report?.task_id != null).length;
    findings.figures['migrations that removed a duplicate'] = rows.filter(
      (r) => r.result.report?.duplicates_removed?.length,
    ).length;
    if (createdTasks - withTask !== removed) {
      findings.violations.push(
        `${createdTasks} tasks created for ${withTask} migrations, but ${removed} duplicates reported removed`,
      );
    }
  };
  return phase;
}

// --- reset ---

interface ResetMode {
  when: 'running' | 'finished';
  to: 'first' | 'last' | 'after-create' | 'any';
}

/**
 * Per migration index (mod 5): when it is reset, and to where — the first workflow task (`--type
 * FirstWorkflowTask`), the latest one (`--type LastWorkflowTask`), or a random WorkflowTaskCompleted event
 * (`--event-id`): any, or one after the create completed.
 */
const RESET_MODES: ResetMode[] = [
  { when: 'running', to: 'first' },
  { when: 'running', to: 'last' },
  { when: 'finished', to: 'first' },
  { when: 'finished', to: 'any' },
  { when: 'running', to: 'after-create' },
];

function resets(phase: CorePhase, rt: PhaseRuntime): CorePhase {
  const { findings } = phase;
  const watch: Watch = { runningAfterFinalMs: 60_000 };
  phase.setup = () => rt.clearRequestLog();
  phase.drive = async (m, start) => {
    await start();
    const mode = RESET_MODES[m.index % RESET_MODES.length]!;
    let before: number | null | undefined;
    if (mode.when === 'running') {
      const p = await waitForProgress(rt, m.id, (x) => x.task_id !== undefined && x.snapshot?.status === 2, 120_000);
      if (!p) {
        bump(findings, 'not reset (ended before it was seen executing)');
        return resultOf(rt, m.id, watch);
      }
      before = p.task_id;
    } else {
      const first = await resultOf(rt, m.id, watch);
      if (first.failure?.type === STUCK) return first;
      before = first.report?.task_id;
    }
    let point: string;
    try {
      point = await resetMigration(rt, m.id, mode.to);
    } catch (err) {
      findings.violations.push(`${m.id}: reset refused: ${String(err).slice(0, 300)}`);
      return resultOf(rt, m.id, watch);
    }
    const label = `reset ${mode.when} to ${point}`;
    bump(findings, label);
    const after = await resultOf(rt, m.id, watch);
    if (after.failure?.type === STUCK) bump(findings, `stuck after a ${label}`);
    else if (before != null && after.report && after.report.task_id !== before) {
      findings.violations.push(`${m.id}: task ${before} before the reset, ${after.report.task_id} after`);
    }
    return after;
  };
  let creates = 0;
  phase.finish = async () => {
    creates = (await rt.env.emulator.admin.requests({ route: 'CreateTask' })).length;
    findings.figures['CreateTask calls'] = creates;
  };
  phase.judge = (rows) => {
    if (creates > rows.length)
      findings.violations.push(`CreateTask called ${creates} times for ${rows.length} migrations`);
    for (const r of rows) {
      if (r.markerTasks > 1) findings.violations.push(`${r.m.id}: ${r.markerTasks} tasks carry its marker`);
      const removed = r.result.report?.duplicates_removed ?? [];
      if (removed.length > 0)
        findings.violations.push(
          `${r.m.id}: a second task was created (removed: ${removed.map((d) => d.task_id).join(', ')})`,
        );
    }
  };
  return phase;
}

/**
 * Resets the migration's current run with the Temporal CLI: to the first or the last workflow task, or to a random
 * WorkflowTaskCompleted event (`after-create`: one after the create's completion). Returns where it reset to.
 */
async function resetMigration(rt: PhaseRuntime, id: string, to: ResetMode['to']): Promise<string> {
  const args = ['workflow', 'reset', '--address', rt.env.address, '--namespace', rt.env.namespace, '-w', id];
  args.push('--reason', 'soak: reset');
  let point = 'the first workflow task';
  if (to === 'first') args.push('--type', 'FirstWorkflowTask');
  else if (to === 'last') {
    args.push('--type', 'LastWorkflowTask');
    point = 'the last workflow task';
  } else {
    const events = (await rt.migrations.handle(id).fetchHistory()).events ?? [];
    const names = new Map<number, string>();
    let createDone: number | undefined;
    const completed: number[] = [];
    for (const e of events) {
      const eventId = Number(e.eventId);
      if (e.activityTaskScheduledEventAttributes) {
        names.set(eventId, e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
      }
      const done = e.activityTaskCompletedEventAttributes;
      if (done && names.get(Number(done.scheduledEventId)) === 'createMigrationTask') createDone = eventId;
      if (e.workflowTaskCompletedEventAttributes) completed.push(eventId);
    }
    const candidates =
      to === 'after-create' ? completed.filter((e) => createDone !== undefined && e > createDone) : completed;
    const eventId = candidates[Math.floor(Math.random() * candidates.length)];
    if (eventId === undefined) args.push('--type', 'FirstWorkflowTask');
    else {
      args.push('--event-id', String(eventId));
      point =
        createDone !== undefined && eventId > createDone
          ? 'a workflow task after the create'
          : 'a workflow task before the create completed';
    }
  }
  await run(rt.cliPath, args, { maxBuffer: 16 * MIB });
  return point;
}

// --- credentials ---

function credentials(phase: CorePhase, rt: PhaseRuntime, slice: PlannedMigration[]): CorePhase {
  const { findings } = phase;
  const ids = slice.map((m) => m.id);
  // All at once: the password turns wrong only after every task exists (before that, refused credentials end a
  // migration at once, by design: nothing exists yet), and it must find them running.
  phase.concurrency = (count) => count;
  phase.chaos = async () => {
    const created = await waitForAll(
      ids,
      async (id) => {
        const p = await progressOf(rt, id);
        return p !== undefined && (p.task_id !== undefined || ENDED.has(p.phase));
      },
      180_000,
    );
    if (!created) findings.violations.push('not every migration had its task within 180 s');
    await rt.replaceWorker({ OMS_PROFILE_DEFAULT_IAM_PASSWORD: rt.wrongPassword }, 'kill', () =>
      rt.env.emulator.admin.revokeTokens(),
    );
    phase.kills += 1;
    const since = Date.now();
    rt.note('worker SIGKILLed, tokens revoked, worker started with a wrong IAM password');
    const seen = new Set<string>();
    const look = async () => {
      let running = 0;
      let blocked = 0;
      for (const id of ids) {
        const d = await rt.migrations
          .handle(id)
          .describe()
          .catch(() => undefined);
        if (d?.status.name !== 'RUNNING') continue;
        running += 1;
        if ((await progressOf(rt, id))?.blocked === 'credentials rejected') {
          blocked += 1;
          seen.add(id);
        }
      }
      return { running, blocked };
    };
    let now = await look();
    findings.figures['running when the password went wrong'] = now.running;
    const until = Date.now() + 120_000;
    while (now.blocked < now.running && Date.now() < until) {
      await delay(1_000);
      now = await look();
    }
    const left = rt.credentialsOutageSeconds * 1000 - (Date.now() - since);
    if (left > 0) await delay(left);
    now = await look();
    findings.figures['seen blocked'] = seen.size;
    findings.figures['running at the end of the outage'] = now.running;
    findings.figures['blocked at the end of the outage'] = now.blocked;
    findings.figures['outage s'] = round((Date.now() - since) / 1000, 1);
    if (now.blocked < now.running) {
      findings.violations.push(`${now.running - now.blocked} running migration(s) not shown blocked after the outage`);
    }
    if (seen.size === 0) findings.violations.push('no migration was seen blocked (the outage found none running)');
    await rt.replaceWorker({}, 'kill');
    phase.kills += 1;
    rt.note(`${seen.size} migration(s) seen blocked; worker SIGKILLed and started with the right password`);
  };
  return phase;
}

// --- updates ---

function updates(phase: CorePhase, rt: PhaseRuntime, slice: PlannedMigration[]): CorePhase {
  const { findings } = phase;
  const mc = rt.migrations;
  phase.limiter = true;
  phase.orchestration = () => ({ max_running_per_region: UPDATES_MAX_RUNNING });
  const policy = (mib: number): BandwidthWindow[] => [{ start: '00:00', end: '23:59', max_bandwidth: mib * MIB }];
  /** Tallies settled control calls; a refusal must be a MigrationControlError. Returns how many were accepted. */
  const tally = (id: string, what: string, settled: PromiseSettledResult<unknown>[]): number => {
    const accepted = settled.filter((s) => s.status === 'fulfilled').length;
    bump(findings, `${what} accepted`, accepted);
    bump(findings, `${what} refused`, settled.length - accepted);
    for (const s of settled) {
      if (s.status === 'rejected' && !(s.reason instanceof MigrationControlError)) {
        findings.violations.push(`${id}: ${what} failed with ${String(s.reason).slice(0, 200)} (not a refusal)`);
      }
    }
    return accepted;
  };
  const control = async (id: string): Promise<void> => {
    tally(
      id,
      'bandwidth changes',
      await Promise.allSettled([mc.setBandwidth(id, policy(2)), mc.setBandwidth(id, policy(3))]),
    );
    const pauses = tally(id, 'pauses', await Promise.allSettled([mc.pause(id), mc.pause(id)]));
    if (pauses > 1) findings.violations.push(`${id}: two concurrent pauses were both accepted`);
    if (pauses === 0) return; // the task had finished (or was not migrating): nothing to resume
    if (!(await waitForProgress(rt, id, (p) => p.paused, 60_000))) {
      findings.violations.push(`${id}: a pause was accepted but the migration never showed paused`);
      // Do not leave it paused for ever (the soak would wait for it): resume it, else cancel it.
      await mc.resume(id).catch(() => mc.cancel(id).catch(() => undefined));
      return;
    }
    const resumes = tally(id, 'concurrent resumes', await Promise.allSettled([1, 2, 3].map(() => mc.resume(id))));
    if (resumes !== 1) findings.violations.push(`${id}: ${resumes} of 3 concurrent resumes accepted`);
    if (resumes === 0) {
      // Left paused it would never end: resume it one call at a time (already a violation), else cancel it.
      let resumed = false;
      for (let i = 0; !resumed && i < 5; i++) {
        resumed = await mc.resume(id).then(
          () => true,
          () => false,
        );
        if (!resumed) await delay(2_000);
      }
      if (!resumed) await mc.cancel(id);
    }
    if (tally(id, 'later resumes', await Promise.allSettled([mc.resume(id)])) > 0) {
      findings.violations.push(`${id}: a resume of a migration that was not paused was accepted`);
    }
    tally(id, 'bandwidth changes', await Promise.allSettled([mc.setBandwidth(id, policy(1))]));
  };
  phase.drive = async (m, start) => {
    await start();
    const executing = await waitForProgress(rt, m.id, (p) => p.snapshot?.status === 2 && !p.paused, 300_000);
    if (executing) await control(m.id);
    else bump(findings, 'ended before it was seen executing');
    return resultOf(rt, m.id, { runningAfterFinalMs: 60_000 });
  };
  phase.finish = async () => {
    const mine = new Set(slice.map((m) => m.id));
    const limiter = rt.env.client.workflow.getHandle(limiterWorkflowId(REGION, rt.taskQueue));
    let held = 0;
    let reclaimed = 0;
    // The last release is a signal: give the limiter a moment to process it.
    for (const until = Date.now() + 30_000; ;) {
      const status = await limiter.query(limiterStatusQuery).catch(() => undefined);
      if (!status && (await limiter.describe().catch(() => undefined))?.status.name === 'RUNNING') {
        findings.violations.push('the region limiter runs but does not answer its status query');
        break;
      }
      held = status ? [...status.holders, ...status.waiters].filter((h) => mine.has(h.holder_id)).length : 0;
      reclaimed = status?.reclaimed ?? 0;
      if (held === 0 || Date.now() > until) break;
      await delay(1_000);
    }
    findings.figures['limiter slots held or queued for ended migrations'] = held;
    findings.figures['limiter slots reclaimed from ended holders'] = reclaimed;
    if (held > 0)
      findings.violations.push(`the region limiter still holds or queues ${held} slot(s) of ended migrations`);
  };
  return phase;
}

// --- deadline-race ---

function deadlineRace(phase: CorePhase, rt: PhaseRuntime): CorePhase {
  const { findings } = phase;
  phase.orchestration = (m) => {
    const deadline = Math.max(1, round(rt.transferSeconds * DEADLINE_FACTORS[m.index % DEADLINE_FACTORS.length]!, 1));
    // Every other one polls less often than its deadline: only the final poll at the deadline sees the task.
    const slow =
      m.index % 2 === 0 ? { poll_interval_seconds: 2 * deadline, min_poll_interval_seconds: 2 * deadline } : {};
    return { deadline_seconds: deadline, ...slow };
  };
  phase.expected = (_m, r) =>
    r.report !== undefined && (r.outcome === 'succeeded' || r.failure?.type === FailureType.DeadlineExceeded);
  phase.drive = async (m, start) => {
    await start();
    const r = await resultOf(rt, m.id, { runningAfterFinalMs: 60_000 });
    if (r.failure?.type === STUCK) return r;
    const d = await rt.migrations.handle(m.id).describe();
    const ranMs = (d.closeTime?.getTime() ?? Date.now()) - d.startTime.getTime();
    const deadlineMs = phase.orchestration(m).deadline_seconds! * 1000;
    if (r.failure?.type === FailureType.DeadlineExceeded) {
      bump(findings, 'ended DeadlineExceeded');
      if (ranMs < deadlineMs)
        findings.violations.push(`${m.id}: DeadlineExceeded after ${ranMs} ms, before its deadline (${deadlineMs} ms)`);
      const late = round((ranMs - deadlineMs) / 1000, 1);
      findings.figures['latest close after the deadline s'] = Math.max(
        findings.figures['latest close after the deadline s'] ?? 0,
        late,
      );
    } else if (r.outcome === 'succeeded') bump(findings, 'succeeded');
    if (r.report && r.report.task_id == null) findings.violations.push(`${m.id}: the report names no task`);
    return r;
  };
  return phase;
}

// --- waiting ---

const ENDED = new Set<MigrationProgress['phase']>(['finalizing', 'done', 'cancelled', 'deadline_exceeded']);

async function progressOf(rt: PhaseRuntime, id: string): Promise<MigrationProgress | undefined> {
  return rt.migrations
    .handle(id)
    .query(progressQuery)
    .catch(() => undefined);
}

/** Polls the progress query until `predicate` holds (the progress), the migration ends or the time is up. */
async function waitForProgress(
  rt: PhaseRuntime,
  id: string,
  predicate: (p: MigrationProgress) => boolean | undefined,
  timeoutMs: number,
): Promise<MigrationProgress | undefined> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await delay(1_000)) {
    const p = await progressOf(rt, id);
    if (p && predicate(p)) return p;
    if (p && ENDED.has(p.phase)) return undefined;
  }
  return undefined;
}

/** Polls until `check` holds for every id (true) or the time is up (false). */
async function waitForAll(ids: string[], check: (id: string) => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const pending = new Set(ids);
  for (const until = Date.now() + timeoutMs; Date.now() < until; await delay(1_000)) {
    for (const id of [...pending]) if (await check(id)) pending.delete(id);
    if (pending.size === 0) return true;
  }
  return false;
}

interface Watch {
  /** Give up on a migration still open this long after its task became final (4 or 5). */
  runningAfterFinalMs?: number;
}

/**
 * The migration's result (its latest run), or a {@link STUCK} result when the watchdog finds it cannot end: its
 * workflow task keeps failing, or it stays open past `watch.runningAfterFinalMs` after its task became final.
 */
export async function resultOf(rt: PhaseRuntime, id: string, watch: Watch): Promise<MigrationResult> {
  let abandoned = false;
  const done = (async (): Promise<MigrationResult | undefined> => {
    while (!abandoned && Date.now() < rt.deadline) {
      try {
        return await rt.migrations.result(id);
      } catch {
        await delay(1_000);
      }
    }
    return undefined;
  })();
  const since: { final?: number } = {};
  for (;;) {
    const r = await Promise.race([done, delay(3_000).then(() => undefined)]);
    if (r) return r;
    if (Date.now() >= rt.deadline) throw new Error(`soak timed out: result of ${id}`);
    const stuck = await stuckReason(rt, id, watch, since).catch(() => undefined);
    if (stuck) {
      abandoned = true;
      rt.note(`${id} stuck: ${stuck}`);
      // It would not end on its own: terminate it, so its failing workflow tasks stop loading the next phases.
      await rt.migrations
        .handle(id)
        .terminate(`soak: stuck: ${stuck.slice(0, 200)}`)
        .catch(() => undefined);
      return { outcome: 'error', failure: { type: STUCK, message: stuck } };
    }
  }
}

async function stuckReason(
  rt: PhaseRuntime,
  id: string,
  watch: Watch,
  since: { final?: number },
): Promise<string | undefined> {
  const handle = rt.migrations.handle(id);
  const d = await handle.describe();
  if (d.status.name !== 'RUNNING') return undefined;
  const attempt = d.raw.pendingWorkflowTask?.attempt ?? 0;
  if (attempt >= 3) {
    const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;
    const failures = ((await handle.fetchHistory()).events ?? [])
      .map((e) => e.workflowTaskFailedEventAttributes)
      .filter((a) => a && a.cause !== Cause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW);
    const last = failures[failures.length - 1];
    if (last) return `workflow task failing (attempt ${attempt}): ${(last.failure?.message ?? '').slice(0, 300)}`;
  }
  const taskId = d.typedSearchAttributes.get(OMS_TASK_ID);
  if (watch.runningAfterFinalMs === undefined || taskId === undefined) return undefined;
  const task = await rt.env.emulator.admin.task(taskId).catch(() => undefined);
  if (task?.status !== 4 && task?.status !== 5) {
    since.final = undefined;
    return undefined;
  }
  since.final ??= Date.now();
  const open = Date.now() - since.final;
  return open > watch.runningAfterFinalMs
    ? `still RUNNING ${round(open / 1000, 0)} s after its task ${taskId} became final (status ${task.status})`
    : undefined;
}
