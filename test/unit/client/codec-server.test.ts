/**
 * The codec server over real HTTP on loopback: the token (header and path prefix), CORS for the Web UI's origin,
 * encode/decode round trips in the protocol's JSON shape, the body limit, and its configuration from the
 * environment.
 */
import crypto from 'node:crypto';

import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';

import { CodecConfigError, dataConverterFromEnv, ENCRYPTED_ENCODING } from '../../../client/codec';
import {
  loadCodecServerConfig,
  startCodecServer,
  type CodecRequestLog,
  type RunningCodecServer,
} from '../../../client/codec/server';

const TOKEN = crypto.randomBytes(24).toString('hex');
const KEY = crypto.randomBytes(32).toString('base64');
const ENV = { OMS_CODEC_KEYS: `k1:${KEY}` };
const UI = 'http://127.0.0.1:8233';

/** The Payloads JSON the Web UI sends for `value`. */
function payloadsJson(...values: unknown[]): { payloads: { metadata: Record<string, string>; data?: string }[] } {
  return {
    payloads: values.map((v) => {
      const p = defaultPayloadConverter.toPayload(v);
      const metadata = Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, b]) => [k, Buffer.from(b).toString('base64')]),
      );
      return p.data?.length ? { metadata, data: Buffer.from(p.data).toString('base64') } : { metadata };
    }),
  };
}

function valuesOf(body: { payloads: { metadata: Record<string, string>; data?: string }[] }): unknown[] {
  return body.payloads.map((p) =>
    defaultPayloadConverter.fromPayload({
      metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: p.data === undefined ? undefined : Buffer.from(p.data, 'base64'),
    }),
  );
}

let server: RunningCodecServer;
const logs: CodecRequestLog[] = [];
beforeAll(async () => {
  server = await startCodecServer({
    port: 0,
    env: ENV,
    authToken: TOKEN,
    allowedOrigins: [UI],
    maxBodyBytes: 64 * 1024,
    log: (entry) => logs.push(entry),
  });
});
afterAll(async () => {
  await server?.close();
});

const post = (pathname: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${server.url}${pathname}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const auth = { Authorization: `Bearer ${TOKEN}` };

test('binds to loopback by default and reports its url', () => {
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('refuses requests without the token, or with a wrong one, with 401', async () => {
  const wrong: Record<string, string>[] = [{}, { Authorization: `Bearer ${TOKEN}x` }, { Authorization: TOKEN }];
  for (const headers of wrong) {
    const res = await post('/decode', payloadsJson('x'), headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.text()).not.toContain(TOKEN);
  }
  expect((await post(`/wrong-${TOKEN.slice(1)}/decode`, payloadsJson('x'))).status).toBe(401);
});

test('encodes with the active key and decodes back (bearer token, as the temporal CLI sends it)', async () => {
  const encoded = await post('/encode', payloadsJson({ bucket: 'secret-bucket' }, 'two'), auth);
  expect(encoded.status).toBe(200);
  expect(encoded.headers.get('cache-control')).toBe('no-store');
  const encodedBody = (await encoded.json()) as ReturnType<typeof payloadsJson>;
  expect(encodedBody.payloads).toHaveLength(2);
  const meta = encodedBody.payloads[0]!.metadata;
  expect(Buffer.from(meta[METADATA_ENCODING_KEY]!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(meta['encryption-key-id']!, 'base64').toString()).toBe('k1');
  expect(JSON.stringify(encodedBody)).not.toContain(Buffer.from('secret-bucket').toString('base64'));

  const decoded = await post('/decode', encodedBody, auth);
  expect(decoded.status).toBe(200);
  expect(valuesOf((await decoded.json()) as ReturnType<typeof payloadsJson>)).toEqual([
    { bucket: 'secret-bucket' },
    'two',
  ]);
});

test('decodes what the worker and client codec encoded, and passes plain payloads through', async () => {
  const codec = dataConverterFromEnv(ENV)!.payloadCodecs![0]!;
  const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ description: 'payroll' })]);
  const body = {
    payloads: [
      {
        metadata: Object.fromEntries(
          Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
        ),
        data: Buffer.from(encrypted!.data!).toString('base64'),
      },
      ...payloadsJson('plain').payloads,
    ],
  };
  const res = await post('/decode', body, auth);
  expect(valuesOf((await res.json()) as ReturnType<typeof payloadsJson>)).toEqual([
    { description: 'payroll' },
    'plain',
  ]);
});

test('accepts the token as the path prefix, as the Web UI calls <endpoint>/decode', async () => {
  const encoded = await post(`/${TOKEN}/encode`, payloadsJson(42));
  expect(encoded.status).toBe(200);
  const decoded = await post(`/${TOKEN}/decode`, await encoded.json());
  expect(valuesOf((await decoded.json()) as ReturnType<typeof payloadsJson>)).toEqual([42]);
});

