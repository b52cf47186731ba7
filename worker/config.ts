/**
 * Worker configuration from the environment: parsed once into a frozen object, with every problem reported in one
 * error at start-up. Secrets come from `OMS_PROFILE_<NAME>_<FIELD>` variables (or `..._FILE` paths to files) and an
 * optional JSON credentials file; they never appear in `describeConfig()` or any log.
 */
import fs from 'node:fs';

import type { DataConverter } from '@temporalio/common';
import net from 'node:net';

import type { NotificationSettings } from '../activities/context';
import {
  PROFILE_ENV_FIELDS,
  PROFILE_NAME_PATTERN,
  profileEnvVar,
  staticCredentialStore,
  type CredentialProfile,
  type CredentialStore,
} from '../activities/credentials';
import {
  TemporalConfigError,
  describeTemporalSettings,
  loadTemporalSettings,
  type TemporalSettings,
} from '../client/temporal-settings';
import { integerEnvReader } from '../client/env-int';
import { DEFAULT_SUMMARY_KEYS } from '../activities/failed-objects';
import { DEFAULT_OBS_ENDPOINT, obsEndpointFor } from '../activities/obs/client';
import { DEFAULT_TASK_QUEUE } from '../client/migration-client';
import { CodecConfigError, dataConverterFromEnv, describeCodec, type CodecDescription } from '../client/codec';
import { isLoopbackHost } from '../activities/notify';
import { WEBHOOK_URL_PATTERN } from '../workflows/shared/request-spec';

/** The resolved worker configuration. */
export interface WorkerConfig {
  /**
   * `address`/`namespace` and the rest of {@link TemporalSettings} come from the Temporal client config (env
   * `TEMPORAL_*`, the TOML profile); `connection` carries the TLS material and the API key: never log it, use
   * {@link describeConfig}.
   */
  temporal: { address: string; namespace: string; taskQueue: string; connection: TemporalSettings };
  oms: {
    endpoint: string;
    iamEndpoint: string;
    /** `OMS_ALLOW_INSECURE_HTTP`: plain-http endpoints are accepted (a local emulator); the worker warns at start. */
    allowInsecureHttp: boolean;
    projectId: string;
    authMode: 'token' | 'aksk';
    tokenRefreshBeforeExpiryMs: number;
    httpTimeoutMs: number;
  };
  /** OBS, for reading failed-object lists from destination buckets. */
  obs: {
    /**
     * `OMS_OBS_ENDPOINT`: endpoint template, `{region}` replaced by the bucket's region (default
     * `https://obs.{region}.myhuaweicloud.com`); plain http only with `OMS_ALLOW_INSECURE_HTTP=true`.
     */
    endpoint: string;
    /** `OMS_FAILED_OBJECTS_SUMMARY_KEYS`: keys kept in a report's failed-object summary (0..100, default 20). */
    summaryKeys: number;
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
    /**
     * `WORKER_METRICS_BIND`: `IP:port` where the Prometheus endpoint (`/metrics`) listens, e.g. `127.0.0.1:9464`;
     * unset: no metrics are exported.
     */
    metricsBind?: string;
    logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  };
  credentials: CredentialStore;
  /**
   * Completion webhooks (docs/notifications.md): `OMS_NOTIFY_WEBHOOK_URL` + `OMS_NOTIFY_CREDENTIAL_PROFILE` (the
   * default webhook for requests without `notification`), `OMS_NOTIFY_ALLOW_INSECURE_HTTP`,
   * `OMS_NOTIFY_TIMEOUT_SECONDS`. The URL may carry a token: log it through {@link describeConfig} only.
   */
  notification: NotificationSettings;
  /**
   * Payload encryption (`OMS_CODEC_KEYS` / `OMS_CODEC_KEYS_FILE` / `OMS_CODEC_ACTIVE_KEY_ID`): the data converter
   * for the worker and its own client, undefined when off. The keys are inside: log `description` only.
   */
  codec: { dataConverter?: DataConverter; description: CodecDescription };
}

/** Default sticky-cache size (`WORKER_MAX_CACHED_WORKFLOWS`). */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

