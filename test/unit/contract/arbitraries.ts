/**
 * fast-check arbitraries for migration requests, shared by the contract tests and (later) the benchmarks:
 * {@link validRequestArb} builds requests the contract accepts, {@link invalidRequestArb} breaks one of them
 * in exactly one known place and says where ({@link Mutation.path}).
 */
import fc from 'fast-check';

import type { PathSegment } from '../../../workflows/shared/json-path';
import { MIGRATION_REQUEST_SPEC } from '../../../workflows/shared/request-spec';
import type { FieldSpec, ValueSpec } from '../../../workflows/shared/request-spec';
import {
  CDN_AUTHENTICATION_TYPES,
  CDN_PROTOCOLS,
  CONSISTENCY_CHECKS,
  DESCRIPTION_MAX_LENGTH,
  DST_STORAGE_POLICIES,
  KNOWN_CLOUD_TYPES,
  OBJECT_OVERWRITE_MODES,
  ON_CANCEL_ACTIONS,
  SMN_LANGUAGES,
  SMN_TRIGGER_CONDITIONS,
  TASK_PRIORITIES,
  TASK_TYPES,
} from '../../../workflows/request-types';
import type {
  BandwidthWindow,
  DestinationNode,
  MigrationRequest,
  OrchestrationOptions,
  SourceCdn,
  SourceNode,
  TaskType,
} from '../../../workflows/request-types';

// --- Leaf values ---

