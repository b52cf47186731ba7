/**
 * Temporal connection settings the way Temporal users configure them, through `@temporalio/envconfig`: the TOML
 * client-config file (`TEMPORAL_CONFIG_FILE`, default `~/.config/temporalio/temporal.toml`) and its profile
 * (`TEMPORAL_PROFILE`), overridden by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`,
 * `TEMPORAL_TLS_*` and `TEMPORAL_GRPC_META_*`, overridden in turn by explicit values (CLI flags). Read by the worker,
 * the client library, the CLI, the scripts and the tests, so every one connects the same way (temporal-connection.ts
 * connects with them).
 *
 * The settings carry secrets (API key, client key): only {@link describeTemporalSettings} may be logged.
 */
import fs from 'node:fs';

import type { TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';

/** The local dev server's address, used when nothing names one. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

type Env = Record<string, string | undefined>;

/** Explicit values (CLI flags); each wins over the environment and the config file. */
export interface TemporalOverrides {
  address?: string;
  namespace?: string;
  /** Profile in the config file (`TEMPORAL_PROFILE`). */
  profile?: string;
  /** The TOML config file (`TEMPORAL_CONFIG_FILE`). */
  configFile?: string;
  /** Turns TLS on or off (`TEMPORAL_TLS`). */
  tls?: boolean;
  tlsClientCertPath?: string;
  tlsClientKeyPath?: string;
  tlsServerCaCertPath?: string;
  tlsServerName?: string;
  /** A file holding the API key (a key on a command line would show in `ps`). */
  apiKeyFile?: string;
}

/** How the connection is secured, for logs and error messages. */
export interface TemporalSecurity {
  tls: 'off' | 'server' | 'mutual';
  /** A custom CA is trusted for the server certificate (otherwise the system's roots). */
  customCa: boolean;
  serverName?: string;
  apiKey: boolean;
  /** Where the settings came from: the profile of the config file that was read, if any. */
  configFile?: string;
  profile?: string;
}

/** Everything needed to connect; `connectionOptions` fits `Connection.connect` and `NativeConnection.connect`. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  connectionOptions: { address: string; tls?: TLSConfig | true; apiKey?: string; metadata?: Record<string, string> };
  security: TemporalSecurity;
}

/** A configuration problem, named by the variable, flag or file it comes from; never quotes a secret. */
export class TemporalConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Temporal connection settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TemporalConfigError';
  }
}

/** The default client-config file envconfig reads (`$XDG_CONFIG_HOME` or `~/.config`, `temporalio/temporal.toml`). */
function defaultConfigFile(env: Env): string | undefined {
  const base = env.XDG_CONFIG_HOME || (env.HOME ? `${env.HOME}/.config` : undefined);
  return base ? `${base}/temporalio/temporal.toml` : undefined;
}

/**
 * Resolves the connection settings. Throws {@link TemporalConfigError} listing every problem: an explicit config
 * file or profile that does not exist, a TLS file that cannot be read, a client certificate without its key (or the
 * reverse), an API key over a connection with TLS turned off.
 */
