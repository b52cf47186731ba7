/**
 * Edge cases where the project's signer must give what the official SDKs give (huaweicloud-sdk-python-v3
 * `core/auth/signer.py`, huaweicloud-sdk-go-v3 `core/auth/signer`): per-escape path decoding, code-point order of the
 * query, a preset `X-Sdk-Content-Sha256`, and ASCII-only trimming of header values. Expected strings are written
 * out literally (they are what Python's `unquote`/`quote(safe='~')`, `sorted()` and `str.strip()` produce).
 */
import { createHash, createHmac } from 'node:crypto';

import {
  buildCanonicalRequest,
  canonicalQueryString,
  canonicalUri,
  compareCodePoints,
  signRequest,
  trimAsciiWhitespace,
} from '../../../activities/oms/signer';

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('canonical URI: each escape decoded on its own, like Python unquote', () => {
  test.each([
    // A malformed escape next to a valid one: the valid one is decoded (then re-encoded once), the bad one kept.
    ['/v2/a%20b/100%zz', '/v2/a%20b/100%25zz/'],
    ['/v2/%zz%20', '/v2/%25zz%20/'],
    // Bytes that are not UTF-8 become U+FFFD (EF BF BD); valid UTF-8 next to them still decodes.
    ['/v2/%FFx%20y/%e4%b8%ad', '/v2/%EF%BF%BDx%20y/%E4%B8%AD/'],
    // A lone `%` stays literal.
    ['/v2/100%', '/v2/100%25/'],
  ])('canonicalUri(%j) = %j', (path, expected) => {
    expect(canonicalUri(path)).toBe(expected);
  });

  test('a signed URL with a malformed escape builds the SDK canonical request', () => {
    const { canonicalRequest } = buildCanonicalRequest({
      method: 'GET',
      url: 'https://oms.example.com/v2/a%20b/100%zz',
      headers: { host: 'oms.example.com', 'x-sdk-date': '20240102T030405Z' },
    });
    expect(canonicalRequest.split('\n')[1]).toBe('/v2/a%20b/100%25zz/');
  });
});

describe('canonical query string: code-point order, not UTF-16 code-unit order', () => {
  // U+FF01 (FULLWIDTH EXCLAMATION MARK) < U+1F600 (GRINNING FACE) by code point; in UTF-16 the emoji's high
  // surrogate 0xD83D sorts before 0xFF01, which is the order a plain `<` gives.
  test('a key beyond U+FFFF sorts after a key in U+E000–U+FFFF', () => {
    expect('\u{1F600}' < '\uFF01').toBe(true);
    expect(canonicalQueryString('?%F0%9F%98%80=1&%EF%BC%81=2')).toBe('%EF%BC%81=2&%F0%9F%98%80=1');
    expect(canonicalQueryString('?%EF%BC%81=2&%F0%9F%98%80=1')).toBe('%EF%BC%81=2&%F0%9F%98%80=1');
  });

  test('values of a repeated key sort by code point too', () => {
    expect(canonicalQueryString('?k=%F0%9F%98%80&k=%EE%80%80')).toBe('k=%EE%80%80&k=%F0%9F%98%80');
  });

  test('compareCodePoints orders as code points and agrees with < on the BMP', () => {
    expect(compareCodePoints('\uE000', '\u{10000}')).toBeLessThan(0);
    expect(compareCodePoints('\u{10000}', '\uE000')).toBeGreaterThan(0);
    expect(compareCodePoints('abc', 'abd')).toBeLessThan(0);
    expect(compareCodePoints('ab', 'ab')).toBe(0);
  });
});

describe('a preset X-Sdk-Content-Sha256 is the payload hash', () => {
  const body = '{"large":"body"}';
  test('UNSIGNED-PAYLOAD: the body is not hashed, the header is signed and its value used', () => {
    const { canonicalRequest, signedHeaders } = buildCanonicalRequest({
      method: 'PUT',
      url: 'https://oms.example.com/v2/p/tasks/1/bandwidth-policy',
      headers: {
        host: 'oms.example.com',
        'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD',
        'x-sdk-date': '20240102T030405Z',
      },
      body,
    });
    expect(signedHeaders).toBe('host;x-sdk-content-sha256;x-sdk-date');
    expect(canonicalRequest).toBe(
      [
        'PUT',
        '/v2/p/tasks/1/bandwidth-policy/',
        '',
        'host:oms.example.com\nx-sdk-content-sha256:UNSIGNED-PAYLOAD\nx-sdk-date:20240102T030405Z\n',
        'host;x-sdk-content-sha256;x-sdk-date',
        'UNSIGNED-PAYLOAD',
      ].join('\n'),
    );
  });

  test('without the header the body is hashed as before', () => {
    const { canonicalRequest } = buildCanonicalRequest({
      method: 'PUT',
      url: 'https://oms.example.com/v2/p',
      headers: { host: 'oms.example.com' },
      body,
    });
    expect(canonicalRequest.endsWith(`\n${sha256Hex(body)}`)).toBe(true);
    expect(canonicalRequest.endsWith(EMPTY_BODY_SHA256)).toBe(false);
  });

  test('signRequest signs the preset value (the signature does not change with the body)', () => {
    const sign = (b: string) =>
      signRequest({
        method: 'PUT',
        url: 'https://oms.example.com/v2/p',
        headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
        body: b,
        ak: 'AK',
        sk: 'SK',
        now: new Date('2024-01-02T03:04:05Z'),
      }).Authorization;
    expect(sign(body)).toBe(sign('another body'));
    const canonical = [
      'PUT',
      '/v2/p/',
      '',
      'host:oms.example.com\nx-sdk-content-sha256:UNSIGNED-PAYLOAD\nx-sdk-date:20240102T030405Z\n',
      'host;x-sdk-content-sha256;x-sdk-date',
      'UNSIGNED-PAYLOAD',
    ].join('\n');
    const toSign = `SDK-HMAC-SHA256\n20240102T030405Z\n${sha256Hex(canonical)}`;
    const signature = createHmac('sha256', 'SK').update(toSign).digest('hex');
    expect(sign(body)).toBe(
      `SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-content-sha256;x-sdk-date, Signature=${signature}`,
    );
  });
});

describe('header values lose ASCII whitespace only', () => {
  test.each([
    [' \t v \r\n', 'v'],
    // U+001C–U+001F are whitespace to Python's strip() (and kept by String.prototype.trim()).
    ['\x1cv\x1f', 'v'],
    // U+FEFF and U+00A0 are not ASCII: kept (trim() would strip both).
    ['\uFEFFv\uFEFF', '\uFEFFv\uFEFF'],
    ['\u00A0v', '\u00A0v'],
    ['\u000Bv\u000C', 'v'],
    ['', ''],
    ['   ', ''],
  ])('trimAsciiWhitespace(%j) = %j', (value, expected) => {
    expect(trimAsciiWhitespace(value)).toBe(expected);
  });

  test('the canonical headers keep U+FEFF and drop U+001C', () => {
    const { canonicalRequest } = buildCanonicalRequest({
      method: 'GET',
      url: 'https://oms.example.com/v2/p',
      headers: { host: 'oms.example.com', 'x-tag': '\uFEFFtag\x1c' },
    });
    expect(canonicalRequest.split('\n')[4]).toBe('x-tag:\uFEFFtag');
  });
});
