/**
 * Validation of a migration request, run first thing in the workflow (and by clients before they start one).
 *
 * Pure and deterministic: no I/O, no clock, no randomness, no classes, so it runs unchanged in the workflow
 * sandbox, in activities and in clients. It never throws on any input and collects every problem, not just
 * the first. Messages name fields and never echo values, because a value may be a secret pasted by mistake.
 */
import { ORCHESTRATION_DEFAULTS } from '../request-types';
import type {
  MigrationRequest,
  NormalizedMigrationRequest,
  OrchestrationOptions,
  ResolvedOrchestrationOptions,
  ValidationIssue,
  ValidationResult,
} from '../request-types';
import { isRecord } from './is-record';
import { formatPath } from './json-path';
import type { PathSegment } from './json-path';
import { MAX_REQUEST_BYTES, MIGRATION_REQUEST_SPEC } from './request-spec';
import type { ArraySpec, FieldSpec, NumberSpec, ObjectSpec, StringSpec, ValueSpec } from './request-spec';
import { isSecretKey } from './secret-keys';

export { MAX_OBJECT_KEYS, MAX_REQUEST_BYTES } from './request-spec';

/**
 * Validates an untrusted migration request (e.g. the decoded workflow argument).
 *
 * Checks every rule of `workflows/shared/request-spec.ts` (types, required keys, unknown keys, enums, lengths,
 * patterns, ranges) and the cross-field rules of docs/oms-api.md §5.1 (what each `task_type` needs, Tencent
 * `app_id`, CDN keys, bandwidth windows, …). Raw secrets (`ak`, `sk`, `security_token`, `password`, …) anywhere
 * are refused with a message explaining the `credential_profile` reference to use instead.
 *
 * @param options.rules the rule set (see {@link ValidationRules}); default `v3`, the current one. A workflow
 *   validating its own input must pass the rule set it was started under (`v1` for runs from before `v2`).
 * @returns `{ ok: true, request }` with the defaults applied (see {@link applyDefaults}), or
 *   `{ ok: false, errors }` listing every problem with its JSON path.
 */
export function validateMigrationRequest(input: unknown, options: { rules?: ValidationRules } = {}): ValidationResult {
  const rules = options.rules ?? 'v3';
  const ctx: Context = { rules, issues: [], rejected: new Set(), scanBudget: SECRET_SCAN_BUDGET };
  try {
    if (!isRecord(input)) {
      return { ok: false, errors: [{ field: '$', message: 'must be a JSON object (the migration request)' }] };
    }
    const cleaned = checkObject(input, MIGRATION_REQUEST_SPEC, [], ctx) as CleanRequest;
    checkCrossFieldRules(cleaned, ctx);
    if (rulesAtLeast(rules, 'v2') && ctx.issues.length === 0) checkSize(input, ctx);
    if (ctx.issues.length > 0) return { ok: false, errors: ctx.issues };
    return { ok: true, request: applyDefaults(cleaned as MigrationRequest) };
  } catch {
    // Only exotic inputs get here (throwing getters, proxies): JSON-decoded data never throws while read.
    return { ok: false, errors: [{ field: '$', message: 'could not be read as plain JSON data' }] };
  }
}

/**
 * Which rules a validation applies. `v2` adds to `v1`, which is the first rule set unchanged:
 *
 * - `description` counted in UTF-16 code units, as OMS counts it (an emoji is 2);
 * - region ids: 1 to 64 of `[A-Za-z0-9_-]` starting with a letter or digit (no spaces, line breaks or control
 *   characters), and `dst_node.region` in Huawei Cloud's form (`cn-north-4`, `ap-southeast-1`);
 * - credential profile names: 1 to 64 of `[A-Za-z0-9-]` starting with a letter, the names the worker's
 *   environment can configure;
 * - size: at most {@link MAX_OBJECT_KEYS} `src_node.object_key` entries and {@link MAX_REQUEST_BYTES} of JSON.
 *
 * The validator also runs in the workflow on every replay, so a workflow that validated its request under `v1`
 * (started before these rules) must keep `v1`: tightening a rule never fails a running migration. `v3` adds the
 * optional `notification` object (a completion webhook); under `v1` and `v2` it stays an unknown key, so a run that
 * refused it then refuses it on replay too. Workflows select
 * their set by patch (`rule-sets.ts`); a rule change is a new value here plus a new row there, never an edit of a
 * set in use.
 */
