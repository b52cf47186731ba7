/**
 * An isolated test stack for integration tests: an OMS/IAM emulator on a free loopback port, a worker (in-process,
 * or as a separate `worker/main.ts` process for crash tests) configured through the real `loadWorkerConfig`, and
 * a migration client — on the run's shared Temporal dev server, with a unique task queue per stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';

import { MigrationClient } from '../../client/migration-client';
import { connectTemporal } from '../../client/temporal-connection';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { emulatorWorkerEnv, emulatorWorkerSecrets } from '../../scripts/lib/emulator-worker-env';
import { loadWorkerConfig } from '../../worker/config';
import { createWorker } from '../../worker/create-worker';
import type { MigrationRequest } from '../../workflows/request-types';
import { testEnv } from './env';
import { uniqueId, waitFor } from './wait';

/**
 * The stack worker's environment: the emulator's default account as scripts/lib/emulator-worker-env.ts maps it
 * (secrets only in the worker, never in requests), plus AK/SK on the default profile and quiet logs.
 */
export function workerEnv(
  emulator: RunningEmulator,
  taskQueue: string,
  extra: Record<string, string> = {},
  temporalAddress = testEnv('address'),
) {
  const [account] = emulator.config.accessKeys;
  return {
    ...emulatorWorkerEnv(emulator, { temporalAddress, taskQueue, namespace: testEnv('namespace') }),
    OMS_PROFILE_DEFAULT_AK: account!.ak,
    OMS_PROFILE_DEFAULT_SK: account!.sk,
    LOG_LEVEL: 'WARN',
    ...extra,
  };
}

/** Every secret string the stack's worker holds (for "never leaks" assertions). */
export const stackSecrets: (emulator: RunningEmulator) => string[] = emulatorWorkerSecrets;

export interface StackOptions {
  /** Emulator options (time scale, config overrides). */
  emulator?: Parameters<typeof startEmulator>[0];
  /** Extra worker environment. */
  workerEnv?: Record<string, string>;
  /** Start the in-process worker (default true). */
  worker?: boolean;
  /** Temporal frontend to use instead of the run's shared dev server. */
  temporalAddress?: string;
  /** Reuse a running emulator (it is then not stopped by `close()`). */
  existingEmulator?: RunningEmulator;
  /** Reuse a task queue (e.g. to continue another stack's migrations). */
  taskQueue?: string;
}

export interface Stack {
  emulator: RunningEmulator;
  client: Client;
  migrations: MigrationClient;
  taskQueue: string;
  /** The seed example with orchestration options suited to tests. */
  seedRequest(overrides?: Partial<MigrationRequest>): MigrationRequest;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /** Starts `worker/main.ts` as a child process (for SIGKILL tests); output goes to `logFile`. */
  spawnWorker(logFile: string, extraEnv?: Record<string, string>): ChildProcess;
  close(): Promise<void>;
}

/** Starts an emulator and (by default) an in-process worker with a unique task queue. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = options.existingEmulator ?? (await startEmulator({ timeScale: 200, ...options.emulator }));
  const taskQueue = options.taskQueue ?? uniqueId('oms-test');
  const address = options.temporalAddress ?? testEnv('address');
  const env = workerEnv(emulator, taskQueue, options.workerEnv, address);
  // Connected the way the product connects (the Temporal settings of the worker's environment).
  const clientConfig = loadWorkerConfig(env);
  const connection = await connectTemporal(clientConfig.temporal.connection);
  const client = new Client({
    connection,
    namespace: testEnv('namespace'),
    ...(clientConfig.codec.dataConverter ? { dataConverter: clientConfig.codec.dataConverter } : {}),
  });
  const migrations = new MigrationClient(client, taskQueue);

  let running: { worker: Worker; done: Promise<void>; connection: NativeConnection } | undefined;
  const children: ChildProcess[] = [];

  const startWorker = async (): Promise<void> => {
    if (running) return;
    const config = loadWorkerConfig(env);
    const nc = await NativeConnection.connect(config.temporal.connection.connectionOptions);
    const worker = await createWorker({
      config,
      connection: nc,
      workflowBundle: { codePath: testEnv('workflowBundle') },
    });
    running = { worker, connection: nc, done: worker.run() };
  };
  const stopWorker = async (): Promise<void> => {
    if (!running) return;
    const { worker, done, connection: nc } = running;
    running = undefined;
    worker.shutdown();
    await done;
    await nc.close();
  };

  if (options.worker !== false) await startWorker();

  return {
    emulator,
    client,
    migrations,
    taskQueue,
    seedRequest: (overrides = {}) => ({
      task_type: 'object',
      src_node: {
        region: emulator.config.region,
        credential_profile: 'src',
        bucket: 'a-test-1',
        cloud_type: 'HuaweiCloud',
        object_key: ['01.png', 'list.txt'],
      },
      enable_kms: false,
      description: '',
      dst_node: { region: emulator.config.region, credential_profile: 'dst', bucket: 'api-test-outline' },
      enable_failed_object_recording: true,
      enable_restore: false,
      orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1 },
      ...overrides,
    }),
    startWorker,
    stopWorker,
    spawnWorker: (logFile: string, extraEnv: Record<string, string> = {}) => {
      const out = fs.openSync(logFile, 'a');
      // One process (node with the tsx loader), not the tsx CLI, which would run the worker as a grandchild that
      // a SIGKILL of the child does not reach.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(__dirname, '..', '..', 'worker', 'main.ts')],
        { env: { ...process.env, ...env, LOG_LEVEL: 'INFO', ...extraEnv }, stdio: ['ignore', out, out] },
      );
      fs.closeSync(out);
      children.push(child);
      return child;
    },
    close: async () => {
      await stopWorker();
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await connection.close();
      if (!options.existingEmulator) await emulator.stop();
    },
  };
}

export { waitFor };
