/**
 * `npm run demo`: the whole product on one machine. Starts the embedded Temporal dev server (SQLite under
 * .data/demo/, Web UI), the OMS/IAM emulator and a worker; dry-runs the seed example (object task a-test-1 →
 * api-test-outline: credentials, OMS, regions, buckets, quota; nothing created), then runs it to status 5 with live
 * progress and its report; runs a second migration whose objects under `bad/` fail, showing `failed_num` and the
 * failed objects the worker read from the destination bucket with Huawei's OBS SDK; prints the Web UI address;
 * shuts down cleanly.
 *
 *   npm run demo                 # run and stop
 *   npm run demo -- --keep       # keep everything running afterwards (Ctrl-C stops); writes .oms-demo.env
 *   TEMPORAL_ADDRESS=host:port npm run demo   # use an existing Temporal server instead of the dev server
 *
 * An existing server is reached the way every command reaches one (docs/configuration.md "Connecting to Temporal"):
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, or a TEMPORAL_PROFILE of the Temporal config
 * file.
 *
 * It ends by printing how to point the CLI at what it started (scripts/lib/demo-usage.ts); with `--keep` it also
 * writes `.oms-demo.env` to `source`, and removes it again when it stops.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { Client } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';

import { secretValues } from '../activities/credentials';
import { printResult, renderProgressLine } from '../client/cli';
import { preflightExitCode, renderPreflight } from '../client/cli/preflight-output';
import { MigrationClient } from '../client/migration-client';
import { connectTemporal } from '../client/temporal-connection';
import { loadTemporalSettings, temporalEnv, temporalTarget } from '../client/temporal-settings';
import { startEmulator } from '../emulator';
import { loadWorkerConfig } from '../worker/config';
import { createWorker } from '../worker/create-worker';
import { coreLogFilter, createJsonLogger } from '../worker/logger';
import type { MigrationRequest } from '../workflows/request-types';
import { DEMO_ENV_FILE, renderCliUsage, renderEnvFile, type DemoTarget } from './lib/demo-usage';
import { startDevServer, type DevServer } from './lib/dev-server';
import { emulatorWorkerEnv } from './lib/emulator-worker-env';
import { registerSearchAttributes } from './lib/search-attributes';

/**
 * The payload-encryption variables of this shell (docs/production.md "Encrypted payloads and the codec server"),
 * handed to the demo's worker.
 */
function codecEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[0].startsWith('OMS_CODEC_') && e[1] !== undefined,
    ),
  );
}

/**
 * Connection settings of this shell, other than address and namespace, that the CLI needs as well to reach the
 * same server and read the same payloads. Named in the closing lines, never written out (secrets, key paths).
 */
