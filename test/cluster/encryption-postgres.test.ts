/**
 * Payload encryption on the production server: a migration and a batch run with AES-256-GCM payloads (two keys, as
 * after a rotation) and bucket search attributes off, on temporal-server with PostgreSQL; then `pg_dump` of both
 * databases (history store and visibility) holds no bucket name, object key or description of those runs — while a
 * control migration without keys, on the same server, is found in the same dump (so the scan sees plaintext).
 */
import crypto from 'node:crypto';

import { BatchClient } from '../../client/batch-client';
import { MigrationClient } from '../../client/migration-client';
import type { RunningEmulator } from '../../emulator';
import type { MigrationRequest } from '../../workflows/request-types';
import { dumpTables } from '../helpers/cluster';
import {
  randomCodecKey,
  startTracerEmulator,
  tracerNames,
  tracerRequest,
  tracerValues,
  type TracerNames,
} from '../helpers/tracers';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId } from '../helpers/wait';

jest.setTimeout(240_000);

const tag = crypto.randomBytes(4).toString('hex');
const SECRET = tracerNames('pg-secret', tag);
const PLAIN = tracerNames('pg-plain', tag);
const CODEC_ENV = { OMS_CODEC_KEYS: `retired:${randomCodecKey()},current:${randomCodecKey()}` };

let emulator: RunningEmulator;
let plain: Stack;
let encrypted: Stack;

beforeAll(async () => {
  emulator = await startTracerEmulator([SECRET, PLAIN]);
  plain = await startStack({ existingEmulator: emulator });
  encrypted = await startStack({ existingEmulator: emulator, workerEnv: CODEC_ENV });
});

afterAll(async () => {
  await encrypted?.close();
  await plain?.close();
  await emulator?.stop();
});

function request(names: TracerNames): MigrationRequest {
  return tracerRequest(plain, names);
}

test('encrypted runs leave no bucket, key or description in a pg_dump; an unencrypted one does', async () => {
  const plainId = uniqueId('pg-plain');
  await plain.migrations.start(request(PLAIN), { migrationId: plainId });
  expect((await plain.migrations.result(plainId)).outcome).toBe('succeeded');

  const migrations = new MigrationClient(encrypted.client, encrypted.taskQueue, { bucketSearchAttributes: false });
  const secretId = uniqueId('pg-encrypted');
  await migrations.start(request(SECRET), { migrationId: secretId });
  const result = await migrations.result(secretId);
  expect(result.outcome).toBe('succeeded');
  expect(result.report).toMatchObject({ src_bucket: SECRET.src, dst_bucket: SECRET.dst, successful_num: 1 });

  const batches = new BatchClient(encrypted.client, encrypted.taskQueue, { bucketSearchAttributes: false });
  const batchId = uniqueId('pg-encrypted-batch');
  await batches.start({ items: [request(SECRET), request(SECRET)], concurrency: 2 }, { batchId });
  expect((await batches.result(batchId)).report).toMatchObject({ outcome: 'succeeded' });

  const dump = (await dumpTables([])) + (await dumpTables([], { database: 'temporal_visibility' }));
  // Bytea columns are dumped as hex: search both the text and its hex form.
  const contains = (text: string): boolean => dump.includes(text) || dump.includes(Buffer.from(text).toString('hex'));
  for (const text of tracerValues(PLAIN)) expect({ text, found: contains(text) }).toEqual({ text, found: true });
  for (const text of tracerValues(SECRET)) expect({ text, found: contains(text) }).toEqual({ text, found: false });
  // The runs themselves are in the dump (their ids are plaintext by design): the scan looked at the right rows.
  expect(dump).toContain(secretId);
  expect(dump).toContain(batchId);
});
