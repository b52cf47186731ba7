/**
 * The error-type contract between activities, workflows and clients: every `ApplicationFailure.type` string the
 * orchestrator raises, and the `failure.type` of a batch item's outcome record — one table, no other home.
 *
 * Pure and sandbox-safe (type imports only). Activities produce these types (only
 * `activities/to-application-failure.ts` maps client errors to them); workflows branch on `err.cause.type`;
 * activity-option presets list {@link NON_RETRYABLE_FAILURE_TYPES} in `nonRetryableErrorTypes`. The string values
 * are persisted in workflow history, so never rename one: add a new type instead.
 */
import type { ActivityCallCounts } from './activity-types';

export const FailureType = {
  /** The OMS/IAM API could not be reached or answered 5xx/408 (transport error, server error). Retryable. */
  ApiUnavailable: 'ApiUnavailable',
  /** The API answered 429 (or a throttling error code). Retryable; `nextRetryDelay` honours `Retry-After`. */
  ApiThrottled: 'ApiThrottled',
  /** Authentication or authorisation failed (401/403, IAM password rejected, IP black-listed). Non-retryable: an operator must fix credentials or permissions. */
  ApiAuth: 'ApiAuth',
  /** The API rejected the request as invalid (400 validation, unknown route, wrong method). Non-retryable. */
  InvalidRequest: 'InvalidRequest',
  /** The OMS task does not exist (HTTP 400 `OMS.1009`). Non-retryable. */
  TaskNotFound: 'TaskNotFound',
  /** A response could not be understood (unparsable body, missing fields, unsafe integer id). Non-retryable: an API change or a bug. */
  ApiProtocol: 'ApiProtocol',
  /** An OMS task-creation quota is exhausted (`OMS.0075`/`0076`/`0077`). Retryable after a long delay. */
  QuotaExceeded: 'QuotaExceeded',
  /** A polled OMS task has not reached a final state yet. Retryable (infrequent-polling pattern; raise as BENIGN). */
  TaskPending: 'TaskPending',
  /** An OMS task ended in its FAILED state. Non-retryable at the activity level; the workflow decides what next. */
  TaskFailed: 'TaskFailed',
  /** The workflow input failed validation. Non-retryable; raised by the workflow before any OMS call. */
  InvalidMigrationInput: 'InvalidMigrationInput',
  /** The migration as a whole failed (business outcome reported by the workflow). Non-retryable. */
  MigrationFailed: 'MigrationFailed',
  /** The migration was stopped (paused) on request before completing. */
  MigrationStopped: 'MigrationStopped',
  /** The migration did not finish before its deadline. */
  DeadlineExceeded: 'DeadlineExceeded',
  /** The worker has no credentials for the requested credential profile. Non-retryable: an operator must configure them. */
  CredentialsMissing: 'CredentialsMissing',
  /**
   * `createMigrationTask` read part of the project's task list looking for a task an earlier attempt may have
   * created, then a ListTasks call failed transiently. Non-retryable on purpose: the details
   * ({@link LookupIncompleteDetails}) carry where to resume, and the workflow calls the activity again with that
   * offset, so a long task list is read once in total rather than from the start on every retry.
   */
  LookupIncomplete: 'LookupIncomplete',
  /**
   * OMS refused the worker's credentials (401/403) or the profile is missing, at a point where the OMS task exists
   * or may exist. Retryable with a capped backoff: the condition is operator-fixable, and giving up would leave a
   * task nobody watches.
   */
  CredentialsRejected: 'CredentialsRejected',
  /**
   * The worker lacks wiring an activity needs (no Temporal client for the region limiter and batches).
   * Non-retryable: an operator must fix the worker.
   */
  WorkerMisconfigured: 'WorkerMisconfigured',

  // --- Batches (workflows/batch.ts) ---

  /** The failure policy stopped the batch; `details[0]` is the `BatchReport`. Non-retryable. */
  BatchFailed: 'BatchFailed',
  /**
   * An item's migration is still running (`awaitMigrationOutcome`). Retryable and BENIGN; `nextRetryDelay` is the
   * poll interval (infrequent polling, like {@link FailureType.TaskPending}).
   */
  ItemPending: 'ItemPending',

  // --- How a batch item's migration ended without an ApplicationFailure (`MigrationOutcomeRecord.failure.type`) ---

  /** The item's migration workflow does not exist. */
  ItemNotFound: 'ItemNotFound',
  /** The item's migration was cancelled. */
  Cancelled: 'Cancelled',
  /** The item's migration was terminated. */
  Terminated: 'Terminated',
  /** The item's migration timed out (a workflow execution or run timeout). */
  TimedOut: 'TimedOut',
} as const;

/** One of the {@link FailureType} string values. */
export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/**
 * Failure types that must never be retried by an activity retry policy.
 *
 * Put this list in every preset's `retry.nonRetryableErrorTypes` (belt and braces: the mapper already sets
 * `nonRetryable`, this also covers a failure raised elsewhere with one of these types).
 */
export const NON_RETRYABLE_FAILURE_TYPES: readonly FailureTypeName[] = [
  FailureType.ApiAuth,
  FailureType.InvalidRequest,
  FailureType.TaskNotFound,
  FailureType.ApiProtocol,
  FailureType.TaskFailed,
  FailureType.InvalidMigrationInput,
  FailureType.MigrationFailed,
  FailureType.CredentialsMissing,
  FailureType.LookupIncomplete,
];

/** The single entry of `ApplicationFailure.details` of a `LookupIncomplete` failure. */
export interface LookupIncompleteDetails {
  /** ListTasks offset of the first task not read yet. */
  resume_offset: number;
  /** API calls the failed call made (so the report counts them). */
  calls: ActivityCallCounts;
}
