/**
 * `oms-orchestrator` command line: start, watch and control migrations from a shell. This module is the entry
 * (`bin/oms-orchestrator.js`, `npm run cli`); the client library it drives (client/*.ts) never imports from
 * client/cli/.
 *
 * Exit codes: 0 succeeded · 1 operational error (connection, unknown id) · 2 invalid usage or invalid request ·
 * 3 migration failed, stopped, cancelled or timed out · 4 completed with failed objects (exit-codes.ts).
 */
import { parseArgs } from 'node:util';

import { WorkflowNotFoundError } from '@temporalio/client';

import type { BandwidthWindow } from '../../workflows/request-types';
import { validateMigrationRequest } from '../../workflows/shared/validate-request';
import {
  InvalidMigrationRequestError,
  MigrationClient,
  MigrationControlError,
  MigrationIdConflictError,
} from '../migration-client';
import { planBatchCommand } from './batch-command';
import { openClient, taskQueueOf, type ConnectionFlags } from './connect';
import { EXIT } from './exit-codes';
import type { GroupOptions } from './group-plan';
import { COMMAND_HELP, GLOBAL_HELP } from './help';
import { describeReadError, exitQuietlyOnClosedOutput, hideTlsIpServerNameWarning, readJson, type Out } from './io';
import { freshest, printResult, renderProgressLine, watchLoop } from './migration-output';
import { planScheduleCommand } from './schedule-command';

// The CLI's public surface, for bin/oms-orchestrator.js, scripts/demo.ts and the tests.
export { EXIT, exitQuietlyOnClosedOutput, hideTlsIpServerNameWarning, printResult, renderProgressLine };

/**
 * Runs the CLI with `argv` (without node and script); returns the exit code. Results go to `out`, problems
 * (usage errors, refused requests, failures) to `err`: standard output and standard error by default, or both
 * to `out` when only `out` is given.
 */
export async function runCli(argv: string[], out?: Out, err?: Out): Promise<number> {
  const stdout: Out = out ?? ((t) => process.stdout.write(`${t}\n`));
  const stderr: Out = err ?? out ?? ((t) => process.stderr.write(`${t}\n`));
  return run(argv, stdout, stderr);
}

