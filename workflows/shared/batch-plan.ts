/**
 * Planning a batch: validating the whole batch input up front (every problem, each naming its field, e.g.
 * `items[3].src_node.bucket`), the batch options with defaults applied, and the migration request of item `i`
 * (expanded from the compact spec, with the batch's orchestration options under the item's own).
 *
 * Pure and deterministic (runs in the workflow sandbox, in clients and in unit tests); never throws on any input.
 */
import { BATCH_DEFAULTS, BATCH_FAILURE_MODES, BATCH_MAX_ITEMS } from '../batch-types';
import type { BatchFailureMode, BatchRequest } from '../batch-types';
import type { ListFile, MigrationRequest, OrchestrationOptions, ValidationIssue } from '../request-types';
import { isRecord } from './is-record';
import { formatPath } from './json-path';
import { isSecretKey } from './secret-keys';
import { jsonByteLength, largestPart, validateMigrationRequest } from './validate-request';
import type { ValidationRules } from './validate-request';

/** The batch options with defaults applied (the items stay in the input and are expanded one at a time). */
export interface BatchOptions {
  label: string | null;
  items_total: number;
  concurrency: number;
  failure_mode: BatchFailureMode;
  max_failed_items: number;
  continue_as_new_after_items: number;
  incremental: { schedule_id: string; overlap_seconds: number } | null;
}

/** Outcome of {@link validateBatchRequest}. */
export type BatchValidation = { ok: true; options: BatchOptions } | { ok: false; errors: ValidationIssue[] };

/** Most issues listed; the rest are counted in one last issue (they end up in a failure stored in history). */
export const MAX_LISTED_ISSUES = 200;

const TOP_LEVEL_KEYS: readonly (keyof BatchRequest)[] = [
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
];

/** Schedule ids go into a visibility query: letters, digits and `. _ - : @ /` only. */
const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/u;

/** A request that is valid apart from `orchestration`: validates batch-level orchestration options on their own. */
const STUB_REQUEST: MigrationRequest = {
  src_node: { region: 'cn-north-4', bucket: 'b', credential_profile: 'p', object_key: [''] },
  dst_node: { region: 'cn-north-4', bucket: 'b', credential_profile: 'p' },
};

/**
 * Most bytes (UTF-8 JSON) of a whole batch input under the current rules (`v2`). The input is one payload of the
 * batch's start event, is carried again by every continue-as-new together with the batch's state (up to 1,000
 * report rows and the items in flight), and is stored in a schedule's action: 512 KiB keeps all of that well
 * under Temporal's 2 MB payload limit. Larger batches: split them, or use `template` with short prefixes or
 * list files.
 */
export const MAX_BATCH_BYTES = 512 * 1024;

type Json = Record<string, unknown>;

/** Workflow id of item `index` of a batch: derived from the batch id, so a restarted batch finds its items. */
export function itemWorkflowId(batchId: string, index: number): string {
  return `${batchId}/item-${index}`;
}

/**
 * The object option at `path`, or undefined when it is absent or not an object (reported: `must be an object, e.g.
 * <example>`). Each key not in `allowed` is reported too.
 */
function optionObject(
  value: unknown,
  path: string,
  example: string,
  allowed: readonly string[],
  fail: Fail,
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    fail(path, `must be an object, e.g. ${example}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown key; allowed keys here: ${allowed.join(', ')}`);
  }
  return value;
}

/**
 * Validates a batch input completely: the batch options, then every item as a migration request (explicit items,
 * or the template expanded with each prefix or list file). Returns the options with defaults, or every problem.
 *
 * `options.rules` is the rule set of the migration requests (see `ValidationRules`; default `v2`, the current one),
 * which under `v2` also bounds the batch to {@link MAX_BATCH_BYTES}. The batch workflow validates its input on
 * every replay, so a batch started before `v2` must be validated with `v1`.
 */
