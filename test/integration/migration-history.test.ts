/**
 * History stays bounded whatever the duration: polls that change nothing are retries of one activity, not
 * events. A 24-hour (simulated) migration writes exactly as many events as a 12-hour one, and at most 50.
 */
import { DEFAULT_EMULATOR_CONFIG } from '../../emulator';
import type { MigrationRequest } from '../../workflows/request-types';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId } from '../helpers/wait';

jest.setTimeout(180_000);

const GIB = 1024 ** 3;
/** The documented bound on history events per migration (see docs/architecture.md, "How a migration runs" (History size)). */
const MAX_EVENTS = 50;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    emulator: {
      timeScale: 8_640, // 24 simulated hours in 10 s
      config: {
        buckets: [
          ...DEFAULT_EMULATOR_CONFIG.buckets,
          { name: 'big-12h', generate: { count: 42, size: GIB } },
          { name: 'big-24h', generate: { count: 84, size: GIB } },
        ],
      },
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

/** A migration of `bucket` at 1 MiB/s: 42 GiB ≈ 12 h, 84 GiB ≈ 24 h of simulated time. */
function capped(bucket: string): MigrationRequest {
  return stack.seedRequest({
    task_type: 'prefix',
    src_node: { ...stack.seedRequest().src_node, bucket, object_key: [''] },
    dst_node: { ...stack.seedRequest().dst_node, save_prefix: `${bucket}/` },
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
    orchestration: { poll_interval_seconds: 0.25, min_poll_interval_seconds: 0.1 },
  });
}

async function run(bucket: string) {
  const id = uniqueId(bucket);
  await stack.migrations.start(capped(bucket), { migrationId: id });
  const { report } = await stack.migrations.result(id);
  const history = await stack.migrations.handle(id).fetchHistory();
  return { report: report!, events: history.events?.length ?? 0, bytes: JSON.stringify(history).length };
}

test('a 24-hour migration writes the same, bounded number of history events as a 12-hour one', async () => {
  // Side by side, so both see the same machine load (the poll cadence under load is what the counts measure).
  const [short, long] = await Promise.all([run('big-12h'), run('big-24h')]);
  expect(short.report.outcome).toBe('succeeded');
  expect(long.report.outcome).toBe('succeeded');
  expect(long.report.total_time).toBeGreaterThanOrEqual(20 * 3_600_000);
  // The long run polled more often (on a loaded machine the cadence is bounded by the server, so not exactly
  // twice as often)...
  expect(long.report.api_calls.show).toBeGreaterThan(short.report.api_calls.show);
  // ...and wrote exactly as many events.
  expect(long.events).toBe(short.events);
  expect(long.events).toBeLessThanOrEqual(MAX_EVENTS);
  expect(long.bytes).toBeLessThan(64 * 1024);
});
