/**
 * `oms-orchestrator` command line: start, watch and control migrations, batches and schedules from a shell. This
 * module is the entry (`bin/oms-orchestrator.js`, `npm run cli`); the client library it drives (client/*.ts)
 * never imports from client/cli/. The commands are in commands/, the exit-code table in exit-codes.ts, the
 * operator's reference in docs/cli.md.
 */
import { ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';

import { InvalidBatchError } from '../batch-client';
import {
  InvalidMigrationRequestError,
  MigrationControlError,
  MigrationIdConflictError,
  PayloadTooLargeError,
} from '../migration-client';
import { TemporalConnectionError } from '../temporal-connection';
import { issuesText, type CliContext } from './context';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { exitQuietlyOnClosedOutput, hideTlsIpServerNameWarning, outputColumns, type CliIo, type Out } from './io';
import { printResult, renderProgressLine } from './migration-output';
import { CommanderError, buildProgram, commanderExitCode } from './program';

// The CLI's public surface, for bin/oms-orchestrator.js, scripts/demo.ts and the tests.
export { EXIT, exitQuietlyOnClosedOutput, hideTlsIpServerNameWarning, printResult, renderProgressLine };

/**
 * Runs the CLI with `argv` (without node and script); returns the exit code. Results go to `out`, problems
 * (usage errors, refused requests, failures, warnings) to `err`: standard output and standard error by default,
 * or both to `out` when only `out` is given. In-place redraws happen only on the real standard output, when it is
 * a terminal.
 */
export async function runCli(argv: string[], out?: Out, err?: Out): Promise<number> {
  const io: CliIo = out
    ? { out, err: err ?? out, columns: 80 }
    : {
        out: (t) => process.stdout.write(`${t}\n`),
        err: err ?? ((t) => process.stderr.write(`${t}\n`)),
        // Read at each use: the terminal may be resized while a progress line is redrawn.
        get columns() {
          return outputColumns(process.stdout);
        },
        ...(process.stdout.isTTY ? { tty: { write: (t: string) => void process.stdout.write(t) } } : {}),
      };
  const ctx: CliContext = { io, exitCode: EXIT.OK };
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    return reportError(e, io);
  }
}

/** Prints an error on the error stream and returns its exit code (the table in exit-codes.ts). */
function reportError(e: unknown, io: CliIo): ExitCode {
  // Commander already printed its message (usage errors) or the help.
  if (e instanceof CommanderError) return commanderExitCode(e);
  if (e instanceof CliError) {
    io.err(e.message);
    return e.exitCode;
  }
  if (e instanceof InvalidMigrationRequestError) {
    io.err(issuesText('migration request', e.issues));
    return EXIT.USAGE;
  }
  if (e instanceof InvalidBatchError) {
    io.err(issuesText('batch', e.issues));
    return EXIT.USAGE;
  }
  if (e instanceof MigrationIdConflictError || e instanceof PayloadTooLargeError) {
    io.err(e.message);
    return EXIT.USAGE;
  }
  if (e instanceof MigrationControlError) {
    io.err(e.message);
    return EXIT.REFUSED;
  }
  if (e instanceof WorkflowNotFoundError || e instanceof ScheduleNotFoundError) {
    io.err(e.message);
    return EXIT.NOT_FOUND;
  }
  if (e instanceof TemporalConnectionError || isUnavailable(e)) {
    io.err(e instanceof Error ? e.message : String(e));
    return EXIT.UNAVAILABLE;
  }
  io.err(`Error: ${e instanceof Error ? e.message : String(e)}`);
  return EXIT.ERROR;
}

/** A gRPC failure that means the server went away mid-command (UNAVAILABLE, or a deadline without an answer). */
function isUnavailable(e: unknown): boolean {
  const code =
    (e as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ??
    (e as { cause?: { code?: unknown } })?.cause?.code;
  return code === 14 || code === 4;
}

if (require.main === module) {
  exitQuietlyOnClosedOutput();
  hideTlsIpServerNameWarning();
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Interrupted (Ctrl-C): a wait the CLI gave up (a long poll for the result) must not keep the process alive.
      if (code === EXIT.INTERRUPTED) process.stdout.write('', () => process.exit(code));
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = EXIT.ERROR;
    },
  );
}
