/**
 * `oms-orchestrator` command line: start, watch and control migrations from a shell.
 *
 * Exit codes: 0 succeeded · 1 operational error (connection, unknown id) · 2 invalid usage or invalid request ·
 * 3 migration failed, stopped, cancelled or timed out · 4 completed with failed objects.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

import { type Client, WorkflowNotFoundError } from '@temporalio/client';

import { formatBytes, formatDuration } from '../workflows/internal/details';
import { validateMigrationRequest } from '../workflows/internal/validate-request';
import { statusText, type BandwidthWindow, type TaskSnapshot } from '../workflows/types';
import {
  DEFAULT_TASK_QUEUE,
  InvalidMigrationRequestError,
  MigrationIdConflictError,
  MigrationClient,
  MigrationControlError,
  type MigrationResult,
  type MigrationStatus,
} from './migration-client';
import { BATCH_HELP, planBatchCommand, type GroupOptions } from './batch-client';
import { SCHEDULE_HELP, planScheduleCommand } from './schedules';
import { dataConverterFromEnv } from './codec';
import { createTemporalClient } from './temporal-connection';
import { loadTemporalSettings, type TemporalSettings } from './temporal-settings';

export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, FAILED: 3, WITH_FAILURES: 4 } as const;

const GLOBAL_HELP = `Usage: oms-orchestrator <command> [options]

Commands:
  migrate --file <request.json> [--id <migration-id>] [--watch]   start a migration (idempotent per id)
  status <migration-id> [--json]                                    show state and the latest OMS snapshot
  watch <migration-id>                                              live progress until the migration ends
  pause <migration-id>                                              pause the OMS task (StopTask)
  resume <migration-id>                                             resume it (StartTask)
  bandwidth <migration-id> --file <policy.json>                     replace the bandwidth policy
  cancel <migration-id>                                             cancel (stops the OMS task unless detach)
  report <migration-id> [--json]                                    wait for the end and print the report
  batch start|status|report|cancel ...                              many migrations as one batch (docs/batches.md)
  schedule create|list|describe|pause|unpause|trigger|backfill|delete ...   scheduled batches (Temporal Schedules)

Global options (each overrides its environment variable, which overrides the TOML profile):
  --address <host:port>     Temporal frontend (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)
  --namespace <ns>          Temporal namespace (env TEMPORAL_NAMESPACE, default "default")
  --task-queue <queue>      worker task queue (env OMS_TASK_QUEUE, default "${DEFAULT_TASK_QUEUE}")
  --profile <name>          profile of the Temporal config file (env TEMPORAL_PROFILE)
  --config-file <path>      Temporal config file (env TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml)
  --tls                     TLS on (env TEMPORAL_TLS=true; TEMPORAL_TLS=false turns it off)
  --tls-cert-path <path>    client certificate for mTLS (env TEMPORAL_TLS_CLIENT_CERT_PATH)
  --tls-key-path <path>     its private key (env TEMPORAL_TLS_CLIENT_KEY_PATH)
  --tls-ca-path <path>      CA of the server certificate (env TEMPORAL_TLS_SERVER_CA_CERT_PATH)
  --tls-server-name <name>  server name to verify (env TEMPORAL_TLS_SERVER_NAME)
  --api-key-file <path>     file holding the API key (env TEMPORAL_API_KEY; never on the command line)
  -h, --help                help for any command

Exit codes: 0 succeeded, 1 error, 2 invalid usage or request, 3 failed/stopped/cancelled, 4 completed with failures.`;

const COMMAND_HELP: Record<string, string> = {
  migrate: `Usage: oms-orchestrator migrate --file <request.json> [--id <migration-id>] [--watch]

Validates the request (every problem is listed, nothing is started if any) and starts the migration workflow.
The request is the OMS CreateTask body with "credential_profile" names in place of ak/sk (see
schemas/migration-request.schema.json and examples/). Starting the same request under an id that exists
attaches to that migration ("Existing migration", running or finished); another request under it is refused
(exit 2) naming the fields that differ.
  --file <path>   request JSON ("-" reads standard input)
  --id <id>       migration id (workflow id); default: a random one
  --watch         follow progress until the end; the exit code reflects the outcome`,
  status: 'Usage: oms-orchestrator status <migration-id> [--json]',
  watch: 'Usage: oms-orchestrator watch <migration-id>\n\nShows a live progress bar until the migration ends.',
  pause: 'Usage: oms-orchestrator pause <migration-id>\n\nPauses the OMS task (StopTask); resume with `resume`.',
  resume: 'Usage: oms-orchestrator resume <migration-id>',
  bandwidth:
    'Usage: oms-orchestrator bandwidth <migration-id> --file <policy.json>\n\n' +
    'policy.json: [{"start":"00:00","end":"23:59","max_bandwidth":52428800}] (bytes/s, 1 MiB/s..200 MiB/s)',
  cancel: 'Usage: oms-orchestrator cancel <migration-id>',
  report:
    'Usage: oms-orchestrator report <migration-id> [--json]\n\nWaits for the migration to end, prints its report.',
  batch: BATCH_HELP,
  schedule: SCHEDULE_HELP,
};

type Out = (text: string) => void;

/** A one-line progress bar: percentage, objects, bytes, speed, ETA and OMS status. */
export function renderProgressLine(s: TaskSnapshot | undefined, phase?: string): string {
  if (!s) return `[${'-'.repeat(20)}]   0.0%  ${phase ?? 'starting'}`;
  const filled = Math.max(0, Math.min(20, Math.round((s.progress ?? 0) * 20)));
  const pct = ((s.progress ?? 0) * 100).toFixed(1).padStart(5);
  const done = s.successful_num + s.failed_num + s.skipped_num;
  return (
    `[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${pct}%  ${done}/${s.total_num} objects` +
    (s.failed_num > 0 ? ` (${s.failed_num} failed)` : '') +
    `  ${formatBytes(s.complete_size)}/${formatBytes(s.total_size)}  ${formatBytes(s.migrate_speed)}/s` +
    `  ETA ${formatDuration(s.left_time)}  ${statusText(s.status)}`
  );
}

