/**
 * Huawei Cloud AK/SK request signing, `SDK-HMAC-SHA256` (the "APIG signing" scheme; docs/oms-api.md §3).
 *
 * Written from the documented algorithm and checked against the published vectors of the official Go SDK
 * (`core/auth/signer/signer_test.go`) and the APIG Python signer tests; see test/unit/oms/signer.test.ts.
 * Pure: no I/O and no clock of its own (`now` is an input), so the client signs every attempt afresh.
 */
import { createHash, createHmac } from 'node:crypto';

/** The signing algorithm name, first line of the StringToSign and prefix of `Authorization`. */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** Input of {@link signRequest}. */
export interface SignRequestInput {
  /** HTTP method (any case). */
  method: string;
  /** Full request URL exactly as it will be sent (path and query are signed; the host goes in `host`). */
  url: string | URL;
  /**
   * Headers that will be sent and must be signed, e.g. `Content-Type`, `X-Project-Id`. Names containing `_`
   * are not signed (official SDK behaviour). Never pass `X-Auth-Token` or `Authorization`.
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * Request body exactly as sent; hashed as UTF-8. Omit for no body. Not hashed when `headers` presets
   * `X-Sdk-Content-Sha256` (e.g. `UNSIGNED-PAYLOAD`): that value is the payload hash, as in the official SDKs.
   */
  body?: string | Uint8Array;
  /** Access key id (goes into `Authorization` in clear: it is an identifier). */
  ak: string;
  /** Secret key; used only as the raw HMAC key, never returned. */
  sk: string;
  /** Temporary-credential token; added as `X-Security-Token` and signed. */
  securityToken?: string;
  /** Signing time; the server rejects more than 15 minutes of skew. */
  now: Date;
}

/** Headers {@link signRequest} asks the caller to add to the request. */
export interface SignedHeaders {
  /** `YYYYMMDDTHHMMSSZ` (UTC). */
  'X-Sdk-Date': string;
  /** `SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<names>, Signature=<hex>`. */
  Authorization: string;
  /** Present when `securityToken` was given. */
  'X-Security-Token'?: string;
}

/**
 * Signs one HTTP attempt and returns the headers to add (`X-Sdk-Date`, `Authorization`, `X-Security-Token`).
 *
 * Signed headers: `host` (from the URL, default port omitted, as sent by undici), `x-sdk-date`,
 * `x-security-token` when given, and every entry of `headers`. Call it per attempt: the signature covers the
 * date, so a retried request must be re-signed.
 */
export function signRequest(input: SignRequestInput): SignedHeaders {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const sdkDate = formatSdkDate(input.now);
  const toSign: Record<string, string> = { host: url.host };
  for (const [name, value] of Object.entries(input.headers ?? {})) toSign[name] = value;
  toSign['x-sdk-date'] = sdkDate;
  if (input.securityToken !== undefined) toSign['x-security-token'] = input.securityToken;

  const canonical = buildCanonicalRequest({ method: input.method, url, headers: toSign, body: input.body });
  const signature = computeSignature(input.sk, buildStringToSign(canonical.canonicalRequest, sdkDate));
  const result: SignedHeaders = {
    'X-Sdk-Date': sdkDate,
    Authorization: `${SIGNING_ALGORITHM} Access=${input.ak}, SignedHeaders=${canonical.signedHeaders}, Signature=${signature}`,
  };
  if (input.securityToken !== undefined) result['X-Security-Token'] = input.securityToken;
  return result;
}

/** Input of {@link buildCanonicalRequest}: `headers` is exactly the set of headers to sign. */
export interface CanonicalRequestInput {
  method: string;
  url: string | URL;
  headers: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
}

/** The canonical request string and the `SignedHeaders` list it used. */
export interface CanonicalRequest {
  canonicalRequest: string;
  /** Sorted lowercase names joined with `;`. */
  signedHeaders: string;
}

/**
 * Builds the CanonicalRequest: `METHOD\nURI\nQUERY\nHEADERS\nSIGNED_HEADERS\nHEX(SHA256(body))`.
 * Exported for tests and for verifying signatures (the emulator side); callers sign with {@link signRequest}.
 */
