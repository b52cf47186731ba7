/**
 * `npm run capture-histories`: records replay histories for test/replay/. Runs a few representative executions on a
 * throwaway dev server against the emulator and exports each with `temporal workflow show -o json`:
 *
 * - `limiter-*`: the region limiter granting slots to three migrations under a running limit of 1 and a creation
 *   quota of 2 per 3 s (queueing, releases, a wait for the quota window), until it forgets them and completes;
 * - `batch-*`: a batch of three items in a window of two that continues as new after two items (both runs);
 * - `migration-*`: single migrations (success, task failure, pause + resume, cancel).
 *
 * Re-run it whenever a workflow's command sequence changes (and keep the old files as long as old executions may
 * still be replayed): `npm run capture-histories -- --tag v2` writes `migration-succeeded-v2.json` etc. next to the
 * older recordings; `--only batch,limiter` records only the scenarios whose names start with one of those words.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';

import { BatchClient } from '../client/batch-client';
import { MigrationClient } from '../client/migration-client';
import { connectTemporal } from '../client/temporal-connection';
import { startEmulator } from '../emulator';
import { loadWorkerConfig } from '../worker/config';
import { createWorker } from '../worker/create-worker';
import type { BatchRequest } from '../workflows/batch-types';
import type { MigrationRequest } from '../workflows/request-types';
import { limiterWorkflowId } from '../workflows/shared/region-limiter-logic';
import { startDevServer } from './lib/dev-server';
import { emulatorWorkerEnv } from './lib/emulator-worker-env';
import { ensureTemporalCli } from './lib/temporal-cli';
import { pollUntil } from './lib/wait';

const OUT_DIR = path.join(__dirname, '..', 'test', 'replay', 'histories');

/** One history to export: `<file>[-<tag>].json` from a workflow id and run (default: its latest run). */
interface Recording {
  file: string;
  workflowId: string;
  runId?: string;
  outcome: string;
}

/** The run a run continued from (`continuedExecutionRunId` of its start event), in a `workflow show` export. */
function continuedFrom(history: Buffer): string | undefined {
  const parsed = JSON.parse(history.toString('utf8')) as {
    events: { workflowExecutionStartedEventAttributes?: { continuedExecutionRunId?: string } }[];
  };
  return parsed.events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
}