/** Valid credential-profile names (the names the worker's environment can configure). */
export const profileNameArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/);
/** Huawei Cloud region ids (`cn-north-4`, `ap-southeast-1`, `eu-west-101`): any destination, and source. */
export const regionArb = fc.stringMatching(/^[a-z]{2,4}-[a-z]{1,12}(-[0-9]{1,3})?(-[a-z0-9]{1,4})?$/);
/** Source regions of any cloud: Huawei's form, or other clouds' (`us-central1`, `eastus`, `z0`, `cn_hz`). */
export const sourceRegionArb = fc.oneof(regionArb, fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/));
/** Bucket-like names. */
export const bucketArb = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{2,40}$/);
/** Any text (any code point), at most `max` code points. */
const textArb = (max: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength: max });
/** Descriptions OMS accepts: ≤ 215 UTF-16 code units and none of `^ < > & " '`. */
export const descriptionArb = textArb(DESCRIPTION_MAX_LENGTH).map((s) => {
  // OMS counts UTF-16 code units: drop trailing characters until the text fits.
  let text = s.replace(/[\^<>&"']/g, '');
  while (text.length > DESCRIPTION_MAX_LENGTH) text = [...text].slice(0, -1).join('');
  return text;
});
/** 36-character KMS key ids. */
export const kmsKeyIdArb = fc.uuid();
/** `hh:mm` from minutes since midnight. */
export const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** 0–5 bandwidth windows that neither overlap nor touch (ends are inclusive), in random order. */
export const bandwidthPolicyArb: fc.Arbitrary<BandwidthWindow[]> = fc
  .integer({ min: 0, max: 5 })
  .chain((count) =>
    fc.tuple(
      fc.uniqueArray(fc.integer({ min: 0, max: 1439 }), { minLength: 2 * count, maxLength: 2 * count }),
      fc.array(fc.integer({ min: 1_048_576, max: 209_715_200 }), { minLength: count, maxLength: count }),
    ),
  )
  .map(([minutes, caps]) => {
    const sorted = [...minutes].sort((a, b) => a - b);
    return caps.map((max_bandwidth, i) => ({
      start: hhmm(sorted[2 * i]!),
      end: hhmm(sorted[2 * i + 1]!),
      max_bandwidth,
    }));
  })
  .chain((windows) => fc.shuffledSubarray(windows, { minLength: windows.length, maxLength: windows.length }));

/** Optional `crypto_type`/`kms_key_id` pair (a key id only ever comes with `KMS`). */
const cryptoArb = fc.oneof(
  fc.constant({}),
  fc.constant({ crypto_type: 'DEFAULT' as const }),
  fc.record({ crypto_type: fc.constant('KMS' as const), kms_key_id: kmsKeyIdArb }, { requiredKeys: ['crypto_type'] }),
);

// --- Nodes ---

const listFileArb = fc.record(
  {
    list_file_key: fc.stringMatching(/^[a-z0-9/_-]{1,60}\.txt$/),
    obs_bucket: bucketArb,
    list_file_num: fc.stringMatching(/^[0-9]{1,3}$/),
  },
  { requiredKeys: ['list_file_key', 'obs_bucket'] },
);

/** Source-node fields for one cloud type (OMS defaults cloud_type to Aliyun, so it may be left out). */
function bucketSourceArb(cloud_type: string): fc.Arbitrary<SourceNode> {
  const tencent = cloud_type === 'Tencent';
  return fc.record(
    {
      cloud_type: fc.constant(cloud_type),
      region: sourceRegionArb,
      bucket: bucketArb,
      credential_profile: profileNameArb,
      app_id: tencent ? fc.stringMatching(/^[0-9]{6,12}$/) : fc.string({ maxLength: 20 }),
    },
    {
      // Tencent's app_id rule keys on cloud_type, so both stay.
      requiredKeys: tencent
        ? ['cloud_type', 'region', 'bucket', 'credential_profile', 'app_id']
        : ['region', 'bucket', 'credential_profile'],
    },
  );
}

// Built once: constructing arbitraries (regex parsing in particular) inside `chain` would dominate run time.
const bucketSourceArbs = KNOWN_CLOUD_TYPES.filter((c) => c !== 'URLSource').map(bucketSourceArb);
const urlSourceArb = fc.record(
  {
    cloud_type: fc.constant('URLSource'),
    region: sourceRegionArb,
    bucket: bucketArb,
    credential_profile: profileNameArb,
  },
  { requiredKeys: ['cloud_type'] },
);
const objectKeysArb = fc.record({ object_key: fc.array(textArb(60), { minLength: 1, maxLength: 5 }) });
const listFileFieldArb = fc.record({ list_file: listFileArb });

/** A source node that fits `taskType`. */
export function sourceNodeArb(taskType: TaskType): fc.Arbitrary<SourceNode> {
  const withCloud = taskType === 'url_list' ? urlSourceArb : fc.oneof(...bucketSourceArbs);
  const objects = taskType === 'object' || taskType === 'prefix' ? objectKeysArb : listFileFieldArb;
  return fc.tuple(withCloud, objects, cryptoArb).map(([a, b, c]) => ({ ...a, ...b, ...c }));
}

/** A destination node. */
export const destinationNodeArb: fc.Arbitrary<DestinationNode> = fc
  .tuple(
    fc.record(
      { region: regionArb, bucket: bucketArb, credential_profile: profileNameArb, save_prefix: textArb(40) },
      { requiredKeys: ['region', 'bucket', 'credential_profile'] },
    ),
    cryptoArb,
  )
  .map(([node, crypto]) => ({ ...node, ...crypto }));

/** A CDN source; a profile is named exactly when the authentication type needs a key. */
export const sourceCdnArb: fc.Arbitrary<SourceCdn> = fc
  .tuple(
    fc.record({
      domain: fc.domain().filter((d) => d.length <= 255),
      protocol: fc.constantFrom(...CDN_PROTOCOLS),
    }),
    fc.option(fc.constantFrom(...CDN_AUTHENTICATION_TYPES), { nil: undefined }),
    profileNameArb,
    cryptoArb,
  )
  .map(([base, authentication_type, profile, crypto]) => ({
    ...base,
    ...(authentication_type === undefined ? {} : { authentication_type }),
    ...(authentication_type !== undefined && authentication_type !== 'NONE' ? { credential_profile: profile } : {}),
    ...crypto,
  }));

/** Orchestration options within range, with the interval floor not above the interval. */
export const orchestrationArb: fc.Arbitrary<OrchestrationOptions> = fc
  .tuple(
    fc.record(
      {
        poll_interval_seconds: fc.integer({ min: 1, max: 36_000 }).map((n) => n / 10),
        deadline_seconds: fc.integer({ min: 1, max: 30 * 24 * 3600 }),
        on_cancel: fc.constantFrom(...ON_CANCEL_ACTIONS),
        delete_task_on_success: fc.boolean(),
        failed_object_retry_rounds: fc.integer({ min: 0, max: 10 }),
        api_profile: profileNameArb,
      },
      { requiredKeys: [] },
    ),
    fc.option(fc.double({ min: 0.1, max: 1, noNaN: true }), { nil: undefined }),
  )
  .map(([options, fraction]) => {
    if (fraction === undefined) return options;
    const poll = options.poll_interval_seconds ?? 30;
    return { ...options, min_poll_interval_seconds: Math.max(0.1, Math.min(poll, poll * fraction)) };
  });

// --- Requests ---

const smnConfigArb = fc.record(
  {
    topic_urn: fc.stringMatching(/^urn:smn:[a-z0-9-]+:[0-9a-f]{32}:[A-Za-z0-9_-]{1,20}$/),
    trigger_conditions: fc.subarray([...SMN_TRIGGER_CONDITIONS], { minLength: 1 }),
    language: fc.constantFrom(...SMN_LANGUAGES),
    message_template_name: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  },
  { requiredKeys: ['topic_urn', 'trigger_conditions'] },
);

/** Requests of one task type, with any mix of optional fields. */
function requestArb(taskType: TaskType): fc.Arbitrary<MigrationRequest> {
  return fc
    .tuple(
      fc.record({ src_node: sourceNodeArb(taskType), dst_node: destinationNodeArb }),
      fc.record(
        {
          task_type: fc.constant(taskType),
          enable_kms: fc.boolean(),
          description: descriptionArb,
          migrate_since: fc.integer({ min: 0, max: 100_000_000_000 }),
          bandwidth_policy: bandwidthPolicyArb,
          source_cdn: sourceCdnArb,
          smn_config: smnConfigArb,
          enable_metadata_migration: fc.boolean(),
          enable_restore: fc.boolean(),
          enable_failed_object_recording: fc.boolean(),
          object_overwrite_mode: fc.constantFrom(...OBJECT_OVERWRITE_MODES),
          dst_storage_policy: fc.constantFrom(...DST_STORAGE_POLICIES),
          consistency_check: fc.constantFrom(
            ...CONSISTENCY_CHECKS.filter((c) => c !== 'no_check' || taskType === 'url_list'),
          ),
          enable_requester_pays: fc.boolean(),
          task_priority: fc.constantFrom(...TASK_PRIORITIES),
          orchestration: orchestrationArb,
        },
        // `object` may be implied by leaving task_type out.
        { requiredKeys: taskType === 'object' ? [] : ['task_type'] },
      ),
    )
    .map(([nodes, rest]): MigrationRequest => {
      const request: MigrationRequest = { ...rest, ...nodes };
      // Failed-object retries need recording: keep the pair consistent.
      if (request.enable_failed_object_recording === false && request.orchestration) {
        request.orchestration = { ...request.orchestration, failed_object_retry_rounds: 0 };
      }
      return request;
    });
}

/** Requests the contract accepts, for every task type, with any mix of optional fields. */
export const validRequestArb: fc.Arbitrary<MigrationRequest> = fc.oneof(...TASK_TYPES.map(requestArb));

// --- Mutations ---

/** The kinds of damage {@link invalidRequestArb} does. */
export type MutationKind =
  | 'wrong-type'
  | 'out-of-range'
  | 'too-long'
  | 'bad-format'
  | 'forbidden-character'
  | 'missing-required'
  | 'unknown-key'
  | 'raw-secret';

/** One change that makes a valid request invalid. */
export interface Mutation {
  kind: MutationKind;
  /** Where the change was made; the validator must report this path or one of its parents. */
  path: PathSegment[];
  /** The secret value planted by `raw-secret`: it must appear nowhere in the validation result. */
  secret?: string;
}

/** A broken request and what broke it. */
export interface InvalidRequestCase {
  request: Record<string, unknown>;
  mutation: Mutation;
}

/** Keys that carry secrets, in the spellings a request from any language may use. */
export const SECRET_KEYS = [
  'ak',
  'sk',
  'AK',
  'security_token',
  'json_auth_file',
  'connection_string',
  'authentication_key',
  'password',
  'Password',
  'secret',
  'client_secret',
  'secretAccessKey',
  'accessKey',
  'api_key',
  'private_key',
  'sessionToken',
  'src_ak',
  'dst_sk',
] as const;

/** The rule for the value at `path`, or undefined if the path leaves the spec. */
export function specAt(path: readonly PathSegment[]): ValueSpec | undefined {
  let spec: FieldSpec | undefined = MIGRATION_REQUEST_SPEC;
  for (const segment of path) {
    if (spec === undefined) return undefined;
    if (typeof segment === 'number') spec = spec.kind === 'array' ? spec.items : undefined;
    else spec = spec.kind === 'object' && Object.hasOwn(spec.fields, segment) ? spec.fields[segment] : undefined;
  }
  return spec;
}

/** Every key any object of the request spec knows. */
function allKnownKeys(spec: ValueSpec = MIGRATION_REQUEST_SPEC, into = new Set<string>()): Set<string> {
  if (spec.kind === 'array') allKnownKeys(spec.items, into);
  if (spec.kind === 'object') {
    for (const [key, field] of Object.entries(spec.fields)) {
      into.add(key);
      allKnownKeys(field, into);
    }
  }
  return into;
}
const KNOWN_KEYS = allKnownKeys();

interface Node {
  path: PathSegment[];
  value: unknown;
}

/** Every value below the root, depth first. */
function nodesOf(value: unknown, path: PathSegment[] = []): Node[] {
  const nodes: Node[] = path.length > 0 ? [{ path, value }] : [];
  if (Array.isArray(value)) value.forEach((item, i) => nodes.push(...nodesOf(item, [...path, i])));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) nodes.push(...nodesOf(child, [...path, key]));
  }
  return nodes;
}

