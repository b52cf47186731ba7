/**
 * Wire types of the admin API (`/__admin/...`), shared by the server side (admin.ts) and the typed client
 * (admin-client.ts). Types only: importing this module pulls in no server code.
 */
import type { FaultRule, FaultRuleInput } from './faults';
import type { HeldRequest } from './held-requests';
import type { RequestLogEntry, RouteCounters } from './request-log';
import type { RegionStats, TaskMetrics } from './simulator';
import type { CredentialVerdict, ErrorReason, TaskStatusCode, TaskType } from './task-model';
import type { FailureRateConfig, FailureRule } from './config';

/** Run counters as the admin API shows them. */
export interface AdminTaskCounters {
  total: number;
  successful: number;
  failed: number;
  skipped: number;
  totalSize: number;
  successfulSize: number;
  failedSize: number;
  skippedSize: number;
}

/** Ground truth about a task, beyond what ShowTask shows. Times are simulated epoch ms. */
export interface AdminTaskView {
  id: number;
  projectId: string;
  name: string;
  status: TaskStatusCode;
  taskType: TaskType;
  region: string;
  srcBucket: string | null;
  dstBucket: string;
  /** 0 in the first run, +1 per StartTask. */
  runIndex: number;
  /** Whether the current/last run only retried failed objects. */
  failedOnly: boolean;
  createdAt: number;
  eligibleAt: number;
  startTime: number;
  endTime: number | null;
  /** Counters of the current/last run (sizes in bytes). */
  counters: AdminTaskCounters;
  metrics: TaskMetrics;
  /** Keys (or URL-list lines) that failed in the current/last run. */
  failedKeys: string[];
  errorReason: ErrorReason | null;
  /** Whether the emulator still holds the task's credentials in memory. */
  holdsCredentials: boolean;
  credentialVerdict: CredentialVerdict;
  /** The transfer in progress, if executing. */
  activeRun: { items: number; doneIdx: number; bytesNow: number; totalBytes: number; finishAt: number } | null;
}

/** `GET /__admin/tasks`. */
export interface AdminTasksResponse {
  tasks: AdminTaskView[];
  regions: Record<string, RegionStats>;
}

/** An object as `GET /__admin/objects?bucket&key` returns it. */
export interface AdminObject {
  bucket: string;
  key: string;
  size: number;
  lastModified: number;
  contentType: string | null;
  /** Text content (list files, failed-object lists); null for data objects. */
  content: string | null;
}

/** `PUT /__admin/objects` body. `lastModified` defaults to the simulated now; `size` to the content length. */
export interface AdminPutObject {
  bucket: string;
  key: string;
  size?: number;
  lastModified?: number;
  content?: string;
  contentType?: string;
  /** Create the bucket if missing (in `region`, default: the emulator region). */
  createBucket?: boolean;
  region?: string;
}

/** A bucket summary. */
export interface AdminBucket {
  name: string;
  region: string;
  objects: number;
  totalSize: number;
}

/** `GET/PUT /__admin/clock`. */
export interface AdminClock {
  simNow: number;
  simNowIso: string;
  wallNow: number;
  /** Simulated ms per wall ms; 0 = manual clock (simulated time moves only by `advanceMs`). */
  timeScale: number;
}

/** Runtime settings (`GET/PATCH /__admin/settings`). */
export interface AdminSettings {
  timeScale: number;
  tokenTtlMs: number;
  defaultSpeedBytesPerSec: number;
  maxRunningPerRegion: number;
  schedulingDelayMs: number;
  pauseDurationMs: number;
  bandwidthUtcOffsetMinutes: number;
  failureRules: FailureRule[];
  failureRate: FailureRateConfig | null;
  createsPerWindow: number;
  createWindowMs: number;
  maxWaitingTasks: number;
}

/** `GET /__admin/stats`: process figures for benchmarks. */
export interface AdminStats {
  tasks: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  uptimeMs: number;
  /** CPU time of the emulator process so far (process.cpuUsage), microseconds. */
  cpuUserMicros: number;
  cpuSystemMicros: number;
  pid: number;
}

/** Types the admin API also uses, re-exported so that clients need only this module. */
export type { FaultRule, FaultRuleInput, HeldRequest, RequestLogEntry, RouteCounters, RegionStats, TaskMetrics };