function freshest(status: MigrationStatus): TaskSnapshot | undefined {
  const a = status.progress?.snapshot;
  const b = status.live;
  if (!a) return b;
  if (!b) return a;
  return (b.progress ?? 0) >= (a.progress ?? 0) ? b : a;
}

/** Prints a result and maps it to an exit code. */
export function printResult(result: MigrationResult, json: boolean, out: Out): number {
  if (json) out(JSON.stringify(result.report ?? result, null, 2));
  else {
    const r = result.report;
    out(
      `Outcome: ${result.outcome}${result.failure ? ` (${result.failure.type ?? 'error'}: ${result.failure.message})` : ''}`,
    );
    if (r) {
      out(
        `OMS task: ${r.task_id} ${r.task_name ?? ''} · status ${r.status} (${r.status === null ? '-' : statusText(r.status)})`,
      );
      out(`Objects: ${r.successful_num} succeeded, ${r.failed_num} failed, ${r.skipped_num} skipped of ${r.total_num}`);
      out(`Bytes: ${formatBytes(r.complete_size)} of ${formatBytes(r.total_size)} in ${formatDuration(r.total_time)}`);
      if (r.failed_num > 0 || r.failed_object_record?.list_file_key) {
        out(`failed_num: ${r.failed_num}`);
        out(`failed_object_record: ${JSON.stringify(r.failed_object_record)}`);
      }
      if (r.error_reason) out(`error_reason: ${r.error_reason.error_code} ${r.error_reason.error_msg}`);
      out(
        `API calls: ${r.api_calls.oms} OMS (${r.api_calls.create} create, ${r.api_calls.show} show), ${r.api_calls.iam} IAM`,
      );
    }
  }
  switch (result.outcome) {
    case 'succeeded':
      return EXIT.OK;
    case 'completed_with_failures':
      return EXIT.WITH_FAILURES;
    case 'error':
      return result.failure?.type === 'InvalidMigrationInput' ? EXIT.USAGE : EXIT.FAILED;
    default:
      return EXIT.FAILED;
  }
}