export function buildCanonicalRequest(input: CanonicalRequestInput): CanonicalRequest {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const headers = new Map<string, string>();
  let presetPayloadHash: string | undefined;
  for (const [name, value] of Object.entries(input.headers)) {
    const lower = name.toLowerCase();
    // A preset content hash replaces the body's (the SDKs use it as given, `UNSIGNED-PAYLOAD` included), and it is
    // signed like any other header.
    if (lower === CONTENT_SHA256_HEADER) presetPayloadHash = trimAsciiWhitespace(value);
    // The SDKs skip names with '_': proxies commonly drop such headers, which would break the signature.
    if (!lower.includes('_')) headers.set(lower, trimAsciiWhitespace(value));
  }
  const names = [...headers.keys()].sort(compareCodePoints);
  const canonicalHeaders = names.map((name) => `${name}:${headers.get(name) ?? ''}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQueryString(url.search),
    canonicalHeaders,
    signedHeaders,
    presetPayloadHash ?? sha256Hex(input.body ?? ''),
  ].join('\n');
  return { canonicalRequest, signedHeaders };
}

/** StringToSign = `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex(sha256(canonicalRequest))>`. */
export function buildStringToSign(canonicalRequest: string, sdkDate: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequest)}`;
}

/** Signature = lowercase hex HMAC-SHA256 keyed with the raw SK bytes (no derived key, unlike AWS SigV4). */
export function computeSignature(sk: string, stringToSign: string): string {
  return createHmac('sha256', sk).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Canonical URI: URL-decode the path, split on `/`, RFC 3986-encode each segment, re-join, and make sure it ends
 * with `/` (for signing only; the wire path need not end with `/`). Decoding is per escape, as the SDK's `unquote`
 * does it: a malformed escape (`%zz`) stays literal (and is encoded as `%25zz`) without stopping the valid escapes
 * next to it from being decoded, and bytes that are not UTF-8 become U+FFFD.
 */
export function canonicalUri(path: string): string {
  const joined = lenientDecode(path || '/')
    .split('/')
    .map(encodeRfc3986)
    .join('/');
  return joined.endsWith('/') ? joined : `${joined}/`;
}

/**
 * Canonical query string from a URL search part (`?a=1&b=2` or `a=1&b=2`): decode each pair, sort by name then
 * value in code-point order (the SDKs' order: Python sorts `str` by code point, Go sorts UTF-8 bytes, which is the
 * same order), RFC 3986-encode both, join `k=v` with `&`. A `+` is kept as a literal plus (the client never emits `+`
 * for spaces; it encodes them as `%20`, as the SDKs do).
 */
export function canonicalQueryString(search: string): string {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((part) => part !== '')
    .map((part): [string, string] => {
      const eq = part.indexOf('=');
      return eq === -1
        ? [lenientDecode(part), '']
        : [lenientDecode(part.slice(0, eq)), lenientDecode(part.slice(eq + 1))];
    });
  pairs.sort((a, b) => compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]));
  return pairs.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join('&');
}

/**
 * RFC 3986 percent-encoding: everything except `A-Z a-z 0-9 - . _ ~` (what Python's `quote(s, safe='~')`
 * does). `encodeURIComponent` leaves `! ' ( ) *` alone, so those are encoded here.
 */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `X-Sdk-Date` format: `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The header that presets the payload hash (lowercase). */
const CONTENT_SHA256_HEADER = 'x-sdk-content-sha256';

/**
 * Percent-decoding that never throws, per run of `%XX` escapes decoded as UTF-8 (invalid bytes become U+FFFD);
 * a malformed escape stays literal. This is Python's `unquote` (the SDK's), where `decodeURIComponent` would fail
 * on the whole string for one bad escape.
 */
export function lenientDecode(value: string): string {
  if (!value.includes('%')) return value;
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/**
 * Strips leading and trailing ASCII whitespace: TAB, LF, VT, FF, CR, U+001C–U+001F and space, which is what the
 * Python SDK's `str.strip()` removes of ASCII. `String.prototype.trim()` differs both ways: it also strips U+FEFF
 * and Unicode spaces, and keeps U+001C–U+001F.
 */
export function trimAsciiWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isAsciiWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isAsciiWhitespace(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

/** TAB, LF, VT, FF, CR (0x09–0x0D), the separators U+001C–U+001F, and space. */
function isAsciiWhitespace(code: number): boolean {
  return (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x20);
}

/**
 * Code-point order (the SDKs' order), not JavaScript's UTF-16 code-unit order: they differ when one string has a
 * character beyond U+FFFF (a surrogate pair, 0xD800–0xDBFF) where the other has one in U+E000–U+FFFF. Comparing the
 * UTF-8 bytes gives code-point order. localeCompare would depend on the ICU locale.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
