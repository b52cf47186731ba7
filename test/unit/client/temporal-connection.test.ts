import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { classifyConnectionFailure } from '../../../client/temporal-connection';
import {
  TemporalConfigError,
  describeTemporalSettings,
  loadTemporalSettings,
  temporalEnv,
  temporalTarget,
} from '../../../client/temporal-settings';
import { describeConfig, loadWorkerConfig } from '../../../worker/config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-settings-'));
const file = (name: string, content: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
const CERT = file('client.pem', '-----BEGIN CERTIFICATE-----\nCERT-BYTES\n-----END CERTIFICATE-----\n');
const KEY = file('client.key', '-----BEGIN PRIVATE KEY-----\nKEY-SECRET-BYTES\n-----END PRIVATE KEY-----\n');
const CA = file('ca.pem', '-----BEGIN CERTIFICATE-----\nCA-BYTES\n-----END CERTIFICATE-----\n');
const TOML = file(
  'temporal.toml',
  [
    '[profile.default]',
    'address = "file-default.example.test:7233"',
    'namespace = "file-ns"',
    '',
    '[profile.prod]',
    'address = "prod.example.test:7233"',
    'namespace = "prod-ns"',
    'api_key = "PROFILE-API-KEY-SECRET"',
    '',
    '[profile.mtls]',
    'address = "mtls.example.test:7233"',
    '[profile.mtls.tls]',
    `client_cert_path = "${CERT}"`,
    `client_key_path = "${KEY}"`,
    `server_ca_cert_path = "${CA}"`,
    'server_name = "temporal.internal"',
    '',
  ].join('\n'),
);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemporalConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a TemporalConfigError');
}

