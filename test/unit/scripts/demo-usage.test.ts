/**
 * The demo's closing lines (scripts/lib/demo-usage.ts): the env file and the printed commands, run by a real shell
 * with `npm` replaced by a function that records what it was given, so quoting, `source` and the variables the CLI
 * reads are checked end to end; and the CLI itself is asked whether it knows those commands and variables.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DEMO_ENV_FILE, renderCliUsage, renderEnvFile, type DemoTarget } from '../../../scripts/lib/demo-usage';

const repo = path.join(__dirname, '..', '..', '..');
const target: DemoTarget = {
  address: '127.0.0.1:41234',
  namespace: "team's ns",
  taskQueue: 'oms-migrations-demo',
  migrationIds: ['demo-2026-12-01T06-00-00-000Z-demo-seed-object-task', 'odd id $(touch injected)'],
  uiUrl: 'http://127.0.0.1:41235',
  keep: true,
};

/** Runs `script` in bash from `dir` with `npm` recording its arguments and the three variables, one line per call. */
function runShell(dir: string, script: string): string[][] {
  const stub = `npm() { printf '%s\\x1f' "$@" "$TEMPORAL_ADDRESS" "$TEMPORAL_NAMESPACE" "$OMS_TASK_QUEUE"; echo; }`;
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
  const output = execFileSync('bash', ['-c', `${stub}\n${script}`], { cwd: dir, env, encoding: 'utf8' });
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\x1f').slice(0, -1));
}

const commandLines = (lines: string[]): string[] =>
  lines.filter((l) => /^ {2}(source|export|npm) /.test(l)).map((l) => l.trim());

test('with --keep, sourcing the env file and running the printed commands reach the demo migration by migration', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-usage-'));
  fs.writeFileSync(path.join(dir, DEMO_ENV_FILE), renderEnvFile(target));
  const lines = renderCliUsage(target, DEMO_ENV_FILE);
  const commands = commandLines(lines);
  expect(commands[0]).toMatch(/^source \.oms-demo\.env {4}# or: export /);

  const calls = runShell(dir, commands.join('\n'));
  const env = [target.address, target.namespace, target.taskQueue];
  expect(calls).toEqual(
    target.migrationIds.flatMap((id) => [
      ['run', 'cli', '--', 'status', id, ...env],
      ['run', 'cli', '--', 'watch', id, ...env],
      ['run', 'cli', '--', 'report', id, ...env],
    ]),
  );
  expect(fs.existsSync(path.join(dir, 'injected'))).toBe(false);
  expect(lines.at(-1)).toBe("Web UI: http://127.0.0.1:41235/namespaces/team's%20ns/workflows");
});

test('the alternative after "# or:" sets the same variables as the env file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-usage-'));
  const exportLine = renderCliUsage(target, DEMO_ENV_FILE)[1]!.split('# or: ')[1]!;
  const calls = runShell(dir, `${exportLine}\nnpm x`);
  expect(calls).toEqual([['x', target.address, target.namespace, target.taskQueue]]);
});

test('without --keep the lines say the servers are stopped; inherited secrets are named, never written', () => {
  const stopped = { ...target, keep: false, inheritedVariables: ['OMS_CODEC_KEYS', 'TEMPORAL_API_KEY'] };
  const lines = renderCliUsage(stopped, undefined);
  expect(lines[0]).toContain('This run has stopped its servers.');
  expect(lines[0]).toContain('npm run demo -- --keep');
  expect(lines[1]).toBe(
    "  export TEMPORAL_ADDRESS=127.0.0.1:41234 TEMPORAL_NAMESPACE='team'\\''s ns' OMS_TASK_QUEUE=oms-migrations-demo",
  );
  expect(lines[2]).toBe('  # and the same OMS_CODEC_KEYS, TEMPORAL_API_KEY as the shell that ran the demo');
  expect(renderEnvFile(stopped)).not.toMatch(/API_KEY|CODEC/);
});

test('the CLI behind `npm run cli` has the printed commands and reads the printed variables', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  expect(pkg.scripts.cli).toBe('tsx client/cli/index.ts');
  const cli = path.join(repo, 'bin', 'oms-orchestrator.js');
  const help = (args: string[]): string =>
    execFileSync(process.execPath, [cli, ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
  const text = help(['--help']) + help(['status', '--help']);
  for (const command of ['status', 'watch', 'report']) expect(text).toMatch(new RegExp(`^ +${command}\\b`, 'm'));
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'OMS_TASK_QUEUE']) expect(text).toContain(name);
});
