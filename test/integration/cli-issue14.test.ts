/**
 * The issue-14 commands as an operator runs them (one stack for the file, real dev server, worker and emulator):
 * `migrate --dry-run` (exit 0 / 8 / 2, nothing created), `migrate --group` (one OMS task group, then `status` and
 * `report` on its id) and `report ID --failed-objects` (every failed key streamed from OBS with the operator's own
 * environment). Each case checks the exit code, what went to standard output and what to standard error, and that
 * `--json` output parses. The emulator's route counters prove that a dry run or a refused request created nothing.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { EXIT, runCli } from '../../client/cli';
import type { RouteCounters } from '../../emulator/admin-types';
import type { MigrationReport } from '../../workflows/report-types';
import { testEnv } from '../helpers/env';
import { startStack, stackSecrets, type Stack } from '../helpers/stack';
import { uniqueId } from '../helpers/wait';

jest.setTimeout(180_000);

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'oms-orchestrator.js');
const SEED = path.join(ROOT, 'examples', 'demo-seed-object-task.json');
/** A Temporal frontend nothing listens on: a command that exits 2 with it proves it refused before connecting. */
const NOWHERE = '127.0.0.1:1';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/**
 * The environment of a CLI process: the caller's, without any operator OBS keys or endpoint it may carry (each
 * test says which it wants), pointed at the stack; `COLUMNS=80` since the output is a pipe, not a terminal.
 */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^OMS_PROFILE_|^OMS_OBS_ENDPOINT$|^OMS_ALLOW_INSECURE_HTTP$/.test(k)),
  );
  return {
    ...base,
    TEMPORAL_ADDRESS: testEnv('address'),
    TEMPORAL_NAMESPACE: testEnv('namespace'),
    OMS_TASK_QUEUE: stack.taskQueue,
    COLUMNS: '80',
    ...extra,
  };
}

/** Runs the CLI as a process with piped output; never rejects on a non-zero exit. */
async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: cliEnv(env), cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs the CLI in-process against the stack (unless `--address` is given): exit code, stdout and stderr lines. */
async function inproc(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const address = args.includes('--address') ? [] : ['--address', testEnv('address')];
  const code = await runCli(
    [...args, ...address, '--namespace', testEnv('namespace'), '--task-queue', stack.taskQueue],
    (t) => out.push(t),
    (t) => err.push(t),
  );
  return { code, out, err };
}

