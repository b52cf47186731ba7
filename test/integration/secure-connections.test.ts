/**
 * Secured Temporal connections for real: the real `temporal-server` (SQLite in memory) with a TLS frontend that
 * requires client certificates (mTLS), and another that takes API keys (JWTs checked against a JWKS, over server
 * TLS, as Temporal Cloud does). Certificates and keys are made by the test. The worker process and the CLI connect
 * through the same settings as in production (TEMPORAL_* variables, CLI flags); a connection without, or with a
 * wrong, certificate or key fails at once with a message saying what is wrong.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { startCluster, type Cluster } from '../../scripts/lib/cluster';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { makeTestPki, startJwtIssuer, type JwtIssuer, type TestPki } from '../helpers/tls';
import { uniqueId, waitFor } from '../helpers/wait';
import { EXIT } from '../../client/cli/exit-codes';

jest.setTimeout(240_000);

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'oms-orchestrator.js');

let pki: TestPki;
let issuer: JwtIssuer;
let mtls: Cluster;
let apiKeyCluster: Cluster;
const stacks: Stack[] = [];
const tmp = (name: string): string => path.join(testEnv('tmpDir'), name);

beforeAll(async () => {
  pki = makeTestPki(tmp(uniqueId('pki')));
  issuer = await startJwtIssuer();
  [mtls, apiKeyCluster] = await Promise.all([
    startCluster({
      persistence: 'sqlite',
      headless: true,
      tls: {
        certFile: pki.serverCert,
        keyFile: pki.serverKey,
        clientCaFiles: [pki.caCert],
        requireClientAuth: true,
      },
    }),
    startCluster({
      persistence: 'sqlite',
      headless: true,
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
      authorization: { jwksUrl: issuer.jwksUrl },
    }),
  ]);
});

afterAll(async () => {
  for (const stack of stacks) await stack.close();
  await Promise.all([mtls?.stop(), apiKeyCluster?.stop()]);
  await issuer?.close();
});

/** The mTLS variables of a client holding `cert`/`key` (signed by the server's CA unless rogue). */
function mtlsEnv(cert = pki.clientCert, key = pki.clientKey): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: mtls.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: key,
  };
}

function apiKeyEnv(key: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: apiKeyCluster.address,
    TEMPORAL_API_KEY: key,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
  };
}

/** Variables that would leak in from the developer's shell and change what is tested. */
function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, HOME: tmp('no-home') };
  for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_')) delete env[key];
  return env;
}

/** Runs the CLI as a separate process; never rejects on a non-zero exit. */
async function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...cleanEnv(), ...env },
      cwd: ROOT,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function requestFile(stack: Stack): string {
  const file = tmp(`${uniqueId('request')}.json`);
  fs.writeFileSync(file, JSON.stringify(stack.seedRequest()));
  return file;
}

