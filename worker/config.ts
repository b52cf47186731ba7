/**
 * Worker configuration from the environment: parsed once into a frozen object, with every problem reported in one
 * error at start-up. Secrets come from `OMS_PROFILE_<NAME>_<FIELD>` variables (or `..._FILE` paths to files) and an
 * optional JSON credentials file; they never appear in `describeConfig()` or any log.
 */
import fs from 'node:fs';

import { staticCredentialStore, type CredentialProfile, type CredentialStore } from '../activities/credentials';

/** The resolved worker configuration. */
export interface WorkerConfig {
  temporal: { address: string; namespace: string; taskQueue: string };
  oms: {
    endpoint: string;
    iamEndpoint: string;
    projectId: string;
    authMode: 'token' | 'aksk';
    tokenRefreshBeforeExpiryMs: number;
    httpTimeoutMs: number;
  };
  worker: {
    maxConcurrentActivities: number;
    maxConcurrentWorkflowTasks: number;
    maxCachedWorkflows: number;
    /** Prebuilt workflow bundle (`npm run build` writes lib/workflow-bundle.js); unset: bundle `workflows/` at start. */
    workflowBundlePath?: string;
    maxApiRequestsPerSecond?: number;
    shutdownGraceMs: number;
    /** How long start-up waits for an unreachable Temporal server (0: fail at once). */
    connectTimeoutMs: number;
    logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  };
  credentials: CredentialStore;
}

/** Default sticky-cache size (`WORKER_MAX_CACHED_WORKFLOWS`). */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

/** Per-profile variable suffixes and the profile field each fills. */
export const PROFILE_FIELDS: Readonly<Record<string, keyof CredentialProfile>> = {
  AK: 'ak',
  SK: 'sk',
  SECURITY_TOKEN: 'securityToken',
  IAM_USER: 'iamUser',
  IAM_PASSWORD: 'iamPassword',
  IAM_DOMAIN: 'iamDomain',
  IAM_DOMAIN_ID: 'iamDomainId',
  CDN_AUTHENTICATION_KEY: 'cdnAuthenticationKey',
};

