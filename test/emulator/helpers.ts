/**
 * Helpers of the emulator tests: a raw HTTP client (node:http, so tests control every header and see socket
 * errors), token and task shortcuts, a bounded wait-until, and an AK/SK signer written independently of
 * emulator/aksk-verify.ts from the documented algorithm (docs/oms-api.md §3), so the two cross-check each other.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';

import type { RunningEmulator, StartEmulatorOptions } from '../../emulator';
import { DEFAULT_EMULATOR_CONFIG, startEmulator } from '../../emulator';
import { pollUntil, type Check } from '../../scripts/lib/wait';

/** The default project (cn-north-7). */
export const PROJECT_ID = '0215ef11e49d4743be23dd97a1561e91';
/** The default account's key pair. */
export const AK = DEFAULT_EMULATOR_CONFIG.accessKeys[0]!.ak;
export const SK = DEFAULT_EMULATOR_CONFIG.accessKeys[0]!.sk;
export const USER = 'demo-user';
export const DOMAIN = 'demo-domain';
export const PASSWORD = 'Demo-Passw0rd!';
export const REGION = 'cn-north-7';

/** A raw HTTP answer. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (throws if it is not JSON). */
  json<T = Record<string, unknown>>(): T;
}

/** Options of {@link request}. */
export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Sends one request on a fresh connection; rejects on socket errors (reset, lost or truncated answers). */
export function request(url: string, options: RequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
        res.on('end', () => {
          if (!res.complete) {
            reject(new Error('response truncated'));
            return;
          }
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Starts an emulator for a test file (fast scheduling, a high time scale unless overridden). */
export function startTestEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ timeScale: 1000, ...options, onError: options.onError ?? ((err) => console.error(err)) });
}

/** The Keystone password-auth body. */
export function passwordAuthBody(
  overrides: { user?: string; password?: string; domain?: Record<string, string>; scope?: unknown } = {},
): string {
  return JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: overrides.user ?? USER,
            password: overrides.password ?? PASSWORD,
            domain: overrides.domain ?? { name: DOMAIN },
          },
        },
      },
      scope: overrides.scope ?? { project: { id: PROJECT_ID } },
    },
  });
}

/** Obtains a project-scoped token. */
export async function getToken(emulator: RunningEmulator, scope?: unknown): Promise<string> {
  const res = await request(`${emulator.url}/v3/auth/tokens?nocatalog=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json;charset=utf8' },
    body: passwordAuthBody({ scope }),
  });
  if (res.status !== 201) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return res.headers['x-subject-token'] as string;
}

/** An OMS call with a token. */
export function oms(
  emulator: RunningEmulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'x-auth-token': token };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return request(`${emulator.url}/v2/${PROJECT_ID}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A CreateTask body in the shape of the seed example (object task a-test-1 → api-test-outline). */
export function seedTaskBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    src_node: {
      region: REGION,
      ak: AK,
      sk: SK,
      bucket: 'a-test-1',
      cloud_type: 'HuaweiCloud',
      object_key: ['01.png', 'list.txt'],
    },
    enable_kms: false,
    description: '',
    dst_node: { region: REGION, ak: AK, sk: SK, bucket: 'api-test-outline' },
    enable_failed_object_recording: true,
    enable_restore: false,
    task_type: 'object',
    ...overrides,
  };
}

/** A source node for a bucket with the default keys. */
export function srcNode(bucket: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { region: REGION, ak: AK, sk: SK, bucket, cloud_type: 'HuaweiCloud', ...extra };
}

/** Creates a task; returns its id (fails the test on a non-200). */
export async function createTask(emulator: RunningEmulator, token: string, body: unknown): Promise<number> {
  const res = await oms(emulator, token, 'POST', '/tasks', body);
  if (res.status !== 200) throw new Error(`CreateTask failed: ${res.status} ${res.text}`);
  return res.json<{ id: number }>().id;
}

/** ShowTask body. */
export async function showTask(emulator: RunningEmulator, token: string, id: number): Promise<Record<string, unknown>> {
  const res = await oms(emulator, token, 'GET', `/tasks/${id}`);
  if (res.status !== 200) throw new Error(`ShowTask failed: ${res.status} ${res.text}`);
  return res.json();
}

/**
 * Polls `check` every 5 ms until it returns a truthy value (returned) or `timeoutMs` passes (throws, naming `what`).
 * Errors thrown by `check` count as "not yet". This is the only way tests wait: never a fixed sleep.
 */
export function waitUntil<T>(check: Check<T>, what: string, timeoutMs = 20_000): Promise<T> {
  return pollUntil(check, timeoutMs, what, 5);
}

/** Waits until ShowTask reports one of `statuses`; returns the task. */
export function waitForStatus(
  emulator: RunningEmulator,
  token: string,
  id: number,
  statuses: number[],
  timeoutMs?: number,
): Promise<Record<string, unknown>> {
  return waitUntil(
    async () => {
      const task = await showTask(emulator, token, id);
      return statuses.includes(task.status as number) ? task : undefined;
    },
    `task ${id} to reach status ${statuses.join('/')}`,
    timeoutMs,
  );
}

// --- Independent AK/SK signer (from the documented steps, docs/oms-api.md §3) ---

function encodeRfc3986(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** `X-Sdk-Date` format. */
export function sdkDate(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}` +
    `T${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`
  );
}

/** Inputs of {@link signHeaders}. */
export interface SignInput {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  ak?: string;
  sk?: string;
  date?: Date;
}

/**
 * Returns the headers to send: the given ones plus `X-Sdk-Date`, `Host` and `Authorization`, signing every
 * header (like the official SDKs).
 */
export function signHeaders(input: SignInput): Record<string, string> {
  const url = new URL(input.url);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  const date = headers['x-sdk-date'] ?? sdkDate(input.date ?? new Date());
  headers['x-sdk-date'] = date;
  headers.host = url.host;
  const signed = Object.keys(headers).sort();
  let canonicalUri = decodeURIComponent(url.pathname).split('/').map(encodeRfc3986).join('/');
  if (!canonicalUri.endsWith('/')) canonicalUri += '/';
  const query = [...url.searchParams.entries()]
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1))
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .join('&');
  const canonicalHeaders = signed.map((h) => `${h}:${(headers[h] as string).trim()}\n`).join('');
  const payloadHash =
    headers['x-sdk-content-sha256'] ??
    createHash('sha256')
      .update(input.body ?? '')
      .digest('hex');
  const canonicalRequest = [input.method, canonicalUri, query, canonicalHeaders, signed.join(';'), payloadHash].join(
    '\n',
  );
  const stringToSign = `SDK-HMAC-SHA256\n${date}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const signature = createHmac('sha256', input.sk ?? SK)
    .update(stringToSign)
    .digest('hex');
  return {
    ...headers,
    authorization: `SDK-HMAC-SHA256 Access=${input.ak ?? AK}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
  };
}

/** Sends an AK/SK-signed OMS request. */
export function signedRequest(input: SignInput): Promise<RawResponse> {
  return request(input.url, { method: input.method, headers: signHeaders(input), body: input.body });
}

// Typed wrappers of jest's asymmetric matchers (which are typed `any`).
/** Matches any string. */
export const anyString: unknown = expect.any(String);
/** Matches any number. */
export const anyNumber: unknown = expect.any(Number);
/** Matches strings matching `pattern`. */
export function matching(pattern: RegExp): unknown {
  return expect.stringMatching(pattern) as unknown;
}
/** Matches objects containing `shape`. */
export function containing(shape: Record<string, unknown>): unknown {
  return expect.objectContaining(shape) as unknown;
}
