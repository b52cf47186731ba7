/**
 * Test certificates and API keys made on the spot: a CA, a server certificate for 127.0.0.1/localhost and client
 * certificates signed by that CA (and by an unrelated "rogue" CA, for the wrong-certificate cases), made with the
 * `openssl` command line; and RS256 JWTs with a JWKS document served on loopback, the API keys a Temporal server with
 * the default JWT claim mapper accepts.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by a CA the server does not trust. */
  rogueClientCert: string;
  rogueClientKey: string;
  /** That other CA (a client trusting only it rejects the server). */
  rogueCaCert: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(
      `openssl ${args[0]} failed (tests make their certificates with the openssl command line: apt-get install ` +
        `openssl): ${stderr || String(err)}`,
    );
  }
}

function makeCa(dir: string, name: string): { cert: string; key: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  openssl(['genrsa', '-out', key, '2048'], dir);
  openssl(['req', '-x509', '-new', '-key', key, '-sha256', '-days', '2', '-subj', `/CN=${name}`, '-out', cert], dir);
  return { cert, key };
}

function makeLeaf(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  extensions: string,
): { cert: string; key: string } {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, extensions);
  openssl(['genrsa', '-out', key, '2048'], dir);
  openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr], dir);
  openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-sha256'].concat([
      '-extfile',
      ext,
      '-out',
      cert,
    ]),
    dir,
  );
  return { cert, key };
}

/** Makes a fresh PKI in `dir`. */
export function makeTestPki(dir: string): TestPki {
  fs.mkdirSync(dir, { recursive: true });
  const ca = makeCa(dir, 'test-ca');
  const rogue = makeCa(dir, 'rogue-ca');
  const server = makeLeaf(
    dir,
    'server',
    ca,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  const clientExt =
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  const client = makeLeaf(dir, 'client', ca, clientExt);
  const rogueClient = makeLeaf(dir, 'rogue-client', rogue, clientExt);
  return {
    dir,
    caCert: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    rogueClientCert: rogueClient.cert,
    rogueClientKey: rogueClient.key,
    rogueCaCert: rogue.cert,
  };
}

export interface JwtIssuer {
  /** The JWKS document's URL (loopback http). */
  jwksUrl: string;
  /** An RS256 JWT with the given `permissions` claim (`namespace:role`), valid for `ttlSeconds`. */
  token(permissions: string[], ttlSeconds?: number): string;
  /** A JWT signed by a key the JWKS does not list. */
  foreignToken(permissions: string[]): string;
  close(): Promise<void>;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function sign(key: crypto.KeyObject, kid: string, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify(claims));
  const signature = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${b64url(signature)}`;
}

/** Starts a JWKS server on loopback with one RSA key, and mints tokens signed by it. */
export async function startJwtIssuer(): Promise<JwtIssuer> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = 'oms-test-key';
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const claims = (permissions: string[], ttlSeconds: number): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    return { sub: 'oms-test', iat: now, exp: now + ttlSeconds, permissions };
  };
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    token: (permissions, ttlSeconds = 3600) => sign(privateKey, kid, claims(permissions, ttlSeconds)),
    foreignToken: (permissions) => sign(foreign, kid, claims(permissions, 3600)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
