/**
 * `npm run worker`: the production entrypoint. Reads and validates the configuration once, connects to Temporal,
 * checks the search attributes exist, and runs until SIGINT/SIGTERM, letting in-flight activities finish within
 * the grace period. Everything it writes is JSON lines on stderr: its own log, Temporal core's forwarded log lines,
 * Node's warnings and the fatal error, if any.
 */
import fs from 'node:fs';
import path from 'node:path';

import { NativeConnection, Runtime, type Logger } from '@temporalio/worker';

import { secretValues } from '../activities/credentials';
import { TemporalConnectionError, connectChecked, connectionError } from '../client/temporal-connection';
import type { TemporalSettings } from '../client/temporal-settings';
import { ConfigError, describeConfig, insecureEndpoints, loadWorkerConfig, redactAddress } from './config';
import { createWorker } from './create-worker';
import { coreLogFilter, createJsonLogger, routeProcessOutput } from './logger';
import { prometheusMetrics } from './metrics';
import { logSearchAttributeCheck } from './search-attributes';

/** The worker's logger once the configuration is read (the fatal-error handler uses it). */
let workerLogger: Logger | undefined;

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = createJsonLogger(config.worker.logLevel, secretValues(config.credentials));
  workerLogger = logger;
  routeProcessOutput(logger);
  // Core (native) log lines are forwarded to the same JSON logger; without `forward` core prints coloured text.
  // With WORKER_METRICS_BIND, the SDK's metrics and the orchestrator's are served on http://<bind>/metrics.
  const metricsBind = config.worker.metricsBind;
  Runtime.install({
    logger,
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      logging: { filter: coreLogFilter(config.worker.logLevel), forward: {} },
      ...(metricsBind ? { metrics: prometheusMetrics(metricsBind) } : {}),
    },
  });
  logger.info('Starting OMS migration worker', describeConfig(config));
  const insecure = insecureEndpoints(config);
  if (Object.keys(insecure).length > 0) {
    logger.warn(
      'Plain-http endpoints allowed by OMS_ALLOW_INSECURE_HTTP=true: IAM passwords, tokens and signed requests ' +
        'travel in clear (use it for a local emulator only)',
      insecure,
    );
  }

  const connection = await connectWithRetry(config.temporal.connection, config.worker.connectTimeoutMs, logger);
  if (!connection) return;
  try {
    await logSearchAttributeCheck(connection, config.temporal.namespace, logger);
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
 * Connects to Temporal and checks the namespace, retrying with backoff (0.5 s doubling to 10 s) while the server is
 * unreachable — a worker started with, or restarted during, a server restart waits instead of exiting — for at most
 * `timeoutMs`. A failure that waiting cannot fix (an untrusted server certificate, a missing or rejected client
 * certificate, a TLS mismatch, a rejected API key, an unknown namespace) stops at once with a message saying what
 * to set. Resolves undefined when SIGINT/SIGTERM arrives meanwhile.
 */
async function connectWithRetry(
  settings: TemporalSettings,
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
        return await connectNative(settings);
      } catch (err) {
        if (stopping) return undefined;
        const failure = connectionError(settings, err);
        if (!failure.retryable || Date.now() + delayMs > deadline) throw failure;
        const shown = redactAddress(settings.address);
        logger.warn('Temporal is not reachable yet; retrying', {
          address: shown,
          attempt,
          retryInMs: delayMs,
          error: failure.message.split(settings.address).join(shown),
        });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (stopping) return undefined;
      }
    }
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

/** One connection attempt: transport probed, then proven usable by DescribeNamespace (credentials, namespace). */
function connectNative(settings: TemporalSettings): Promise<NativeConnection> {
  return connectChecked(
    settings,
    () => NativeConnection.connect(settings.connectionOptions),
    (connection) => connection.workflowService.describeNamespace({ namespace: settings.namespace }),
  );
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
  // A JSON line like every other: through the worker's logger (which scrubs secrets) once it exists.
  const logger = workerLogger ?? createJsonLogger('INFO', []);
  if (err instanceof ConfigError) {
    logger.error('Invalid worker configuration', { problems: err.problems });
  } else if (err instanceof TemporalConnectionError) {
    logger.error(err.message.split('\n')[0]!, {
      kind: err.kind,
      cause: err.message
        .split('\n')
        .slice(1)
        .join(' ')
        .replace(/^\s*cause:\s*/, ''),
    });
  } else {
    logger.error('The worker stopped on an error', { error: err, stack: err instanceof Error ? err.stack : undefined });
  }
  // Exit now: the SDK runtime, installed but never connected, would keep the process alive. Logging is done (stderr
  // writes to files and pipes are synchronous on Linux).
  process.exit(1);
});
