import {
  enqueueRequest,
  grantSlots,
  initialLimiterState,
  isForgettable,
  limiterStatus,
  limiterWorkflowId,
  nextForgetAt,
  pruneCreations,
  reclaimClosed,
  releaseSlot,
} from '../../../workflows/shared/region-limiter-logic';
import type { LimiterState, SlotRequest } from '../../../workflows/limiter-types';

const DAY = 86_400_000;

function req(holder: string, overrides: Partial<SlotRequest> = {}): SlotRequest {
  return {
    holder_id: holder,
    request_id: `${holder}#1`,
    creates: true,
    max_running: 2,
    create_quota: 1500,
    create_window_ms: DAY,
    ...overrides,
  };
}

function queue(state: LimiterState, now: number, ...requests: SlotRequest[]): void {
  for (const r of requests) enqueueRequest(state, r, now);
}

const holders = (s: LimiterState): string[] => s.holders.map((h) => h.holder_id);
const waiters = (s: LimiterState): string[] => s.waiters.map((w) => w.holder_id);

describe('running limit', () => {
  test('grants in arrival order up to max_running; a release lets the next one in', () => {
    const s = initialLimiterState('cn-north-4');
    queue(s, 0, req('a'), req('b'), req('c'));
    expect(grantSlots(s, 1).granted.map((h) => h.holder_id)).toEqual(['a', 'b']);
    expect(waiters(s)).toEqual(['c']);
    expect(grantSlots(s, 2).granted).toEqual([]);
    expect(releaseSlot(s, { holder_id: 'a', request_id: 'a#1' })).toBe(true);
    expect(grantSlots(s, 3)).toEqual({
      granted: [{ holder_id: 'c', request_id: 'c#1', creates: true, max_running: 2, granted_at: 3 }],
      wake_at: null,
    });
    expect(holders(s)).toEqual(['b', 'c']);
  });

  test('the smallest limit among the holders and the candidate applies, and nobody overtakes the first waiter', () => {
    const s = initialLimiterState('r');
    queue(s, 0, req('a', { max_running: 5 }), req('strict', { max_running: 1 }), req('loose', { max_running: 5 }));
    expect(grantSlots(s, 1).granted.map((h) => h.holder_id)).toEqual(['a']);
    expect(waiters(s)).toEqual(['strict', 'loose']);
    releaseSlot(s, { holder_id: 'a', request_id: 'a#1' });
    expect(grantSlots(s, 2).granted.map((h) => h.holder_id)).toEqual(['strict']);
    // 'loose' allows 5, but 'strict' holds a slot and allows 1 running task.
    expect(grantSlots(s, 3).granted).toEqual([]);
    releaseSlot(s, { holder_id: 'strict', request_id: 'strict#1' });
    expect(grantSlots(s, 4).granted.map((h) => h.holder_id)).toEqual(['loose']);
  });

  test('0 means no running limit', () => {
    const s = initialLimiterState('r');
    queue(s, 0, ...Array.from({ length: 10 }, (_, i) => req(`m${i}`, { max_running: 0 })));
    expect(grantSlots(s, 1).granted).toHaveLength(10);
  });
});

describe('rolling creation quota', () => {
  test('a creation beyond the quota waits until the oldest creation leaves the window', () => {
    const s = initialLimiterState('r');
    const quota = { create_quota: 2, create_window_ms: 4_000, max_running: 0 };
    queue(s, 0, req('a', quota), req('b', quota), req('c', quota), req('d', quota));
    expect(grantSlots(s, 1_000).granted.map((h) => h.holder_id)).toEqual(['a', 'b']);
    expect(grantSlots(s, 1_500)).toEqual({ granted: [], wake_at: 5_000 });
    pruneCreations(s, 4_999);
    expect(grantSlots(s, 4_999).granted).toEqual([]);
    expect(grantSlots(s, 5_001).granted.map((h) => h.holder_id)).toEqual(['c', 'd']);
    expect(s.creations).toEqual([1_000, 1_000, 5_001, 5_001]);
  });

  test('restarts (creates: false) need a running slot but no quota', () => {
    const s = initialLimiterState('r');
    queue(
      s,
      0,
      req('a', { create_quota: 1 }),
      req('b', { create_quota: 1 }),
      req('resume', { creates: false, create_quota: 1 }),
    );
    expect(grantSlots(s, 1)).toEqual({ granted: [expect.objectContaining({ holder_id: 'a' })], wake_at: 1 + DAY });
    // 'b' blocks the queue on the quota; once it is gone, the restart goes through.
    releaseSlot(s, { holder_id: 'b', request_id: 'b#1' });
    expect(grantSlots(s, 2).granted.map((h) => h.holder_id)).toEqual(['resume']);
    expect(s.creations).toEqual([1]);
  });

  test('creations are remembered for the longest window requested, then forgotten', () => {
    const s = initialLimiterState('r');
    queue(s, 0, req('a', { create_window_ms: 10_000 }));
    grantSlots(s, 100);
    releaseSlot(s, { holder_id: 'a', request_id: 'a#1' });
    expect(isForgettable(s)).toBe(false);
    expect(nextForgetAt(s)).toBe(10_100);
    pruneCreations(s, 10_100);
    expect(isForgettable(s)).toBe(true);
    expect(nextForgetAt(s)).toBeNull();
  });
});

describe('idempotency and recovery', () => {
  test('a repeated request is ignored while it waits, and re-granted while it holds', () => {
    const s = initialLimiterState('r');
    queue(s, 0, req('a', { max_running: 1 }), req('b', { max_running: 1 }));
    grantSlots(s, 1);
    expect(enqueueRequest(s, req('b', { max_running: 1 }), 2)).toBeUndefined();
    expect(waiters(s)).toEqual(['b']);
    expect(enqueueRequest(s, req('a', { max_running: 1 }), 3)).toMatchObject({ holder_id: 'a', request_id: 'a#1' });
    expect(holders(s)).toEqual(['a']);
  });

  test('a new request from a holder replaces its slot; a stale release is ignored', () => {
    const s = initialLimiterState('r');
    queue(s, 0, req('a'));
    grantSlots(s, 1);
    enqueueRequest(s, req('a', { request_id: 'a#2' }), 2);
    expect(holders(s)).toEqual([]);
    expect(waiters(s)).toEqual(['a']);
    expect(releaseSlot(s, { holder_id: 'a', request_id: 'a#1' })).toBe(false);
    expect(releaseSlot(s, { holder_id: 'a', request_id: 'a#2' })).toBe(true);
    expect(waiters(s)).toEqual([]);
  });

  test('slots of holders that ended are reclaimed and counted', () => {
    const s = initialLimiterState('r');
    queue(s, 0, req('a'), req('b'), req('c'));
    grantSlots(s, 1);
    expect(reclaimClosed(s, ['a', 'c', 'unknown'])).toBe(1);
    expect(holders(s)).toEqual(['b']);
    expect(waiters(s)).toEqual([]);
    expect(limiterStatus(s)).toMatchObject({ running: 1, waiting: 0, reclaimed: 1, recent_creations: 2 });
  });

  test('the limiter id names the region and the task queue', () => {
    expect(limiterWorkflowId('cn-north-4', 'oms-migrations')).toBe('oms-limiter/cn-north-4/oms-migrations');
  });
});
