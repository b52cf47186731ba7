/**
 * Completion webhooks end to end (docs/notifications.md): the real dev server, the emulator and a local receiver
 * that verifies every signature, answers the first two attempts of each delivery with 503, and counts the deliveries
 * it accepted. Each outcome — succeeded (the request's webhook), failed (the worker's default webhook), cancelled and
 * deadline — gets exactly one accepted delivery, on the third attempt, recorded in the report.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { Worker } from '@temporalio/worker';

import { COMPLETION_NOTIFY_PATCH } from '../../workflows/migration-patches';
import type { MigrationFinishedEvent } from '../../workflows/notify-types';
import type { MigrationReport } from '../../workflows/report-types';
import type { MigrationRequest } from '../../workflows/request-types';
import { testEnv } from '../helpers/env';
import { startStack, stackSecrets, type Stack } from '../helpers/stack';
import { uniqueId, waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

const SECRET = 'webhook-test-secret-0123456789abcdef';
/** Attempts answered 503 before the receiver accepts a delivery. */
const REFUSED_ATTEMPTS = 2;

interface Attempt {
  path: string;
  deliveryId: string;
  signatureOk: boolean;
  timestamp: string;
  raw: string;
  event?: MigrationFinishedEvent;
}

/** The receiver: every attempt recorded; a delivery is accepted (200) on its third attempt, refused (503) before. */
class Receiver {
  readonly attempts: Attempt[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
      const given = String(req.headers['x-oms-signature'] ?? '');
      const signatureOk =
        given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      const deliveryId = String(req.headers['x-oms-delivery-id'] ?? '');
      const attempt: Attempt = {
        path: req.url ?? '',
        deliveryId,
        signatureOk,
        timestamp: String(req.headers['x-oms-timestamp'] ?? ''),
        raw: raw.toString('utf8'),
        ...(signatureOk ? { event: JSON.parse(raw.toString('utf8')) as MigrationFinishedEvent } : {}),
      };
      this.attempts.push(attempt);
      if (!signatureOk) {
        res.writeHead(401).end();
        return;
      }
      const seen = this.attempts.filter((a) => a.deliveryId === deliveryId).length;
      res.writeHead(seen > REFUSED_ATTEMPTS ? 200 : 503).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Attempts for one migration, and the accepted ones (the attempts past the refused ones). */
  of(migrationId: string): { all: Attempt[]; accepted: Attempt[] } {
    const all = this.attempts.filter((a) => a.event?.migration_id === migrationId);
    const byDelivery = new Map<string, Attempt[]>();
    for (const a of all) byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a]);
    return { all, accepted: [...byDelivery.values()].flatMap((list) => list.slice(REFUSED_ATTEMPTS)) };
  }
}

let receiver: Receiver;
let base: string;
let stack: Stack;