async function run(argv: string[], out: Out, err: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        id: { type: 'string' },
        watch: { type: 'boolean' },
        json: { type: 'boolean' },
        address: { type: 'string' },
        namespace: { type: 'string' },
        'task-queue': { type: 'string' },
        profile: { type: 'string' },
        'config-file': { type: 'string' },
        tls: { type: 'boolean' },
        'tls-cert-path': { type: 'string' },
        'tls-key-path': { type: 'string' },
        'tls-ca-path': { type: 'string' },
        'tls-server-name': { type: 'string' },
        'api-key-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        // batch / schedule subcommands
        cron: { type: 'string' },
        every: { type: 'string' },
        timezone: { type: 'string' },
        overlap: { type: 'string' },
        'catchup-window': { type: 'string' },
        'pause-on-failure': { type: 'boolean' },
        incremental: { type: 'boolean' },
        paused: { type: 'boolean' },
        note: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
      },
    });
  } catch (e) {
    err(`${e instanceof Error ? e.message : String(e)}\n\n${GLOBAL_HELP}`);
    return EXIT.USAGE;
  }
  const { values, positionals } = parsed;
  const [command, target] = positionals;
  if (!command) {
    (values.help ? out : err)(GLOBAL_HELP);
    return values.help ? EXIT.OK : EXIT.USAGE;
  }
  const help = COMMAND_HELP[command];
  if (!help) {
    err(`Unknown command "${command}".\n\n${GLOBAL_HELP}`);
    return EXIT.USAGE;
  }
  if (values.help) {
    out(help);
    return EXIT.OK;
  }
  if (command === 'batch' || command === 'schedule') {
    return runGroupCommand(command, positionals.slice(1), values, out, err);
  }
  if (command !== 'migrate' && !target) {
    err(`Missing <migration-id>.\n\n${help}`);
    return EXIT.USAGE;
  }

  let request: unknown;
  let policy: BandwidthWindow[] | undefined;
  if (command === 'migrate' || command === 'bandwidth') {
    if (!values.file) {
      err(`Missing --file.\n\n${help}`);
      return EXIT.USAGE;
    }
    try {
      const json = readJson(values.file);
      if (command === 'migrate') request = json;
      else policy = json as BandwidthWindow[];
    } catch (e) {
      err(`Cannot read ${values.file}: ${describeReadError(e)}`);
      return EXIT.USAGE;
    }
    // An invalid request is a usage error whether or not Temporal is reachable (start() checks again).
    const validation = command === 'migrate' ? validateMigrationRequest(request) : undefined;
    if (validation?.ok === false) {
      err(new InvalidMigrationRequestError(validation.errors).message);
      return EXIT.USAGE;
    }
  }

  const taskQueue = taskQueueOf(values);
  const opened = await openClient(values, err);
  if (typeof opened === 'number') return opened;
  const connection = opened.connection;
  const mc = new MigrationClient(opened, taskQueue);
  const tty = Boolean(process.stdout.isTTY);
  try {
    switch (command) {
      case 'migrate': {
        const started = await mc.start(request, { migrationId: values.id });
        out(`${started.existing ? 'Existing' : 'Started'} migration ${started.migrationId} (run ${started.runId})`);
        if (!values.watch) return EXIT.OK;
        return printResult(await watchLoop(mc, started.migrationId, out, tty), Boolean(values.json), out);
      }
      case 'status': {
        const status = await mc.status(target!);
        if (values.json) out(JSON.stringify(status, null, 2));
        else {
          out(`Migration ${status.migration_id}: ${status.workflow_status}, phase ${status.progress?.phase ?? '-'}`);
          if (status.progress?.task_id !== undefined) out(`OMS task: ${status.progress.task_id}`);
          out(renderProgressLine(freshest(status), status.progress?.phase));
        }
        return EXIT.OK;
      }
      case 'watch':
        return printResult(await watchLoop(mc, target!, out, tty), false, out);
      case 'pause':
        await mc.pause(target!);
        out(`Paused ${target}`);
        return EXIT.OK;
      case 'resume':
        await mc.resume(target!);
        out(`Resumed ${target}`);
        return EXIT.OK;
      case 'bandwidth':
        await mc.setBandwidth(target!, policy!);
        out(`Bandwidth policy of ${target} updated`);
        return EXIT.OK;
      case 'cancel':
        await mc.cancel(target!);
        out(`Cancellation requested for ${target}`);
        return EXIT.OK;
      case 'report':
        return printResult(await mc.result(target!), Boolean(values.json), out);
      default:
        return EXIT.USAGE;
    }
  } catch (e) {
    if (e instanceof InvalidMigrationRequestError || e instanceof MigrationIdConflictError) {
      err(e.message);
      return EXIT.USAGE;
    }
    if (e instanceof MigrationControlError) {
      err(e.message);
      return EXIT.FAILED;
    }
    if (e instanceof WorkflowNotFoundError) {
      err(`No migration with id ${target ?? values.id}`);
      return EXIT.ERROR;
    }
    err(`Error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.ERROR;
  } finally {
    await connection.close();
  }
}

/** `batch …` and `schedule …`: parse (usage errors exit 2 before connecting), connect, run. */
async function runGroupCommand(
  command: 'batch' | 'schedule',
  args: string[],
  values: GroupOptions & ConnectionFlags & { 'task-queue'?: string },
  out: Out,
  err: Out,
): Promise<number> {
  const plan = (command === 'batch' ? planBatchCommand : planScheduleCommand)(args, values, readJson);
  if ('usage' in plan) {
    err(plan.usage);
    return EXIT.USAGE;
  }
  const taskQueue = taskQueueOf(values);
  const opened = await openClient(values, err);
  if (typeof opened === 'number') return opened;
  const connection = opened.connection;
  try {
    return await plan.run(opened, taskQueue, out);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) {
      err(`No batch with id ${args[1]}`);
      return EXIT.ERROR;
    }
    err(`Error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.ERROR;
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  exitQuietlyOnClosedOutput();
  hideTlsIpServerNameWarning();
  runCli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = EXIT.ERROR;
    },
  );
}
