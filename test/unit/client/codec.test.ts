/**
 * The AES-256-GCM payload codec and its key ring: round trip, rotation, unknown keys, tampering, plain payloads,
 * and configuration errors that name the variable and never contain key material.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import {
  decodeFromPayloadsAtIndex,
  encodeToPayloads,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';

import {
  type AesGcmCodec,
  CodecConfigError,
  dataConverterFromEnv,
  describeCodec,
  ENCRYPTED_ENCODING,
  loadKeyRing,
  METADATA_ENCRYPTION_KEY_ID,
  PayloadDecryptionError,
} from '../../../client/codec';
import { bucketSearchAttributesFromEnv } from '../../../client/bucket-search-attributes';

const key = (): string => crypto.randomBytes(32).toString('base64');
const K1 = key();
const K2 = key();
const VALUE = { src_node: { bucket: 'secret-bucket', object_key: ['private/report.pdf'] }, description: 'payroll' };

function codecFor(env: Record<string, string>): AesGcmCodec {
  const converter = dataConverterFromEnv(env);
  if (!converter?.payloadCodecs?.[0]) throw new Error('no codec');
  return converter.payloadCodecs[0] as AesGcmCodec;
}

const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString();

/** Every string a configuration error may mention, to assert no key material is among them. */
function configError(env: Record<string, string | undefined>): CodecConfigError {
  try {
    loadKeyRing(env);
  } catch (err) {
    if (err instanceof CodecConfigError) return err;
    throw err;
  }
  throw new Error('expected a CodecConfigError');
}

describe('AesGcmCodec', () => {
  test('encrypts a payload and decrypts it back to the same value', async () => {
    const codec = codecFor({ OMS_CODEC_KEYS: `k1:${K1}` });
    const plain = defaultPayloadConverter.toPayload(VALUE);
    const [encrypted] = await codec.encode([plain]);
    expect(text(encrypted!.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata![METADATA_ENCRYPTION_KEY_ID])).toBe('k1');
    expect(Object.keys(encrypted!.metadata!).sort()).toEqual(
      [METADATA_ENCRYPTION_KEY_ID, METADATA_ENCODING_KEY].sort(),
    );
    // Neither the value nor its original metadata (json/plain) is readable.
    for (const needle of ['secret-bucket', 'private/report.pdf', 'payroll', 'json/plain']) {
      expect(Buffer.from(encrypted!.data!).includes(needle)).toBe(false);
    }
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(VALUE);
    expect(text(decoded!.metadata![METADATA_ENCODING_KEY])).toBe('json/plain');
  });

  test('uses a fresh random IV per payload, so equal values encrypt differently', async () => {
    const codec = codecFor({ OMS_CODEC_KEYS: `k1:${K1}` });
    const plain = defaultPayloadConverter.toPayload(VALUE);
    const [a, b] = await codec.encode([plain, plain]);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  test('round-trips null and empty payloads', async () => {
    const codec = codecFor({ OMS_CODEC_KEYS: `k1:${K1}` });
    const payloads = [undefined, null, '', [], {}].map((v) => defaultPayloadConverter.toPayload(v));
    const decoded = await codec.decode(await codec.encode(payloads));
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([undefined, null, '', [], {}]);
  });

  test('rotation: new payloads use the newest key, older payloads still decrypt with the older key', async () => {
    const before = codecFor({ OMS_CODEC_KEYS: `2025-12:${K1}` });
    const [old] = await before.encode([defaultPayloadConverter.toPayload('old')]);
    const after = codecFor({ OMS_CODEC_KEYS: `2025-12:${K1},2026-01:${K2}` });
    expect(after.activeKeyId).toBe('2026-01');
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload('new')]);
    expect(text(fresh!.metadata![METADATA_ENCRYPTION_KEY_ID])).toBe('2026-01');
    const decoded = await after.decode([old!, fresh!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['old', 'new']);
  });

  test('OMS_CODEC_ACTIVE_KEY_ID picks the key for new payloads instead of the last one listed', async () => {
    const codec = codecFor({ OMS_CODEC_KEYS: `a:${K1},b:${K2}`, OMS_CODEC_ACTIVE_KEY_ID: 'a' });
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(1)]);
    expect(text(encrypted!.metadata![METADATA_ENCRYPTION_KEY_ID])).toBe('a');
  });

  test('an unknown key id fails with an error naming the key id, never a key', async () => {
    const [encrypted] = await codecFor({ OMS_CODEC_KEYS: `retired:${K1}` }).encode([
      defaultPayloadConverter.toPayload(VALUE),
    ]);
    const err = await codecFor({ OMS_CODEC_KEYS: `current:${K2}` })
      .decode([encrypted!])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadDecryptionError);
    expect((err as PayloadDecryptionError).keyId).toBe('retired');
    expect((err as Error).message).toContain('"retired"');
    expect((err as Error).message).toContain('OMS_CODEC_KEYS');
    for (const k of [K1, K2]) expect((err as Error).message).not.toContain(k);
  });

  test('a tampered payload fails the authentication check', async () => {
    const codec = codecFor({ OMS_CODEC_KEYS: `k1:${K1}` });
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(VALUE)]);
    for (const offset of [0, 20, encrypted!.data!.length - 1]) {
      const data = Buffer.from(encrypted!.data!);
      data[offset] = data[offset]! ^ 0x01;
      const err = await codec.decode([{ ...encrypted!, data }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PayloadDecryptionError);
      expect((err as Error).message).toMatch(/failed authentication/);
    }
  });

  test('another key under the same id fails the authentication check', async () => {
    const [encrypted] = await codecFor({ OMS_CODEC_KEYS: `k1:${K1}` }).encode([defaultPayloadConverter.toPayload(1)]);
    const err = await codecFor({ OMS_CODEC_KEYS: `k1:${K2}` })
      .decode([encrypted!])
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/key id "k1" failed authentication/);
  });

  test('a truncated payload or one without a key id is refused', async () => {
    const codec = codecFor({ OMS_CODEC_KEYS: `k1:${K1}` });
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(1)]);
    await expect(codec.decode([{ ...encrypted!, data: encrypted!.data!.subarray(0, 20) }])).rejects.toThrow(
      /truncated/,
    );
    const metadata = { [METADATA_ENCODING_KEY]: encrypted!.metadata![METADATA_ENCODING_KEY]! };
    await expect(codec.decode([{ metadata, data: encrypted!.data }])).rejects.toThrow(/encryption-key-id/);
  });

  test('payloads recorded before encryption pass through decode unchanged', async () => {
    const codec = codecFor({ OMS_CODEC_KEYS: `k1:${K1}` });
    const plain: Payload[] = [
      defaultPayloadConverter.toPayload(VALUE),
      defaultPayloadConverter.toPayload(null),
      defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3])),
      { data: Buffer.from('no metadata') },
    ];
    const decoded = await codec.decode(plain);
    decoded.forEach((p, i) => expect(p).toBe(plain[i]));
  });

  test('works as the data converter of a client/worker: encode and decode through loadDataConverter', async () => {
    const converter = loadDataConverter(dataConverterFromEnv({ OMS_CODEC_KEYS: `k1:${K1}` }));
    const payloads = await encodeToPayloads(converter, VALUE);
    expect(text(payloads![0]!.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(await decodeFromPayloadsAtIndex(converter, 0, payloads)).toEqual(VALUE);
  });
});

