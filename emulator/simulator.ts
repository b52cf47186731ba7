/**
 * The migration simulator. It runs no timers: every read first calls {@link Simulator.advance}, which processes
 * the due events (a transfer finishing, a pause completing, a waiting task getting a running slot) in simulated
 * time order and then brings the running transfers up to "now". Only running tasks (at most
 * `maxRunningPerRegion` per region) cost anything per call, so the state scales to many thousands of tasks.
 *
 * A run resolves its objects when it starts executing, counts skipped objects at once (older than
 * `migrate_since`, or already at the destination per `object_overwrite_mode`) and then transfers the others one
 * after another at the speed of the bandwidth profile. Each object is written to the destination bucket when its
 * last byte is transferred; objects doomed by a failure rule consume their transfer time and then fail.
 */
import type { BandwidthPolicyDto, SpeedContext, SpeedProfile } from './bandwidth';
import { buildProfile, bytesBetween, speedAt, timeToTransfer } from './bandwidth';
import type { SimClock } from './clock';
import type { EmulatorConfig, FailureRule } from './config';
import { omsError } from './errors';
import type { ObjectStore, StoredObject } from './object-store';
import { MISSING_OBJECT_CODE, resolveObjects, trfReason } from './object-resolution';
import type { SeededRandom } from './random';
import { hashToUnit } from './random';
import type {
  ActiveRun,
  CredentialVerdict,
  ErrorReason,
  FailedItem,
  TaskCredentials,
  TaskRecord,
  TaskSpec,
  WorkItem,
} from './task-model';
import { TaskStatus, emptyCounters } from './task-model';
import type { TaskGroupRecord } from './task-group-model';

/** Where failed-object lists are written in the destination bucket. */
export function failedListKey(taskId: number): string {
  return `oms/failed_object_lists/${taskId}/failed-objects-list.txt`;
}

/** Live figures of a task at the current simulated instant. */
export interface TaskMetrics {
  progress: number;
  migrateSpeed: number;
  leftTime: number;
  totalTime: number;
  completeSize: number;
  realSize: number;
}

/** Running/waiting figures of a region. */
export interface RegionStats {
  running: number;
  waiting: number;
  maxObservedRunning: number;
}

interface RegionState {
  running: Set<TaskRecord>;
  queue: TaskRecord[];
  maxObservedRunning: number;
}

/** Persisted simulator state (credentials are not part of it). */
export interface SimulatorSnapshot {
  processedUntil: number;
  nextId: number;
  nextSeq: number;
  randomState: number;
  tasks: TaskRecord[];
  queues: Record<string, number[]>;
  maxObservedRunning: Record<string, number>;
  createHistory: Record<string, number[]>;
  /** Task groups (absent in snapshots written before groups existed). */
  taskGroups?: TaskGroupRecord[];
}

/** Collaborators of the simulator. */
export interface SimulatorDeps {
  /** The live effective configuration (runtime settings change it). */
  config: EmulatorConfig;
  clock: SimClock;
  store: ObjectStore;
  random: SeededRandom;
  /** Called after every state change worth persisting. */
  onChange: () => void;
}

const EPSILON_BYTES = 1e-6;

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function formatNameTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.slice(0, 23).replace(/[-:T.]/g, '');
}

/** The task lifecycle engine. */
export class Simulator {
  readonly tasks = new Map<number, TaskRecord>();
  /** Task groups by id (their logic: task-group.ts); kept here so they persist and reset with the tasks. */
  readonly groups = new Map<string, TaskGroupRecord>();
  private order: TaskRecord[] = [];
  private readonly regions = new Map<string, RegionState>();
  /** Task credentials, in memory only, dropped when the task leaves the states in which it may run. */
  private readonly credentials = new Map<number, TaskCredentials>();
  private readonly profiles = new Map<number, SpeedProfile>();
  private readonly patterns = new Map<string, RegExp>();
  private readonly createHistory = new Map<string, number[]>();
  private readonly waitingByDomain = new Map<string, number>();
  private processedUntil: number;
  private nextId: number;
  private nextSeq = 0;

  constructor(private readonly deps: SimulatorDeps) {
    this.processedUntil = deps.clock.now();
    this.nextId = deps.random.int(150_000_000_000_000, 250_000_000_000_000);
  }

