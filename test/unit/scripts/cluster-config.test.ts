/** The cluster's server and UI configuration: stores, services and the TLS and authorization mapping. */
import {
  clusterServices,
  dynamicConfig,
  serverConfig,
  uiConfig,
  type ClusterPorts,
  type ServerConfigInput,
} from '../../../scripts/lib/cluster-config';
import { SEARCH_ATTRIBUTES } from '../../../workflows/search-attributes';

const ports: ClusterPorts = {
  frontend: 7233,
  frontendHttp: 7243,
  frontendMembership: 26933,
  history: 7234,
  historyMembership: 26934,
  matching: 7235,
  matchingMembership: 26935,
  worker: 7239,
  workerMembership: 26939,
  internalFrontend: 7236,
  internalFrontendHttp: 7246,
  internalFrontendMembership: 26936,
};
const postgres: ServerConfigInput['persistence'] = {
  kind: 'postgres',
  connection: { host: '127.0.0.1', port: 5432, user: 'temporal', password: 'pw', binDir: '/usr/lib/postgresql/15/bin' },
};

/** Reads a nested key of the (JSON-shaped) config. */
function at(config: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
}

test('PostgreSQL: both stores on the pgx plugin, four shards, loopback services, no TLS or authorization', () => {
  const config = serverConfig({ ports, persistence: postgres, dynamicConfigFile: '/tmp/dc.yaml' });
  expect(at(config, 'persistence', 'numHistoryShards')).toBe(4);
  expect(at(config, 'persistence', 'datastores', 'default', 'sql')).toMatchObject({
    pluginName: 'postgres12_pgx',
    databaseName: 'temporal',
    connectAddr: '127.0.0.1:5432',
    user: 'temporal',
    password: 'pw',
  });
  expect(at(config, 'persistence', 'datastores', 'visibility', 'sql', 'databaseName')).toBe('temporal_visibility');
  expect(Object.keys(at(config, 'services') as object).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
  expect(at(config, 'services', 'frontend', 'rpc')).toEqual({
    grpcPort: 7233,
    membershipPort: 26933,
    bindOnLocalHost: true,
    httpPort: 7243,
  });
  expect(at(config, 'global', 'tls')).toBeUndefined();
  expect(at(config, 'global', 'authorization')).toBeUndefined();
  expect(at(config, 'dynamicConfigClient', 'filepath')).toBe('/tmp/dc.yaml');
  expect(clusterServices({})).toEqual(['frontend', 'history', 'matching', 'worker']);
});

test('SQLite: in memory without a file, a WAL file database with one', () => {
  const memory = serverConfig({ ports, persistence: { kind: 'sqlite' }, dynamicConfigFile: '/tmp/dc.yaml' });
  expect(at(memory, 'persistence', 'numHistoryShards')).toBe(1);
  expect(at(memory, 'persistence', 'datastores', 'default', 'sql')).toMatchObject({
    pluginName: 'sqlite',
    databaseName: 'default',
    connectAttributes: { mode: 'memory', cache: 'private' },
  });
  const file = serverConfig({
    ports,
    persistence: { kind: 'sqlite', file: '/data/t.sqlite' },
    dynamicConfigFile: '/tmp/dc.yaml',
  });
  expect(at(file, 'persistence', 'datastores', 'visibility', 'sql')).toMatchObject({
    databaseName: '/data/t.sqlite',
    connectAttributes: { setup: 'true', journal_mode: 'wal' },
  });
});

test('TLS maps to global.tls.frontend.server and adds the internal frontend for the system workers', () => {
  const tls = { certFile: '/c.pem', keyFile: '/c.key', clientCaFiles: ['/ca.pem'], requireClientAuth: true };
  const config = serverConfig({ ports, persistence: postgres, dynamicConfigFile: '/tmp/dc.yaml', tls });
  expect(at(config, 'global', 'tls')).toEqual({
    frontend: {
      server: { certFile: '/c.pem', keyFile: '/c.key', clientCaFiles: ['/ca.pem'], requireClientAuth: true },
    },
  });
  expect(clusterServices({ tls })).toContain('internal-frontend');
  expect(at(config, 'services', 'internal-frontend', 'rpc')).toMatchObject({ grpcPort: 7236, bindOnLocalHost: true });
  const serverOnly = serverConfig({
    ports,
    persistence: postgres,
    dynamicConfigFile: '/tmp/dc.yaml',
    tls: { certFile: '/c.pem', keyFile: '/c.key' },
  });
  expect(at(serverOnly, 'global', 'tls', 'frontend', 'server')).toMatchObject({
    clientCaFiles: [],
    requireClientAuth: false,
  });
});

test('authorization maps to global.authorization with the default JWT claim mapper and authorizer', () => {
  const config = serverConfig({
    ports,
    persistence: postgres,
    dynamicConfigFile: '/tmp/dc.yaml',
    authorization: { jwksUrl: 'http://127.0.0.1:9999/.well-known/jwks.json' },
  });
  expect(at(config, 'global', 'authorization')).toEqual({
    jwtKeyProvider: { keySourceURIs: ['http://127.0.0.1:9999/.well-known/jwks.json'], refreshInterval: '1m' },
    permissionsClaimName: 'permissions',
    authorizer: 'default',
    claimMapper: 'default',
  });
  expect(at(config, 'services', 'internal-frontend', 'rpc')).toMatchObject({ grpcPort: 7236, bindOnLocalHost: true });
  expect(() =>
    serverConfig({
      ports: { ...ports, internalFrontend: undefined },
      persistence: postgres,
      dynamicConfigFile: '/tmp/dc.yaml',
      authorization: { jwksUrl: 'http://x' },
    }),
  ).toThrow(/internal frontend ports/);
});

test('dynamic config: the defaults, overridable, each as one unconstrained value', () => {
  expect(dynamicConfig()).toMatchObject({
    'limit.maxIDLength': [{ value: 255, constraints: {} }],
    'frontend.namespaceRPS.visibility': [{ value: 100, constraints: {} }],
  });
  expect(dynamicConfig({ 'limit.maxIDLength': 100, 'x.y': true })).toMatchObject({
    'limit.maxIDLength': [{ value: 100, constraints: {} }],
    'x.y': [{ value: true, constraints: {} }],
  });
});

test('the Web UI talks to the frontend, on loopback, with TLS only when given', () => {
  expect(uiConfig({ temporalAddress: '127.0.0.1:7233', port: 8233, namespace: 'default' })).toEqual({
    temporalGrpcAddress: '127.0.0.1:7233',
    host: '127.0.0.1',
    port: 8233,
    enableUi: true,
    defaultNamespace: 'default',
    notifyOnNewVersion: false,
    cors: { cookieInsecure: true, allowOrigins: ['http://127.0.0.1:8233'] },
  });
  const withTls = uiConfig({
    temporalAddress: '127.0.0.1:7233',
    port: 8233,
    namespace: 'default',
    codecEndpoint: 'http://127.0.0.1:8888',
    tls: { caFile: '/ca.pem', serverName: 'localhost' },
  });
  expect(withTls).toMatchObject({
    codec: { endpoint: 'http://127.0.0.1:8888' },
    tls: { caFile: '/ca.pem', serverName: 'localhost', enableHostVerification: true },
  });
});

test("the project's search attributes fit SQL visibility's pre-allocated columns (the cluster registers them all)", () => {
  // Columns per type in the server's schema/postgresql/v12/visibility/schema.sql (v1.29.1).
  const columns: Record<string, number> = {
    BOOL: 3,
    DATETIME: 3,
    DOUBLE: 3,
    INT: 3,
    KEYWORD: 10,
    KEYWORD_LIST: 3,
    TEXT: 3,
  };
  const used: Record<string, number> = {};
  for (const key of SEARCH_ATTRIBUTES) used[key.type] = (used[key.type] ?? 0) + 1;
  for (const [type, n] of Object.entries(used))
    expect({ type, n: Math.min(n, columns[type] ?? 0) }).toEqual({ type, n });
});
