/**
 * Payload encryption end to end, on a dedicated dev server with its own SQLite file: a migration and a batch run
 * with AES-256-GCM payloads and bucket search attributes turned off, the client reads the decoded results, and no
 * bucket name, object key or description is anywhere in the server's database files — while a control migration
 * without encryption, on the same server, is found there (so the scan can see plaintext). The codec server decodes
 * the same history for the `temporal` CLI. The encrypting worker and client are the usual stack with the keys in its
 * `workerEnv`: the product's own wiring (the worker configuration's codec, the stack's client).
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { Client } from '@temporalio/client';

import { BatchClient } from '../../client/batch-client';
import { ENCRYPTED_ENCODING } from '../../client/codec';
import { startCodecServer } from '../../client/codec/server';
import { MigrationClient } from '../../client/migration-client';
import type { RunningEmulator } from '../../emulator';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import {
  BUCKET_SEARCH_ATTRIBUTES_MEMO,
  OMS_BATCH_ID,
  OMS_DST_BUCKET,
  OMS_SRC_BUCKET,
  OMS_STATUS,
  OMS_TASK_TYPE,
} from '../../workflows/search-attributes';
import type { MigrationRequest } from '../../workflows/request-types';
import {
  randomCodecKey,
  startTracerEmulator,
  tracerNames,
  tracerRequest,
  tracerValues,
  type TracerNames,
} from '../helpers/tracers';
import { startStack, type Stack } from '../helpers/stack';
import { testEnv } from '../helpers/env';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const run = promisify(execFile);
const tag = crypto.randomBytes(4).toString('hex');
/** Names that occur nowhere else, so finding one in the database can only mean it was stored in clear. */
const SECRET = tracerNames('secret', tag);
const PLAIN = tracerNames('plain', tag);
const CODEC_ENV = { OMS_CODEC_KEYS: `old:${randomCodecKey()},current:${randomCodecKey()}` };
const TOKEN = crypto.randomBytes(24).toString('hex');

let dir: string;
let server: DevServer;
let emulator: RunningEmulator;
let plainStack: Stack;
/** The usual stack with the keys in the worker's environment: its worker and client encrypt. */
let encrypted: Stack;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(testEnv('tmpDir'), 'encryption-'));
  server = await startDevServer({ headless: true, dbFile: path.join(dir, 'temporal.sqlite') });
  emulator = await startTracerEmulator([SECRET, PLAIN]);
  // The control: the same stack without keys, on the same server.
  plainStack = await startStack({ temporalAddress: server.address, existingEmulator: emulator });
  encrypted = await startStack({ temporalAddress: server.address, existingEmulator: emulator, workerEnv: CODEC_ENV });
});