function writeJson(name: string, value: unknown): string {
  const file = path.join(testEnv('tmpDir'), `${uniqueId(name)}.json`);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

/** The emulator's create counters (tasks and task groups). */
const creates = async (): Promise<{ CreateTask: number; CreateTaskGroup: number }> => {
  const c: RouteCounters = await stack.emulator.admin.counters();
  return { CreateTask: c.CreateTask ?? 0, CreateTaskGroup: c.CreateTaskGroup ?? 0 };
};

/** Nothing of the worker's or the emulator account's secrets in `text`. */
function expectNoSecret(text: string): void {
  for (const secret of stackSecrets(stack.emulator)) expect(text).not.toContain(secret);
  for (const { sk } of stack.emulator.config.accessKeys) expect(text).not.toContain(sk);
}

describe('migrate --dry-run', () => {
  test('all checks pass: exit 0, a table within 80 columns on stdout, nothing on stderr, nothing created', async () => {
    const file = writeJson('dry-ok', stack.seedRequest());
    const before = await creates();
    const text = await cli(['migrate', '--file', file, '--dry-run']);
    const json = await cli(['migrate', '--file', file, '--dry-run', '--json']);
    expect(await creates()).toEqual(before);

    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: EXIT.OK, stderr: '' });
    expect(text.stdout).toMatch(/^Dry run: no problems found \(\d+ checks, \d+ skipped\)\. Nothing was created\./);
    expect(text.stdout).toMatch(/^CHECK +STATUS +/m);
    expect(text.stdout).toMatch(/^regions +ok/m);
    expect(text.stdout).toMatch(/, 0 CreateTask\.$/m);
    expect(text.stdout).not.toContain('\x1b');
    for (const line of text.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    expect({ code: json.code, stderr: json.stderr }).toEqual({ code: EXIT.OK, stderr: '' });
    const result = JSON.parse(json.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(result.ok).toBe(true);
    expect(result.checks.filter((c) => c.status === 'problem')).toEqual([]);
    expect(result.checks.map((c) => c.name)).toContain('regions');
    expectNoSecret(text.stdout + json.stdout);
  });

  test('a region OMS does not serve: exit 8, the problem in the table and in --json, nothing created', async () => {
    const seed = stack.seedRequest();
    const file = writeJson('dry-region', { ...seed, dst_node: { ...seed.dst_node, region: 'ap-nowhere-9' } });
    const before = await creates();
    const text = await cli(['migrate', '--file', file, '--dry-run']);
    const json = await inproc('migrate', '--file', file, '--dry-run', '--json');
    expect(await creates()).toEqual(before);

    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: EXIT.PREFLIGHT_PROBLEMS, stderr: '' });
    const table = text.stdout;
    // OMS does not serve the region, and the destination bucket (checked over OBS) lives elsewhere.
    expect(table).toMatch(/^Dry run: 2 problems found \(exit 8\)\. Nothing was created\./);
    expect(table).toMatch(/^regions +PROBLEM +destination region "ap-nowhere-9"/m);
    expect(table).toMatch(/^dst-bucket +PROBLEM +bucket api-test-outline is in /m);
    for (const line of table.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    expect({ code: json.code, err: json.err }).toEqual({ code: EXIT.PREFLIGHT_PROBLEMS, err: [] });
    const result = JSON.parse(json.out.join('\n')) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(result.ok).toBe(false);
    expect(result.checks.filter((c) => c.status === 'problem').map((c) => c.name)).toEqual(['regions', 'dst-bucket']);
  });

  test('a destination bucket that does not exist: exit 8 naming the bucket, nothing created', async () => {
    const seed = stack.seedRequest();
    const bucket = uniqueId('no-such-bucket');
    const file = writeJson('dry-bucket', { ...seed, dst_node: { ...seed.dst_node, bucket } });
    const before = await creates();
    const res = await cli(['migrate', '--file', file, '--dry-run', '--json']);
    expect(await creates()).toEqual(before);
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: EXIT.PREFLIGHT_PROBLEMS, stderr: '' });
    const result = JSON.parse(res.stdout) as {
      ok: boolean;
      checks: { name: string; status: string; reason?: string }[];
    };
    const problems = result.checks.filter((c) => c.status === 'problem');
    expect(problems.map((c) => c.name)).toEqual(['dst-bucket']);
    expect(problems[0]!.reason).toContain(bucket);
  });

  test('with --id, --watch or --group, or an invalid request: exit 2 on stderr before any connection', async () => {
    const before = await creates();
    const invalid = writeJson('dry-invalid', { ...stack.seedRequest(), task_type: 'zip' });
    const cases: [string[], string][] = [
      [['--file', SEED, '--dry-run', '--id', 'x'], '--dry-run starts nothing'],
      [['--file', SEED, '--dry-run', '--watch'], '--dry-run starts nothing'],
      [['--file', SEED, '--dry-run', '--group'], '--dry-run starts nothing'],
      [['--file', invalid, '--dry-run'], 'task_type'],
      [['--file', invalid, '--dry-run', '--json'], 'task_type'],
    ];
    for (const [args, message] of cases) {
      // A frontend nothing listens on: a connection attempt would exit 7 (unavailable), not 2.
      const { code, out, err } = await inproc('migrate', ...args, '--address', NOWHERE);
      expect({ args, code, out }).toEqual({ args, code: EXIT.USAGE, out: [] });
      expect(err.join('\n')).toContain(message);
    }
    expect(await creates()).toEqual(before);
  });
});