describe('dataConverterFromEnv and describeCodec', () => {
  test('return undefined / off when no keys are configured', () => {
    expect(dataConverterFromEnv({})).toBeUndefined();
    expect(dataConverterFromEnv({ OMS_CODEC_KEYS: '  ' })).toBeUndefined();
    expect(describeCodec({})).toEqual({ encryption: 'off', keyIds: [] });
  });

  test('describe the key ids and the active key, never the keys', () => {
    const description = describeCodec({ OMS_CODEC_KEYS: `old:${K1}, new:${K2}` });
    expect(description).toEqual({ encryption: 'aes-256-gcm', keyIds: ['old', 'new'], activeKeyId: 'new' });
    expect(JSON.stringify(description)).not.toContain(K1.slice(0, 10));
  });

  test('read the keys from a file: the same list, or JSON with an active key id', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-codec-'));
    const list = path.join(dir, 'keys.txt');
    fs.writeFileSync(list, `a:${K1}\nb:${K2}\n`);
    expect(describeCodec({ OMS_CODEC_KEYS_FILE: list })).toMatchObject({ keyIds: ['a', 'b'], activeKeyId: 'b' });
    const json = path.join(dir, 'keys.json');
    fs.writeFileSync(
      json,
      JSON.stringify({
        keys: [
          { id: 'a', key: K1 },
          { id: 'b', key: K2 },
        ],
        activeKeyId: 'a',
      }),
    );
    expect(describeCodec({ OMS_CODEC_KEYS_FILE: json })).toMatchObject({ keyIds: ['a', 'b'], activeKeyId: 'a' });
    // The variable wins over the file's choice.
    expect(describeCodec({ OMS_CODEC_KEYS_FILE: json, OMS_CODEC_ACTIVE_KEY_ID: 'b' }).activeKeyId).toBe('b');
    fs.rmSync(dir, { recursive: true });
  });

  test('accept URL-safe base64 and unpadded keys', () => {
    const raw = crypto.randomBytes(32);
    const urlSafe = raw.toString('base64url');
    expect(describeCodec({ OMS_CODEC_KEYS: `u:${urlSafe}` }).keyIds).toEqual(['u']);
    expect(describeCodec({ OMS_CODEC_KEYS: `p:${raw.toString('base64').replace(/=+$/, '')}` }).keyIds).toEqual(['p']);
  });
});

