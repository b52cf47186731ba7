/**
 * Errors of the OMS/IAM client: a small hierarchy in the undici/smithy style (stable `code`, structured fields,
 * `cause`, cross-realm `is()` guards) plus the pure, table-driven classifiers that build them.
 *
 * Temporal-free on purpose: `activities/to-application-failure.ts` is the one place that turns these into
 * `ApplicationFailure`s. Messages are built only from the operation name, HTTP status, the server's error code and
 * message (scrubbed by the caller's `redact`) and the request id: never from request headers or bodies.
 */

/** Stable machine-readable error class; prefer `err.code` over `instanceof` (undici's advice). */
export type OmsErrorCode =
  'TRANSPORT' | 'SERVER' | 'THROTTLED' | 'AUTH' | 'VALIDATION' | 'NOT_FOUND' | 'PROTOCOL' | 'QUOTA';

/** Fields of an {@link OmsApiError}; `message` must already be safe to persist (no secrets). */
export interface OmsApiErrorOptions {
  message: string;
  /** HTTP status, when a response was received. */
  statusCode?: number;
  /** Body `error_code` (`OMS.0064`, `APIGW.0301`) or IAM `error.code` (as a string). */
  apiErrorCode?: string;
  /** Body `error_msg` (plus `error_detail` in parentheses), scrubbed of known secrets and truncated. */
  apiErrorMessage?: string;
  /** `X-Request-Id` response header (or the gateway body's `request_id`). */
  requestId?: string;
  /** Delay the server asked for via `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** SDK operation name, e.g. `CreateTask`, `KeystoneCreateUserTokenByPassword`. */
  operation?: string;
  /** Underlying error (transport errors). Never a raw response body. */
  cause?: unknown;
}

const MARKER_PREFIX = 'oms-orchestrator.error';
const BASE_MARKER = Symbol.for(MARKER_PREFIX);

/** The registry symbol that marks errors of one code; `Symbol.for` so checks survive Jest module registries. */
export function errorMarker(code: OmsErrorCode): symbol {
  return Symbol.for(`${MARKER_PREFIX}.${code}`);
}

function hasMarker(x: unknown, marker: symbol): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[marker] === true;
}

/**
 * Base class of every error the OMS/IAM client throws (except cancellation, which propagates untouched, and
 * programming errors such as invalid arguments, which are plain `TypeError`s).
 */
export class OmsApiError extends Error {
  /** Stable classification; see {@link OmsErrorCode}. */
  readonly code: OmsErrorCode;
  /** HTTP status, when a response was received. */
  readonly statusCode?: number;
  /** Server error code: `OMS.xxxx`, `APIGW.xxxx`, or the IAM numeric code as a string. */
  readonly apiErrorCode?: string;
  /** Server error message (scrubbed, truncated). */
  readonly apiErrorMessage?: string;
  /** Server request id, for support tickets. */
  readonly requestId?: string;
  /** `Retry-After` in ms, when the server sent one. */
  readonly retryAfterMs?: number;
  /** SDK operation name of the failed call. */
  readonly operation?: string;

  /** Prefer a subclass or {@link createOmsApiError}; this is public for completeness. */
  constructor(code: OmsErrorCode, options: OmsApiErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.statusCode !== undefined) this.statusCode = options.statusCode;
    if (options.apiErrorCode !== undefined) this.apiErrorCode = options.apiErrorCode;
    if (options.apiErrorMessage !== undefined) this.apiErrorMessage = options.apiErrorMessage;
    if (options.requestId !== undefined) this.requestId = options.requestId;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.operation !== undefined) this.operation = options.operation;
    // Non-enumerable markers: invisible to JSON/inspection, checked by the static is() guards.
    Object.defineProperty(this, BASE_MARKER, { value: true });
    Object.defineProperty(this, errorMarker(code), { value: true });
  }

  /** True for any OMS client error, even one created by another copy of this module. */
  static is(x: unknown): x is OmsApiError {
    return hasMarker(x, BASE_MARKER);
  }
}

