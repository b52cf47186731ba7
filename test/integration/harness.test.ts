/**
 * The foundation: workflows really run on the Temporal dev server, and the embedded default (SQLite) keeps a
 * waiting workflow across a server restart.
 */
import fs from 'node:fs';
import path from 'node:path';

import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';

import { startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import * as activities from '../fixtures/activities';
import { awaitSignalWorkflow, finishSignal, roundTripWorkflow } from '../fixtures/workflows';
import { testEnv } from '../helpers/env';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

let workflowBundle: { code: string };

beforeAll(async () => {
  workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/workflows') });
});

async function withWorker<T>(address: string, taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({ connection, taskQueue, workflowBundle, activities });
    return await worker.runUntil(fn());
  } finally {
    await connection.close();
  }
}

test('a workflow and its activity complete on the real Temporal server', async () => {
  const address = testEnv('address');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: testEnv('namespace') });
  const taskQueue = uniqueId('harness');
  try {
    const result = await withWorker(address, taskQueue, () =>
      client.workflow.execute(roundTripWorkflow, { taskQueue, workflowId: uniqueId('round-trip'), args: ['tester'] }),
    );
    expect(result).toBe('hello tester from greet');
  } finally {
    await connection.close();
  }
});

describe('restart durability of the embedded default', () => {
  let server: DevServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  /** Starts a waiting workflow, restarts the server, and returns the client-side outcome after the restart. */
  async function startWaitRestart(dbFile: string | undefined): Promise<{ outcome: Promise<string> }> {
    server = await startDevServer({ headless: true, dbFile });
    const taskQueue = uniqueId('durability');
    const workflowId = uniqueId('await-signal');

    let connection = await Connection.connect({ address: server.address });
    let client = new Client({ connection });
    await withWorker(server.address, taskQueue, async () => {
      const handle = await client.workflow.start(awaitSignalWorkflow, { taskQueue, workflowId });
      // The workflow has durably reached its wait once its first workflow task completed.
      await waitFor(async () => {
        const history = await handle.fetchHistory();
        return (history.events ?? []).some((e) => e.workflowTaskCompletedEventAttributes);
      }, 30_000);
    });
    await connection.close();

    // Same database, new process (on a fresh port: durability is the database's, not the port's).
    await server.stop();
    server = await startDevServer({ headless: true, dbFile });

    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection });
    const handle = client.workflow.getHandle<typeof awaitSignalWorkflow>(workflowId);
    const restarted = server;
    const outcome = (async () => {
      try {
        return await withWorker(restarted.address, taskQueue, async () => {
          await handle.signal(finishSignal, 'restarted server');
          return await handle.result();
        });
      } finally {
        await connection.close();
      }
    })();
    outcome.catch(() => undefined); // observed by the caller; avoid an unhandled-rejection report meanwhile
    return { outcome };
  }

  test('a workflow waiting on a signal completes after the dev server restarts on the same database', async () => {
    const dbFile = path.join(testEnv('tmpDir'), `durable-${Date.now()}.sqlite`);
    const { outcome } = await startWaitRestart(dbFile);
    await expect(outcome).resolves.toBe('hello restarted server from greet');
    expect(fs.statSync(dbFile).size).toBeGreaterThan(0);
  });

  test('control: without a database file the restart loses the workflow', async () => {
    const { outcome } = await startWaitRestart(undefined);
    await expect(outcome).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
