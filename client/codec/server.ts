/**
 * A Temporal codec server (the remote codec protocol of the Web UI and the `temporal` CLI): `POST …/encode` and
 * `POST …/decode` take and return `{"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]}` (the
 * Payloads message in protobuf JSON). Only the last path segment selects the operation, so the endpoint may be
 * mounted under any prefix.
 *
 * Security:
 * - Loopback by default; it speaks plain HTTP, so anything else belongs behind a TLS proxy.
 * - Every request needs the token: `Authorization: Bearer <token>` (the `temporal` CLI's `--codec-auth`), or the
 *   token as the path prefix, `/<token>/decode` — the Web UI cannot send a fixed token (it passes only the signed-in
 *   user's own access token, and only to https endpoints), so the UI's endpoint is `http://host:port/<token>`.
 * - CORS only for the configured origins (the Web UI's); preflights (which browsers send without credentials)
 *   are answered for those origins only. Requests from any other origin are refused.
 * - Bodies are limited in size; responses are never cacheable; errors never echo payloads or keys.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Payload, PayloadCodec } from '@temporalio/common';

import { AesGcmCodec } from './aes-gcm-codec';
import { integerEnvReader } from '../env-int';
import { CodecConfigError, loadKeyRing } from './key-ring';

type Env = Record<string, string | undefined>;

/** Default port (the port of Temporal's codec server samples). */
export const DEFAULT_CODEC_SERVER_PORT = 8888;
/** Default body limit: a payload may be 2 MB (Temporal's limit), about 2.7 MB as base64, with room for several. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Shortest accepted token. */
export const MIN_TOKEN_LENGTH = 16;
/** Token characters: URL-safe, so the token also works as the path prefix of the UI's endpoint. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]+$/;

/** The headers the Web UI sends (`Content-Type`, `X-Namespace`, and `Authorization` when it passes a token). */
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';

export interface CodecServerOptions {
  /** TCP port; 0 = a free one. Default {@link DEFAULT_CODEC_SERVER_PORT}. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Environment with the codec keys (`OMS_CODEC_KEYS`, …); default `process.env`. Ignored when `codec` is given. */
  env?: Env;
  /** The codec to serve instead of the one the environment configures. */
  codec?: PayloadCodec;
  /** Bearer token every request must carry ({@link MIN_TOKEN_LENGTH}+ characters of A-Z a-z 0-9 . _ ~ -). */
  authToken: string;
  /** Origins allowed to call from a browser, e.g. `http://127.0.0.1:8233` (the Web UI). Default: none. */
  allowedOrigins?: string[];
  /** Largest accepted request body; default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** One entry per request (never with payloads, tokens or paths). */
  log?: (entry: CodecRequestLog) => void;
}

/** What the server logs about a request. */
export interface CodecRequestLog {
  method: string;
  operation?: 'encode' | 'decode';
  status: number;
  payloads?: number;
  namespace?: string;
  origin?: string;
  ms: number;
  error?: string;
}

