/**
 * The AK/SK verifier against fixed requests: published vectors of the official Go SDK, requests signed by the
 * official Python SDK, a request whose signature this test computes step by step from the documented algorithm,
 * and tampered variants that must be rejected.
 */
import { createHash, createHmac } from 'node:crypto';

import type { SignableRequest, VerifyContext } from '../../emulator/aksk-verify';
import {
  EMPTY_BODY_SHA256,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  parseAuthorization,
  parseSdkDate,
  rfc3986Encode,
  verifySignature,
} from '../../emulator/aksk-verify';

function headers(h: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), [v]]));
}

function context(secrets: Record<string, string>, now: string): VerifyContext {
  return { secretFor: (ak) => secrets[ak], nowMs: parseSdkDate(now)!, maxSkewMs: 15 * 60_000 };
}

describe('published vectors of huaweicloud-sdk-go-v3 (core/auth/signer/signer_test.go)', () => {
  // AK "AccessKey", SK "SecretKey", X-Sdk-Date 20060102T150405Z, only x-sdk-date signed (the SDK skips headers with
  // underscores, like the test's TEST_UNDERSCORE).
  const ctx = context({ AccessKey: 'SecretKey' }, '20060102T150405Z');

  test('GET /path?limit=1 with an empty body verifies with the published signature', () => {
    const request: SignableRequest = {
      method: 'GET',
      path: '/path',
      query: 'limit=1',
      headers: headers({
        'X-Sdk-Date': '20060102T150405Z',
        TEST_UNDERSCORE: 'TEST_VALUE',
        Authorization:
          'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, ' +
          'Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
      }),
      body: Buffer.alloc(0),
    };
    expect(verifySignature(request, ctx)).toEqual({ ok: true, accessKey: 'AccessKey' });
  });

  test('POST /path?key=value with a JSON body verifies with the published signature', () => {
    // Go's json.Encoder terminates the body with a newline, which is part of the hashed payload.
    const request: SignableRequest = {
      method: 'POST',
      path: '/path',
      query: 'key=value',
      headers: headers({
        'X-Sdk-Date': '20060102T150405Z',
        'Content-Type': 'application/json',
        Authorization:
          'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, ' +
          'Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
      }),
      body: Buffer.from('{"Name":"test","Id":1}\n'),
    };
    expect(verifySignature(request, ctx).ok).toBe(true);
    expect(verifySignature({ ...request, body: Buffer.from('{"Name":"test","Id":1}') }, ctx)).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    });
  });

  test('the canonical query string matches the SDK vector for special characters and repeated keys', () => {
    const raw = 'limit=1&enable=true&test=%E4%B8%80%20(%26%3D%3F!%23%25.*)&path=%2Ftmp%2F123&multi=3&multi=1&multi=2';
    expect(canonicalQueryString(raw)).toBe(
      'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29',
    );
  });
});

describe('requests signed by the official Python SDK (huaweicloudsdkcore 3.1.219 Signer)', () => {
  // Produced by running the SDK's Signer on SdkRequest objects with a fixed X-Sdk-Date; the SDK signs every header
  // it sends (here X-Project-Id too) and puts the canonical query string on the wire.
  const ak = 'EMULATORDEMOAK000001';
  const sk = 'emulatorDemoSecretKey0000000000000000001';
  const pid = '0215ef11e49d4743be23dd97a1561e91';
  const ctx = context({ [ak]: sk }, '20240102T030405Z');

  test('PUT …/bandwidth-policy with a JSON body', () => {
    const request: SignableRequest = {
      method: 'PUT',
      path: `/v2/${pid}/tasks/200477729979132/bandwidth-policy`,
      query: '',
      headers: headers({
        'X-Sdk-Date': '20240102T030405Z',
        'Content-Type': 'application/json',
        'X-Project-Id': pid,
        Host: 'oms.cn-north-7.myhuaweicloud.com',
        Authorization:
          `SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, ` +
          'Signature=c6bf539834cdc99daf52ccfa3b412acea5b4a117b13e971c087cd8b8ea2a826e',
      }),
      body: Buffer.from('{"bandwidth_policy": [{"end": "23:59", "max_bandwidth": 50000000, "start": "00:00"}]}'),
    };
    expect(verifySignature(request, ctx)).toEqual({ ok: true, accessKey: ak });
  });

  test('GET …/tasks with an encoded query', () => {
    const request: SignableRequest = {
      method: 'GET',
      path: `/v2/${pid}/tasks`,
      query: 'limit=5&offset=0&task_name=a%20test%281%29%2A',
      headers: headers({
        'X-Sdk-Date': '20240102T030405Z',
        'X-Project-Id': pid,
        Host: 'oms.cn-north-7.myhuaweicloud.com',
        Authorization:
          `SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=host;x-project-id;x-sdk-date, ` +
          'Signature=539f8001b759814cbffc3c054a243ace79928fd6e85baca94bd8b7fce0c6c854',
      }),
      body: Buffer.alloc(0),
    };
    expect(verifySignature(request, ctx).ok).toBe(true);
    // The same parameters sent in another order or with form-style spaces canonicalise identically.
    expect(verifySignature({ ...request, query: 'task_name=a+test(1)*&offset=0&limit=5' }, ctx).ok).toBe(true);
    expect(verifySignature({ ...request, query: 'limit=6&offset=0&task_name=a%20test%281%29%2A' }, ctx).ok).toBe(false);
  });
});