beforeAll(async () => {
  receiver = new Receiver();
  base = await receiver.start();
  stack = await startStack({
    emulator: { timeScale: 20 },
    workerEnv: {
      OMS_PROFILE_HOOK_WEBHOOK_SECRET: SECRET,
      OMS_NOTIFY_WEBHOOK_URL: `${base}/worker-default`,
      OMS_NOTIFY_CREDENTIAL_PROFILE: 'hook',
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

/** A migration slow enough to cancel or to run out of time (1 MiB/s over the demo logs). */
function slow(overrides: Partial<MigrationRequest> = {}): MigrationRequest {
  return stack.seedRequest({
    task_type: 'prefix',
    src_node: { ...stack.seedRequest().src_node, bucket: 'demo-logs', object_key: ['logs/'] },
    dst_node: { ...stack.seedRequest().dst_node, save_prefix: `${uniqueId('run')}/` },
    bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }],
    notification: { webhook_url: `${base}/hooks/oms`, credential_profile: 'hook' },
    ...overrides,
  });
}

/** The receiver saw exactly one accepted delivery, after two refused ones, all signed and alike. */
function expectOneDelivery(id: string, outcome: string, report: MigrationReport | undefined, path: string): void {
  const { all, accepted } = receiver.of(id);
  expect(all).toHaveLength(REFUSED_ATTEMPTS + 1);
  expect(accepted).toHaveLength(1);
  const event = accepted[0]!.event!;
  expect(event).toMatchObject({ event: 'migration.finished', migration_id: id, outcome });
  expect(all.every((a) => a.path === path && a.deliveryId === event.delivery_id)).toBe(true);
  // Every attempt carries the same body (same delivery id), and a timestamp.
  expect(new Set(all.map((a) => a.raw)).size).toBe(1);
  expect(all.every((a) => /^\d{10}$/.test(a.timestamp))).toBe(true);
  // Never a secret in the body.
  for (const secret of [SECRET, ...stackSecrets(stack.emulator)]) expect(accepted[0]!.raw).not.toContain(secret);
  expect(report?.notification).toEqual({
    delivered: true,
    source: path === '/worker-default' ? 'worker' : 'request',
    delivery_id: event.delivery_id,
    attempts: REFUSED_ATTEMPTS + 1,
    status_code: 200,
  });
}

test('each final outcome is delivered once, signed, after two refused attempts, and recorded in the report', async () => {
  const ids = {
    succeeded: uniqueId('notify-ok'),
    failed: uniqueId('notify-failed'),
    cancelled: uniqueId('notify-cancel'),
    deadline: uniqueId('notify-deadline'),
  };
  await stack.migrations.start(
    stack.seedRequest({ notification: { webhook_url: `${base}/hooks/oms`, credential_profile: 'hook' } }),
    { migrationId: ids.succeeded },
  );
  // No notification in the request: the worker's default webhook is used.
  await stack.migrations.start(
    stack.seedRequest({ src_node: { ...stack.seedRequest().src_node, bucket: 'no-such-bucket' } }),
    { migrationId: ids.failed },
  );
  await stack.migrations.start(slow(), { migrationId: ids.cancelled });
  await stack.migrations.start(
    slow({ orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1, deadline_seconds: 4 } }),
    { migrationId: ids.deadline },
  );
  await waitFor(
    async () => (await stack.migrations.status(ids.cancelled)).progress?.snapshot?.status === 2,
    60_000,
    'the task to run',
  );
  await stack.migrations.cancel(ids.cancelled);

  const [succeeded, failed, cancelled, deadline] = await Promise.all(
    [ids.succeeded, ids.failed, ids.cancelled, ids.deadline].map((id) => stack.migrations.result(id)),
  );
  expect(succeeded!.outcome).toBe('succeeded');
  expectOneDelivery(ids.succeeded, 'succeeded', succeeded!.report, '/hooks/oms');
  expect(failed!.failure?.type).toBe('MigrationFailed');
  expectOneDelivery(ids.failed, 'failed', failed!.report, '/worker-default');
  expect(receiver.of(ids.failed).accepted[0]!.event!.failure).toMatchObject({ type: 'MigrationFailed' });
  expect(cancelled!.outcome).toBe('cancelled');
  expectOneDelivery(ids.cancelled, 'cancelled', cancelled!.report, '/hooks/oms');
  expect(deadline!.failure?.type).toBe('DeadlineExceeded');
  expectOneDelivery(ids.deadline, 'deadline', deadline!.report, '/hooks/oms');
  // Every attempt the receiver saw was correctly signed; the four deliveries have four distinct ids.
  expect(receiver.attempts.every((a) => a.signatureOk)).toBe(true);
  expect(new Set(Object.values(ids).map((id) => receiver.of(id).accepted[0]!.deliveryId)).size).toBe(4);

  // The new command sequence is deterministic: each history carries the patch marker and replays as recorded.
  for (const id of Object.values(ids)) {
    const history = await stack.migrations.handle(id).fetchHistory();
    const markers = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    const patchIds = markers.map((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return (JSON.parse(Buffer.from(data ?? new Uint8Array()).toString('utf8')) as { id: string }).id;
    });
    expect(patchIds).toContain(COMPLETION_NOTIFY_PATCH);
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: testEnv('workflowBundle') } }, history, id),
    ).resolves.toBeUndefined();
  }
});