/** Connection-level failure (reset, refused, DNS, undici timeouts). Retryable. */
export class OmsTransportError extends OmsApiError {
  /** @param options see {@link OmsApiErrorOptions} */
  constructor(options: OmsApiErrorOptions) {
    super('TRANSPORT', options);
  }
  /** Cross-realm guard for `code === 'TRANSPORT'`. */
  static override is(x: unknown): x is OmsTransportError {
    return hasMarker(x, errorMarker('TRANSPORT'));
  }
}

/** HTTP 5xx or 408. Retryable; honours `retryAfterMs` when present. */
export class OmsServerError extends OmsApiError {
  /** @param options see {@link OmsApiErrorOptions} */
  constructor(options: OmsApiErrorOptions) {
    super('SERVER', options);
  }
  /** Cross-realm guard for `code === 'SERVER'`. */
  static override is(x: unknown): x is OmsServerError {
    return hasMarker(x, errorMarker('SERVER'));
  }
}

/** HTTP 429 or a throttling error code. Retryable after `retryAfterMs`. */
export class OmsThrottledError extends OmsApiError {
  /** @param options see {@link OmsApiErrorOptions} */
  constructor(options: OmsApiErrorOptions) {
    super('THROTTLED', options);
  }
  /** Cross-realm guard for `code === 'THROTTLED'`. */
  static override is(x: unknown): x is OmsThrottledError {
    return hasMarker(x, errorMarker('THROTTLED'));
  }
}

/** HTTP 401/403 (gateway `APIGW.0301`, `OMS.0206` permission), IAM password rejected, IP black-listed (418). Not retryable. */
export class OmsAuthError extends OmsApiError {
  /** @param options see {@link OmsApiErrorOptions} */
  constructor(options: OmsApiErrorOptions) {
    super('AUTH', options);
  }
  /** Cross-realm guard for `code === 'AUTH'`. */
  static override is(x: unknown): x is OmsAuthError {
    return hasMarker(x, errorMarker('AUTH'));
  }
}

/** HTTP 400 and other 4xx: invalid parameters, unknown route (`APIGW.0101`), wrong method. Not retryable. */
export class OmsValidationError extends OmsApiError {
  /** @param options see {@link OmsApiErrorOptions} */
  constructor(options: OmsApiErrorOptions) {
    super('VALIDATION', options);
  }
  /** Cross-realm guard for `code === 'VALIDATION'`. */
  static override is(x: unknown): x is OmsValidationError {
    return hasMarker(x, errorMarker('VALIDATION'));
  }
}

/** The task (or task group) does not exist: OMS answers HTTP **400** `OMS.1009`, not 404. Not retryable. */
export class OmsTaskNotFoundError extends OmsApiError {
  /** @param options see {@link OmsApiErrorOptions} */
  constructor(options: OmsApiErrorOptions) {
    super('NOT_FOUND', options);
  }
  /** Cross-realm guard for `code === 'NOT_FOUND'`. */
  static override is(x: unknown): x is OmsTaskNotFoundError {
    return hasMarker(x, errorMarker('NOT_FOUND'));
  }
}

/** A task-creation quota is exhausted (`OMS.0075` 24 h limit, `OMS.0076` waiting tasks, `OMS.0077` total). Retryable later. */
export class OmsQuotaError extends OmsApiError {
  /** @param options see {@link OmsApiErrorOptions} */
  constructor(options: OmsApiErrorOptions) {
    super('QUOTA', options);
  }
  /** Cross-realm guard for `code === 'QUOTA'`. */
  static override is(x: unknown): x is OmsQuotaError {
    return hasMarker(x, errorMarker('QUOTA'));
  }
}

/** The response could not be understood (unparsable body, missing fields, unexpected status). Not retryable. */
export class OmsProtocolError extends OmsApiError {
  /** @param options see {@link OmsApiErrorOptions} */
  constructor(options: OmsApiErrorOptions) {
    super('PROTOCOL', options);
  }
  /** Cross-realm guard for `code === 'PROTOCOL'`. */
  static override is(x: unknown): x is OmsProtocolError {
    return hasMarker(x, errorMarker('PROTOCOL'));
  }
}

