/**
 * Jest global setup for the integration layer: provisions the Temporal CLI (building it once if needed), starts
 * ONE dev server for the run on a free loopback port — with OMS_TEST_SERVER=cluster (`npm run test:cluster`) the
 * real Temporal server on PostgreSQL instead, or attaches to TEMPORAL_ADDRESS if set — and builds the product
 * workflow bundle once. Tests read the results from the environment (workers inherit it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Connection } from '@temporalio/client';

import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { startCluster, type Cluster } from '../../scripts/lib/cluster';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import { registerSearchAttributes } from '../../scripts/lib/search-attributes';
import { CLUSTER_TEST_ENV, testServerKind } from './cluster';
import { TEST_ENV } from './env';

declare global {
  var __OMS_DEV_SERVER__: DevServer | undefined;
  var __OMS_CLUSTER__: Cluster | undefined;
  var __OMS_TEST_TMP__: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-orch-test-'));
  globalThis.__OMS_TEST_TMP__ = tmp;
  process.env[TEST_ENV.tmpDir] = tmp;

  const existing = process.env.TEMPORAL_ADDRESS;
  if (existing) {
    const connection = await Connection.connect({ address: existing });
    try {
      await registerSearchAttributes(connection, process.env.TEMPORAL_NAMESPACE ?? 'default');
    } finally {
      await connection.close();
    }
    process.env[TEST_ENV.address] = existing;
  } else if (testServerKind() === 'cluster') {
    // `npm run test:cluster`: the real Temporal server on PostgreSQL instead of the dev server.
    let cluster: Cluster;
    try {
      cluster = await startCluster({ headless: true });
    } catch (err) {
      throw new Error(
        `Cluster tests need the Temporal server on PostgreSQL and could not start it.\n${err instanceof Error ? err.message : String(err)}`,
      );
    }
    globalThis.__OMS_CLUSTER__ = cluster;
    process.env[TEST_ENV.address] = cluster.address;
    process.env[CLUSTER_TEST_ENV.postgres] = JSON.stringify(cluster.postgres);
  } else {
    let server: DevServer;
    try {
      server = await startDevServer({ headless: true, dbFile: path.join(tmp, 'temporal.sqlite') });
    } catch (err) {
      throw new Error(
        `Integration tests need a Temporal dev server and could not start one.\n${err instanceof Error ? err.message : String(err)}`,
      );
    }
    globalThis.__OMS_DEV_SERVER__ = server;
    process.env[TEST_ENV.address] = server.address;
  }
  process.env[TEST_ENV.namespace] = process.env.TEMPORAL_NAMESPACE ?? 'default';

  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  // The same bundle `npm run build` writes for the production worker.
  await buildWorkflowBundle(bundlePath);
  process.env[TEST_ENV.workflowBundle] = bundlePath;
}