export function loadTemporalSettings(overrides: TemporalOverrides = {}, env: Env = process.env): TemporalSettings {
  const problems: string[] = [];
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) vars[key] = value;
  const put = (name: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') vars[name] = value;
  };
  put('TEMPORAL_ADDRESS', overrides.address);
  put('TEMPORAL_NAMESPACE', overrides.namespace);
  put('TEMPORAL_PROFILE', overrides.profile);
  put('TEMPORAL_CONFIG_FILE', overrides.configFile);
  if (overrides.tls !== undefined) vars.TEMPORAL_TLS = String(overrides.tls);
  put('TEMPORAL_TLS_CLIENT_CERT_PATH', overrides.tlsClientCertPath);
  put('TEMPORAL_TLS_CLIENT_KEY_PATH', overrides.tlsClientKeyPath);
  put('TEMPORAL_TLS_SERVER_CA_CERT_PATH', overrides.tlsServerCaCertPath);
  put('TEMPORAL_TLS_SERVER_NAME', overrides.tlsServerName);
  if (overrides.apiKeyFile) {
    try {
      vars.TEMPORAL_API_KEY = fs.readFileSync(overrides.apiKeyFile, 'utf8').trim();
    } catch {
      problems.push(`--api-key-file (${overrides.apiKeyFile}) cannot be read`);
    }
  }
  for (const [key, value] of Object.entries(vars))
    if (key.startsWith('TEMPORAL_') && value.trim() === '') delete vars[key];

  // An explicitly named file must exist (envconfig would otherwise fall back to no file at all, silently).
  const explicitFile = vars.TEMPORAL_CONFIG_FILE;
  if (explicitFile && !isReadable(explicitFile)) {
    problems.push(
      `${overrides.configFile ? '--config-file' : 'TEMPORAL_CONFIG_FILE'} (${explicitFile}) cannot be read`,
    );
  }
  const flags: Record<string, string> = {
    TEMPORAL_TLS_CLIENT_CERT_PATH: '--tls-cert-path',
    TEMPORAL_TLS_CLIENT_KEY_PATH: '--tls-key-path',
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: '--tls-ca-path',
  };
  for (const name of Object.keys(flags)) {
    const file = vars[name];
    if (file && !isReadable(file)) problems.push(`${name} (${flags[name]}) ${file} cannot be read`);
  }
  const configFile = explicitFile ?? defaultConfigFile(vars);
  const fileUsed = configFile && isReadable(configFile) ? configFile : undefined;
  if (vars.TEMPORAL_PROFILE && !fileUsed && !explicitFile) {
    problems.push(
      `TEMPORAL_PROFILE (${vars.TEMPORAL_PROFILE}) names a profile, but there is no config file ` +
        `(${configFile ?? 'none'}; set TEMPORAL_CONFIG_FILE)`,
    );
  }
  if (problems.length > 0) throw new TemporalConfigError(problems);

  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({
      ...(fileUsed ? { configSource: { path: fileUsed } } : { disableFile: true }),
      overrideEnvVars: vars,
    });
  } catch (err) {
    throw new TemporalConfigError([describeEnvconfigError(err, fileUsed, vars.TEMPORAL_PROFILE)]);
  }
  const options = loaded.connectionOptions;
  const tls = options.tls ?? undefined;
  const apiKey = typeof options.apiKey === 'string' && options.apiKey !== '' ? options.apiKey : undefined;
  const tlsObject = typeof tls === 'object' && tls !== null ? tls : undefined;
  const hasCert = Boolean(vars.TEMPORAL_TLS_CLIENT_CERT_PATH || vars.TEMPORAL_TLS_CLIENT_CERT_DATA);
  const hasKey = Boolean(vars.TEMPORAL_TLS_CLIENT_KEY_PATH || vars.TEMPORAL_TLS_CLIENT_KEY_DATA);
  if (hasCert !== hasKey || (tlsObject && !tlsObject.clientCertPair && (hasCert || hasKey))) {
    problems.push(
      'a client certificate needs its key and the reverse: set both TEMPORAL_TLS_CLIENT_CERT_PATH and ' +
        'TEMPORAL_TLS_CLIENT_KEY_PATH (or the _DATA forms, or client_cert/client_key in the profile)',
    );
  }
  if (apiKey && tls === false) {
    problems.push(
      'an API key is set (TEMPORAL_API_KEY or the profile) but TLS is turned off (TEMPORAL_TLS=false or the ' +
        "profile's tls.disabled): the key would travel in clear",
    );
  }
  if (problems.length > 0) throw new TemporalConfigError(problems);

  const address = options.address || DEFAULT_TEMPORAL_ADDRESS;
  const namespace = loaded.namespace || DEFAULT_TEMPORAL_NAMESPACE;
  const security: TemporalSecurity = {
    tls: tls === undefined || tls === false ? 'off' : tlsObject?.clientCertPair ? 'mutual' : 'server',
    customCa: Boolean(tlsObject?.serverRootCACertificate),
    ...(tlsObject?.serverNameOverride ? { serverName: tlsObject.serverNameOverride } : {}),
    apiKey: apiKey !== undefined,
    ...(fileUsed ? { configFile: fileUsed, profile: vars.TEMPORAL_PROFILE ?? 'default' } : {}),
  };
  return {
    address,
    namespace,
    connectionOptions: {
      address,
      ...(tls === true ? { tls: true as const } : tlsObject ? { tls: tlsObject } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(options.metadata && Object.keys(options.metadata).length > 0
        ? { metadata: options.metadata as Record<string, string> }
        : {}),
    },
    security,
  };
}

function isReadable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function describeEnvconfigError(err: unknown, file: string | undefined, profile: string | undefined): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/Profile '.*' not found/.test(message)) {
    return `TEMPORAL_PROFILE (${profile}): no such profile in ${file ?? 'the config file'}`;
  }
  if (/ENOENT|EACCES/.test(message)) {
    const path = /open '([^']+)'/.exec(message)?.[1];
    return `a file named by the Temporal profile cannot be read${path ? ` (${path})` : ''}`;
  }
  // TOML syntax and validation errors name keys and positions, never values.
  return `${file ?? 'the Temporal config file'}: ${message.split('\n')[0]}`;
}

/** A loggable summary: address, namespace and how the connection is secured, never a key or certificate. */
export function describeTemporalSettings(settings: TemporalSettings): Record<string, unknown> {
  return { address: settings.address, namespace: settings.namespace, ...settings.security };
}

/** One line for humans: `127.0.0.1:7233 (namespace default, mTLS, API key)`. */
export function temporalTarget(settings: TemporalSettings): string {
  const s = settings.security;
  const tls = s.tls === 'off' ? 'no TLS' : s.tls === 'mutual' ? 'mTLS' : 'TLS';
  return `${settings.address} (namespace ${settings.namespace}, ${tls}${s.apiKey ? ', API key' : ''})`;
}

/**
 * The variables the Temporal settings are read from (`TEMPORAL_*`, and `HOME`/`XDG_CONFIG_HOME` for the default
 * config file), to hand a worker or child process the same connection as this process.
 */
export function temporalEnv(env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && (key.startsWith('TEMPORAL_') || key === 'HOME' || key === 'XDG_CONFIG_HOME')) {
      out[key] = value;
    }
  }
  return out;
}
