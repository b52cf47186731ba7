/**
 * Temporal connection settings the way Temporal users configure them, through `@temporalio/envconfig`: the TOML
 * client-config file (`TEMPORAL_CONFIG_FILE`, default `~/.config/temporalio/temporal.toml`) and its profile
 * (`TEMPORAL_PROFILE`), overridden by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`,
 * `TEMPORAL_TLS_*` and `TEMPORAL_GRPC_META_*`, overridden in turn by explicit values (CLI flags). Used by the worker,
 * the client library, the CLI, the schedules, the scripts and the tests, so every one connects the same way.
 *
 * The settings carry secrets (API key, client key): only {@link describeTemporalSettings} may be logged.
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
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

/** Why a connection failed, as an operator can act on it. */
export type ConnectionFailureKind =
  | 'unreachable'
  | 'tls-untrusted-server'
  | 'tls-client-certificate'
  | 'tls-mismatch'
  | 'unauthenticated'
  | 'permission-denied'
  | 'namespace-not-found'
  | 'other';

/** A failed connection, with a message that says what is wrong and what to set. */
export class TemporalConnectionError extends Error {
  constructor(
    readonly kind: ConnectionFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TemporalConnectionError';
  }
  /** Worth retrying: the server may come up; every other kind needs a configuration change. */
  get retryable(): boolean {
    return this.kind === 'unreachable';
  }
}

const HINTS: Record<ConnectionFailureKind, string> = {
  unreachable: 'nothing answers there: is the server running and the address right?',
  'tls-untrusted-server':
    "the server's certificate is not trusted: set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it " +
    '(and TEMPORAL_TLS_SERVER_NAME if the certificate names another host)',
  'tls-client-certificate':
    'the server requires a client certificate it trusts: set TEMPORAL_TLS_CLIENT_CERT_PATH and ' +
    'TEMPORAL_TLS_CLIENT_KEY_PATH to a certificate signed by a CA the server accepts',
  'tls-mismatch':
    'TLS mismatch: the client speaks TLS to a plaintext server or plaintext to a TLS server (TEMPORAL_TLS, ' +
    'TEMPORAL_TLS_* variables or the profile)',
  unauthenticated:
    'the server refused the credentials: the API key (TEMPORAL_API_KEY, --api-key-file or the profile) is ' +
    'missing, invalid or expired, or has no rights on this namespace (the server does not say which)',
  'permission-denied': 'the credentials are not allowed to use this namespace',
  'namespace-not-found': 'the namespace does not exist on this server (TEMPORAL_NAMESPACE)',
  other: 'see the cause below',
};

/** Classifies an error of `Connection.connect`, `NativeConnection.connect` or a first call, by its message/code. */
export function classifyConnectionFailure(err: unknown): ConnectionFailureKind {
  const text = errorText(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  if (
    /certificate required|alert(ed)? (number )?116|CertificateRequired|bad certificate|alert 42|BadCertificate|unknown ca|alert(ed)? (number )?48|UnknownCA|handshake failure|alert 40|tlsv13 alert|peer closed connection without sending TLS close_notify/i.test(
      text,
    )
  ) {
    return 'tls-client-certificate';
  }
  if (
    /self[- ]signed|unable to verify|UnknownIssuer|unknown issuer|certificate verify failed|invalid peer certificate|Hostname\/IP does not match|NotValidForName|ERR_TLS_CERT_ALTNAME_INVALID|UNABLE_TO_GET_ISSUER_CERT/i.test(
      text,
    )
  ) {
    return 'tls-untrusted-server';
  }
  if (
    /wrong version number|WRONG_VERSION_NUMBER|InvalidContentType|received corrupt message|packet length too long|http2 error|frame with invalid size|Protocol error|invalid HTTP|connection reset by peer.*tls|ssl3_get_record/i.test(
      text,
    )
  ) {
    return 'tls-mismatch';
  }
  if (code === 16 || /UNAUTHENTICATED|Request unauthorized|invalid token|jwt|Unauthenticated/i.test(text))
    return 'unauthenticated';
  if (code === 7 || /PERMISSION_DENIED|PermissionDenied/i.test(text)) return 'permission-denied';
  if (/Namespace .* is not found|NamespaceNotFound/i.test(text)) return 'namespace-not-found';
  if (
    code === 14 ||
    code === 4 ||
    /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|UNAVAILABLE|DEADLINE_EXCEEDED|Failed to connect|Connection refused|transport error|timed out|Timeout expired/i.test(
      text,
    )
  ) {
    return 'unreachable';
  }
  return 'other';
}

function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    parts.push(e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e));
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(' | ');
}

