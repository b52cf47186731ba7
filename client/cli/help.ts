/** The CLI's help texts: the global one and one per command. */
import { DEFAULT_TASK_QUEUE } from '../migration-client';
import { BATCH_HELP } from './batch-command';
import { SCHEDULE_HELP } from './schedule-command';

/** `oms-orchestrator --help`. */
export const GLOBAL_HELP = `Usage: oms-orchestrator <command> [options]

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

/** Help of each command, by name (`oms-orchestrator <command> --help`). */
export const COMMAND_HELP: Record<string, string> = {
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
