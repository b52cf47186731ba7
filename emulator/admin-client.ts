/**
 * A small typed client of the emulator's admin API (`/__admin`), on the global `fetch`. Tests use it to inject
 * faults, inspect ground truth and change the emulated world. Every method throws {@link AdminRequestError} on a
 * non-2xx answer.
 */
import type {
  AdminBucket,
  AdminClock,
  AdminObject,
  AdminPutObject,
  AdminSettings,
  AdminStats,
  AdminTaskView,
  AdminTasksResponse,
  FaultRule,
  FaultRuleInput,
  HeldRequest,
  RegionStats,
  RequestLogEntry,
  RouteCounters,
} from './admin-types';
import type { RouteName } from './routes';

/** A non-2xx admin answer. */
export class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Typed access to `/__admin` of one emulator. */
export class AdminClient {
  /** @param baseUrl the emulator URL, e.g. `http://127.0.0.1:8080` */
  constructor(readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/__admin${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const value: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) {
      const message = (value as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`;
      throw new AdminRequestError(response.status, `${method} /__admin${path}: ${message}`);
    }
    return value as T;
  }

  /** Liveness. */
  health(): Promise<{ ok: boolean }> {
    return this.call('GET', '/health');
  }

  /** Process figures (task count, RSS, heap). */
  stats(): Promise<AdminStats> {
    return this.call('GET', '/stats');
  }

  /** Requests per route (SDK operation names; `Unmatched` for 404s) since the last reset. */
  counters(): Promise<RouteCounters> {
    return this.call('GET', '/counters');
  }

  /** The request log, oldest first; optionally one route and only the last `limit` entries. */
  async requests(options: { route?: RouteName; limit?: number } = {}): Promise<RequestLogEntry[]> {
    const params = new URLSearchParams();
    if (options.route !== undefined) params.set('route', options.route);
    if (options.limit !== undefined) params.set('limit', String(options.limit));
    const encoded = params.toString();
    const query = encoded === '' ? '' : `?${encoded}`;
    return (await this.call<{ requests: RequestLogEntry[] }>('GET', `/requests${query}`)).requests;
  }

  /** Clears the request log and the counters. */
  async clearRequests(): Promise<void> {
    await this.call('DELETE', '/requests');
  }

  /**
   * The requests a `late-apply` fault is holding right now (oldest first). A request appears once its body has
   * been read and leaves when it is processed, so a test can wait for it here before aborting its client.
   */
  async heldRequests(): Promise<HeldRequest[]> {
    return (await this.call<{ held: HeldRequest[] }>('GET', '/requests/held')).held;
  }

  /** Ends the hold of one request (by request id) or of all of them now: they are processed at once. */
  async releaseHeld(requestId?: string): Promise<number> {
    const body = requestId === undefined ? {} : { requestId };
    return (await this.call<{ released: number }>('POST', '/requests/held/release', body)).released;
  }

  /** Adds fault rules; returns them with their ids. */
  async addFaults(...rules: FaultRuleInput[]): Promise<FaultRule[]> {
    return (await this.call<{ faults: FaultRule[] }>('POST', '/faults', rules)).faults;
  }

  /** Active fault rules. */
  async faults(): Promise<FaultRule[]> {
    return (await this.call<{ faults: FaultRule[] }>('GET', '/faults')).faults;
  }

  /** Removes one fault rule, or all of them. */
  async clearFaults(id?: number): Promise<void> {
    await this.call('DELETE', id === undefined ? '/faults' : `/faults/${id}`);
  }

  /** Revokes every token issued so far, or those of one user (name or id). */
  async revokeTokens(user?: string): Promise<void> {
    await this.call('POST', '/tokens/revoke', user === undefined ? {} : { user });
  }

  /** All tasks with ground truth, and per-region running/waiting/max-running figures. */
  tasks(): Promise<AdminTasksResponse> {
    return this.call('GET', '/tasks');
  }

  /** One task with ground truth. */
  task(id: number): Promise<AdminTaskView> {
    return this.call('GET', `/tasks/${id}`);
  }

  /** Per-region figures. */
  regions(): Promise<Record<string, RegionStats>> {
    return this.call('GET', '/regions');
  }

  /** Bucket summaries. */
  async buckets(): Promise<AdminBucket[]> {
    return (await this.call<{ buckets: AdminBucket[] }>('GET', '/buckets')).buckets;
  }

  /** Creates a bucket (default region: the emulator's). */
  async createBucket(name: string, region?: string): Promise<void> {
    await this.call('POST', '/buckets', region === undefined ? { name } : { name, region });
  }

  /** Deletes a bucket. */
  async deleteBucket(name: string): Promise<void> {
    await this.call('DELETE', `/buckets/${encodeURIComponent(name)}`);
  }

  /** One object (with its text content, if any); undefined when it does not exist. */
  async getObject(bucket: string, key: string): Promise<AdminObject | undefined> {
    const params = new URLSearchParams({ bucket, key });
    try {
      return await this.call<AdminObject>('GET', `/objects?${params.toString()}`);
    } catch (err) {
      if (err instanceof AdminRequestError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The text content of an object (e.g. a failed-object list); throws if it is missing or not a text object. */
  async readObject(bucket: string, key: string): Promise<string> {
    const object = await this.getObject(bucket, key);
    if (object?.content == null) throw new AdminRequestError(404, `no text object ${bucket}/${key}`);
    return object.content;
  }

  /** Object keys under a prefix. */
  listObjects(
    bucket: string,
    prefix = '',
    limit = 1000,
  ): Promise<{ bucket: string; count: number; objects: { key: string; size: number; lastModified: number }[] }> {
    const params = new URLSearchParams({ bucket, prefix, limit: String(limit) });
    return this.call('GET', `/objects?${params.toString()}`);
  }

  /** Creates or replaces an object. */
  putObject(object: AdminPutObject): Promise<{ bucket: string; key: string; size: number; lastModified: number }> {
    return this.call('PUT', '/objects', object);
  }

  /** Deletes an object. */
  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.call('DELETE', `/objects?${new URLSearchParams({ bucket, key }).toString()}`);
  }

  /** Back to the configured fixtures (tasks, buckets, faults, log, counters, lock-outs). */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  /** The simulated clock. */
  clock(): Promise<AdminClock> {
    return this.call('GET', '/clock');
  }

  /**
   * Changes the time scale and/or jumps simulated time forward. `timeScale: 0` is the manual clock: simulated time
   * then stands still and moves only by `advanceMs`, however loaded the machine is.
   */
  setClock(change: { timeScale?: number; advanceMs?: number }): Promise<AdminClock> {
    return this.call('PUT', '/clock', change);
  }

  /** Runtime settings. */
  settings(): Promise<AdminSettings> {
    return this.call('GET', '/settings');
  }

  /** Changes runtime settings (time scale, token TTL, speeds, limits, failure rules, quotas). */
  updateSettings(change: Partial<AdminSettings>): Promise<AdminSettings> {
    return this.call('PATCH', '/settings', change);
  }

  /** Writes a snapshot now (with a data directory). */
  async flush(): Promise<void> {
    await this.call('POST', '/flush');
  }
}