// `name` lives on the prototype (not an own field) so it is shared, cheap, and reported by stack traces.
for (const cls of [
  OmsApiError,
  OmsTransportError,
  OmsServerError,
  OmsThrottledError,
  OmsAuthError,
  OmsValidationError,
  OmsTaskNotFoundError,
  OmsQuotaError,
  OmsProtocolError,
]) {
  Object.defineProperty(cls.prototype, 'name', { value: cls.name, writable: true, configurable: true });
}

/** The concrete class for each code. */
export const ERROR_CLASS_BY_CODE: Readonly<Record<OmsErrorCode, new (options: OmsApiErrorOptions) => OmsApiError>> = {
  TRANSPORT: OmsTransportError,
  SERVER: OmsServerError,
  THROTTLED: OmsThrottledError,
  AUTH: OmsAuthError,
  VALIDATION: OmsValidationError,
  NOT_FOUND: OmsTaskNotFoundError,
  PROTOCOL: OmsProtocolError,
  QUOTA: OmsQuotaError,
};

/** Builds the subclass matching `code`. */
export function createOmsApiError(code: OmsErrorCode, options: OmsApiErrorOptions): OmsApiError {
  return new ERROR_CLASS_BY_CODE[code](options);
}

// --- Classification tables ---

/**
 * HTTP status → code, one row per status the docs mention (shared/oms-api.md §1.3, §9.5). Statuses not listed
 * fall back to {@link classifyStatusFallback}: other 4xx → VALIDATION, other 5xx → SERVER, anything else → PROTOCOL.
 */
export const STATUS_CLASSIFICATION: Readonly<Record<number, OmsErrorCode>> = {
  400: 'VALIDATION',
  401: 'AUTH',
  // 403 is OMS.0206 "no OMS permission" or a read-only user: an operator must grant permissions.
  403: 'AUTH',
  // A missing route (APIGW.0101) is overridden to VALIDATION below; OMS itself reports a missing task as 400.
  404: 'NOT_FOUND',
  405: 'VALIDATION',
  406: 'VALIDATION',
  408: 'SERVER',
  409: 'VALIDATION',
  413: 'VALIDATION',
  415: 'VALIDATION',
  // 418: the caller's source IP is black-listed (OMS FAQ); retrying cannot help until an operator acts.
  418: 'AUTH',
  422: 'VALIDATION',
  429: 'THROTTLED',
  500: 'SERVER',
  501: 'SERVER',
  502: 'SERVER',
  503: 'SERVER',
  504: 'SERVER',
};

/**
 * Body error code → code; overrides the status row (shared/oms-api.md §9.2, §2.5). Codes not listed keep their
 * status classification.
 */
export const API_ERROR_CODE_CLASSIFICATION: Readonly<Record<string, OmsErrorCode>> = {
  'OMS.1009': 'NOT_FOUND',
  'OMS.0075': 'QUOTA',
  'OMS.0076': 'QUOTA',
  'OMS.0077': 'QUOTA',
  'OMS.0205': 'AUTH',
  'OMS.0206': 'AUTH',
  'OMS.2004': 'SERVER',
  // "The API does not exist or has not been published": a client bug or a wrong endpoint, not a missing task.
  'APIGW.0101': 'VALIDATION',
  'APIGW.0301': 'AUTH',
  'APIG.0301': 'AUTH',
  // Gateway throttling codes are not confirmed by the docs read (shared/oms-api.md §13 q8); APIG uses 0308.
  'APIGW.0308': 'THROTTLED',
  'APIG.0308': 'THROTTLED',
};

/**
 * `err.code` values of transport failures (Node `net`/`dns` and undici), all retryable. The union of undici's
 * `RetryHandler` defaults and smithy's transient codes; anything else (e.g. `UND_ERR_INVALID_ARG`) is a
 * programming error and is not wrapped.
 */
