/**
 * Starting under an existing id (same request attaches, another is refused naming fields, never values), starts
 * the server refuses as too large (the error says size against limit), and the CLI's output streams — against
 * fake Temporal clients and the CLI as a process, no server needed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Client } from '@temporalio/client';
import { ServiceError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';

import { BatchClient } from '../../../client/batch-client';
import { EXIT, runCli } from '../../../client/cli';
import {
  MIGRATION_WORKFLOW_TYPE,
  MigrationClient,
  MigrationIdConflictError,
  PayloadTooLargeError,
  payloadSizeRefusal,
} from '../../../client/migration-client';
import { BatchScheduleClient } from '../../../client/schedules';
import { validateMigrationRequest } from '../../../workflows/shared/validate-request';
import type { MigrationRequest } from '../../../workflows/request-types';

const ROOT = path.resolve(__dirname, '../../..');

const request = (): MigrationRequest => ({
  task_type: 'object',
  src_node: { region: 'cn-north-7', credential_profile: 'src', bucket: 'a-test-1', object_key: ['01.png'] },
  dst_node: { region: 'cn-north-7', credential_profile: 'dst', bucket: 'api-test-outline' },
});

/** The server's refusals as the TypeScript SDK surfaces them (seen against the Temporal CLI dev server 1.5.1). */
const grpcError = (code: number, details: string): Error =>
  Object.assign(new Error(`${code} ${code === 3 ? 'INVALID_ARGUMENT' : 'RESOURCE_EXHAUSTED'}: ${details}`), {
    code,
    details,
  });
const BLOB_REFUSAL = new ServiceError('Failed to start Workflow', {
  cause: grpcError(3, 'Blob data size exceeds limit.'),
});
const GRPC_REFUSAL = new ServiceError('Failed to start Workflow', {
  cause: grpcError(8, 'grpc: received message larger than max (5000132 vs. 4194304)'),
});

interface FakeHistory {
  type?: string;
  /** Start-event input per run id; `Error` = that history cannot be read. */
  runs: Record<string, unknown>;
  firstRunId: string;
  runId: string;
}

/** A client whose starts fail with `startError`, and whose existing execution is `existing`. */
function fakeClient(startError: Error, existing?: FakeHistory): Client {
  const converter = loadDataConverter();
  return {
    options: { namespace: 'default', loadedDataConverter: converter },
    workflow: {
      start: () => Promise.reject(startError),
      getHandle: () => ({
        describe: () =>
          Promise.resolve({
            type: existing?.type ?? MIGRATION_WORKFLOW_TYPE,
            runId: existing?.runId,
            raw: { workflowExecutionInfo: { firstRunId: existing?.firstRunId } },
          }),
      }),
    },
    workflowService: {
      getWorkflowExecutionHistory: ({ execution }: { execution: { runId: string } }) => {
        const input = existing?.runs[execution.runId];
        if (input === undefined || input instanceof Error) return Promise.reject(new Error('not found'));
        const payload = defaultPayloadConverter.toPayload(input);
        return Promise.resolve({
          history: { events: [{ workflowExecutionStartedEventAttributes: { input: { payloads: [payload] } } }] },
        });
      },
    },
    schedule: { create: () => Promise.reject(startError) },
  } as unknown as Client;
}

const ALREADY = new WorkflowExecutionAlreadyStartedError('already started', 'm-1', MIGRATION_WORKFLOW_TYPE);

/** Starts `next` under id m-1, where a migration with the given history exists. */
async function startOver(next: unknown, existing: Partial<FakeHistory> & { runs: Record<string, unknown> }) {
  const history: FakeHistory = { firstRunId: 'run-1', runId: 'run-1', ...existing };
  return new MigrationClient(fakeClient(ALREADY, history)).start(next, { migrationId: 'm-1' });
}

describe('a migration id is one request', () => {
  test('the same request attaches, also with defaults spelled out or keys in another order', async () => {
    const same = { dst_node: request().dst_node, src_node: request().src_node, enable_failed_object_recording: true };
    await expect(startOver(same, { runs: { 'run-1': request() } })).resolves.toEqual({
      migrationId: 'm-1',
      runId: 'run-1',
      existing: true,
    });
  });

  test('another request is refused, naming each differing field and never a value', async () => {
    const other = {
      ...request(),
      description: 'QQ-new-description',
      src_node: { ...request().src_node, credential_profile: 'QQ-other-profile' },
      dst_node: { ...request().dst_node, save_prefix: 'QQ-prefix/' },
    };
    const refused = await startOver(other, { runs: { 'run-1': request() } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MigrationIdConflictError);
    const conflict = refused as MigrationIdConflictError;
    expect(conflict.fields).toEqual(['description', 'dst_node.save_prefix', 'src_node.credential_profile']);
    expect(conflict.reason).toBeUndefined();
    expect(conflict.message).toBe(
      'Migration id m-1 is already used by a different request (differs at: description, dst_node.save_prefix, ' +
        'src_node.credential_profile); choose another id, or send the same request to attach to it',
    );
    expect(JSON.stringify({ ...conflict, message: conflict.message })).not.toContain('QQ');
  });

  test('a continued run is compared through its normalized input when the first run is gone', async () => {
    const normalized = validateMigrationRequest(request());
    if (!normalized.ok) throw new Error('invalid fixture');
    const runs = { 'run-1': new Error('gone'), 'run-3': normalized.request };
    await expect(startOver(request(), { runs, runId: 'run-3' })).resolves.toMatchObject({ existing: true });
    await expect(startOver({ ...request(), task_type: 'prefix' }, { runs, runId: 'run-3' })).rejects.toMatchObject({
      fields: ['task_type'],
    });
  });

  test('a request the first rules accepted is compared under them (no false conflict)', async () => {
    const old = { ...request(), src_node: { ...request().src_node, credential_profile: 'old_style.name' } };
    const next = { ...old, src_node: { ...old.src_node, credential_profile: 'new-style' } };
    await expect(startOver(next, { runs: { 'run-1': old } })).rejects.toMatchObject({
      fields: ['src_node.credential_profile'],
      reason: undefined,
    });
  });

  test.each([
    ['an input that is not a migration request', { runs: { 'run-1': { items: [] } } }, /not started with a valid/],
    ['a history that cannot be read', { runs: { 'run-1': new Error('gone') } }, /could not be read/],
    ['another workflow type', { type: 'batchMigrationWorkflow', runs: { 'run-1': request() } }, /batchMigration/],
  ] as const)('an existing execution with %s is a conflict, with the reason', async (_what, existing, reason) => {
    const refused = await startOver(request(), existing).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MigrationIdConflictError);
    expect((refused as MigrationIdConflictError).fields).toEqual(['$']);
    expect((refused as MigrationIdConflictError).reason).toMatch(reason);
    expect((refused as Error).message).toMatch(/^Migration id m-1 is already used, and its request cannot be compared/);
  });
});

