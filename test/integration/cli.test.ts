/**
 * The product as an operator drives it from a shell: the `oms-orchestrator` CLI (as a process, in pipes and under a
 * pseudo-terminal, and in-process through runCli with separate output and error sinks) and the Temporal CLI (any-
 * language start by workflow type + JSON input), plus what operators see in the Temporal UI. One stack for the file.
 *
 * Terminal behaviour is tested under a real pseudo-terminal (`script` from util-linux, `stty cols 80`): the CLI
 * sees `isTTY` and `columns` exactly as in an operator's terminal, so no test-only width override exists in the
 * product.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { BatchClient } from '../../client/batch-client';
import { EXIT, runCli } from '../../client/cli';
import { BatchScheduleClient } from '../../client/schedules';
import type { MigrationRequest } from '../../workflows/request-types';
import { limiterWorkflowId } from '../../workflows/shared/region-limiter-logic';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'oms-orchestrator.js');
const SEED = path.join(ROOT, 'examples', 'demo-seed-object-task.json');
/** util-linux `script`: runs a command under a pseudo-terminal (the TTY tests need it installed). */
const PSEUDO_TERMINAL = ['/usr/bin/script', '/bin/script'].find((p) => fs.existsSync(p)) ?? 'script';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const cliEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  TEMPORAL_ADDRESS: testEnv('address'),
  TEMPORAL_NAMESPACE: testEnv('namespace'),
  OMS_TASK_QUEUE: stack.taskQueue,
});

/** Runs the CLI as a process with piped output; never rejects on a non-zero exit. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: cliEnv(), cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs the CLI in-process against the stack: exit code, standard-output lines, standard-error lines. */
async function inproc(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const address = args.includes('--address') ? [] : ['--address', testEnv('address')];
  const connection = [...address, '--namespace', testEnv('namespace')];
  const queue = args.includes('--task-queue') ? [] : ['--task-queue', stack.taskQueue];
  const help = args.includes('--help');
  const code = await runCli(
    [...args, ...(help ? [] : [...connection, ...queue])],
    (t) => out.push(t),
    (t) => err.push(t),
  );
  return { code, out, err };
}

function writeJson(name: string, value: unknown): string {
  const file = path.join(testEnv('tmpDir'), `${uniqueId(name)}.json`);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

/** A 200 MiB prefix migration capped at 1 MiB/s: 200 simulated seconds, driven by the test's manual clock. */
const slow = (): MigrationRequest =>
  stack.seedRequest({
    task_type: 'prefix',
    src_node: { ...stack.seedRequest().src_node, bucket: 'demo-logs', object_key: ['logs/'] },
    dst_node: { ...stack.seedRequest().dst_node, save_prefix: `${uniqueId('cli')}/` },
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
  });

/** Settles `promise` while moving the emulator's manual clock forward (OMS transitions need simulated time). */
async function whileAdvancing<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  const done = promise.finally(() => (settled = true));
  await waitFor(
    async () => {
      if (!settled) await stack.emulator.admin.setClock({ advanceMs: 1_000 });
      return settled;
    },
    60_000,
    'the command to finish',
  );
  return done;
}

