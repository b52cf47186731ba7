/** The command tree of `oms-orchestrator` (commander): one file per command under commands/. */
import { Command, CommanderError } from 'commander';

import { DEFAULT_TASK_QUEUE } from '../migration-client';
import { batchCommand } from './commands/batch';
import { controlCommands } from './commands/control';
import { migrateCommand } from './commands/migrate';
import { reportCommand } from './commands/report';
import { scheduleCommand } from './commands/schedule';
import { statusCommand } from './commands/status';
import { watchCommand } from './commands/watch';
import type { CliContext } from './context';
import { EXIT, exitCodeHelp, type ExitCode } from './exit-codes';

/** The program name, as help and hints print it. */
export const PROGRAM = 'oms-orchestrator';

const ENVIRONMENT_HELP = `
Environment (an option overrides its variable, which overrides the profile of
the Temporal config file):
  TEMPORAL_ADDRESS        Temporal frontend (default 127.0.0.1:7233)
  TEMPORAL_NAMESPACE      namespace (default "default")
  TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE        the Temporal config file
  TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY
                          TLS and credentials
  OMS_TASK_QUEUE          the worker's task queue (default "${DEFAULT_TASK_QUEUE}")
  OMS_CODEC_KEYS(_FILE)   payload encryption keys, the same as the worker's
  COLUMNS                 output width when not on a terminal (default 80)

Output: results on standard output (with --json: one JSON document, or one
JSON object per line for watch); errors and warnings on standard error.`;

/** A command's full name for hints ("batch start"). */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Errors the CLI prints as "Unknown option '--cron'": commander's wording, without its "error: " prefix. */
function rewordError(text: string): string {
  return text
    .replace(/^error: unknown command '([^']*)'/, 'Unknown command "$1"')
    .replace(/^error: (.)/, (_m, first: string) => first.toUpperCase());
}

/** Applies the CLI-wide settings to `command` and its subcommands (commander copies them only for `.command()`). */
function configure(command: Command, ctx: CliContext): void {
  const path = pathOf(command);
  command
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.out(s.replace(/\n$/, '')),
      writeErr: (s) => ctx.io.err(s.replace(/\n$/, '')),
      outputError: (s, write) => write(rewordError(s)),
    })
    .showHelpAfterError(`(see \`${PROGRAM}${path ? ` ${path}` : ''} --help\`)`)
    .allowExcessArguments(false)
    .helpOption('-h, --help', 'show this help');
  for (const sub of command.commands) configure(sub, ctx);
}

/** Builds the program; actions store their exit code in `ctx`. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command(PROGRAM)
    .description('Run and watch Huawei Cloud OMS migrations on Temporal: start, follow, control and report.')
    .addHelpText(
      'after',
      `${ENVIRONMENT_HELP}\n\n${exitCodeHelp()}\n\nRun \`${PROGRAM} <command> --help\` for a command's options and examples.`,
    );
  for (const command of [
    migrateCommand(ctx),
    statusCommand(ctx),
    watchCommand(ctx),
    ...controlCommands(ctx),
    reportCommand(ctx),
    batchCommand(ctx),
    scheduleCommand(ctx),
  ]) {
    program.addCommand(command);
  }
  configure(program, ctx);
  return program;
}

/** The exit code of a commander parse error or help display: help → 0, help for a missing command → 2, else 2. */
export function commanderExitCode(err: CommanderError): ExitCode {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
  return EXIT.USAGE;
}

export { CommanderError };
