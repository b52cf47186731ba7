import fs from 'node:fs';
import path from 'node:path';

import {
  MAX_LISTED_ISSUES,
  batchOptions,
  itemRequest,
  itemWorkflowId,
  validateBatchRequest,
} from '../../../workflows/shared/batch-plan';
import type { BatchRequest } from '../../../workflows/batch-types';
import type { MigrationRequest, ValidationIssue } from '../../../workflows/request-types';

const request = (overrides: Partial<MigrationRequest> = {}): MigrationRequest => ({
  task_type: 'prefix',
  src_node: { region: 'cn-north-4', bucket: 'src', credential_profile: 'src', object_key: ['logs/'] },
  dst_node: { region: 'cn-north-4', bucket: 'dst', credential_profile: 'dst' },
  ...overrides,
});

const template = (): MigrationRequest => {
  const { object_key: _keys, ...src } = request().src_node;
  return { ...request(), src_node: src };
};

function issues(input: unknown): ValidationIssue[] {
  const result = validateBatchRequest(input);
  if (result.ok) throw new Error('expected the batch to be invalid');
  return result.errors;
}

const fields = (input: unknown): string[] => issues(input).map((i) => i.field);

describe('validateBatchRequest', () => {
  test('accepts explicit items and applies the defaults', () => {
    const result = validateBatchRequest({ items: [request(), request()] });
    expect(result).toEqual({
      ok: true,
      options: {
        label: null,
        items_total: 2,
        concurrency: 5,
        failure_mode: 'continue',
        max_failed_items: 1,
        continue_as_new_after_items: 200,
        incremental: null,
      },
    });
  });

  test('accepts a compact spec and the batch options', () => {
    const result = validateBatchRequest({
      label: 'nightly',
      template: template(),
      prefixes: ['a/', 'b/', 'c/'],
      concurrency: 3,
      failure_policy: { mode: 'stop', max_failed_items: 2 },
      incremental: { schedule_id: 'nightly-logs', overlap_seconds: 60 },
      continue_as_new_after_items: 10,
      orchestration: { poll_interval_seconds: 10, max_running_per_region: 3 },
    });
    expect(result.ok && result.options).toEqual({
      label: 'nightly',
      items_total: 3,
      concurrency: 3,
      failure_mode: 'stop',
      max_failed_items: 2,
      continue_as_new_after_items: 10,
      incremental: { schedule_id: 'nightly-logs', overlap_seconds: 60 },
    });
  });

  test.each(fs.readdirSync(path.join(__dirname, '../../../examples')).filter((f) => f.startsWith('batch-')))(
    'accepts examples/%s',
    (file) => {
      const json = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../examples', file), 'utf8')) as unknown;
      expect(validateBatchRequest(json)).toMatchObject({ ok: true });
    },
  );

  test('names the field of every problem in the items, with the item index', () => {
    const items = [request(), request(), request(), request({ src_node: { ...request().src_node, bucket: '' } })];
    expect(fields({ items })).toEqual(['items[3].src_node.bucket']);
    const broken = [request({ task_type: 'bucket' as never }), { src_node: request().src_node }];
    expect(fields({ items: broken })).toEqual(['items[0].task_type', 'items[1].dst_node']);
    expect(fields({ items: [request(), 'not a request'] })).toEqual(['items[1]']);
  });

  test('names the batch options that are wrong', () => {
    expect(
      fields({
        items: [request()],
        concurrency: 0,
        continue_as_new_after_items: 1.5,
        failure_policy: { mode: 'halt', max_failed_items: 0, extra: 1 },
        incremental: { schedule_id: "x' OR 1=1", overlap_seconds: -1 },
        label: 7,
        unknown: true,
      }).sort(),
    ).toEqual(
      [
        'unknown',
        'label',
        'concurrency',
        'continue_as_new_after_items',
        'failure_policy.extra',
        'failure_policy.mode',
        'failure_policy.max_failed_items',
        'incremental.schedule_id',
        'incremental.overlap_seconds',
      ].sort(),
    );
    expect(issues({ items: [request()], failure_policy: { max_failed_items: 2 } })).toEqual([
      { field: 'failure_policy.max_failed_items', message: 'is only used with "mode": "stop"' },
    ]);
  });

  test('reports a problem of the batch-level orchestration options once, at the batch level', () => {
    const errors = issues({ items: [request(), request(), request()], orchestration: { poll_interval_seconds: 0 } });
    expect(errors.map((e) => e.field)).toEqual(['orchestration.poll_interval_seconds']);
  });

  test("an item's own orchestration options win over the batch's", () => {
    const items = [request({ orchestration: { poll_interval_seconds: 1 } })];
    // min 5 > the batch's poll 2 would be invalid, but the item's own poll 10 allows it.
    const ok = validateBatchRequest({
      items: [request({ orchestration: { poll_interval_seconds: 10 } })],
      orchestration: { poll_interval_seconds: 2, min_poll_interval_seconds: 2 },
    });
    expect(ok.ok).toBe(true);
    expect(fields({ items, orchestration: { min_poll_interval_seconds: 5 } })).toEqual([
      'items[0].orchestration.min_poll_interval_seconds',
    ]);
  });

  test('refuses raw credentials anywhere', () => {
    expect(fields({ items: [request()], ak: 'AKIA' })).toEqual(['ak']);
    const withSecret = request({ src_node: { ...request().src_node, ...({ sk: 'secret' } as object) } });
    expect(fields({ items: [withSecret] })).toEqual(['items[0].src_node.sk']);
  });

  test('compact spec: template problems once, per-entry problems with the entry index', () => {
    const { src_node } = template();
    const long = 'x'.repeat(1025);
    expect(
      fields({ template: { ...template(), src_node: { ...src_node, bucket: '' } }, prefixes: ['a/', long, 'c/'] }),
    ).toEqual(['template.src_node.bucket', 'prefixes[1]']);
    expect(
      fields({
        template: { ...template(), task_type: 'list' },
        list_files: [{ obs_bucket: 'b', list_file_key: 'k' }, { obs_bucket: 'b' }],
      }),
    ).toEqual(['list_files[1].list_file_key']);
  });

  test('compact spec: structure errors', () => {
    expect(fields({ template: template(), items: [request()] })).toEqual(['template']);
    expect(fields({})).toEqual(['$']);
    expect(fields({ template: template() })).toEqual(['prefixes']);
    expect(fields({ template: template(), prefixes: ['a'], list_files: [] })).toEqual(['list_files']);
    expect(fields({ template: template(), prefixes: [] })).toEqual(['prefixes']);
    expect(fields({ items: [request()], prefixes: ['a'] })).toEqual(['prefixes']);
    expect(fields({ template: request(), prefixes: ['a'] })).toEqual(['template.src_node.object_key']);
    expect(fields('a batch')).toEqual(['$']);
  });

  test('lists at most MAX_LISTED_ISSUES problems and counts the rest', () => {
    const bad = request({ src_node: { ...request().src_node, bucket: '' } });
    const errors = issues({ items: Array.from({ length: 300 }, () => bad) });
    expect(errors).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(errors.at(-1)).toEqual({ field: '$', message: '… and 100 more problems' });
  });

  test('validates 10,000 items of a compact spec quickly', () => {
    const prefixes = Array.from({ length: 10_000 }, (_, i) => `logs/${i}/`);
    const started = Date.now();
    const result = validateBatchRequest({ template: template(), prefixes });
    expect(result.ok && result.options.items_total).toBe(10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('itemRequest', () => {
  test('expands prefixes and list files from the template', () => {
    const batch: BatchRequest = { template: { ...template(), task_type: undefined }, prefixes: ['a/', 'b/'] };
    expect(itemRequest(batch, 1)).toEqual({
      ...template(),
      task_type: 'prefix',
      src_node: { ...template().src_node, object_key: ['b/'] },
    });
    const list = { obs_bucket: 'lists', list_file_key: 'k.txt' };
    const lists: BatchRequest = { template: { ...template(), task_type: undefined }, list_files: [list] };
    expect(itemRequest(lists, 0)).toMatchObject({ task_type: 'list', src_node: { list_file: list } });
    const urls: BatchRequest = {
      template: { task_type: 'url_list', src_node: { cloud_type: 'URLSource' }, dst_node: template().dst_node },
      list_files: [list],
    };
    expect(itemRequest(urls, 0)).toMatchObject({
      task_type: 'url_list',
      src_node: { cloud_type: 'URLSource', list_file: list },
    });
  });

  test("puts the batch's orchestration options under the item's own", () => {
    const batch: BatchRequest = {
      items: [request({ orchestration: { poll_interval_seconds: 5 } }), request()],
      orchestration: { poll_interval_seconds: 60, max_running_per_region: 3 },
    };
    expect(itemRequest(batch, 0).orchestration).toEqual({ poll_interval_seconds: 5, max_running_per_region: 3 });
    expect(itemRequest(batch, 1).orchestration).toEqual({ poll_interval_seconds: 60, max_running_per_region: 3 });
    expect(itemRequest({ items: [request()] }, 0)).toEqual(request());
  });

  test('raises migrate_since to the watermark, keeping a later one the item sets', () => {
    const batch: BatchRequest = { items: [request(), request({ migrate_since: 2_000_000_000 })] };
    expect(itemRequest(batch, 0, 1_700_000_000).migrate_since).toBe(1_700_000_000);
    expect(itemRequest(batch, 1, 1_700_000_000).migrate_since).toBe(2_000_000_000);
    expect(itemRequest(batch, 0, 0).migrate_since).toBeUndefined();
  });

  test('item ids derive from the batch id', () => {
    expect(itemWorkflowId('nightly-2026-01-01T02:00:00Z', 12)).toBe('nightly-2026-01-01T02:00:00Z/item-12');
    expect(batchOptions({ items: [request()] }).items_total).toBe(1);
  });
});