test('migrate --watch in a pipe: plain lines within 80 columns on stdout, nothing on stderr; --json everywhere parses', async () => {
  const id = uniqueId('cli-seed');
  const watched = await cli('migrate', '--file', SEED, '--id', id, '--watch');
  expect(watched.stderr).toBe('');
  expect(watched.stdout).toContain(`Started migration ${id}`);
  expect(watched.stdout).toContain('Outcome: succeeded');
  expect(watched.stdout).toContain('Objects: 2 succeeded, 0 failed, 0 skipped of 2');
  expect(watched.stdout).not.toContain('\r');
  expect(watched.stdout).not.toContain('\x1b');
  for (const line of watched.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  expect(watched.code).toBe(EXIT.OK);

  const status = await cli('status', id, '--json');
  expect(status).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(status.stdout)).toMatchObject({ migration_id: id, workflow_status: 'COMPLETED' });

  const report = await inproc('report', id, '--json');
  expect(report.err).toEqual([]);
  expect(JSON.parse(report.out.join('\n'))).toMatchObject({ migration_id: id, outcome: 'succeeded', total_num: 2 });

  // JSON lines: one object per line, the last one the result.
  const again = await inproc('migrate', '--file', SEED, '--id', id, '--watch', '--json');
  expect(again.code).toBe(EXIT.OK);
  const events = again.out.map((l) => JSON.parse(l) as { event: string; existing?: boolean; outcome?: string });
  expect(events[0]).toMatchObject({ event: 'started', existing: true });
  expect(events.at(-1)).toMatchObject({ event: 'result', outcome: 'succeeded' });
  const watchJson = await inproc('watch', id, '--json');
  expect(watchJson.out.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['progress', 'result']);
});

test('failed objects alone: completed with failures, exit 4; the report names the list once and readably', async () => {
  const request = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'demo-failed-objects.json'), 'utf8')) as {
    dst_node: Record<string, unknown>;
  };
  request.dst_node.save_prefix = `${uniqueId('cli')}/`;
  const file = writeJson('failures', { ...request, orchestration: { poll_interval_seconds: 0.5 } });
  const id = uniqueId('cli-failures');
  const watched = await inproc('migrate', '--file', file, '--id', id, '--watch', '--json');
  const result = JSON.parse(watched.out.at(-1)!) as { event: string; outcome: string; report: { failed_num: number } };
  expect(result).toMatchObject({ event: 'result', report: { failed_num: 5 } });
  expect(result.outcome).toBe('completed_with_failures');
  expect(watched.code).toBe(EXIT.WITH_FAILURES);

  const report = await inproc('report', id);
  expect(report.code).toBe(watched.code);
  const text = report.out.join('\n');
  expect(text).toMatch(/Objects: \d+ succeeded, 5 failed/);
  // The worker's own read of the list (esdk-obs-nodejs): the count, where, and the keys; said once.
  expect(text).toMatch(/Failed objects: 5 in api-test-outline\/oms\/failed_object_lists\//);
  expect(text.match(/Failed objects:/g)).toHaveLength(1);
  expect(text).not.toContain('{"result"');
  expect(text.match(/failed to be migrated/g)?.length ?? 0).toBeLessThanOrEqual(1);
  expect(report.err).toEqual([]);
});

test('usage errors and invalid input exit 2 on stderr, naming the field or option, before any connection', async () => {
  const bad = writeJson('bad', {
    src_node: { bucket: 'a', ak: 'RAW-KEY-1' },
    dst_node: { bucket: 'b' },
    task_type: 'zip',
  });
  const invalid = await cli('migrate', '--file', bad, '--id', uniqueId('cli-invalid'));
  expect(invalid.code).toBe(EXIT.USAGE);
  expect(invalid.stdout).toBe('');
  expect(invalid.stderr).toContain('task_type');
  expect(invalid.stderr).toContain('src_node.ak');
  expect(invalid.stderr).not.toContain('RAW-KEY-1');
  expect(invalid.stderr.match(/Invalid migration request/g)).toHaveLength(1);

  const cases: [string[], string][] = [
    [
      ['migrate', '--file', writeJson('syntax', '{\n  "task_type": "object",\n  "src_node" {}\n}')],
      'line 3, column 14',
    ],
    [['migrate', '--file', SEED, '--id', ''], '--id must not be empty.'],
    [['migrate'], 'Missing --file.'],
    [['status', 'x', '--cron', '0 2 * * *'], "Unknown option '--cron'"],
    [['batch', 'start', '--every', '1h'], "Unknown option '--every'"],
    [['status'], "Missing required argument 'migration-id'"],
    [['status', 'a', 'b'], 'Too many arguments'],
    [['frobnicate'], 'Unknown command "frobnicate"'],
    [
      ['schedule', 'create', 's', '--file', SEED, '--cron', '0 25 * * *'],
      '--cron "0 25 * * *": hour 25 is out of range',
    ],
    [['schedule', 'create', 's', '--file', SEED, '--every', 'soon'], '--every "soon" is not a duration'],
    [
      ['schedule', 'create', 's', '--file', SEED, '--cron', '@daily', '--timezone', 'Mars/Base'],
      '--timezone "Mars/Base"',
    ],
    [['schedule', 'trigger', 's', '--overlap', 'sometimes'], '--overlap: "sometimes" is not a policy'],
    [
      ['bandwidth', 'm', '--file', writeJson('policy', [{ start: '00:00', end: '01:00', max_bandwidth: 5 }])],
      'bandwidth_policy[0].max_bandwidth',
    ],
  ];
  for (const [args, message] of cases) {
    const { code, out, err } = await inproc(...args);
    expect({ args, code, out }).toEqual({ args, code: EXIT.USAGE, out: [] });
    expect(err.join('\n')).toContain(message);
  }

  const unreachable = await inproc('status', 'x', '--address', '127.0.0.1:1');
  expect(unreachable.code).toBe(EXIT.UNAVAILABLE);
  expect(unreachable.err.join('\n')).toContain('Cannot connect to Temporal at 127.0.0.1:1');
});

