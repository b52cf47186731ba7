/**
 * The admin API under `/__admin` (no authentication, loopback clients only): inspection (tasks with ground
 * truth, regions, counters, request log, objects), state changes (objects and buckets, reset, clock, settings,
 * token revocation, snapshot flush) and fault rules. Answers are JSON; errors are `{error: message}` with
 * 400/404. Admin calls are not counted or logged.
 */
import type {
  AdminBucket,
  AdminClock,
  AdminObject,
  AdminSettings,
  AdminStats,
  AdminTaskView,
  AdminTasksResponse,
} from './admin-types';
import type { EmulatorConfig, FailureRateConfig, FailureRule } from './config';
import { redactConfig } from './config';
import type { ParsedRequest, Reply } from './http-io';
import { parseJson } from './http-io';
import { isRouteName } from './routes';
import type { EmulatorState } from './state';
import type { TaskRecord } from './task-model';

/** Admin API error (400 unless stated). */
class AdminError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function ok(body: unknown = { ok: true }): Reply {
  return { status: 200, body };
}

function bodyOf(req: ParsedRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  const parsed = parseJson(req.body);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    throw new AdminError('the body must be a JSON object');
  }
  return parsed.value as Record<string, unknown>;
}

function optionalNumber(body: Record<string, unknown>, key: string, min = 0): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new AdminError(`${key} must be a number >= ${min}`);
  }
  return value;
}

/** Ground-truth view of a task. */
export function adminTaskView(state: EmulatorState, task: TaskRecord): AdminTaskView {
  const run = task.active;
  return {
    id: task.id,
    projectId: task.projectId,
    name: task.name,
    status: task.status,
    taskType: task.spec.taskType,
    region: task.region,
    srcBucket: task.spec.src.bucket,
    dstBucket: task.spec.dst.bucket,
    runIndex: task.runIndex,
    failedOnly: task.failedOnly,
    createdAt: task.createdAt,
    eligibleAt: task.eligibleAt,
    startTime: task.startTime,
    endTime: task.endTime,
    counters: {
      total: task.counters.totalNum,
      successful: task.counters.successfulNum,
      failed: task.counters.failedNum,
      skipped: task.counters.skippedNum,
      totalSize: task.counters.totalSize,
      successfulSize: task.counters.successfulSize,
      failedSize: task.counters.failedSize,
      skippedSize: task.counters.skippedSize,
    },
    metrics: state.simulator.metrics(task),
    failedKeys: task.failedItems.map((i) => i.line ?? i.key),
    errorReason: task.errorReason,
    holdsCredentials: state.simulator.holdsCredentials(task.id),
    credentialVerdict: { ...task.credentialVerdict },
    activeRun: run
      ? {
          items: run.items.length,
          doneIdx: run.doneIdx,
          bytesNow: run.bytesNow,
          totalBytes: run.cumulative[run.items.length] ?? 0,
          finishAt: run.finishAt,
        }
      : null,
  };
}

function settingsOf(state: EmulatorState): AdminSettings {
  const { simulation: sim, quotas, auth } = state.config;
  return {
    timeScale: state.clock.scale,
    tokenTtlMs: auth.tokenTtlMs,
    defaultSpeedBytesPerSec: sim.defaultSpeedBytesPerSec,
    maxRunningPerRegion: sim.maxRunningPerRegion,
    schedulingDelayMs: sim.schedulingDelayMs,
    pauseDurationMs: sim.pauseDurationMs,
    bandwidthUtcOffsetMinutes: sim.bandwidthUtcOffsetMinutes,
    failureRules: sim.failureRules,
    failureRate: sim.failureRate,
    createsPerWindow: quotas.createsPerWindow,
    createWindowMs: quotas.createWindowMs,
    maxWaitingTasks: quotas.maxWaitingTasks,
  };
}

function parseFailureRules(value: unknown): FailureRule[] {
  if (!Array.isArray(value)) throw new AdminError('failureRules must be an array');
  return value.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw new AdminError('each failure rule must be an object');
    const rule = item as Record<string, unknown>;
    if (typeof rule.errorCode !== 'string') throw new AdminError('each failure rule needs an errorCode');
    if (typeof rule.glob !== 'string' && typeof rule.regex !== 'string') {
      throw new AdminError('each failure rule needs a glob or a regex');
    }
    if (typeof rule.regex === 'string') {
      try {
        new RegExp(rule.regex);
      } catch {
        throw new AdminError('invalid regex in a failure rule');
      }
    }
    const out: FailureRule = { errorCode: rule.errorCode };
    if (typeof rule.glob === 'string') out.glob = rule.glob;
    if (typeof rule.regex === 'string') out.regex = rule.regex;
    if (typeof rule.bucket === 'string') out.bucket = rule.bucket;
    if (typeof rule.failRuns === 'number') out.failRuns = rule.failRuns;
    return out;
  });
}

