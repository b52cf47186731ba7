/**
 * Emulator configuration: the schema, the documented defaults (which make the seed example of
 * `docs/oms-api.md §14` work as published) and the deep merge used by the CLI and
 * `startEmulator`. Durations are milliseconds; "simulated" durations run at the time scale, "wall" ones do not.
 */

import { DEFAULT_REGION_INFO, validateRegionInfo, type RegionInfoConfig } from './region-info';

/** An IAM user that can obtain tokens with the password method. */
export interface IamUserConfig {
  /** User id (32 lowercase hex characters on Huawei Cloud). */
  id: string;
  /** Login name (`auth.identity.password.user.name`). */
  name: string;
  /** Login password. Never logged or echoed. */
  password: string;
}

/** A project of a domain. The default project of a region is named after the region id. */
export interface IamProjectConfig {
  /** Project id, used in every OMS path (`/v2/{project_id}/...`). */
  id: string;
  /** Project name, e.g. `cn-north-7`. */
  name: string;
}

/** An IAM domain (account) with its users and projects. */
export interface IamDomainConfig {
  id: string;
  name: string;
  users: IamUserConfig[];
  projects: IamProjectConfig[];
}

/**
 * An AK/SK pair known to the emulator. It authenticates AK/SK-signed OMS calls for the projects of `domainId`,
 * and it is the set of keys a migration task may use for its source and destination (unknown keys make the task
 * fail with TRF.0151 / TRF.0057).
 */
export interface AccessKeyConfig {
  ak: string;
  /** Secret key. Never logged or echoed. */
  sk: string;
  /** Domain the key belongs to. */
  domainId: string;
  /** Set for temporary keys: AK/SK-signed calls must then carry the same `X-Security-Token`. */
  securityToken?: string;
}

/** An object in a bucket fixture. */
export interface ObjectFixture {
  key: string;
  /** Size in bytes; defaults to the UTF-8 length of `content`, else 0. */
  size?: number;
  /** Last modification, epoch ms; defaults to `simulation.fixtureLastModified`. */
  lastModified?: number;
  /** Text content, kept only for small text objects such as list files. */
  content?: string;
  /** Content-Type metadata (list files must be `text/plain`); defaults to `text/plain` when `content` is set. */
  contentType?: string;
}

/**
 * Generates `count` objects of `size` bytes named `${prefix}${zero-padded index}${suffix}`, e.g.
 * `{ count: 200, size: 1048576, prefix: 'logs/' }` gives `logs/000.dat` … `logs/199.dat`.
 */
export interface GeneratorSpec {
  count: number;
  size: number;
  prefix?: string;
  /** Defaults to `.dat`. */
  suffix?: string;
  /** Epoch ms; defaults to `simulation.fixtureLastModified`. */
  lastModified?: number;
}

/** A bucket of the emulated object stores (sources, destinations and list-file buckets alike). */
export interface BucketConfig {
  name: string;
  /** Region of the bucket; defaults to the emulator region. */
  region?: string;
  objects?: ObjectFixture[];
  generate?: GeneratorSpec | GeneratorSpec[];
  /**
   * Domain id owning the bucket on the OBS endpoint: only its access keys may read it (others get 403
   * AccessDenied). Unset: every configured access key may read it.
   */
  owner?: string;
}

/**
 * A deterministic object-failure rule. An object fails with `errorCode` when its source key matches `glob`
 * (`*` = any characters except `/`, `**` = any characters, `?` = one character) or `regex`, and `bucket` (if
 * set) is its source bucket. With `failRuns: n` the object fails only in the task's first n runs, so a retry
 * (StartTask, e.g. with `migrate_failed_object`) can succeed.
 */
export interface FailureRule {
  glob?: string;
  regex?: string;
  bucket?: string;
  errorCode: string;
  failRuns?: number;
}

/** A seeded random object-failure rate: each (task, key, run) fails with probability `rate`. */
export interface FailureRateConfig {
  rate: number;
  errorCode: string;
}