export type ValidationRules = 'v1' | 'v2' | 'v3';

/** Rule sets oldest first; each adds to the one before it. */
const RULE_SET_ORDER: readonly string[] = ['v1', 'v2', 'v3'];

/**
 * Whether `rules` includes everything `since` has. A set this module does not know (a test's stricter set) counts
 * as newer than all.
 */
function rulesAtLeast(rules: ValidationRules, since: ValidationRules): boolean {
  const rank = (r: string): number => {
    const i = RULE_SET_ORDER.indexOf(r);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  return rank(rules) >= rank(since);
}

/** Refuses a request whose JSON is larger than {@link MAX_REQUEST_BYTES}, naming the field that makes it large. */
function checkSize(input: JsonObject, ctx: Context): void {
  const total = jsonByteLength(input);
  if (total <= MAX_REQUEST_BYTES) return;
  addIssue(
    ctx,
    largestPart(input, total),
    `makes the request ${String(total)} bytes of JSON, over the ${String(MAX_REQUEST_BYTES)}-byte limit ` +
      "(which keeps it far under Temporal's 2 MB payload limit); put long object lists in a list file and use a " +
      'list task',
  );
}

/**
 * Path of the part of `value` that makes it large: the largest member, descending while one member holds more
 * than half of its parent (so a long `src_node.object_key` is named, not just `src_node`).
 */
export function largestPart(value: unknown, size = jsonByteLength(value)): PathSegment[] {
  const path: PathSegment[] = [];
  let node = value;
  let nodeSize = size;
  for (let depth = 0; depth < 4 && typeof node === 'object' && node !== null; depth++) {
    let best: { key: PathSegment; size: number; value: unknown } | undefined;
    const entries: [PathSegment, unknown][] = Array.isArray(node)
      ? node.map((item, index): [PathSegment, unknown] => [index, item])
      : Object.entries(node);
    for (const [key, child] of entries) {
      const childSize = jsonByteLength(child);
      if (best === undefined || childSize > best.size) best = { key, size: childSize, value: child };
    }
    if (best === undefined || best.size * 2 <= nodeSize) break;
    path.push(best.key);
    node = best.value;
    nodeSize = best.size;
  }
  return path;
}

/** Bytes of the UTF-8 JSON text of a value (as Temporal's JSON payload converter stores it). */
export function jsonByteLength(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? '');
}

/** UTF-8 byte length of a string (the sandbox has no Buffer; a lone surrogate counts 3 bytes, as U+FFFD). */
function utf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Applies the defaults the orchestrator decides on: `task_type` (`object`), `enable_failed_object_recording`
 * (true) and every orchestration option (see {@link resolveOrchestrationOptions}). Other optional OMS fields
 * are left out so OMS applies its own defaults. Pure; expects an already valid request; idempotent.
 */
export function applyDefaults(request: MigrationRequest): NormalizedMigrationRequest {
  const { task_type, enable_failed_object_recording, orchestration, ...rest } = request;
  return {
    task_type: task_type ?? 'object',
    ...rest,
    enable_failed_object_recording: enable_failed_object_recording ?? true,
    orchestration: resolveOrchestrationOptions(orchestration),
  };
}

/**
 * Fills every missing orchestration option from {@link ORCHESTRATION_DEFAULTS}. An unset
 * `min_poll_interval_seconds` becomes min(5, poll_interval_seconds), so lowering only the interval (as tests
 * do) never produces a floor above it.
 */
export function resolveOrchestrationOptions(options: OrchestrationOptions | undefined): ResolvedOrchestrationOptions {
  const d = ORCHESTRATION_DEFAULTS;
  const poll = options?.poll_interval_seconds ?? d.poll_interval_seconds;
  return {
    poll_interval_seconds: poll,
    min_poll_interval_seconds: options?.min_poll_interval_seconds ?? Math.min(d.min_poll_interval_seconds, poll),
    deadline_seconds: options?.deadline_seconds ?? d.deadline_seconds,
    on_cancel: options?.on_cancel ?? d.on_cancel,
    delete_task_on_success: options?.delete_task_on_success ?? d.delete_task_on_success,
    failed_object_retry_rounds: options?.failed_object_retry_rounds ?? d.failed_object_retry_rounds,
    api_profile: options?.api_profile ?? d.api_profile,
    max_running_per_region: options?.max_running_per_region ?? d.max_running_per_region,
    daily_create_quota: options?.daily_create_quota ?? d.daily_create_quota,
    create_quota_window_seconds: options?.create_quota_window_seconds ?? d.create_quota_window_seconds,
  };
}