function applySettings(state: EmulatorState, body: Record<string, unknown>): void {
  const config: EmulatorConfig = state.config;
  const sim = config.simulation;
  // 0 = manual clock (as with PUT /__admin/clock): simulated time then moves only by `advanceMs`.
  const timeScale = optionalNumber(body, 'timeScale');
  const tokenTtlMs = optionalNumber(body, 'tokenTtlMs', 1);
  const speed = optionalNumber(body, 'defaultSpeedBytesPerSec', 1);
  const maxRunning = optionalNumber(body, 'maxRunningPerRegion', 1);
  const scheduling = optionalNumber(body, 'schedulingDelayMs');
  const pause = optionalNumber(body, 'pauseDurationMs');
  const offset = body.bandwidthUtcOffsetMinutes;
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isInteger(offset))) {
    throw new AdminError('bandwidthUtcOffsetMinutes must be an integer');
  }
  const rules = body.failureRules === undefined ? undefined : parseFailureRules(body.failureRules);
  let rate: FailureRateConfig | null | undefined;
  if (body.failureRate === null) rate = null;
  else if (body.failureRate !== undefined) {
    const r = body.failureRate as Record<string, unknown>;
    if (typeof r.rate !== 'number' || r.rate < 0 || r.rate > 1 || typeof r.errorCode !== 'string') {
      throw new AdminError('failureRate must be {rate: 0..1, errorCode}');
    }
    rate = { rate: r.rate, errorCode: r.errorCode };
  }
  const creates = optionalNumber(body, 'createsPerWindow');
  const window = optionalNumber(body, 'createWindowMs', 1);
  const waiting = optionalNumber(body, 'maxWaitingTasks');

  // Everything is validated above, so a bad request changes nothing.
  state.simulator.advance();
  if (timeScale !== undefined) state.clock.setScale(timeScale);
  if (tokenTtlMs !== undefined) config.auth.tokenTtlMs = tokenTtlMs;
  if (maxRunning !== undefined) sim.maxRunningPerRegion = Math.floor(maxRunning);
  if (scheduling !== undefined) sim.schedulingDelayMs = scheduling;
  if (pause !== undefined) sim.pauseDurationMs = pause;
  if (rules !== undefined) sim.failureRules = rules;
  if (rate !== undefined) sim.failureRate = rate;
  if (creates !== undefined) config.quotas.createsPerWindow = creates;
  if (window !== undefined) config.quotas.createWindowMs = window;
  if (waiting !== undefined) config.quotas.maxWaitingTasks = waiting;
  if (speed !== undefined || offset !== undefined) {
    if (speed !== undefined) sim.defaultSpeedBytesPerSec = speed;
    if (typeof offset === 'number') sim.bandwidthUtcOffsetMinutes = offset;
    state.simulator.reanchorAll();
  }
  if (timeScale !== undefined) config.simulation.timeScale = timeScale;
}

function clockOf(state: EmulatorState): AdminClock {
  const simNow = state.clock.now();
  return { simNow, simNowIso: new Date(simNow).toISOString(), wallNow: Date.now(), timeScale: state.clock.scale };
}

