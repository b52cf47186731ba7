/**
 * Exit codes of `oms-orchestrator`: the one table every command uses, documented in the global help and README.
 */
import { FailureType } from '../../workflows/failure-types';

/** 0 succeeded · 1 operational error · 2 invalid usage or request · 3 failed/stopped/cancelled · 4 with failures. */
export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, FAILED: 3, WITH_FAILURES: 4 } as const;

/** The exit code of a finished migration or batch, from its outcome and (for `error`) the failure type. */
export function exitCodeForOutcome(outcome: string, failureType: string | undefined): number {
  switch (outcome) {
    case 'succeeded':
      return EXIT.OK;
    case 'completed_with_failures':
      return EXIT.WITH_FAILURES;
    case 'error':
      return failureType === FailureType.InvalidMigrationInput ? EXIT.USAGE : EXIT.FAILED;
    default:
      return EXIT.FAILED;
  }
}