/** Paths that must be present in this particular request (they depend on task_type, cloud_type, …). */
function requiredPaths(request: MigrationRequest): PathSegment[][] {
  const taskType = request.task_type ?? 'object';
  const paths: PathSegment[][] = [
    ['src_node'],
    ['dst_node'],
    ['dst_node', 'region'],
    ['dst_node', 'bucket'],
    ['dst_node', 'credential_profile'],
  ];
  if (taskType !== 'url_list')
    paths.push(['src_node', 'region'], ['src_node', 'bucket'], ['src_node', 'credential_profile']);
  if (taskType === 'url_list') paths.push(['src_node', 'cloud_type']);
  if (taskType === 'object' || taskType === 'prefix') paths.push(['src_node', 'object_key']);
  else
    paths.push(
      ['src_node', 'list_file'],
      ['src_node', 'list_file', 'list_file_key'],
      ['src_node', 'list_file', 'obs_bucket'],
    );
  if (request.src_node.cloud_type === 'Tencent') paths.push(['src_node', 'app_id']);
  request.bandwidth_policy?.forEach((_, i) => {
    for (const key of ['start', 'end', 'max_bandwidth']) paths.push(['bandwidth_policy', i, key]);
  });
  if (request.smn_config) paths.push(['smn_config', 'topic_urn'], ['smn_config', 'trigger_conditions']);
  if (request.source_cdn) {
    paths.push(['source_cdn', 'domain'], ['source_cdn', 'protocol']);
    if (request.source_cdn.credential_profile !== undefined) paths.push(['source_cdn', 'credential_profile']);
  }
  return paths;
}

