/**
 * OMS v2 HTTP client on undici (routes: docs/oms-api.md §4). Temporal-free, so it can be unit-tested with
 * `MockAgent` and reused outside activities.
 *
 * Per call: one HTTP attempt (plus at most one more after a 401 in token mode, to refresh the token), the body
 * is always read, the caller's `AbortSignal` is passed through, AK/SK signatures are computed per attempt, and
 * failures become `OmsApiError`s whose messages hold no credentials, tokens, headers or request bodies. Retrying
 * is left to Temporal's activity retry policy (docs/house-style.md §2.5).
 */
import type { Dispatcher } from 'undici';

import { isRecord } from '../../workflows/shared/is-record';
import { makeRedactor } from '../../workflows/shared/redact';
import { classifyResponse, protocolError } from './classify';
import type { ClassifyContext } from './classify';
import type { OmsProtocolError } from './errors';
import { DEFAULT_HTTP_TIMEOUTS, defaultDispatcher, exchange } from './http';
import type { ExchangeInput, ExchangeResult, HttpTimeouts, RequestListener } from './http';
import { encodeRfc3986, signRequest } from './signer';
import type { TokenProvider } from './token-cache';
import { SECRET_FIELD_NAMES } from './wire-types';
import type {
  ApiVersions,
  BandwidthPolicyDto,
  CloudTypeDirection,
  CreateTaskGroupReq,
  CreateTaskGroupResponse,
  CreateTaskReq,
  CreateTaskResponse,
  ListTaskGroupQuery,
  ListTaskGroupResponse,
  ListTasksQuery,
  ListTasksResponse,
  ShowRegionInfoResp,
  RetryTaskGroupReq,
  StartTaskGroupReq,
  StartTaskReq,
  TaskGroupResp,
  TaskResp,
  UpdateBandwidthPolicyReq,
} from './wire-types';

/** How the client authenticates. */
export type OmsAuth =
  /** IAM token in `X-Auth-Token`; on HTTP 401 the token is invalidated, refetched and the call sent once more. */
  | { mode: 'token'; tokenProvider: TokenProvider }
  /** AK/SK signature (`SDK-HMAC-SHA256`) on every attempt; `securityToken` for temporary credentials. */
  | { mode: 'aksk'; ak: string; sk: string; securityToken?: string };

/** Options of {@link OmsClient}. */
export interface OmsClientOptions {
  /** OMS base URL, e.g. `https://oms.cn-north-4.myhuaweicloud.com` (a path prefix is kept). */
  omsEndpoint: string;
  /** Project id in every `/v2/{project_id}/…` path (and `X-Project-Id` in AK/SK mode). */
  projectId: string;
  /** Credentials; see {@link OmsAuth}. */
  auth: OmsAuth;
  /** Injected dispatcher (tests: `MockAgent`); defaults to a shared keep-alive `Agent`. */
  dispatcher?: Dispatcher;
  /** Called after every HTTP attempt, e.g. to count calls per operation. Never receives secrets. */
  onRequest?: RequestListener;
  /** Clock for `X-Sdk-Date` and HTTP-date `Retry-After`; injectable for tests. */
  now?: () => Date;
  /** Default undici timeouts; see {@link DEFAULT_HTTP_TIMEOUTS}. */
  timeouts?: HttpTimeouts;
}

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call (pass the activity's `cancellationSignal()`); rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's timeouts for this call. */
  timeouts?: HttpTimeouts;
}

/** ListTasks page size used by {@link OmsClient.listAllTasks} (the API maximum). */
export const LIST_ALL_PAGE_SIZE = 100;

interface CallSpec {
  operation: string;
  method: Dispatcher.HttpMethod;
  path: string;
  query?: string;
  body?: object;
}

/**
 * Typed client for the OMS v2 task API. Method names are the SDK operation names in camelCase; request and
 * response objects are the API's own snake_case shapes (see wire-types.ts for why).
 *
 * Every method throws an `OmsApiError` subclass for API and transport failures (errors.ts, chosen by classify.ts),
 * rethrows the signal's reason on cancellation, and throws `TypeError` for invalid arguments (a programming error).
 */
export class OmsClient {
  private readonly base: string;
  private readonly projectPath: string;
  private readonly dispatcher: Dispatcher;
  private readonly timeouts: Readonly<Required<HttpTimeouts>>;
  private readonly now: () => Date;