export interface RunningCodecServer {
  /** `http://host:port` (without a token). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An error answered with its status and a message safe to show. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts the codec server and resolves once it listens.
 * @throws CodecConfigError when the token is missing or weak, or no keys are configured.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const problems = tokenProblems(options.authToken, 'authToken');
  let codec = options.codec;
  if (!codec) {
    const ring = loadKeyRing(options.env ?? process.env);
    if (ring) codec = new AesGcmCodec(ring);
    else problems.push('no keys are configured (OMS_CODEC_KEYS or OMS_CODEC_KEYS_FILE): nothing to decode with');
  }
  if (problems.length > 0 || !codec) throw new CodecConfigError(problems);
  const served = codec;
  const tokenDigest = digest(options.authToken);
  const origins = new Set((options.allowedOrigins ?? []).map(normalizeOrigin));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const entry: CodecRequestLog = { method: req.method ?? '', status: 0, ms: 0 };
    const origin = req.headers.origin;
    if (origin !== undefined) entry.origin = origin;
    const namespace = req.headers['x-namespace'];
    if (typeof namespace === 'string') entry.namespace = namespace;
    const finish = (status: number, body?: unknown, error?: string): void => {
      entry.status = status;
      entry.ms = Date.now() - started;
      if (error !== undefined) entry.error = error;
      const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
      if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
      if (status === 405) headers.Allow = 'POST, OPTIONS';
      if (origin !== undefined && origins.has(normalizeOrigin(origin))) Object.assign(headers, corsHeaders(origin));
      if (body === undefined) {
        res.writeHead(status, headers).end();
      } else {
        headers['Content-Type'] = 'application/json';
        res.writeHead(status, headers).end(JSON.stringify(body));
      }
      options.log?.(entry);
    };

    const allowedOrigin = origin === undefined || origins.has(normalizeOrigin(origin));
    if (req.method === 'OPTIONS') {
      req.resume();
      if (!allowedOrigin || origin === undefined) return finish(403, { error: 'origin not allowed' });
      // Chrome's private network access preflight (a public page calling a loopback server) asks for this.
      if (req.headers['access-control-request-private-network'] === 'true') {
        res.setHeader('Access-Control-Allow-Private-Network', 'true');
      }
      return finish(204);
    }
    if (!allowedOrigin) {
      req.resume();
      return finish(403, { error: 'origin not allowed' });
    }
    const route = parseRoute(req.url ?? '/');
    if (route.operation) entry.operation = route.operation;
    if (req.method !== 'POST') {
      req.resume();
      return finish(405, { error: 'use POST' });
    }
    if (!route.operation) {
      req.resume();
      return finish(404, { error: 'the path must end in /encode or /decode' });
    }
    if (!authorized(req.headers.authorization, route.prefix, tokenDigest)) {
      req.resume();
      return finish(401, { error: 'missing or wrong token' });
    }
    const operation = route.operation;
    readBody(req, maxBodyBytes)
      .then(async (body) => {
        const payloads = parsePayloads(body);
        entry.payloads = payloads.length;
        const out = operation === 'encode' ? await served.encode(payloads) : await served.decode(payloads);
        finish(200, { payloads: out.map(toJson) });
      })
      .catch((err: unknown) => {
        if (err instanceof HttpError) return finish(err.status, { error: err.message }, err.message);
        // Codec failures (unknown key id, failed authentication) are the client's payloads: 400, as the protocol says.
        const message = err instanceof Error ? err.message : String(err);
        finish(400, { error: message }, message);
      });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CODEC_SERVER_PORT, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Problems with a token, named by `name` (the token itself is never quoted). */
export function tokenProblems(token: string | undefined, name: string): string[] {
  if (!token) return [`${name} is required (generate one with \`openssl rand -hex 32\`)`];
  if (token.length < MIN_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) {
    return [
      `${name} must be at least ${MIN_TOKEN_LENGTH} characters of A-Z a-z 0-9 . _ ~ - ` +
        '(generate one with `openssl rand -hex 32`)',
    ];
  }
  return [];
}

/** The server's settings from the environment, for `npm run codec-server`. */
export interface CodecServerEnvConfig {
  port: number;
  host: string;
  authToken: string;
  allowedOrigins: string[];
  maxBodyBytes: number;
}

/**
 * Reads `OMS_CODEC_SERVER_TOKEN` (required), `OMS_CODEC_SERVER_HOST` (127.0.0.1), `OMS_CODEC_SERVER_PORT` (8888),
 * `OMS_CODEC_SERVER_ALLOWED_ORIGINS` (comma-separated; default the Web UI of `npm run temporal`,
 * `http://127.0.0.1:${TEMPORAL_UI_PORT:-8233}` and the same on `localhost`) and `OMS_CODEC_SERVER_MAX_BODY_BYTES`.
 * @throws CodecConfigError listing every problem by variable.
 */
export function loadCodecServerConfig(env: Env = process.env): CodecServerEnvConfig {
  const problems: string[] = [];
  const authToken = env.OMS_CODEC_SERVER_TOKEN?.trim() ?? '';
  problems.push(...tokenProblems(authToken, 'OMS_CODEC_SERVER_TOKEN'));
  const int = integerEnvReader(env, problems);
  const port = int('OMS_CODEC_SERVER_PORT', DEFAULT_CODEC_SERVER_PORT, 0, 65_535);
  const maxBodyBytes = int('OMS_CODEC_SERVER_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1024, 256 * 1024 * 1024);
  const uiPort = env.TEMPORAL_UI_PORT?.trim() || '8233';
  const originsRaw = env.OMS_CODEC_SERVER_ALLOWED_ORIGINS?.trim();
  const allowedOrigins = originsRaw
    ? originsRaw
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '')
    : [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
  for (const origin of allowedOrigins) {
    if (!isOrigin(origin)) {
      problems.push(`OMS_CODEC_SERVER_ALLOWED_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path)`);
    }
  }
  if (problems.length > 0) throw new CodecConfigError(problems);
  return { port, host: env.OMS_CODEC_SERVER_HOST?.trim() || '127.0.0.1', authToken, allowedOrigins, maxBodyBytes };
}

/** True for loopback addresses and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function isOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return /^https?:$/.test(url.protocol) && url.origin === normalizeOrigin(origin);
  } catch {
    return false;
  }
}

function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    // The UI's `codec.includeCredentials` sends cookies; credentialed CORS needs this (and a specific origin).
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}

/** The operation (last path segment) and the segments before it (the UI's token prefix, or a mount point). */
function parseRoute(rawUrl: string): { operation?: 'encode' | 'decode'; prefix: string[] } {
  const pathname = rawUrl.split('?')[0] ?? '/';
  const segments = pathname.split('/').filter((s) => s !== '');
  const last = segments.pop();
  return { operation: last === 'encode' || last === 'decode' ? last : undefined, prefix: segments };
}

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value).digest();
}