describe('canonical parts (docs/oms-api.md §3)', () => {
  test('the canonical URI ends with a slash and re-encodes each segment', () => {
    expect(canonicalUri('/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs')).toBe(
      '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
    );
    expect(canonicalUri('/v2/p/tasks/')).toBe('/v2/p/tasks/');
    expect(canonicalUri('/a%20b/c!d')).toBe('/a%20b/c%21d/');
    expect(canonicalUri('/')).toBe('/');
  });

  test('RFC 3986 encoding escapes everything but unreserved characters', () => {
    expect(rfc3986Encode("a-b_c.d~e !'()*/+")).toBe('a-b_c.d~e%20%21%27%28%29%2A%2F%2B');
  });

  test('a parameter without a value canonicalises as name=', () => {
    expect(canonicalQueryString('nocatalog&b=2&a=1')).toBe('a=1&b=2&nocatalog=');
    expect(canonicalQueryString('')).toBe('');
  });

  test('the Authorization header parser accepts the SDK format and rejects others', () => {
    expect(
      parseAuthorization(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${'a'.repeat(64)}`),
    ).toEqual({
      accessKey: 'AK1',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: 'a'.repeat(64),
    });
    expect(parseAuthorization('Bearer x')).toBeUndefined();
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=zz')).toBeUndefined();
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=AK1')).toBeUndefined();
  });

  test('X-Sdk-Date parsing rejects impossible dates', () => {
    expect(parseSdkDate('20191115T033655Z')).toBe(Date.UTC(2019, 10, 15, 3, 36, 55));
    expect(parseSdkDate('20191315T033655Z')).toBeUndefined();
    expect(parseSdkDate('2019-11-15T03:36:55Z')).toBeUndefined();
  });
});

describe('a fixed OMS request signed step by step in this test', () => {
  const ak = 'EMULATORDEMOAK000001';
  const sk = 'emulatorDemoSecretKey0000000000000000001';
  const date = '20240102T030405Z';
  const body = '{"bandwidth_policy":[{"start":"00:00","end":"23:59","max_bandwidth":50000000}]}';
  const path = '/v2/0215ef11e49d4743be23dd97a1561e91/tasks/200477729979132/bandwidth-policy';

  // Step 1: canonical request; step 2: string to sign; step 3: HMAC-SHA256 keyed with the raw SK.
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const canonical = [
    'PUT',
    `${path}/`,
    '',
    'content-type:application/json\nhost:oms.cn-north-7.myhuaweicloud.com\nx-sdk-date:20240102T030405Z\n',
    'content-type;host;x-sdk-date',
    bodyHash,
  ].join('\n');
  const toSign = `SDK-HMAC-SHA256\n${date}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const expected = createHmac('sha256', sk).update(toSign).digest('hex');

  const request = (overrides: Partial<SignableRequest> = {}, signature = expected): SignableRequest => ({
    method: 'PUT',
    path,
    query: '',
    headers: headers({
      'Content-Type': 'application/json',
      Host: 'oms.cn-north-7.myhuaweicloud.com',
      'X-Sdk-Date': date,
      Authorization: `SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=content-type;host;x-sdk-date, Signature=${signature}`,
    }),
    body: Buffer.from(body),
    ...overrides,
  });
  const ctx = context({ [ak]: sk }, '20240102T031000Z');

  test('the emulator builds the same canonical request and accepts the signature', () => {
    expect(canonicalRequest(request(), ['content-type', 'host', 'x-sdk-date'], bodyHash)).toBe(canonical);
    expect(verifySignature(request(), ctx)).toEqual({ ok: true, accessKey: ak });
  });

  test('a tampered signature, body, path, query or signed header value is rejected', () => {
    const flipped = (expected[0] === 'a' ? 'b' : 'a') + expected.slice(1);
    expect(verifySignature(request({}, flipped), ctx)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(verifySignature(request({ body: Buffer.from(body.replace('50000000', '60000000')) }), ctx)).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    });
    expect(verifySignature(request({ path: path.replace('132', '133') }), ctx)).toMatchObject({ ok: false });
    expect(verifySignature(request({ query: 'x=1' }), ctx)).toMatchObject({ ok: false });
    const h = request().headers as Record<string, string[]>;
    expect(verifySignature(request({ headers: { ...h, host: ['evil.example.com'] } }), ctx)).toMatchObject({
      ok: false,
    });
  });

  test('a date more than 15 minutes away from now is rejected, within 15 minutes accepted', () => {
    expect(verifySignature(request(), context({ [ak]: sk }, '20240102T031905Z')).ok).toBe(true);
    expect(verifySignature(request(), context({ [ak]: sk }, '20240102T024905Z')).ok).toBe(true);
    expect(verifySignature(request(), context({ [ak]: sk }, '20240102T031906Z'))).toMatchObject({
      reason: 'date-out-of-range',
    });
    expect(verifySignature(request(), context({ [ak]: sk }, '20240102T024904Z'))).toMatchObject({
      reason: 'date-out-of-range',
    });
  });

  test('an unknown AK, a missing signed header or a missing date is reported as such', () => {
    expect(verifySignature(request(), context({}, '20240102T031000Z'))).toMatchObject({ reason: 'unknown-ak' });
    const h = { ...(request().headers as Record<string, string[]>) };
    delete h['content-type'];
    expect(verifySignature(request({ headers: h }), ctx)).toMatchObject({ reason: 'missing-signed-header' });
    const noDate = { ...(request().headers as Record<string, string[]>) };
    delete noDate['x-sdk-date'];
    expect(verifySignature(request({ headers: noDate }), ctx)).toMatchObject({ reason: 'missing-date' });
  });

  test('X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is used as the payload hash; a wrong hex hash is rejected', () => {
    // The SDKs sign x-sdk-content-sha256 like any other header and use its value as the payload hash.
    const signedNames = 'content-type;host;x-sdk-content-sha256;x-sdk-date';
    const cr = [
      'PUT',
      `${path}/`,
      '',
      'content-type:application/json\nhost:oms.cn-north-7.myhuaweicloud.com\nx-sdk-content-sha256:UNSIGNED-PAYLOAD\nx-sdk-date:20240102T030405Z\n',
      signedNames,
      'UNSIGNED-PAYLOAD',
    ].join('\n');
    const sig = createHmac('sha256', sk)
      .update(`SDK-HMAC-SHA256\n${date}\n${createHash('sha256').update(cr).digest('hex')}`)
      .digest('hex');
    const base = request().headers as Record<string, string[]>;
    const unsigned: SignableRequest = request({
      headers: {
        ...base,
        'x-sdk-content-sha256': ['UNSIGNED-PAYLOAD'],
        authorization: [`SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=${signedNames}, Signature=${sig}`],
      },
    });
    expect(verifySignature(unsigned, ctx).ok).toBe(true);
    const wrongHash: SignableRequest = request({
      headers: { ...base, 'x-sdk-content-sha256': [EMPTY_BODY_SHA256] },
    });
    expect(verifySignature(wrongHash, ctx)).toMatchObject({ reason: 'payload-hash-mismatch' });
  });
});
