/**
 * The bench worker: `node --import tsx bench/worker.ts`, configured by the same environment as the product worker
 * (worker/config.ts). It registers the bench-only workflows (bench/workflows, bundled at start like the product
 * worker bundles its own) with the product's activities plus the bench activities, so the baselines run on the
 * same engine, with the same limits, as a separate process like the product worker.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';

import { createActivityContext } from '../activities/context';
import { migrationActivities } from '../activities/migration-activities';
import { activityDepsFromConfig } from '../worker/activity-deps';
import { loadWorkerConfig } from '../worker/config';
import { createBenchActivities } from './activities';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  Runtime.install({
    logger: new DefaultLogger(config.worker.logLevel),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    // Core's own lines through the same logger (not the console's coloured text).
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} } },
  });
  const ctx = createActivityContext(activityDepsFromConfig(config));
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: { ...migrationActivities(ctx), ...createBenchActivities(ctx) },
      workflowsPath: require.resolve('./workflows'),
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
      ...(config.worker.maxCachedWorkflows !== undefined
        ? { maxCachedWorkflows: config.worker.maxCachedWorkflows }
        : {}),
      shutdownGraceTime: config.worker.shutdownGraceMs,
    });
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
