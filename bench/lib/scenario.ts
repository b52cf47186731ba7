/** The contract between the harness (bench/run.ts) and the scenario files (bench/scenarios/*.ts). */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

import type { BucketConfig } from '../../emulator';
import type { Flags } from './args';
import { BenchEnv, type BenchServerKind } from './env';
import { benchEmulatorConfig } from './requests';

/** A measured target (docs/benchmarks.md), and whether this run met it (`null`: not measurable in this run). */
export interface Target {
  name: string;
  target: string;
  measured: string | number | null;
  met: boolean | null;
}

/** What a scenario returns. */
export interface ScenarioOutcome {
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or failed; notes otherwise. */
  message?: string;
  /** The effective parameters (sizes, time scale, cadence, worker limits). */
  params: Record<string, string | number | boolean>;
  /** Measured figures (nested objects allowed; numbers are rounded). */
  metrics: Record<string, unknown>;
  targets: Target[];
}

/** One scenario's record in results JSON. */
export interface ScenarioResult extends ScenarioOutcome {
  scenario: string;
  /** Distinguishes sizes of one scenario, e.g. `capacity n=10000`. */
  key: string;
  startedAt: string;
  wallSeconds: number;
  machine: MachineInfo;
}

/** What a scenario gets from the harness. */
export interface ScenarioContext {
  flags: Flags;
  /** A fresh working directory for this scenario (SQLite file, logs). */
  dir: string;
  log(message: string): void;
  /** Attach to this Temporal frontend instead of starting a dev server (tests). */
  temporalAddress?: string;
  /** The server to start when not attaching (`--server`; default the dev server). */
  server?: BenchServerKind;
}

/**
 * Starts the scenario's environment: the Temporal server it asks for (or the one it attaches to) and an emulator at
 * `timeScale` holding `buckets`. Every scenario starts this way; `BenchEnv.start` is there for other shapes.
 */
export function startScenarioEnv(ctx: ScenarioContext, timeScale: number, buckets: BucketConfig[]): Promise<BenchEnv> {
  return BenchEnv.start({
    dir: ctx.dir,
    temporalAddress: ctx.temporalAddress,
    server: ctx.server,
    emulator: { timeScale, config: benchEmulatorConfig(buckets) },
  });
}

/** A benchmark scenario. */
export interface Scenario {
  name: string;
  title: string;
  /** Default flag values (the full-size run); `--name value` overrides. */
  defaults: Record<string, string | number | boolean>;
  /** The key under which the result is stored (one row per size). */
  key(flags: Flags): string;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

/** The machine a result was measured on. */
export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the scenario started (other processes share the machine). */
  loadAvgAtStart: number;
  /** The checkout measured: HEAD commit, and whether the working tree had uncommitted changes. */
  git: { commit: string; dirty: boolean } | null;
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAvgAtStart: Math.round(os.loadavg()[0]! * 100) / 100,
    git: gitState(),
  };
}

function gitState(): { commit: string; dirty: boolean } | null {
  const cwd = path.resolve(__dirname, '..', '..');
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd }).toString().trim();
    return { commit, dirty: status !== '' };
  } catch {
    return null;
  }
}

/** A target that is met when `ok` holds. */
export function target(name: string, goal: string, measured: string | number | null, ok: boolean | null): Target {
  return { name, target: goal, measured, met: measured === null ? null : ok };
}