describe('mTLS: a frontend that requires client certificates', () => {
  test('the worker process and the CLI connect with client certificates and run a migration to the end', async () => {
    const stack = await startStack({ temporalAddress: mtls.address, workerEnv: mtlsEnv(), worker: false });
    stacks.push(stack);
    const log = tmp(`${uniqueId('mtls-worker')}.log`);
    const worker = stack.spawnWorker(log, { ...mtlsEnv(), HOME: tmp('no-home') });
    // The CLI warns (on stderr) when no worker polls the queue: start once the worker process polls it.
    await waitFor(async () => (await stack.migrations.workflowPollers()).length > 0, 60_000, 'the mTLS worker polls');
    const id = uniqueId('mtls');
    const result = await cli(
      { OMS_TASK_QUEUE: stack.taskQueue },
      'migrate',
      '--file',
      requestFile(stack),
      '--id',
      id,
      '--watch',
      '--address',
      mtls.address,
      '--tls-ca-path',
      pki.caCert,
      '--tls-cert-path',
      pki.clientCert,
      '--tls-key-path',
      pki.clientKey,
    );
    expect(result.err).toBe('');
    expect(result.out).toContain('Outcome: succeeded');
    expect(result.code).toBe(0);
    // The worker logged how it is connected, without any key material.
    worker.kill('SIGTERM');
    await waitForExit(worker);
    const lines = fs.readFileSync(log, 'utf8');
    expect(lines).toContain('"tls":"mutual"');
    expect(lines).not.toContain('PRIVATE KEY');
  });

  test.each([
    [
      'no client certificate',
      () => ({ TEMPORAL_ADDRESS: mtls.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert }),
      'requires a client certificate',
    ],
    [
      'a certificate from another CA',
      () => mtlsEnv(pki.rogueClientCert, pki.rogueClientKey),
      'requires a client certificate',
    ],
    [
      'no CA for the server certificate',
      () => ({ ...mtlsEnv(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.rogueCaCert }),
      "server's certificate is not trusted",
    ],
    [
      'a server name the certificate does not carry',
      () => ({ ...mtlsEnv(), TEMPORAL_TLS_SERVER_NAME: 'other.example.test' }),
      "server's certificate is not trusted",
    ],
    ['plaintext', () => ({ TEMPORAL_ADDRESS: mtls.address }), 'TLS mismatch'],
  ])(
    'the CLI with %s exits 7 (unreachable) with a message naming the fix, not a timeout',
    async (_name, env, message) => {
      const result = await cli(env(), 'status', 'any-id');
      expect(result.code).toBe(EXIT.UNAVAILABLE);
      expect(result.err).toContain(`Cannot connect to Temporal at ${mtls.address}`);
      expect(result.err).toContain(message);
      expect(result.err).not.toMatch(/deadline|PRIVATE KEY/i);
      expect(result.out).toBe('');
    },
  );

  test('a worker with a certificate the server does not trust stops at once with that message (no retry loop)', async () => {
    const stack = await startStack({ temporalAddress: mtls.address, workerEnv: mtlsEnv(), worker: false });
    stacks.push(stack);
    const log = tmp(`${uniqueId('rogue-worker')}.log`);
    const worker = stack.spawnWorker(log, {
      ...mtlsEnv(pki.rogueClientCert, pki.rogueClientKey),
      HOME: tmp('no-home'),
      WORKER_CONNECT_TIMEOUT_SECONDS: '3600', // retries would wait for an hour: it must not retry at all
    });
    expect(await waitForExit(worker)).toBe(1);
    const lines = fs.readFileSync(log, 'utf8');
    expect(lines).toContain('requires a client certificate');
    expect(lines).not.toContain('not reachable yet');
  });

  test('the CLI refuses a client certificate without its key before connecting (exit 2)', async () => {
    const result = await cli(
      { TEMPORAL_ADDRESS: mtls.address, TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert },
      'status',
      'x',
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain('a client certificate needs its key');
  });
});

describe('API keys: JWTs over server TLS', () => {
  const allowed = (): string => issuer.token(['default:admin']);

  test('an in-process worker and the client library connect with an API key and run a migration to the end', async () => {
    const stack = await startStack({ temporalAddress: apiKeyCluster.address, workerEnv: apiKeyEnv(allowed()) });
    stacks.push(stack);
    const { migrationId } = await stack.migrations.start(stack.seedRequest(), { migrationId: uniqueId('apikey') });
    const result = await stack.migrations.result(migrationId);
    expect(result.outcome).toBe('succeeded');
    expect(result.report?.status).toBe(5);
  });

  test('the CLI reads the key from a file and connects', async () => {
    const keyFile = tmp(`${uniqueId('api-key')}.txt`);
    fs.writeFileSync(keyFile, `${allowed()}\n`);
    const result = await cli(
      { TEMPORAL_ADDRESS: apiKeyCluster.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert },
      'status',
      'no-such-migration',
      '--api-key-file',
      keyFile,
    );
    // Connected and authorized: the answer is about the id, not the connection.
    expect(result.err).toContain('No migration with id no-such-migration');
    expect(result.err).not.toContain('Cannot connect');
    expect(result.code).toBe(EXIT.NOT_FOUND);
  });

  test.each([
    [
      'signed by a key the server does not know',
      () => issuer.foreignToken(['default:admin']),
      'refused the credentials',
    ],
    ['expired', () => issuer.token(['default:admin'], -60), 'refused the credentials'],
    ['without rights on the namespace', () => issuer.token(['other-namespace:admin']), 'refused the credentials'],
  ])('a key %s is refused at connect time with a message about the credentials', async (_name, key, message) => {
    const token = key();
    const result = await cli(apiKeyEnv(token), 'status', 'any-id');
    expect(result.code).toBe(EXIT.UNAVAILABLE);
    expect(result.err).toContain(message);
    expect(result.err).not.toContain(token);
  });

  test('no key at all is refused the same way', async () => {
    const result = await cli(
      { TEMPORAL_ADDRESS: apiKeyCluster.address, TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert },
      'status',
      'any-id',
    );
    expect(result.code).toBe(EXIT.UNAVAILABLE);
    expect(result.err).toMatch(/refused the credentials/);
  });
});
