/**
 * THE one place that maps OMS client errors to Temporal `ApplicationFailure`s (docs/house-style.md §2.3). Activities wrap
 * their body in `try { … } catch (err) { throw toApplicationFailure(err); }`.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from '../workflows/failure-types';
import type { FailureTypeName } from '../workflows/failure-types';
import { OmsApiError } from './oms/errors';
import type { OmsErrorCode } from './oms/errors';

/** Which {@link FailureType} each client error code becomes. */
export const FAILURE_TYPE_BY_ERROR_CODE: Readonly<Record<OmsErrorCode, FailureTypeName>> = {
  TRANSPORT: FailureType.ApiUnavailable,
  SERVER: FailureType.ApiUnavailable,
  THROTTLED: FailureType.ApiThrottled,
  AUTH: FailureType.ApiAuth,
  VALIDATION: FailureType.InvalidRequest,
  NOT_FOUND: FailureType.TaskNotFound,
  PROTOCOL: FailureType.ApiProtocol,
  QUOTA: FailureType.QuotaExceeded,
};

/**
 * Default `nextRetryDelay` for `QuotaExceeded`: the 24 h creation quota and the waiting-task quota free up
 * slowly, so the normal exponential backoff would only burn attempts.
 */
export const DEFAULT_QUOTA_RETRY_DELAY_MS = 10 * 60_000;

/** Options of {@link toApplicationFailure}. */
export interface ToApplicationFailureOptions {
  /** `nextRetryDelay` for `QuotaExceeded` when the server sent no `Retry-After`; default 10 minutes. */
  quotaRetryDelayMs?: number;
}

/** The single entry of `ApplicationFailure.details` for an OMS error; contains no credentials or headers. */
export interface OmsFailureDetails {
  statusCode?: number;
  apiErrorCode?: string;
  apiErrorMessage?: string;
  requestId?: string;
}

/**
 * Maps an error caught in an activity to the failure to throw.
 *
 * - `ApplicationFailure` and `CancelledFailure`: returned untouched (no rewrapping, so type, retryability and
 *   cancellation survive).
 * - `OmsApiError`: `ApplicationFailure` with `type` from {@link FAILURE_TYPE_BY_ERROR_CODE}, `nonRetryable` from
 *   `NON_RETRYABLE_FAILURE_TYPES`, `nextRetryDelay` from `Retry-After` (throttled/server) or the quota delay,
 *   `details: [{ statusCode, apiErrorCode, apiErrorMessage, requestId }]`, and the original as `cause`. The
 *   client already keeps credentials, tokens, headers and bodies out of messages, so nothing secret is persisted.
 * - Anything else is rethrown as it is: an unknown error is a programming error (or an unclassified
 *   cancellation), and it should surface as itself, retried by the default policy, rather than be disguised as
 *   `ApiUnavailable`.
 *
 * @throws the original `err` when it is neither a Temporal failure of the two kinds above nor an `OmsApiError`.
 */
export function toApplicationFailure(
  err: unknown,
  options: ToApplicationFailureOptions = {},
): ApplicationFailure | CancelledFailure {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  if (!OmsApiError.is(err)) throw err;

  const type = FAILURE_TYPE_BY_ERROR_CODE[err.code];
  const details: OmsFailureDetails = {};
  if (err.statusCode !== undefined) details.statusCode = err.statusCode;
  if (err.apiErrorCode !== undefined) details.apiErrorCode = err.apiErrorCode;
  if (err.apiErrorMessage !== undefined) details.apiErrorMessage = err.apiErrorMessage;
  if (err.requestId !== undefined) details.requestId = err.requestId;

  const nextRetryDelay = retryDelayMs(err, options);
  return ApplicationFailure.create({
    type,
    message: err.message,
    nonRetryable: NON_RETRYABLE_FAILURE_TYPES.includes(type),
    details: [details],
    cause: err,
    ...(nextRetryDelay === undefined ? {} : { nextRetryDelay }),
  });
}

function retryDelayMs(err: OmsApiError, options: ToApplicationFailureOptions): number | undefined {
  // A zero delay (Retry-After in the past) would defeat the retry policy's backoff: keep the policy's value.
  const retryAfter = err.retryAfterMs !== undefined && err.retryAfterMs > 0 ? err.retryAfterMs : undefined;
  switch (err.code) {
    case 'THROTTLED':
    case 'SERVER':
      return retryAfter;
    case 'QUOTA':
      return retryAfter ?? options.quotaRetryDelayMs ?? DEFAULT_QUOTA_RETRY_DELAY_MS;
    default:
      return undefined;
  }
}
