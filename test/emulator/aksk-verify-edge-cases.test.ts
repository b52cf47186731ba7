/**
 * The emulator's verifier on the edge cases where it must agree with the official SDKs: a UTF-8 header value
 * (which Node's parser hands over as latin1), code-point order of the query, and ASCII-only trimming. Signatures
 * are computed here step by step from literal canonical requests (what the Python SDK builds), and one request
 * goes over a real loopback socket so the header bytes are decoded by Node exactly as in the emulator.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { signRequest } from '../../activities/oms/signer';
import type { SignableRequest, VerifyContext } from '../../emulator/aksk-verify';
import {
  canonicalQueryString,
  canonicalUri,
  compareCodePoints,
  headerValueAsSent,
  parseSdkDate,
  trimAsciiWhitespace,
  verifySignature,
} from '../../emulator/aksk-verify';

const AK = 'EMULATORDEMOAK000001';
const SK = 'emulatorDemoSecretKey0000000000000000001';
const DATE = '20240102T030405Z';
const HOST = 'oms.example.com';
const ctx: VerifyContext = {
  secretFor: (ak) => (ak === AK ? SK : undefined),
  nowMs: parseSdkDate(DATE)!,
  maxSkewMs: 900_000,
};

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Signs a literal canonical request (hashed as UTF-8, as the SDK does) and returns the Authorization value. */
function authorization(canonical: string, signed: string): string {
  const toSign = `SDK-HMAC-SHA256\n${DATE}\n${sha256Hex(Buffer.from(canonical, 'utf8'))}`;
  return `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=${signed}, Signature=${createHmac('sha256', SK).update(toSign).digest('hex')}`;
}

