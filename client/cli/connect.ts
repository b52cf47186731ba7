/**
 * How every command reaches Temporal: the connection options (one definition, added to each command that
 * connects), merged over the environment and the TOML profile, and the one shared connect function.
 */
import type { Client } from '@temporalio/client';
import { Option, type Command } from 'commander';

import { dataConverterFromEnv } from '../codec';
import { DEFAULT_TASK_QUEUE } from '../migration-client';
import { TemporalConnectionError, createTemporalClient } from '../temporal-connection';
import { loadTemporalSettings, type TemporalSettings } from '../temporal-settings';
import { CliError } from './exit-codes';

/** The options that say how to reach Temporal (and which task queue the worker polls). */
export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  profile?: string;
  configFile?: string;
  tls?: boolean;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  tlsCaPath?: string;
  tlsServerName?: string;
  apiKeyFile?: string;
}

/** Adds the connection options to a command (each command lists them in its own help). */
export function withConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)'))
    .addOption(new Option('--namespace <ns>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")'))
    .addOption(
      new Option('--task-queue <queue>', `worker task queue (env OMS_TASK_QUEUE, default "${DEFAULT_TASK_QUEUE}")`),
    )
    .addOption(new Option('--profile <name>', 'profile of the Temporal config file (env TEMPORAL_PROFILE)'))
    .addOption(new Option('--config-file <path>', 'Temporal config file (env TEMPORAL_CONFIG_FILE)'))
    .addOption(new Option('--tls', 'TLS on (env TEMPORAL_TLS=true)'))
    .addOption(new Option('--tls-cert-path <path>', 'client certificate for mTLS (env TEMPORAL_TLS_CLIENT_CERT_PATH)'))
    .addOption(new Option('--tls-key-path <path>', 'its private key (env TEMPORAL_TLS_CLIENT_KEY_PATH)'))
    .addOption(
      new Option('--tls-ca-path <path>', 'CA of the server certificate (env TEMPORAL_TLS_SERVER_CA_CERT_PATH)'),
    )
    .addOption(new Option('--tls-server-name <name>', 'server name to verify (env TEMPORAL_TLS_SERVER_NAME)'))
    .addOption(new Option('--api-key-file <path>', 'file holding the API key (env TEMPORAL_API_KEY)'));
}

/** The worker task queue: `--task-queue`, else `OMS_TASK_QUEUE`, else the default. */
export function taskQueueOf(flags: { taskQueue?: string }): string {
  return flags.taskQueue || process.env.OMS_TASK_QUEUE || DEFAULT_TASK_QUEUE;
}

/** A connected client and what it was connected with. */
export interface Connected {
  client: Client;
  taskQueue: string;
  settings: TemporalSettings;
}

/**
 * Connects as the flags, the environment and the Temporal config file say (in that order of precedence), checks
 * the namespace, runs `fn`, and closes the connection whatever happens.
 * @throws CliError `usage` for invalid settings; `unavailable` when the server cannot be reached or refuses the
 *   connection (in seconds: the transport is probed first; the message names the address tried and what to set).
 */
export async function withClient<T>(flags: ConnectionFlags, fn: (connected: Connected) => Promise<T>): Promise<T> {
  let settings: TemporalSettings;
  let dataConverter;
  try {
    settings = loadTemporalSettings({
      address: flags.address,
      namespace: flags.namespace,
      profile: flags.profile,
      configFile: flags.configFile,
      tls: flags.tls,
      tlsClientCertPath: flags.tlsCertPath,
      tlsClientKeyPath: flags.tlsKeyPath,
      tlsServerCaCertPath: flags.tlsCaPath,
      tlsServerName: flags.tlsServerName,
      apiKeyFile: flags.apiKeyFile,
    });
    // Payload encryption: the same keys as the worker's (OMS_CODEC_KEYS…), or the CLI could neither write inputs the
    // worker reads nor read the results.
    dataConverter = dataConverterFromEnv();
  } catch (err) {
    throw new CliError('usage', err instanceof Error ? err.message : String(err), { cause: err });
  }
  let client: Client;
  try {
    client = await createTemporalClient(settings, { timeoutMs: 5_000, ...(dataConverter ? { dataConverter } : {}) });
  } catch (err) {
    if (err instanceof TemporalConnectionError) throw new CliError('unavailable', err.message, { cause: err });
    throw err;
  }
  try {
    return await fn({ client, taskQueue: taskQueueOf(flags), settings });
  } finally {
    await client.connection.close();
  }
}
