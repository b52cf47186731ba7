/**
 * HTTP plumbing shared by the OMS, IAM and admin handlers: the parsed request, the reply handlers return (they
 * never write to the socket themselves, so faults can drop or mangle a real answer), body reading with a size
 * limit, JSON parsing and request ids.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { EmulatorHttpError } from './errors';

/** A request as the handlers see it. */
export interface ParsedRequest {
  method: string;
  /** Raw path, still percent-encoded, without the query. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  /** Headers by lowercase name with every value. */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
  body: Buffer;
  /** `http://<Host header>` for links in responses. */
  baseUrl: string;
  /** Remote address of the connection. */
  remoteAddress: string;
}

/** What a handler answers. `body` is serialised as JSON; no body means an empty 200-style answer. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Turns a thrown {@link EmulatorHttpError} into a reply. */
export function errorReply(err: EmulatorHttpError): Reply {
  return { status: err.status, body: err.body, headers: err.headers };
}

/** A fresh request id (32 hex characters, like the API gateway's). */
export function newRequestId(): string {
  return randomUUID().replace(/-/g, '');
}

/** The outcome of reading a body (`aborted`: the client went away before the body ended). */
export type BodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; tooLarge: true; drained: boolean }
  | { ok: false; tooLarge: false; aborted: true };

/**
 * Reads the body up to `limit` bytes. A larger body is drained (discarded) up to `drainCap` bytes so that the
 * client, which is still sending, can read the 413 answer; beyond `drainCap` reading stops (`drained: false`)
 * and the connection is closed after the answer.
 */
export function readBody(req: IncomingMessage, limit: number, drainCap: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    // The client went away before the read began (e.g. during an injected latency): Node destroyed the request
    // and its buffered body, and no further event would ever settle this promise.
    if (req.destroyed) {
      resolve({ ok: false, tooLarge: false, aborted: true });
      return;
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    let tooLarge = Number.isFinite(declared) && declared > limit;
    if (tooLarge && declared > drainCap) {
      req.pause();
      resolve({ ok: false, tooLarge: true, drained: false });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > drainCap) {
          req.pause();
          finish({ ok: false, tooLarge: true, drained: false });
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      finish(tooLarge ? { ok: false, tooLarge: true, drained: true } : { ok: true, body: Buffer.concat(chunks, size) }),
    );
    // A client that disconnects mid-body is not an error of the emulator: the caller just stops.
    req.on('error', () => finish({ ok: false, tooLarge: false, aborted: true }));
    req.on('close', () => {
      if (!req.complete) finish({ ok: false, tooLarge: false, aborted: true });
    });
  });
}

/** Whether a Content-Type header names JSON (`application/json`, `…+json`, any parameters). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return true;
  const type = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Parses a JSON body; returns `{ ok: false }` for anything that is not JSON (empty bodies included). */
export function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Resolves after `ms` wall milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether an address is loopback (IPv4 127/8, IPv6 ::1, or IPv4-mapped loopback). */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
