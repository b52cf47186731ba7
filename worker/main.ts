/**
 * `npm run worker`: the production entrypoint. Reads and validates the configuration once, connects to Temporal,
 * checks the search attributes exist, and runs until SIGINT/SIGTERM, letting in-flight activities finish within
 * the grace period.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';

import { secretValues } from '../activities/credentials';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { ConfigError, describeConfig, loadWorkerConfig } from './config';
import { createWorker } from './create-worker';
import { createJsonLogger } from './logger';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = createJsonLogger(config.worker.logLevel, secretValues(config.credentials));
  Runtime.install({ logger, shutdownSignals: ['SIGINT', 'SIGTERM'] });
  logger.info('Starting OMS migration worker', describeConfig(config));

  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const { keys } = await connection.workflowService.getSearchAttributes({});
    const missing = SEARCH_ATTRIBUTES.map((k) => k.name).filter((n) => !(keys && n in keys));
    if (missing.length > 0) {
      logger.warn('Custom search attributes are not registered; migrations will fail to upsert them', {
        missing,
        fix: 'npm run register-search-attributes (or temporal operator search-attribute create ...)',
      });
    }
    const worker = await createWorker({ config, connection });
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exitCode = 1;
});
