/**
 * Errors of the OMS/IAM client: a small hierarchy in the undici/smithy style (stable `code`, structured fields,
 * `cause`, cross-realm `is()` guards). `classify.ts` decides which one a failed call becomes.
 *
 * Temporal-free on purpose: `activities/to-application-failure.ts` is the one place that turns these into
 * `ApplicationFailure`s. A message must already be safe to persist when the error is built (see `classify.ts`).
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

/**
 * The base of one code's subclass: its constructor passes the code, its `is()` checks that code's marker. One
 * declaration for the eight subclasses below, which exist for `instanceof`, stack-trace names and docs.
 */
function errorClassFor(code: OmsErrorCode) {
  const marker = errorMarker(code);
  return class extends OmsApiError {
    /** @param options see {@link OmsApiErrorOptions} */
    constructor(options: OmsApiErrorOptions) {
      super(code, options);
    }
    /** Cross-realm guard for this subclass's code. */
    static override is(x: unknown): x is OmsApiError {
      return hasMarker(x, marker);
    }
  };
}

/** Connection-level failure (reset, refused, DNS, undici timeouts). Retryable. */
export class OmsTransportError extends errorClassFor('TRANSPORT') {}

/** HTTP 5xx or 408. Retryable; honours `retryAfterMs` when present. */
export class OmsServerError extends errorClassFor('SERVER') {}

/** HTTP 429 or a throttling error code. Retryable after `retryAfterMs`. */
export class OmsThrottledError extends errorClassFor('THROTTLED') {}

/** HTTP 401/403 (gateway `APIGW.0301`, `OMS.0206` permission), IAM password rejected, IP black-listed (418). Not retryable. */
export class OmsAuthError extends errorClassFor('AUTH') {}

/** HTTP 400 and other 4xx: invalid parameters, unknown route (`APIGW.0101`), wrong method. Not retryable. */
export class OmsValidationError extends errorClassFor('VALIDATION') {}

/** The task (or task group) does not exist: OMS answers HTTP **400** `OMS.1009`, not 404. Not retryable. */
export class OmsTaskNotFoundError extends errorClassFor('NOT_FOUND') {}

/** A task-creation quota is exhausted (`OMS.0075` 24 h limit, `OMS.0076` waiting tasks, `OMS.0077` total). Retryable later. */
export class OmsQuotaError extends errorClassFor('QUOTA') {}

/** The response could not be understood (unparsable body, missing fields, unexpected status). Not retryable. */
export class OmsProtocolError extends errorClassFor('PROTOCOL') {}

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