async function main(): Promise<void> {
  const tagAt = process.argv.indexOf('--tag');
  const tag = tagAt >= 0 ? process.argv[tagAt + 1] : undefined;
  if (tagAt >= 0 && !/^[a-z0-9-]+$/.test(tag ?? '')) throw new Error('--tag needs a name of a-z, 0-9 and -');
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',').filter((w) => w !== '') : undefined;
  if (only?.length === 0) throw new Error('--only needs scenario names, e.g. --only batch,limiter');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cli = await ensureTemporalCli();
  const server = await startDevServer({ headless: true });
  const emulator = await startEmulator({ timeScale: 40 });
  const config = loadWorkerConfig(
    emulatorWorkerEnv(emulator, { temporalAddress: server.address, taskQueue: 'capture' }),
  );
  const nc = await NativeConnection.connect(config.temporal.connection.connectionOptions);
  const worker = await createWorker({ config, connection: nc });
  const connection = await connectTemporal(config.temporal.connection);
  const client = new Client({ connection });
  const migrations = new MigrationClient(client, 'capture');
  const batches = new BatchClient(client, 'capture');
  const show = (workflowId: string, runId?: string): Buffer =>
    execFileSync(cli.path, [
      'workflow',
      'show',
      '--address',
      server.address,
      '-w',
      workflowId,
      ...(runId ? ['-r', runId] : []),
      '-o',
      'json',
    ]);

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
    await pollUntil(
      async () => (await migrations.status(id)).progress?.snapshot?.status === 2,
      60_000,
      `${id} to reach EXECUTING`,
    );
  };

  /** A single migration: `start` starts it (and drives it); its history is exported once it has ended. */
  const migration = (id: string, start: () => Promise<unknown>) => async (): Promise<Recording[]> => {
    await start();
    return [{ file: id, workflowId: id, outcome: (await migrations.result(id)).outcome }];
  };
  /** Limits small enough to make the limiter queue, release and wait for its creation window within seconds. */
  const limited = (id: string): MigrationRequest =>
    base({
      dst_node: { ...base().dst_node, save_prefix: `${id}/` },
      orchestration: {
        poll_interval_seconds: 0.5,
        min_poll_interval_seconds: 0.1,
        max_running_per_region: 1,
        daily_create_quota: 2,
        create_quota_window_seconds: 3,
      },
    });

  // The limiter scenario comes first: the migration scenarios use the default 24-hour creation window, which would
  // keep the (shared) limiter of the region from completing. Replay needs the batch's and the limiter's workflow
  // ids (the batch derives its items' ids from its own): keep test/replay/recordings.ts in step with them.
  const scenarios: [string, () => Promise<Recording[]>][] = [
    [
      'limiter-grants',
      async () => {
        const ids = ['limiter-item-1', 'limiter-item-2', 'limiter-item-3'];
        for (const id of ids) await migrations.start(limited(id), { migrationId: id });
        for (const id of ids) await migrations.result(id);
        const limiterId = limiterWorkflowId('cn-north-7', 'capture');
        await client.workflow.getHandle(limiterId).result();
        return [{ file: 'limiter-grants', workflowId: limiterId, outcome: 'completed' }];
      },
    ],
    [
      'batch-continued',
      async () => {
        const batch: BatchRequest = {
          template: {
            task_type: 'prefix',
            src_node: { region: 'cn-north-7', credential_profile: 'src', bucket: 'a-test-1' },
            dst_node: {
              region: 'cn-north-7',
              credential_profile: 'dst',
              bucket: 'api-test-outline',
              save_prefix: 'b/',
            },
          },
          prefixes: ['01', 'list', '0'],
          concurrency: 2,
          continue_as_new_after_items: 2,
          // The limiter has its own recording; without it the items run at once.
          orchestration: {
            poll_interval_seconds: 0.5,
            min_poll_interval_seconds: 0.1,
            max_running_per_region: 0,
            daily_create_quota: 0,
          },
        };
        const { batchId } = await batches.start(batch, { batchId: 'batch-continued' });
        const { outcome } = await batches.result(batchId);
        const firstRun = continuedFrom(show(batchId));
        if (firstRun === undefined) throw new Error('the batch did not continue as new');
        return [
          { file: 'batch-first-run', workflowId: batchId, runId: firstRun, outcome: 'continued as new' },
          { file: 'batch-continued-run', workflowId: batchId, outcome },
        ];
      },
    ],
    [
      'migration-succeeded',
      migration('migration-succeeded', () => migrations.start(base(), { migrationId: 'migration-succeeded' })),
    ],
    [
      'migration-task-failed',
      migration('migration-task-failed', () =>
        migrations.start(base({ src_node: { ...base().src_node, bucket: 'missing-bucket' } }), {
          migrationId: 'migration-task-failed',
        }),
      ),
    ],
    [
      'migration-paused-resumed',
      migration('migration-paused-resumed', async () => {
        await migrations.start(slow('pause/'), { migrationId: 'migration-paused-resumed' });
        await whenRunning('migration-paused-resumed');
        await migrations.pause('migration-paused-resumed');
        await pollUntil(
          async () => (await migrations.status('migration-paused-resumed')).progress?.paused,
          60_000,
          'migration-paused-resumed to pause',
        );
        await migrations.resume('migration-paused-resumed');
      }),
    ],
    [
      'migration-cancelled',
      migration('migration-cancelled', async () => {
        await migrations.start(slow('cancel/'), { migrationId: 'migration-cancelled' });
        await whenRunning('migration-cancelled');
        await migrations.cancel('migration-cancelled');
      }),
    ],
  ];
  const selected = scenarios.filter(([name]) => only === undefined || only.some((w) => name.startsWith(w)));
  if (selected.length === 0) throw new Error(`--only matches no scenario of: ${scenarios.map(([n]) => n).join(', ')}`);

  await worker.runUntil(async () => {
    for (const [, scenario] of selected) {
      for (const { file, workflowId, runId, outcome } of await scenario()) {
        fs.writeFileSync(path.join(OUT_DIR, `${file}${tag ? `-${tag}` : ''}.json`), show(workflowId, runId));
        process.stdout.write(`${file}: ${outcome}\n`);
      }
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