/** Thrown when the environment is invalid; `problems` lists every one. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid worker configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Parses and validates the environment. Throws {@link ConfigError} listing every problem. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const str = (name: string, fallback?: string): string => {
    const v = env[name]?.trim();
    if (v) return v;
    if (fallback === undefined) problems.push(`${name} is required`);
    return fallback ?? '';
  };
  const allowInsecureHttp = /^(1|true|yes)$/i.test(env.OMS_ALLOW_INSECURE_HTTP?.trim() ?? '');
  const url = (name: string, fallback?: string): string => {
    const v = str(name, fallback);
    if (v && !/^https?:\/\/[^\s]+$/.test(v)) problems.push(`${name} must be an http(s) URL`);
    else if (/^http:/i.test(v) && !allowInsecureHttp) {
      problems.push(
        `${name} uses plain http: IAM passwords, tokens and signed requests would travel in clear. Use https, or ` +
          'set OMS_ALLOW_INSECURE_HTTP=true for a local emulator',
      );
    }
    return v.replace(/\/+$/, '');
  };
  const int = (name: string, fallback: number | undefined, min: number, max: number): number | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const match = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (!match) problems.push(`${name} must be one of ${allowed.join(', ')}`);
    return match ?? fallback;
  };
  const readableFile = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    try {
      fs.accessSync(raw, fs.constants.R_OK);
    } catch {
      problems.push(`${name} (${raw}) is not a readable file; build it with \`npm run build\``);
    }
    return raw;
  };

  const endpoint = url('OMS_ENDPOINT');
  const config = {
    temporal: {
      address: str('TEMPORAL_ADDRESS', '127.0.0.1:7233'),
      namespace: str('TEMPORAL_NAMESPACE', 'default'),
      taskQueue: str('OMS_TASK_QUEUE', 'oms-migrations'),
    },
    oms: {
      endpoint,
      iamEndpoint: url('OMS_IAM_ENDPOINT', endpoint || undefined),
      projectId: str('OMS_PROJECT_ID'),
      authMode: oneOf('OMS_AUTH_MODE', ['token', 'aksk'] as const, 'token'),
      tokenRefreshBeforeExpiryMs: int('OMS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS', 300, 0, 86_400)! * 1000,
      // Capped well below the activities' 60 s start-to-close (a call may also need an IAM call and a 401 retry).
      httpTimeoutMs: int('OMS_HTTP_TIMEOUT_SECONDS', 20, 1, 25)! * 1000,
    },
    worker: {
      maxConcurrentActivities: int('WORKER_MAX_CONCURRENT_ACTIVITIES', 100, 1, 10_000)!,
      maxConcurrentWorkflowTasks: int('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 40, 2, 10_000)!,
      // Bounded by default (the SDK's default grows with the heap limit: thousands on a large machine). A migration
      // wakes its workflow a handful of times in its life, so a miss costs one replay of a short history, while
      // every cached workflow costs memory for as long as it waits (see docs/benchmarks.md, capacity).
      maxCachedWorkflows: int('WORKER_MAX_CACHED_WORKFLOWS', DEFAULT_MAX_CACHED_WORKFLOWS, 0, 1_000_000)!,
      workflowBundlePath: readableFile('WORKER_WORKFLOW_BUNDLE'),
      maxApiRequestsPerSecond: int('WORKER_MAX_API_REQUESTS_PER_SECOND', undefined, 1, 100_000),
      shutdownGraceMs: int('WORKER_SHUTDOWN_GRACE_SECONDS', 10, 0, 3600)! * 1000,
      connectTimeoutMs: int('WORKER_CONNECT_TIMEOUT_SECONDS', 120, 0, 86_400)! * 1000,
      logLevel: oneOf('LOG_LEVEL', ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const, 'INFO'),
    },
    credentials: loadCredentials(env, problems),
  };
  if (config.credentials.names().length === 0) {
    problems.push(
      'no credential profiles: set OMS_PROFILE_<NAME>_AK/_SK (and _IAM_USER/_IAM_PASSWORD) or OMS_CREDENTIALS_FILE',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** Reads profiles from `OMS_CREDENTIALS_FILE` (JSON `{ "profiles": { name: {...} } }`) and the environment. */
function loadCredentials(env: Env, problems: string[]): CredentialStore {
  const profiles: Record<string, CredentialProfile> = {};
  const file = env.OMS_CREDENTIALS_FILE?.trim();
  if (file) {
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { profiles?: Record<string, CredentialProfile> };
      for (const [name, p] of Object.entries(parsed.profiles ?? {})) profiles[name.toLowerCase()] = { ...p };
    } catch (err) {
      // The message of a JSON error can quote file content (secrets): name the file and the kind of problem only.
      const kind = err instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
      problems.push(`OMS_CREDENTIALS_FILE (${file}) ${kind}`);
    }
  }
  const pattern = new RegExp(`^OMS_PROFILE_([A-Z0-9_]+?)_(${Object.keys(PROFILE_FIELDS).join('|')})(_FILE)?$`);
  for (const [key, value] of Object.entries(env)) {
    const m = pattern.exec(key);
    if (!m || value === undefined) continue;
    const [, rawName, suffix, fromFile] = m;
    const name = rawName!.toLowerCase().replace(/_/g, '-');
    let secret = value;
    if (fromFile) {
      try {
        secret = fs.readFileSync(value, 'utf8').trim();
      } catch {
        problems.push(`${key}: cannot read the file it names`);
        continue;
      }
    }
    (profiles[name] ??= {})[PROFILE_FIELDS[suffix!]!] = secret;
  }
  return staticCredentialStore(profiles);
}

/** A loggable summary of the configuration: endpoints, limits and profile names, never secrets. */
export function describeConfig(config: WorkerConfig): Record<string, unknown> {
  return {
    temporal: config.temporal,
    oms: { ...config.oms, endpoint: redactUrl(config.oms.endpoint), iamEndpoint: redactUrl(config.oms.iamEndpoint) },
    worker: config.worker,
    credentialProfiles: config.credentials.names(),
  };
}

/** A URL fit for a log: user info (`user:password@`) and query string replaced by `***`. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    if (u.search) u.search = '?***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}