  /** @param options see {@link OmsClientOptions} */
  constructor(private readonly options: OmsClientOptions) {
    if (!options.projectId) throw new TypeError('OmsClient: projectId is required');
    this.base = options.omsEndpoint.replace(/\/+$/, '');
    this.projectPath = `/v2/${encodeRfc3986(options.projectId)}`;
    this.dispatcher = options.dispatcher ?? defaultDispatcher();
    this.timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...options.timeouts };
    this.now = options.now ?? (() => new Date());
  }

  /** ListApiVersions: `GET /`. */
  async listApiVersions(opts: CallOptions = {}): Promise<ApiVersions> {
    const { json, res } = await this.callJson({ operation: 'ListApiVersions', method: 'GET', path: '/' }, opts);
    if (!isRecord(json) || !Array.isArray(json.versions))
      throw this.shapeError('ListApiVersions', 'no versions array', res);
    return json as unknown as ApiVersions;
  }

  /**
   * CreateTask: `POST /v2/{project_id}/tasks` → `{ id, task_name }` (HTTP 200). The task starts automatically.
   * Not idempotent (OMS has no client token): callers look up an existing task before creating.
   */
  async createTask(req: CreateTaskReq, opts: CallOptions = {}): Promise<CreateTaskResponse> {
    const operation = 'CreateTask';
    const path = `${this.projectPath}/tasks`;
    const { json, res } = await this.callJson({ operation, method: 'POST', path, body: req }, opts);
    if (!isRecord(json)) throw this.shapeError(operation, 'body is not an object', res);
    if (!isTaskId(json.id)) throw this.shapeError(operation, 'id is not a safe non-negative integer', res);
    if (typeof json.task_name !== 'string') throw this.shapeError(operation, 'task_name is not a string', res);
    return { id: json.id, task_name: json.task_name };
  }

  /** ShowTask: `GET /v2/{project_id}/tasks/{task_id}`. A missing task is `OmsTaskNotFoundError` (HTTP 400 `OMS.1009`). */
  async showTask(taskId: number, opts: CallOptions = {}): Promise<TaskResp> {
    const path = `${this.projectPath}/tasks/${taskIdSegment(taskId)}`;
    const { json, res } = await this.callJson({ operation: 'ShowTask', method: 'GET', path }, opts);
    const problem = taskShapeProblem(json);
    if (problem) throw this.shapeError('ShowTask', problem, res);
    return json as TaskResp;
  }

  /** ListTasks: `GET /v2/{project_id}/tasks?limit&offset&status&group_id&task_name` (limit 1..100, OMS default 10). */
  async listTasks(q: ListTasksQuery = {}, opts: CallOptions = {}): Promise<ListTasksResponse> {
    const operation = 'ListTasks';
    const query = buildQuery([
      ['limit', q.limit],
      ['offset', q.offset],
      ['status', q.status],
      ['group_id', q.group_id],
      ['task_name', q.task_name],
    ]);
    const path = `${this.projectPath}/tasks`;
    const { json, res } = await this.callJson({ operation, method: 'GET', path, query }, opts);
    if (!isRecord(json) || !Array.isArray(json.tasks)) throw this.shapeError(operation, 'no tasks array', res);
    if (typeof json.count !== 'number') throw this.shapeError(operation, 'count is not a number', res);
    for (const task of json.tasks) {
      const problem = taskShapeProblem(task);
      if (problem) throw this.shapeError(operation, `tasks[]: ${problem}`, res);
    }
    return json as unknown as ListTasksResponse;
  }

  /**
   * Every task matching the filter, fetched lazily with `limit=100` pages (`offset += page length`) until a short
   * page, as Terraform's data source does. Break early to save calls. `count` is deliberately not used to stop:
   * a server that reported the page size there would make the listing silently incomplete, and callers rely on it
   * to find an existing task before creating one. Ordering is not documented by OMS; tasks created while paging
   * may be missed or seen twice.
   */
  async *listAllTasks(
    q: Omit<ListTasksQuery, 'limit' | 'offset'> = {},
    opts: CallOptions = {},
  ): AsyncGenerator<TaskResp, void, undefined> {
    let offset = 0;
    for (;;) {
      const page = await this.listTasks({ ...q, limit: LIST_ALL_PAGE_SIZE, offset }, opts);
      yield* page.tasks;
      offset += page.tasks.length;
      if (page.tasks.length < LIST_ALL_PAGE_SIZE) return;
    }
  }

  /**
   * StartTask: `POST /v2/{project_id}/tasks/{task_id}/start` — restarts a stopped (3) or failed (4) task; the
   * credentials in `req` are required again because OMS erases them when a task stops.
   */
  async startTask(taskId: number, req: StartTaskReq, opts: CallOptions = {}): Promise<void> {
    const path = `${this.projectPath}/tasks/${taskIdSegment(taskId)}/start`;
    await this.call({ operation: 'StartTask', method: 'POST', path, body: req }, opts);
  }

  /** StopTask (pause): `POST /v2/{project_id}/tasks/{task_id}/stop`, no body. A task that is not migrating gives 400 `OMS.0066`. */
  async stopTask(taskId: number, opts: CallOptions = {}): Promise<void> {
    const path = `${this.projectPath}/tasks/${taskIdSegment(taskId)}/stop`;
    await this.call({ operation: 'StopTask', method: 'POST', path }, opts);
  }

  /** DeleteTask: `DELETE /v2/{project_id}/tasks/{task_id}`. A migrating task gives 400 `OMS.0063` (pause first). */
  async deleteTask(taskId: number, opts: CallOptions = {}): Promise<void> {
    const path = `${this.projectPath}/tasks/${taskIdSegment(taskId)}`;
    await this.call({ operation: 'DeleteTask', method: 'DELETE', path }, opts);
  }

  /** UpdateBandwidthPolicy: `PUT /v2/{project_id}/tasks/{task_id}/bandwidth-policy` with `{ bandwidth_policy }`. */
  async updateBandwidthPolicy(taskId: number, policies: BandwidthPolicyDto[], opts: CallOptions = {}): Promise<void> {
    const path = `${this.projectPath}/tasks/${taskIdSegment(taskId)}/bandwidth-policy`;
    const body: UpdateBandwidthPolicyReq = { bandwidth_policy: policies };
    await this.call({ operation: 'UpdateBandwidthPolicy', method: 'PUT', path, body }, opts);
  }

  /**
   * ShowRegionInfo: `GET /v2/{project_id}/objectstorage/data-center` → the regions OMS migrates from, per cloud
   * (`[{ service_name, region_list: [{ cloud_type, value, description }] }]`). Read-only.
   */
  async showRegionInfo(opts: CallOptions = {}): Promise<ShowRegionInfoResp[]> {
    const operation = 'ShowRegionInfo';
    const path = `${this.projectPath}/objectstorage/data-center`;
    const { json, res } = await this.callJson({ operation, method: 'GET', path }, opts);
    if (!Array.isArray(json)) throw this.shapeError(operation, 'body is not an array', res);
    for (const service of json) {
      if (!isRecord(service) || !Array.isArray(service.region_list)) {
        throw this.shapeError(operation, 'an element has no region_list array', res);
      }
      for (const region of service.region_list) {
        if (!isRecord(region) || typeof region.cloud_type !== 'string' || typeof region.value !== 'string') {
          throw this.shapeError(operation, 'a region_list entry lacks cloud_type or value', res);
        }
      }
    }
    return json as ShowRegionInfoResp[];
  }

  /** ShowCloudType: `GET /v2/{project_id}/objectstorage/cloud-type?type=src|dst` → cloud type names. Read-only. */
  async showCloudType(type: CloudTypeDirection, opts: CallOptions = {}): Promise<string[]> {
    const operation = 'ShowCloudType';
    const path = `${this.projectPath}/objectstorage/cloud-type`;
    const query = buildQuery([['type', type]]);
    const { json, res } = await this.callJson({ operation, method: 'GET', path, query }, opts);
    if (!Array.isArray(json) || !json.every((t) => typeof t === 'string')) {
      throw this.shapeError(operation, 'body is not an array of strings', res);
    }
    return json;
  }

  // --- Task groups (docs/oms-api.md §6) ---

  /**
   * CreateTaskGroup: `POST /v2/{project_id}/taskgroups` → `{ group_id }` (HTTP 200). OMS splits the source into
   * member tasks and starts them. Not idempotent: callers look a group up (by a description marker) before creating.
   */
  async createTaskGroup(req: CreateTaskGroupReq, opts: CallOptions = {}): Promise<CreateTaskGroupResponse> {
    const operation = 'CreateTaskGroup';
    const path = `${this.projectPath}/taskgroups`;
    const { json, res } = await this.callJson({ operation, method: 'POST', path, body: req }, opts);
    if (!isRecord(json) || !isGroupId(json.group_id)) throw this.shapeError(operation, 'group_id is not a string', res);
    return { group_id: json.group_id };
  }

  /** ShowTaskGroup: `GET /v2/{project_id}/taskgroups/{group_id}`. A missing group is 400 `OMS.1009` (not found). */
  async showTaskGroup(groupId: string, opts: CallOptions = {}): Promise<TaskGroupResp> {
    const operation = 'ShowTaskGroup';
    const path = `${this.projectPath}/taskgroups/${groupIdSegment(groupId)}`;
    const { json, res } = await this.callJson({ operation, method: 'GET', path }, opts);
    const problem = groupShapeProblem(json);
    if (problem) throw this.shapeError(operation, problem, res);
    return json as TaskGroupResp;
  }

  /** ListTaskGroup: `GET /v2/{project_id}/taskgroups?limit&offset&status` (limit 1..100, OMS default 10). */
  async listTaskGroups(q: ListTaskGroupQuery = {}, opts: CallOptions = {}): Promise<ListTaskGroupResponse> {
    const operation = 'ListTaskGroup';
    const query = buildQuery([
      ['limit', q.limit],
      ['offset', q.offset],
      ['status', q.status],
    ]);
    const path = `${this.projectPath}/taskgroups`;
    const { json, res } = await this.callJson({ operation, method: 'GET', path, query }, opts);
    if (!isRecord(json) || !Array.isArray(json.taskgroups))
      throw this.shapeError(operation, 'no taskgroups array', res);
    if (typeof json.count !== 'number') throw this.shapeError(operation, 'count is not a number', res);
    for (const group of json.taskgroups) {
      const problem = groupShapeProblem(group);
      if (problem) throw this.shapeError(operation, `taskgroups[]: ${problem}`, res);
    }
    return json as unknown as ListTaskGroupResponse;
  }

  /** StopTaskGroup (pause): `PUT …/taskgroups/{group_id}/stop`, no body. A group not creating/running gives `OMS.0066`. */
  async stopTaskGroup(groupId: string, opts: CallOptions = {}): Promise<void> {
    const path = `${this.projectPath}/taskgroups/${groupIdSegment(groupId)}/stop`;
    await this.call({ operation: 'StopTaskGroup', method: 'PUT', path }, opts);
  }

  /** StartTaskGroup (resume a paused group): `PUT …/taskgroups/{group_id}/start`; the keys are required again. */
  async startTaskGroup(groupId: string, req: StartTaskGroupReq, opts: CallOptions = {}): Promise<void> {
    const path = `${this.projectPath}/taskgroups/${groupIdSegment(groupId)}/start`;
    await this.call({ operation: 'StartTaskGroup', method: 'PUT', path, body: req }, opts);
  }

  /** RetryTaskGroup (restart a failed group): `PUT …/taskgroups/{group_id}/retry`, optionally failed objects only. */
  async retryTaskGroup(groupId: string, req: RetryTaskGroupReq, opts: CallOptions = {}): Promise<void> {
    const path = `${this.projectPath}/taskgroups/${groupIdSegment(groupId)}/retry`;
    await this.call({ operation: 'RetryTaskGroup', method: 'PUT', path, body: req }, opts);
  }

  /** UpdateTaskGroup: `PUT …/taskgroups/{group_id}/update` with `{ bandwidth_policy }` (not once it succeeded). */
  async updateTaskGroup(groupId: string, policies: BandwidthPolicyDto[], opts: CallOptions = {}): Promise<void> {
    const path = `${this.projectPath}/taskgroups/${groupIdSegment(groupId)}/update`;
    const body: UpdateBandwidthPolicyReq = { bandwidth_policy: policies };
    await this.call({ operation: 'UpdateTaskGroup', method: 'PUT', path, body }, opts);
  }

  /** DeleteTaskGroup: `DELETE …/taskgroups/{group_id}`. A creating, running or pausing group gives `OMS.0063`. */
  async deleteTaskGroup(groupId: string, opts: CallOptions = {}): Promise<void> {
    const path = `${this.projectPath}/taskgroups/${groupIdSegment(groupId)}`;
    await this.call({ operation: 'DeleteTaskGroup', method: 'DELETE', path }, opts);
  }

  // --- internals ---

  private async callJson(spec: CallSpec, opts: CallOptions): Promise<{ json: unknown; res: ExchangeResult }> {
    const res = await this.call(spec, opts);
    try {
      return { json: JSON.parse(res.text) as unknown, res };
    } catch {
      // The parser's error quotes the body, so it is not attached.
      throw protocolError('response body is not valid JSON', res.statusCode, res.headers, this.context(spec));
    }
  }

  /** Sends the request (twice at most: once more after a 401 in token mode) and returns a 2xx response. */
  private async call(spec: CallSpec, opts: CallOptions): Promise<ExchangeResult> {
    const url = `${this.base}${spec.path}${spec.query ? `?${spec.query}` : ''}`;
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const secrets = collectSecrets(spec.body);
    const auth = this.options.auth;
    if (auth.mode === 'aksk') secrets.push(auth.ak, auth.sk, auth.securityToken);

    let res: ExchangeResult;
    if (auth.mode === 'token') {
      const first = await auth.tokenProvider.getToken(opts.signal);
      secrets.push(first);
      res = await this.send(spec, url, body, { 'X-Auth-Token': first }, opts);
      if (res.statusCode === 401) {
        // Auth refresh, not a retry layer: the gateway rejected the request before OMS saw it, so even a
        // CreateTask cannot have been executed. A second 401 is final.
        auth.tokenProvider.invalidate(first);
        const second = await auth.tokenProvider.getToken(opts.signal);
        secrets.push(second);
        res = await this.send(spec, url, body, { 'X-Auth-Token': second }, opts);
      }
    } else {
      const signed = signRequest({
        method: spec.method,
        url,
        headers: this.baseHeaders({ 'X-Project-Id': this.options.projectId }),
        body,
        ak: auth.ak,
        sk: auth.sk,
        ...(auth.securityToken === undefined ? {} : { securityToken: auth.securityToken }),
        now: this.now(),
      });
      res = await this.send(spec, url, body, { 'X-Project-Id': this.options.projectId, ...signed }, opts);
    }

    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw classifyResponse(res.statusCode, res.text, res.headers, {
        ...this.context(spec),
        redact: makeRedactor(secrets),
      });
    }
    return res;
  }

  private send(
    spec: CallSpec,
    url: string,
    body: string | undefined,
    authHeaders: Record<string, string>,
    opts: CallOptions,
  ): Promise<ExchangeResult> {
    const input: ExchangeInput = {
      dispatcher: this.dispatcher,
      method: spec.method,
      url,
      headers: this.baseHeaders(authHeaders),
      timeouts: { ...this.timeouts, ...opts.timeouts },
      service: 'OMS',
      operation: spec.operation,
    };
    if (body !== undefined) input.body = body;
    if (opts.signal) input.signal = opts.signal;
    if (this.options.onRequest) input.onRequest = this.options.onRequest;
    return exchange(input);
  }

  // OMS documents Content-Type as mandatory on every API, bodies or not.
  private baseHeaders(extra: Record<string, string>): Record<string, string> {
    return { 'Content-Type': 'application/json', ...extra };
  }

  private context(spec: Pick<CallSpec, 'operation'>): ClassifyContext {
    return { service: 'OMS', operation: spec.operation, now: this.now() };
  }

  private shapeError(operation: string, problem: string, res: ExchangeResult): OmsProtocolError {
    return protocolError(
      `unexpected response shape: ${problem}`,
      res.statusCode,
      res.headers,
      this.context({ operation }),
    );
  }
}