export function validateBatchRequest(input: unknown, options: { rules?: ValidationRules } = {}): BatchValidation {
  const rules = options.rules ?? 'v2';
  const errors: ValidationIssue[] = [];
  const fail = (field: string, message: string): void => {
    errors.push({ field, message });
  };
  try {
    if (!isRecord(input)) return { ok: false, errors: [{ field: '$', message: 'must be a JSON object (the batch)' }] };
    for (const key of Object.keys(input)) {
      if ((TOP_LEVEL_KEYS as readonly string[]).includes(key)) continue;
      fail(
        key,
        isSecretKey(key)
          ? 'raw credentials are not accepted; reference worker credential profiles in the requests instead'
          : `unknown key; allowed keys here: ${TOP_LEVEL_KEYS.join(', ')}`,
      );
    }
    const options = checkOptions(input, fail);
    const batchOrchestrationValid = checkBatchOrchestration(input.orchestration, rules, fail);
    const request = input as BatchRequest;
    const orchestration = batchOrchestrationValid ? request.orchestration : undefined;
    const total = checkItems(input, orchestration, rules, fail);
    if (rules === 'v2' && errors.length === 0) checkBatchSize(input, fail);
    if (errors.length > 0) return { ok: false, errors: capIssues(errors) };
    return { ok: true, options: { ...options, items_total: total } };
  } catch {
    return { ok: false, errors: [{ field: '$', message: 'could not be read as plain JSON data' }] };
  }
}

/**
 * The batch options of an input that passed {@link validateBatchRequest}, with defaults applied (used by later
 * workflow runs, which need not validate every item again).
 */
export function batchOptions(input: BatchRequest): BatchOptions {
  const mode = input.failure_policy?.mode ?? 'continue';
  return {
    label: input.label ?? null,
    items_total: itemCount(input),
    concurrency: input.concurrency ?? BATCH_DEFAULTS.concurrency,
    failure_mode: mode,
    max_failed_items: input.failure_policy?.max_failed_items ?? BATCH_DEFAULTS.max_failed_items,
    continue_as_new_after_items: input.continue_as_new_after_items ?? BATCH_DEFAULTS.continue_as_new_after_items,
    incremental: input.incremental
      ? {
          schedule_id: input.incremental.schedule_id,
          overlap_seconds: input.incremental.overlap_seconds ?? BATCH_DEFAULTS.overlap_seconds,
        }
      : null,
  };
}

/** Number of items of a (valid) batch input. */
export function itemCount(input: BatchRequest): number {
  return input.items?.length ?? input.prefixes?.length ?? input.list_files?.length ?? 0;
}

/**
 * The migration request of item `index`: the explicit item, or the template with one prefix / list file; the
 * batch's orchestration options under the item's own; `migrate_since` raised to `migrateSince` (incremental runs).
 */
export function itemRequest(input: BatchRequest, index: number, migrateSince = 0): MigrationRequest {
  let base: MigrationRequest;
  if (input.items) {
    base = input.items[index]!;
  } else {
    const template = input.template!;
    if (input.prefixes) {
      base = {
        ...template,
        task_type: template.task_type ?? 'prefix',
        src_node: { ...template.src_node, object_key: [input.prefixes[index]!] },
      };
    } else {
      base = {
        ...template,
        task_type: template.task_type ?? 'list',
        src_node: { ...template.src_node, list_file: input.list_files![index]! },
      };
    }
  }
  const orchestration = mergeOrchestration(input.orchestration, base.orchestration);
  const request: MigrationRequest = { ...base };
  if (orchestration) request.orchestration = orchestration;
  if (migrateSince > 0) request.migrate_since = Math.max(base.migrate_since ?? 0, migrateSince);
  return request;
}

function mergeOrchestration(
  batch: OrchestrationOptions | undefined,
  item: OrchestrationOptions | undefined,
): OrchestrationOptions | undefined {
  if (!batch) return item;
  if (!item) return batch;
  return { ...batch, ...item };
}

// --- Checks ---

