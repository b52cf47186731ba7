/**
 * Verification of OBS request signatures, the HMAC-SHA1 scheme Huawei's OBS SDKs send (the OBS REST API
 * "authentication of signature in a header"), in both header flavours the official Node.js SDK uses:
 *
 *   Authorization: OBS <AK>:<Signature>   (OBS signature: `x-obs-` headers; the SDK's default with virtual-host
 *                                          addressing once the bucket answered `x-obs-api: 3.0`)
 *   Authorization: AWS <AK>:<Signature>   (the SDK's "v2": `x-amz-` headers; what it sends with path-style
 *                                          addressing, e.g. to an IP address such as this loopback emulator)
 *
 *   StringToSign = METHOD \n Content-MD5 \n Content-Type \n Date \n CanonicalizedHeaders CanonicalizedResource
 *   Signature    = Base64(HMAC-SHA1(SK, UTF-8(StringToSign)))
 *
 * CanonicalizedHeaders: every header with the flavour's prefix, lowercased, sorted, `name:value\n` (meta values
 * trimmed); CanonicalizedResource: `/bucket/key` with the key as sent (still percent-encoded), then the
 * sub-resources of the query (sorted, values decoded). When an `x-obs-date`/`x-amz-date` header is present the
 * Date line is empty (OBS's rule). Pure: no clock, no I/O.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The two header flavours of the same scheme. */
export type ObsSignatureFlavour = 'obs' | 'aws';

/** Header prefix of each flavour. */
export const OBS_HEADER_PREFIX: Readonly<Record<ObsSignatureFlavour, string>> = { obs: 'x-obs-', aws: 'x-amz-' };

/**
 * Query parameters that are sub-resources (signed as part of the resource). The list of OBS's API reference, as
 * the official SDK applies it; everything else in the query (prefix, marker, max-keys, ...) is not signed.
 */
const SUB_RESOURCES = new Set([
  'acl',
  'append',
  'backtosource',
  'cors',
  'delete',
  'deletebucket',
  'encryption',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metadata',
  'notification',
  'partnumber',
  'policy',
  'position',
  'quota',
  'rename',
  'replication',
  'requestpayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'storageclass',
  'storageinfo',
  'storagepolicy',
  'tagging',
  'torrent',
  'truncate',
  'uploadid',
  'uploads',
  'versionid',
  'versioning',
  'versions',
  'website',
  'x-image-process',
  'x-obs-security-token',
]);

/** A parsed `Authorization` header. */
export interface ObsAuthorization {
  flavour: ObsSignatureFlavour;
  ak: string;
  signature: string;
}

/** Parses `OBS ak:sig` / `AWS ak:sig`; undefined for anything else (another scheme, malformed). */
export function parseObsAuthorization(value: string | undefined): ObsAuthorization | undefined {
  if (value === undefined) return undefined;
  const m = /^(OBS|AWS) ([^:\s]+):(\S+)$/.exec(value.trim());
  if (!m) return undefined;
  return { flavour: m[1] === 'OBS' ? 'obs' : 'aws', ak: m[2]!, signature: m[3]! };
}

/** What the string to sign is built from. */
export interface ObsSignedRequest {
  method: string;
  /** Headers by lowercase name with every value (as Node's `headersDistinct`). */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
  /** `/bucket` or `/bucket/key...`, the key still percent-encoded as sent. */
  resourcePath: string;
  /** Raw query string without `?`. */
  query: string;
}

function decodeOrKeep(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function header(headers: ObsSignedRequest['headers'], name: string): string {
  return headers[name]?.join(',') ?? '';
}

/** The canonical string to sign of a request in a flavour. */
export function obsStringToSign(req: ObsSignedRequest, flavour: ObsSignatureFlavour): string {
  const prefix = OBS_HEADER_PREFIX[flavour];
  const metaPrefix = `${prefix}meta-`;
  const hasOwnDate = req.headers[`${prefix}date`] !== undefined;
  const lines = [
    req.method.toUpperCase(),
    header(req.headers, 'content-md5'),
    header(req.headers, 'content-type'),
    hasOwnDate ? '' : header(req.headers, 'date'),
  ];
  const canonicalHeaders = Object.keys(req.headers)
    .filter((name) => name.startsWith(prefix))
    .sort()
    .map((name) => {
      const values = req.headers[name] ?? [];
      const value = name.startsWith(metaPrefix) ? values.map((v) => v.trim()).join(',') : values.join(',');
      return `${name}:${value}\n`;
    })
    .join('');
  const subResources = req.query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = decodeOrKeep(eq < 0 ? part : part.slice(0, eq));
      const value = eq < 0 ? '' : decodeOrKeep(part.slice(eq + 1));
      return { name, value };
    })
    .filter((p) => SUB_RESOURCES.has(p.name.toLowerCase()))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => (p.value === '' ? p.name : `${p.name}=${p.value}`));
  const resource = req.resourcePath + (subResources.length > 0 ? `?${subResources.join('&')}` : '');
  return `${lines.join('\n')}\n${canonicalHeaders}${resource}`;
}

/** Base64 HMAC-SHA1 of the string to sign with the secret key. */
export function obsSignature(stringToSign: string, sk: string): string {
  return createHmac('sha1', sk).update(stringToSign, 'utf8').digest('base64');
}

/** Constant-time comparison of the signature sent with the one computed. */
export function obsSignatureMatches(sent: string, expected: string): boolean {
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
