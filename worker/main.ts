/**
 * `npm run worker`: the production entrypoint. Reads and validates the configuration once, connects to Temporal,
 * checks the search attributes exist, and runs until SIGINT/SIGTERM, letting in-flight activities finish within
 * the grace period.
 */
import fs from 'node:fs';
import path from 'node:path';

import { NativeConnection, Runtime, makeTelemetryFilterString, type Logger } from '@temporalio/worker';

import { secretValues } from '../activities/credentials';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { ConfigError, describeConfig, loadWorkerConfig } from './config';
import { createWorker } from './create-worker';
import { createJsonLogger } from './logger';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = createJsonLogger(config.worker.logLevel, secretValues(config.credentials));
  // Core (native) log lines are forwarded to the same JSON logger instead of the console's coloured text.
  Runtime.install({
    logger,
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
    },
  });
  logger.info('Starting OMS migration worker', describeConfig(config));

  const connection = await connectWithRetry(config.temporal.address, config.worker.connectTimeoutMs, logger);
  if (!connection) return;
  try {
    // The namespace's custom attributes (GetSearchAttributes lists the cluster's, not what the namespace has).
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: config.temporal.namespace,
    });
    const missing = SEARCH_ATTRIBUTES.map((k) => k.name).filter((n) => !(customAttributes && n in customAttributes));
    if (missing.length > 0) {
      logger.warn('Custom search attributes are not registered; migrations will fail to upsert them', {
        missing,
        fix: 'npm run register-search-attributes (or temporal operator search-attribute create ...)',
      });
    }
    const bundle = config.worker.workflowBundlePath ?? builtBundle();
    logger.info(bundle ? 'Workflow code: prebuilt bundle' : 'Workflow code: bundling workflows/ at start', {
      bundle: bundle ?? null,
    });
    const worker = await createWorker({
      config,
      connection,
      ...(bundle ? { workflowBundle: { codePath: path.resolve(bundle) } } : {}),
    });
    await worker.run();
  } finally {
    await connection.close();
  }
}

/**
 * Connects to Temporal, retrying with backoff (0.5 s doubling to 10 s) while the server is unreachable — a worker
 * started with, or restarted during, a server restart waits instead of exiting — for at most `timeoutMs`. Resolves
 * undefined when SIGINT/SIGTERM arrives meanwhile.
 */
async function connectWithRetry(
  address: string,
  timeoutMs: number,
  logger: Logger,
): Promise<NativeConnection | undefined> {
  let stopping = false;
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1, delayMs = 500; ; attempt++, delayMs = Math.min(delayMs * 2, 10_000)) {
      try {
        return await NativeConnection.connect({ address });
      } catch (err) {
        if (stopping) return undefined;
        if (Date.now() + delayMs > deadline) throw err;
        logger.warn('Temporal is not reachable yet; retrying', {
          address,
          attempt,
          retryInMs: delayMs,
          error: err instanceof Error ? err.message : String(err),
        });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (stopping) return undefined;
      }
    }
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

/**
 * The bundle `npm run build` writes next to the compiled worker (lib/workflow-bundle.js), when running compiled:
 * built together, so it matches this code. From sources (tsx), the workflows are bundled at start.
 */
function builtBundle(): string | undefined {
  if (path.extname(__filename) !== '.js') return undefined;
  const candidate = path.join(__dirname, '..', 'workflow-bundle.js');
  return fs.existsSync(candidate) ? candidate : undefined;
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exitCode = 1;
});
