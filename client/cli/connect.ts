/** How the CLI reaches Temporal: the global connection flags, merged over the environment and the TOML profile. */
import type { Client } from '@temporalio/client';

import { dataConverterFromEnv } from '../codec';
import { DEFAULT_TASK_QUEUE } from '../migration-client';
import { createTemporalClient } from '../temporal-connection';
import { loadTemporalSettings, type TemporalSettings } from '../temporal-settings';
import { EXIT } from './exit-codes';
import type { Out } from './io';

/** The global options that say how to reach Temporal. */
export interface ConnectionFlags {
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

/** The worker task queue: `--task-queue`, else `OMS_TASK_QUEUE`, else the default. */
export function taskQueueOf(values: { 'task-queue'?: string }): string {
  return values['task-queue'] ?? process.env.OMS_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
}

/**
 * Connects as the flags, the environment and the Temporal config file say (in that order of precedence), and
 * checks the namespace. Returns the exit code on failure: 2 for invalid settings, 1 when the server cannot be
 * reached or refuses the connection; the message names the address tried and what to set.
 */
export async function openClient(values: ConnectionFlags, err: Out): Promise<Client | number> {
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
