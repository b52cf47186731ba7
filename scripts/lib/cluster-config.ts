/**
 * The Temporal server's static configuration for the local cluster (cluster.ts), derived from the server module's
 * `config/development-postgres12.yaml` and `config/development-sqlite.yaml` (v1.29.1): all four services in one
 * process on loopback ports, no archival, no metrics or pprof listeners. Written as JSON, which the server's YAML
 * loader reads as it is. Pure functions, so the mapping of the TLS and authorization options is unit-tested.
 */
import type { PostgresConnection } from './postgres';

/** The SQL plugin: the pgx driver, clearly faster than `postgres12` (lib/pq) on the project machine. */
export const POSTGRES_PLUGIN = 'postgres12_pgx';
/** Databases of the history store and of visibility (the names Temporal's docs and docker-compose.yml use). */
export const POSTGRES_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/** TLS of the public frontend (gRPC and HTTP), in the server's `global.tls.frontend.server` terms. */
export interface ClusterTlsOptions {
  /** PEM certificate of the frontend (with its chain). */
  certFile: string;
  keyFile: string;
  /** CAs whose client certificates the frontend accepts (mTLS). */
  clientCaFiles?: string[];
  /** Mutual TLS: refuse clients without a certificate signed by `clientCaFiles`. */
  requireClientAuth?: boolean;
}

/** JWT authorization with the server's default claim mapper and authorizer (`global.authorization`). */
export interface ClusterAuthorizationOptions {
  /** JWKS endpoint with the keys that sign the tokens (`jwtKeyProvider.keySourceURIs`). */
  jwksUrl: string;
  /** Claim holding the permissions (`<namespace>:<role>` strings); default `permissions`. */
  permissionsClaimName?: string;
  /** Expected `aud` of the tokens; default: not checked. */
  audience?: string;
}

/** Ports of one cluster process; every service listens on 127.0.0.1. */
export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  /** Present when the cluster runs an internal frontend (with TLS or authorization). */
  internalFrontend?: number;
  internalFrontendHttp?: number;
  internalFrontendMembership?: number;
}

export type ClusterPersistence =
  | { kind: 'postgres'; connection: PostgresConnection; numHistoryShards?: number }
  /** `file` undefined: in memory (lost when the process exits). */
  | { kind: 'sqlite'; file?: string; numHistoryShards?: number };

export interface ServerConfigInput {
  ports: ClusterPorts;
  persistence: ClusterPersistence;
  /** Absolute path of the dynamic config file. */
  dynamicConfigFile: string;
  tls?: ClusterTlsOptions;
  authorization?: ClusterAuthorizationOptions;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * Services to start. With TLS or authorization on the public frontend, an `internal-frontend` (loopback, plain,
 * trusted: the server gives its callers system rights) serves the server's own system workers (schedules, batch
 * operations), as Temporal's docs prescribe; this project's tooling also registers the namespace and search
 * attributes through it.
 */
export function clusterServices(input: Pick<ServerConfigInput, 'tls' | 'authorization'>): string[] {
  const base = ['frontend', 'history', 'matching', 'worker'];
  return input.tls || input.authorization ? [...base, 'internal-frontend'] : base;
}

function sqlStore(p: ClusterPersistence, database: string, maxConns: number): Record<string, unknown> {
  if (p.kind === 'postgres') {
    return {
      pluginName: POSTGRES_PLUGIN,
      databaseName: database,
      connectAddr: `${p.connection.host}:${p.connection.port}`,
      connectProtocol: 'tcp',
      user: p.connection.user,
      password: p.connection.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    };
  }
  // One SQLite database serves both stores (the plugin shares the connection by database name).
  const connectAttributes: Record<string, string> = p.file
    ? { setup: 'true', journal_mode: 'wal', synchronous: '1' }
    : { mode: 'memory', cache: 'private' };
  return {
    pluginName: 'sqlite',
    databaseName: p.file ?? 'default',
    connectAddr: 'localhost',
    connectProtocol: 'tcp',
    connectAttributes,
    maxConns: 1,
    maxIdleConns: 1,
    maxConnLifetime: '1h',
  };
}

function rpc(grpcPort: number, membershipPort: number, httpPort?: number): Record<string, unknown> {
  return {
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort === undefined ? {} : { httpPort }) },
  };
}