/** The task simulator. */
export interface SimulationConfig {
  /**
   * Simulated ms per wall ms (1000 = a simulated second per wall millisecond). 0 = manual clock: simulated time
   * stands still and moves only by the admin `advanceMs` (tests that must not depend on wall time).
   */
  timeScale: number;
  /** Transfer speed (bytes/s) of a task outside any bandwidth-policy window. */
  defaultSpeedBytesPerSec: number;
  /** Simulated delay between entering status 1 (waiting) and becoming eligible to run. */
  schedulingDelayMs: number;
  /** Simulated time a stopped task spends in status 7 (pausing) before status 3. */
  pauseDurationMs: number;
  /** Running tasks (status 2 or 7) per region; further tasks wait in status 1. */
  maxRunningPerRegion: number;
  /**
   * Objects per member task when a PREFIX task group is split (CreateTaskGroup). OMS splits groups of millions of
   * objects; the emulated buckets are small, so the default is small enough to give the fixtures several members.
   */
  taskGroupObjectsPerTask: number;
  /** Offset from UTC (minutes) of the clock that bandwidth windows (`hh:mm`) refer to. */
  bandwidthUtcOffsetMinutes: number;
  /** Default `lastModified` of fixture and generated objects (epoch ms). */
  fixtureLastModified: number;
  failureRules: FailureRule[];
  failureRate: FailureRateConfig | null;
  /**
   * Lines of the failed-object list written to the destination bucket (`oms/failed_object_lists/<task id>/
   * failed-objects-list.txt`): `keys` = one key (URL-list tasks: the URL-list line) per line; `key-tab-code` =
   * the same, a tab, and the object's failure code (`TRF.xxxx`). OMS documents the list's path, not its lines.
   */
  failedListFormat: 'keys' | 'key-tab-code';
}

/** Per-domain creation quotas (CreateTask). */
export interface QuotaConfig {
  /** Creations allowed in any sliding window of `createWindowMs` (simulated) → OMS.0075 beyond. */
  createsPerWindow: number;
  /** The sliding window of `createsPerWindow`, simulated ms (24 h). */
  createWindowMs: number;
  /** Tasks allowed in status 1 (waiting) → OMS.0076 beyond. */
  maxWaitingTasks: number;
}

/** Authentication. All durations here are wall-clock. */
export interface AuthConfig {
  /** Token lifetime (wall ms), 24 h by default. */
  tokenTtlMs: number;
  /** Allowed |X-Sdk-Date − now| (wall ms), 15 min. */
  sdkDateSkewMs: number;
  /** Consecutive signature failures tolerated per AK before the AK is locked (>5 ⇒ locked). */
  lockoutThreshold: number;
  /** Lock-out duration (wall ms), 5 min. */
  lockoutDurationMs: number;
}

/** The emulator configuration. */
export interface EmulatorConfig {
  /** The region this OMS endpoint serves; `dst_node.region` must equal it. */
  region: string;
  iam: { domains: IamDomainConfig[] };
  accessKeys: AccessKeyConfig[];
  buckets: BucketConfig[];
  simulation: SimulationConfig;
  quotas: QuotaConfig;
  auth: AuthConfig;
  /** What `ShowRegionInfo` and `ShowCloudType` answer (emulator/region-info.ts). */
  regionInfo: RegionInfoConfig;
  /** Largest accepted request body (bytes) → 413 beyond (12 MiB, the AK/SK signing limit). */
  maxBodyBytes: number;
  /** Entries kept in the admin request log (a ring buffer). */
  requestLogSize: number;
  /** Seed of every pseudo-random choice (task ids, name suffixes, rate-based faults and failures). */
  seed: number;
  /** Persistence tuning (only with a data directory). */
  persistence: { debounceMs: number; checkpointIntervalMs: number };
}

/** A deep-partial override of {@link EmulatorConfig}; arrays replace the default arrays as a whole. */
export type EmulatorConfigOverrides = {
  [K in keyof EmulatorConfig]?: EmulatorConfig[K] extends unknown[]
    ? EmulatorConfig[K]
    : EmulatorConfig[K] extends object
      ? { [P in keyof EmulatorConfig[K]]?: EmulatorConfig[K][P] }
      : EmulatorConfig[K];
};

const MIB = 1024 * 1024;

