/**
 * Refused credentials once the OMS task exists (or may exist): an operator-fixable condition, retried with a capped
 * backoff as `CredentialsRejected` instead of failing the migration.
 */
import { ApplicationFailure } from '@temporalio/common';

import { FailureType } from '../workflows/failure-types';

/** Backoff while OMS rejects the worker's credentials: 15 s doubling per attempt, capped at five minutes. */
export function credentialsBackoffMs(attempt: number): number {
  return Math.min(CREDENTIALS_RETRY_CAP_MS, 15_000 * 2 ** Math.min(10, Math.max(0, attempt - 1)));
}

/** Cap of {@link credentialsBackoffMs}. */
export const CREDENTIALS_RETRY_CAP_MS = 5 * 60_000;

/** True for failures that mean the worker's credentials were refused or are not configured (operator-fixable). */
export function isCredentialsProblem(err: unknown): err is ApplicationFailure {
  return (
    err instanceof ApplicationFailure &&
    (err.type === FailureType.ApiAuth || err.type === FailureType.CredentialsMissing)
  );
}

/** The retryable form of a credentials failure, for calls that must not give up (the task may exist). */
export function credentialsRejected(cause: ApplicationFailure, attempt: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.CredentialsRejected,
    message: `Blocked: credentials rejected (${cause.message}); retrying until the worker is fixed`,
    nextRetryDelay: credentialsBackoffMs(attempt),
    details: cause.details ?? [],
  });
}
