/**
 * Exit codes of `oms-orchestrator`: the one table every command follows (docs/cli.md repeats it). A script can
 * tell "fix your input" (2) from "the migration failed" (3), "it ran but some objects failed" (4), "the workflow
 * said no" (5), "no such thing" (6) and "Temporal is not there" (7) without parsing any text.
 */
import { FailureType } from '../../workflows/failure-types';

/** The exit codes, by meaning. */
export const EXIT = {
  /** Succeeded (or: the command did what it was asked). */
  OK: 0,
  /** Unexpected internal error (a bug, or a server error the CLI has no better code for). */
  ERROR: 1,
  /** Usage or invalid input: unknown command or option, bad request/batch/policy file, bad cron, `--id ""`. */
  USAGE: 2,
  /** The migration or batch failed, was stopped, cancelled, or ran out of time. */
  FAILED: 3,
  /** The migration or batch completed, with failed objects (or failed items). */
  WITH_FAILURES: 4,
  /** A control action was refused by the workflow, or does not apply (pause a finished migration, …). */
  REFUSED: 5,
  /** Not found, or the id names another kind of thing (a batch given to `status`, …). */
  NOT_FOUND: 6,
  /** Temporal cannot be reached, or refused the credentials or the namespace. */
  UNAVAILABLE: 7,
  /** A dry run (`migrate --dry-run`) found a problem; nothing was created. */
  PREFLIGHT_PROBLEMS: 8,
  /** Interrupted (Ctrl-C) while following a migration; the migration itself keeps running. */
  INTERRUPTED: 130,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table as docs and `--help` print it: code and meaning. */
export const EXIT_CODE_TABLE: readonly (readonly [ExitCode, string])[] = [
  [EXIT.OK, 'succeeded / ok'],
  [EXIT.ERROR, 'unexpected internal error'],
  [EXIT.USAGE, 'usage or invalid input: flags, request, policy, cron, time zone, id'],
  [EXIT.FAILED, 'migration or batch failed, stopped, cancelled or past its deadline'],
  [EXIT.WITH_FAILURES, 'completed with failed objects (batch: with failed items)'],
  [EXIT.REFUSED, 'control action refused, or not applicable (e.g. already finished)'],
  [EXIT.NOT_FOUND, 'not found, or the id is another kind (batch, schedule, limiter)'],
  [EXIT.UNAVAILABLE, 'cannot reach or authenticate to Temporal'],
  [EXIT.PREFLIGHT_PROBLEMS, 'dry run: a check found a problem (nothing was created)'],
  [EXIT.INTERRUPTED, 'interrupted (Ctrl-C) while watching; the migration keeps running'],
];

/** The exit-code table as plain text (for `--help`). */
export function exitCodeHelp(): string {
  return `Exit codes:\n${EXIT_CODE_TABLE.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`).join('\n')}`;
}

/**
 * Stable codes of {@link CliError}: what kind of problem, for scripts and tests (the message is for humans).
 */
export type CliErrorCode =
  'usage' | 'invalid_input' | 'not_found' | 'wrong_kind' | 'not_applicable' | 'refused' | 'unavailable';

const EXIT_OF: Record<CliErrorCode, ExitCode> = {
  usage: EXIT.USAGE,
  invalid_input: EXIT.USAGE,
  not_found: EXIT.NOT_FOUND,
  wrong_kind: EXIT.NOT_FOUND,
  not_applicable: EXIT.REFUSED,
  refused: EXIT.REFUSED,
  unavailable: EXIT.UNAVAILABLE,
};

/** A problem the CLI reports to the operator: a stable `code`, the exit code it maps to, a message and a cause. */
export class CliError extends Error {
  /** The process exit code for this problem (from the table above). */
  readonly exitCode: ExitCode;

  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = EXIT_OF[code];
  }
}

/**
 * The exit code of a finished migration or batch, from its outcome and (for `error`) the failure type. One rule:
 * a task that completed with failed objects left (after any retry rounds) is `completed_with_failures` → 4.
 */
export function exitCodeForOutcome(outcome: string, failureType: string | undefined): ExitCode {
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
