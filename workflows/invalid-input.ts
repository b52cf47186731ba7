/** The one failure a workflow ends with when its input does not validate. */
import { ApplicationFailure } from '@temporalio/workflow';

import { FailureType } from './failure-types';
import type { ValidationIssue } from './request-types';
import { formatIssues } from './shared/validate-request';

/**
 * `InvalidMigrationInput`, non-retryable, for the input named `what` (`batch`, `migration request`): the message lists
 * every issue, and `details[0]` holds them as data.
 */
export function invalidInputFailure(what: string, errors: ValidationIssue[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.InvalidMigrationInput,
    // formatIssues names the input itself: "Invalid batch (2 problems):", once.
    message: formatIssues(errors, 50, what),
    nonRetryable: true,
    details: [errors],
  });
}
