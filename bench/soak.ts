/**
 * `npm run soak -- [--n 500] [--phases worker-kill,server-restart,faults,emulator-restart,together,late-create,
 *   reset,credentials,updates,deadline-race] [--concurrency 50] [--kills N] [--server-restarts 3]
 *   [--emulator-restarts 1] [--faults full|light|none] [--transfer 10] [--credentials-outage 30]
 *   [--timeout-minutes 30] [--out bench/results] [--keep]`
 *
 * Many migrations while the worker is SIGKILLed, the dev server and the emulator restart, the emulator injects
 * faults and the core promises are put to the test (late creates, resets, a credentials outage, concurrent updates,
 * deadline races; see bench/lib/soak.ts and bench/lib/soak-phases.ts), then a verdict table from ground truth.
 * Exit code 0 only when every verdict passes. Writes `soak-latest.json` and `soak-latest.md` to `--out`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Flags } from './lib/args';
import { machineInfo } from './lib/scenario';
import { SOAK_DEFAULTS, runSoak, type FaultLevel, type SoakPhaseName, type SoakResult } from './lib/soak';

const PHASES: readonly SoakPhaseName[] = SOAK_DEFAULTS.phases;

/** The verdict table (markdown). */
export function verdictTable(result: SoakResult): string {
  const rows = [...result.phases, result.overall];
  const lines = [
    '| Phase | Completed / expected | Live duplicate OMS tasks | Duplicates removed (left stopped) | Report ≠ truth | ' +
      'Tasks left live | Max attempts (non-poll activity / WFT) | Secrets (history / logs) | SIGKILLs | ' +
      'Server restarts | Emulator restarts | Fault rules | Phase violations | Wall s | Verdict |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const v of rows) {
    lines.push(
      `| ${v.phase} | ${v.completed} / ${v.expected} | ${v.duplicateTasks} | ` +
        `${v.duplicatesRemoved} (${v.duplicatesLeft}) | ${v.reportMismatches.length} | ${v.tasksLeftLive} | ` +
        `${v.maxActivityAttempts} / ${v.maxWorkflowTaskAttempts} | ${v.secretsInHistory} / ${v.secretsInLogs} | ` +
        `${v.workerKills} | ${v.serverRestarts} | ${v.emulatorRestarts} | ${v.faultsInjected} | ` +
        `${v.violations.length} | ${v.wallSeconds} | ${v.pass ? 'PASS' : '**FAIL**'} |`,
    );
  }
  return lines.join('\n');
}

/** What the core-promise phases measured, and the promises they found broken (markdown). */
export function phaseChecks(result: SoakResult, maxViolations = 10): string {
  const lines: string[] = [];
  for (const v of result.phases) {
    const figures = Object.entries(v.figures);
    if (figures.length === 0 && v.violations.length === 0) continue;
    lines.push(`- **${v.phase}**: ${figures.map(([k, n]) => `${k}: ${n}`).join('; ') || 'no figures'}`);
    for (const x of v.violations.slice(0, maxViolations)) lines.push(`  - violation: ${x}`);
    if (v.violations.length > maxViolations) lines.push(`  - … ${v.violations.length - maxViolations} more`);
    for (const u of v.unexpected.slice(0, maxViolations)) {
      lines.push(`  - unexpected: ${u.id} ended ${u.outcome}${u.failure ? `: ${u.failure}` : ''}`);
    }
    if (v.unexpected.length > maxViolations) lines.push(`  - … ${v.unexpected.length - maxViolations} more`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const flags = Flags.parse(process.argv.slice(2));
  const phases = flags.str('phases', PHASES.join(',')).split(',') as SoakPhaseName[];
  const unknown = phases.filter((p) => !PHASES.includes(p));
  if (unknown.length > 0) throw new Error(`unknown phase(s) ${unknown.join(', ')}; known: ${PHASES.join(', ')}`);
  const faults = flags.str('faults', SOAK_DEFAULTS.faults) as FaultLevel;
  if (!['full', 'light', 'none'].includes(faults)) throw new Error('--faults must be full, light or none');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-soak-'));
  const result = await runSoak({
    ...SOAK_DEFAULTS,
    dir,
    n: flags.num('n', SOAK_DEFAULTS.n),
    phases,
    concurrency: flags.num('concurrency', SOAK_DEFAULTS.concurrency),
    workerKills: flags.has('kills') ? flags.num('kills') : undefined,
    serverRestarts: flags.num('server-restarts', SOAK_DEFAULTS.serverRestarts),
    emulatorRestarts: flags.num('emulator-restarts', SOAK_DEFAULTS.emulatorRestarts),
    faults,
    transferSeconds: flags.num('transfer', SOAK_DEFAULTS.transferSeconds),
    credentialsOutageSeconds: flags.num('credentials-outage', SOAK_DEFAULTS.credentialsOutageSeconds),
    timeoutMinutes: flags.num('timeout-minutes', SOAK_DEFAULTS.timeoutMinutes),
    log: (m) => process.stderr.write(`[soak] ${m}\n`),
  });
  const table = verdictTable(result);
  const checks = phaseChecks(result);
  process.stdout.write(`${table}\n\n${checks}\n`);
  for (const v of [...result.phases, result.overall]) {
    for (const u of v.unexpected.slice(0, 5))
      process.stdout.write(`  ${v.phase}: ${u.id} ended ${u.outcome}: ${u.failure ?? ''}\n`);
    for (const m of v.reportMismatches.slice(0, 5)) {
      process.stdout.write(`  ${v.phase}: ${m.id} ${m.field}: report ${String(m.report)} ≠ truth ${String(m.truth)}\n`);
    }
  }
  const out = flags.str('out', path.join(__dirname, 'results'));
  fs.mkdirSync(out, { recursive: true });
  const record = { generatedAt: new Date().toISOString(), machine: machineInfo(), ...result };
  fs.writeFileSync(path.join(out, 'soak-latest.json'), `${JSON.stringify(record, null, 2)}\n`);
  fs.writeFileSync(
    path.join(out, 'soak-latest.md'),
    `# Soak result\n\nGenerated ${record.generatedAt} by \`npm run soak -- ${process.argv.slice(2).join(' ')}\` ` +
      `on ${record.machine.cpus} × ${record.machine.cpuModel} (load average ${record.machine.loadAvgAtStart} at start).\n\n` +
      `${table}\n\nCore-promise phases (figures, violations, unexpected outcomes):\n\n${checks || '- none run'}\n\n` +
      `API calls seen by the emulator: ${JSON.stringify(result.apiCalls)}.\n\n` +
      `Chaos log:\n\n${result.events.map((e) => `- ${e.at} s: ${e.what}`).join('\n')}\n`,
  );
  if (!flags.bool('keep')) fs.rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`[soak] work dir kept: ${dir}\n`);
  if (!result.overall.pass) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
