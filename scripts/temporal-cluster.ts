/**
 * `npm run temporal:cluster -- [--data-dir DIR] [--port 7233] [--ui-port 8233] [--headless] [--namespace NAME]
 * [--persistence postgres|sqlite]`: the real Temporal server on PostgreSQL with the Web UI, in the foreground
 * until Ctrl-C. Without `--data-dir` everything lives in a temporary directory and is gone after the stop; with it,
 * the database, configs and logs stay there and the next start reuses them.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

import { startCluster } from './lib/cluster';

const USAGE =
  'Usage: npm run temporal:cluster -- [--data-dir DIR] [--port N] [--ui-port N] [--headless] [--namespace NAME] ' +
  '[--persistence postgres|sqlite]\n';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: process.env.TEMPORAL_PORT ?? '7233' },
      'ui-port': { type: 'string', default: process.env.TEMPORAL_UI_PORT ?? '8233' },
      headless: { type: 'boolean', default: false },
      namespace: { type: 'string', default: 'default' },
      persistence: { type: 'string', default: 'postgres' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.persistence !== 'postgres' && values.persistence !== 'sqlite') throw new Error(USAGE);
  const port = Number(values.port);
  const uiPort = Number(values['ui-port']);
  if (!Number.isInteger(port) || !Number.isInteger(uiPort)) throw new Error(USAGE);

  const started = Date.now();
  const cluster = await startCluster({
    persistence: values.persistence,
    dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : undefined,
    port,
    uiPort,
    headless: values.headless,
    namespace: values.namespace,
    log: (m) => process.stderr.write(`[temporal-cluster] ${m}\n`),
  });
  const lines = [
    `Temporal server ${cluster.address} (namespace ${cluster.namespace}, ${cluster.persistence}), ready in ` +
      `${Math.round((Date.now() - started) / 100) / 10} s`,
    ...(cluster.uiUrl ? [`Web UI: ${cluster.uiUrl}`] : []),
    `State, configs and logs: ${cluster.dir}${values['data-dir'] ? '' : ' (temporary: removed on stop)'}`,
    ...(cluster.postgres
      ? [
          `PostgreSQL: 127.0.0.1:${cluster.postgres.port}, user ${cluster.postgres.user}, databases temporal and ` +
            `temporal_visibility (password in ${path.join(cluster.dir, 'postgres', 'oms-orchestrator.json')})`,
        ]
      : []),
    'Point the worker, the CLI and the demo at it:',
    `  export TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace}`,
    '  npm run worker        # in another terminal',
    '  npm run cli -- --help',
    'Press Ctrl-C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('[temporal-cluster] stopping...\n');
    void cluster.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  cluster.serverProcess.once('exit', (code, signal) => {
    // Ctrl-C reaches the server too (same process group); only an exit nobody asked for is an error.
    if (stopping || signal === 'SIGINT' || signal === 'SIGTERM') return;
    process.stderr.write(`Temporal server exited (${code ?? signal}); see ${cluster.serverLog}\n`);
    void cluster.stop().then(() => process.exit(1));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