type Fail = (field: string, message: string) => void;

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function checkOptions(input: Json, fail: Fail): Omit<BatchOptions, 'items_total'> {
  if (input.label !== undefined && (typeof input.label !== 'string' || [...input.label].length > 200)) {
    fail('label', 'must be a string of at most 200 characters');
  }
  if (input.concurrency !== undefined && !isInteger(input.concurrency, 1, 1000)) {
    fail('concurrency', 'must be an integer between 1 and 1000');
  }
  if (input.continue_as_new_after_items !== undefined && !isInteger(input.continue_as_new_after_items, 1, 10_000)) {
    fail('continue_as_new_after_items', 'must be an integer between 1 and 10000');
  }
  const policy = optionObject(
    input.failure_policy,
    'failure_policy',
    '{"mode": "stop", "max_failed_items": 3}',
    ['mode', 'max_failed_items'],
    fail,
  );
  if (policy) {
    if (policy.mode !== undefined && !(BATCH_FAILURE_MODES as readonly unknown[]).includes(policy.mode)) {
      fail('failure_policy.mode', `must be one of: ${BATCH_FAILURE_MODES.map((m) => `"${m}"`).join(', ')}`);
    }
    if (policy.max_failed_items !== undefined) {
      if (!isInteger(policy.max_failed_items, 1, BATCH_MAX_ITEMS)) {
        fail('failure_policy.max_failed_items', `must be an integer between 1 and ${BATCH_MAX_ITEMS}`);
      } else if (policy.mode !== 'stop') {
        fail('failure_policy.max_failed_items', 'is only used with "mode": "stop"');
      }
    }
  }
  const incremental = optionObject(
    input.incremental,
    'incremental',
    '{"schedule_id": "nightly-logs"}',
    ['schedule_id', 'overlap_seconds'],
    fail,
  );
  if (incremental) {
    if (typeof incremental.schedule_id !== 'string' || !SCHEDULE_ID.test(incremental.schedule_id)) {
      fail(
        'incremental.schedule_id',
        'must be a schedule id: 1..200 letters, digits, ".", "_", "-", ":", "@" or "/", starting with a letter or digit',
      );
    }
    if (incremental.overlap_seconds !== undefined && !isInteger(incremental.overlap_seconds, 0, 86_400)) {
      fail('incremental.overlap_seconds', 'must be an integer between 0 and 86400');
    }
  }
  return batchOptions(input);
}

/** Refuses a batch whose JSON is larger than {@link MAX_BATCH_BYTES}, naming the field that makes it large. */
function checkBatchSize(input: Json, fail: Fail): void {
  const total = jsonByteLength(input);
  if (total <= MAX_BATCH_BYTES) return;
  fail(
    formatPath(largestPart(input, total).slice(0, 1)),
    `makes the batch ${total} bytes of JSON, over the ${MAX_BATCH_BYTES}-byte limit (which keeps it far under ` +
      "Temporal's 2 MB payload limit); split it into several batches, or use a template with prefixes or list files",
  );
}

/** Checks the batch-level orchestration options on their own; true when they are valid (or absent). */
function checkBatchOrchestration(orchestration: unknown, rules: ValidationRules, fail: Fail): boolean {
  if (orchestration === undefined) return true;
  const check = validateMigrationRequest({ ...STUB_REQUEST, orchestration }, { rules });
  if (check.ok) return true;
  for (const issue of check.errors) fail(issue.field, issue.message);
  return false;
}

/** Checks the items (explicit or expanded from the template); returns their number. */
function checkItems(
  input: Json,
  orchestration: OrchestrationOptions | undefined,
  rules: ValidationRules,
  fail: Fail,
): number {
  const hasItems = input.items !== undefined;
  const hasTemplate = input.template !== undefined;
  if (hasItems && hasTemplate) {
    fail('template', 'cannot be combined with items: give explicit items, or a template with prefixes/list_files');
    return 0;
  }
  if (!hasItems && !hasTemplate) {
    fail('$', 'needs "items" (migration requests), or "template" with "prefixes" or "list_files"');
    return 0;
  }
  if (hasItems) {
    for (const key of ['prefixes', 'list_files'] as const) {
      if (input[key] !== undefined) fail(key, 'is only used with template');
    }
    if (!checkList(input.items, 'items', fail)) return 0;
    const items = input.items as unknown[];
    items.forEach((item, index) => {
      const request = isRecord(item) ? { ...item, orchestration: mergedOrchestration(orchestration, item) } : item;
      const check = validateMigrationRequest(request, { rules });
      if (!check.ok) for (const issue of check.errors) fail(prefixed(`items[${index}]`, issue.field), issue.message);
    });
    return items.length;
  }
  return checkTemplate(input, orchestration, rules, fail);
}

