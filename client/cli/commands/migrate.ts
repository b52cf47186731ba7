/** `oms-orchestrator migrate --file <request.json>`: validate, start (idempotent per id), optionally follow. */
import { Command } from 'commander';

import { validateMigrationRequest } from '../../../workflows/shared/validate-request';
import { validateTaskGroupRequest } from '../../../workflows/task-group-validate';
import type { MigrationRequest } from '../../../workflows/request-types';
import { MigrationClient } from '../../migration-client';
import { withClient, withConnectionOptions, type ConnectionFlags } from '../connect';
import { action, examples, issuesText, optionsOf, type CliContext } from '../context';
import { CliError, EXIT, type ExitCode } from '../exit-codes';
import { readJson } from '../io';
import { renderPreflight, preflightExitCode } from '../preflight-output';
import { warnIfNoWorker } from './status';
import { follow } from './watch';

interface MigrateOptions extends ConnectionFlags {
  file?: string;
  id?: string;
  watch?: boolean;
  json?: boolean;
  dryRun?: boolean;
  group?: boolean;
}

/**
 * Reads and validates a migration request file (before any connection).
 * @throws CliError `usage` without `--file`; `invalid_input` for an unreadable file, invalid JSON (with line and
 *   column) or an invalid request (every problem, one per line).
 */
export function readMigrationRequest(file: string | undefined, group = false): unknown {
  if (!file) throw new CliError('usage', 'Missing --file.');
  const request = readJson(file);
  const validation = group ? validateTaskGroupRequest(request as MigrationRequest) : validateMigrationRequest(request);
  if (!validation.ok) {
    throw new CliError(
      'invalid_input',
      issuesText(group ? 'task-group request' : 'migration request', validation.errors),
    );
  }
  return request;
}

/** `--id ""` or blanks: refused before anything is started. */
export function checkId(id: string | undefined, flag = '--id'): void {
  if (id !== undefined && !id.trim()) throw new CliError('invalid_input', `${flag} must not be empty.`);
}

/** Registers `migrate`. */
export function migrateCommand(ctx: CliContext): Command {
  return withConnectionOptions(
    new Command('migrate')
      .summary('validate a request and start a migration (idempotent per id)')
      .description(
        'Validate a migration request (every problem is listed; nothing starts if any) and start the migration.\n' +
          'The request is the OMS CreateTask body with "credential_profile" names instead of ak/sk\n' +
          '(schemas/migration-request.schema.json, examples/).\n' +
          'The same request under an existing id attaches to that migration (running or finished);\n' +
          'another request under it is refused (exit 2), naming the fields that differ.',
      )
      .option('--file <path>', 'request JSON ("-" reads standard input)')
      .option('--id <migration-id>', 'migration id (workflow id); default: a random one')
      .option('--watch', 'follow progress until the end; the exit code is the outcome')
      .option('--json', 'JSON output: one document; with --watch one object per line')
      .option(
        '--dry-run',
        'check the request on the worker (credentials, OMS, regions, buckets, quota) and create nothing; ' +
          'exit 0 when every check passes, 8 when one found a problem (docs/dry-run.md)',
      )
      .option(
        '--group',
        'migrate through one OMS task group, split by OMS (large prefix/list sources; docs/task-groups.md)',
      ),
  )
    .addHelpText(
      'after',
      examples(
        'oms-orchestrator migrate --file examples/demo-seed-object-task.json --id m-2024-nightly',
        'oms-orchestrator migrate --file request.json --id m-1 --watch',
        'cat request.json | oms-orchestrator migrate --file - --json',
        'oms-orchestrator migrate --file request.json --dry-run',
        'oms-orchestrator migrate --file big-prefix.json --id g-1 --group --watch',
      ),
    )
    .action(
      action(ctx, async (_opts: unknown, command: Command): Promise<ExitCode> => {
        const options = optionsOf<MigrateOptions>(command);
        const { io } = ctx;
        checkId(options.id);
        if (options.dryRun && (options.watch || options.id !== undefined || options.group)) {
          throw new CliError('usage', '--dry-run starts nothing: it takes neither --id, --watch nor --group.');
        }
        const request = readMigrationRequest(options.file, Boolean(options.group));
        return withClient(options, async ({ client, taskQueue }) => {
          const mc = new MigrationClient(client, taskQueue);
          if (options.dryRun) {
            await warnIfNoWorker(mc, taskQueue, io);
            const result = await mc.preflight(request);
            io.out(renderPreflight(result, { json: Boolean(options.json), width: io.columns }));
            return preflightExitCode(result);
          }
          const started = options.group
            ? await mc.startTaskGroupMigration(request, { migrationId: options.id })
            : await mc.start(request, { migrationId: options.id });
          const worker = await warnIfNoWorker(mc, taskQueue, io);
          const { migrationId, runId, existing } = started;
          if (options.json) {
            const doc = { migration_id: migrationId, run_id: runId, existing, task_queue: taskQueue };
            io.out(options.watch ? JSON.stringify({ event: 'started', ...doc }) : JSON.stringify(doc, null, 2));
          } else io.out(`${existing ? 'Existing' : 'Started'} migration ${migrationId} (run ${runId})`);
          if (!options.watch) return EXIT.OK;
          return follow(mc, migrationId, io, { json: Boolean(options.json), flags: options, taskQueue, worker });
        });
      }),
    );
}
