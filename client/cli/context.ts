/** What every command gets: the output streams, and the wrapper that turns its result into the exit code. */
import type { Command } from 'commander';

import { formatIssues } from '../../workflows/shared/validate-request';
import type { ValidationIssue } from '../../workflows/request-types';
import type { ExitCode } from './exit-codes';
import type { CliIo } from './io';

/** The CLI run in progress: its streams and the exit code the action sets. */
export interface CliContext {
  io: CliIo;
  /** Set by the command's action. */
  exitCode: ExitCode;
}

/**
 * An action for commander that stores its exit code in `ctx` (commander's own return value is the command).
 * Errors propagate to runCli, which maps them through the exit-code table.
 */
export function action<A extends unknown[]>(
  ctx: CliContext,
  fn: (...args: A) => Promise<ExitCode>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    ctx.exitCode = await fn(...args);
  };
}

/** The options of the command an action runs for (commander passes the command last). */
export function optionsOf<T>(command: Command): T {
  return command.opts<T & Record<string, unknown>>();
}

/** "Invalid batch (3 problems):\n  - items[0]…" — one heading, then one line per problem. */
export function issuesText(what: string, issues: readonly ValidationIssue[]): string {
  return formatIssues(issues).replace(/^Invalid migration request/, `Invalid ${what}`);
}

/** Help text after the options: examples, one per line, indented. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;
}