describe('a start refused as too large says why', () => {
  test('recognises the server refusals (payload limit, gRPC message limit) and nothing else', () => {
    expect(payloadSizeRefusal(BLOB_REFUSAL)).toBe('Blob data size exceeds limit.');
    expect(payloadSizeRefusal(GRPC_REFUSAL)).toBe('grpc: received message larger than max (5000132 vs. 4194304)');
    expect(payloadSizeRefusal(new ServiceError('Failed to start Workflow', { cause: grpcError(14, 'down') }))).toBe(
      undefined,
    );
    expect(payloadSizeRefusal('Blob data size exceeds limit.')).toBeUndefined();
  });

  test.each([
    ['payload limit', BLOB_REFUSAL],
    ['gRPC message limit', GRPC_REFUSAL],
  ])('a migration (%s): the size of the request against the limits', async (_what, refusal) => {
    const req = request();
    const failed = await new MigrationClient(fakeClient(refusal))
      .start(req, { migrationId: 'm-big' })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(PayloadTooLargeError);
    const error = failed as PayloadTooLargeError;
    const bytes = Buffer.byteLength(JSON.stringify(req));
    expect(error).toMatchObject({ workflowId: 'm-big', bytes, boundBytes: 262_144, cause: refusal });
    expect(error.message).toContain(`Temporal refused to start m-big: its input is ${bytes} bytes of JSON`);
    expect(error.message).toContain("Temporal's default payload limit is 2 MB");
    expect(error.message).toContain('at or under 262144 bytes');
  });

  test('a batch and a batch schedule too; other failures pass through unchanged', async () => {
    const batch = { items: [request()] };
    await expect(new BatchClient(fakeClient(BLOB_REFUSAL)).start(batch, { batchId: 'b-1' })).rejects.toMatchObject({
      name: 'PayloadTooLargeError',
      workflowId: 'b-1',
      boundBytes: 524_288,
    });
    await expect(
      new BatchScheduleClient(fakeClient(GRPC_REFUSAL), 'q').create({ scheduleId: 's-1', batch, every: '1h' }),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
    const unavailable = new ServiceError('Failed to start Workflow', { cause: grpcError(14, 'unavailable') });
    await expect(new MigrationClient(fakeClient(unavailable)).start(request())).rejects.toBe(unavailable);
  });
});

describe('CLI output streams', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, sinks: [(t: string) => out.push(t), (t: string) => err.push(t)] as const };
  };

  test('problems go to the error stream, results and help to the output stream', async () => {
    const usage = capture();
    expect(await runCli(['frobnicate'], ...usage.sinks)).toBe(EXIT.USAGE);
    expect(usage.out).toEqual([]);
    expect(usage.err.join('\n')).toContain('Unknown command "frobnicate"');

    const help = capture();
    expect(await runCli(['migrate', '--help'], ...help.sinks)).toBe(EXIT.OK);
    expect(help.err).toEqual([]);
    expect(help.out.join('\n')).toContain('another request under it is refused');
  });

  test('an invalid request exits 2 before any connection, naming fields, never values', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'bad.json');
    const bad = {
      ...request(),
      dst_node: { ...request().dst_node, region: 'cn-north-4\n', credential_profile: 'QQ/k+' },
    };
    fs.writeFileSync(file, JSON.stringify(bad));
    const run = capture();
    // Nothing listens on port 1: the refusal comes before any connection attempt.
    expect(await runCli(['migrate', '--file', file, '--address', '127.0.0.1:1'], ...run.sinks)).toBe(EXIT.USAGE);
    expect(run.out).toEqual([]);
    const text = run.err.join('\n');
    expect(text).toContain('dst_node.region');
    expect(text).toContain('dst_node.credential_profile');
    expect(text).not.toContain('QQ');
  });

  /** Runs `client/cli/index.ts` as a process with its standard output closed before it writes. */
  function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(ROOT, 'client', 'cli', 'index.ts'), ...args],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  }

  test('output into a closed pipe (`… | head`) ends quietly, without an EPIPE crash', async () => {
    const { code, stderr } = await runWithClosedStdout(['--help']);
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.OK);
  }, 60_000);

  test('with standard output closed, a usage error still reaches standard error with exit code 2', async () => {
    const { code, stderr } = await runWithClosedStdout(['migrate']);
    expect(stderr).toContain('Missing --file.');
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(EXIT.USAGE);
  }, 60_000);
});
