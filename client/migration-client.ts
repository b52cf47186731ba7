/**
 * Typed client library for other backends: start, inspect, watch, control and collect migrations. Validates a
 * request completely before anything reaches Temporal (so nothing is started, and no OMS call made, for bad
 * input), and refuses requests that carry raw credentials.
 */
import type { Client } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';

import {
  MIGRATION_WORKFLOW_TYPE,
  PREFLIGHT_WORKFLOW_TYPE,
  REPORT_MEMO_KEY,
  TASK_GROUP_MIGRATION_WORKFLOW_TYPE,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  setBandwidthUpdate,
} from '../workflows/definitions';
import { FailureType } from '../workflows/failure-types';
import { MAX_REQUEST_BYTES, formatIssues, validateMigrationRequest } from '../workflows/shared/validate-request';
import type { migrationWorkflow } from '../workflows/migration';
import type { PreflightResult } from '../workflows/preflight-types';
import type { preflightWorkflow } from '../workflows/preflight';
import type { taskGroupMigrationWorkflow } from '../workflows/task-group-migration';
import { validateTaskGroupRequest } from '../workflows/task-group-validate';
import { mergeSnapshot } from '../workflows/migration-state';
import { OMS_DST_BUCKET, OMS_SRC_BUCKET, OMS_TASK_TYPE } from '../workflows/search-attributes';
import { isRecord } from '../workflows/shared/is-record';
import type { MigrationProgress, MigrationReport } from '../workflows/report-types';
import type {
  BandwidthWindow,
  MigrationRequest,
  NormalizedMigrationRequest,
  ValidationIssue,
} from '../workflows/request-types';
import type { TaskSnapshot } from '../workflows/task-status';
import type { TaskGroupSnapshot } from '../workflows/task-group-types';
import {
  bucketSearchAttributesMemo,
  resolveBucketSearchAttributes,
  type BucketSearchAttributeOptions,
} from './bucket-search-attributes';
import { asPayloadTooLarge } from './payload-size';

// Part of this module's public surface since before payload-size.ts existed.
export { PayloadTooLargeError, asPayloadTooLarge, payloadSizeRefusal } from './payload-size';

/** Workflow type names, for starts from the CLI or any SDK. */
export { MIGRATION_WORKFLOW_TYPE, TASK_GROUP_MIGRATION_WORKFLOW_TYPE };
/** Default task queue (the worker's `OMS_TASK_QUEUE`). */
export const DEFAULT_TASK_QUEUE = 'oms-migrations';

/** The request is invalid; `issues` names every offending field. Nothing was started. */
export class InvalidMigrationRequestError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(formatIssues(issues));
    this.name = 'InvalidMigrationRequestError';
  }
}

/**
 * Another request was already started under this migration id (running or closed). `fields` names where the two
 * requests differ (paths only, never values: a value may be a secret pasted in the wrong field); when the existing
 * request cannot be compared at all, `fields` is `['$']` and `reason` says why.
 */
export class MigrationIdConflictError extends Error {
  constructor(
    readonly migrationId: string,
    readonly fields: string[],
    readonly reason?: string,
  ) {
    const shown = fields.slice(0, 10).join(', ') + (fields.length > 10 ? `, … (${fields.length} in all)` : '');
    super(
      reason === undefined
        ? `Migration id ${migrationId} is already used by a different request (differs at: ${shown}); ` +
            'choose another id, or send the same request to attach to it'
        : `Migration id ${migrationId} is already used, and its request cannot be compared with this one ` +
            `(${reason}); choose another id`,
    );
    this.name = 'MigrationIdConflictError';
  }
}

/** Field paths where two JSON values differ (values themselves are never reported). */
export function jsonDifferences(a: unknown, b: unknown, at = '$'): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [at];
    return a.flatMap((x, i) => jsonDifferences(x, b[i], `${at}[${i}]`));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => jsonDifferences(a[k], b[k], at === '$' ? k : `${at}.${k}`));
  }
  return Object.is(a, b) ? [] : [at];
}

