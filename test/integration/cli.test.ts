/**
 * The product as a user drives it from a shell: the `oms-orchestrator` CLI and the Temporal CLI (any-language
 * start by workflow type + JSON input), in separate processes, plus what operators see in the Temporal UI.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId } from '../helpers/wait';

jest.setTimeout(180_000);

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'oms-orchestrator.js');
const SEED = path.join(ROOT, 'examples', 'demo-seed-object-task.json');

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** Runs the CLI; resolves with its exit code and output (never rejects on a non-zero exit). */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const env = { ...process.env, TEMPORAL_ADDRESS: testEnv('address'), OMS_TASK_QUEUE: stack.taskQueue };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, cwd: ROOT });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

test('migrate --watch runs the seed example to the end and exits 0 with the report', async () => {
  const id = uniqueId('cli-seed');
  const { code, out } = await cli('migrate', '--file', SEED, '--id', id, '--watch');
  expect(out).toContain(`Started migration ${id}`);
  expect(out).toContain('Outcome: succeeded');
  expect(out).toMatch(/Objects: 2 succeeded, 0 failed, 0 skipped of 2/);
  expect(code).toBe(0);

  const status = await cli('status', id, '--json');
  expect(status.code).toBe(0);
  expect(JSON.parse(status.out)).toMatchObject({ migration_id: id, workflow_status: 'COMPLETED' });

  const report = await cli('report', id, '--json');
  expect(report.code).toBe(0);
  expect(JSON.parse(report.out)).toMatchObject({ migration_id: id, outcome: 'succeeded', status: 5, total_num: 2 });
});

test('a migration with failed objects exits 4 (completed with failures) and prints failed_num and failed_object_record', async () => {
  const file = path.join(testEnv('tmpDir'), `${uniqueId('req')}.json`);
  const request = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'demo-failed-objects.json'), 'utf8')) as {
    dst_node: Record<string, unknown>;
  };
  request.dst_node.save_prefix = `${uniqueId('cli')}/`;
  fs.writeFileSync(file, JSON.stringify({ ...request, orchestration: { poll_interval_seconds: 0.5 } }));
  const { code, out } = await cli('migrate', '--file', file, '--id', uniqueId('cli-failures'), '--watch');
  expect(out).toContain('failed_num: 5');
  expect(out).toMatch(/failed_object_record: \{"result":true,"list_file_key":"oms\/failed_object_lists\//);
  expect(code).toBe(4);
});

test('an invalid request exits 2 naming each field, and nothing is started', async () => {
  const file = path.join(testEnv('tmpDir'), `${uniqueId('bad')}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({ src_node: { bucket: 'a', ak: 'RAW-KEY-1' }, dst_node: { bucket: 'b' }, task_type: 'zip' }),
  );
  const id = uniqueId('cli-invalid');
  const { code, out } = await cli('migrate', '--file', file, '--id', id);
  expect(code).toBe(2);
  expect(out).toContain('task_type');
  expect(out).toContain('src_node.ak');
  expect(out).toContain('dst_node.region');
  expect(out).not.toContain('RAW-KEY-1');
  const missing = await cli('status', id);
  expect(missing.code).toBe(1);
  expect(missing.out).toContain(`No migration with id ${id}`);
});

test('--help works for every command, and a usage error exits 2', async () => {
  for (const command of ['migrate', 'status', 'watch', 'pause', 'resume', 'bandwidth', 'cancel', 'report']) {
    const { code, out } = await cli(command, '--help');
    expect(code).toBe(0);
    expect(out).toContain(`Usage: oms-orchestrator ${command}`);
  }
  expect((await cli('--help')).code).toBe(0);
  expect((await cli('frobnicate')).code).toBe(2);
  expect((await cli('migrate')).code).toBe(2);
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
  expect((await cli('migrate', '--file', SEED, '--id', id, '--watch')).code).toBe(0);
  const same = await cli('migrate', '--file', SEED, '--id', id);
  expect(same).toMatchObject({ code: 0 });
  expect(same.out).toContain(`Existing migration ${id}`);

  const other = path.join(testEnv('tmpDir'), `${id}.json`);
  const seed = JSON.parse(fs.readFileSync(SEED, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(other, JSON.stringify({ ...seed, description: 'another copy' }));
  const refused = await cli('migrate', '--file', other, '--id', id);
  expect(refused.code).toBe(2);
  expect(refused.out).toContain(`Migration id ${id} is already used by a different request`);
  expect(refused.out).toContain('description');
  expect(refused.out).not.toContain('another copy');
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