/** Constant-time token check: the bearer header, or any path segment before the operation. */
function authorized(header: string | undefined, prefix: string[], tokenDigest: Buffer): boolean {
  const candidates: string[] = [];
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (bearer) candidates.push(bearer[1]!);
  for (const segment of prefix) {
    try {
      candidates.push(decodeURIComponent(segment));
    } catch {
      // not a token
    }
  }
  let ok = false;
  for (const candidate of candidates) ok = crypto.timingSafeEqual(digest(candidate), tokenDigest) || ok;
  return ok;
}

/** Reads the body, refusing more than `max` bytes (by Content-Length at once, or while reading). */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      reject(new HttpError(413, `the body is larger than ${max} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > max) {
        refused = true;
        chunks.length = 0;
        reject(new HttpError(413, `the body is larger than ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!refused) reject(err);
    });
  });
}

const BODY_SHAPE = 'the body must be {"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}, …]}';

/** The Payloads message from its protobuf JSON form (bytes as base64). */
function parsePayloads(body: Buffer): Payload[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
  const list = (json as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(list)) throw new HttpError(400, BODY_SHAPE);
  return list.map((item: unknown): Payload => {
    if (typeof item !== 'object' || item === null) throw new HttpError(400, BODY_SHAPE);
    const { metadata, data } = item as { metadata?: unknown; data?: unknown };
    const out: Payload = { metadata: {} };
    if (metadata !== undefined && metadata !== null) {
      if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new HttpError(400, BODY_SHAPE);
      for (const [key, value] of Object.entries(metadata)) {
        if (typeof value !== 'string') throw new HttpError(400, BODY_SHAPE);
        out.metadata![key] = Buffer.from(value, 'base64');
      }
    }
    if (data !== undefined && data !== null) {
      if (typeof data !== 'string') throw new HttpError(400, BODY_SHAPE);
      out.data = Buffer.from(data, 'base64');
    }
    return out;
  });
}

/** A payload in protobuf JSON form (empty data omitted, as protobuf JSON does). */
function toJson(payload: Payload): { metadata: Record<string, string>; data?: string } {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    metadata[key] = Buffer.from(value).toString('base64');
  }
  const data = payload.data && payload.data.length > 0 ? Buffer.from(payload.data).toString('base64') : undefined;
  return data === undefined ? { metadata } : { metadata, data };
}