  // --- Time ---

  /** Processes every event due by `now` and materialises running transfers up to `now`. */
  advance(now: number = this.deps.clock.now()): void {
    const target = Math.max(now, this.processedUntil);
    let changed = false;
    for (;;) {
      const event = this.nextEvent(target);
      if (!event) break;
      this.processedUntil = Math.max(this.processedUntil, event.t);
      this.materializeAll(event.t);
      if (event.kind === 'start') this.beginRun(event.task, event.t);
      else if (event.kind === 'finish') this.finishRun(event.task, event.t);
      else this.completePause(event.task, event.t);
      changed = true;
    }
    this.processedUntil = target;
    this.materializeAll(target);
    if (changed) this.deps.onChange();
  }

  private nextEvent(limit: number): { t: number; kind: 'start' | 'finish' | 'paused'; task: TaskRecord } | undefined {
    let best: { t: number; kind: 'start' | 'finish' | 'paused'; task: TaskRecord } | undefined;
    const max = this.deps.config.simulation.maxRunningPerRegion;
    for (const region of this.regions.values()) {
      for (const task of region.running) {
        const executing = task.status === TaskStatus.Executing;
        const t = executing ? (task.active as ActiveRun).finishAt : task.pauseUntil;
        if (t <= limit && (best === undefined || t < best.t)) best = { t, kind: executing ? 'finish' : 'paused', task };
      }
      const head = region.queue[0];
      if (head && region.running.size < max) {
        const t = Math.max(head.eligibleAt, this.processedUntil);
        // Strictly earlier only: at equal times a finish frees its slot before the next task starts.
        if (t <= limit && (best === undefined || t < best.t)) best = { t, kind: 'start', task: head };
      }
    }
    return best;
  }

  // --- Operations (callers advance() first) ---

  /** Creates a task (status 1). Enforces the creation and waiting-task quotas. `groupId`: a group's member task. */
  create(
    projectId: string,
    domainId: string,
    spec: TaskSpec,
    credentials: TaskCredentials,
    groupId?: string,
  ): TaskRecord {
    const now = this.processedUntil;
    const quotas = this.deps.config.quotas;
    const history = this.createHistory.get(domainId) ?? [];
    while (history.length > 0 && (history[0] as number) <= now - quotas.createWindowMs) history.shift();
    if (history.length >= quotas.createsPerWindow) throw omsError('OMS.0075');
    if ((this.waitingByDomain.get(domainId) ?? 0) >= quotas.maxWaitingTasks) throw omsError('OMS.0076');
    history.push(now);
    this.createHistory.set(domainId, history);

    this.nextId += this.deps.random.int(1, 997);
    const srcName = spec.src.bucket ?? spec.src.listFile?.obs_bucket ?? 'url';
    const suffix = this.deps.random.int(100, 999);
    const task: TaskRecord = {
      id: this.nextId,
      projectId,
      domainId,
      region: spec.dst.region,
      name: `${srcName}-${spec.dst.bucket}-${formatNameTime(now)}_${suffix}`,
      createdAt: now,
      seq: this.nextSeq++,
      spec,
      status: TaskStatus.Waiting,
      runIndex: 0,
      failedOnly: false,
      eligibleAt: now + this.deps.config.simulation.schedulingDelayMs,
      startTime: 0,
      endTime: null,
      pauseUntil: 0,
      counters: emptyCounters(),
      isQueryOver: false,
      active: null,
      failedItems: [],
      errorReason: null,
      failedObjectRecord: { result: null, list_file_key: null, error_code: null },
      smnInfo: null,
      credentialVerdict: this.verdict(spec, credentials),
    };
    if (groupId !== undefined) task.groupId = groupId;
    this.tasks.set(task.id, task);
    this.order.push(task);
    this.credentials.set(task.id, credentials);
    this.enqueue(task);
    this.deps.onChange();
    return task;
  }

