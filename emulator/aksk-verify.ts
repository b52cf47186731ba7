/**
 * Verification of `SDK-HMAC-SHA256` (APIG) request signatures, as docs/oms-api.md §3 describes them:
 *
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
 *   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA256(CanonicalRequest))
 *   Signature        = hex(HMAC-SHA256(key = SK bytes, StringToSign))
 *
 * Everything here is pure (no clock, no I/O), so it is unit-tested with fixed requests and published vectors.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The only algorithm OMS uses. */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** SHA-256 of the empty body. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Lowercase hex SHA-256. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * RFC 3986 percent-encoding of everything but unreserved characters (`A-Z a-z 0-9 - _ . ~`), which is what the
 * SDKs' `quote(s, safe='~')` produces. `encodeURIComponent` alone leaves `!'()*` unencoded.
 */
export function rfc3986Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Percent-decoding that never throws: runs of valid `%XX` escapes are decoded as UTF-8 and anything malformed
 * stays as it is (Python's `unquote`, which the reference signer uses, behaves the same way).
 */
export function lenientDecode(value: string, plusIsSpace = false): string {
  const text = plusIsSpace ? value.replace(/\+/g, ' ') : value;
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    return bytes.toString('utf8');
  });
}

/** Canonical URI: decode the path, encode each segment, and make it end with `/`. */
export function canonicalUri(rawPath: string): string {
  const encoded = lenientDecode(rawPath).split('/').map(rfc3986Encode).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/**
 * Canonical query string from the raw query (without `?`): pairs decoded, sorted by name then value in code-point
 * order (the SDKs' order, see {@link compareCodePoints}), re-encoded, `k=v` joined by `&`; a parameter without `=`
 * has an empty value.
 */
export function canonicalQueryString(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([lenientDecode(name, true), lenientDecode(value, true)]);
  }
  pairs.sort((a, b) => compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]));
  return pairs.map(([k, v]) => `${rfc3986Encode(k)}=${rfc3986Encode(v)}`).join('&');
}

/**
 * Code-point order, as the SDKs sort (Python compares `str` by code point; Go compares UTF-8 bytes, the same order).
 * JavaScript's `<` compares UTF-16 code units, which puts a character beyond U+FFFF (a surrogate pair) before one in
 * U+E000–U+FFFF; comparing UTF-8 bytes does not.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Strips leading and trailing ASCII whitespace (TAB, LF, VT, FF, CR, U+001C–U+001F, space), as the SDKs' `strip()`
 * does for ASCII; `String.prototype.trim()` would also strip U+FEFF and Unicode spaces and keep U+001C–U+001F.
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

// ignoreBOM keeps a leading U+FEFF, which is part of the value (the default decoder would drop it).
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A header value as the client signed it. Node's HTTP parser decodes header bytes as latin1 (one character per
 * byte), while the SDKs sign the UTF-8 text and send its bytes: a value of latin1 characters is read back as
 * those bytes, decoded as UTF-8. A value that is not valid UTF-8 (a client that really sent latin1) is kept as
 * Node gave it, and so is one that already holds characters beyond U+00FF (a caller that decoded it itself).
 */
export function headerValueAsSent(value: string): string {
  let high = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff) return value;
    if (code > 0x7f) high = true;
  }
  if (!high) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/**
 * Canonical headers block for `signedHeaders` (lowercase names): `name:value\n` per value, the value read back
 * as the bytes sent ({@link headerValueAsSent}) and stripped of ASCII whitespace ({@link trimAsciiWhitespace});
 * repeated headers give one line per value, sorted. Returns undefined when a signed header is absent from the
 * request.
 */
export function canonicalHeaders(
  headers: Readonly<Record<string, readonly string[] | undefined>>,
  signedHeaders: readonly string[],
): string | undefined {
  let block = '';
  for (const name of signedHeaders) {
    const values = headers[name];
    if (values === undefined || values.length === 0) return undefined;
    const texts = values.map((v) => trimAsciiWhitespace(headerValueAsSent(v)));
    for (const value of texts.sort(compareCodePoints)) block += `${name}:${value}\n`;
  }
  return block;
}

/** The parts of a request that the signature covers. */
export interface SignableRequest {
  method: string;
  /** Raw path as received (percent-encoded). */
  path: string;
  /** Raw query string without `?` (empty if none). */
  query: string;
  /**
   * Headers by lowercase name, every value of repeated headers kept, as Node's parser gives them (each byte one
   * latin1 character; see {@link headerValueAsSent}).
   */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
  /** Raw body bytes. */
  body: Uint8Array;
}

/** Builds the canonical request, or undefined when a signed header is missing. */
export function canonicalRequest(
  request: SignableRequest,
  signedHeaders: readonly string[],
  payloadHash: string,
): string | undefined {
  const headerBlock = canonicalHeaders(request.headers, signedHeaders);
  if (headerBlock === undefined) return undefined;
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQueryString(request.query),
    headerBlock,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** The string to sign for a canonical request and its `X-Sdk-Date` value. */
export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

/** Lowercase hex HMAC-SHA256 keyed with the raw SK (no derived key). */
export function computeSignature(secretKey: string, toSign: string): string {
  return createHmac('sha256', secretKey).update(toSign).digest('hex');
}

/** A parsed `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header. */
export interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses the Authorization header; undefined when it is not a well-formed SDK-HMAC-SHA256 header. */
export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith(`${SIGNING_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(SIGNING_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKey = fields.get('Access');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKey || !signedHeaders || !signature || !/^[0-9a-fA-F]{64}$/.test(signature)) return undefined;
  const names = signedHeaders.split(';').map((h) => h.trim().toLowerCase());
  if (names.some((h) => h === '')) return undefined;
  return { accessKey, signedHeaders: names, signature: signature.toLowerCase() };
}

/** Parses `YYYYMMDDTHHMMSSZ` (UTC) into epoch ms; undefined if malformed. */
export function parseSdkDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

/** Why a signed request was rejected (mapped to gateway messages by the caller). */
export type SignatureFailure =
  | 'malformed-authorization'
  | 'missing-date'
  | 'date-out-of-range'
  | 'unknown-ak'
  | 'missing-signed-header'
  | 'payload-hash-mismatch'
  | 'signature-mismatch';

/** The outcome of {@link verifySignature}. */
export type VerifyResult =
  { ok: true; accessKey: string } | { ok: false; reason: SignatureFailure; accessKey?: string };

/** What the verifier needs besides the request. */
export interface VerifyContext {
  /** The SK of an AK, or undefined for an unknown AK. */
  secretFor(accessKey: string): string | undefined;
  /** Wall-clock now, epoch ms. */
  nowMs: number;
  /** Allowed |X-Sdk-Date − now|, ms. */
  maxSkewMs: number;
}

function headerValue(request: SignableRequest, name: string): string | undefined {
  return request.headers[name]?.[0];
}

/**
 * Verifies the request's `Authorization` signature. The body hash is the SHA-256 of the raw body unless
 * `X-Sdk-Content-Sha256` is present; a hex value there must then match the body (a tampered body is rejected
 * even though the signature covers only the header), and `UNSIGNED-PAYLOAD` is taken as is.
 */
export function verifySignature(request: SignableRequest, context: VerifyContext): VerifyResult {
  const authorization = headerValue(request, 'authorization');
  const parsed = authorization === undefined ? undefined : parseAuthorization(authorization);
  if (!parsed) return { ok: false, reason: 'malformed-authorization' };
  const accessKey = parsed.accessKey;
  const sdkDate = headerValue(request, 'x-sdk-date');
  if (sdkDate === undefined) return { ok: false, reason: 'missing-date', accessKey };
  const signedAt = parseSdkDate(sdkDate);
  if (signedAt === undefined || Math.abs(context.nowMs - signedAt) > context.maxSkewMs) {
    return { ok: false, reason: 'date-out-of-range', accessKey };
  }
  const secret = context.secretFor(accessKey);
  if (secret === undefined) return { ok: false, reason: 'unknown-ak', accessKey };
  const bodyHash = sha256Hex(request.body);
  const declared = headerValue(request, 'x-sdk-content-sha256');
  const declaredHash = declared === undefined ? undefined : trimAsciiWhitespace(declared);
  let payloadHash = bodyHash;
  if (declaredHash !== undefined) {
    if (/^[0-9a-fA-F]{64}$/.test(declaredHash) && declaredHash.toLowerCase() !== bodyHash) {
      return { ok: false, reason: 'payload-hash-mismatch', accessKey };
    }
    payloadHash = declaredHash;
  }
  const canonical = canonicalRequest(request, parsed.signedHeaders, payloadHash);
  if (canonical === undefined) return { ok: false, reason: 'missing-signed-header', accessKey };
  const expected = Buffer.from(computeSignature(secret, stringToSign(sdkDate, canonical)), 'hex');
  const given = Buffer.from(parsed.signature, 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'signature-mismatch', accessKey };
  }
  return { ok: true, accessKey };
}
