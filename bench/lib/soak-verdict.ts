/**
 * The soak's verdict: ground truth read once every phase has ended (no faults any more), one row per migration,
 * and the verdict of a phase (or of the whole run) from its rows. Comparison rules: bench/lib/soak-truth.ts.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { idempotencyMarker } from '../../activities/build-create-request';
import type { TaskResp } from '../../activities/oms/wire-types';
import type { MigrationResult } from '../../client/migration-client';
import type { AdminTaskView } from '../../emulator';
import type { BenchEnv } from './env';
import { benchContext, listAllTasks } from './oms';
import { mapLimited } from './pool';
import { MIB } from './requests';
import type { PhaseFindings, PlannedMigration } from './soak-phases';
import {
  analyseHistory,
  compareWithTruth,
  duplicatesOf,
  isLive,
  markersOf,
  tasksByMarker,
  type Mismatch,
} from './soak-truth';

const run = promisify(execFile);

/** Attempts above this for a non-poll activity count as unbounded retrying. */
export const MAX_REASONABLE_ATTEMPTS = 30;

/** The verdict of one phase (or of the whole run). */
export interface SoakVerdict {
  phase: string;
  expected: number;
  completed: number;
  /** Migrations that closed with an outcome other than the expected one (or got stuck), with why. */
  unexpected: { id: string; outcome: string; failure?: string }[];
  /** Live duplicate OMS tasks (status 1, 2 or 6): the failure criterion. */
  duplicateTasks: number;
  /** Duplicates the migrations took out of service (their reports' `duplicates_removed`). */
  duplicatesRemoved: number;
  /** Duplicates still listed but not live (stopped, not yet deleted). */
  duplicatesLeft: number;
  reportMismatches: Mismatch[];
  /** Ended migrations whose own task is still live. */
  tasksLeftLive: number;
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
  /** What a core-promise phase measured (name → value). */
  figures: Record<string, number>;
  /** Promises a core-promise phase found broken, one line each. */
  violations: string[];
  pass: boolean;
}

/** Chaos a phase (or the run) went through, and its wall time. */
export interface ChaosTally {
  kills: number;
  server: number;
  emulator: number;
  faults: number;
  wall: number;
}

/** A migration the soak drove to its end. */
export interface ClosedMigration extends PlannedMigration {
  result: MigrationResult;
}

/** One migration against the ground truth. */
export interface MigrationTruth {
  c: ClosedMigration;
  analysis: Awaited<ReturnType<typeof analyseHistory>>;
  /** Its idempotency marker, derived as the product derives it (namespace / workflow id / first run id). */
  marker: string;
  /** Tasks carrying the marker in ListTasks. */
  markerTasks: number;
  duplicates: { live: number; left: number };
  removed: number;
  /** 1 when its own task is still live although it ended. */
  liveLeft: number;
  mismatches: Mismatch[];
  /** Ended as expected, with a report. */
  ok: boolean;
}

/**
 * Reads the ground truth (ListTasks, the emulator's task records, every history; a sample also through `temporal
 * workflow show -o json`) and compares each migration with it.
 */