/** The documented defaults (see emulator/README.md). */
export const DEFAULT_EMULATOR_CONFIG: EmulatorConfig = {
  region: 'cn-north-7',
  iam: {
    domains: [
      {
        id: '7c1f0f4e9a8b4d2c8e6a5b3d1f0e9c7a',
        name: 'demo-domain',
        users: [{ id: '5e3b1a9d7c6f4e2a8b0d9c7e5f3a1b2c', name: 'demo-user', password: 'Demo-Passw0rd!' }],
        projects: [{ id: '0215ef11e49d4743be23dd97a1561e91', name: 'cn-north-7' }],
      },
    ],
  },
  accessKeys: [
    {
      ak: 'EMULATORDEMOAK000001',
      sk: 'emulatorDemoSecretKey0000000000000000001',
      domainId: '7c1f0f4e9a8b4d2c8e6a5b3d1f0e9c7a',
    },
  ],
  buckets: [
    {
      name: 'a-test-1',
      region: 'cn-north-7',
      objects: [
        { key: '01.png', size: 2_223_000, contentType: 'image/png' },
        { key: 'list.txt', size: 728, contentType: 'text/plain' },
      ],
    },
    { name: 'api-test-outline', region: 'cn-north-7' },
    {
      name: 'demo-failures',
      region: 'cn-north-7',
      generate: [
        { count: 15, size: 64 * 1024, prefix: 'ok/' },
        { count: 5, size: 64 * 1024, prefix: 'bad/' },
      ],
    },
    {
      name: 'oms-lists',
      region: 'cn-north-7',
      objects: [
        {
          key: 'object_list_file.txt',
          content: Array.from({ length: 10 }, (_, i) => `logs/${String(i).padStart(3, '0')}.dat`).join('\n') + '\n',
        },
        {
          key: 'url_list_file.txt',
          content: 'http://a-test-1.emulator/01.png\t01.png\nhttp://a-test-1.emulator/list.txt\tlist.txt\n',
        },
      ],
    },
    { name: 'demo-logs', region: 'cn-north-7', generate: { count: 200, size: MIB, prefix: 'logs/' } },
  ],
  simulation: {
    timeScale: 1,
    defaultSpeedBytesPerSec: 20 * MIB,
    schedulingDelayMs: 2_000,
    pauseDurationMs: 3_000,
    maxRunningPerRegion: 5,
    taskGroupObjectsPerTask: 10,
    bandwidthUtcOffsetMinutes: 0,
    fixtureLastModified: Date.UTC(2024, 0, 1),
    failureRules: [{ bucket: 'demo-failures', glob: 'bad/**', errorCode: 'TRF.0159' }],
    failureRate: null,
    failedListFormat: 'keys',
  },
  quotas: { createsPerWindow: 1_500, createWindowMs: 24 * 3_600_000, maxWaitingTasks: 1_500 },
  auth: {
    tokenTtlMs: 24 * 3_600_000,
    sdkDateSkewMs: 15 * 60_000,
    lockoutThreshold: 5,
    lockoutDurationMs: 5 * 60_000,
  },
  regionInfo: DEFAULT_REGION_INFO,
  maxBodyBytes: 12 * MIB,
  requestLogSize: 10_000,
  seed: 20_200_104,
  persistence: { debounceMs: 100, checkpointIntervalMs: 2_000 },
};

// The emulator repeats this on purpose: it imports nothing from the product it stands in for.
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A structured deep copy of plain configuration data. */
function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Merges `overrides` over `base` (both left untouched): nested objects merge key by key, arrays and scalars
 * replace. Unknown keys are rejected so that a typo in a config file does not silently fall back to a default.
 */
export function mergeConfig(base: EmulatorConfig, overrides: EmulatorConfigOverrides | undefined): EmulatorConfig {
  const result = clone(base) as unknown as Record<string, unknown>;
  if (overrides === undefined) return result as unknown as EmulatorConfig;
  if (!isPlainObject(overrides)) throw new Error('emulator config must be a JSON object');
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in result)) throw new Error(`unknown emulator config key "${key}"`);
    const current = result[key];
    if (isPlainObject(current) && isPlainObject(value)) {
      for (const [inner, innerValue] of Object.entries(value)) {
        if (innerValue === undefined) continue;
        if (!(inner in current)) throw new Error(`unknown emulator config key "${key}.${inner}"`);
        current[inner] = clone(innerValue);
      }
    } else {
      result[key] = clone(value);
    }
  }
  const merged = result as unknown as EmulatorConfig;
  validateConfig(merged);
  return merged;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`invalid emulator config: ${message}`);
}

function positive(value: unknown, name: string): void {
  check(typeof value === 'number' && Number.isFinite(value) && value > 0, `${name} must be a positive number`);
}

function nonNegative(value: unknown, name: string): void {
  check(typeof value === 'number' && Number.isFinite(value) && value >= 0, `${name} must be a number >= 0`);
}