/**
 * Formats issues as a multi-line message, one `field: message` per line, for logs and failure messages.
 * At most `maxLines` issues are listed (failure messages are stored in history), then a count of the rest.
 */
export function formatIssues(issues: readonly ValidationIssue[], maxLines = 50, what = 'migration request'): string {
  if (issues.length === 0) return `The ${what} is valid.`;
  const shown = issues.slice(0, Math.max(1, maxLines));
  const lines = shown.map((issue) => `  - ${issue.field}: ${issue.message}`);
  if (issues.length > shown.length) lines.push(`  … and ${String(issues.length - shown.length)} more`);
  const count = issues.length === 1 ? '1 problem' : `${String(issues.length)} problems`;
  return `Invalid ${what} (${count}):\n${lines.join('\n')}`;
}

// --- Structural walk over the field tables ---

/** Most nodes inspected when looking for secret keys inside unknown or mistyped values (bounds the work). */
const SECRET_SCAN_BUDGET = 10_000;
/** Deepest nesting inspected by that search (bounds the recursion, e.g. on cyclic inputs). */
const SECRET_SCAN_DEPTH = 32;

interface Context {
  rules: ValidationRules;
  issues: ValidationIssue[];
  /** Paths of fields that were present but invalid: cross-field rules leave them alone. */
  rejected: Set<string>;
  scanBudget: number;
}

type JsonObject = Record<string, unknown>;

/** Marks a value that failed its rule (it is then left out of the cleaned copy). */
const INVALID = Symbol('invalid');

function addIssue(ctx: Context, path: readonly PathSegment[], message: string): void {
  ctx.issues.push({ field: formatPath(path), message });
}

/** Checks `value` against `spec`; returns a cleaned copy (known keys only) or {@link INVALID}. */
function checkValue(value: unknown, spec: FieldSpec, path: PathSegment[], ctx: Context): unknown {
  const result = checkByKind(value, spec, path, ctx);
  if (result === INVALID) ctx.rejected.add(formatPath(path));
  return result;
}

function checkByKind(value: unknown, spec: FieldSpec, path: PathSegment[], ctx: Context): unknown {
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string' ? checkString(value, spec, path, ctx) : wrongType(value, spec, path, ctx);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? checkNumber(value, spec, path, ctx)
        : wrongType(value, spec, path, ctx);
    case 'boolean':
      return typeof value === 'boolean' ? value : wrongType(value, spec, path, ctx);
    case 'array':
      return Array.isArray(value) ? checkArray(value, spec, path, ctx) : wrongType(value, spec, path, ctx);
    case 'object':
      return isRecord(value) ? checkObject(value, spec, path, ctx) : wrongType(value, spec, path, ctx);
  }
}

const TYPE_NAMES: Readonly<Record<ValueSpec['kind'], string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
};

function wrongType(value: unknown, spec: FieldSpec, path: PathSegment[], ctx: Context): typeof INVALID {
  const expected = spec.kind === 'number' && spec.integer ? 'an integer' : TYPE_NAMES[spec.kind];
  let message = `must be ${expected}`;
  if (value === null) message += spec.required ? ', not null' : ', not null (leave the field out instead)';
  addIssue(ctx, path, message);
  // A mistyped value may still hide a secret (e.g. `"src_node": [{ "ak": … }]`): name it too.
  scanForSecrets(value, path, ctx);
  return INVALID;
}

/** Length in Unicode code points, as JSON Schema counts it (UTF-16 length is an upper bound, so try it first). */
function lengthOf(value: string, limit: number): number {
  return value.length <= limit ? value.length : [...value].length;
}