describe('migrate --group', () => {
  test('a prefix group with --watch --json succeeds (exit 0) through one CreateTaskGroup; status and report work on its id', async () => {
    const base = stack.seedRequest();
    const id = uniqueId('cli-group');
    const file = writeJson('group', {
      ...base,
      task_type: 'prefix',
      src_node: { ...base.src_node, bucket: 'demo-logs', object_key: ['logs/01'] },
      dst_node: { ...base.dst_node, save_prefix: `${id}/` },
    });
    const before = await creates();
    const watched = await inproc('migrate', '--file', file, '--id', id, '--group', '--watch', '--json');
    expect({ code: watched.code, err: watched.err }).toEqual({ code: EXIT.OK, err: [] });
    const events = watched.out.map((l) => JSON.parse(l) as { event: string; outcome?: string; migration_id?: string });
    expect(events[0]).toMatchObject({ event: 'started', migration_id: id, existing: false });
    expect(events.at(-1)).toMatchObject({ event: 'result', outcome: 'succeeded' });
    const after = await creates();
    expect(after.CreateTaskGroup - before.CreateTaskGroup).toBe(1);
    // Member tasks are OMS's doing, not CreateTask calls of the orchestrator.
    expect(after.CreateTask).toBe(before.CreateTask);

    const status = await cli(['status', id, '--json']);
    expect({ code: status.code, stderr: status.stderr }).toEqual({ code: EXIT.OK, stderr: '' });
    expect(JSON.parse(status.stdout)).toMatchObject({ migration_id: id, workflow_status: 'COMPLETED' });

    const report = await cli(['report', id, '--json']);
    expect({ code: report.code, stderr: report.stderr }).toEqual({ code: EXIT.OK, stderr: '' });
    expect(JSON.parse(report.stdout)).toMatchObject({
      migration_id: id,
      kind: 'group',
      outcome: 'succeeded',
      total_num: 10,
      successful_num: 10,
      failed_num: 0,
    });
    const plain = await cli(['report', id]);
    expect({ code: plain.code, stderr: plain.stderr }).toEqual({ code: EXIT.OK, stderr: '' });
    expect(plain.stdout).toContain('Outcome: succeeded');
    for (const line of plain.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expectNoSecret(watched.out.join('\n') + status.stdout + report.stdout + plain.stdout);
  });

  test('an object task with --group: exit 2 naming task_type, before any connection', async () => {
    const before = await creates();
    const { code, out, err } = await inproc('migrate', '--file', SEED, '--group', '--address', NOWHERE);
    expect({ code, out }).toEqual({ code: EXIT.USAGE, out: [] });
    expect(err.join('\n')).toContain('task_type');
    expect(err.join('\n')).toContain('task-group request');
    expect(await creates()).toEqual(before);
  });
});

describe('report ID --failed-objects', () => {
  let id: string;
  let keys: string[];
  let listKey: string;
  /** The operator's environment: the destination profile's keys and the OBS endpoint (the emulator). */
  let operatorEnv: Record<string, string>;

  beforeAll(async () => {
    const request = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'demo-failed-objects.json'), 'utf8')) as {
      dst_node: Record<string, unknown>;
    };
    id = uniqueId('cli-fo');
    request.dst_node.save_prefix = `${id}/`;
    const file = writeJson('fo', { ...request, orchestration: { poll_interval_seconds: 0.5 } });
    const started = await inproc('migrate', '--file', file, '--id', id);
    expect(started.code).toBe(EXIT.OK);
    const { report } = await stack.migrations.result(id);
    const r = report as MigrationReport;
    expect(r.failed_num).toBeGreaterThan(0);
    listKey = r.failed_object_record!.list_file_key!;
    // The emulator's list, one entry per line (a key, or a key and a tab and an error code).
    const text = await stack.emulator.admin.readObject(r.dst_bucket, listKey);
    keys = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t')[0]!);
    expect(keys).toHaveLength(r.failed_num);
    const [account] = stack.emulator.config.accessKeys;
    operatorEnv = {
      OMS_PROFILE_DST_AK: account!.ak,
      OMS_PROFILE_DST_SK: account!.sk,
      OMS_OBS_ENDPOINT: stack.emulator.url,
      OMS_ALLOW_INSECURE_HTTP: 'true',
    };
  });

  test('stdout holds exactly the keys of the list, one per line; the count goes to stderr; exit 0', async () => {
    const res = await cli(['report', id, '--failed-objects'], operatorEnv);
    expect(res.code).toBe(EXIT.OK);
    expect(res.stdout.split('\n').filter((l) => l !== '')).toEqual(keys);
    expect(res.stdout.endsWith('\n')).toBe(true);
    expect(res.stderr.trim()).toBe(`${keys.length} failed object(s) listed from api-test-outline/${listKey}`);
    expectNoSecret(res.stdout + res.stderr);
  });

  test('--json: one object per line, the same keys in the same order; the count on stderr', async () => {
    const res = await cli(['report', id, '--failed-objects', '--json'], operatorEnv);
    expect(res.code).toBe(EXIT.OK);
    const lines = res.stdout.split('\n').filter((l) => l !== '');
    const entries = lines.map((l) => JSON.parse(l) as { key: string });
    expect(entries.map((e) => e.key)).toEqual(keys);
    expect(res.stderr.trim()).toBe(`${keys.length} failed object(s) listed from api-test-outline/${listKey}`);
    expectNoSecret(res.stdout + res.stderr);
  });

  test("without the operator's keys: exit 2, nothing on stdout, stderr names the variables", async () => {
    const res = await cli(['report', id, '--failed-objects'], {
      OMS_OBS_ENDPOINT: stack.emulator.url,
      OMS_ALLOW_INSECURE_HTTP: 'true',
    });
    expect({ code: res.code, stdout: res.stdout }).toEqual({ code: EXIT.USAGE, stdout: '' });
    expect(res.stderr).toContain('OMS_PROFILE_DST_AK');
    expect(res.stderr).toContain('OMS_PROFILE_DST_SK');
    expectNoSecret(res.stderr);
  });
});
