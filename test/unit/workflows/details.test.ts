import { readFileSync } from 'node:fs';

import { ordinal, renderDetails, slotWaitText } from '../../../workflows/shared/details';
import {
  enqueueRequest,
  grantSlots,
  initialLimiterState,
  positionsToTell,
  renderLimiterDetails,
} from '../../../workflows/shared/region-limiter-logic';
import type { MigrationProgress } from '../../../workflows/report-types';
import type { MigrationRequest } from '../../../workflows/request-types';
import { applyDefaults } from '../../../workflows/shared/validate-request';

const req = applyDefaults(JSON.parse(readFileSync('examples/prefix-task.json', 'utf8')) as MigrationRequest);
const AS_OF = new Date('2026-12-01T06:30:00.000Z');

function progress(overrides: Partial<MigrationProgress> = {}): MigrationProgress {
  return { migration_id: 'm-1', phase: 'running', paused: false, updated_at: AS_OF.toISOString(), ...overrides };
}

describe('migration Current Details', () => {
  test('one fact per list item, dated in workflow time', () => {
    const md = renderDetails(
      req,
      progress({
        task_id: 1759,
        snapshot: {
          id: 1759,
          name: 't',
          status: 2,
          progress: 0.5,
          total_num: 10,
          successful_num: 5,
          failed_num: 0,
          skipped_num: 0,
          total_size: 2048,
          complete_size: 1024,
          real_size: 1024,
          migrate_speed: 512,
          left_time: 2000,
          is_query_over: true,
          total_time: 1000,
          start_time: 0,
          error_reason: null,
          failed_object_record: null,
        },
      }),
      AS_OF,
    );
    const lines = md.split('\n');
    expect(lines).toContain('- Phase: **running**');
    expect(lines).toContain('- OMS task: `1759`');
    expect(lines).toContain('- Status: **EXECUTING** (2) · 50%');
    expect(lines).toContain('- Bytes: 1.0 KiB of 2.0 KiB · 512 B/s · ETA 2s');
    expect(md).toContain('as of 2026-12-01 06:30:00 UTC');
    // No run-on paragraph: every fact line is a list item.
    expect(lines.filter((l) => l.startsWith('- ')).length).toBeGreaterThanOrEqual(5);
  });

  test('a queued migration says which slot it waits for, its place and who runs', () => {
    const md = renderDetails(
      req,
      progress({
        phase: 'waiting_for_slot',
        waiting_for_slot: {
          region: 'cn-north-7',
          position: 3,
          waiting: 4,
          running: 5,
          limit: 5,
          holders: ['a', 'b', 'c', 'd', 'e'],
        },
      }),
      AS_OF,
    );
    expect(md).toContain('Waiting for a cn-north-7 slot (3rd in line; 5 of 5 running: `a`, `b`, `c`, …)');
  });

  test('a paused or blocked migration says so first, with what to do', () => {
    const md = renderDetails(req, progress({ phase: 'paused', paused: true, blocked: 'credentials rejected' }), AS_OF);
    const lines = md.split('\n');
    // Headline, the time it describes, then the facts: what needs doing first.
    expect(lines[2]).toBe('_as of 2026-12-01 06:30:00 UTC (workflow time)_');
    expect(lines[4]).toBe(
      "- **Blocked: credentials rejected.** Fix the worker's credentials; the migration retries by itself.",
    );
    expect(lines[5]).toBe('- **Paused** on request; resume with `oms-orchestrator resume m-1`.');
  });

  test('a queue held up by the creation quota says so', () => {
    const w = { region: 'r', position: 1, waiting: 1, running: 0, limit: 5, holders: [] };
    expect(slotWaitText(w, 10, true)).toBe(
      'Waiting for a r slot (1st in line; 0 of 5 running; the creation quota is used up until its window moves on)',
    );
  });

  test('a place beyond the kept-updated ones reads as the place on joining', () => {
    const w = { region: 'r', position: 42, waiting: 50, running: 2, limit: 0, holders: ['a', 'b'] };
    expect(slotWaitText(w, 10)).toBe('Waiting for a r slot (joined 42nd in line; 2 running: `a`, `b`)');
  });

  test.each([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [4, '4th'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [102, '102nd'],
  ])('ordinal(%p) = %p', (n, text) => {
    expect(ordinal(n)).toBe(text);
  });
});

describe('limiter places in line', () => {
  const slotRequest = (holder: string) => ({
    holder_id: holder,
    request_id: `${holder}#1`,
    creates: true,
    max_running: 2,
    create_quota: 0,
    create_window_ms: 0,
  });

  test('everyone is told once on joining; only the first N again when their place changes', () => {
    const s = initialLimiterState('cn-north-7');
    for (const h of ['h1', 'h2', 'w1', 'w2', 'w3', 'w4']) enqueueRequest(s, slotRequest(h), 0);
    grantSlots(s, 0);
    const told = new Map<string, string>();
    const first = positionsToTell(s, told, 2);
    expect(first.map((p) => [p.holder_id, p.position])).toEqual([
      ['w1', 1],
      ['w2', 2],
      ['w3', 3],
      ['w4', 4],
    ]);
    expect(first[0]).toMatchObject({ region: 'cn-north-7', waiting: 4, running: 2, limit: 2, holders: ['h1', 'h2'] });
    // Nothing changed: nobody is told again.
    expect(positionsToTell(s, told, 2)).toEqual([]);
    // h1 leaves, w1 gets its slot: w2 and w3 move up; only the first two places are kept updated.
    s.holders = s.holders.filter((h) => h.holder_id !== 'h1');
    grantSlots(s, 1);
    const next = positionsToTell(s, told, 2);
    expect(next.map((p) => [p.holder_id, p.position])).toEqual([
      ['w2', 1],
      ['w3', 2],
    ]);
    expect(told.has('w1#1')).toBe(false);
  });

  test('waiters learn when the creation quota, not a running slot, holds the queue', () => {
    const s = initialLimiterState('cn-north-7');
    enqueueRequest(s, { ...slotRequest('w1'), create_quota: 1, create_window_ms: 60_000 }, 0);
    enqueueRequest(s, { ...slotRequest('w2'), create_quota: 1, create_window_ms: 60_000 }, 0);
    const plan = grantSlots(s, 0);
    expect(plan.wake_at).not.toBeNull();
    const told = new Map<string, string>();
    expect(positionsToTell(s, told, 10, plan.wake_at !== null)).toEqual([
      expect.objectContaining({ holder_id: 'w2', position: 1, running: 1, blocked_by: 'creation_quota' }),
    ]);
    // Once the quota no longer holds it, the head is told again (without blocked_by).
    const again = positionsToTell(s, told, 10, false);
    expect(again).toHaveLength(1);
    expect(again[0]!.blocked_by).toBeUndefined();
  });

  test('the limiter details list holders and waiters as bounded markdown tables', () => {
    const s = initialLimiterState('cn-north-7');
    for (let i = 0; i < 30; i++) enqueueRequest(s, slotRequest(`m-${i}`), 0);
    grantSlots(s, 0);
    const md = renderLimiterDetails(s, 65_000);
    expect(md).toContain('### Holders');
    expect(md).toContain('### Waiters');
    expect(md).toContain('- Running: **2** of 2');
    expect(md).toContain('- Waiting: **28**');
    expect(md).toContain('| 1 | `m-2` | 1m05s |');
    expect(md).toContain('… and 18 more');
    expect(md).toContain('as of ');
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBeLessThanOrEqual(2 + 2 + 2 + 11);
  });
});
