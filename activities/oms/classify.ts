/**
 * Classification of failed OMS/IAM calls: pure, table-driven functions (smithy style) that turn an HTTP response
 * the client cannot use, or a transport failure, into one of the errors of `errors.ts`.
 *
 * Messages are built only from the operation name, HTTP status, the server's error code and message (scrubbed by
 * the caller's `redact`) and the request id: never from request headers or bodies.
 */
import { isRecord } from '../../workflows/shared/is-record';
import { OmsProtocolError, OmsTransportError, createOmsApiError } from './errors';
import type { OmsApiError, OmsApiErrorOptions, OmsErrorCode } from './errors';

/**
 * HTTP status → code, one row per status the docs mention (docs/oms-api.md §1.3, §9.5). Statuses not listed
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
 * Body error code → code; overrides the status row (docs/oms-api.md §9.2, §2.5). Codes not listed keep their
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
  // Gateway throttling codes are not confirmed by the docs read (docs/oms-api.md §13 question 8); APIG uses 0308.
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