afterAll(async () => {
  await encrypted?.close();
  await plainStack?.close();
  await emulator?.stop();
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function request(names: TracerNames): MigrationRequest {
  return tracerRequest(plainStack, names);
}

/** Every database file of the server (the WAL holds what is not checkpointed yet). */
function databaseBytes(): Buffer {
  const base = path.basename(server.dbFile!);
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(base) && !f.endsWith('.log'));
  return Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
}

/** Every payload's data in `temporal workflow show -o json` output (protobuf JSON: bytes as base64), as text. */
function payloadText(stdout: string): string {
  return [...stdout.matchAll(/"data":\s*"([A-Za-z0-9+/=]*)"/g)]
    .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
    .join('\n');
}

let secretId: string;
let plainId: string;
let batchId: string;

test('a control migration without encryption runs on the same server', async () => {
  plainId = uniqueId('plain');
  await plainStack.migrations.start(request(PLAIN), { migrationId: plainId });
  expect((await plainStack.migrations.result(plainId)).report?.src_bucket).toBe(PLAIN.src);
});

test('an encrypted migration without bucket search attributes completes, and the client reads its report', async () => {
  // The stack's client has the codec (from the keys in its environment, as the worker).
  expect(encrypted.client.options.loadedDataConverter.payloadCodecs).toHaveLength(1);
  const migrations = new MigrationClient(encrypted.client, encrypted.taskQueue, { bucketSearchAttributes: false });
  secretId = uniqueId('encrypted');
  await migrations.start(request(SECRET), { migrationId: secretId });
  const result = await migrations.result(secretId);
  expect(result.outcome).toBe('succeeded');
  expect(result.report).toMatchObject({ src_bucket: SECRET.src, dst_bucket: SECRET.dst, successful_num: 1 });

  const described = await migrations.handle(secretId).describe();
  expect(described.memo).toEqual(expect.objectContaining({ [BUCKET_SEARCH_ATTRIBUTES_MEMO]: false }));
  const attributes = described.typedSearchAttributes;
  expect(attributes.get(OMS_TASK_TYPE)).toBe('object');
  expect(attributes.get(OMS_STATUS)).toBe('SUCCEEDED');
  expect(attributes.get(OMS_SRC_BUCKET)).toBeUndefined();
  expect(attributes.get(OMS_DST_BUCKET)).toBeUndefined();
  // The summary is a payload: encrypted too, and decoded for this client.
  expect(await described.staticSummary()).toContain(SECRET.src);

  // The start event's input is stored encrypted; a client without the keys cannot read the result.
  const history = await encrypted.client.workflowService.getWorkflowExecutionHistory({
    namespace: 'default',
    execution: { workflowId: secretId },
    maximumPageSize: 1,
  });
  const input = history.history!.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  expect(Buffer.from(input.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  const keyless = new Client({ connection: encrypted.client.connection, namespace: 'default' });
  await expect(keyless.workflow.getHandle(secretId).result()).rejects.toThrow(/binary\/encrypted/);
});

test('a batch with bucket search attributes off passes the choice to every item, across continue-as-new', async () => {
  const batches = new BatchClient(encrypted.client, encrypted.taskQueue, { bucketSearchAttributes: false });
  batchId = uniqueId('encrypted-batch');
  const item = request(SECRET);
  await batches.start({ items: [item, item], concurrency: 1, continue_as_new_after_items: 1 }, { batchId });
  const result = await batches.result(batchId);
  expect(result.report).toMatchObject({ outcome: 'succeeded', runs: 2 });
  const children = result.report!.items.map((i) => i.migration_id);
  expect(new Set(children).size).toBe(2);
  // Visibility finds them by batch id: that search attribute stays.
  await waitFor(
    async () => {
      const found = [];
      for await (const wf of encrypted.client.workflow.list({
        query: `OmsBatchId = '${batchId}' AND WorkflowType = 'migrationWorkflow'`,
      }))
        found.push(wf);
      return found.length === 2;
    },
    30_000,
    `2 items with OmsBatchId = '${batchId}'`,
  );
  for (const child of children) {
    const described = await encrypted.client.workflow.getHandle(child).describe();
    expect(described.typedSearchAttributes.get(OMS_BATCH_ID)).toBe(batchId);
    expect(described.typedSearchAttributes.get(OMS_SRC_BUCKET)).toBeUndefined();
    expect(described.typedSearchAttributes.get(OMS_DST_BUCKET)).toBeUndefined();
    expect(described.memo?.[BUCKET_SEARCH_ATTRIBUTES_MEMO]).toBe(false);
  }
});

test('the codec server decodes the encrypted history for the temporal CLI (--codec-endpoint, --codec-auth)', async () => {
  const codecServer = await startCodecServer({ port: 0, env: CODEC_ENV, authToken: TOKEN });
  try {
    const cli = await ensureTemporalCli();
    const show = (extra: string[]): Promise<{ stdout: string }> =>
      run(cli.path, ['workflow', 'show', '--address', server.address, '-w', secretId, '-o', 'json', ...extra], {
        maxBuffer: 16 * 1024 * 1024,
      });
    const decoded = payloadText(
      (await show(['--codec-endpoint', codecServer.url, '--codec-auth', `Bearer ${TOKEN}`])).stdout,
    );
    expect(decoded).toContain(SECRET.src);
    expect(decoded).toContain(SECRET.description);
    expect(payloadText((await show([])).stdout)).not.toContain(SECRET.src);
  } finally {
    await codecServer.close();
  }
});

test('no bucket name, object key or description of the encrypted runs is in the database files', async () => {
  // Stopped first: the server checkpoints and closes its files, and nothing is written while they are read.
  await encrypted.stopWorker();
  await plainStack.stopWorker();
  await server.stop();
  const bytes = databaseBytes();
  // The control is there in clear: the scan sees plaintext where there is some.
  for (const value of tracerValues(PLAIN)) expect(bytes.includes(value)).toBe(true);
  for (const value of [plainId]) expect(bytes.includes(value)).toBe(true);
  // The encrypted runs are there (their ids), but none of their contents.
  expect(bytes.includes(secretId)).toBe(true);
  expect(bytes.includes(batchId)).toBe(true);
  const found = tracerValues(SECRET).filter((value) => bytes.includes(value));
  expect(found).toEqual([]);
  // Nor the tag they all share, in any encoding a payload might use.
  expect(bytes.includes(`secret-src-${tag}`)).toBe(false);
  expect(bytes.includes(Buffer.from(SECRET.src, 'utf16le'))).toBe(false);
  expect(bytes.includes(Buffer.from(SECRET.src).toString('base64').slice(0, 12))).toBe(false);
});
