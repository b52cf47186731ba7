/**
 * Handlers of the emulated IAM and OMS routes. The caller (server.ts) has matched the route, applied pre-faults
 * and read the body; the OMS handlers here authenticate, validate and call the simulator, and return a
 * {@link Reply}. Preconditions follow docs/oms-api.md §5.9: start ⇐ {3, 4} (1/2/7 → OMS.0065, 5 → OMS.0070), stop ⇐ {2}
 * (5 → OMS.0070, others → OMS.0066), delete ⇐ not {2, 7} (OMS.0063), bandwidth update ⇐ not 5 (OMS.0070).
 */
import type { AuthContext } from './auth';
import { authError, keystoneError, omsError } from './errors';
import type { ParsedRequest, Reply } from './http-io';
import { isJsonContentType, parseJson } from './http-io';
import { authenticatePassword, parsePasswordAuth, tokenBody } from './iam';
import { lenientDecode } from './aksk-verify';
import { showCloudType, showRegionInfo } from './region-info';
import type { RouteMatch } from './routes';
import type { EmulatorState } from './state';
import type { TaskRecord } from './task-model';
import { TaskStatus } from './task-model';
import { handleTaskGroup } from './task-group-handlers';
import { renderTask } from './task-view';
import { validateBandwidthUpdate, validateCreateTask, validateListQuery, validateStartTask } from './validation';

/** The API versions answered by `GET /` and `GET /{version}`. */
const VERSIONS = [
  { id: 'v1', status: 'SUPPORTED', updated: '2017-08-04T00:00:00Z' },
  { id: 'v2', status: 'CURRENT', updated: '2020-03-20T00:00:00Z' },
] as const;

function versionBody(baseUrl: string, version: (typeof VERSIONS)[number]): Record<string, unknown> {
  return {
    id: version.id,
    links: [{ href: `${baseUrl}/${version.id}/`, rel: 'self' }],
    status: version.status,
    updated: version.updated,
  };
}

/** `POST /v3/auth/tokens`: 201 with the token in `X-Subject-Token`. Returns the user name for the request log. */
export function handleCreateToken(state: EmulatorState, req: ParsedRequest): { reply: Reply; user: string | null } {
  if (!isJsonContentType(req.headers['content-type']?.[0])) {
    throw keystoneError(400, 'The Content-Type must be application/json.');
  }
  const parsed = parseJson(req.body);
  if (!parsed.ok) throw keystoneError(400, 'The request body is not valid JSON.');
  const request = parsePasswordAuth(parsed.value);
  const principal = authenticatePassword(state.config, request);
  const now = Date.now();
  const { token, claims } = state.tokens.issue({
    userId: principal.user.id,
    userName: principal.user.name,
    domainId: principal.domain.id,
    domainName: principal.domain.name,
    ...(principal.project ? { projectId: principal.project.id, projectName: principal.project.name } : {}),
    issuedAt: now,
    expiresAt: now + state.config.auth.tokenTtlMs,
  });
  state.markDirty();
  const noCatalog = new URLSearchParams(req.query).get('nocatalog');
  const body = tokenBody(claims, {
    withCatalog: noCatalog === null || noCatalog === '',
    baseUrl: req.baseUrl,
    region: state.config.region,
  });
  return { reply: { status: 201, body, headers: { 'X-Subject-Token': token } }, user: principal.user.name };
}

/** Authenticates an OMS request (token or AK/SK signature). */
export function authenticateOms(state: EmulatorState, route: RouteMatch, req: ParsedRequest): AuthContext {
  const projectId = route.projectId === undefined ? undefined : lenientDecode(route.projectId);
  return state.auth.authenticate(
    { method: req.method, path: req.path, query: req.query, headers: req.headers, body: req.body },
    projectId,
    Date.now(),
  );
}

function jsonBody(req: ParsedRequest, emptyAs?: unknown): unknown {
  if (req.body.length === 0 && emptyAs !== undefined) return emptyAs;
  if (!isJsonContentType(req.headers['content-type']?.[0])) throw omsError('OMS.0004', undefined, 415);
  const parsed = parseJson(req.body);
  if (!parsed.ok) throw omsError('OMS.0067');
  return parsed.value;
}