/** A JSON value of a different type than `value` (every field has exactly one JSON type, so this is invalid). */
function otherTypeArb(value: unknown): fc.Arbitrary<unknown> {
  const candidates: unknown[] = [null];
  if (typeof value !== 'string') candidates.push('text');
  if (typeof value !== 'number') candidates.push(12345);
  if (typeof value !== 'boolean') candidates.push(true);
  if (!Array.isArray(value)) candidates.push(['x']);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) candidates.push({ x: 1 });
  return fc.constantFrom(...candidates);
}

/** Keys no object of the spec knows: typos of known keys and arbitrary strings. */
const unknownKeyArb: fc.Arbitrary<string> = fc
  .oneof(
    fc
      .constantFrom(...KNOWN_KEYS)
      .chain((key) => fc.constantFrom(`${key}s`, key.replace(/_/g, '-'), key.toUpperCase(), `${key}_`, key.slice(1))),
    fc.string({ minLength: 1, maxLength: 20 }),
  )
  .filter((key) => !KNOWN_KEYS.has(key) && key !== '__proto__');

/** A deep copy of `request` with `value` set at `path` (or the key removed when `value` is `REMOVE`). */
function withChange(request: MigrationRequest, path: readonly PathSegment[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(request) as unknown as Record<string, unknown>;
  let parent: unknown = copy;
  for (const segment of path.slice(0, -1)) parent = (parent as Record<PathSegment, unknown>)[segment];
  const last = path[path.length - 1]!;
  const container = parent as Record<PathSegment, unknown>;
  if (value === REMOVE) delete container[last];
  // defineProperty, not assignment: an own data property whatever the key is.
  else Object.defineProperty(container, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}
const REMOVE = Symbol('remove');
const secretTailArb = fc.stringMatching(/^[A-Za-z0-9]{16}$/);

/** Picks one element; callers only offer non-empty lists (a filter that never passes would loop forever). */
function pick<T>(items: readonly T[]): fc.Arbitrary<T> {
  if (items.length === 0) throw new Error('pick: nothing to pick from');
  return fc.constantFrom(...items);
}

/** One mutation of `request`. */
function mutationsOf(request: MigrationRequest): fc.Arbitrary<InvalidRequestCase> {
  const nodes = nodesOf(request);
  const objectPaths: PathSegment[][] = [
    [],
    ...nodes
      .filter((n) => typeof n.value === 'object' && n.value !== null && !Array.isArray(n.value))
      .map((n) => n.path),
  ];
  const numbers = nodes.filter((n) => typeof n.value === 'number');
  const strings = nodes.filter((n) => typeof n.value === 'string');
  const formatted = strings.filter((n) => {
    const spec = specAt(n.path);
    return (
      spec?.kind === 'string' &&
      (spec.enum !== undefined ||
        ((spec.pattern !== undefined || spec.strictPattern !== undefined) && n.path[0] !== 'description'))
    );
  });
  const make = (kind: MutationKind, path: PathSegment[], value: unknown, secret?: string): InvalidRequestCase => ({
    request: withChange(request, path, value),
    mutation: secret === undefined ? { kind, path } : { kind, path, secret },
  });

  const choices: fc.Arbitrary<InvalidRequestCase>[] = [
    pick(nodes).chain((n) => otherTypeArb(n.value).map((v) => make('wrong-type', n.path, v))),
    pick(requiredPaths(request)).map((path) => make('missing-required', path, REMOVE)),
    fc.tuple(pick(objectPaths), unknownKeyArb).map(([path, key]) => make('unknown-key', [...path, key], 'value')),
    fc.tuple(pick(objectPaths), fc.constantFrom(...SECRET_KEYS), secretTailArb).map(([path, key, tail]) => {
      const secret = `SeCrEt-${tail}`;
      return make('raw-secret', [...path, key], secret, secret);
    }),
    fc
      .constantFrom(...'^<>&"\'')
      .chain((char) => fc.tuple(descriptionArb, fc.constant(char), descriptionArb))
      .map(([a, char, b]) =>
        make('forbidden-character', ['description'], `${a.slice(0, 100)}${char}${b.slice(0, 100)}`),
      ),
  ];
  if (numbers.length > 0) {
    choices.push(
      fc.tuple(pick(numbers), fc.constantFrom(-1, -0.001, 1e12)).map(([n, v]) => make('out-of-range', n.path, v)),
    );
  }
  if (strings.length > 0) {
    choices.push(pick(strings).map((n) => make('too-long', n.path, 'x'.repeat(1025))));
  }
  if (formatted.length > 0) {
    choices.push(
      pick(formatted).map((n) => {
        const spec = specAt(n.path) as { enum?: readonly string[] };
        return make('bad-format', n.path, spec.enum ? 'not-a-valid-value' : '#%!');
      }),
    );
  }
  return fc.oneof(...choices);
}

/** Valid requests broken in exactly one place; see {@link Mutation}. */
export const invalidRequestArb: fc.Arbitrary<InvalidRequestCase> = validRequestArb.chain(mutationsOf);