/** Wraps a connection failure in a {@link TemporalConnectionError} naming the target and the likely fix. */
export function connectionError(settings: TemporalSettings, err: unknown): TemporalConnectionError {
  if (err instanceof TemporalConnectionError) return err;
  const kind = classifyConnectionFailure(err);
  const key = settings.connectionOptions.apiKey;
  const raw = errorText(err);
  const cause = key ? raw.split(key).join('***') : raw;
  return new TemporalConnectionError(
    kind,
    `Cannot connect to Temporal at ${temporalTarget(settings)}: ${HINTS[kind]}\n  cause: ${cause}`,
    { cause: err },
  );
}

/** What {@link probeTemporalEndpoint} found wrong, if anything. */
export interface ProbeFinding {
  kind: ConnectionFailureKind;
  detail: string;
}

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n');

/** `host:port` or `[v6]:port` → parts; undefined when it is not that shape (left to the SDK to report). */
function splitAddress(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

/**
 * Diagnoses the transport in milliseconds, before the SDK's own connect (whose TypeScript client reports every TLS
 * failure only as "Failed to connect before the deadline", after the whole timeout): a TCP connect, then the TLS
 * handshake exactly as configured (CA, client certificate, server name, ALPN h2) and the first bytes of HTTP/2, so
 * a server that rejects the client certificate says so. A plaintext client facing a TLS server is found by a
 * handshake that does not verify anything. Resolves undefined when the transport is fine (or the address has an
 * unexpected shape): the SDK's connect then decides.
 */
export async function probeTemporalEndpoint(
  settings: TemporalSettings,
  timeoutMs = 5_000,
): Promise<ProbeFinding | undefined> {
  const target = splitAddress(settings.address);
  if (!target) return undefined;
  const tlsConfig = settings.connectionOptions.tls;
  const finish = <T>(socket: net.Socket, settle: (resolve: (v: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve) => {
      let done = false;
      const once = (v: T): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(v);
      };
      const timer = setTimeout(() => once(undefined as T), timeoutMs);
      settle(once);
    });
  if (!tlsConfig) {
    const plain = net.connect({ host: target.host, port: target.port });
    const tcp = await finish<ProbeFinding | 'open' | undefined>(plain, (done) => {
      plain.once('connect', () => done('open'));
      plain.once('error', (err) => done({ kind: 'unreachable', detail: err.message }));
    });
    if (tcp !== 'open') return tcp;
    // Does the server expect TLS? A handshake that completes says yes.
    const probe = tls.connect({
      host: target.host,
      port: target.port,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      ...(net.isIP(target.host) ? {} : { servername: target.host }),
    });
    return finish<ProbeFinding | undefined>(probe, (done) => {
      probe.once('secureConnect', () =>
        done({
          kind: 'tls-mismatch',
          detail: 'the server completed a TLS handshake: it expects TLS (TEMPORAL_TLS=true)',
        }),
      );
      probe.once('error', () => done(undefined));
      probe.once('close', () => done(undefined));
    });
  }
  const options = tlsConfig === true ? {} : tlsConfig;
  const servername = options.serverNameOverride ?? (net.isIP(target.host) ? undefined : target.host);
  const socket = tls.connect({
    host: target.host,
    port: target.port,
    ALPNProtocols: ['h2'],
    ...(servername ? { servername } : {}),
    ...(options.serverRootCACertificate ? { ca: Buffer.from(options.serverRootCACertificate) } : {}),
    ...(options.clientCertPair
      ? { cert: Buffer.from(options.clientCertPair.crt), key: Buffer.from(options.clientCertPair.key) }
      : {}),
  });
  return finish<ProbeFinding | undefined>(socket, (done) => {
    socket.once('secureConnect', () => {
      // TLS 1.3: a rejected client certificate shows as an alert after the handshake, on the first read.
      socket.write(HTTP2_PREFACE);
      socket.once('data', () => done(undefined));
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const text = `${err.code ?? ''} ${err.message}`;
      if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT/.test(text)) {
        done({ kind: 'unreachable', detail: err.message });
      } else if (
        /alert|certificate required|unknown ca|bad certificate/i.test(text) &&
        !/verify|self.signed|issuer/i.test(text)
      ) {
        done({ kind: 'tls-client-certificate', detail: err.message });
      } else if (/CERT|verify|self.signed|issuer|altname|Hostname/i.test(text)) {
        done({ kind: 'tls-untrusted-server', detail: err.message });
      } else if (/wrong version|packet length|ECONNRESET|socket hang up|disconnected before secure TLS/i.test(text)) {
        done({ kind: 'tls-mismatch', detail: `${err.message} (the server does not seem to speak TLS)` });
      } else {
        done(undefined);
      }
    });
    socket.once('close', () => done(undefined));
  });
}

