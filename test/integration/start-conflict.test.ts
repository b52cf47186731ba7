/**
 * A migration id stands for one request, on the real dev server with the emulator and a worker: starting the same
 * request again attaches to the migration (running, completed or failed); another request under the id is refused
 * with `MigrationIdConflictError` naming the differing fields (never their values), and the CLI exits 2 saying so
 * on standard error. Also: the CLI ends quietly when its output pipe closes early, and the server's refusals of an
 * oversized start are recognised and explained.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import {
  MIGRATION_WORKFLOW_TYPE,
  MigrationIdConflictError,
  asPayloadTooLarge,
  payloadSizeRefusal,
} from '../../client/migration-client';
import type { MigrationRequest } from '../../workflows/request-types';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'oms-orchestrator.js');

let stack: Stack;
beforeAll(async () => {
  // 1 MiB/s caps make the 200 MiB demo-logs migration last 200 simulated seconds = 10 s at this scale.
  stack = await startStack({ emulator: { timeScale: 20 } });
});
afterAll(async () => {
  await stack?.close();
});

/** The seed example copying to a fresh destination prefix (a few seconds). */
const quick = (): MigrationRequest =>
  stack.seedRequest({ dst_node: { ...stack.seedRequest().dst_node, save_prefix: `${uniqueId('quick')}/` } });

/** A migration that runs for a while: 200 MiB at 1 MiB/s. */
const slow = (): MigrationRequest =>
  stack.seedRequest({
    task_type: 'prefix',
    src_node: { ...stack.seedRequest().src_node, bucket: 'demo-logs', object_key: ['logs/'] },
    dst_node: { ...stack.seedRequest().dst_node, save_prefix: `${uniqueId('slow')}/` },
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
  });

/** Starts `request` under `id`; resolves with the conflict it was refused with. */
async function refusal(request: unknown, id: string): Promise<MigrationIdConflictError> {
  const result = await stack.migrations.start(request, { migrationId: id }).catch((e: unknown) => e);
  if (!(result instanceof MigrationIdConflictError)) throw new Error(`expected a conflict, got ${String(result)}`);
  return result;
}

/** The variations every test tries, with the one field each changes (values chosen to be easy to grep for). */
const variations = (base: MigrationRequest): [MigrationRequest, string[]][] => [
  [{ ...base, dst_node: { ...base.dst_node, save_prefix: 'QQ-elsewhere/' } }, ['dst_node.save_prefix']],
  [{ ...base, description: 'QQ another description' }, ['description']],
  [
    { ...base, src_node: { ...base.src_node, credential_profile: 'QQ-other-profile' } },
    ['src_node.credential_profile'],
  ],
  [
    { ...base, orchestration: { ...base.orchestration, on_cancel: 'detach' }, enable_restore: true },
    ['enable_restore', 'orchestration.on_cancel'],
  ],
];

async function expectOneRequestPerId(id: string, request: MigrationRequest, runId: string): Promise<void> {
  await expect(stack.migrations.start(request, { migrationId: id })).resolves.toEqual({
    migrationId: id,
    runId,
    existing: true,
  });
  for (const [other, fields] of variations(request)) {
    const conflict = await refusal(other, id);
    expect(conflict.fields).toEqual(fields);
    expect(conflict.message).toContain(`Migration id ${id} is already used by a different request (differs at: `);
    expect(conflict.message).not.toContain('QQ');
  }
}

test('while it runs: the same request attaches, another is refused naming the field; nothing else starts', async () => {
  const id = uniqueId('conflict-running');
  const request = slow();
  const started = await stack.migrations.start(request, { migrationId: id });
  expect(started.existing).toBe(false);
  await expectOneRequestPerId(id, request, started.runId);
  const described = await stack.migrations.handle(id).describe();
  expect(described.status.name).toBe('RUNNING');
  expect(described.runId).toBe(started.runId);
  await stack.migrations.cancel(id);
  expect((await stack.migrations.result(id)).outcome).toBe('cancelled');
  // Closed by cancellation, it is still the migration of that request.
  await expectOneRequestPerId(id, request, started.runId);
});

test('after it completed: the same request attaches, another is refused', async () => {
  const id = uniqueId('conflict-completed');
  const request = quick();
  const started = await stack.migrations.start(request, { migrationId: id });
  expect((await stack.migrations.result(id)).outcome).toBe('succeeded');
  await expectOneRequestPerId(id, request, started.runId);
});

