/**
 * Builds the Temporal worker from a {@link WorkerConfig}: activities with their injected dependencies, the
 * workflow code (a prebuilt bundle when given), and the concurrency limits. Used by worker/main.ts and the tests.
 */
import path from 'node:path';

import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { Dispatcher } from 'undici';

import { createActivities } from '../activities';
import { activityDepsFromConfig } from './activity-deps';
import type { WorkerConfig } from './config';

export interface CreateWorkerOptions {
  config: WorkerConfig;
  connection: NativeConnection;
  /** Prebuilt workflow bundle (production start-up and tests); otherwise `workflows/` is bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** HTTP dispatcher for the OMS client (tests). */
  dispatcher?: Dispatcher;
}

/** Creates (but does not run) the worker. */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { config, connection } = options;
  const activities = createActivities(
    activityDepsFromConfig(config, {
      dispatcher: options.dispatcher,
      // The region limiter and the batch activities talk to Temporal itself, over the worker's own connection.
      temporalClient: new Client({
        connection,
        namespace: config.temporal.namespace,
        ...(config.codec.dataConverter ? { dataConverter: config.codec.dataConverter } : {}),
      }),
    }),
  );
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(config.codec.dataConverter ? { dataConverter: config.codec.dataConverter } : {}),
    activities,
    ...workflowSource(options),
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    ...(config.worker.maxApiRequestsPerSecond !== undefined
      ? { maxTaskQueueActivitiesPerSecond: config.worker.maxApiRequestsPerSecond }
      : {}),
    shutdownGraceTime: config.worker.shutdownGraceMs,
  });
}

/**
 * Where the workflow code comes from: the bundle given by the caller (tests), the prebuilt bundle the
 * configuration names (`WORKER_WORKFLOW_BUNDLE`), or `workflows/` bundled now (slower start, and the bundler's memory
 * stays in the process).
 */
function workflowSource(
  options: CreateWorkerOptions,
): Pick<WorkerOptions, 'workflowBundle'> | Pick<WorkerOptions, 'workflowsPath'> {
  if (options.workflowBundle) return { workflowBundle: options.workflowBundle };
  const codePath = options.config.worker.workflowBundlePath;
  if (codePath) return { workflowBundle: { codePath: path.resolve(codePath) } };
  return { workflowsPath: require.resolve('../workflows') };
}
