/**
 * Generators of invalid batch requests, each broken in one known place: a batch-level option, an unknown or
 * secret-looking key, a contradiction (items with a template), or one item that is an invalid migration request
 * (from {@link invalidRequestArb}) among valid ones. `field` is where the validator must point.
 */
import fc from 'fast-check';

import { formatPath } from '../../../workflows/shared/json-path';
import type { MigrationRequest } from '../../../workflows/request-types';
import { SECRET_KEYS, invalidRequestArb, validRequestArb } from './arbitraries';

export interface InvalidBatchCase {
  batch: Record<string, unknown>;
  /** What was broken (for coverage statistics). */
  kind: string;
  /** The field the refusal must name (or a parent of it). */
  field: string;
  /** A planted secret value that must not be echoed. */
  secret?: string;
}

const TOP_LEVEL_KEYS = new Set([
  'label',
  'items',
  'template',
  'prefixes',
  'list_files',
  'concurrency',
  'failure_policy',
  'orchestration',
  'incremental',
  'continue_as_new_after_items',
]);

const itemsArb = fc.array(validRequestArb, { minLength: 1, maxLength: 3 });

/** One option of an otherwise valid batch set to a bad value: [kind, patch, field]. */
const badOptionArb: fc.Arbitrary<[string, Record<string, unknown>, string]> = fc.oneof(
  fc
    .constantFrom<unknown>(0, 1001, 2.5, -3, '5', null, [5])
    .map((v): [string, Record<string, unknown>, string] => ['concurrency', { concurrency: v }, 'concurrency']),
  fc
    .constantFrom<unknown>(0, 10_001, 'many', 1.5)
    .map((v): [string, Record<string, unknown>, string] => [
      'continue_as_new_after_items',
      { continue_as_new_after_items: v },
      'continue_as_new_after_items',
    ]),
  fc
    .constantFrom<unknown>('x'.repeat(201), 42, { text: 'label' })
    .map((v): [string, Record<string, unknown>, string] => ['label', { label: v }, 'label']),
  fc.constantFrom<[string, Record<string, unknown>, string]>(
    ['failure_policy', { failure_policy: 'stop' }, 'failure_policy'],
    ['failure_policy', { failure_policy: { mode: 'explode' } }, 'failure_policy.mode'],
    [
      'failure_policy',
      { failure_policy: { mode: 'continue', max_failed_items: 2 } },
      'failure_policy.max_failed_items',
    ],
    ['failure_policy', { failure_policy: { mode: 'stop', max_failed_items: 0 } }, 'failure_policy.max_failed_items'],
    ['failure_policy', { failure_policy: { mode: 'stop', retries: 3 } }, 'failure_policy.retries'],
    ['incremental', { incremental: 'nightly' }, 'incremental'],
    ['incremental', { incremental: { schedule_id: '' } }, 'incremental.schedule_id'],
    ['incremental', { incremental: { schedule_id: "x' OR 1=1" } }, 'incremental.schedule_id'],
    ['incremental', { incremental: { schedule_id: 'nightly', overlap_seconds: -1 } }, 'incremental.overlap_seconds'],
    ['orchestration', { orchestration: { poll_interval_seconds: -1 } }, 'orchestration.poll_interval_seconds'],
    ['orchestration', { orchestration: { deadline_seconds: 'soon' } }, 'orchestration.deadline_seconds'],
    ['contradiction', { prefixes: ['logs/'] }, 'prefixes'],
  ),
);

/** Breaks a valid batch of explicit items in one place. */
export const invalidBatchArb: fc.Arbitrary<InvalidBatchCase> = fc.oneof(
  // One invalid item among valid ones: the field is `items[i].<path>`.
  fc
    .tuple(fc.array(validRequestArb, { maxLength: 2 }), invalidRequestArb, fc.array(validRequestArb, { maxLength: 2 }))
    .map(([before, bad, after]): InvalidBatchCase => {
      const items: unknown[] = [...before, bad.request, ...after];
      return {
        batch: { items },
        kind: `item:${bad.mutation.kind}`,
        field: formatPath(['items', before.length, ...bad.mutation.path]),
        ...(bad.mutation.secret !== undefined ? { secret: bad.mutation.secret } : {}),
      };
    }),
  fc.tuple(itemsArb, badOptionArb).map(([items, [kind, patch, field]]) => ({
    batch: { items, ...patch },
    kind,
    field,
  })),
  fc
    .tuple(
      itemsArb,
      fc.stringMatching(/^[a-z][a-z_]{2,15}$/).filter((k) => !TOP_LEVEL_KEYS.has(k)),
    )
    .map(([items, key]) => ({ batch: { items, [key]: 1 }, kind: 'unknown-key', field: key })),
  fc
    .tuple(itemsArb, fc.constantFrom(...SECRET_KEYS), fc.stringMatching(/^[A-Za-z0-9]{12,24}$/))
    .map(([items, key, tail]) => {
      const secret = `SeCrEt-${tail}`;
      return { batch: { items, [key]: secret }, kind: 'raw-secret', field: key, secret };
    }),
  fc.tuple(itemsArb, validRequestArb).map(([items, template]: [MigrationRequest[], MigrationRequest]) => ({
    batch: { items, template },
    kind: 'items-and-template',
    field: 'template',
  })),
  fc.constantFrom<InvalidBatchCase>(
    { batch: { items: [] }, kind: 'empty-items', field: 'items' },
    { batch: { items: 'all of them' }, kind: 'items-not-a-list', field: 'items' },
    { batch: { concurrency: 5 }, kind: 'no-items', field: '$' },
  ),
);