test('every command and subcommand has its own --help with examples', async () => {
  const commands = [
    ...['migrate', 'status', 'watch', 'pause', 'resume', 'bandwidth', 'cancel', 'report'].map((c) => [c]),
    ...['start', 'status', 'report', 'cancel'].map((c) => ['batch', c]),
    ...['create', 'list', 'describe', 'pause', 'unpause', 'trigger', 'backfill', 'delete'].map((c) => ['schedule', c]),
  ];
  for (const command of commands) {
    const { code, out, err } = await inproc(...command, '--help');
    expect({ command, code, err }).toEqual({ command, code: EXIT.OK, err: [] });
    const text = out.join('\n');
    expect(text).toContain(`Usage: oms-orchestrator ${command.join(' ')} [options]`);
    expect(text).toContain('Examples:');
  }
  const top = await inproc('--help');
  expect(top.code).toBe(EXIT.OK);
  expect(top.out.join('\n')).toContain('130  interrupted (Ctrl-C)');
});

test('the wrong kind of id, an unknown id and a finished migration: each says what the id is (exit 6 or 5)', async () => {
  const migrationId = uniqueId('cli-done');
  await stack.migrations.start(stack.seedRequest(), { migrationId });
  await stack.migrations.result(migrationId);
  const batches = new BatchClient(stack.client, stack.taskQueue);
  const batchId = uniqueId('cli-batch');
  await batches.start(
    { items: [stack.seedRequest({ dst_node: { ...stack.seedRequest().dst_node, save_prefix: 'b/' } })] },
    { batchId },
  );
  await batches.result(batchId);
  const scheduleId = uniqueId('cli-sched');
  const schedules = new BatchScheduleClient(stack.client, stack.taskQueue);
  await schedules.create({
    scheduleId,
    batch: { items: [stack.seedRequest()] },
    cron: '0 2 * * *',
    timezone: 'Asia/Shanghai',
    paused: true,
    note: 'cli test',
  });
  try {
    for (const command of ['status', 'watch', 'report', 'pause', 'resume', 'cancel']) {
      const r = await inproc(command, batchId);
      expect({ command, code: r.code, out: r.out }).toEqual({ command, code: EXIT.NOT_FOUND, out: [] });
      expect(r.err).toEqual([
        `${batchId} is a batch, not a migration: use \`oms-orchestrator batch status ${batchId}\` or \`oms-orchestrator batch report ${batchId}\``,
      ]);
    }
    expect((await inproc('status', scheduleId)).err[0]).toBe(
      `${scheduleId} is a schedule, not a migration: use \`oms-orchestrator schedule describe ${scheduleId}\``,
    );
    expect((await inproc('batch', 'report', migrationId)).err[0]).toContain(
      `${migrationId} is a migration, not a batch`,
    );
    // Every migration of this stack went through its region's limiter.
    const limiterId = limiterWorkflowId(stack.emulator.config.region, stack.taskQueue);
    const limiter = await inproc('pause', limiterId);
    expect(limiter.code).toBe(EXIT.NOT_FOUND);
    expect(limiter.err[0]).toBe(
      `${limiterId} is a region limiter, not a migration: see its holders and waiters with ` +
        `\`temporal workflow query --workflow-id ${limiterId} --type limiterStatus\``,
    );
    const missing = await inproc('status', 'no-such-id');
    expect(missing).toMatchObject({ code: EXIT.NOT_FOUND, err: ['No migration with id no-such-id'] });

    for (const [command, nothing] of [
      ['pause', 'nothing to pause'],
      ['resume', 'nothing to resume'],
      ['cancel', 'nothing to cancel'],
    ]) {
      const r = await inproc(command!, migrationId);
      expect(r.code).toBe(EXIT.REFUSED);
      expect(r.err[0]).toMatch(new RegExp(`^${migrationId} finished \\(succeeded\\) at \\d{4}-.*Z: ${nothing}$`));
    }
    expect((await inproc('batch', 'cancel', batchId)).code).toBe(EXIT.REFUSED);

    const batchStatus = await inproc('batch', 'status', batchId);
    expect(batchStatus.out[0]).toBe(`Batch ${batchId}: COMPLETED`);
    expect(JSON.parse((await inproc('batch', 'report', batchId, '--json')).out.join('\n'))).toMatchObject({
      batch_id: batchId,
      outcome: 'succeeded',
    });

    const listed = await waitFor(
      async () => {
        const r = await inproc('schedule', 'list', '--json');
        const all = JSON.parse(r.out.join('\n')) as { id: string }[];
        return all.some((s) => s.id === scheduleId) ? all : undefined;
      },
      20_000,
      'the schedule in visibility',
    );
    expect(listed.find((s) => s.id === scheduleId)).toMatchObject({
      spec: '0 2 * * *',
      timezone: 'Asia/Shanghai',
      paused: true,
    });
    const table = (await inproc('schedule', 'list')).out;
    expect(table[0]).toMatch(/^ID +STATE +SPEC +NEXT RUN +LAST RUN$/);
    const row = table.find((l) => l.startsWith(`${scheduleId} `))!;
    expect(row).toMatch(/ PAUSED +0 2 \* \* \* \(Asia\/Shanghai\) +paused +never$/);
    // Aligned: every row starts its STATE column where the header does.
    expect(row.indexOf('PAUSED')).toBe(table[0]!.indexOf('STATE'));
    const described = (await inproc('schedule', 'describe', scheduleId)).out;
    expect(described).toEqual(
      expect.arrayContaining([
        `Schedule ${scheduleId}: PAUSED (cli test)`,
        'Spec: 0 2 * * * (time zone Asia/Shanghai)',
        'Next runs: none while paused',
      ]),
    );
  } finally {
    await schedules.delete(scheduleId);
  }
  expect((await inproc('schedule', 'describe', scheduleId)).code).toBe(EXIT.NOT_FOUND);
});

