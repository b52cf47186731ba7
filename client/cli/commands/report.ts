/** `oms-orchestrator report <migration-id>`: wait for the end, print the report; the exit code is the outcome. */
import { Command } from 'commander';

import { MigrationClient } from '../../migration-client';
import { withClient, withConnectionOptions, type ConnectionFlags } from '../connect';
import { action, examples, optionsOf, type CliContext } from '../context';
import { EXIT, type ExitCode } from '../exit-codes';
import { findWorkflow } from '../id-kind';
import { interruption } from '../io';
import { runFailedObjectsCommand } from '../failed-objects-command';
import { printResult } from '../migration-output';
import { warnIfNoWorker } from './status';
import { repeatFlags } from './watch';

/** Registers `report`. */
export function reportCommand(ctx: CliContext): Command {
  return withConnectionOptions(
    new Command('report')
      .description('wait for a migration to end and print its report; the exit code is the outcome (0, 3 or 4)')
      .argument('<migration-id>', 'the migration (workflow) id')
      .option('--json', 'print the report as one JSON document (with --failed-objects: one object per line)')
      .option(
        '--failed-objects',
        "stream every failed object's key, read from OBS with this machine's OMS_PROFILE_<NAME>_AK/_SK and " +
          'OMS_OBS_ENDPOINT (docs/failed-objects.md)',
      ),
  )
    .addHelpText('after', '\nCtrl-C stops waiting (exit 130); the migration keeps running.')
    .addHelpText(
      'after',
      examples(
        'oms-orchestrator report m-2024-nightly',
        'oms-orchestrator report m-2024-nightly --json | jq .failed_num',
        'oms-orchestrator report m-2024-nightly --failed-objects > failed-keys.txt',
      ),
    )
    .action(
      action(ctx, async (id: string, _opts: unknown, command: Command): Promise<ExitCode> => {
        const flags = optionsOf<ConnectionFlags & { json?: boolean; failedObjects?: boolean }>(command);
        return withClient(flags, async ({ client, taskQueue }) => {
          const found = await findWorkflow(client, id, 'migration');
          const mc = new MigrationClient(client, taskQueue);
          if (found.running) await warnIfNoWorker(mc, found.description.taskQueue, ctx.io);
          const { interrupted, dispose } = interruption();
          try {
            const result = await Promise.race([mc.result(id), interrupted]);
            if (result !== 'interrupted' && flags.failedObjects) {
              const { out, err } = ctx.io;
              return runFailedObjectsCommand(result, { out, err, json: Boolean(flags.json) });
            }
            if (result !== 'interrupted') return printResult(result, Boolean(flags.json), ctx.io.out);
          } finally {
            dispose();
          }
          ctx.io.err(
            `Stopped waiting. Migration ${id} keeps running; get its report later with:\n` +
              `  oms-orchestrator report ${id}${repeatFlags(flags)}`,
          );
          return EXIT.INTERRUPTED;
        });
      }),
    );
}