function checkString(value: string, spec: StringSpec, path: PathSegment[], ctx: Context): unknown {
  if (spec.enum && !spec.enum.includes(value)) {
    addIssue(ctx, path, `must be one of: ${spec.enum.map((v) => JSON.stringify(v)).join(', ')}`);
    return INVALID;
  }
  const min = spec.minLength ?? 0;
  const max = spec.maxLength ?? Number.POSITIVE_INFINITY;
  const utf16 = spec.utf16Length === true && rulesAtLeast(ctx.rules, 'v2');
  const length = utf16 ? value.length : lengthOf(value, max);
  if (length < min || length > max) {
    const unit = utf16 ? 'UTF-16 code units as OMS counts them, an emoji counting 2' : 'characters';
    let message: string;
    if (min === max) message = `must be exactly ${String(max)} characters`;
    else if (length < min) message = min === 1 ? 'must not be empty' : `must be at least ${String(min)} characters`;
    else message = `must be at most ${String(max)} ${unit}${spec.maxLengthNote ? ` (${spec.maxLengthNote})` : ''}`;
    addIssue(ctx, path, message);
    return INVALID;
  }
  // Under the current rules a strict pattern replaces the first one (it implies it), so its message is the one shown.
  const pattern = rulesAtLeast(ctx.rules, 'v2') ? (spec.strictPattern ?? spec.pattern) : spec.pattern;
  if (pattern && !pattern.regex.test(value)) {
    addIssue(ctx, path, pattern.message);
    return INVALID;
  }
  return value;
}

function checkNumber(value: number, spec: NumberSpec, path: PathSegment[], ctx: Context): unknown {
  if (spec.integer && !Number.isInteger(value)) {
    addIssue(ctx, path, 'must be an integer');
    return INVALID;
  }
  if (value > spec.maximum && spec.tooLargeMessage !== undefined) {
    addIssue(ctx, path, spec.tooLargeMessage);
    return INVALID;
  }
  if (value < spec.minimum || value > spec.maximum) {
    addIssue(ctx, path, `must be between ${String(spec.minimum)} and ${String(spec.maximum)}`);
    return INVALID;
  }
  return value;
}

function checkArray(value: readonly unknown[], spec: ArraySpec, path: PathSegment[], ctx: Context): unknown {
  let valid = true;
  if (spec.minItems !== undefined && value.length < spec.minItems) {
    addIssue(ctx, path, `must contain at least ${plural(spec.minItems, 'item')}${spec.minItemsNote ?? ''}`);
    valid = false;
  }
  const maxItems = spec.strictMaxItems && !rulesAtLeast(ctx.rules, 'v2') ? undefined : spec.maxItems;
  if (maxItems !== undefined && value.length > maxItems) {
    addIssue(ctx, path, `must contain at most ${plural(maxItems, 'item')}${spec.maxItemsNote ?? ''}`);
    valid = false;
  }
  // Items are checked even when the length is wrong, so one pass reports everything.
  const items = value.map((item, index) => checkValue(item, spec.items, [...path, index], ctx));
  if (spec.uniqueItems) {
    items.forEach((item, index) => {
      const first = items.indexOf(item);
      if (item !== INVALID && first < index) {
        addIssue(ctx, [...path, index], `duplicates item [${String(first)}]`);
        valid = false;
      }
    });
  }
  // Invalid items stay as `undefined` so cross-field rules keep the indices; the request is invalid anyway.
  return valid ? items.map((item) => (item === INVALID ? undefined : item)) : INVALID;
}

function checkObject(value: JsonObject, spec: ObjectSpec, path: PathSegment[], ctx: Context): JsonObject {
  const cleaned: JsonObject = {};
  const known = (fieldSpec: FieldSpec): boolean =>
    fieldSpec.addedIn === undefined || rulesAtLeast(ctx.rules, fieldSpec.addedIn);
  for (const [key, fieldSpec] of Object.entries(spec.fields)) {
    if (!known(fieldSpec)) continue;
    const childPath = [...path, key];
    if (!Object.hasOwn(value, key) || value[key] === undefined) {
      if (fieldSpec.required) addIssue(ctx, childPath, 'is required');
      continue;
    }
    const result = checkValue(value[key], fieldSpec, childPath, ctx);
    if (result !== INVALID) cleaned[key] = result;
  }
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(spec.fields, key) && known(spec.fields[key]!)) continue;
    const childPath = [...path, key];
    if (isSecretKey(key)) {
      addIssue(ctx, childPath, secretMessage(path));
    } else {
      addIssue(ctx, childPath, unknownKeyMessage(key, spec, ctx.rules));
      scanForSecrets(value[key], childPath, ctx);
    }
  }
  return cleaned;
}

