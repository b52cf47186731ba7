/**
 * Workflow-side validation frozen per run (workflows/shared/rule-sets.ts), and the equivalences that let the
 * workflows read normalized values without a patch: a run carried over by continue-as-new re-applies the defaults
 * instead of validating again, and the region limiter reads its limits from the normalized request.
 */
import fc from 'fast-check';

import { COMPLETION_NOTIFY_PATCH, CORE_PROMISES_PATCH } from '../../../workflows/migration-patches';
import { LIMITER_DEFAULTS } from '../../../workflows/limiter-types';
import type { MigrationRequest, OrchestrationOptions } from '../../../workflows/request-types';
import {
  BATCH_RULES_PATCH,
  BATCH_RULE_SETS,
  MIGRATION_RULE_SETS,
  selectRules,
  type RuleSetVersion,
} from '../../../workflows/shared/rule-sets';
import { applyDefaults, validateMigrationRequest } from '../../../workflows/shared/validate-request';
import { validRequestArb } from './arbitraries';

/** Valid requests, some with region-limiter options. */
const limiterOptionsArb: fc.Arbitrary<OrchestrationOptions> = fc.record(
  {
    max_running_per_region: fc.integer({ min: 0, max: 1000 }),
    daily_create_quota: fc.integer({ min: 0, max: 1_000_000 }),
    create_quota_window_seconds: fc.integer({ min: 1, max: 30 * 24 * 3600 }),
  },
  { requiredKeys: [] },
);
const requestArb: fc.Arbitrary<MigrationRequest> = fc
  .tuple(validRequestArb, fc.option(limiterOptionsArb, { nil: undefined }))
  .map(([request, limits]) =>
    limits === undefined ? request : { ...request, orchestration: { ...request.orchestration, ...limits } },
  );

describe('rule-set registries', () => {
  test('the first set has no patch; every later one has its own', () => {
    for (const sets of [MIGRATION_RULE_SETS, BATCH_RULE_SETS]) {
      expect(sets[0]?.patch).toBeNull();
      const patches = sets.slice(1).map((s) => s.patch);
      expect(patches.every((p) => typeof p === 'string')).toBe(true);
      expect(new Set(patches).size).toBe(patches.length);
      expect(new Set(sets.map((s) => s.rules)).size).toBe(sets.length);
    }
  });

  test('a migration validates under v2 with the core-promises marker, v1 without (as recorded runs did)', () => {
    expect(MIGRATION_RULE_SETS.map((s) => s.patch)).toEqual([null, CORE_PROMISES_PATCH, COMPLETION_NOTIFY_PATCH]);
    expect(selectRules(MIGRATION_RULE_SETS, () => true)).toBe('v3');
    expect(selectRules(MIGRATION_RULE_SETS, (id) => id === CORE_PROMISES_PATCH)).toBe('v2');
    expect(selectRules(MIGRATION_RULE_SETS, () => false)).toBe('v1');
  });

  test('a batch validates under v2 with its rules marker, v1 without', () => {
    expect(BATCH_RULES_PATCH).toBe('oms-batch-rules-v2');
    expect(selectRules(BATCH_RULE_SETS, (id) => id === BATCH_RULES_PATCH)).toBe('v2');
    expect(selectRules(BATCH_RULE_SETS, () => false)).toBe('v1');
  });

  test('a new run gets the newest set; a replayed run the newest whose marker it holds', () => {
    const sets: RuleSetVersion[] = [
      { rules: 'v1', patch: null },
      { rules: 'v2', patch: 'a' },
      { rules: 'v3', patch: 'b' },
    ];
    const asked: string[] = [];
    expect(
      selectRules(sets, (id) => {
        asked.push(id);
        return true;
      }),
    ).toBe('v3');
    expect(asked).toEqual(['b']);
    expect(selectRules(sets, (id) => id === 'a')).toBe('v2');
    expect(selectRules(sets, () => false)).toBe('v1');
  });
});

describe('normalized values the workflows read instead of re-validating or reading the raw request', () => {
  test('continue-as-new: re-applying the defaults gives what validating the carried request under v1 gave', () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        const first = validateMigrationRequest(request);
        if (!first.ok) return;
        const carried = first.request;
        const before = validateMigrationRequest(carried, { rules: 'v1' });
        expect(before.ok).toBe(true);
        expect(before.ok && before.request).toEqual(applyDefaults(carried));
      }),
      { numRuns: 300 },
    );
  });

  test('the region limiter: normalized limits equal the raw request’s values or their defaults', () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        const result = validateMigrationRequest(request);
        if (!result.ok) return;
        const raw = request.orchestration;
        const normalized = result.request.orchestration;
        expect(normalized.max_running_per_region).toBe(
          raw?.max_running_per_region ?? LIMITER_DEFAULTS.max_running_per_region,
        );
        expect(normalized.daily_create_quota).toBe(raw?.daily_create_quota ?? LIMITER_DEFAULTS.daily_create_quota);
        expect(normalized.create_quota_window_seconds).toBe(
          raw?.create_quota_window_seconds ?? LIMITER_DEFAULTS.create_quota_window_seconds,
        );
      }),
      { numRuns: 300 },
    );
  });
});