async function watchLoop(mc: MigrationClient, id: string, out: Out, tty: boolean): Promise<MigrationResult> {
  let last = '';
  return mc
    .watch(id, (status) => {
      const line = renderProgressLine(freshest(status), status.progress?.phase);
      if (line === last) return;
      last = line;
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else out(line);
    })
    .finally(() => {
      if (tty) process.stdout.write('\n');
    });
}

function readJson(file: string): unknown {
  const text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  return JSON.parse(text) as unknown;
}

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
      err(`Cannot read ${values.file}: ${e instanceof SyntaxError ? 'not valid JSON' : (e as Error).message}`);
      return EXIT.USAGE;
    }
    // An invalid request is a usage error whether or not Temporal is reachable (start() checks again).
    const validation = command === 'migrate' ? validateMigrationRequest(request) : undefined;
    if (validation?.ok === false) {
      err(new InvalidMigrationRequestError(validation.errors).message);
      return EXIT.USAGE;
    }
  }

  const taskQueue = values['task-queue'] ?? process.env.OMS_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
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
  const taskQueue = values['task-queue'] ?? process.env.OMS_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
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

/** The global options that say how to reach Temporal. */
interface ConnectionFlags {
  address?: string;
  namespace?: string;
  profile?: string;
  'config-file'?: string;
  tls?: boolean;
  'tls-cert-path'?: string;
  'tls-key-path'?: string;
  'tls-ca-path'?: string;
  'tls-server-name'?: string;
  'api-key-file'?: string;
}

/**
 * Connects as the flags, the environment and the Temporal config file say (in that order of precedence), and
 * checks the namespace. Returns the exit code on failure: 2 for invalid settings, 1 when the server cannot be
 * reached or refuses the connection; the message names the address tried and what to set.
 */
async function openClient(values: ConnectionFlags, err: Out): Promise<Client | number> {
  let settings: TemporalSettings;
  try {
    settings = loadTemporalSettings({
      address: values.address,
      namespace: values.namespace,
      profile: values.profile,
      configFile: values['config-file'],
      tls: values.tls,
      tlsClientCertPath: values['tls-cert-path'],
      tlsClientKeyPath: values['tls-key-path'],
      tlsServerCaCertPath: values['tls-ca-path'],
      tlsServerName: values['tls-server-name'],
      apiKeyFile: values['api-key-file'],
    });
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return EXIT.USAGE;
  }
  // Payload encryption: the same keys as the worker's (OMS_CODEC_KEYS…), or the CLI could neither write inputs the
  // worker reads nor read the results.
  let dataConverter;
  try {
    dataConverter = dataConverterFromEnv();
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return EXIT.USAGE;
  }
  try {
    return await createTemporalClient(settings, { timeoutMs: 5_000, ...(dataConverter ? { dataConverter } : {}) });
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return EXIT.ERROR;
  }
}

/**
 * Output piped into a reader that stops early (`status X | head -2`) or closed: exit quietly, as Unix tools do,
 * instead of crashing on EPIPE with a stack trace. Other stream errors stay fatal.
 */
export function exitQuietlyOnClosedOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? EXIT.OK);
      throw e;
    });
  }
}

/**
 * Hides Node's DEP0123 warning ("Setting the TLS ServerName to an IP address…"), which the gRPC library triggers
 * on every TLS connection to an IP address (it passes the address as the server name; the certificate is still
 * checked against the IP). Other warnings pass. A CLI's stderr is for the user's problems, not a dependency's.
 */
export function hideTlsIpServerNameWarning(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = (...args: unknown[]) => {
    const [, typeOrOptions, code] = args;
    const found = typeof typeOrOptions === 'object' ? (typeOrOptions as { code?: string } | null)?.code : code;
    if (found !== 'DEP0123') emit(...args);
  };
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