export async function readGroundTruth(args: {
  env: BenchEnv;
  cliPath: string;
  closed: ClosedMigration[];
  secrets: string[];
  cliHistorySample: number;
  expected: (c: ClosedMigration) => boolean;
}): Promise<{ rows: MigrationTruth[]; orphans: TaskResp[]; cliChecked: number }> {
  const { env, closed, secrets } = args;
  const tasks = await listAllTasks(benchContext(env.emulator));
  const byMarker = tasksByMarker(tasks);
  const truthById = new Map<number, AdminTaskView>((await env.emulator.admin.tasks()).tasks.map((t) => [t.id, t]));
  const every = Math.max(1, Math.floor(closed.length / args.cliHistorySample));
  const cliSample = new Set(
    closed
      .map((c) => c.id)
      .filter((_, i) => i % every === 0)
      .slice(0, args.cliHistorySample),
  );
  const rows = await mapLimited(closed, 10, async (c): Promise<MigrationTruth> => {
    const analysis = await analyseHistory(env.client, c.id, secrets);
    if (cliSample.has(c.id)) {
      const { stdout } = await run(
        args.cliPath,
        ['workflow', 'show', '--address', env.address, '--namespace', env.namespace, '-w', c.id, '-o', 'json'],
        { maxBuffer: 64 * MIB },
      );
      analysis.secrets += secrets.filter((s) => stdout.includes(s)).length;
    }
    const described = await env.client.workflow.getHandle(c.id).describe();
    const firstRunId = described.raw.workflowExecutionInfo?.firstRunId || described.runId;
    const marker = idempotencyMarker(`${env.namespace}/${c.id}/${firstRunId}`);
    const report = c.result.report;
    const own = report?.task_id;
    const ownTruth = own != null ? truthById.get(own) : undefined;
    return {
      c,
      analysis,
      marker,
      markerTasks: byMarker.get(marker)?.length ?? 0,
      duplicates: duplicatesOf(marker, own, byMarker),
      removed: report?.duplicates_removed?.length ?? 0,
      liveLeft: ownTruth !== undefined && isLive(ownTruth.status) ? 1 : 0,
      mismatches: report ? compareWithTruth(c.id, report, ownTruth) : [],
      ok: args.expected(c),
    };
  });
  // Tasks that carry no migration's marker are duplicates too (of nobody's).
  const known = new Set(rows.map((r) => r.marker));
  const orphans = tasks.filter((t) => !markersOf(t).some((m) => known.has(m)));
  return { rows, orphans, cliChecked: cliSample.size };
}

/** The verdict over `rows` (a phase, or every migration with `orphans` for the whole run). */
export function verdictOf(
  name: string,
  rows: MigrationTruth[],
  chaos: ChaosTally,
  extra: { logs: number; orphans?: TaskResp[]; findings?: PhaseFindings; violations?: string[] },
): SoakVerdict {
  const sum = (f: (r: MigrationTruth) => number) => rows.reduce((a, r) => a + f(r), 0);
  const orphans = extra.orphans ?? [];
  const orphansLive = orphans.filter((t) => isLive(t.status)).length;
  const v: SoakVerdict = {
    phase: name,
    expected: rows.length,
    completed: rows.filter((r) => r.ok).length,
    unexpected: rows
      .filter((r) => !r.ok)
      .map((r) => ({ id: r.c.id, outcome: r.c.result.outcome, failure: r.c.result.failure?.message.slice(0, 300) })),
    duplicateTasks: sum((r) => r.duplicates.live) + orphansLive,
    duplicatesRemoved: sum((r) => r.removed),
    duplicatesLeft: sum((r) => r.duplicates.left) + orphans.length - orphansLive,
    reportMismatches: rows.flatMap((r) => r.mismatches),
    tasksLeftLive: sum((r) => r.liveLeft),
    maxActivityAttempts: Math.max(0, ...rows.map((r) => r.analysis.maxActivityAttempt)),
    maxWorkflowTaskAttempts: Math.max(0, ...rows.map((r) => r.analysis.maxWorkflowTaskAttempt)),
    secretsInHistory: sum((r) => r.analysis.secrets),
    secretsInLogs: extra.logs,
    workerKills: chaos.kills,
    unexpectedWorkerExits: 0,
    serverRestarts: chaos.server,
    emulatorRestarts: chaos.emulator,
    faultsInjected: chaos.faults,
    wallSeconds: chaos.wall,
    figures: extra.findings?.figures ?? {},
    violations: extra.violations ?? extra.findings?.violations ?? [],
    pass: false,
  };
  v.pass =
    v.completed === v.expected &&
    v.duplicateTasks === 0 &&
    v.reportMismatches.length === 0 &&
    v.tasksLeftLive === 0 &&
    v.maxActivityAttempts <= MAX_REASONABLE_ATTEMPTS &&
    v.secretsInHistory === 0 &&
    v.secretsInLogs === 0 &&
    v.violations.length === 0;
  return v;
}
