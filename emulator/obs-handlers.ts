/**
 * The emulated OBS endpoint for the emulator's buckets: the read operations Huawei's official OBS SDK
 * (`esdk-obs-nodejs`) needs to read failed-object lists and check buckets — HeadApiVersion (the SDK's signature
 * negotiation), HeadBucket, ListObjects (prefix, marker, max-keys, delimiter; IsTruncated/NextMarker), GetObject
 * and HeadObject — with the HMAC-SHA1 request signature the SDK sends (obs-auth.ts), verified with the SK of the
 * configured access key. Errors are OBS's XML `<Error>` documents (plus `x-obs-error-code`/`x-amz-error-code`
 * headers, which is all a HEAD answer can carry).
 *
 * OBS shares the emulator's port: a request is an OBS request when it is signed `OBS ak:sig`/`AWS ak:sig`
 * (path-style, `/bucket/key`), or when its Host names a bucket (`bucket.<host>`, virtual-host style). Any access
 * key of the emulator may read any bucket unless the bucket names an `owner` domain (then other accounts get
 * 403 AccessDenied).
 */
import { createHash } from 'node:crypto';

import type { ParsedRequest, Reply } from './http-io';
import type { Bucket, StoredObject } from './object-store';
import {
  OBS_HEADER_PREFIX,
  obsSignature,
  obsSignatureMatches,
  obsStringToSign,
  parseObsAuthorization,
  type ObsSignatureFlavour,
} from './obs-auth';
import type { RouteMatch } from './routes';
import type { EmulatorState } from './state';

/** Largest object the emulator synthesises content for (objects without stored content read as zero bytes). */
const MAX_SYNTHETIC_BYTES = 16 * 1024 * 1024;

/** OBS's default (and maximum) page size of ListObjects. */
const MAX_KEYS = 1000;

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
const OBS_XMLNS = 'http://obs.myhwclouds.com/doc/2015-06-30/';

/** An OBS request addressed to a bucket (and maybe an object). */
export interface ObsTarget {
  bucket: string;
  /** Object key (decoded), or undefined for bucket operations. */
  key?: string;
  /** `/bucket` or `/bucket/key` with the key as sent: the signed resource. */
  resourcePath: string;
  virtualHost: boolean;
}

function hostName(req: ParsedRequest): string {
  const host = req.headers.host?.[0] ?? '';
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}