function objectRoute(state: EmulatorState, req: ParsedRequest, params: URLSearchParams): Reply {
  const bucketName = params.get('bucket') ?? '';
  const key = params.get('key');
  if (req.method === 'PUT') {
    const body = bodyOf(req);
    if (typeof body.bucket !== 'string' || typeof body.key !== 'string' || body.key === '') {
      throw new AdminError('bucket and key are required');
    }
    const content = body.content;
    if (content !== undefined && typeof content !== 'string') throw new AdminError('content must be a string');
    if (body.contentType !== undefined && typeof body.contentType !== 'string') {
      throw new AdminError('contentType must be a string');
    }
    let bucket = state.objects.bucket(body.bucket);
    if (!bucket && body.createBucket === true) {
      bucket = state.objects.ensureBucket(
        body.bucket,
        typeof body.region === 'string' ? body.region : state.config.region,
      );
    }
    if (!bucket) throw new AdminError(`bucket ${body.bucket} does not exist`, 404);
    state.simulator.advance();
    const size = optionalNumber(body, 'size') ?? (content === undefined ? 0 : Buffer.byteLength(content));
    const lastModified = optionalNumber(body, 'lastModified') ?? Math.round(state.clock.now());
    bucket.put(body.key, {
      size,
      lastModified,
      contentType: body.contentType ?? (content === undefined ? undefined : 'text/plain'),
      content,
    });
    state.markDirty();
    return ok({ bucket: body.bucket, key: body.key, size, lastModified });
  }
  const bucket = state.objects.bucket(bucketName);
  if (!bucket) throw new AdminError(`bucket ${bucketName} does not exist`, 404);
  state.simulator.advance();
  if (req.method === 'DELETE') {
    if (key === null) throw new AdminError('key is required');
    if (!bucket.delete(key)) throw new AdminError('no such object', 404);
    state.markDirty();
    return ok();
  }
  if (req.method !== 'GET') throw new AdminError('method not allowed', 405);
  if (key !== null) {
    const object = bucket.get(key);
    if (!object) throw new AdminError('no such object', 404);
    const view: AdminObject = {
      bucket: bucket.name,
      key,
      size: object.size,
      lastModified: object.lastModified,
      contentType: object.contentType ?? null,
      content: object.content ?? null,
    };
    return ok(view);
  }
  const limit = Number(params.get('limit') ?? '1000');
  const keys = bucket.keysWithPrefix(params.get('prefix') ?? '');
  return ok({
    bucket: bucket.name,
    count: keys.length,
    objects: keys.slice(0, Number.isFinite(limit) && limit > 0 ? limit : 1000).map((k) => {
      const o = bucket.get(k);
      return { key: k, size: o?.size ?? 0, lastModified: o?.lastModified ?? 0 };
    }),
  });
}

function revoke(state: EmulatorState, body: Record<string, unknown>): Reply {
  const user = body.user;
  if (user === undefined) {
    state.tokens.revoke(Date.now());
    state.markDirty();
    return ok({ revoked: 'all' });
  }
  if (typeof user !== 'string') throw new AdminError('user must be a user name or id');
  const found = state.config.iam.domains.flatMap((d) => d.users).filter((u) => u.name === user || u.id === user);
  if (found.length === 0) throw new AdminError(`unknown user ${user}`, 404);
  for (const u of found) state.tokens.revoke(Date.now(), u.id);
  state.markDirty();
  return ok({ revoked: user });
}

/** `GET /__admin/requests/held` lists the requests a late-apply fault holds; `POST …/held/release` ends holds now. */
function heldRoute(state: EmulatorState, req: ParsedRequest, action: string | undefined): Reply {
  if (action === undefined) {
    if (req.method !== 'GET') throw new AdminError('method not allowed', 405);
    return ok({ held: state.held.list() });
  }
  if (action !== 'release') throw new AdminError('no such admin route', 404);
  if (req.method !== 'POST') throw new AdminError('method not allowed', 405);
  const { requestId } = bodyOf(req);
  if (requestId !== undefined && typeof requestId !== 'string') throw new AdminError('requestId must be a string');
  return ok({ released: state.held.release(requestId) });
}

/** Handles `/__admin/...`; `path` is the part after `/__admin`. */
export async function handleAdmin(state: EmulatorState, req: ParsedRequest, path: string): Promise<Reply> {
  try {
    return await route(state, req, path);
  } catch (err) {
    if (err instanceof AdminError) return { status: err.status, body: { error: err.message } };
    throw err;
  }
}

