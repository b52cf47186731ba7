/**
 * The HTTP server: one port for IAM, OMS and the admin API. Per request: route (unknown → 404 APIGW.0101), count,
 * plan faults, optional latency, connection reset, read the body (>limit → 413), optional late-apply hold, replace
 * the answer by an injected 5xx/429, else authenticate and handle; then optionally lose, truncate or malform the
 * answer, and log. A client that has gone by the time its answer is ready gets nothing (logged with status null).
 * Every answer carries `X-Request-Id`. OBS requests (signed `OBS`/`AWS`, or to a bucket's virtual host) go to
 * obs-handlers.ts instead of the OMS routes, with the same counters, faults and log. No input may crash the process: handler errors become 500 OMS.1001 and
 * socket errors are swallowed.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

import { handleAdmin } from './admin';
import { EmulatorHttpError, entityTooLarge, gatewayError, omsError, routeNotFound } from './errors';
import type { FaultPlan, TerminalFault } from './faults';
import type { ParsedRequest, Reply } from './http-io';
import { delay, errorReply, isLoopback, newRequestId, readBody } from './http-io';
import { handleObs, matchObsRequest, obsRouteOf, type ObsTarget } from './obs-handlers';
import { authenticateOms, handleCreateToken, handleOms } from './oms-handlers';
import type { RequestLogEntry } from './request-log';
import type { RouteMatch } from './routes';
import { matchRoute } from './routes';
import type { EmulatorState } from './state';

const ADMIN_PREFIX = '/__admin';
const NO_FAULTS: FaultPlan = { latencyBeforeMs: 0, latencyAfterMs: 0, applied: [] };

/** A listening emulator server. */
export interface EmulatorServer {
  url: string;
  port: number;
  host: string;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

/** Options of {@link listen}. */
export interface ListenOptions {
  port: number;
  host: string;
  /** Receives unexpected handler errors (default: stderr). */
  onError?: (err: unknown) => void;
}

function terminalReply(fault: TerminalFault): Reply {
  switch (fault.kind) {
    case 'throttle':
      return errorReply(
        gatewayError(429, 'APIGW.0308', 'The throttling threshold has been reached.', {
          'Retry-After': String(fault.retryAfterSeconds),
        }),
      );
    case 'error':
      if (fault.status === 500) return errorReply(omsError('OMS.1001', undefined, 500));
      if (fault.status === 503) return errorReply(omsError('OMS.2004', undefined, 503));
      if (fault.status === 502) return errorReply(gatewayError(502, 'APIGW.0202', 'Backend unavailable.'));
      return errorReply(gatewayError(504, 'APIGW.0203', 'Backend timeout.'));
    case 'reset':
      return { status: 500 };
  }
}

function errorCodeOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.error_code === 'string') return b.error_code;
  const nested = b.error;
  if (typeof nested === 'object' && nested !== null && typeof (nested as { code?: unknown }).code === 'number') {
    return `IAM.${String((nested as { code: number }).code)}`;
  }
  return null;
}

/** Serialises and writes a reply, applying a post-processing fault. Returns the status written, or null. */
function send(res: http.ServerResponse, socket: Socket, reply: Reply, requestId: string, post?: string): number | null {
  if (post === 'lose-response') {
    socket.destroy();
    return null;
  }
  let body = reply.body;
  const raw = Buffer.isBuffer(body);
  if (!raw && typeof body === 'object' && body !== null && 'request_id' in body)
    body = { ...body, request_id: requestId };
  let payload: Buffer = raw
    ? (body as Buffer)
    : body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = { 'X-Request-Id': requestId, ...reply.headers };
  // A Buffer body (OBS) carries its own Content-Type.
  if (!raw && (payload.length > 0 || post === 'malformed')) headers['Content-Type'] = 'application/json;charset=UTF-8';
  if (post === 'malformed') {
    // Cut in the middle: never valid JSON, and the Content-Length is consistent, so only the parser notices.
    payload = payload.length > 1 ? payload.subarray(0, Math.floor(payload.length / 2)) : Buffer.from('{"');
  }
  if (post === 'truncate') {
    const announced = Math.max(payload.length, 2);
    res.writeHead(reply.status, { ...headers, 'Content-Length': announced });
    res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => socket.destroy());
    return null;
  }
  // A HEAD answer (OBS HeadObject) announces the length of the body it does not send.
  headers['Content-Length'] = reply.headers?.['Content-Length'] ?? payload.length;
  res.writeHead(reply.status, headers);
  res.end(payload);
  return reply.status;
}