/** A control request (pause, resume, bandwidth) was refused; `message` says why (e.g. "the migration is not paused"). */
export class MigrationControlError extends Error {
  constructor(
    readonly action: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${action} refused: ${message}`, options);
    this.name = 'MigrationControlError';
  }
}

/** Runs an update and turns its failure into a {@link MigrationControlError} carrying the workflow's reason. */
async function control<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new MigrationControlError(action, err.cause?.message ?? err.message, { cause: err });
    }
    throw err;
  }
}

/** Where a migration stands, as seen from outside. */
export interface MigrationStatus {
  migration_id: string;
  run_id: string;
  /** Temporal execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW. */
  workflow_status: string;
  /** The workflow's own progress (from the `progress` query), when it answers. */
  progress?: MigrationProgress;
  /**
   * The freshest OMS snapshot: from the polling activity's latest attempt when newer than the workflow's (polls
   * that changed nothing are deliberately kept out of history, so only the pending activity shows them).
   */
  live?: TaskSnapshot;
  /** For a task-group migration: the freshest group snapshot, from the polling activity's latest attempt. */
  live_group?: TaskGroupSnapshot;
}

/** How a finished migration ended, with its report (also for failures that carry one). */
export interface MigrationResult {
  outcome: MigrationReport['outcome'] | 'error';
  report?: MigrationReport;
  /** Failure type and message when the workflow did not complete successfully. */
  failure?: { type?: string; message: string };
}

export interface StartOptions {
  /**
   * Migration id (= workflow id). Starting the same request under an existing id returns that migration (running
   * or closed); another request under it throws {@link MigrationIdConflictError}. Default: random.
   */
  migrationId?: string;
  taskQueue?: string;
}

/** Options of {@link MigrationClient.preflight}. */
export interface PreflightOptions {
  /** Workflow id of the dry run. Default: `preflight-<uuid>`. */
  preflightId?: string;
  taskQueue?: string;
}

/**
 * A dry run ends within this time, or fails: its activity has two minutes of attempts, and a dry run nobody's
 * worker picks up should not wait forever either.
 */
const PREFLIGHT_EXECUTION_TIMEOUT = '3m';

/** Options of {@link MigrationClient}. */
export type MigrationClientOptions = BucketSearchAttributeOptions;

/** What the migration and batch clients share: the Temporal client, the task queue they start on, the bucket index. */
export abstract class TaskQueueClient {
  /** Whether starts index the bucket names (`OmsSrcBucket`, `OmsDstBucket`); see {@link MigrationClientOptions}. */
  readonly bucketSearchAttributes: boolean;

  /** @throws Error naming `OMS_SEARCH_ATTRIBUTE_BUCKETS` when the option is not given and that variable is invalid. */
  constructor(
    readonly client: Client,
    readonly taskQueue: string = DEFAULT_TASK_QUEUE,
    options: MigrationClientOptions = {},
  ) {
    this.bucketSearchAttributes = resolveBucketSearchAttributes(options);
  }

  /** Handle of a migration or batch id. */
  abstract handle(id: string): WorkflowHandle;

  /**
   * Requests cancellation. A migration stops its OMS task (unless the request said detach) and ends cancelled; a
   * batch cancels every running item the same way.
   */
  async cancel(id: string): Promise<void> {
    await this.handle(id).cancel();
  }

  /**
   * The workers polling a task queue for workflow tasks (default: this client's), as DescribeTaskQueue reports
   * them (pollers seen in the last minutes). Empty means nothing would run a workflow started there.
   */
  async workflowPollers(taskQueue: string = this.taskQueue): Promise<{ identity: string; lastAccessTime?: Date }[]> {
    const response = await this.client.workflowService.describeTaskQueue({
      namespace: this.client.options.namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (response.pollers ?? []).map((p) => ({
      identity: p.identity ?? '',
      ...(p.lastAccessTime?.seconds != null
        ? { lastAccessTime: new Date(Number(p.lastAccessTime.seconds) * 1000) }
        : {}),
    }));
  }
}

/** Client for migrations on one namespace. */
export class MigrationClient extends TaskQueueClient {
  /**
   * Validates and starts a migration. Idempotent per migration id: when a migration with that id runs or ran (and
   * is retained) with the same request, it is returned (`existing: true`) instead of starting another, and no
   * second OMS task is ever created. Requests are compared after normalization (defaults applied), so spelling a
   * default out makes no difference.
   * @throws InvalidMigrationRequestError before contacting Temporal when the request is invalid.
   * @throws MigrationIdConflictError when the id is taken by another request (or one that cannot be read).
   * @throws PayloadTooLargeError when the server refuses the input as too large (a limit below Temporal's default).
   */
  async start(
    request: unknown,
    options: StartOptions = {},
  ): Promise<{ migrationId: string; runId: string; existing: boolean }> {
    const validation = validateMigrationRequest(request);
    if (!validation.ok) throw new InvalidMigrationRequestError(validation.errors);
    const req = validation.request;
    const migrationId = options.migrationId ?? `migration-${crypto.randomUUID()}`;
    const typedSearchAttributes: SearchAttributePair[] = [{ key: OMS_TASK_TYPE, value: req.task_type }];
    if (this.bucketSearchAttributes) {
      typedSearchAttributes.push({ key: OMS_DST_BUCKET, value: req.dst_node.bucket });
      if (req.src_node.bucket) typedSearchAttributes.push({ key: OMS_SRC_BUCKET, value: req.src_node.bucket });
    }
    try {
      const handle = await this.client.workflow.start<typeof migrationWorkflow>(MIGRATION_WORKFLOW_TYPE, {
        taskQueue: options.taskQueue ?? this.taskQueue,
        workflowId: migrationId,
        args: [request as MigrationRequest],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `OMS ${req.task_type} migration: ${req.src_node.bucket ?? 'URL list'} → ${req.dst_node.bucket}`,
        typedSearchAttributes,
        ...bucketSearchAttributesMemo(this.bucketSearchAttributes),
      });
      return { migrationId, runId: handle.firstExecutionRunId, existing: false };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // Running or finished (and retained): that execution is the migration; never start a second one. It is
        // this migration only if it was started with the same request: another request under the id is refused.
        const described = await this.client.workflow.getHandle(migrationId).describe();
        const existing = await this.existingRequest(migrationId, described);
        if ('reason' in existing) throw new MigrationIdConflictError(migrationId, ['$'], existing.reason);
        const differences = jsonDifferences(existing.request, req);
        if (differences.length > 0) throw new MigrationIdConflictError(migrationId, differences);
        return { migrationId, runId: described.runId, existing: true };
      }
      throw asPayloadTooLarge(err, migrationId, request, MAX_REQUEST_BYTES) ?? err;
    }
  }

  /**
   * Dry run: validates `request` exactly as {@link start} does, then checks it on the worker (credentials, OMS
   * endpoint and version, cloud types, regions, quota headroom, the region limiter; OBS checks where available)
   * and returns every check's verdict. Creates nothing: no OMS task, no limiter slot. See docs/dry-run.md.
   * @throws InvalidMigrationRequestError before contacting Temporal when the request is invalid.
   * @throws WorkflowFailedError when the dry run itself could not run (no worker within 3 minutes, a worker error).
   */
  async preflight(request: unknown, options: PreflightOptions = {}): Promise<PreflightResult> {
    const validation = validateMigrationRequest(request);
    if (!validation.ok) throw new InvalidMigrationRequestError(validation.errors);
    const req = validation.request;
    return this.client.workflow.execute<typeof preflightWorkflow>(PREFLIGHT_WORKFLOW_TYPE, {
      taskQueue: options.taskQueue ?? this.taskQueue,
      workflowId: options.preflightId ?? `preflight-${crypto.randomUUID()}`,
      args: [request as MigrationRequest],
      workflowExecutionTimeout: PREFLIGHT_EXECUTION_TIMEOUT,
      staticSummary: `OMS dry run: ${req.src_node.bucket ?? 'URL list'} → ${req.dst_node.bucket}`,
    });
  }

  /**
   * Validates and starts a migration through one OMS task group (`taskGroupMigrationWorkflow`): the same request as
   * {@link start} (task type `prefix` — the default here —, `list` or `url_list`; no `task_priority`), the same
   * idempotency per migration id (the same request under a running or retained id returns it; another request, or a
   * task migration, under it is a conflict). Control it with {@link pause}, {@link resume}, {@link setBandwidth},
   * {@link cancel}; {@link result} returns its `TaskGroupReport` (`kind: 'group'`) as `report`.
   * @throws InvalidMigrationRequestError before contacting Temporal when the request is invalid for a group.
   * @throws MigrationIdConflictError when the id is taken by another request or workflow type.
   */
  async startTaskGroupMigration(
    request: unknown,
    options: StartOptions = {},
  ): Promise<{ migrationId: string; runId: string; existing: boolean }> {
    const validation = validateTaskGroupRequest(request as MigrationRequest);
    if (!validation.ok) throw new InvalidMigrationRequestError(validation.errors);
    const req = validation.request;
    const migrationId = options.migrationId ?? `group-migration-${crypto.randomUUID()}`;
    const typedSearchAttributes: SearchAttributePair[] = [{ key: OMS_TASK_TYPE, value: req.task_type }];
    if (this.bucketSearchAttributes) {
      typedSearchAttributes.push({ key: OMS_DST_BUCKET, value: req.dst_node.bucket });
      if (req.src_node.bucket) typedSearchAttributes.push({ key: OMS_SRC_BUCKET, value: req.src_node.bucket });
    }
    try {
      const handle = await this.client.workflow.start<typeof taskGroupMigrationWorkflow>(
        TASK_GROUP_MIGRATION_WORKFLOW_TYPE,
        {
          taskQueue: options.taskQueue ?? this.taskQueue,
          workflowId: migrationId,
          args: [request as MigrationRequest],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `OMS ${req.task_type} task-group migration: ${req.src_node.bucket ?? 'URL list'} → ${req.dst_node.bucket}`,
          typedSearchAttributes,
          ...bucketSearchAttributesMemo(this.bucketSearchAttributes),
        },
      );
      return { migrationId, runId: handle.firstExecutionRunId, existing: false };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        const described = await this.client.workflow.getHandle(migrationId).describe();
        const existing = await this.existingRequest(migrationId, described, TASK_GROUP_MIGRATION_WORKFLOW_TYPE);
        if ('reason' in existing) throw new MigrationIdConflictError(migrationId, ['$'], existing.reason);
        const differences = jsonDifferences(existing.request, req);
        if (differences.length > 0) throw new MigrationIdConflictError(migrationId, differences);
        return { migrationId, runId: described.runId, existing: true };
      }
      throw asPayloadTooLarge(err, migrationId, request, MAX_REQUEST_BYTES) ?? err;
    }
  }

  /**
   * The normalized request an existing migration was started with: the input of its first run's first event (or,
   * when that run is no longer retained, of its current run: a continued run carries the normalized request).
   * Validated under the first rules, which accept every request any version started. Anything else — another
   * workflow type, an input that is not a valid request, a history that cannot be read — is a `reason`.
   */
  private async existingRequest(
    migrationId: string,
    described: WorkflowExecutionDescription,
    workflowType: string = MIGRATION_WORKFLOW_TYPE,
  ): Promise<{ request: NormalizedMigrationRequest } | { reason: string }> {
    if (described.type !== workflowType) {
      return {
        reason:
          workflowType === MIGRATION_WORKFLOW_TYPE
            ? `it is a ${described.type} workflow, not a migration`
            : `it is a ${described.type} workflow, not a ${workflowType}`,
      };
    }
    const firstRunId = described.raw.workflowExecutionInfo?.firstRunId || described.runId;
    for (const runId of new Set([firstRunId, described.runId])) {
      let input: unknown;
      try {
        const history = await this.client.workflowService.getWorkflowExecutionHistory({
          namespace: this.client.options.namespace,
          execution: { workflowId: migrationId, runId },
          maximumPageSize: 1,
        });
        const started = history.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
        if (!started) continue;
        input = await decodeFromPayloadsAtIndex<unknown>(
          this.client.options.loadedDataConverter,
          0,
          started.input?.payloads,
        );
      } catch {
        continue;
      }
      const existing =
        workflowType === MIGRATION_WORKFLOW_TYPE
          ? validateMigrationRequest(input, { rules: 'v1' })
          : validateTaskGroupRequest(input as MigrationRequest);
      if (!existing.ok) return { reason: 'the existing migration was not started with a valid migration request' };
      return { request: existing.request };
    }
    return { reason: "the existing migration's request could not be read from its history" };
  }

  /** Handle for a migration id. */
  override handle(migrationId: string): WorkflowHandle<typeof migrationWorkflow> {
    return this.client.workflow.getHandle<typeof migrationWorkflow>(migrationId);
  }

  /**
   * Execution status, the workflow's progress and the freshest OMS snapshot. With `query: false` the progress
   * query is not sent (a query waits for a worker: without one it only times out, after many seconds).
   */
  async status(migrationId: string, options: { query?: boolean } = {}): Promise<MigrationStatus> {
    const handle = this.handle(migrationId);
    const described = await handle.describe();
    const status: MigrationStatus = {
      migration_id: migrationId,
      run_id: described.runId,
      workflow_status: described.status.name,
    };
    try {
      if (options.query !== false) status.progress = await handle.query(progressQuery);
    } catch {
      // A closed workflow without a worker cannot answer queries; the status alone is still useful.
    }
    if (described.type === TASK_GROUP_MIGRATION_WORKFLOW_TYPE) {
      const group = await this.livePollSnapshot<TaskGroupSnapshot>(handle, 'pollTaskGroup');
      if (group) status.live_group = group;
      return status;
    }
    const live = await this.livePollSnapshot<TaskSnapshot>(handle, 'pollMigrationTask');
    // The live snapshot is fresher, but never shows less progress than the workflow already recorded.
    if (live) status.live = mergeSnapshot(status.progress?.snapshot, live);
    return status;
  }

  /** The report a migration that ended early wrote to its `report` memo (cancelled migrations have no result). */
  private async memoReport(migrationId: string): Promise<MigrationReport | undefined> {
    const described = await this.handle(migrationId).describe();
    const report = described.memo?.[REPORT_MEMO_KEY] as MigrationReport | undefined;
    return report !== undefined && typeof report === 'object' && 'outcome' in report ? report : undefined;
  }

  /** The OMS snapshot carried by the polling activity's last (pending) attempt, if any. */
  private async livePollSnapshot<T>(handle: WorkflowHandle, activityType: string): Promise<T | undefined> {
    const raw = await handle.describe();
    const pending = raw.raw.pendingActivities?.find((a) => a.activityType?.name === activityType);
    const info = pending?.lastFailure?.applicationFailureInfo;
    // Only a TaskPending failure carries a snapshot (an API error's details are the error's own).
    if (info?.type !== FailureType.TaskPending) return undefined;
    const payloads = info.details?.payloads;
    if (!payloads?.length) return undefined;
    // Through the codecs too: with payload encryption the details are encrypted like every other payload.
    return decodeFromPayloadsAtIndex<T>(this.client.options.loadedDataConverter, 0, payloads);
  }

  /** Calls `onProgress` with fresh status about every `intervalMs` until the migration closes; returns the result. */
  async watch(
    migrationId: string,
    onProgress: (status: MigrationStatus) => void,
    intervalMs = 1_000,
  ): Promise<MigrationResult> {
    for (;;) {
      const status = await this.status(migrationId);
      onProgress(status);
      if (status.workflow_status !== 'RUNNING') return this.result(migrationId);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** Pauses (StopTask). Resolves with the progress once OMS accepted the stop. */
  pause(migrationId: string): Promise<MigrationProgress> {
    return control('pause', () => this.handle(migrationId).executeUpdate(pauseUpdate));
  }

  /** Resumes a paused migration (StartTask with credentials resolved on the worker). */
  resume(migrationId: string): Promise<MigrationProgress> {
    return control('resume', () => this.handle(migrationId).executeUpdate(resumeUpdate));
  }

  /** Replaces the bandwidth policy. */
  setBandwidth(migrationId: string, policy: BandwidthWindow[]): Promise<MigrationProgress> {
    return control('bandwidth change', () =>
      this.handle(migrationId).executeUpdate(setBandwidthUpdate, { args: [policy] }),
    );
  }

  /** Waits for the migration to close and returns its outcome and report (failures carry their report too). */
  async result(migrationId: string): Promise<MigrationResult> {
    try {
      const report = await this.handle(migrationId).result();
      return { outcome: report.outcome, report };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        // An activity's failure reaches the workflow wrapped in ActivityFailure: report the underlying cause.
        const cause = err.cause instanceof ActivityFailure && err.cause.cause ? err.cause.cause : err.cause;
        if (cause instanceof ApplicationFailure) {
          const report = cause.details?.[0] as MigrationReport | undefined;
          const isReport = report !== undefined && typeof report === 'object' && 'outcome' in report;
          // A failure without its own report (e.g. TaskNotFound) leaves the task's last state in the memo.
          const memo = isReport ? undefined : await this.memoReport(migrationId);
          return {
            outcome: isReport ? report.outcome : 'error',
            report: isReport ? report : memo,
            failure: { type: cause.type ?? undefined, message: cause.message },
          };
        }
        const cancelled = cause?.name === 'CancelledFailure';
        const report = await this.memoReport(migrationId);
        return {
          outcome: cancelled ? 'cancelled' : 'error',
          ...(report ? { report } : {}),
          failure: { type: cause?.name, message: err.message },
        };
      }
      throw err;
    }
  }
}