/** The server configuration as a plain object (serialise with JSON.stringify). */
export function serverConfig(input: ServerConfigInput): Record<string, unknown> {
  const { ports, persistence: p } = input;
  const global: Record<string, unknown> = {
    membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
  };
  if (input.tls) {
    global.tls = {
      frontend: {
        server: {
          certFile: input.tls.certFile,
          keyFile: input.tls.keyFile,
          clientCaFiles: input.tls.clientCaFiles ?? [],
          requireClientAuth: input.tls.requireClientAuth ?? false,
        },
      },
    };
  }
  if (input.authorization) {
    global.authorization = {
      jwtKeyProvider: { keySourceURIs: [input.authorization.jwksUrl], refreshInterval: '1m' },
      permissionsClaimName: input.authorization.permissionsClaimName ?? 'permissions',
      authorizer: 'default',
      claimMapper: 'default',
      ...(input.authorization.audience ? { audience: input.authorization.audience } : {}),
    };
  }
  const services: Record<string, unknown> = {
    frontend: rpc(ports.frontend, ports.frontendMembership, ports.frontendHttp),
    history: rpc(ports.history, ports.historyMembership),
    matching: rpc(ports.matching, ports.matchingMembership),
    worker: rpc(ports.worker, ports.workerMembership),
  };
  if (clusterServices(input).includes('internal-frontend')) {
    if (!ports.internalFrontend || !ports.internalFrontendMembership || !ports.internalFrontendHttp) {
      throw new Error('TLS or authorization needs the internal frontend ports');
    }
    services['internal-frontend'] = rpc(
      ports.internalFrontend,
      ports.internalFrontendMembership,
      ports.internalFrontendHttp,
    );
  }
  return {
    log: { stdout: true, level: input.logLevel ?? 'warn', format: 'json' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      // Fixed when the database is created; 4 like the module's PostgreSQL config, 1 like its SQLite one.
      numHistoryShards: p.numHistoryShards ?? (p.kind === 'postgres' ? 4 : 1),
      datastores: {
        default: { sql: sqlStore(p, POSTGRES_DATABASES.default, 20) },
        // More than the module's 2 connections: the tests and benchmarks poll visibility a lot.
        visibility: { sql: sqlStore(p, POSTGRES_DATABASES.visibility, 10) },
      },
    },
    global,
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
          httpAddress: `127.0.0.1:${ports.frontendHttp}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * Dynamic config defaults: the module's `development-sql.yaml` ID limit (the SQL schemas store IDs in
 * VARCHAR(255)) and host cache size, and the dev server's visibility rate (the default 10 requests per second and
 * namespace throttles test and benchmark polling). `overrides` win.
 */
export const DEFAULT_DYNAMIC_CONFIG: Readonly<Record<string, unknown>> = {
  'limit.maxIDLength': 255,
  'history.hostLevelCacheMaxSize': 8192,
  'frontend.namespaceRPS.visibility': 100,
};

/** The dynamic config file's content: every key with one unconstrained value. */
export function dynamicConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({ ...DEFAULT_DYNAMIC_CONFIG, ...overrides }).map(([key, value]) => [
      key,
      [{ value, constraints: {} }],
    ]),
  );
}

export interface UiConfigInput {
  /** The frontend the UI talks to. */
  temporalAddress: string;
  port: number;
  namespace: string;
  /** A remote codec server for the UI to decode payloads with. */
  codecEndpoint?: string;
  /** TLS towards the frontend (CA of its certificate; a client certificate under mTLS). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
}

/** The Web UI server's configuration (ui-server's `config/<env>.yaml`). */
export function uiConfig(input: UiConfigInput): Record<string, unknown> {
  const url = `http://127.0.0.1:${input.port}`;
  return {
    temporalGrpcAddress: input.temporalAddress,
    host: '127.0.0.1',
    port: input.port,
    enableUi: true,
    defaultNamespace: input.namespace,
    notifyOnNewVersion: false,
    cors: { cookieInsecure: true, allowOrigins: [url] },
    ...(input.codecEndpoint ? { codec: { endpoint: input.codecEndpoint } } : {}),
    ...(input.tls
      ? {
          tls: {
            caFile: input.tls.caFile ?? '',
            certFile: input.tls.certFile ?? '',
            keyFile: input.tls.keyFile ?? '',
            serverName: input.tls.serverName ?? '',
            enableHostVerification: true,
          },
        }
      : {}),
  };
}