async function handleRequest(
  state: EmulatorState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  onError: (err: unknown) => void,
): Promise<void> {
  const started = performance.now();
  const wallStart = Date.now();
  const requestId = newRequestId();
  const socket = req.socket;
  const method = (req.method ?? 'GET').toUpperCase();
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = queryAt < 0 ? '' : rawUrl.slice(queryAt + 1);
  const maxBody = state.config.maxBodyBytes;
  const drainCap = Math.max(maxBody * 4, 64 * 1024 * 1024);

  if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
    if (!isLoopback(socket.remoteAddress ?? '')) {
      send(res, socket, { status: 403, body: { error: 'the admin API is for loopback clients only' } }, requestId);
      return;
    }
    const body = await readBody(req, maxBody, drainCap);
    if (!body.ok && !body.tooLarge) return;
    const reply = body.ok
      ? await handleAdmin(state, parsed(req, method, path, query, body.body), path.slice(ADMIN_PREFIX.length))
      : { status: 413, body: { error: 'body too large' } };
    send(res, socket, reply, requestId);
    return;
  }

  const head = parsed(req, method, path, query, Buffer.alloc(0));
  const obs = matchObsRequest(state, head);
  const route = obs ? obsRouteOf(head, obs) : matchRoute(method, path);
  state.log.count(route?.name ?? null);
  const plan = route ? state.faults.plan(route.name) : NO_FAULTS;
  const log: Pick<RequestLogEntry, 'authMode' | 'user' | 'errorCode' | 'processed'> = {
    authMode: 'none',
    user: null,
    errorCode: null,
    processed: false,
  };
  const finish = (status: number | null): void => {
    state.log.add({
      time: new Date(wallStart).toISOString(),
      method,
      path,
      route: route?.name ?? null,
      status,
      ...log,
      faults: plan.applied,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      requestId,
    });
  };

  if (plan.latencyBeforeMs > 0) await delay(plan.latencyBeforeMs);
  if (plan.terminal?.kind === 'reset') {
    socket.destroy();
    finish(null);
    return;
  }
  // A client that left during a `before` latency has no body left to read: the request is dropped unprocessed.
  const body = await readBody(req, maxBody, drainCap);
  let reply: Reply;
  if (!body.ok && !body.tooLarge) {
    socket.destroy();
    finish(null);
    return;
  }
  if (!body.ok) {
    reply = errorReply(entityTooLarge());
    if (!body.drained) reply.headers = { ...reply.headers, Connection: 'close' };
  } else {
    const request = parsed(req, method, path, query, body.body);
    if (route && plan.lateApplyMs !== undefined) {
      // `late-apply`: the whole request is in hand; hold it, then process it whatever the client did meanwhile.
      const held = { requestId, method, path, route: route.name };
      if ((await state.held.hold(held, plan.lateApplyMs, socket)) === 'cancel') {
        socket.destroy();
        return;
      }
    }
    if (plan.terminal) {
      reply = terminalReply(plan.terminal);
    } else if (obs) {
      log.processed = route !== undefined;
      reply = processObs(state, obs, request, log, requestId, onError);
    } else if (!route) {
      reply = errorReply(routeNotFound());
    } else {
      log.processed = true;
      reply = processRoute(state, route, request, log, onError);
    }
  }
  log.errorCode =
    errorCodeOf(reply.body) ?? reply.headers?.['x-obs-error-code'] ?? reply.headers?.['x-amz-error-code'] ?? null;
  if (plan.latencyAfterMs > 0) await delay(plan.latencyAfterMs);
  // A client gone by now (during a late-apply hold or an `after` latency) gets nothing; the effect stays.
  finish(socket.destroyed ? null : send(res, socket, reply, requestId, plan.post));
}

function parsed(req: http.IncomingMessage, method: string, path: string, query: string, body: Buffer): ParsedRequest {
  return {
    method,
    path,
    query,
    headers: req.headersDistinct,
    body,
    baseUrl: `http://${req.headers.host ?? 'localhost'}`,
    remoteAddress: req.socket.remoteAddress ?? '',
  };
}

function processRoute(
  state: EmulatorState,
  route: RouteMatch,
  req: ParsedRequest,
  log: Pick<RequestLogEntry, 'authMode' | 'user'>,
  onError: (err: unknown) => void,
): Reply {
  try {
    if (route.name === 'KeystoneCreateUserTokenByPassword') {
      const result = handleCreateToken(state, req);
      log.user = result.user;
      return result.reply;
    }
    const auth = authenticateOms(state, route, req);
    log.authMode = auth.mode;
    log.user = auth.userName ?? null;
    return handleOms(state, route, req, auth);
  } catch (err) {
    if (err instanceof EmulatorHttpError) return errorReply(err);
    onError(err);
    return errorReply(omsError('OMS.1001', undefined, 500));
  }
}

function processObs(
  state: EmulatorState,
  target: ObsTarget,
  req: ParsedRequest,
  log: Pick<RequestLogEntry, 'authMode' | 'user'>,
  requestId: string,
  onError: (err: unknown) => void,
): Reply {
  try {
    const reply = handleObs(state, req, target, requestId);
    // OBS requests authenticate with an access key (the AK is never logged).
    if (reply.status < 400 && req.headers.authorization !== undefined) log.authMode = 'aksk';
    return reply;
  } catch (err) {
    onError(err);
    return { status: 500, body: Buffer.from('<Error><Code>InternalError</Code></Error>') };
  }
}

/** Starts the HTTP server on `host:port` (port 0 = a free port). */
export async function listen(state: EmulatorState, options: ListenOptions): Promise<EmulatorServer> {
  const onError = options.onError ?? ((err: unknown) => console.error('oms-emulator: unexpected error', err));
  const server = http.createServer((req, res) => {
    handleRequest(state, req, res, onError).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent && !req.socket.destroyed) {
        send(res, req.socket, errorReply(omsError('OMS.1001', undefined, 500)), newRequestId());
      } else {
        req.socket.destroy();
      }
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onError);
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    host: options.host,
    close: () =>
      new Promise<void>((resolve) => {
        // Held requests are dropped unprocessed: nothing may change the state once the server is closing.
        state.held.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
