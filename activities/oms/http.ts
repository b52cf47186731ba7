/**
 * The one HTTP exchange used by `OmsClient` and `fetchIamToken`: one attempt, body always consumed, cancellation
 * passed through, transport errors classified, every attempt reported to `onRequest`.
 *
 * There is deliberately no retry here (no undici retry interceptor, no `RetryAgent`): the Temporal activity retry
 * policy is the only retry layer, so attempts show in history and do not multiply.
 */
import { performance } from 'node:perf_hooks';

import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';

import { classifyResponse, classifyTransportError } from './classify';
import type { ResponseHeaders } from './classify';
import type { OmsErrorCode } from './errors';

/** Per-call undici timeouts; keep both well under the activity's `startToCloseTimeout`. */
export interface HttpTimeouts {
  /** Max wait for the response headers, ms (undici's own default of 300 s would outlive the activity). */
  headersTimeoutMs?: number;
  /** Max idle time between body chunks, ms. */
  bodyTimeoutMs?: number;
}

/**
 * Defaults when the caller passes none (the worker passes `OMS_HTTP_TIMEOUT_SECONDS`, at most 25 s): an attempt may
 * wait on a token fetch and then on the call, and both must fit in the activities' 60 s `startToCloseTimeout`
 * (workflows/activity-options.ts).
 */
export const DEFAULT_HTTP_TIMEOUTS: Readonly<Required<HttpTimeouts>> = {
  headersTimeoutMs: 20_000,
  bodyTimeoutMs: 20_000,
};

/** What `onRequest` receives after every HTTP attempt: no URL, headers or bodies, so it is safe to log. */
export interface RequestEvent {
  /** SDK operation name, e.g. `CreateTask`, `KeystoneCreateUserTokenByPassword`. */
  operation: string;
  /** HTTP status; absent when the attempt failed before a response (transport error, cancellation). */
  statusCode?: number;
  /** Wall time of the attempt including reading the body. */
  durationMs: number;
  /** Error class of a failed attempt (a non-2xx answer, a known transport error); absent otherwise. */
  errorCode?: OmsErrorCode;
  /** The caller's signal aborted the attempt. */
  cancelled?: true;
}

/** Callback for per-operation call counting/metrics; exceptions it throws are ignored. */
export type RequestListener = (event: RequestEvent) => void;

let sharedAgent: Agent | undefined;

/**
 * The process-wide keep-alive `Agent` used when no dispatcher is injected, created on first use. Shared so all
 * clients reuse connections; never closed by a client (idle sockets are unref'd and do not keep the process alive).
 */
export function defaultDispatcher(): Dispatcher {
  sharedAgent ??= new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });
  return sharedAgent;
}

/** Input of {@link exchange}. */
export interface ExchangeInput {
  dispatcher: Dispatcher;
  method: Dispatcher.HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  timeouts: Readonly<Required<HttpTimeouts>>;
  service: 'OMS' | 'IAM';
  operation: string;
  onRequest?: RequestListener;
}

/** A fully read response. */
export interface ExchangeResult {
  statusCode: number;
  headers: ResponseHeaders;
  text: string;
}

/**
 * Sends one request and reads the whole body as text (which also frees the connection). Throws
 * `OmsTransportError` for a known transport failure; rethrows cancellation (the signal's reason) and anything
 * unknown unchanged.
 */
export async function exchange(input: ExchangeInput): Promise<ExchangeResult> {
  // Not every dispatcher checks an already-aborted signal before sending (MockAgent does not): never send then.
  input.signal?.throwIfAborted();
  const started = performance.now();
  let statusCode: number | undefined;
  let errorCode: OmsErrorCode | undefined;
  let answer: ExchangeResult | undefined;
  let cancelled = false;
  try {
    const res = await request(input.url, {
      dispatcher: input.dispatcher,
      method: input.method,
      headers: input.headers,
      body: input.body ?? null,
      signal: input.signal ?? null,
      headersTimeout: input.timeouts.headersTimeoutMs,
      bodyTimeout: input.timeouts.bodyTimeoutMs,
    });
    statusCode = res.statusCode;
    // Always read the body, even for errors and empty 200s: an unread body pins the connection (undici docs).
    const text = await res.body.text();
    answer = { statusCode, headers: res.headers, text };
    return answer;
  } catch (err) {
    cancelled = input.signal?.aborted === true;
    if (cancelled) throw err;
    const transport = classifyTransportError(err, { service: input.service, operation: input.operation });
    errorCode = transport?.code;
    throw transport ?? err;
  } finally {
    const event: RequestEvent = { operation: input.operation, durationMs: performance.now() - started };
    if (statusCode !== undefined) event.statusCode = statusCode;
    if (cancelled) event.cancelled = true;
    try {
      if (answer && (answer.statusCode < 200 || answer.statusCode >= 300) && input.onRequest) {
        // For the listener (metrics) only: the caller classifies the answer again for the error it throws.
        errorCode = classifyResponse(answer.statusCode, answer.text, answer.headers, { service: input.service }).code;
      }
      if (errorCode !== undefined) event.errorCode = errorCode;
      input.onRequest?.(event);
    } catch {
      // A metrics hook must never change the outcome of an API call.
    }
  }
}