describe('running migrations, on the emulator manual clock', () => {
  beforeAll(async () => {
    await stack.emulator.admin.setClock({ timeScale: 0 });
  });
  afterAll(async () => {
    await stack.emulator.admin.setClock({ timeScale: 200 });
  });

  /** Starts a slow migration and advances the clock until its OMS task executes. */
  async function startRunning(): Promise<string> {
    const id = uniqueId('cli-run');
    await stack.migrations.start(slow(), { migrationId: id });
    await waitFor(
      async () => {
        await stack.emulator.admin.setClock({ advanceMs: 1_000 });
        const s = await stack.migrations.status(id);
        return s.progress?.phase === 'running' && s.progress.snapshot?.status === 2;
      },
      60_000,
      `${id} executing`,
    );
    return id;
  }

  test('pause/resume/cancel answer once, refuse the second time (exit 5), and watch redraws one row at 80 columns', async () => {
    const id = await startRunning();
    const paused = await whileAdvancing(inproc('pause', id, '--json'));
    expect(paused.code).toBe(EXIT.OK);
    expect(JSON.parse(paused.out.join('\n'))).toMatchObject({ migration_id: id, action: 'pause', accepted: true });
    const again = await inproc('pause', id);
    expect(again.code).toBe(EXIT.REFUSED);
    expect(again.err.join('\n')).toContain('pause refused');
    // Pausing takes OMS a few simulated seconds; then status says paused, with no ETA.
    const status = await waitFor(
      async () => {
        await stack.emulator.admin.setClock({ advanceMs: 1_000 });
        const r = await inproc('status', id);
        return r.out[0]?.endsWith('phase paused (paused)') ? r.out : undefined;
      },
      60_000,
      'status paused',
    );
    expect(status.at(-1)).toMatch(/ paused$/);
    expect(status.join('\n')).not.toContain('ETA');
    expect((await whileAdvancing(inproc('resume', id))).out).toEqual([`Resumed ${id}`]);
    expect((await inproc('resume', id)).code).toBe(EXIT.REFUSED);

    // Under a pseudo-terminal of 80 columns: one row redrawn in place, then the report.
    const child = spawn(
      PSEUDO_TERMINAL,
      ['-qfec', `stty cols 80 rows 24; exec "${process.execPath}" "${BIN}" watch ${id}`, '/dev/null'],
      {
        env: cliEnv(),
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output = collect(child);
    const exited = exitOf(child);
    let seen = 0;
    while (child.exitCode === null) {
      await waitFor(() => child.exitCode !== null || output.text.length > seen, 60_000, 'a redraw');
      seen = output.text.length;
      await stack.emulator.admin.setClock({ advanceMs: 20_000 });
    }
    expect(await exited).toBe(EXIT.OK);
    const screen = output.text.replace(/\r\n/g, '\n');
    const rows = screen.split('\n');
    const progressRows = rows.filter((r) => r.includes('\x1b[2K'));
    expect(progressRows).toHaveLength(1);
    const draws = progressRows[0]!.split('\r\x1b[2K').filter(Boolean);
    expect(draws.length).toBeGreaterThanOrEqual(2);
    for (const draw of draws) expect(draw.length).toBeLessThanOrEqual(80);
    for (const row of rows.filter((r) => !r.includes('\x1b'))) expect(row.length).toBeLessThanOrEqual(80);
    expect(draws.some((d) => / ETA \d/.test(d))).toBe(true);
    expect(draws.at(-1)).not.toContain('ETA');
    expect(screen).toContain('Outcome: succeeded');

    const cancelled = await startRunning();
    expect((await inproc('cancel', cancelled)).code).toBe(EXIT.OK);
    expect((await whileAdvancing(inproc('report', cancelled))).code).toBe(EXIT.FAILED);
    const late = await inproc('cancel', cancelled);
    expect(late.code).toBe(EXIT.REFUSED);
    expect(late.err[0]).toMatch(new RegExp(`^${cancelled} finished \\(.*cancel.*\\) at .*: nothing to cancel$`));
  });
  test('batch status shows running items with bytes and ETA; a cancelled batch reports; cancel twice is refused', async () => {
    const batchId = uniqueId('cli-batch-run');
    const started = await inproc(
      'batch',
      'start',
      '--id',
      batchId,
      '--file',
      writeJson('batch', { items: [slow(), slow()], concurrency: 1 }),
    );
    expect(started.out).toEqual([`Started batch ${batchId} (2 items)`]);
    const json = await waitFor(
      async () => {
        await stack.emulator.admin.setClock({ advanceMs: 1_000 });
        const r = await inproc('batch', 'status', batchId, '--json');
        const doc = JSON.parse(r.out.join('\n')) as { running_items: { progress?: { phase: string } }[] };
        return doc.running_items[0]?.progress?.phase === 'running' ? doc : undefined;
      },
      60_000,
      'a running item',
    );
    expect(json.running_items).toHaveLength(1);
    await stack.emulator.admin.setClock({ advanceMs: 20_000 });
    const human = await waitFor(
      async () => {
        const r = await inproc('batch', 'status', batchId);
        return r.out.some((l) => / ETA \d/.test(l)) ? r.out : undefined;
      },
      30_000,
      'an item with an ETA',
    );
    expect(human).toEqual(
      expect.arrayContaining([
        `Batch ${batchId}: RUNNING`,
        'Running items:',
        expect.stringMatching(new RegExp(`^  ${batchId}/item-0: \\d+\\.\\d%, [\\d.]+ MiB of 200\\.0 MiB, ETA \\d`)),
      ]),
    );
    expect(human.find((l) => l.startsWith('Items:'))).toMatch(/1 running .* 1 not started · 0 failed$/);

    expect((await inproc('batch', 'cancel', batchId)).code).toBe(EXIT.OK);
    const report = await whileAdvancing(inproc('batch', 'report', batchId));
    expect(report.code).toBe(EXIT.FAILED);
    expect(report.out[0]).toMatch(/^Outcome: cancelled/);
    expect((await inproc('batch', 'cancel', batchId)).code).toBe(EXIT.REFUSED);
    // Items that ended without succeeding are listed by batch status too (from visibility, once it has them).
    const after = await waitFor(
      async () => {
        const r = await inproc('batch', 'status', batchId);
        return r.out.includes('Items that did not succeed:') ? r.out : undefined;
      },
      20_000,
      'the cancelled item in visibility',
    );
    expect(after).toContain(`  ${batchId}/item-0: cancelled`);
  });
});

/** Everything a child process writes (stdout and stderr, in order). */
function collect(child: ChildProcess): { text: string; stderr: string } {
  const output = { text: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (output.text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output.stderr += d.toString()));
  return output;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

test('without a worker: status and migrate warn naming the task queue, and Ctrl-C in watch says how to watch again', async () => {
  const queue = uniqueId('nobody-polls');
  const id = uniqueId('cli-orphan');
  const started = await inproc('migrate', '--file', SEED, '--id', id, '--task-queue', queue);
  try {
    expect(started.code).toBe(EXIT.OK);
    expect(started.err.join('\n')).toContain(`no worker polls task queue "${queue}"`);
    const status = await inproc('status', id, '--task-queue', queue);
    expect(status.code).toBe(EXIT.OK);
    expect(status.err.join('\n')).toContain(`no worker polls task queue "${queue}"`);
    expect(status.out[0]).toBe(`Migration ${id}: running, phase unknown (no worker answered)`);

    const child = spawn(process.execPath, [BIN, 'watch', id, '--task-queue', queue], {
      env: cliEnv(),
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collect(child);
    const exited = exitOf(child);
    await waitFor(() => output.text.includes('%'), 60_000, 'the first progress line');
    child.kill('SIGINT');
    expect(await exited).toBe(EXIT.INTERRUPTED);
    expect(output.stderr).toContain(`Migration ${id} keeps running; watch it again with:`);
    expect(output.stderr).toContain(`oms-orchestrator watch ${id} --task-queue ${queue}`);

    // `report` waits for the end: Ctrl-C there says the same (the handler is set before the warning is read).
    const waiting = spawn(process.execPath, [BIN, 'report', id, '--task-queue', queue], {
      env: cliEnv(),
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const reportOutput = collect(waiting);
    const reportExit = exitOf(waiting);
    await waitFor(() => reportOutput.stderr.includes('no worker polls'), 60_000, 'the warning of report');
    waiting.kill('SIGINT');
    expect(await reportExit).toBe(EXIT.INTERRUPTED);
    expect(reportOutput.text).toBe('');
    expect(reportOutput.stderr).toContain(`oms-orchestrator report ${id} --task-queue ${queue}`);
  } finally {
    await stack.client.workflow.getHandle(id).terminate('test cleanup');
  }
});

test('any backend can start a migration by workflow type and JSON input (temporal workflow start)', async () => {
  const temporal = await ensureTemporalCli();
  const id = uniqueId('any-language');
  const input = JSON.stringify({
    ...JSON.parse(fs.readFileSync(SEED, 'utf8')),
    orchestration: { poll_interval_seconds: 0.5 },
  });
  const common = ['--address', testEnv('address'), '--namespace', testEnv('namespace')];
  await run(temporal.path, [
    'workflow',
    'start',
    ...common,
    '--type',
    'migrationWorkflow',
    '--task-queue',
    stack.taskQueue,
    '--workflow-id',
    id,
    '--input',
    input,
  ]);
  const { stdout } = await run(temporal.path, ['workflow', 'result', ...common, '--workflow-id', id, '-o', 'json']);
  expect(stdout).toContain('"outcome": "succeeded"');

  // What operators see: summary, details and search attributes.
  const handle = stack.migrations.handle(id);
  const { report } = await stack.migrations.result(id);
  const described = await handle.describe();
  expect(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
    expect.arrayContaining([
      ['OmsTaskId', report!.task_id],
      ['OmsStatus', 'SUCCEEDED'],
      ['OmsTaskType', 'object'],
      ['OmsSrcBucket', 'a-test-1'],
      ['OmsDstBucket', 'api-test-outline'],
      ['OmsOutcome', 'succeeded'],
    ]),
  );
  const found = [];
  // Emulators seed their id generators alike, so other test files' workflows may carry the same task id: scope the
  // query to this stack's task queue.
  const query = `OmsTaskId = ${report!.task_id} AND OmsStatus = 'SUCCEEDED' AND TaskQueue = '${stack.taskQueue}'`;
  for await (const w of stack.client.workflow.list({ query })) found.push(w.workflowId);
  expect(found).toEqual([id]);
});

test('a migration started through the client has a UI summary and live details', async () => {
  const id = uniqueId('ui');
  await stack.migrations.start(stack.seedRequest(), { migrationId: id });
  await stack.migrations.result(id);
  const handle = stack.migrations.handle(id);
  expect(await (await handle.describe()).staticSummary()).toBe('OMS object migration: a-test-1 → api-test-outline');
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  expect(metadata.currentDetails).toContain('Status: **SUCCEEDED**');
  expect(metadata.currentDetails).toContain('a-test-1 → api-test-outline');
});

test('migrate --id with a different request under an existing id is refused (exit 2, naming the field); the same request attaches', async () => {
  const id = uniqueId('cli-conflict');
  expect((await inproc('migrate', '--file', SEED, '--id', id, '--watch')).code).toBe(0);
  const same = await inproc('migrate', '--file', SEED, '--id', id);
  expect(same).toMatchObject({ code: 0, out: [expect.stringContaining(`Existing migration ${id}`)] });

  const seed = JSON.parse(fs.readFileSync(SEED, 'utf8')) as Record<string, unknown>;
  const other = writeJson('other', { ...seed, description: 'another copy' });
  const refused = await inproc('migrate', '--file', other, '--id', id);
  expect(refused.code).toBe(EXIT.USAGE);
  expect(refused.out).toEqual([]);
  const text = refused.err.join('\n');
  expect(text).toContain(`Migration id ${id} is already used by a different request`);
  expect(text).toContain('description');
  expect(text).not.toContain('another copy');
});

test('output into a pipe closed early (`status X | head -2`) ends quietly, without an EPIPE crash', async () => {
  const child = spawn(process.execPath, [BIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  // Close the reading end before the CLI writes (it is still loading): every write then fails with EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect(stderr).not.toContain('EPIPE');
  expect(code).toBe(0);
});