export const TRANSPORT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Fallback for statuses without a row in {@link STATUS_CLASSIFICATION}. */
export function classifyStatusFallback(status: number): OmsErrorCode {
  if (status >= 400 && status < 500) return 'VALIDATION';
  if (status >= 500 && status < 600) return 'SERVER';
  return 'PROTOCOL';
}

// --- Classifiers ---

/** Response headers as undici delivers them (lowercase names). */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Context that makes a classified error's message useful and safe. */
export interface ClassifyContext {
  /** `OMS` (default) or `IAM`: the first word of the message. */
  service?: 'OMS' | 'IAM';
  /** SDK operation name, e.g. `CreateTask`. */
  operation?: string;
  /** Reference time for an HTTP-date `Retry-After`; defaults to the current time. */
  now?: Date;
  /** Scrubs known secrets out of server-provided text (the client passes one built from its credentials and the request body). */
  redact?: (text: string) => string;
}

/** Error code and message extracted from an error body. */
export interface ParsedErrorBody {
  code?: string;
  message?: string;
  /** The gateway's `request_id`, used when the `X-Request-Id` header is missing. */
  requestId?: string;
}

/** Longest server-provided text kept in a message; HTML error pages can be large. */
export const MAX_API_MESSAGE_LENGTH = 512;

/**
 * Parses an error body the way the official Python SDK does: `error_code`+`error_msg`, else
 * `errorCode`+`errorMsg`, else `code`+`message`, else the first nested object that has one of those (the IAM
 * `{"error":{...}}` shape); a non-JSON body becomes the message. `error_detail` is appended in parentheses.
 */
export function parseErrorBody(body: string): ParsedErrorBody {
  const rawText = oneLine(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return rawText === '' ? {} : { message: rawText };
  }
  if (!isRecord(parsed)) return rawText === '' ? {} : { message: rawText };
  const found = findErrorFields(parsed, 0) ?? {};
  // Like the SDK: a body without known error fields becomes the message (scrubbed and truncated by the caller).
  if (found.message === undefined && found.code === undefined && rawText !== '') found.message = rawText;
  if (typeof parsed.request_id === 'string') found.requestId = parsed.request_id;
  return found;
}

const ERROR_FIELD_PAIRS: readonly (readonly [string, string])[] = [
  ['error_code', 'error_msg'],
  ['errorCode', 'errorMsg'],
  ['code', 'message'],
];

function findErrorFields(obj: Record<string, unknown>, depth: number): ParsedErrorBody | undefined {
  for (const [codeKey, msgKey] of ERROR_FIELD_PAIRS) {
    if (codeKey in obj && msgKey in obj) {
      const code = scalarToString(obj[codeKey]);
      let message = scalarToString(obj[msgKey]);
      const detail = scalarToString(obj.error_detail);
      if (detail) message = message ? `${message} (${detail})` : detail;
      const result: ParsedErrorBody = {};
      if (code) result.code = code;
      if (message) result.message = message;
      return result;
    }
  }
  if (depth >= 3) return undefined;
  for (const value of Object.values(obj)) {
    if (isRecord(value)) {
      const nested = findErrorFields(value, depth + 1);
      if (nested) return nested;
    }
  }
  return undefined;
}

/**
 * Parses `Retry-After` (delay-seconds or an HTTP-date) into ms; `undefined` when absent or unparsable, never
 * negative (a date in the past gives 0).
 */