test("answers the UI's CORS preflight for its origin, with the headers the UI sends", async () => {
  const res = await fetch(`${server.url}/${TOKEN}/decode`, {
    method: 'OPTIONS',
    headers: {
      Origin: UI,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type,x-namespace',
    },
  });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe(UI);
  expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
  for (const header of ['authorization', 'content-type', 'x-namespace']) expect(allowed).toContain(header);
  expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  expect(res.headers.get('vary')).toBe('Origin');

  const post200 = await post('/decode', payloadsJson('x'), { ...auth, Origin: UI });
  expect(post200.status).toBe(200);
  expect(post200.headers.get('access-control-allow-origin')).toBe(UI);
});

test('refuses preflights and requests from other origins, without CORS headers', async () => {
  const preflight = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' },
  });
  expect(preflight.status).toBe(403);
  expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  const res = await post('/decode', payloadsJson('x'), { ...auth, Origin: 'http://evil.example' });
  expect(res.status).toBe(403);
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
});

test('refuses bodies over the limit with 413', async () => {
  const big = payloadsJson('x'.repeat(100 * 1024));
  const res = await post('/encode', big, auth);
  expect(res.status).toBe(413);
  // The server still serves the next request.
  expect((await post('/encode', payloadsJson('small'), auth)).status).toBe(200);
});

test('answers 400 for a malformed body or an undecodable payload, 404 and 405 for other paths and methods', async () => {
  expect((await post('/decode', 'not json', auth)).status).toBe(400);
  expect((await post('/decode', { payload: [] }, auth)).status).toBe(400);
  const unknownKey = {
    payloads: [
      {
        metadata: {
          encoding: Buffer.from(ENCRYPTED_ENCODING).toString('base64'),
          'encryption-key-id': Buffer.from('retired').toString('base64'),
        },
        data: Buffer.alloc(40).toString('base64'),
      },
    ],
  };
  const res = await post('/decode', unknownKey, auth);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toContain('"retired"');
  expect((await post('/other', payloadsJson('x'), auth)).status).toBe(404);
  expect((await fetch(`${server.url}/decode`, { headers: auth })).status).toBe(405);
});

test('logs each request without payloads, paths or the token', () => {
  expect(logs.length).toBeGreaterThan(5);
  const text = JSON.stringify(logs);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(KEY);
  expect(logs).toContainEqual(expect.objectContaining({ operation: 'decode', status: 200, namespace: 'default' }));
});

describe('configuration', () => {
  test('refuses to start without a token, with a weak one, or without keys', async () => {
    await expect(startCodecServer({ port: 0, env: ENV, authToken: '' })).rejects.toThrow(/authToken is required/);
    await expect(startCodecServer({ port: 0, env: ENV, authToken: 'short' })).rejects.toThrow(/at least 16/);
    await expect(startCodecServer({ port: 0, env: {}, authToken: TOKEN })).rejects.toThrow(
      /no keys are configured \(OMS_CODEC_KEYS/,
    );
  });

  test('reads the environment, naming each invalid variable and never the token', () => {
    expect(loadCodecServerConfig({ OMS_CODEC_SERVER_TOKEN: TOKEN })).toEqual({
      port: 8888,
      host: '127.0.0.1',
      authToken: TOKEN,
      allowedOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
      maxBodyBytes: 8 * 1024 * 1024,
    });
    expect(
      loadCodecServerConfig({
        OMS_CODEC_SERVER_TOKEN: TOKEN,
        TEMPORAL_UI_PORT: '9000',
        OMS_CODEC_SERVER_PORT: '0',
      }),
    ).toMatchObject({ port: 0, allowedOrigins: ['http://127.0.0.1:9000', 'http://localhost:9000'] });
    let err: unknown;
    try {
      loadCodecServerConfig({
        OMS_CODEC_SERVER_TOKEN: 'has spaces in it, and is weak',
        OMS_CODEC_SERVER_PORT: 'x',
        OMS_CODEC_SERVER_ALLOWED_ORIGINS: 'http://ui.example/path',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodecConfigError);
    const problems = (err as CodecConfigError).problems.join('\n');
    expect(problems).toMatch(/OMS_CODEC_SERVER_TOKEN must be/);
    expect(problems).toMatch(/OMS_CODEC_SERVER_PORT must be an integer/);
    expect(problems).toMatch(/OMS_CODEC_SERVER_ALLOWED_ORIGINS: "http:\/\/ui.example\/path" is not an origin/);
    expect(problems).not.toContain('has spaces');
  });
});
