/**
 * `npm run bench -- [--scenario all|capacity|throughput|economy|history|batch|baseline[,…]] [--n N]
 * [--server dev|cluster] [flags]`
 *
 * Runs benchmark scenarios against a real Temporal dev server (a fresh one per scenario: headless, its own SQLite
 * file) — or with `--server cluster` the real temporal-server on PostgreSQL (a fresh one per scenario too) — and the
 * OMS/IAM emulator, with the workers as separate processes, and writes the results to `bench/results/latest.json`
 * and `latest.md` (`--out dir` elsewhere); cluster results are kept beside the dev server's under their own keys
 * (`… server=cluster`). Each scenario's flags and defaults are in its file under bench/scenarios/;
 * docs/benchmarks.md explains what is measured and how.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TEMPORAL_SERVER_VERSION } from '../scripts/lib/temporal-server';
import { Flags } from './lib/args';
import type { BenchServerKind } from './lib/env';
import { saveResults } from './lib/results';
import { machineInfo, type Scenario, type ScenarioResult } from './lib/scenario';
import { baseline } from './scenarios/baseline';
import { batch } from './scenarios/batch';
import { capacity } from './scenarios/capacity';
import { economy } from './scenarios/economy';
import { history } from './scenarios/history';
import { throughput } from './scenarios/throughput';

/** Every scenario, in the order `--scenario all` runs them. */
export const SCENARIOS: readonly Scenario[] = [capacity, throughput, economy, history, batch, baseline];

export const DEFAULT_RESULTS_DIR = path.join(__dirname, 'results');

export interface RunBenchOptions {
  /** Scenario names (or `all`). */
  scenarios: string[];
  /** Flags for the scenarios (each applies its own defaults underneath). */
  flags: Flags;
  /** Where latest.json / latest.md go; undefined = do not write files. */
  outDir?: string;
  /** Attach to this Temporal frontend instead of starting a dev server per scenario. */
  temporalAddress?: string;
  /** The server started per scenario: the dev server (default) or the cluster on PostgreSQL. */
  server?: BenchServerKind;
  /** Keep each scenario's working directory (logs, SQLite) instead of deleting it. */
  keep?: boolean;
  log?: (message: string) => void;
}

/** Runs the scenarios one after another; a failing scenario is recorded as `failed` and the next one runs. */
export async function runBench(options: RunBenchOptions): Promise<ScenarioResult[]> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const wanted = options.scenarios.includes('all') ? SCENARIOS.map((s) => s.name) : options.scenarios;
  const unknown = wanted.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS.filter((s) => wanted.includes(s.name))) {
    const flags = options.flags.forScenario(scenario.name, scenario.defaults);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oms-bench-${scenario.name}-`));
    const startedAt = new Date();
    const machine = machineInfo();
    const server = options.server ?? 'dev';
    // Cluster results get their own key, so they sit beside the dev server's instead of replacing them.
    const key = scenario.key(flags) + (server === 'cluster' ? ' server=cluster' : '');
    log(`[${key}] ${scenario.title} (work dir ${dir})`);
    const base = { scenario: scenario.name, key, startedAt: startedAt.toISOString(), wallSeconds: 0, machine };
    let result: ScenarioResult;
    try {
      const outcome = await scenario.run({
        flags,
        dir,
        temporalAddress: options.temporalAddress,
        server,
        log: (m) => log(`[${key}] ${m}`),
      });
      result = {
        ...base,
        ...outcome,
        params: { ...outcome.params, temporal_server: serverLabel(options, server) },
      };
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`[${key}] FAILED: ${message}`);
      result = {
        ...base,
        status: 'failed',
        message: message.split('\n').slice(0, 5).join('\n'),
        params: flags.toJSON(),
        metrics: {},
        targets: [],
      };
    }
    result.wallSeconds = Math.round((Date.now() - startedAt.getTime()) / 100) / 10;
    const judged = result.targets.filter((t) => t.met !== null);
    log(
      `[${key}] ${result.status} in ${result.wallSeconds} s; targets met ${judged.filter((t) => t.met).length}/${judged.length}` +
        (result.status === 'skipped' ? `: ${result.message ?? ''}` : ''),
    );
    results.push(result);
    if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
  if (options.outDir) saveResults(options.outDir, results);
  return results;
}

/** What the results say about the server measured. */
function serverLabel(options: RunBenchOptions, server: BenchServerKind): string {
  if (options.temporalAddress) return `attached to ${options.temporalAddress}`;
  return server === 'cluster'
    ? `temporal-server ${TEMPORAL_SERVER_VERSION} on PostgreSQL (npm run temporal:cluster)`
    : 'Temporal CLI dev server on SQLite';
}

async function main(): Promise<void> {
  const flags = Flags.parse(process.argv.slice(2));
  if (flags.bool('help')) {
    process.stdout.write(
      `Usage: npm run bench -- [--scenario all|${SCENARIOS.map((s) => s.name).join('|')}[,…]] [--n N] [--server dev|cluster] [--out dir] [--keep]\n` +
        SCENARIOS.map(
          (s) =>
            `  ${s.name}: ${s.title}\n    defaults: ${Object.entries(s.defaults)
              .map(([k, v]) => `--${k} ${String(v)}`)
              .join(' ')}`,
        ).join('\n') +
        '\n',
    );
    return;
  }
  const results = await runBench({
    scenarios: flags.str('scenario', 'all').split(','),
    flags,
    outDir: flags.str('out', DEFAULT_RESULTS_DIR),
    temporalAddress: flags.has('temporal-address') ? flags.str('temporal-address') : undefined,
    server: parseServer(flags.str('server', 'dev')),
    keep: flags.bool('keep'),
  });
  for (const r of results) {
    process.stdout.write(
      `${JSON.stringify({ key: r.key, status: r.status, metrics: r.metrics, targets: r.targets })}\n`,
    );
  }
  if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
}

function parseServer(value: string): BenchServerKind {
  if (value !== 'dev' && value !== 'cluster') throw new Error(`--server must be dev or cluster, not ${value}`);
  return value;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