  /** Restarts a stopped (3) or failed (4) task; the caller has checked the status. */
  start(task: TaskRecord, credentials: TaskCredentials, migrateFailedObject: boolean): void {
    const now = this.processedUntil;
    task.runIndex += 1;
    task.failedOnly = migrateFailedObject;
    task.status = TaskStatus.Waiting;
    task.eligibleAt = now + this.deps.config.simulation.schedulingDelayMs;
    task.startTime = 0;
    task.endTime = null;
    task.counters = emptyCounters();
    task.isQueryOver = false;
    task.errorReason = null;
    task.failedObjectRecord = { result: null, list_file_key: null, error_code: null };
    task.smnInfo = null;
    task.credentialVerdict = this.verdict(task.spec, credentials);
    this.credentials.set(task.id, credentials);
    this.enqueue(task);
    this.deps.onChange();
  }

  /** Pauses an executing task (2 → 7, then 3 after the pause duration). */
  stop(task: TaskRecord): void {
    const now = this.processedUntil;
    task.status = TaskStatus.Pausing;
    task.endTime = now;
    task.pauseUntil = now + this.deps.config.simulation.pauseDurationMs;
    // The object in flight is abandoned; a restart transfers it again.
    task.active = null;
    this.deps.onChange();
  }

  /** Stops a waiting task (1 → 3) without running it, as a group stop does for members not yet started. */
  hold(task: TaskRecord): void {
    this.dequeue(task);
    task.status = TaskStatus.Stopped;
    this.credentials.delete(task.id);
    this.deps.onChange();
  }