describe('Temporal connection settings (envconfig)', () => {
  test('with nothing configured, the local dev server and namespace default, no TLS', () => {
    const s = loadTemporalSettings({}, {});
    expect(s.connectionOptions).toEqual({ address: '127.0.0.1:7233' });
    expect(s.namespace).toBe('default');
    expect(s.security).toEqual({ tls: 'off', customCa: false, apiKey: false });
  });

  test('the default profile of the config file, then the environment, then flags win', () => {
    const env = { TEMPORAL_CONFIG_FILE: TOML };
    expect(loadTemporalSettings({}, env)).toMatchObject({
      address: 'file-default.example.test:7233',
      namespace: 'file-ns',
    });
    const fromEnv = loadTemporalSettings({}, { ...env, TEMPORAL_ADDRESS: 'env.example.test:7233' });
    expect(fromEnv).toMatchObject({ address: 'env.example.test:7233', namespace: 'file-ns' });
    const fromFlag = loadTemporalSettings(
      { address: 'flag.example.test:7233', namespace: 'flag-ns' },
      { ...env, TEMPORAL_ADDRESS: 'env.example.test:7233', TEMPORAL_NAMESPACE: 'env-ns' },
    );
    expect(fromFlag).toMatchObject({ address: 'flag.example.test:7233', namespace: 'flag-ns' });
    expect(fromFlag.connectionOptions.address).toBe('flag.example.test:7233');
  });

  test('the default config file is found under HOME like the Temporal CLI finds it', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'home-'));
    fs.mkdirSync(path.join(home, '.config', 'temporalio'), { recursive: true });
    fs.copyFileSync(TOML, path.join(home, '.config', 'temporalio', 'temporal.toml'));
    const s = loadTemporalSettings({}, { HOME: home });
    expect(s.address).toBe('file-default.example.test:7233');
    expect(s.security.configFile).toBe(path.join(home, '.config', 'temporalio', 'temporal.toml'));
  });

  test('an API key profile turns TLS on with the system roots (Temporal Cloud)', () => {
    const s = loadTemporalSettings({ profile: 'prod' }, { TEMPORAL_CONFIG_FILE: TOML });
    expect(s.connectionOptions).toEqual({
      address: 'prod.example.test:7233',
      tls: true,
      apiKey: 'PROFILE-API-KEY-SECRET',
    });
    expect(s.security).toMatchObject({ tls: 'server', apiKey: true, customCa: false, profile: 'prod' });
    expect(temporalTarget(s)).toBe('prod.example.test:7233 (namespace prod-ns, TLS, API key)');
  });

  test('an mTLS profile loads the certificate pair, the CA and the server name', () => {
    const s = loadTemporalSettings({}, { TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'mtls' });
    const tls = s.connectionOptions.tls;
    expect(typeof tls).toBe('object');
    if (typeof tls !== 'object') return;
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toContain('CERT-BYTES');
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toContain('KEY-SECRET-BYTES');
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toContain('CA-BYTES');
    expect(tls.serverNameOverride).toBe('temporal.internal');
    expect(s.security).toMatchObject({ tls: 'mutual', customCa: true, serverName: 'temporal.internal' });
  });

  test('TLS from the environment and from flags, flags overriding', () => {
    const env = {
      TEMPORAL_ADDRESS: 'x.example.test:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/cert.pem',
      TEMPORAL_TLS_CLIENT_KEY_PATH: KEY,
    };
    // the flag replaces the unreadable path of the environment
    const s = loadTemporalSettings({ tlsClientCertPath: CERT, tlsServerCaCertPath: CA }, env);
    expect(s.security).toMatchObject({ tls: 'mutual', customCa: true });
    expect(s.connectionOptions.apiKey).toBeUndefined();
  });

  test('an API key from a file (never on the command line)', () => {
    const keyFile = file('api-key', 'FILE-API-KEY-SECRET\n');
    const s = loadTemporalSettings({ apiKeyFile: keyFile, address: 'cloud.example.test:7233' }, {});
    expect(s.connectionOptions.apiKey).toBe('FILE-API-KEY-SECRET');
    expect(s.connectionOptions.tls).toBe(true);
  });

  test.each([
    [{}, { TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' }, 'TEMPORAL_CONFIG_FILE (/nonexistent/temporal.toml)'],
    [{ configFile: '/nonexistent/t.toml' }, {}, '--config-file (/nonexistent/t.toml)'],
    [{}, { TEMPORAL_CONFIG_FILE: TOML, TEMPORAL_PROFILE: 'nope' }, 'TEMPORAL_PROFILE (nope): no such profile'],
    [
      { profile: 'prod' },
      { HOME: '/nonexistent' },
      'TEMPORAL_PROFILE (prod) names a profile, but there is no config file',
    ],
    [
      {},
      { TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/c.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: KEY },
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
    ],
    [
      {},
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' },
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH (--tls-ca-path)',
    ],
    [{}, { TEMPORAL_TLS_CLIENT_CERT_PATH: CERT }, 'a client certificate needs its key'],
    [{ tlsClientKeyPath: KEY }, {}, 'a client certificate needs its key'],
    [{}, { TEMPORAL_API_KEY: 'ENV-API-KEY-SECRET', TEMPORAL_TLS: 'false' }, 'the key would travel in clear'],
    [{ apiKeyFile: '/nonexistent/key' }, {}, '--api-key-file (/nonexistent/key) cannot be read'],
  ])('refuses %j with %j, naming %s', (overrides, env, expected) => {
    const problems = problemsOf(() => loadTemporalSettings(overrides, env));
    expect(problems.join('\n')).toContain(expected);
    expect(problems.join('\n')).not.toMatch(/SECRET/);
  });

  test('a broken TOML file is reported by name, without its values', () => {
    const bad = file('bad.toml', '[profile.default]\naddress = "a:1"\napi_key = "TOML-SECRET\n');
    const problems = problemsOf(() => loadTemporalSettings({}, { TEMPORAL_CONFIG_FILE: bad }));
    expect(problems[0]).toContain(bad);
    expect(problems.join('\n')).not.toContain('TOML-SECRET');
  });

  test('the summary and the worker log show how the connection is secured, never the key or certificate', () => {
    const env = {
      TEMPORAL_CONFIG_FILE: TOML,
      TEMPORAL_PROFILE: 'mtls',
      TEMPORAL_API_KEY: 'ENV-API-KEY-SECRET',
      OMS_ENDPOINT: 'https://oms.example.test',
      OMS_PROJECT_ID: 'p1',
      OMS_PROFILE_DEFAULT_AK: 'AK-1',
      OMS_PROFILE_DEFAULT_SK: 'SK-SECRET',
    };
    const config = loadWorkerConfig(env);
    expect(config.temporal.connection.connectionOptions.apiKey).toBe('ENV-API-KEY-SECRET');
    const shown = JSON.stringify([describeConfig(config), describeTemporalSettings(config.temporal.connection)]);
    expect(shown).toContain('"tls":"mutual"');
    expect(shown).toContain('"apiKey":true');
    expect(shown).not.toMatch(/SECRET|KEY-BYTES|CERT-BYTES/);
  });

  test('worker configuration problems include the Temporal ones', () => {
    const problems = (() => {
      try {
        loadWorkerConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: CERT });
      } catch (err) {
        return (err as { problems: string[] }).problems;
      }
      return [];
    })();
    expect(problems.join('\n')).toContain('a client certificate needs its key');
    expect(problems.join('\n')).toContain('OMS_ENDPOINT is required');
  });

  test('temporalEnv hands over the TEMPORAL_* variables and the home directories only', () => {
    expect(temporalEnv({ TEMPORAL_ADDRESS: 'a:1', HOME: '/h', OMS_PROFILE_X_SK: 's', PATH: '/bin' })).toEqual({
      TEMPORAL_ADDRESS: 'a:1',
      HOME: '/h',
    });
  });

  test.each([
    ['14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1', 14, 'unreachable'],
    ['16 UNAUTHENTICATED: Request unauthorized.', 16, 'unauthenticated'],
    ['7 PERMISSION_DENIED: Request unauthorized.', 7, 'unauthenticated'],
    ['7 PERMISSION_DENIED: not allowed', 7, 'permission-denied'],
    ['5 NOT_FOUND: Namespace nope is not found.', 5, 'namespace-not-found'],
  ])('classifies "%s" (code %d) as %s', (message, code, kind) => {
    expect(classifyConnectionFailure(Object.assign(new Error(message), { code }))).toBe(kind);
  });
});