function plural(n: number, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

// --- Secrets and unknown keys ---

/** Where a secret is refused, says where its reference goes. */
function secretMessage(parentPath: readonly PathSegment[]): string {
  const base = 'raw credentials are not accepted in a migration request; store them in a worker credential profile';
  const parent = parentPath.length === 1 ? parentPath[0] : undefined;
  if (parent === 'src_node' || parent === 'dst_node') {
    return `${base} and pass "credential_profile": "<profile name>" instead`;
  }
  if (parent === 'source_cdn') {
    return `${base} and pass "credential_profile": "<profile name>" in source_cdn instead (the profile supplies the CDN key)`;
  }
  return (
    `${base} and reference it by name instead (src_node.credential_profile, dst_node.credential_profile, ` +
    'source_cdn.credential_profile or orchestration.api_profile)'
  );
}

/** Reports secret-named keys nested anywhere in a value that is otherwise refused (unknown or mistyped). */
function scanForSecrets(value: unknown, path: PathSegment[], ctx: Context): void {
  if (ctx.scanBudget <= 0 || path.length > SECRET_SCAN_DEPTH || typeof value !== 'object' || value === null) return;
  ctx.scanBudget -= 1;
  if (Array.isArray(value)) {
    value.forEach((item, index) => scanForSecrets(item, [...path, index], ctx));
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (isSecretKey(key)) addIssue(ctx, [...path, key], secretMessage(path));
    else scanForSecrets(child, [...path, key], ctx);
  }
}

/** `taskType`, `task-type` and `TASK_TYPE` all become `task_type`. */
function normalizeKeySpelling(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[\s.-]+/g, '_');
}

/** Edit distance with an early exit: returns `limit + 1` as soon as the distance must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

function unknownKeyMessage(key: string, spec: ObjectSpec, rules: ValidationRules): string {
  const known = Object.keys(spec.fields).filter((k) => {
    const since = spec.fields[k]!.addedIn;
    return since === undefined || rulesAtLeast(rules, since);
  });
  const spelled = normalizeKeySpelling(key);
  let best: string | undefined;
  let bestDistance = 3;
  if (key.length <= 100) {
    for (const candidate of known) {
      const distance = spelled === candidate ? 0 : editDistance(spelled, candidate, 2);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
  }
  if (best !== undefined) return `unknown key (did you mean "${best}"?)`;
  return `unknown key; allowed keys here: ${known.join(', ')}`;
}

// --- Cross-field rules (docs/oms-api.md §5.1 "Cross-field rules" and the field texts) ---

/** The structurally valid parts of a request (invalid fields are left out and listed in `ctx.rejected`). */
type CleanRequest = Partial<Omit<MigrationRequest, 'bandwidth_policy'>> & {
  bandwidth_policy?: readonly (Partial<{ start: string; end: string }> | undefined)[];
};