describe('configuration errors name the variable and never contain key material', () => {
  const short = crypto.randomBytes(16).toString('base64');
  const cases: [string, Record<string, string | undefined>, RegExp][] = [
    [
      'a key of the wrong length',
      { OMS_CODEC_KEYS: `k1:${short}` },
      /OMS_CODEC_KEYS entry 1: key "k1" must be 32 bytes.*it has 16/,
    ],
    [
      'a key that is not base64',
      { OMS_CODEC_KEYS: 'k1:not*base64!' },
      /OMS_CODEC_KEYS entry 1: key "k1" is not base64/,
    ],
    ['an entry without an id', { OMS_CODEC_KEYS: K1 }, /OMS_CODEC_KEYS entry 1 is not <key id>:<base64 key>/],
    ['key and id swapped', { OMS_CODEC_KEYS: `${K1}:k1` }, /OMS_CODEC_KEYS entry 1: the key id must be/],
    ['a duplicate id', { OMS_CODEC_KEYS: `k1:${K1},k1:${K2}` }, /OMS_CODEC_KEYS entry 2: key id "k1" is listed twice/],
    ['both sources', { OMS_CODEC_KEYS: `k1:${K1}`, OMS_CODEC_KEYS_FILE: '/x' }, /set only one of OMS_CODEC_KEYS and/],
    ['an active id without keys', { OMS_CODEC_ACTIVE_KEY_ID: 'k1' }, /OMS_CODEC_ACTIVE_KEY_ID is set, but no keys/],
    [
      'an active id that is not configured',
      { OMS_CODEC_KEYS: `k1:${K1}`, OMS_CODEC_ACTIVE_KEY_ID: 'k9' },
      /OMS_CODEC_ACTIVE_KEY_ID names key "k9", which is not configured \(keys: k1\)/,
    ],
    [
      'a key pasted as the active id',
      { OMS_CODEC_KEYS: `k1:${K1}`, OMS_CODEC_ACTIVE_KEY_ID: K2 },
      /OMS_CODEC_ACTIVE_KEY_ID must be a key id/,
    ],
    [
      'a missing key file',
      { OMS_CODEC_KEYS_FILE: '/nonexistent/keys.json' },
      /OMS_CODEC_KEYS_FILE \(\/nonexistent\/keys.json\) cannot be read \(ENOENT\)/,
    ],
  ];
  test.each(cases)('%s', (_name, env, expected) => {
    const err = configError(env);
    expect(err.message).toMatch(expected);
    expect(err.problems.length).toBeGreaterThan(0);
    for (const secret of [K1, K2, short, K1.slice(0, 16), K2.slice(0, 16)]) expect(err.message).not.toContain(secret);
  });

  test('every problem is reported together', () => {
    const err = configError({ OMS_CODEC_KEYS: `a:${short},b:x!,${K2}` });
    expect(err.problems).toHaveLength(3);
  });

  test('invalid JSON in the key file is reported without quoting the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-codec-'));
    const file = path.join(dir, 'keys.json');
    fs.writeFileSync(file, `{"keys": [{"id": "a", "key": "${K1}"}`);
    const err = configError({ OMS_CODEC_KEYS_FILE: file });
    expect(err.message).toMatch(/OMS_CODEC_KEYS_FILE \(.*\) is not valid JSON/);
    expect(err.message).not.toContain(K1.slice(0, 8));
    fs.writeFileSync(file, JSON.stringify({ keys: [{ id: 'a', key: short }] }));
    const wrong = configError({ OMS_CODEC_KEYS_FILE: file });
    expect(wrong.message).toMatch(/keys\[0\]: key "a" must be 32 bytes/);
    expect(wrong.message).not.toContain(short);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('OMS_SEARCH_ATTRIBUTE_BUCKETS', () => {
  test('is true when unset, parses true/false strictly, and names itself when invalid', () => {
    expect(bucketSearchAttributesFromEnv({})).toBe(true);
    expect(bucketSearchAttributesFromEnv({ OMS_SEARCH_ATTRIBUTE_BUCKETS: 'false' })).toBe(false);
    expect(bucketSearchAttributesFromEnv({ OMS_SEARCH_ATTRIBUTE_BUCKETS: 'TRUE' })).toBe(true);
    expect(() => bucketSearchAttributesFromEnv({ OMS_SEARCH_ATTRIBUTE_BUCKETS: 'no' })).toThrow(
      'OMS_SEARCH_ATTRIBUTE_BUCKETS must be true or false',
    );
  });
});