async function route(state: EmulatorState, req: ParsedRequest, path: string): Promise<Reply> {
  const params = new URLSearchParams(req.query);
  const m = req.method;
  const segments = path.split('/').filter((s) => s !== '');
  const [head, second] = segments;
  const sim = state.simulator;
  switch (head) {
    case undefined:
    case 'health':
      return ok({ ok: true });
    case 'stats': {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      const stats: AdminStats = {
        tasks: sim.tasks.size,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        uptimeMs: Math.round(process.uptime() * 1000),
        cpuUserMicros: cpu.user,
        cpuSystemMicros: cpu.system,
        pid: process.pid,
      };
      return ok(stats);
    }
    case 'config':
      if (m !== 'GET') break;
      return ok(redactConfig(state.config));
    case 'counters':
      if (m !== 'GET') break;
      return ok(state.log.counts());
    case 'requests': {
      if (second === 'held') return heldRoute(state, req, segments[2]);
      if (m === 'DELETE') {
        state.log.clear();
        return ok();
      }
      if (m !== 'GET') break;
      const routeFilter = params.get('route') ?? undefined;
      if (routeFilter !== undefined && !isRouteName(routeFilter)) throw new AdminError('unknown route name');
      const limit = params.get('limit');
      return ok({ requests: state.log.list(routeFilter, limit === null ? undefined : Number(limit)) });
    }
    case 'faults': {
      if (m === 'GET') return ok({ faults: state.faults.list() });
      if (m === 'DELETE' && second === undefined) {
        state.faults.clear();
        return ok();
      }
      if (m === 'DELETE') {
        if (!state.faults.remove(Number(second))) throw new AdminError('no such fault', 404);
        return ok();
      }
      if (m === 'POST') {
        const parsed = parseJson(req.body);
        if (!parsed.ok) throw new AdminError('the body must be a fault rule or an array of rules');
        const inputs: unknown[] = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
        try {
          return ok({ faults: inputs.map((input) => state.faults.add(input)) });
        } catch (err) {
          throw new AdminError(err instanceof Error ? err.message : 'invalid fault rule');
        }
      }
      break;
    }
    case 'tokens':
      if (second === 'revoke' && m === 'POST') return revoke(state, bodyOf(req));
      break;
    case 'tasks': {
      if (m !== 'GET') break;
      sim.advance();
      if (second !== undefined) {
        const task = sim.tasks.get(Number(second));
        if (!task) throw new AdminError('no such task', 404);
        return ok(adminTaskView(state, task));
      }
      const response: AdminTasksResponse = {
        tasks: sim.allTasks().map((t) => adminTaskView(state, t)),
        regions: sim.regionStats(),
      };
      return ok(response);
    }
    case 'regions':
      if (m !== 'GET') break;
      sim.advance();
      return ok(sim.regionStats());
    case 'buckets': {
      if (m === 'GET') {
        const buckets: AdminBucket[] = [...state.objects.buckets.values()].map((b) => {
          let totalSize = 0;
          for (const o of b.objects.values()) totalSize += o.size;
          return { name: b.name, region: b.region, objects: b.objects.size, totalSize };
        });
        return ok({ buckets });
      }
      if (m === 'POST') {
        const body = bodyOf(req);
        if (typeof body.name !== 'string' || body.name === '') throw new AdminError('name is required');
        const region = typeof body.region === 'string' ? body.region : state.config.region;
        sim.advance();
        state.objects.ensureBucket(body.name, region);
        state.markDirty();
        return ok({ name: body.name, region });
      }
      if (m === 'DELETE' && second !== undefined) {
        sim.advance();
        if (!state.objects.deleteBucket(decodeURIComponent(second))) throw new AdminError('no such bucket', 404);
        state.markDirty();
        return ok();
      }
      break;
    }
    case 'objects':
      return objectRoute(state, req, params);
    case 'reset':
      if (m !== 'POST') break;
      state.reset();
      return ok();
    case 'clock': {
      if (m === 'GET') return ok(clockOf(state));
      if (m !== 'PUT') break;
      const body = bodyOf(req);
      const advanceMs = optionalNumber(body, 'advanceMs');
      // 0 = manual clock: simulated time then moves only by `advanceMs` (tests that must not depend on wall time).
      const timeScale = optionalNumber(body, 'timeScale');
      if (timeScale !== undefined) {
        state.clock.setScale(timeScale);
        state.config.simulation.timeScale = timeScale;
      }
      if (advanceMs !== undefined) state.clock.advance(advanceMs);
      sim.advance();
      return ok(clockOf(state));
    }
    case 'settings':
      if (m === 'GET') return ok(settingsOf(state));
      if (m !== 'PATCH' && m !== 'PUT') break;
      applySettings(state, bodyOf(req));
      return ok(settingsOf(state));
    case 'flush':
      if (m !== 'POST') break;
      await state.flush();
      return ok();
    default:
      throw new AdminError('no such admin route', 404);
  }
  throw new AdminError('method not allowed', 405);
}