/** Cross-field rules; each one only looks at fields that passed their own checks, so nothing is reported twice. */
function checkCrossFieldRules(request: CleanRequest, ctx: Context): void {
  const fail = (field: string, message: string): void => {
    ctx.issues.push({ field, message });
  };
  const wasRejected = (field: string): boolean => ctx.rejected.has(field);

  const taskType = wasRejected('task_type') ? undefined : (request.task_type ?? 'object');
  const src = request.src_node;

  if (src !== undefined && taskType !== undefined) {
    const present = (key: keyof typeof src): boolean => src[key] !== undefined || wasRejected(`src_node.${key}`);
    const isListTask = taskType === 'list' || taskType === 'url_list';

    if (taskType === 'url_list') {
      if (!wasRejected('src_node.cloud_type') && src.cloud_type !== 'URLSource') {
        fail('src_node.cloud_type', 'must be "URLSource" for url_list tasks');
      }
    } else {
      for (const key of ['region', 'bucket', 'credential_profile'] as const) {
        if (!present(key)) fail(`src_node.${key}`, 'is required unless task_type is "url_list"');
      }
      if (src.cloud_type === 'URLSource') {
        fail('src_node.cloud_type', '"URLSource" is only valid for url_list tasks');
      }
    }
    if (isListTask) {
      if (!present('list_file')) fail('src_node.list_file', 'is required for list and url_list tasks');
      if (present('object_key')) fail('src_node.object_key', 'is only used by object and prefix tasks');
    } else {
      if (!present('object_key')) {
        fail('src_node.object_key', 'is required for object and prefix tasks (use [""] for the whole bucket)');
      }
      if (present('list_file')) {
        fail('src_node.list_file', 'is only used by list and url_list tasks (task_type defaults to "object")');
      }
    }
  }

  if (request.consistency_check === 'no_check' && taskType !== undefined && taskType !== 'url_list') {
    fail('consistency_check', '"no_check" is only allowed for url_list (HTTP/HTTPS) sources');
  }

  if (src?.cloud_type === 'Tencent' && !src.app_id && !wasRejected('src_node.app_id')) {
    fail('src_node.app_id', 'is required when cloud_type is "Tencent"');
  }

  for (const [name, node] of [
    ['src_node', src],
    ['dst_node', request.dst_node],
    ['source_cdn', request.source_cdn],
  ] as const) {
    if (node?.kms_key_id !== undefined && node.crypto_type !== 'KMS' && !wasRejected(`${name}.crypto_type`)) {
      fail(`${name}.kms_key_id`, 'is only used with "crypto_type": "KMS"; set crypto_type or remove kms_key_id');
    }
  }

  const cdn = request.source_cdn;
  if (cdn !== undefined && !wasRejected('source_cdn.authentication_type')) {
    const needsKey = cdn.authentication_type !== undefined && cdn.authentication_type !== 'NONE';
    const hasProfile = cdn.credential_profile !== undefined || wasRejected('source_cdn.credential_profile');
    if (needsKey && !hasProfile) {
      fail(
        'source_cdn.credential_profile',
        'is required when authentication_type is not "NONE" (the profile supplies the CDN key)',
      );
    }
    if (!needsKey && cdn.credential_profile !== undefined) {
      fail('source_cdn.credential_profile', 'is only used when authentication_type is set and not "NONE"');
    }
  }

  checkBandwidthWindows(request.bandwidth_policy, fail);

  const orchestration = request.orchestration;
  if (orchestration !== undefined) {
    const min = orchestration.min_poll_interval_seconds;
    const poll = orchestration.poll_interval_seconds ?? ORCHESTRATION_DEFAULTS.poll_interval_seconds;
    if (min !== undefined && !wasRejected('orchestration.poll_interval_seconds') && min > poll) {
      fail(
        'orchestration.min_poll_interval_seconds',
        `must not exceed poll_interval_seconds (${String(ORCHESTRATION_DEFAULTS.poll_interval_seconds)} when not set)`,
      );
    }
    const rounds = orchestration.failed_object_retry_rounds;
    if (rounds !== undefined && rounds > 0 && request.enable_failed_object_recording === false) {
      fail(
        'orchestration.failed_object_retry_rounds',
        'needs enable_failed_object_recording (a retry re-transfers the recorded failed objects): set this to 0 ' +
          'or remove "enable_failed_object_recording": false',
      );
    }
  }
}

/** `hh:mm` (already pattern-checked) to minutes since midnight. */
function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/**
 * Windows are inclusive at both ends (the v1 documentation says so), so `00:00–12:00` and `12:00–23:59` overlap.
 * A window ending before it starts is refused rather than read as crossing midnight: OMS does not document that
 * case, and two windows (`…–23:59`, `00:00–…`) always express it.
 */
function checkBandwidthWindows(
  windows: CleanRequest['bandwidth_policy'],
  fail: (field: string, message: string) => void,
): void {
  if (windows === undefined) return;
  const wellFormed: { index: number; start: number; end: number }[] = [];
  windows.forEach((window, index) => {
    if (window?.start === undefined || window.end === undefined) return;
    const start = minutesOf(window.start);
    const end = minutesOf(window.end);
    if (end < start) {
      fail(
        `bandwidth_policy[${String(index)}].end`,
        'must not be before start; split a window that crosses midnight into two (start to 23:59, 00:00 to end)',
      );
      return;
    }
    for (const other of wellFormed) {
      if (start <= other.end && other.start <= end) {
        fail(
          `bandwidth_policy[${String(index)}]`,
          `overlaps bandwidth_policy[${String(other.index)}] (windows include both ends, so they must not even touch)`,
        );
      }
    }
    wellFormed.push({ index, start, end });
  });
}