/** Per-profile variable suffixes and the profile field each fills. */
export const PROFILE_FIELDS = PROFILE_ENV_FIELDS;

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
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (raw !== 'true' && raw !== 'false') problems.push(`${name} must be true or false`);
    return raw === 'true';
  };
  const allowInsecureHttp = bool('OMS_ALLOW_INSECURE_HTTP', false);
  // Endpoints carry IAM passwords, tokens and signed requests: https only, unless plain http is allowed explicitly
  // (loopback is no exception: a forwarded port or a shared host may sit behind it). The value is never echoed:
  // it may hold user info.
  const url = (name: string, fallback?: string): string => {
    const v = str(name, fallback);
    if (!v || !env[name]?.trim()) return v.replace(/\/+$/, ''); // missing, or the fallback (checked under its own name)
    let parsed: URL | undefined;
    try {
      parsed = new URL(v);
    } catch {
      // reported below
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || /\s/.test(v)) {
      problems.push(`${name} must be an http(s) URL`);
    } else {
      if (parsed.username || parsed.password) {
        problems.push(
          `${name} must not contain user info (user:password@): it is not sent (OMS and IAM authenticate with the ` +
            'credential profiles) and would keep a password in a variable no log treats as secret',
        );
      }
      if (parsed.search || parsed.hash || v.includes('?') || v.includes('#')) {
        problems.push(`${name} must be a base URL without a query string or fragment (request paths are appended)`);
      }
      if (parsed.protocol === 'http:' && !allowInsecureHttp) {
        problems.push(
          `${name} uses plain http: IAM passwords, tokens and signed requests would travel in clear. Use https, ` +
            'or set OMS_ALLOW_INSECURE_HTTP=true for a local emulator',
        );
      }
    }
    return v.replace(/\/+$/, '');
  };
  const int = integerEnvReader(env, problems);
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const match = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (!match) problems.push(`${name} must be one of ${allowed.join(', ')}`);
    return match ?? fallback;
  };
  // The metrics exporter binds a socket address: an IP literal (a host name is refused by it) and a fixed port.
  const bindAddress = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    if (!isBindAddress(raw)) {
      problems.push(
        `${name} must be IP:port, e.g. 127.0.0.1:9464, 0.0.0.0:9464 or [::1]:9464 (an IP address, not a host ` +
          'name; port 1-65535)',
      );
    }
    return raw;
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
  const obsEndpoint = obsEndpointTemplate(env, allowInsecureHttp, problems);
  let connection: TemporalSettings | undefined;
  try {
    connection = loadTemporalSettings({}, env);
  } catch (err) {
    if (!(err instanceof TemporalConfigError)) throw err;
    problems.push(...err.problems);
  }
  const credentials = loadCredentials(env, problems);
  const config = {
    temporal: {
      address: connection?.address ?? '',
      namespace: connection?.namespace ?? '',
      taskQueue: str('OMS_TASK_QUEUE', DEFAULT_TASK_QUEUE),
      connection: connection!,
    },
    oms: {
      endpoint,
      iamEndpoint: url('OMS_IAM_ENDPOINT', endpoint || undefined),
      allowInsecureHttp,
      projectId: str('OMS_PROJECT_ID'),
      authMode: oneOf('OMS_AUTH_MODE', ['token', 'aksk'] as const, 'token'),
      tokenRefreshBeforeExpiryMs: int('OMS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS', 300, 0, 86_400) * 1000,
      // Capped well below the activities' 60 s start-to-close (a call may also need an IAM call and a 401 retry).
      httpTimeoutMs: int('OMS_HTTP_TIMEOUT_SECONDS', 20, 1, 25) * 1000,
    },
    obs: {
      endpoint: obsEndpoint,
      summaryKeys: int('OMS_FAILED_OBJECTS_SUMMARY_KEYS', DEFAULT_SUMMARY_KEYS, 0, 100),
    },
    worker: {
      maxConcurrentActivities: int('WORKER_MAX_CONCURRENT_ACTIVITIES', 100, 1, 10_000),
      maxConcurrentWorkflowTasks: int('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 40, 2, 10_000),
      // Bounded by default (the SDK's default grows with the heap limit: thousands on a large machine). A migration
      // wakes its workflow a handful of times in its life, so a miss costs one replay of a short history, while
      // every cached workflow costs memory for as long as it waits (see docs/benchmarks.md, capacity).
      maxCachedWorkflows: int('WORKER_MAX_CACHED_WORKFLOWS', DEFAULT_MAX_CACHED_WORKFLOWS, 0, 1_000_000),
      workflowBundlePath: readableFile('WORKER_WORKFLOW_BUNDLE'),
      maxApiRequestsPerSecond: int('WORKER_MAX_API_REQUESTS_PER_SECOND', undefined, 1, 100_000),
      shutdownGraceMs: int('WORKER_SHUTDOWN_GRACE_SECONDS', 10, 0, 3600) * 1000,
      connectTimeoutMs: int('WORKER_CONNECT_TIMEOUT_SECONDS', 120, 0, 86_400) * 1000,
      metricsBind: bindAddress('WORKER_METRICS_BIND'),
      logLevel: oneOf('LOG_LEVEL', ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const, 'INFO'),
    },
    credentials,
    codec: loadCodec(env, problems),
    notification: loadNotification(env, problems, credentials, bool, int),
  };
  if (config.credentials.names().length === 0) {
    problems.push(
      'no credential profiles: set OMS_PROFILE_<NAME>_AK/_SK (and _IAM_USER/_IAM_PASSWORD) or OMS_CREDENTIALS_FILE',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/**
 * `OMS_OBS_ENDPOINT`, checked with a sample region in place of `{region}`: an http(s) base URL without user info,
 * path, query or fragment (the OBS SDK keeps only scheme, host and port).
 */
function obsEndpointTemplate(env: Env, allowInsecureHttp: boolean, problems: string[]): string {
  const raw = env.OMS_OBS_ENDPOINT?.trim();
  if (!raw) return DEFAULT_OBS_ENDPOINT;
  let parsed: URL | undefined;
  try {
    parsed = new URL(obsEndpointFor(raw, 'cn-north-4'));
  } catch {
    // reported below
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || /\s/.test(raw)) {
    problems.push('OMS_OBS_ENDPOINT must be an http(s) URL, e.g. https://obs.{region}.myhuaweicloud.com');
  } else if (parsed.username || parsed.password || parsed.search || parsed.hash || parsed.pathname !== '/') {
    problems.push('OMS_OBS_ENDPOINT must be scheme://host[:port] only (no user info, path, query or fragment)');
  } else if (parsed.protocol === 'http:' && !allowInsecureHttp) {
    problems.push(
      'OMS_OBS_ENDPOINT uses plain http: signed OBS requests would travel in clear. Use https, or set ' +
        'OMS_ALLOW_INSECURE_HTTP=true for a local emulator',
    );
  }
  return raw.replace(/\/+$/, '');
}

/**
 * The completion-webhook settings. The default webhook needs both its URL and its profile, and the profile must hold
 * a webhook secret; its URL follows the request rule (`notification.webhook_url`) and, over plain http, must name a
 * loopback host unless `OMS_NOTIFY_ALLOW_INSECURE_HTTP=true`. Problems join the others; the URL is never echoed.
 */
function loadNotification(
  env: Env,
  problems: string[],
  credentials: CredentialStore,
  bool: (name: string, fallback: boolean) => boolean,
  int: ReturnType<typeof integerEnvReader>,
): NotificationSettings {
  const allowInsecureHttp = bool('OMS_NOTIFY_ALLOW_INSECURE_HTTP', false);
  const timeoutMs = int('OMS_NOTIFY_TIMEOUT_SECONDS', 10, 1, 25) * 1000;
  const url = env.OMS_NOTIFY_WEBHOOK_URL?.trim();
  const profile = env.OMS_NOTIFY_CREDENTIAL_PROFILE?.trim();
  if (!url && !profile) return { allowInsecureHttp, timeoutMs };
  if (!url || !profile) {
    problems.push('OMS_NOTIFY_WEBHOOK_URL and OMS_NOTIFY_CREDENTIAL_PROFILE go together: set both or neither');
    return { allowInsecureHttp, timeoutMs };
  }
  if (!WEBHOOK_URL_PATTERN.test(url)) {
    problems.push(
      'OMS_NOTIFY_WEBHOOK_URL must be an http:// or https:// URL with a host (and optional port, path and query), ' +
        'without user info, fragment, spaces or control characters',
    );
  } else if (/^http:/i.test(url) && !allowInsecureHttp && !isLoopbackHost(new URL(url).hostname)) {
    problems.push(
      'OMS_NOTIFY_WEBHOOK_URL uses plain http to a host that is not loopback: signed reports would travel in clear. ' +
        'Use https, or set OMS_NOTIFY_ALLOW_INSECURE_HTTP=true',
    );
  }
  if (!PROFILE_NAME_PATTERN.test(profile)) {
    problems.push('OMS_NOTIFY_CREDENTIAL_PROFILE must be a credential profile name (letters, digits and "-")');
  } else if (!credentials.get(profile)?.webhookSecret) {
    problems.push(
      `OMS_NOTIFY_CREDENTIAL_PROFILE names profile "${profile}", which has no webhook secret: set ` +
        `${profileEnvVar(profile, 'webhookSecret')} (or "webhookSecret" in OMS_CREDENTIALS_FILE)`,
    );
  }
  return { defaultWebhook: { url, credentialProfile: profile }, allowInsecureHttp, timeoutMs };
}

/** True for `IPv4:port` or `[IPv6]:port` with a port from 1 to 65535 (what `WORKER_METRICS_BIND` accepts). */
export function isBindAddress(value: string): boolean {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(value);
  if (!m) return false;
  const [, v6, v4, port] = m;
  const ipOk = v6 !== undefined ? net.isIPv6(v6) : net.isIPv4(v4!);
  return ipOk && Number(port) >= 1 && Number(port) <= 65_535;
}

/** The payload codec from the environment; its problems join the others. */
function loadCodec(env: Env, problems: string[]): WorkerConfig['codec'] {
  try {
    const dataConverter = dataConverterFromEnv(env);
    return { ...(dataConverter ? { dataConverter } : {}), description: describeCodec(env) };
  } catch (err) {
    if (!(err instanceof CodecConfigError)) throw err;
    problems.push(...err.problems);
    return { description: { encryption: 'off', keyIds: [] } };
  }
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

/** A loggable summary of the configuration: endpoints (redacted), limits and profile names, never secrets. */
export function describeConfig(config: WorkerConfig): Record<string, unknown> {
  return {
    temporal: {
      ...describeTemporalSettings(config.temporal.connection),
      address: redactAddress(config.temporal.address),
      taskQueue: config.temporal.taskQueue,
    },
    oms: { ...config.oms, endpoint: redactUrl(config.oms.endpoint), iamEndpoint: redactUrl(config.oms.iamEndpoint) },
    obs: config.obs,
    worker: config.worker,
    credentialProfiles: config.credentials.names(),
    notification: {
      ...config.notification,
      ...(config.notification.defaultWebhook
        ? {
            defaultWebhook: {
              ...config.notification.defaultWebhook,
              url: redactUrl(config.notification.defaultWebhook.url),
            },
          }
        : {}),
    },
    payloadEncryption: config.codec.description,
  };
}

/** The plain-http endpoints of a configuration (allowed only with `OMS_ALLOW_INSECURE_HTTP=true`), redacted. */
export function insecureEndpoints(config: WorkerConfig): Record<string, string> {
  const out: Record<string, string> = {};
  if (/^http:/i.test(config.oms.endpoint)) out.OMS_ENDPOINT = redactUrl(config.oms.endpoint);
  if (/^http:/i.test(config.oms.iamEndpoint)) out.OMS_IAM_ENDPOINT = redactUrl(config.oms.iamEndpoint);
  if (/^http:/i.test(config.obs.endpoint)) out.OMS_OBS_ENDPOINT = config.obs.endpoint;
  return out;
}

/** A URL fit for a log: user info (`user:password@`), query string and fragment replaced by `***`. */
export function redactUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return '(unparsable URL)';
  }
  const userinfo = u.username || u.password ? '***@' : '';
  const path = u.pathname === '/' ? '' : u.pathname;
  return `${u.protocol}//${userinfo}${u.host}${path}${u.search ? '?***' : ''}${u.hash ? '#***' : ''}`;
}

/**
 * A server address fit for a log: a URL as {@link redactUrl} shows it; in a `host:port` address anything before an
 * `@` (user info) and after a `?` or `#` replaced by `***`.
 */
export function redactAddress(raw: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return redactUrl(raw);
  return raw.replace(/^[^@/]*@/, '***@').replace(/([?#]).*$/s, '$1***');
}