function checkTemplate(
  input: Json,
  orchestration: OrchestrationOptions | undefined,
  rules: ValidationRules,
  fail: Fail,
): number {
  const template = input.template;
  if (!isRecord(template)) {
    fail('template', 'must be an object: a migration request without src_node.object_key / src_node.list_file');
    return 0;
  }
  const usesPrefixes = input.prefixes !== undefined;
  const usesLists = input.list_files !== undefined;
  if (usesPrefixes === usesLists) {
    fail(usesPrefixes ? 'list_files' : 'prefixes', 'template needs exactly one of "prefixes" and "list_files"');
    return 0;
  }
  const key = usesPrefixes ? 'prefixes' : 'list_files';
  if (!checkList(input[key], key, fail)) return 0;
  const src = template.src_node;
  if (isRecord(src)) {
    for (const own of ['object_key', 'list_file'] as const) {
      if (src[own] !== undefined) fail(`template.src_node.${own}`, `is set per item from ${key}; leave it out here`);
    }
  }
  const entries = input[key] as unknown[];
  const perItem = usesPrefixes ? 'src_node.object_key' : 'src_node.list_file';
  const expanded = {
    ...(template as unknown as MigrationRequest),
    orchestration: mergedOrchestration(orchestration, template) as OrchestrationOptions | undefined,
  };
  const probe = (entry: unknown): MigrationRequest =>
    itemRequest(
      usesPrefixes
        ? { template: expanded, prefixes: [entry as string] }
        : { template: expanded, list_files: [entry as ListFile] },
      0,
    );
  entries.forEach((entry, index) => {
    const check = validateMigrationRequest(probe(entry), { rules });
    if (check.ok) return;
    for (const issue of check.errors) {
      if (issue.field === perItem || issue.field.startsWith(`${perItem}.`) || issue.field.startsWith(`${perItem}[`)) {
        const rest = issue.field.slice(perItem.length).replace(/^\[0\]/u, '');
        fail(`${key}[${index}]${rest}`, issue.message);
      } else if (index === 0) {
        // Template problems are the same for every entry: report them once.
        fail(prefixed('template', issue.field), issue.message);
      }
    }
  });
  return entries.length;
}

function checkList(value: unknown, field: string, fail: Fail): boolean {
  if (!Array.isArray(value)) {
    fail(field, 'must be an array');
    return false;
  }
  if (value.length === 0 || value.length > BATCH_MAX_ITEMS) {
    fail(field, `must contain 1 to ${BATCH_MAX_ITEMS} items`);
    return false;
  }
  return true;
}

/** The item's orchestration options over the batch's (undefined stays undefined, so nothing new is invented). */
function mergedOrchestration(batch: OrchestrationOptions | undefined, item: Json): unknown {
  const own = item.orchestration;
  if (batch === undefined) return own;
  if (own === undefined) return batch;
  return isRecord(own) ? { ...batch, ...own } : own;
}

function prefixed(prefix: string, field: string): string {
  if (field === '$') return prefix;
  return field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`;
}

function capIssues(issues: ValidationIssue[]): ValidationIssue[] {
  if (issues.length <= MAX_LISTED_ISSUES) return issues;
  const listed = issues.slice(0, MAX_LISTED_ISSUES);
  listed.push({ field: '$', message: `… and ${issues.length - MAX_LISTED_ISSUES} more problems` });
  return listed;
}
