/**
 * The embedded default survives a Temporal restart mid-migration: the dev server is killed (SIGKILL) while the workflow
 * polls a running OMS task, started again on the same SQLite database, and the migration completes — with the
 * same OMS task, not a second one.
 */
import path from 'node:path';

import { startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

let server: DevServer | undefined;
const stacks: Stack[] = [];
afterAll(async () => {
  for (const s of stacks.reverse()) await s.close();
  await server?.stop();
});

test('a migration completes after the dev server is killed and restarted on the same database, with one OMS task', async () => {
  const dbFile = path.join(testEnv('tmpDir'), `${uniqueId('restart')}.sqlite`);
  server = await startDevServer({ headless: true, dbFile });
  const before = await startStack({ emulator: { timeScale: 20 }, temporalAddress: server.address });
  stacks.push(before);

  const id = uniqueId('server-restart');
  const request = before.seedRequest({
    task_type: 'prefix',
    src_node: { ...before.seedRequest().src_node, bucket: 'demo-logs', object_key: ['logs/'] },
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
  });
  await before.migrations.start(request, { migrationId: id });
  const seen = await waitFor(
    async () => {
      const s = await before.migrations.status(id);
      return s.progress?.snapshot?.status === 2 ? s : undefined;
    },
    60_000,
    'EXECUTING',
  );

  await before.stopWorker();
  // Killed, not stopped: nothing committed may be lost (the dev server runs SQLite in WAL mode).
  const killed = server.process;
  const exited = new Promise((resolve) => killed.once('exit', resolve));
  killed.kill('SIGKILL');
  await exited;
  server = await startDevServer({ headless: true, dbFile });

  const after = await startStack({
    existingEmulator: before.emulator,
    temporalAddress: server.address,
    taskQueue: before.taskQueue,
  });
  stacks.push(after);
  const { report } = await after.migrations.result(id);
  expect(report).toMatchObject({ outcome: 'succeeded', status: 5, total_num: 200, failed_num: 0 });
  expect(report!.task_id).toBe(seen.progress!.task_id);
  expect((await before.emulator.admin.counters()).CreateTask).toBe(1);
});
