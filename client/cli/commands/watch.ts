/** `oms-orchestrator watch <migration-id>`, and the follow loop `migrate --watch` shares. */
import { Command } from 'commander';

import { MigrationClient, type MigrationStatus } from '../../migration-client';
import { withClient, withConnectionOptions, type ConnectionFlags } from '../connect';
import { action, examples, optionsOf, type CliContext } from '../context';
import { EXIT, exitCodeForOutcome, type ExitCode } from '../exit-codes';
import { findWorkflow } from '../id-kind';
import { interruption, sleepUnless, type CliIo } from '../io';
import { printResult } from '../migration-output';
import { statusLine } from '../progress';
import { warnIfNoWorker } from './status';

/** How often a followed migration is polled. */
const WATCH_INTERVAL_MS = 1_000;

/** The connection flags as given, to repeat them in a hint (`watch … --address …`); never the API key file's content. */
export function repeatFlags(flags: ConnectionFlags): string {
  const named: [keyof ConnectionFlags, string][] = [
    ['address', '--address'],
    ['namespace', '--namespace'],
    ['taskQueue', '--task-queue'],
    ['profile', '--profile'],
    ['configFile', '--config-file'],
    ['tlsCertPath', '--tls-cert-path'],
    ['tlsKeyPath', '--tls-key-path'],
    ['tlsCaPath', '--tls-ca-path'],
    ['tlsServerName', '--tls-server-name'],
    ['apiKeyFile', '--api-key-file'],
  ];
  const parts = named
    .filter(([k]) => typeof flags[k] === 'string')
    .map(([k, f]) => `${f} ${shellQuote(String(flags[k]))}`);
  if (flags.tls) parts.push('--tls');
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Follows a migration to its end: on a terminal, one line redrawn in place (`\r` + clear line) fitted to the
 * width; otherwise one line per change, no control characters; with `json`, one JSON object per line
 * (`{"event":"progress",…}` per change, `{"event":"result",…}` at the end). Ctrl-C stops following (the
 * migration keeps running), says how to watch again, and returns 130.
 */
export async function follow(
  mc: MigrationClient,
  id: string,
  io: CliIo,
  options: { json: boolean; flags: ConnectionFlags; taskQueue: string; worker: boolean },
): Promise<ExitCode> {
  // Without a worker the progress query would only time out (after many seconds): ask it once one polls.
  let worker = options.worker;
  const { interrupted, dispose } = interruption();
  const tty = options.json ? undefined : io.tty;
  let drawn = false;
  let last = '';
  const show = (status: MigrationStatus): void => {
    if (options.json) {
      const line = JSON.stringify({ event: 'progress', ...status });
      if (line !== last) io.out(line);
      last = line;
      return;
    }
    // One column short of the width on a terminal: a line that fills the last column leaves the cursor in the
    // terminal's pending-wrap state, and some terminals then wrap, which the next `\r` redraw cannot undo.
    const line = statusLine(status, tty ? io.columns - 1 : io.columns);
    if (line === last) return;
    last = line;
    if (tty) {
      tty.write(`\r\x1b[2K${line}`);
      drawn = true;
    } else io.out(line);
  };
  const endLine = (): void => {
    if (drawn) tty?.write('\n');
    drawn = false;
  };
  try {
    for (;;) {
      if (!worker) worker = (await mc.workflowPollers(options.taskQueue)).length > 0;
      const status = await Promise.race([mc.status(id, { query: worker }), interrupted]);
      if (status === 'interrupted') break;
      show(status);
      if (status.workflow_status !== 'RUNNING') {
        const result = await Promise.race([mc.result(id), interrupted]);
        if (result === 'interrupted') break;
        endLine();
        if (options.json) {
          io.out(JSON.stringify({ event: 'result', ...result }));
          return exitCodeForOutcome(result.outcome, result.failure?.type);
        }
        return printResult(result, false, io.out);
      }
      if ((await sleepUnless(WATCH_INTERVAL_MS, interrupted)) === 'interrupted') break;
    }
    endLine();
    io.err(
      `Stopped watching. Migration ${id} keeps running; watch it again with:\n` +
        `  oms-orchestrator watch ${id}${repeatFlags(options.flags)}`,
    );
    return EXIT.INTERRUPTED;
  } finally {
    dispose();
  }
}

/** Registers `watch`. */
export function watchCommand(ctx: CliContext): Command {
  return withConnectionOptions(
    new Command('watch')
      .description('follow a migration until it ends: a live progress line, then the report (exit code = outcome)')
      .argument('<migration-id>', 'the migration (workflow) id')
      .option('--json', 'one JSON object per line: {"event":"progress",…} per change, {"event":"result",…} at the end'),
  )
    .addHelpText(
      'after',
      examples('oms-orchestrator watch m-2024-nightly', 'oms-orchestrator watch m-2024-nightly --json | jq .event') +
        '\n\nCtrl-C stops watching (exit 130); the migration keeps running.',
    )
    .action(
      action(ctx, async (id: string, _opts: unknown, command: Command) => {
        const flags = optionsOf<ConnectionFlags & { json?: boolean }>(command);
        return withClient(flags, async ({ client, taskQueue }) => {
          const found = await findWorkflow(client, id, 'migration');
          const mc = new MigrationClient(client, taskQueue);
          const queue = found.description.taskQueue;
          const worker = found.running ? await warnIfNoWorker(mc, queue, ctx.io) : true;
          return follow(mc, id, ctx.io, { json: Boolean(flags.json), flags, taskQueue: queue, worker });
        });
      }),
    );
}
