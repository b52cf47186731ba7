/**
 * `npm run capture-histories`: records replay histories of the migration workflow for test/replay/. Runs a few
 * representative migrations (success, task failure, pause + resume, cancel) on a throwaway dev server against the
 * emulator and exports each with `temporal workflow show -o json`. Re-run it whenever the workflow's command
 * sequence changes (and keep the old files as long as old executions may still be replayed):
 * `npm run capture-histories -- --tag v2` writes `migration-succeeded-v2.json` etc. next to the older recordings.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';

import { MigrationClient } from '../client/migration-client';
import { connectTemporal } from '../client/temporal-connection';
import { startEmulator } from '../emulator';
import { loadWorkerConfig } from '../worker/config';
import { createWorker } from '../worker/create-worker';
import type { MigrationRequest } from '../workflows/types';
import { startDevServer } from './lib/dev-server';
import { ensureTemporalCli } from './lib/temporal-cli';

const OUT_DIR = path.join(__dirname, '..', 'test', 'replay', 'histories');

async function main(): Promise<void> {
  const tagAt = process.argv.indexOf('--tag');
  const tag = tagAt >= 0 ? process.argv[tagAt + 1] : undefined;
  if (tagAt >= 0 && !/^[a-z0-9-]+$/.test(tag ?? '')) throw new Error('--tag needs a name of a-z, 0-9 and -');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cli = await ensureTemporalCli();
  const server = await startDevServer({ headless: true });
  const emulator = await startEmulator({ timeScale: 40 });
  const domain = emulator.config.iam.domains[0]!;
  const key = emulator.config.accessKeys[0]!;
  const config = loadWorkerConfig({
    TEMPORAL_ADDRESS: server.address,
    OMS_TASK_QUEUE: 'capture',
    OMS_ENDPOINT: emulator.url,
    OMS_ALLOW_INSECURE_HTTP: 'true', // the local emulator speaks plain http
    OMS_PROJECT_ID: domain.projects[0]!.id,
    OMS_PROFILE_DEFAULT_IAM_USER: domain.users[0]!.name,
    OMS_PROFILE_DEFAULT_IAM_PASSWORD: domain.users[0]!.password,
    OMS_PROFILE_DEFAULT_IAM_DOMAIN: domain.name,
    OMS_PROFILE_SRC_AK: key.ak,
    OMS_PROFILE_SRC_SK: key.sk,
    OMS_PROFILE_DST_AK: key.ak,
    OMS_PROFILE_DST_SK: key.sk,
  });
  const nc = await NativeConnection.connect(config.temporal.connection.connectionOptions);
  const worker = await createWorker({ config, connection: nc });
  const connection = await connectTemporal(config.temporal.connection);
  const migrations = new MigrationClient(new Client({ connection }), 'capture');

  const base = (overrides: Partial<MigrationRequest> = {}): MigrationRequest => ({
    task_type: 'object',
    src_node: {
      region: 'cn-north-7',
      credential_profile: 'src',
      bucket: 'a-test-1',
      object_key: ['01.png', 'list.txt'],
    },
    dst_node: { region: 'cn-north-7', credential_profile: 'dst', bucket: 'api-test-outline' },
    orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1 },
    ...overrides,
  });
  const slow = (prefix: string): MigrationRequest =>
    base({
      task_type: 'prefix',
      src_node: { region: 'cn-north-7', credential_profile: 'src', bucket: 'demo-logs', object_key: ['logs/'] },
      dst_node: { region: 'cn-north-7', credential_profile: 'dst', bucket: 'api-test-outline', save_prefix: prefix },
      bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
    });
  const whenRunning = async (id: string): Promise<void> => {
    for (let i = 0; i < 600; i++) {
      if ((await migrations.status(id)).progress?.snapshot?.status === 2) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${id} never reached EXECUTING`);
  };

  const scenarios: [string, () => Promise<void>][] = [
    ['migration-succeeded', async () => void (await migrations.start(base(), { migrationId: 'migration-succeeded' }))],
    [
      'migration-task-failed',
      async () =>
        void (await migrations.start(base({ src_node: { ...base().src_node, bucket: 'missing-bucket' } }), {
          migrationId: 'migration-task-failed',
        })),
    ],
    [
      'migration-paused-resumed',
      async () => {
        await migrations.start(slow('pause/'), { migrationId: 'migration-paused-resumed' });
        await whenRunning('migration-paused-resumed');
        await migrations.pause('migration-paused-resumed');
        for (let i = 0; i < 600 && !(await migrations.status('migration-paused-resumed')).progress?.paused; i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        await migrations.resume('migration-paused-resumed');
      },
    ],
    [
      'migration-cancelled',
      async () => {
        await migrations.start(slow('cancel/'), { migrationId: 'migration-cancelled' });
        await whenRunning('migration-cancelled');
        await migrations.cancel('migration-cancelled');
      },
    ],
  ];

  await worker.runUntil(async () => {
    for (const [id, scenario] of scenarios) {
      await scenario();
      const result = await migrations.result(id);
      const history = execFileSync(cli.path, ['workflow', 'show', '--address', server.address, '-w', id, '-o', 'json']);
      fs.writeFileSync(path.join(OUT_DIR, `${id}${tag ? `-${tag}` : ''}.json`), history);
      process.stdout.write(`${id}: ${result.outcome}\n`);
    }
  });
  await nc.close();
  await connection.close();
  await emulator.stop();
  await server.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
