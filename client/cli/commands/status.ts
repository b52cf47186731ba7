/** `oms-orchestrator status <migration-id>`: state, phase, OMS task and the progress line. */
import { Command } from 'commander';

import { MigrationClient } from '../../migration-client';
import { withClient, withConnectionOptions, type ConnectionFlags } from '../connect';
import { action, examples, optionsOf, type CliContext } from '../context';
import { EXIT, type ExitCode } from '../exit-codes';
import { closedOutcome, findWorkflow } from '../id-kind';
import type { CliIo } from '../io';
import { fit, statusLine } from '../progress';

/**
 * Warns on standard error when no worker polls `taskQueue` (nothing would run the migration); returns whether one
 * does. The warning names the queue and how to point the CLI and the worker at the same one.
 */
export async function warnIfNoWorker(mc: MigrationClient, taskQueue: string, io: CliIo): Promise<boolean> {
  const pollers = await mc.workflowPollers(taskQueue);
  if (pollers.length > 0) return true;
  io.err(
    `Warning: no worker polls task queue "${taskQueue}" in namespace "${mc.client.options.namespace}": ` +
      'nothing runs this migration until one does. Start a worker with OMS_TASK_QUEUE=' +
      `${taskQueue}, or, if the worker uses another queue, start migrations with --task-queue <queue> ` +
      '(or OMS_TASK_QUEUE) set to it.',
  );
  return false;
}

/** Registers `status`. */
export function statusCommand(ctx: CliContext): Command {
  return withConnectionOptions(
    new Command('status')
      .description("show a migration's state, phase, OMS task and progress (does not wait)")
      .argument('<migration-id>', 'the migration (workflow) id')
      .option('--json', 'print the status as one JSON document'),
  )
    .addHelpText(
      'after',
      examples('oms-orchestrator status m-2024-nightly', 'oms-orchestrator status m-2024-nightly --json'),
    )
    .action(
      action(ctx, async (id: string, _opts: unknown, command: Command): Promise<ExitCode> => {
        const flags = optionsOf<ConnectionFlags & { json?: boolean }>(command);
        const { io } = ctx;
        return withClient(flags, async ({ client, taskQueue }) => {
          const found = await findWorkflow(client, id, 'migration');
          const mc = new MigrationClient(client, taskQueue);
          const worker = found.running ? await warnIfNoWorker(mc, found.description.taskQueue, io) : true;
          const status = await mc.status(id, { query: worker });
          if (flags.json) {
            io.out(JSON.stringify(status, null, 2));
            return EXIT.OK;
          }
          const p = status.progress;
          const state = found.running
            ? `running, phase ${p?.phase ?? 'unknown (no worker answered)'}${p?.paused ? ' (paused)' : ''}`
            : `finished (${closedOutcome(found.description)})` +
              (found.description.closeTime ? ` at ${found.description.closeTime.toISOString()}` : '');
          io.out(fit(`Migration ${id}: ${state}`, io.columns));
          const taskId = p?.task_id ?? status.live?.id;
          if (taskId !== undefined) io.out(`OMS task: ${taskId}`);
          if (p?.blocked) io.out(fit(`Blocked: ${p.blocked}`, io.columns));
          io.out(statusLine(status, io.columns));
          return EXIT.OK;
        });
      }),
    );
}