function inheritedVariables(): string[] {
  return Object.keys(process.env)
    .filter((name) => /^(TEMPORAL_(API_KEY|TLS|PROFILE|CONFIG_FILE)|OMS_CODEC_)/.test(name) && process.env[name])
    .sort();
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** Task queue of the demo's worker and migrations. */
const DEMO_TASK_QUEUE = 'oms-migrations-demo';

function loadExample(name: string, region: string): MigrationRequest {
  const file = path.join(__dirname, '..', 'examples', name);
  const request = JSON.parse(fs.readFileSync(file, 'utf8')) as MigrationRequest;
  // The examples are written for the emulator's default region; keep them in step if it was changed.
  request.src_node = { ...request.src_node, region };
  request.dst_node = { ...request.dst_node, region };
  request.orchestration = { poll_interval_seconds: 1, min_poll_interval_seconds: 0.2, ...request.orchestration };
  return request;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keep: { type: 'boolean' }, 'time-scale': { type: 'string' } } });
  const dataDir = path.resolve(process.env.OMS_DATA_DIR ?? '.data', 'demo');
  const timeScale = Number(values['time-scale'] ?? 5);
  fs.mkdirSync(dataDir, { recursive: true });
  const workerLog = path.join(dataDir, 'worker.log');
  const logStream = fs.createWriteStream(workerLog, { flags: 'a' });

  out('== oms-orchestrator demo ==');
  let server: DevServer | undefined;
  let settings = loadTemporalSettings();
  const existing = Boolean(process.env.TEMPORAL_ADDRESS || settings.security.configFile);
  if (!existing) {
    out('Starting the Temporal dev server (first run builds the Temporal CLI; see docs/development.md)...');
    server = await startDevServer({ dbFile: path.join(dataDir, 'temporal.sqlite') });
    settings = loadTemporalSettings({ address: server.address });
  }
  const address = settings.address;
  const connection = await connectTemporal(settings);
  await registerSearchAttributes(connection, settings.namespace);

  const emulator = await startEmulator({ timeScale });
  out(`Temporal: ${temporalTarget(settings)}${server?.uiUrl ? ` · Web UI: ${server.uiUrl}` : ''}`);
  out(`OMS/IAM emulator: ${emulator.url} (time scale ${timeScale}x)`);

  // The worker holds the secrets; the migration requests only name the profiles "src" and "dst".
  const config = loadWorkerConfig({
    ...temporalEnv(),
    ...codecEnv(),
    ...emulatorWorkerEnv(emulator, { temporalAddress: address, taskQueue: DEMO_TASK_QUEUE }),
  });
  // The worker's log (its own lines and Temporal core's, forwarded) is JSON lines, scrubbed of the secrets above.
  const logger = createJsonLogger('INFO', secretValues(config.credentials), (line) => logStream.write(line));
  Runtime.install({ logger, telemetryOptions: { logging: { filter: coreLogFilter('INFO'), forward: {} } } });
  const nativeConnection = await NativeConnection.connect(config.temporal.connection.connectionOptions);
  const worker = await createWorker({ config, connection: nativeConnection });
  const workerRun = worker.run();
  out(`Worker running on task queue ${DEMO_TASK_QUEUE} (log: ${workerLog}).\n`);

  const client = new Client({
    connection,
    namespace: settings.namespace,
    ...(config.codec.dataConverter ? { dataConverter: config.codec.dataConverter } : {}),
  });
  const migrations = new MigrationClient(client, config.temporal.taskQueue);
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const migrationIds: string[] = [];
  let exitCode = 0;
  for (const [title, file, expectFailures] of [
    ['1. Seed example: object task a-test-1 → api-test-outline', 'demo-seed-object-task.json', false],
    ['2. Objects under bad/ fail: failed_num and failed_object_record', 'demo-failed-objects.json', true],
  ] as const) {
    out(`-- ${title}`);
    const request = loadExample(file, emulator.config.region);
    if (!expectFailures) {
      // A dry run first: the same checks `migrate --dry-run` prints, run on the worker; it creates nothing.
      out(`Dry run (oms-orchestrator migrate --file examples/${file} --dry-run):`);
      const checked = await migrations.preflight(request);
      for (const line of renderPreflight(checked, { json: false, width: 110 }).split('\n')) out(`  ${line}`);
      if (preflightExitCode(checked) !== 0) exitCode = 1;
    }
    const { migrationId } = await migrations.start(request, {
      migrationId: `demo-${runId}-${file.replace('.json', '')}`,
    });
    out(`Migration id: ${migrationId}`);
    migrationIds.push(migrationId);
    let last = '';
    const result = await migrations.watch(
      migrationId,
      (status) => {
        const snap = status.live ?? status.progress?.snapshot;
        const line = renderProgressLine(snap, status.progress?.phase);
        if (line !== last) out(`  ${(last = line)}`);
      },
      250,
    );
    printResult(result, false, (l) => out(`  ${l}`));
    // The demo succeeds when each migration ends as designed: the seed cleanly, the second with failed objects
    // (whose keys the report lists from the worker's own read of OMS's failed-object list in the destination bucket).
    const asExpected = expectFailures
      ? result.outcome === 'completed_with_failures' && (result.report?.failed_objects?.summary?.count ?? 0) > 0
      : result.outcome === 'succeeded';
    if (!asExpected) exitCode = 1;
    if (expectFailures) {
      out(`  Every failed key, read from OBS with your own keys (docs/failed-objects.md):`);
      out(
        `    OMS_PROFILE_DST_AK=… OMS_PROFILE_DST_SK=… OMS_OBS_ENDPOINT=${emulator.url} OMS_ALLOW_INSECURE_HTTP=true \\`,
      );
      out(`    npm run cli -- report ${migrationId} --failed-objects`);
    }
    out('');
  }
  const target: DemoTarget = {
    address,
    namespace: settings.namespace,
    taskQueue: DEMO_TASK_QUEUE,
    migrationIds,
    ...(server?.uiUrl ? { uiUrl: server.uiUrl } : {}),
    keep: Boolean(values.keep),
    inheritedVariables: inheritedVariables(),
  };
  // The env file is only true while the servers run: written with --keep, removed when the demo stops.
  const envFile = values.keep ? path.resolve(DEMO_ENV_FILE) : undefined;
  if (envFile) fs.writeFileSync(envFile, renderEnvFile(target), { mode: 0o600 });
  for (const line of renderCliUsage(target, envFile ? DEMO_ENV_FILE : undefined)) out(line);
  out('');

  const shutdown = async (): Promise<void> => {
    // Ctrl-C may already have started the worker's shutdown (the runtime handles SIGINT itself).
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await nativeConnection.close();
    await connection.close();
    await emulator.stop();
    await server?.stop();
  };
  if (values.keep) {
    out('Everything keeps running (--keep). Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  }
  await shutdown();
  if (envFile) fs.rmSync(envFile, { force: true });
  const stopped = `${server ? 'the Temporal dev server, ' : ''}the emulator and the worker are stopped`;
  out(`Demo finished; ${stopped}${envFile ? ` (${DEMO_ENV_FILE} removed)` : ''}.`);
  process.exitCode = exitCode;
}

main().catch((err: unknown) => {
  process.stderr.write(`Demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