/** Checks the invariants the emulator relies on; throws one descriptive error for the first violation. */
export function validateConfig(config: EmulatorConfig): void {
  check(typeof config.region === 'string' && config.region.length > 0, 'region must be a non-empty string');
  check(Array.isArray(config.iam.domains), 'iam.domains must be an array');
  const domainIds = new Set<string>();
  for (const domain of config.iam.domains) {
    check(typeof domain.id === 'string' && typeof domain.name === 'string', 'each domain needs an id and a name');
    check(Array.isArray(domain.users) && Array.isArray(domain.projects), `domain ${domain.name} needs users/projects`);
    domainIds.add(domain.id);
  }
  for (const key of config.accessKeys) {
    check(typeof key.ak === 'string' && key.ak.length > 0, 'each access key needs an ak');
    check(typeof key.sk === 'string' && key.sk.length > 0, 'each access key needs an sk');
    check(domainIds.has(key.domainId), 'each access key must name a configured domainId');
  }
  const names = new Set<string>();
  for (const bucket of config.buckets) {
    check(typeof bucket.name === 'string' && bucket.name.length > 0, 'each bucket needs a name');
    check(!names.has(bucket.name), `bucket ${bucket.name} is configured twice`);
    names.add(bucket.name);
    const generators = bucket.generate === undefined ? [] : [bucket.generate].flat();
    for (const spec of generators) {
      check(Number.isInteger(spec.count) && spec.count >= 0, `bucket ${bucket.name}: generate.count must be >= 0`);
      nonNegative(spec.size, `bucket ${bucket.name}: generate.size`);
    }
  }
  const sim = config.simulation;
  nonNegative(sim.timeScale, 'simulation.timeScale');
  positive(sim.defaultSpeedBytesPerSec, 'simulation.defaultSpeedBytesPerSec');
  nonNegative(sim.schedulingDelayMs, 'simulation.schedulingDelayMs');
  nonNegative(sim.pauseDurationMs, 'simulation.pauseDurationMs');
  check(Number.isInteger(sim.maxRunningPerRegion) && sim.maxRunningPerRegion >= 1, 'maxRunningPerRegion must be >= 1');
  check(
    Number.isInteger(sim.taskGroupObjectsPerTask) && sim.taskGroupObjectsPerTask >= 1,
    'taskGroupObjectsPerTask must be an integer >= 1',
  );
  for (const rule of sim.failureRules) {
    check(typeof rule.errorCode === 'string', 'each failure rule needs an errorCode');
    check(rule.glob !== undefined || rule.regex !== undefined, 'each failure rule needs a glob or a regex');
    if (rule.regex !== undefined) {
      try {
        new RegExp(rule.regex);
      } catch {
        check(false, `failure rule regex ${JSON.stringify(rule.regex)} does not compile`);
      }
    }
  }
  check(
    sim.failedListFormat === 'keys' || sim.failedListFormat === 'key-tab-code',
    'simulation.failedListFormat must be "keys" or "key-tab-code"',
  );
  if (sim.failureRate !== null) {
    check(sim.failureRate.rate >= 0 && sim.failureRate.rate <= 1, 'failureRate.rate must be in 0..1');
  }
  nonNegative(config.quotas.createsPerWindow, 'quotas.createsPerWindow');
  positive(config.quotas.createWindowMs, 'quotas.createWindowMs');
  nonNegative(config.quotas.maxWaitingTasks, 'quotas.maxWaitingTasks');
  positive(config.auth.tokenTtlMs, 'auth.tokenTtlMs');
  positive(config.auth.sdkDateSkewMs, 'auth.sdkDateSkewMs');
  validateRegionInfo(config.regionInfo, check);
  positive(config.maxBodyBytes, 'maxBodyBytes');
  positive(config.requestLogSize, 'requestLogSize');
  check(Number.isInteger(config.seed), 'seed must be an integer');
}

/** Builds the effective configuration from overrides (deep-merged over the defaults). */
export function resolveConfig(overrides?: EmulatorConfigOverrides): EmulatorConfig {
  return mergeConfig(DEFAULT_EMULATOR_CONFIG, overrides);
}

/** A copy of the configuration with every secret (passwords, SKs, security tokens) replaced by `***`. */
export function redactConfig(config: EmulatorConfig): EmulatorConfig {
  const copy = clone(config);
  for (const domain of copy.iam.domains) for (const user of domain.users) user.password = '***';
  for (const key of copy.accessKeys) {
    key.ak = `${key.ak.slice(0, 4)}***`;
    key.sk = '***';
    if (key.securityToken !== undefined) key.securityToken = '***';
  }
  return copy;
}