export function parseRetryAfter(value: string | string[] | undefined, now: Date = new Date()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names a weekday or month; without letters Date.parse would accept e.g. "-5" as a year.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

/** Reads a header (case-insensitive); the first value if repeated. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Turns an HTTP response the client cannot use into an {@link OmsApiError}: error statuses via the tables
 * (error-code row first, then status row, then fallback), and any other status (a 2xx or 3xx reaching here) as
 * PROTOCOL. Pure. The message looks like
 * `OMS CreateTask failed: HTTP 400 OMS.0064 Invalid request parameters. (request parameter [description] invalid.) [request id abc]`.
 */
export function classifyResponse(
  status: number,
  body: string,
  headers: ResponseHeaders,
  context: ClassifyContext = {},
): OmsApiError {
  const redact = context.redact ?? identity;
  const parsed = status >= 400 ? parseErrorBody(body) : {};
  const requestId = headerValue(headers, 'x-request-id') ?? parsed.requestId;
  const apiErrorCode = parsed.code === undefined ? undefined : truncate(redact(parsed.code), 64);
  const apiErrorMessage =
    parsed.message === undefined ? undefined : truncate(redact(parsed.message), MAX_API_MESSAGE_LENGTH);
  const code: OmsErrorCode =
    status < 400
      ? 'PROTOCOL'
      : ((apiErrorCode === undefined ? undefined : API_ERROR_CODE_CLASSIFICATION[apiErrorCode]) ??
        STATUS_CLASSIFICATION[status] ??
        classifyStatusFallback(status));
  const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), context.now);

  const parts = [`HTTP ${status}`];
  if (apiErrorCode) parts.push(apiErrorCode);
  if (apiErrorMessage) parts.push(apiErrorMessage);
  else if (status < 400) parts.push('unexpected response status');
  const message = `${prefix(context)}: ${parts.join(' ')}${requestId ? ` [request id ${requestId}]` : ''}`;

  const options: OmsApiErrorOptions = { message, statusCode: status };
  if (apiErrorCode !== undefined) options.apiErrorCode = apiErrorCode;
  if (apiErrorMessage !== undefined) options.apiErrorMessage = apiErrorMessage;
  if (requestId !== undefined) options.requestId = requestId;
  if (retryAfterMs !== undefined) options.retryAfterMs = retryAfterMs;
  if (context.operation !== undefined) options.operation = context.operation;
  return createOmsApiError(code, options);
}

/**
 * Builds the PROTOCOL error for a successful response whose body cannot be used (not JSON, missing fields, an
 * unsafe integer). `problem` must not quote the body; the JSON parser's own error is deliberately not attached as
 * `cause`, because Node's messages quote the input.
 */
export function protocolError(
  problem: string,
  statusCode: number,
  headers: ResponseHeaders,
  context: ClassifyContext = {},
): OmsProtocolError {
  const requestId = headerValue(headers, 'x-request-id');
  const options: OmsApiErrorOptions = {
    message: `${prefix(context)}: HTTP ${statusCode} ${problem}${requestId ? ` [request id ${requestId}]` : ''}`,
    statusCode,
  };
  if (requestId !== undefined) options.requestId = requestId;
  if (context.operation !== undefined) options.operation = context.operation;
  return new OmsProtocolError(options);
}

/**
 * Classifies an error thrown by undici/Node while sending a request or reading its body: a known transport
 * `err.code` (searched on the error, its `cause` chain and `AggregateError.errors`) gives an
 * {@link OmsTransportError} with the original as `cause`; anything else (cancellation, programming errors) gives
 * `undefined` so the caller rethrows it unchanged.
 */
export function classifyTransportError(err: unknown, context: ClassifyContext = {}): OmsTransportError | undefined {
  const found = findTransportCode(err, 0);
  if (found === undefined) return undefined;
  const detail = found.message ? ` (${truncate(oneLine(found.message), 200)})` : '';
  const options: OmsApiErrorOptions = {
    message: `${prefix(context)}: transport error ${found.code}${detail}`,
    cause: err,
  };
  if (context.operation !== undefined) options.operation = context.operation;
  return new OmsTransportError(options);
}

function findTransportCode(err: unknown, depth: number): { code: string; message: string } | undefined {
  if (!isRecord(err) || depth > 4) return undefined;
  const code = err.code;
  if (typeof code === 'string' && TRANSPORT_ERROR_CODES.has(code)) {
    return { code, message: typeof err.message === 'string' ? err.message : '' };
  }
  if (Array.isArray(err.errors)) {
    for (const inner of err.errors) {
      const found = findTransportCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return findTransportCode(err.cause, depth + 1);
}

function prefix(context: ClassifyContext): string {
  return `${context.service ?? 'OMS'} ${context.operation ?? 'request'} failed`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function scalarToString(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return undefined;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function identity(text: string): string {
  return text;
}