describe('a UTF-8 header value is verified as the bytes sent', () => {
  // The SDK signs `x-city:Zürich` and sends the UTF-8 bytes 5A C3 BC 72 69 63 68.
  const canonical = [
    'GET',
    '/v2/p/tasks/',
    '',
    `host:${HOST}\nx-city:Zürich\nx-sdk-date:${DATE}\n`,
    'host;x-city;x-sdk-date',
    sha256Hex(''),
  ].join('\n');
  const auth = authorization(canonical, 'host;x-city;x-sdk-date');

  test('headerValueAsSent reads latin1 characters back as UTF-8 bytes', () => {
    expect(headerValueAsSent('ZÃ¼rich')).toBe('Zürich');
    expect(headerValueAsSent('plain')).toBe('plain');
    // Not valid UTF-8 (a client that really sent latin1): kept as Node gave it.
    expect(headerValueAsSent('Z\u00fcrich')).toBe('Z\u00fcrich');
    // Already decoded by the caller: kept.
    expect(headerValueAsSent('中文')).toBe('中文');
  });

  test('the request as Node decodes it off a real socket verifies; a different value does not', async () => {
    const received: SignableRequest[] = [];
    const server = http.createServer((req, res) => {
      received.push({
        method: req.method!,
        path: req.url!.split('?')[0]!,
        query: '',
        headers: req.headersDistinct,
        body: Buffer.alloc(0),
      });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const send = (city: Buffer) =>
        new Promise<void>((resolve, reject) => {
          const req = http.request({
            host: '127.0.0.1',
            port,
            path: '/v2/p/tasks',
            // A latin1 string puts these exact bytes on the wire (what the Python SDK does with its UTF-8 value).
            headers: { Host: HOST, 'X-City': city.toString('latin1'), 'X-Sdk-Date': DATE, Authorization: auth },
          });
          req.on('response', (res) => {
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', reject);
          req.end();
        });
      await send(Buffer.from('Zürich', 'utf8'));
      await send(Buffer.from('Zurich', 'utf8'));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(received).toHaveLength(2);
    expect(received[0]!.headers['x-city']).toEqual(['ZÃ¼rich']);
    expect(verifySignature(received[0]!, ctx)).toEqual({ ok: true, accessKey: AK });
    expect(verifySignature(received[1]!, ctx)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });
});

describe('the canonical query string is sorted by code point', () => {
  test('a key beyond U+FFFF sorts after one in U+E000–U+FFFF, as in the SDKs', () => {
    expect(canonicalQueryString('%F0%9F%98%80=1&%EF%BC%81=2')).toBe('%EF%BC%81=2&%F0%9F%98%80=1');
    expect(canonicalQueryString('k=%F0%9F%98%80&k=%EE%80%80')).toBe('k=%EE%80%80&k=%F0%9F%98%80');
    expect(compareCodePoints('\uFFFF', '\u{10000}')).toBeLessThan(0);
  });

  test('a request signed with the SDK order verifies', () => {
    const query = '%F0%9F%98%80=1&%EF%BC%81=2';
    const canonical = [
      'GET',
      '/v2/p/tasks/',
      '%EF%BC%81=2&%F0%9F%98%80=1',
      `host:${HOST}\nx-sdk-date:${DATE}\n`,
      'host;x-sdk-date',
      sha256Hex(''),
    ].join('\n');
    const request: SignableRequest = {
      method: 'GET',
      path: '/v2/p/tasks',
      query,
      headers: { host: [HOST], 'x-sdk-date': [DATE], authorization: [authorization(canonical, 'host;x-sdk-date')] },
      body: Buffer.alloc(0),
    };
    expect(verifySignature(request, ctx)).toEqual({ ok: true, accessKey: AK });
  });
});

describe('header values lose ASCII whitespace only', () => {
  test.each([
    ['\x1cv\x1f ', 'v'],
    ['\uFEFFv', '\uFEFFv'],
    ['\t v\r\n', 'v'],
  ])('trimAsciiWhitespace(%j) = %j', (value, expected) => {
    expect(trimAsciiWhitespace(value)).toBe(expected);
  });

  test('a value with U+FEFF verifies against a signature that kept it', () => {
    // U+FEFF reaches the emulator as the latin1 characters of its UTF-8 bytes EF BB BF.
    const wire = Buffer.from('\uFEFFtag', 'utf8').toString('latin1');
    const canonical = [
      'GET',
      '/v2/p/',
      '',
      `host:${HOST}\nx-sdk-date:${DATE}\nx-tag:\uFEFFtag\n`,
      'host;x-sdk-date;x-tag',
      sha256Hex(''),
    ].join('\n');
    const request: SignableRequest = {
      method: 'GET',
      path: '/v2/p',
      query: '',
      headers: {
        host: [HOST],
        'x-sdk-date': [DATE],
        'x-tag': [wire],
        authorization: [authorization(canonical, 'host;x-sdk-date;x-tag')],
      },
      body: Buffer.alloc(0),
    };
    expect(verifySignature(request, ctx)).toEqual({ ok: true, accessKey: AK });
  });
});

describe("the project's signer and the emulator's verifier agree on every edge case", () => {
  test('a malformed escape next to a valid one canonicalises like the SDK', () => {
    expect(canonicalUri('/v2/a%20b/100%zz')).toBe('/v2/a%20b/100%25zz/');
  });

  test('a request signed by activities/oms/signer.ts with all the edge cases at once verifies', () => {
    const url = new URL(`https://${HOST}/v2/a%20b/100%zz?%F0%9F%98%80=1&%EF%BC%81=2&k=%EE%80%80`);
    const headers = {
      'Content-Type': 'application/json',
      'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD',
      'X-Tag': '\uFEFFZürich\x1c',
    };
    const signed = signRequest({
      method: 'POST',
      url,
      headers,
      body: '{"not":"hashed"}',
      ak: AK,
      sk: SK,
      now: new Date(parseSdkDate(DATE)!),
    });
    // As Node's parser hands the headers over: each UTF-8 byte one latin1 character.
    const asReceived = (v: string): string[] => [Buffer.from(v, 'utf8').toString('latin1')];
    const request: SignableRequest = {
      method: 'POST',
      path: url.pathname,
      query: url.search.slice(1),
      headers: {
        host: [HOST],
        'content-type': asReceived(headers['Content-Type']),
        'x-sdk-content-sha256': asReceived(headers['X-Sdk-Content-Sha256']),
        'x-tag': asReceived(headers['X-Tag']),
        'x-sdk-date': [signed['X-Sdk-Date']],
        authorization: [signed.Authorization],
      },
      body: Buffer.from('a different body: UNSIGNED-PAYLOAD leaves it out of the signature'),
    };
    expect(verifySignature(request, ctx)).toEqual({ ok: true, accessKey: AK });
    expect(
      verifySignature({ ...request, headers: { ...request.headers, 'x-tag': asReceived('Zürich') } }, ctx),
    ).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    });
  });
});
