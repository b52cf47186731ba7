/**
 * Connecting to Temporal with {@link TemporalSettings} so that a wrong setting fails at once with what to fix: the
 * transport is probed first (TCP, the TLS handshake as configured, the first HTTP/2 frame), the SDK connects, and
 * the namespace is described (credentials and namespace checked). Every failure becomes a
 * {@link TemporalConnectionError} naming the target, the kind of problem and the variable to set.
 */
import net from 'node:net';
import tls from 'node:tls';

import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';

import { makeRedactor } from '../workflows/shared/redact';
import { temporalTarget, type TemporalSettings } from './temporal-settings';

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
  const cause = makeRedactor([settings.connectionOptions.apiKey])(errorText(err));
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