function taskIdOf(route: RouteMatch): number {
  const raw = route.taskId ?? '';
  if (!/^\d{1,15}$/.test(raw)) throw omsError('OMS.0054', 'task_id');
  return Number(raw);
}

function findTask(state: EmulatorState, route: RouteMatch): TaskRecord {
  const id = taskIdOf(route);
  state.simulator.advance();
  const task = state.simulator.get(lenientDecode(route.projectId ?? ''), id);
  if (!task) throw omsError('OMS.1009');
  return task;
}

/** Dispatches an authenticated OMS route. */
export function handleOms(state: EmulatorState, route: RouteMatch, req: ParsedRequest, auth: AuthContext): Reply {
  const sim = state.simulator;
  switch (route.name) {
    case 'ListApiVersions':
      return { status: 200, body: { versions: VERSIONS.map((v) => versionBody(req.baseUrl, v)) } };
    case 'ShowApiInfo': {
      const version = VERSIONS.find((v) => v.id === route.version);
      if (!version) throw omsError('OMS.1009');
      return { status: 200, body: versionBody(req.baseUrl, version) };
    }
    case 'CreateTask': {
      const body = jsonBody(req);
      const { spec, credentials } = validateCreateTask(body, {
        region: state.config.region,
        bucketRegion: (name) => state.objects.bucket(name)?.region,
      });
      sim.advance();
      const task = sim.create(lenientDecode(route.projectId ?? ''), auth.domainId, spec, credentials);
      return { status: 200, body: { id: task.id, task_name: task.name } };
    }
    case 'ListTasks': {
      const query = validateListQuery(new URLSearchParams(req.query));
      sim.advance();
      const { tasks, count } = sim.list(lenientDecode(route.projectId ?? ''), query, query.offset, query.limit);
      return { status: 200, body: { tasks: tasks.map((t) => renderTask(t, sim.metrics(t))), count } };
    }
    case 'ShowTask': {
      const task = findTask(state, route);
      return { status: 200, body: renderTask(task, sim.metrics(task)) };
    }
    case 'StartTask': {
      taskIdOf(route);
      const body = jsonBody(req, {});
      const task = findTask(state, route);
      const { credentials, migrateFailedObject } = validateStartTask(body, task);
      if (task.status === TaskStatus.Succeeded) throw omsError('OMS.0070');
      if (task.status !== TaskStatus.Stopped && task.status !== TaskStatus.Failed) throw omsError('OMS.0065');
      sim.start(task, credentials, migrateFailedObject);
      return { status: 200 };
    }
    case 'StopTask': {
      const task = findTask(state, route);
      if (task.status === TaskStatus.Succeeded) throw omsError('OMS.0070');
      if (task.status !== TaskStatus.Executing) throw omsError('OMS.0066');
      sim.stop(task);
      return { status: 200 };
    }
    case 'DeleteTask': {
      const task = findTask(state, route);
      if (task.status === TaskStatus.Executing || task.status === TaskStatus.Pausing) throw omsError('OMS.0063');
      sim.delete(task);
      return { status: 200 };
    }
    case 'UpdateBandwidthPolicy': {
      taskIdOf(route);
      const body = jsonBody(req);
      const task = findTask(state, route);
      const policy = validateBandwidthUpdate(body);
      if (task.status === TaskStatus.Succeeded) throw omsError('OMS.0070');
      sim.updateBandwidth(task, policy);
      return { status: 200 };
    }
    case 'ShowRegionInfo':
      return showRegionInfo(state.config.regionInfo, state.config.region);
    case 'ShowCloudType':
      return showCloudType(state.config.regionInfo, req.query);
    case 'CreateTaskGroup':
    case 'ListTaskGroup':
    case 'ShowTaskGroup':
    case 'StopTaskGroup':
    case 'StartTaskGroup':
    case 'RetryTaskGroup':
    case 'UpdateTaskGroup':
    case 'DeleteTaskGroup':
      return handleTaskGroup(state, route, req, auth);
    case 'KeystoneCreateUserTokenByPassword':
    case 'ObsHeadApiVersion':
    case 'ObsHeadBucket':
    case 'ObsListObjects':
    case 'ObsGetObject':
    case 'ObsHeadObject':
      // Routed to handleCreateToken / handleObs by the server; reaching this is a wiring bug.
      throw authError('unexpected route');
  }
}