function decodeOrKeep(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Whether a request is for OBS, and its bucket and key: signed with an OBS/AWS V2 `Authorization`, or sent to a
 * bucket's virtual host. Undefined for everything else (IAM, OMS, admin).
 */
export function matchObsRequest(state: EmulatorState, req: ParsedRequest): ObsTarget | undefined {
  const name = hostName(req);
  const firstLabel = name.split('.')[0] ?? '';
  const virtualHost = name.includes('.') && !/^[0-9.]+$/.test(name) && state.objects.bucket(firstLabel) !== undefined;
  if (virtualHost) {
    const rest = req.path === '/' ? '' : req.path;
    return {
      bucket: firstLabel,
      ...(rest === '' ? {} : { key: decodeOrKeep(rest.slice(1)) }),
      resourcePath: rest === '' ? `/${firstLabel}/` : `/${firstLabel}${rest}`,
      virtualHost: true,
    };
  }
  if (parseObsAuthorization(req.headers.authorization?.[0]) === undefined) return undefined;
  const slash = req.path.indexOf('/', 1);
  const bucket = decodeOrKeep(slash < 0 ? req.path.slice(1) : req.path.slice(1, slash));
  const rawKey = slash < 0 ? '' : req.path.slice(slash + 1);
  return {
    bucket,
    ...(rawKey === '' ? {} : { key: decodeOrKeep(rawKey) }),
    resourcePath: req.path,
    virtualHost: false,
  };
}

function queryParams(query: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeOrKeep((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    params.set(name, eq < 0 ? '' : decodeOrKeep(part.slice(eq + 1).replace(/\+/g, ' ')));
  }
  return params;
}

/** The route name of an OBS request (request counters and fault rules key on it). */
export function obsRouteOf(req: ParsedRequest, target: ObsTarget): RouteMatch | undefined {
  const params = queryParams(req.query);
  if (target.key === undefined) {
    if (req.method === 'HEAD' && params.has('apiversion')) return { name: 'ObsHeadApiVersion' };
    if (req.method === 'HEAD') return { name: 'ObsHeadBucket' };
    if (req.method === 'GET') return { name: 'ObsListObjects' };
    return undefined;
  }
  if (req.method === 'HEAD') return { name: 'ObsHeadObject' };
  if (req.method === 'GET') return { name: 'ObsGetObject' };
  return undefined;
}

function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The header announcing a bucket's region: OBS's name, or S3's in the AWS flavour. */
function regionHeader(flavour: ObsSignatureFlavour): string {
  return flavour === 'obs' ? 'x-obs-bucket-location' : 'x-amz-bucket-region';
}

function obsHeaders(flavour: ObsSignatureFlavour, requestId: string): Record<string, string> {
  const prefix = OBS_HEADER_PREFIX[flavour];
  return { [`${prefix}request-id`]: requestId, [`${prefix}id2`]: `${requestId}-id2` };
}

/** An OBS error: XML body plus the error-code headers. */
export function obsErrorReply(
  status: number,
  code: string,
  message: string,
  flavour: ObsSignatureFlavour,
  requestId: string,
  extra: Record<string, string> = {},
): Reply {
  const prefix = OBS_HEADER_PREFIX[flavour];
  const fields = Object.entries({
    Code: code,
    Message: message,
    RequestId: requestId,
    HostId: 'oms-emulator',
    ...extra,
  })
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join('');
  return {
    status,
    body: Buffer.from(`${XML_DECLARATION}<Error>${fields}</Error>`),
    headers: {
      ...obsHeaders(flavour, requestId),
      'Content-Type': 'application/xml',
      [`${prefix}error-code`]: code,
      [`${prefix}error-message`]: message,
    },
  };
}

function etagOf(key: string, object: StoredObject): string {
  const source = object.content ?? `${key}\n${object.size}\n${object.lastModified}`;
  return `"${createHash('md5').update(source).digest('hex')}"`;
}

function contentOf(object: StoredObject): Buffer | undefined {
  if (object.content !== undefined) return Buffer.from(object.content);
  return object.size <= MAX_SYNTHETIC_BYTES ? Buffer.alloc(object.size) : undefined;
}

/** Who is asking: the access key's domain, or an authentication error reply. */
function authenticate(
  state: EmulatorState,
  req: ParsedRequest,
  target: ObsTarget,
  requestId: string,
): { domainId: string; flavour: ObsSignatureFlavour } | Reply {
  const auth = parseObsAuthorization(req.headers.authorization?.[0]);
  if (!auth) {
    return obsErrorReply(403, 'AccessDenied', 'Access Denied', 'obs', requestId);
  }
  const { flavour } = auth;
  const key = state.config.accessKeys.find((k) => k.ak === auth.ak);
  if (!key) {
    return obsErrorReply(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      flavour,
      requestId,
      { AWSAccessKeyId: auth.ak },
    );
  }
  const prefix = OBS_HEADER_PREFIX[flavour];
  const dateText = req.headers[`${prefix}date`]?.[0] ?? req.headers.date?.[0];
  const date = dateText === undefined ? NaN : Date.parse(dateText);
  if (!Number.isFinite(date)) {
    return obsErrorReply(
      403,
      'AccessDenied',
      'AWS authentication requires a valid Date or x-amz-date header',
      flavour,
      requestId,
    );
  }
  if (Math.abs(Date.now() - date) > state.config.auth.sdkDateSkewMs) {
    return obsErrorReply(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the server time is too large.',
      flavour,
      requestId,
    );
  }
  const stringToSign = obsStringToSign(
    { method: req.method, headers: req.headers, resourcePath: target.resourcePath, query: req.query },
    flavour,
  );
  if (!obsSignatureMatches(auth.signature, obsSignature(stringToSign, key.sk))) {
    // OBS returns the string it signed (no secret in it), which is how a client finds its canonicalisation bug.
    return obsErrorReply(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      flavour,
      requestId,
      { AWSAccessKeyId: auth.ak, StringToSign: stringToSign },
    );
  }
  if (key.securityToken !== undefined && req.headers[`${prefix}security-token`]?.[0] !== key.securityToken) {
    return obsErrorReply(
      403,
      'InvalidToken',
      'The provided token is malformed or otherwise invalid.',
      flavour,
      requestId,
    );
  }
  return { domainId: key.domainId, flavour };
}

function listObjects(
  bucket: Bucket,
  params: Map<string, string>,
  flavour: ObsSignatureFlavour,
  requestId: string,
): Reply {
  const prefix = params.get('prefix') ?? '';
  const marker = params.get('marker') ?? '';
  const delimiter = params.get('delimiter') ?? '';
  const maxKeysText = params.get('max-keys');
  let maxKeys = MAX_KEYS;
  if (maxKeysText !== undefined) {
    if (!/^\d+$/.test(maxKeysText)) {
      return obsErrorReply(400, 'InvalidArgument', 'Invalid Argument', flavour, requestId, {
        ArgumentName: 'max-keys',
        ArgumentValue: maxKeysText,
      });
    }
    maxKeys = Math.min(MAX_KEYS, Number(maxKeysText));
  }
  const contents: string[] = [];
  const commonPrefixes: string[] = [];
  let truncated = false;
  let last = '';
  for (const key of bucket.keysWithPrefix(prefix)) {
    if (key <= marker) continue;
    let rolledUp: string | undefined;
    if (delimiter !== '') {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) rolledUp = key.slice(0, at + delimiter.length);
    }
    if (rolledUp !== undefined && rolledUp === commonPrefixes[commonPrefixes.length - 1]) continue;
    if (rolledUp !== undefined && rolledUp <= marker) continue;
    if (contents.length + commonPrefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (rolledUp !== undefined) {
      commonPrefixes.push(rolledUp);
      last = rolledUp;
    } else {
      const object = bucket.get(key)!;
      contents.push(
        `<Contents><Key>${escapeXml(key)}</Key><LastModified>${new Date(object.lastModified).toISOString()}` +
          `</LastModified><ETag>${escapeXml(etagOf(key, object))}</ETag><Size>${object.size}</Size>` +
          '<StorageClass>STANDARD</StorageClass></Contents>',
      );
      last = key;
    }
  }
  const xml =
    `${XML_DECLARATION}<ListBucketResult xmlns="${OBS_XMLNS}"><Name>${escapeXml(bucket.name)}</Name>` +
    `<Prefix>${escapeXml(prefix)}</Prefix><Marker>${escapeXml(marker)}</Marker>` +
    (truncated ? `<NextMarker>${escapeXml(last)}</NextMarker>` : '') +
    `<MaxKeys>${maxKeys}</MaxKeys>` +
    (delimiter !== '' ? `<Delimiter>${escapeXml(delimiter)}</Delimiter>` : '') +
    `<IsTruncated>${truncated}</IsTruncated>${contents.join('')}` +
    commonPrefixes.map((p) => `<CommonPrefixes><Prefix>${escapeXml(p)}</Prefix></CommonPrefixes>`).join('') +
    '</ListBucketResult>';
  return {
    status: 200,
    body: Buffer.from(xml),
    headers: {
      ...obsHeaders(flavour, requestId),
      'Content-Type': 'application/xml',
      [regionHeader(flavour)]: bucket.region,
    },
  };
}

/** Answers an OBS request (see the module comment); never throws for any input. */
export function handleObs(state: EmulatorState, req: ParsedRequest, target: ObsTarget, requestId: string): Reply {
  const route = obsRouteOf(req, target);
  if (route?.name === 'ObsHeadApiVersion') {
    // Unsigned by design: the SDK asks which signature a bucket speaks before it signs anything.
    const exists = state.objects.bucket(target.bucket) !== undefined;
    return { status: exists ? 200 : 404, headers: { ...obsHeaders('obs', requestId), 'x-obs-api': '3.0' } };
  }
  const who = authenticate(state, req, target, requestId);
  if ('status' in who) return who;
  const { flavour } = who;
  if (!route) {
    return obsErrorReply(
      405,
      'MethodNotAllowed',
      'The specified method is not allowed against this resource.',
      flavour,
      requestId,
    );
  }
  const bucket = state.objects.bucket(target.bucket);
  if (!bucket) {
    return obsErrorReply(404, 'NoSuchBucket', 'The specified bucket does not exist', flavour, requestId, {
      BucketName: target.bucket,
    });
  }
  const owner = state.config.buckets.find((b) => b.name === bucket.name)?.owner;
  if (owner !== undefined && owner !== who.domainId) {
    return obsErrorReply(403, 'AccessDenied', 'Access Denied', flavour, requestId);
  }
  const base = { ...obsHeaders(flavour, requestId), [regionHeader(flavour)]: bucket.region };
  if (route.name === 'ObsHeadBucket') return { status: 200, headers: base };
  if (route.name === 'ObsListObjects') return listObjects(bucket, queryParams(req.query), flavour, requestId);
  const key = target.key!;
  const object = bucket.get(key);
  if (!object) {
    return obsErrorReply(404, 'NoSuchKey', 'The specified key does not exist.', flavour, requestId, { Key: key });
  }
  const headers = {
    ...base,
    'Content-Type': object.contentType ?? 'binary/octet-stream',
    ETag: etagOf(key, object),
    'Last-Modified': new Date(object.lastModified).toUTCString(),
    [`${OBS_HEADER_PREFIX[flavour]}storage-class`]: 'STANDARD',
  };
  if (route.name === 'ObsHeadObject')
    return { status: 200, headers: { ...headers, 'Content-Length': String(object.size) } };
  const content = contentOf(object);
  if (!content) {
    return obsErrorReply(
      501,
      'NotImplemented',
      'The emulator keeps no content for objects this large.',
      flavour,
      requestId,
    );
  }
  return { status: 200, body: content, headers };
}