  /** A new task-group id: UUID-shaped, from the seeded random source (reproducible runs). */
  newGroupId(): string {
    const hex = (n: number): string =>
      Array.from({ length: n }, () => this.deps.random.int(0, 15).toString(16)).join('');
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + this.deps.random.int(0, 3)).toString(16)}${hex(3)}-${hex(12)}`;
  }

  /** Deletes a task that is not executing or pausing; the caller has checked the status. */
  delete(task: TaskRecord): void {
    if (task.status === TaskStatus.Waiting) this.dequeue(task);
    this.tasks.delete(task.id);
    const index = this.order.indexOf(task);
    if (index >= 0) this.order.splice(index, 1);
    this.credentials.delete(task.id);
    this.profiles.delete(task.id);
    this.deps.onChange();
  }

  /** Replaces the bandwidth policy; a running transfer continues at the new speeds from now on. */
  updateBandwidth(task: TaskRecord, policy: BandwidthPolicyDto[]): void {
    // Bytes moved so far were moved at the old speeds: anchor there before the profile changes.
    if (task.status === TaskStatus.Executing) this.reanchor(task);
    task.spec.bandwidthPolicy = policy;
    this.profiles.delete(task.id);
    if (task.status === TaskStatus.Executing) this.reanchor(task);
    this.deps.onChange();
  }

  /** Re-plans every running transfer after a speed-related setting changed. */
  reanchorAll(): void {
    for (const region of this.regions.values()) {
      for (const task of region.running) if (task.status === TaskStatus.Executing) this.reanchor(task);
    }
    this.deps.onChange();
  }

  // --- Queries ---

  /** A task of a project, or undefined. */
  get(projectId: string, id: number): TaskRecord | undefined {
    const task = this.tasks.get(id);
    return task && task.projectId === projectId ? task : undefined;
  }

  /** Tasks of a project, newest first, filtered; `count` is the number of matches. */
  list(
    projectId: string,
    filter: { status?: number; groupId?: string; taskName?: string },
    offset: number,
    limit: number,
  ): { tasks: TaskRecord[]; count: number } {
    const name = filter.taskName?.toLowerCase();
    const page: TaskRecord[] = [];
    let count = 0;
    for (let i = this.order.length - 1; i >= 0; i--) {
      const task = this.order[i] as TaskRecord;
      if (task.projectId !== projectId) continue;
      if (filter.status !== undefined && task.status !== filter.status) continue;
      if (filter.groupId !== undefined && filter.groupId !== '' && task.groupId !== filter.groupId) continue;
      if (name !== undefined && !task.name.toLowerCase().includes(name)) continue;
      if (count >= offset && page.length < limit) page.push(task);
      count++;
    }
    return { tasks: page, count };
  }

  /** All tasks in creation order. */
  allTasks(): readonly TaskRecord[] {
    return this.order;
  }

  /** Whether the emulator still holds the task's credentials (only while it may run). */
  holdsCredentials(taskId: number): boolean {
    return this.credentials.has(taskId);
  }

  /** Running/waiting/max-running per region. */
  regionStats(): Record<string, RegionStats> {
    const out: Record<string, RegionStats> = {};
    for (const [name, region] of this.regions) {
      out[name] = {
        running: region.running.size,
        waiting: region.queue.length,
        maxObservedRunning: region.maxObservedRunning,
      };
    }
    return out;
  }

  /** Whether any task is waiting, executing or pausing. */
  hasActiveTasks(): boolean {
    for (const region of this.regions.values()) if (region.running.size > 0 || region.queue.length > 0) return true;
    return false;
  }

  /** Live figures at the simulated instant of the last advance(). */
  metrics(task: TaskRecord): TaskMetrics {
    const now = this.processedUntil;
    const c = task.counters;
    const total = task.status === TaskStatus.Executing ? (task.active as ActiveRun) : null;
    let completeSize = c.skippedSize + c.successfulSize;
    let migrateSpeed: number;
    let leftTime = 0;
    let totalTime: number;
    if (total) {
      const next = total.items[total.doneIdx];
      if (next && next.failCode === null) completeSize += total.bytesNow - (total.cumulative[total.doneIdx] as number);
      const speed = speedAt(this.profile(task), now, this.speedContext());
      migrateSpeed = Math.round(speed);
      const remaining = (total.cumulative[total.items.length] as number) - total.bytesNow;
      leftTime = Math.max(0, Math.ceil((remaining * 1000) / speed));
      totalTime = Math.max(0, Math.round(now - task.startTime));
    } else {
      totalTime = task.endTime !== null && task.startTime > 0 ? Math.round(task.endTime - task.startTime) : 0;
      migrateSpeed = totalTime > 0 ? Math.round((c.successfulSize * 1000) / totalTime) : 0;
    }
    completeSize = Math.floor(completeSize);
    const done = c.successfulNum + c.skippedNum;
    let progress: number;
    if (task.spec.taskType === 'list' || task.spec.taskType === 'url_list') {
      progress = c.totalNum > 0 ? done / c.totalNum : task.status === TaskStatus.Succeeded ? 1 : 0;
    } else if (c.totalSize > 0) {
      progress = completeSize / c.totalSize;
    } else {
      progress = c.totalNum > 0 ? done / c.totalNum : task.status === TaskStatus.Succeeded ? 1 : 0;
    }
    return {
      progress: Math.min(1, Math.floor(progress * 10_000) / 10_000),
      migrateSpeed,
      leftTime,
      totalTime,
      completeSize,
      realSize: completeSize - c.skippedSize,
    };
  }

  // --- Run lifecycle ---

  private region(name: string): RegionState {
    let region = this.regions.get(name);
    if (!region) {
      region = { running: new Set(), queue: [], maxObservedRunning: 0 };
      this.regions.set(name, region);
    }
    return region;
  }

  private enqueue(task: TaskRecord): void {
    this.region(task.region).queue.push(task);
    this.waitingByDomain.set(task.domainId, (this.waitingByDomain.get(task.domainId) ?? 0) + 1);
  }

  private dequeue(task: TaskRecord): void {
    const queue = this.region(task.region).queue;
    const index = queue.indexOf(task);
    if (index >= 0) queue.splice(index, 1);
    this.waitingByDomain.set(task.domainId, Math.max(0, (this.waitingByDomain.get(task.domainId) ?? 1) - 1));
  }

  private verdict(spec: TaskSpec, creds: TaskCredentials): CredentialVerdict {
    const known = (ak: string | undefined, sk: string | undefined, token: string | undefined): boolean =>
      this.deps.config.accessKeys.some(
        (k) => k.ak === ak && k.sk === sk && (k.securityToken === undefined || k.securityToken === token),
      );
    return {
      src:
        spec.taskType === 'url_list'
          ? 'none'
          : known(creds.srcAk, creds.srcSk, creds.srcSecurityToken)
            ? 'valid'
            : 'invalid',
      dst: known(creds.dstAk, creds.dstSk, creds.dstSecurityToken) ? 'valid' : 'invalid',
    };
  }

  /** 1 → 2 (or straight to 4/5) at simulated instant `t`. */
  private beginRun(task: TaskRecord, t: number): void {
    this.dequeue(task);
    const { spec } = task;
    const store = this.deps.store;
    task.startTime = t;
    task.endTime = null;
    task.isQueryOver = true;
    task.counters = emptyCounters();
    const dstBucket = store.bucket(spec.dst.bucket);
    const srcBucket = spec.src.bucket === null ? undefined : store.bucket(spec.src.bucket);
    let failure: ErrorReason | undefined;
    if (task.credentialVerdict.dst !== 'valid') failure = trfReason('TRF.0057');
    else if (!dstBucket || dstBucket.region !== spec.dst.region) failure = trfReason('TRF.0058');
    else if (task.credentialVerdict.src === 'invalid') failure = trfReason('TRF.0151');
    else if (
      spec.taskType !== 'url_list' &&
      (!srcBucket || (spec.src.region !== null && srcBucket.region !== spec.src.region))
    ) {
      failure = trfReason('TRF.0155');
    }
    const resolution = failure ? undefined : resolveObjects(store, spec, task.failedOnly, task.failedItems);
    if (resolution && !resolution.ok) failure = resolution.reason;
    if (failure || !resolution || !resolution.ok) {
      this.failTask(task, t, failure ?? trfReason('TRF.0013'));
      return;
    }
    const items: WorkItem[] = [];
    const counters = task.counters;
    const sinceMs = spec.migrateSince * 1000;
    for (const object of resolution.objects) {
      counters.totalNum += 1;
      counters.totalSize += object.size;
      const item: WorkItem = {
        key: object.key,
        dstKey: object.dstKey,
        size: object.size,
        lastModified: object.lastModified,
        failCode: null,
      };
      if (object.line !== undefined) item.line = object.line;
      if (!object.exists) {
        item.failCode = MISSING_OBJECT_CODE;
      } else if (
        (spec.migrateSince > 0 && object.lastModified < sinceMs) ||
        this.existsAtDestination(spec, dstBucket?.get(object.dstKey), object.size, object.lastModified)
      ) {
        counters.skippedNum += 1;
        counters.skippedSize += object.size;
        continue;
      } else {
        item.failCode = this.failCodeFor(task, object.bucket, object.key);
      }
      items.push(item);
    }
    task.failedItems = [];
    task.status = TaskStatus.Executing;
    const cumulative = cumulativeSizes(items);
    const totalBytes = cumulative[items.length] as number;
    task.active = {
      items,
      cumulative,
      anchorTime: t,
      anchorBytes: 0,
      finishAt: timeToTransfer(this.profile(task), t, totalBytes, this.speedContext()),
      doneIdx: 0,
      bytesNow: 0,
    };
    const region = this.region(task.region);
    region.running.add(task);
    region.maxObservedRunning = Math.max(region.maxObservedRunning, region.running.size);
    if (items.length === 0) this.finishRun(task, t);
  }

  private existsAtDestination(
    spec: TaskSpec,
    dst: StoredObject | undefined,
    size: number,
    lastModified: number,
  ): boolean {
    if (!dst) return false;
    switch (spec.objectOverwriteMode) {
      case 'NO_OVERWRITE':
        return true;
      case 'FULL_OVERWRITE':
        return false;
      default:
        // SIZE_LAST_MODIFIED (and CRC64, which falls back to it: emulated objects carry no CRC64).
        return dst.size === size && dst.lastModified >= lastModified;
    }
  }

  private failCodeFor(task: TaskRecord, bucket: string | null, key: string): string | null {
    const sim = this.deps.config.simulation;
    for (const rule of sim.failureRules) {
      if (rule.bucket !== undefined && rule.bucket !== bucket) continue;
      if (!this.matches(rule, key)) continue;
      if (rule.failRuns === undefined || task.runIndex < rule.failRuns) return rule.errorCode;
    }
    if (sim.failureRate && hashToUnit(this.deps.config.seed, task.id, key, task.runIndex) < sim.failureRate.rate) {
      return sim.failureRate.errorCode;
    }
    return null;
  }

  private matches(rule: FailureRule, key: string): boolean {
    const source = rule.regex !== undefined ? `re:${rule.regex}` : `glob:${rule.glob ?? ''}`;
    let pattern = this.patterns.get(source);
    if (!pattern) {
      pattern = rule.regex !== undefined ? new RegExp(rule.regex) : globToRegExp(rule.glob ?? '');
      this.patterns.set(source, pattern);
    }
    return pattern.test(key);
  }

  private materializeAll(t: number): void {
    for (const region of this.regions.values()) {
      for (const task of region.running) if (task.status === TaskStatus.Executing) this.materialize(task, t);
    }
  }

  /** Accounts for (and writes) every object whose last byte is transferred by `t`. */
  private materialize(task: TaskRecord, t: number): void {
    const run = task.active;
    if (!run) return;
    const total = run.cumulative[run.items.length] as number;
    const bytes =
      t >= run.finishAt
        ? total
        : Math.min(total, run.anchorBytes + bytesBetween(this.profile(task), run.anchorTime, t, this.speedContext()));
    if (bytes < run.bytesNow) return;
    run.bytesNow = bytes;
    const counters = task.counters;
    let written = false;
    const dstBucket = this.deps.store.bucket(task.spec.dst.bucket);
    while (run.doneIdx < run.items.length && (run.cumulative[run.doneIdx + 1] as number) <= bytes + EPSILON_BYTES) {
      const item = run.items[run.doneIdx] as WorkItem;
      run.doneIdx += 1;
      if (item.failCode !== null) {
        counters.failedNum += 1;
        counters.failedSize += item.size;
        const failed: FailedItem = { key: item.key, dstKey: item.dstKey, errorCode: item.failCode };
        if (item.line !== undefined) failed.line = item.line;
        task.failedItems.push(failed);
      } else {
        counters.successfulNum += 1;
        counters.successfulSize += item.size;
        dstBucket?.put(item.dstKey, { size: item.size, lastModified: t });
      }
      written = true;
    }
    if (written) this.deps.onChange();
  }

  private finishRun(task: TaskRecord, t: number): void {
    this.materialize(task, t);
    this.region(task.region).running.delete(task);
    const firstFailCode = task.active?.items.find((i) => i.failCode !== null)?.failCode;
    task.active = null;
    task.endTime = t;
    const failed = task.counters.failedNum > 0;
    task.status = failed ? TaskStatus.Failed : TaskStatus.Succeeded;
    task.errorReason = failed
      ? {
          error_code: firstFailCode ?? MISSING_OBJECT_CODE,
          error_msg: `${task.counters.failedNum} object(s) failed to be migrated.`,
        }
      : null;
    this.recordFailedObjects(task, t);
    this.notify(task);
    this.credentials.delete(task.id);
  }

  private failTask(task: TaskRecord, t: number, reason: ErrorReason): void {
    task.status = TaskStatus.Failed;
    task.endTime = t;
    task.errorReason = reason;
    task.active = null;
    this.notify(task);
    this.credentials.delete(task.id);
  }

  private completePause(task: TaskRecord, t: number): void {
    this.region(task.region).running.delete(task);
    task.status = TaskStatus.Stopped;
    this.recordFailedObjects(task, t);
    this.credentials.delete(task.id);
  }

  /**
   * Writes the failed-object list to the destination bucket: one key (or URL-list line) per line, followed by a
   * tab and the failure's error code when `simulation.failedListFormat` is `key-tab-code`.
   */
  private recordFailedObjects(task: TaskRecord, t: number): void {
    if (task.counters.failedNum === 0) {
      task.failedObjectRecord = { result: null, list_file_key: null, error_code: null };
      return;
    }
    if (!task.spec.enableFailedObjectRecording) {
      task.failedObjectRecord = { result: false, list_file_key: null, error_code: null };
      return;
    }
    const bucket = this.deps.store.bucket(task.spec.dst.bucket);
    if (!bucket) {
      task.failedObjectRecord = { result: false, list_file_key: null, error_code: 'TRF.0058' };
      return;
    }
    const key = failedListKey(task.id);
    const withCodes = this.deps.config.simulation.failedListFormat === 'key-tab-code';
    const line = (item: FailedItem): string => {
      const entry = item.line ?? item.key;
      return withCodes && item.errorCode !== undefined ? `${entry}\t${item.errorCode}` : entry;
    };
    const content = task.failedItems.map(line).join('\n') + '\n';
    bucket.put(key, { size: Buffer.byteLength(content), lastModified: t, contentType: 'text/plain', content });
    task.failedObjectRecord = { result: true, list_file_key: key, error_code: null };
  }

  private notify(task: TaskRecord): void {
    const smn = task.spec.smnConfig;
    if (!smn) return;
    const wanted =
      (task.status === TaskStatus.Succeeded && smn.trigger_conditions.includes('SUCCESS')) ||
      (task.status === TaskStatus.Failed && smn.trigger_conditions.includes('FAILURE'));
    task.smnInfo = {
      notify_result: wanted,
      notify_error_message: '',
      topic_name: smn.topic_urn.split(':').pop() ?? smn.topic_urn,
    };
  }

  private reanchor(task: TaskRecord): void {
    const run = task.active;
    if (!run) return;
    const now = this.processedUntil;
    this.materialize(task, now);
    run.anchorTime = now;
    run.anchorBytes = run.bytesNow;
    const total = run.cumulative[run.items.length] as number;
    run.finishAt = timeToTransfer(this.profile(task), now, total - run.bytesNow, this.speedContext());
  }

  private profile(task: TaskRecord): SpeedProfile {
    let profile = this.profiles.get(task.id);
    if (!profile) {
      profile = buildProfile(task.spec.bandwidthPolicy);
      this.profiles.set(task.id, profile);
    }
    return profile;
  }

  private speedContext(): SpeedContext {
    const sim = this.deps.config.simulation;
    return { defaultSpeed: sim.defaultSpeedBytesPerSec, utcOffsetMinutes: sim.bandwidthUtcOffsetMinutes };
  }

  // --- Persistence ---

  /** The persisted form (a deep copy is made by JSON serialisation; cumulative sizes are rebuilt on load). */
  snapshot(): SimulatorSnapshot {
    const queues: Record<string, number[]> = {};
    const maxObservedRunning: Record<string, number> = {};
    for (const [name, region] of this.regions) {
      queues[name] = region.queue.map((t) => t.id);
      maxObservedRunning[name] = region.maxObservedRunning;
    }
    return {
      processedUntil: this.processedUntil,
      nextId: this.nextId,
      nextSeq: this.nextSeq,
      randomState: this.deps.random.seedState,
      tasks: this.order.map((task) => (task.active ? { ...task, active: { ...task.active, cumulative: [] } } : task)),
      queues,
      maxObservedRunning,
      createHistory: Object.fromEntries(this.createHistory),
      taskGroups: [...this.groups.values()],
    };
  }

  /** Restores a snapshot taken by {@link snapshot} (credentials are gone: verdicts were persisted instead). */
  restore(snapshot: SimulatorSnapshot): void {
    this.processedUntil = snapshot.processedUntil;
    this.deps.random.setState(snapshot.randomState);
    this.nextId = snapshot.nextId;
    this.nextSeq = snapshot.nextSeq;
    for (const task of snapshot.tasks) {
      if (task.active) task.active.cumulative = cumulativeSizes(task.active.items);
      this.tasks.set(task.id, task);
      this.order.push(task);
      if (task.status === TaskStatus.Executing || task.status === TaskStatus.Pausing) {
        this.region(task.region).running.add(task);
      }
    }
    for (const [name, ids] of Object.entries(snapshot.queues)) {
      const region = this.region(name);
      for (const id of ids) {
        const task = this.tasks.get(id);
        if (!task) continue;
        region.queue.push(task);
        this.waitingByDomain.set(task.domainId, (this.waitingByDomain.get(task.domainId) ?? 0) + 1);
      }
    }
    for (const [name, max] of Object.entries(snapshot.maxObservedRunning)) this.region(name).maxObservedRunning = max;
    for (const [domain, history] of Object.entries(snapshot.createHistory)) this.createHistory.set(domain, history);
    for (const group of snapshot.taskGroups ?? []) this.groups.set(group.id, group);
  }
}

function cumulativeSizes(items: readonly WorkItem[]): number[] {
  const out = new Array<number>(items.length + 1);
  out[0] = 0;
  for (let i = 0; i < items.length; i++) out[i + 1] = (out[i] as number) + (items[i] as WorkItem).size;
  return out;
}