test('after it failed: the same request attaches, another is refused', async () => {
  const id = uniqueId('conflict-failed');
  // A source profile the worker does not have: the migration fails before any create.
  const request = { ...quick(), src_node: { ...quick().src_node, credential_profile: 'missing-profile' } };
  const started = await stack.migrations.start(request, { migrationId: id });
  const result = await stack.migrations.result(id);
  expect(result.failure?.type).toBe('CredentialsMissing');
  expect((await stack.migrations.handle(id).describe()).status.name).toBe('FAILED');
  await expectOneRequestPerId(id, request, started.runId);
});

test('an id whose execution was not started with a migration request is refused, with the reason', async () => {
  const id = uniqueId('conflict-foreign');
  await stack.client.workflow.start(MIGRATION_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: id,
    args: [{ not: 'a migration request' }],
  });
  await waitFor(
    async () => (await stack.migrations.handle(id).describe()).status.name === 'FAILED',
    60_000,
    'the invalid start to fail',
  );
  const conflict = await refusal(quick(), id);
  expect(conflict.fields).toEqual(['$']);
  expect(conflict.reason).toBe('the existing migration was not started with a valid migration request');
});

describe('the CLI', () => {
  /** Runs the CLI; resolves with its exit code and each output stream (never rejects on a non-zero exit). */
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env, TEMPORAL_ADDRESS: testEnv('address'), OMS_TASK_QUEUE: stack.taskQueue };
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, cwd: ROOT });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  const writeRequest = (request: unknown): string => {
    const file = path.join(testEnv('tmpDir'), `${uniqueId('request')}.json`);
    fs.writeFileSync(file, JSON.stringify(request));
    return file;
  };

  test('migrate --id with another request exits 2 naming the field on standard error; the same request attaches', async () => {
    const id = uniqueId('cli-conflict');
    const request = quick();
    const file = writeRequest(request);
    const first = await cli('migrate', '--file', file, '--id', id);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`Started migration ${id}`);

    const same = await cli('migrate', '--file', file, '--id', id);
    expect(same).toMatchObject({ code: 0, stderr: '' });
    expect(same.stdout).toContain(`Existing migration ${id}`);

    const other = writeRequest({ ...request, dst_node: { ...request.dst_node, save_prefix: 'QQ-elsewhere/' } });
    const refused = await cli('migrate', '--file', other, '--id', id);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      `Migration id ${id} is already used by a different request (differs at: dst_node.save_prefix)`,
    );
    expect(refused.stderr).not.toContain('QQ');

    // Finished, the migration still holds its id.
    await stack.migrations.result(id);
    expect((await cli('migrate', '--file', other, '--id', id)).code).toBe(2);
    expect((await cli('migrate', '--file', file, '--id', id)).code).toBe(0);
  });

  test('`status X | head -1` ends quietly: no EPIPE, exit 0', async () => {
    const id = uniqueId('cli-pipe');
    await stack.migrations.start(quick(), { migrationId: id });
    await stack.migrations.result(id);

    // Standard output closed before the CLI writes its three lines.
    const child = spawn(process.execPath, [BIN, 'status', id], {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: testEnv('address'), OMS_TASK_QUEUE: stack.taskQueue },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);

    // The shell pipeline itself.
    const env = { ...process.env, TEMPORAL_ADDRESS: testEnv('address'), OMS_TASK_QUEUE: stack.taskQueue };
    const script = `"${process.execPath}" "${BIN}" status "${id}" | head -1; echo "cli exit \${PIPESTATUS[0]}" >&2`;
    const piped = await run('bash', ['-c', script], { env, cwd: ROOT });
    expect(piped.stdout).toMatch(new RegExp(`^Migration ${id}: finished \\(succeeded\\)`));
    expect(piped.stdout.trim().split('\n')).toHaveLength(1);
    expect(piped.stderr).toBe('cli exit 0\n');
  });
});

test("the server's refusal of an oversized start is recognised and explained with the size", async () => {
  // A raw start, past the validator (which keeps requests at 256 KiB), over Temporal's 2 MB payload limit. (Over
  // the 4 MB gRPC message limit the SDK retries RESOURCE_EXHAUSTED for half a minute first; the unit tests cover
  // that refusal's shape.)
  const id = uniqueId('too-large');
  const input = { src_node: { object_key: ['k'.repeat(2_500_000)] } };
  const err = await stack.client.workflow
    .start(MIGRATION_WORKFLOW_TYPE, { taskQueue: uniqueId('no-worker'), workflowId: id, args: [input] })
    .catch((e: unknown) => e);
  expect(payloadSizeRefusal(err)).toBe('Blob data size exceeds limit.');
  const explained = asPayloadTooLarge(err, id, input, 262_144);
  expect(explained?.message).toContain(`Temporal refused to start ${id}: its input is 2500032 bytes of JSON`);
});
