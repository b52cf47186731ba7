/**
 * The real Temporal server loses nothing when it is killed: a cluster of its own (PostgreSQL + temporal-server)
 * is SIGKILLed while a migration polls a running OMS task, with the worker left running; started again on the same
 * ports and database, the worker reconnects by itself and the migration completes with the same OMS task, not a
 * second one. What the server stored is in PostgreSQL (history rows of the workflow).
 */
import { startCluster, type Cluster } from '../../scripts/lib/cluster';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(300_000);

let cluster: Cluster | undefined;
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.close();
  await cluster?.stop();
});

test('a migration completes after temporal-server is SIGKILLed and restarted on the same database, with one OMS task', async () => {
  cluster = await startCluster({ headless: true });
  stack = await startStack({ emulator: { timeScale: 20 }, temporalAddress: cluster.address });

  const id = uniqueId('cluster-restart');
  const request = stack.seedRequest({
    task_type: 'prefix',
    src_node: { ...stack.seedRequest().src_node, bucket: 'demo-logs', object_key: ['logs/'] },
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
  });
  await stack.migrations.start(request, { migrationId: id });
  const seen = await waitFor(
    async () => {
      const s = await stack!.migrations.status(id);
      return s.progress?.snapshot?.status === 2 ? s : undefined;
    },
    90_000,
    'EXECUTING',
  );

  const killed = cluster.serverProcess;
  await cluster.kill9AndRestart();
  expect(killed.signalCode).toBe('SIGKILL');
  expect(cluster.serverProcess.pid).not.toBe(killed.pid);

  const { report } = await stack.migrations.result(id);
  expect(report).toMatchObject({ outcome: 'succeeded', status: 5, total_num: 200, failed_num: 0 });
  expect(report!.task_id).toBe(seen.progress!.task_id);
  expect((await stack.emulator.admin.counters()).CreateTask).toBe(1);
  expect((await stack.emulator.admin.tasks()).tasks).toHaveLength(1);

  // The history lives in PostgreSQL: its history nodes, and (written asynchronously) the closed visibility row.
  await waitFor(
    async () => {
      const rows = await cluster!.psql(
        `SELECT count(*) FROM executions_visibility WHERE workflow_id = '${id}' AND status = 2`,
        'temporal_visibility',
      );
      return rows[0]?.[0] === '1';
    },
    30_000,
    'the completed execution in temporal_visibility',
  );
  const [[nodes]] = (await cluster.psql('SELECT count(*) FROM history_node')) as [[string]];
  expect(Number(nodes)).toBeGreaterThan(0);
  expect(await cluster.pgDump({ tables: ['history_node'] })).toContain('COPY public.history_node');
});