/** Task ids are int64 in the API but documented ≤ 999999999999999, which a JS number holds exactly. */
function isTaskId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function taskIdSegment(taskId: number): string {
  if (!isTaskId(taskId)) throw new TypeError(`invalid OMS task id: ${String(taskId)}`);
  return String(taskId);
}

/** Group ids are strings of 1..100 characters (UUID-like). */
function isGroupId(x: unknown): x is string {
  return typeof x === 'string' && x.length >= 1 && x.length <= 100;
}

function groupIdSegment(groupId: string): string {
  if (!isGroupId(groupId)) throw new TypeError('invalid OMS task-group id');
  return encodeRfc3986(groupId);
}

function groupShapeProblem(x: unknown): string | undefined {
  if (!isRecord(x)) return 'task group is not an object';
  if (!isGroupId(x.group_id)) return 'group_id is not a string';
  if (typeof x.status !== 'number' || !Number.isInteger(x.status)) return 'group status is not an integer';
  return undefined;
}

function taskShapeProblem(x: unknown): string | undefined {
  if (!isRecord(x)) return 'task is not an object';
  if (!isTaskId(x.id)) return 'task id is not a safe non-negative integer';
  if (typeof x.status !== 'number' || !Number.isInteger(x.status)) return 'task status is not an integer';
  return undefined;
}

// Values are RFC 3986-encoded (spaces as %20, never '+'), matching the signer's canonical query.
function buildQuery(pairs: readonly (readonly [string, string | number | undefined])[]): string {
  return pairs
    .filter((pair): pair is readonly [string, string | number] => pair[1] !== undefined)
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(String(v))}`)
    .join('&');
}

function collectSecrets(body: unknown, out: (string | undefined)[] = [], depth = 0): (string | undefined)[] {
  if (depth > 8 || typeof body !== 'object' || body === null) return out;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string' && SECRET_FIELD_NAMES.has(key)) out.push(value);
    else if (typeof value === 'object') collectSecrets(value, out, depth + 1);
  }
  return out;
}
