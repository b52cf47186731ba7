/**
 * Activity option presets, one per class of call (docs/house-style.md §2.4). Every preset bounds its retries, and lists the
 * non-retryable failure types again so an error that escapes the mapper unclassified is still not retried forever.
 */
import type { ActivityOptions } from '@temporalio/workflow';

import { NON_RETRYABLE_FAILURE_TYPES } from './failure-types';

const nonRetryableErrorTypes = [...NON_RETRYABLE_FAILURE_TYPES];

/**
 * One OMS/IAM operation (token, create, start, stop, delete, bandwidth). 60 s covers a slow HTTPS call plus one
 * token refresh; ten minutes of attempts rides out an OMS or gateway outage before the migration gives up.
 */
export const API_CALL: ActivityOptions = {
  startToCloseTimeout: '60s',
  scheduleToCloseTimeout: '10m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes,
  },
};

/**
 * Cleanup calls made after cancellation or a deadline (stop the OMS task): same shape, shorter total budget so a
 * cancelled migration closes promptly even when OMS is down.
 */
export const CLEANUP_CALL: ActivityOptions = { ...API_CALL, scheduleToCloseTimeout: '3m' };

/**
 * Temporal-side lookups (the batch's search for its previous successful run): the budget of {@link API_CALL}, and no
 * OMS failure types to stop at.
 */
export const LOOKUP_CALL: ActivityOptions = {
  startToCloseTimeout: '60s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
};

/** Describing the region limiter's holders is best effort: a short, bounded budget, then the limiter tries later. */
export const DESCRIBE_CALL: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' },
};

/**
 * Options for the polling activity: one ShowTask per attempt; "not changed yet" is a retryable, BENIGN failure
 * whose `nextRetryDelay` sets the cadence, so no worker slot is held and no history event is written between polls
 * (the "infrequent polling" pattern). Errors back off exponentially up to the poll interval. The caller sets
 * `scheduleToCloseTimeout` to the time left before the migration's deadline, which bounds every retry.
 */
export function pollOptions(pollIntervalMs: number, remainingMs: number): ActivityOptions {
  return {
    startToCloseTimeout: '60s',
    scheduleToCloseTimeout: Math.max(1_000, remainingMs),
    retry: {
      initialInterval: Math.min(1_000, pollIntervalMs),
      backoffCoefficient: 2,
      maximumInterval: Math.max(1_000, pollIntervalMs),
      nonRetryableErrorTypes,
    },
  };
}

/**
 * The dry run's checks: one activity of a few read-only calls, each bounded by the HTTP timeouts (20 s). A dry run
 * answers a person waiting at a terminal, so it gets three attempts within two minutes rather than API_CALL's ten.
 */
export const PREFLIGHT_CALL: ActivityOptions = {
  startToCloseTimeout: '60s',
  scheduleToCloseTimeout: '2m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
};
