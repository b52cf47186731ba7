import { createHash, createHmac } from 'node:crypto';

import {
  buildCanonicalRequest,
  buildStringToSign,
  canonicalQueryString,
  canonicalUri,
  computeSignature,
  encodeRfc3986,
  formatSdkDate,
  signRequest,
} from '../../../activities/oms/signer';

// Independent helpers written from the documented algorithm (docs/oms-api.md §3), not from signer.ts.
const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmacHex = (key: string, data: string): string => createHmac('sha256', key).update(data, 'utf8').digest('hex');
const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('published signing vectors', () => {
  // huaweicloud/huaweicloud-sdk-go-v3 core/auth/signer/signer_test.go (TestSigner_Sign): AK "AccessKey",
  // SK "SecretKey", X-Sdk-Date 20060102T150405Z. That SDK version signs only x-sdk-date here (it adds no Host
  // header and skips names containing '_'), so the building blocks are fed exactly that header set.
  const sign = (method: string, url: string, body: string): string => {
    const { canonicalRequest, signedHeaders } = buildCanonicalRequest({
      method,
      url,
      headers: { 'X-Sdk-Date': '20060102T150405Z', TEST_UNDERSCORE: 'TEST_VALUE' },
      body,
    });
    const signature = computeSignature('SecretKey', buildStringToSign(canonicalRequest, '20060102T150405Z'));
    return `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  };

  test('Go SDK test1: GET with a query parameter and an empty body', () => {
    expect(sign('GET', 'https://example.huaweicloud.com/path?limit=1', '')).toBe(
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, ' +
        'Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
    );
  });

  test('Go SDK test2: POST with a JSON body (Go json.Encoder output, trailing newline)', () => {
    expect(sign('POST', 'https://example.huaweicloud.com/path?key=value', '{"Name":"test","Id":1}\n')).toBe(
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, ' +
        'Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
    );
  });

  test('Go SDK TestSigner_canonicalQueryString: sorting, repeated keys and reserved characters', () => {
    const search =
      '?limit=1&enable=true&test=' +
      encodeURIComponent('一 (&=?!#%.*)') +
      '&path=' +
      encodeURIComponent('/tmp/123') +
      '&multi=3&multi=1&multi=2';
    expect(canonicalQueryString(search)).toBe(
      'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29',
    );
  });

  test('APIG Python signer test_CanonicalRequest: literal canonical request', () => {
    const { canonicalRequest } = buildCanonicalRequest({
      method: 'POST',
      url: 'https://30030113-3657-4fb6-a7ef-90764239b038.apigw.cn-north-1.huaweicloud.com/app1?a=1',
      headers: { 'x-stage': 'RELEASE' },
      body: 'body',
    });
    expect(canonicalRequest).toBe(
      'POST\n/app1/\na=1\nx-stage:RELEASE\n\nx-stage\n230d8358dc8e8890b4c58deeb62912ee2f20357ae92a5cc861b98e68fe31acb5',
    );
  });

  test('APIG Python signer test_SignStringToSign: HMAC keyed with the raw secret', () => {
    expect(computeSignature('abc', 'abc')).toBe('2f02e24ae2e1fe880399f27600afa88364e6062bf9bbe114b32fa8f23d03608a');
  });
});

describe('signRequest against a step-by-step computation', () => {
  const now = new Date('2019-11-15T03:36:55.789Z');
  const url =
    'https://oms.cn-north-4.myhuaweicloud.com/v2/proj-1/objects/d%C3%A9j%C3%A0 vu/x*y(1)' +
    '?task_name=my%20task&limit=10&a=2&a=1&empty=&tilde=~x';
  const body = '{"task_type":"object"}';

  test('builds the documented canonical request literally', () => {
    const { canonicalRequest, signedHeaders } = buildCanonicalRequest({
      method: 'post',
      url,
      headers: {
        host: 'oms.cn-north-4.myhuaweicloud.com',
        'Content-Type': ' application/json ',
        'X-Project-Id': 'proj-1',
        'x-sdk-date': '20191115T033655Z',
      },
      body,
    });
    expect(signedHeaders).toBe('content-type;host;x-project-id;x-sdk-date');
    expect(canonicalRequest).toBe(
      [
        'POST',
        // decoded, split on '/', each segment RFC 3986-encoded ('*', '(', ')' included), trailing '/' added
        '/v2/proj-1/objects/d%C3%A9j%C3%A0%20vu/x%2Ay%281%29/',
        // sorted by name then value; space as %20, '~' unescaped, empty values kept
        'a=1&a=2&empty=&limit=10&task_name=my%20task&tilde=~x',
        // lowercase names, trimmed values, sorted; the block ends with a newline (hence the empty line)
        'content-type:application/json\nhost:oms.cn-north-4.myhuaweicloud.com\nx-project-id:proj-1\nx-sdk-date:20191115T033655Z\n',
        'content-type;host;x-project-id;x-sdk-date',
        sha256Hex(body),
      ].join('\n'),
    );
  });

  test('returns X-Sdk-Date, X-Security-Token and an Authorization header that verifies', () => {
    const headers = { 'Content-Type': 'application/json', 'X-Project-Id': 'proj-1' };
    const signed = signRequest({
      method: 'POST',
      url,
      headers,
      body,
      ak: 'AK-EXAMPLE',
      sk: 'SK-EXAMPLE',
      securityToken: 'temp-token',
      now,
    });

    expect(signed['X-Sdk-Date']).toBe('20191115T033655Z');
    expect(signed['X-Security-Token']).toBe('temp-token');
    const canonical = [
      'POST',
      '/v2/proj-1/objects/d%C3%A9j%C3%A0%20vu/x%2Ay%281%29/',
      'a=1&a=2&empty=&limit=10&task_name=my%20task&tilde=~x',
      'content-type:application/json\nhost:oms.cn-north-4.myhuaweicloud.com\nx-project-id:proj-1\n' +
        'x-sdk-date:20191115T033655Z\nx-security-token:temp-token\n',
      'content-type;host;x-project-id;x-sdk-date;x-security-token',
      sha256Hex(body),
    ].join('\n');
    const stringToSign = `SDK-HMAC-SHA256\n20191115T033655Z\n${sha256Hex(canonical)}`;
    expect(signed.Authorization).toBe(
      'SDK-HMAC-SHA256 Access=AK-EXAMPLE, ' +
        'SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token, ' +
        `Signature=${hmacHex('SK-EXAMPLE', stringToSign)}`,
    );
    expect(headers).toEqual({ 'Content-Type': 'application/json', 'X-Project-Id': 'proj-1' });
    expect(JSON.stringify(signed)).not.toContain('SK-EXAMPLE');
  });

  test('signs GET without a body using the empty-payload hash and the host with its non-default port', () => {
    const signed = signRequest({
      method: 'GET',
      url: 'http://127.0.0.1:8080/v2/p/tasks/42',
      ak: 'ak',
      sk: 'sk',
      now,
    });
    expect(signed['X-Security-Token']).toBeUndefined();
    const canonical = `GET\n/v2/p/tasks/42/\n\nhost:127.0.0.1:8080\nx-sdk-date:20191115T033655Z\n\nhost;x-sdk-date\n${EMPTY_BODY_SHA256}`;
    const signature = hmacHex('sk', `SDK-HMAC-SHA256\n20191115T033655Z\n${sha256Hex(canonical)}`);
    expect(signed.Authorization).toBe(
      `SDK-HMAC-SHA256 Access=ak, SignedHeaders=host;x-sdk-date, Signature=${signature}`,
    );
  });

  test('is deterministic for one instant and changes with the time (so every attempt is re-signed)', () => {
    const input = { method: 'GET', url: 'https://h/v2/p/tasks', ak: 'ak', sk: 'sk' };
    const a = signRequest({ ...input, now });
    const b = signRequest({ ...input, now: new Date(now) });
    const c = signRequest({ ...input, now: new Date(now.getTime() + 1000) });
    expect(a).toEqual(b);
    expect(c.Authorization).not.toBe(a.Authorization);
  });
});

describe('encoding building blocks', () => {
  test.each([
    ['abc-._~XYZ019', 'abc-._~XYZ019'],
    ['a b', 'a%20b'],
    ["!'()*", '%21%27%28%29%2A'],
    ['a+b=c&d', 'a%2Bb%3Dc%26d'],
    ['/', '%2F'],
    ['é', '%C3%A9'],
  ])('encodeRfc3986(%j) = %j', (input, expected) => {
    expect(encodeRfc3986(input)).toBe(expected);
  });

  test.each([
    ['', '/'],
    ['/', '/'],
    ['/v1/77b6a/vpcs', '/v1/77b6a/vpcs/'],
    ['/v2/p/tasks/', '/v2/p/tasks/'],
    ['/a%20b/c%2Fd', '/a%20b/c/d/'],
    ['/bad%zz', '/bad%25zz/'],
  ])('canonicalUri(%j) = %j', (path, expected) => {
    expect(canonicalUri(path)).toBe(expected);
  });

  test.each([
    ['', ''],
    ['?', ''],
    ['?b=2&a=1', 'a=1&b=2'],
    ['?flag', 'flag='],
    ['?a+b=c', 'a%2Bb=c'],
  ])('canonicalQueryString(%j) = %j', (search, expected) => {
    expect(canonicalQueryString(search)).toBe(expected);
  });

  test('formatSdkDate uses UTC YYYYMMDDTHHMMSSZ', () => {
    expect(formatSdkDate(new Date('2020-01-04T09:05:22.701Z'))).toBe('20200104T090522Z');
  });
});