/** Throws the {@link TemporalConnectionError} a probe finding stands for. */
function failFromProbe(settings: TemporalSettings, finding: ProbeFinding): never {
  throw new TemporalConnectionError(
    finding.kind,
    `Cannot connect to Temporal at ${temporalTarget(settings)}: ${HINTS[finding.kind]}\n  cause: ${finding.detail.trim()}`,
  );
}

/**
 * Probes the endpoint, then connects with `connect` (SDK client or native connection) and checks the namespace
 * with `describe`. Every failure becomes a {@link TemporalConnectionError}.
 */
export async function connectChecked<C extends { close(): Promise<void> }>(
  settings: TemporalSettings,
  connect: () => Promise<C>,
  describe: ((connection: C) => Promise<unknown>) | undefined,
  timeoutMs = 10_000,
): Promise<C> {
  const finding = await probeTemporalEndpoint(settings, timeoutMs);
  if (finding) failFromProbe(settings, finding);
  let connection: C;
  try {
    connection = await connect();
  } catch (err) {
    throw connectionError(settings, err);
  }
  if (!describe) return connection;
  try {
    await describe(connection);
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw connectionError(settings, err);
  }
  return connection;
}

export interface ConnectOptions {
  /** Bound on connecting and the first call; default 10 s. */
  timeoutMs?: number;
  /** Skip the namespace check (a caller that registers the namespace itself). */
  skipNamespaceCheck?: boolean;
}

/**
 * Connects a client connection and proves it usable: TLS handshake, credentials and the namespace's existence are
 * checked at once (DescribeNamespace), so a wrong certificate, key or namespace fails here with a clear message
 * instead of on the first real call. Throws {@link TemporalConnectionError}.
 */
export async function connectTemporal(settings: TemporalSettings, options: ConnectOptions = {}): Promise<Connection> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return connectChecked(
    settings,
    () => Connection.connect({ ...settings.connectionOptions, connectTimeout: timeoutMs }),
    options.skipNamespaceCheck
      ? undefined
      : (connection) =>
          connection.withDeadline(Date.now() + timeoutMs, () =>
            connection.workflowService.describeNamespace({ namespace: settings.namespace }),
          ),
    timeoutMs,
  );
}

/** A client on a checked connection, with the given data converter (payload encryption); close `connection`. */
export async function createTemporalClient(
  settings: TemporalSettings,
  options: ConnectOptions & { dataConverter?: DataConverter } = {},
): Promise<Client> {
  const connection = await connectTemporal(settings, options);
  return new Client({
    connection,
    namespace: settings.namespace,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
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
