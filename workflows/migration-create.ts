/**
 * Creating the OMS task exactly once, and cleaning up after creates whose outcome was unknown (workflow side).
 *
 * OMS has no idempotency key: the task description carries a marker derived from the migration's idempotency key,
 * and a create that may follow another one for the same migration looks for the marker first. That is not enough
 * on its own: a CreateTask that OMS processes after the client gave up (a proxy forwarding it late) lands after
 * the next attempt's look-up. So after any create whose outcome was unknown, the workflow reconciles: it looks
 * the marker up again after a settle window and when the migration ends, and removes every other task with it.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  log,
  proxyActivities,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';

import type { Activities } from '../activities';
import { API_CALL, CLEANUP_CALL } from './activity-options';
import type { CreateMigrationTaskInput, CreateMigrationTaskOutput, RemovedDuplicate } from './activity-types';
import { FailureType, type LookupIncompleteDetails } from './failure-types';
import { addCalls, emptyCalls } from './shared/calls';
import { logEvent } from './migration-log';
import { DeadlineReached, type MigrationCarriedState } from './migration-state';
import type { RegionSlot } from './region-limiter';
import type { NormalizedMigrationRequest } from './request-types';
import {
  bucketSearchAttributesAllowed,
  OMS_DST_BUCKET,
  OMS_SRC_BUCKET,
  OMS_STATUS,
  OMS_TASK_ID,
  OMS_TASK_TYPE,
} from './search-attributes';
import { firstRun } from './shared/run-counters';
import { TaskStatus, statusText } from './task-status';

const api = proxyActivities<Activities>(API_CALL);

/**
 * Bound on resumed look-ups per creation. Each round reads at least one page of 100 tasks further than the last
 * (or, after a retried attempt, starts again), so this covers far more tasks than a project holds.
 */
export const MAX_LOOKUP_ROUNDS = 200;

/** Shortest and longest wait before the first reconciliation after an uncertain create. */
const SETTLE_MIN_MS = 10_000;
const SETTLE_MAX_MS = 120_000;

/** The migration's idempotency key: namespace / workflow id / first run id (unchanged by resets). */
export function idempotencyKey(): string {
  const info = workflowInfo();
  return `${info.namespace}/${info.workflowId}/${info.firstExecutionRunId}`;
}

/**
 * True when this run may not be the first to create for the migration: a reset run (a new run id, the original
 * run id kept) or a retried workflow run. Such a run looks its task up before creating.
 */
export function mayFollowEarlierRun(): boolean {
  const info = workflowInfo();
  const original = info.originalExecutionRunId || info.runId;
  return info.runId !== original || info.runId !== info.firstExecutionRunId;
}

/** Thrown by {@link createOnce} when the deadline passes while it waits for the creation quota. */
export class CreateDeadlineReached extends Error {}

/**
 * Calls `createMigrationTask` until it returns a task, the deadline passes or the workflow is cancelled. A quota
 * refusal is waited out here, on a cancellable timer, so a cancellation while waiting ends the migration at once;
 * a cancellation while a create runs waits for that attempt's outcome (its activity cannot be interrupted
 * mid-request), and any create whose outcome stays unknown is resolved by a look-up that removes what it made.
 */
export async function createOnce(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  show: () => void,
): Promise<CreateMigrationTaskOutput> {
  const { createMigrationTask } = proxyActivities<Activities>({
    ...API_CALL,
    ...(state.visibility ? { summary: createSummary(req) } : {}),
    // A quota refusal comes back to the workflow, which waits for it on a timer (see below).
    retry: {
      ...API_CALL.retry,
      nonRetryableErrorTypes: [...API_CALL.retry!.nonRetryableErrorTypes!, FailureType.QuotaExceeded],
    },
    // Up to the deadline (at least ten minutes): refused credentials after an unknown outcome back off until fixed.
    scheduleToCloseTimeout: Math.max(10 * 60_000, state.deadline_at - Date.now()),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  let lookupFirst = mayFollowEarlierRun();
  let lookup: CreateMigrationTaskInput['lookup'];
  /** Whether a create for this migration may have been sent and not answered. */
  let maybeSent = lookupFirst;
  const startedAt = Date.now();
  for (let round = 1; ; round++) {
    try {
      maybeSent = true; // from here until a definite answer
      const created = await createMigrationTask({
        migration_id: workflowInfo().workflowId,
        idempotency_key: idempotencyKey(),
        request: req,
        ...(lookup ? { lookup } : {}),
        ...(lookupFirst ? { lookup_first: true } : {}),
      });
      // Decided from the recorded result only: a reset run replaying this create must take the same path.
      if (created.uncertain) {
        // Another create may still land: look again once it had time to, and when the migration ends.
        const settle = Math.min(SETTLE_MAX_MS, Math.max(SETTLE_MIN_MS, 2 * (Date.now() - startedAt)));
        state.reconcile = { due_at: Date.now() + settle };
      }
      return created;
    } catch (err) {
      const quota = quotaRefusal(err);
      if (quota) {
        maybeSent = quota.uncertain;
        lookupFirst ||= quota.uncertain;
        lookup = undefined;
        state.phase = 'waiting_for_quota';
        show();
        const left = state.deadline_at - Date.now();
        if (left <= 0) {
          if (maybeSent) await reconcile(req, state, undefined);
          throw new CreateDeadlineReached();
        }
        try {
          await sleep(Math.min(quota.delayMs, left));
        } catch (sleepErr) {
          // Cancelled while waiting: the last answer was a definite refusal, so nothing to resolve unless an
          // earlier attempt's outcome was unknown.
          if (maybeSent) await reconcile(req, state, undefined);
          throw sleepErr;
        }
        state.phase = 'creating';
        show();
        continue;
      }
      const resume = lookupIncomplete(err);
      if (resume !== undefined && round < MAX_LOOKUP_ROUNDS) {
        state.calls = addCalls(state.calls, resume.calls);
        lookup = { resume_offset: resume.resume_offset };
        continue;
      }
      // Cancelled, timed out or failed with the outcome of some create unknown: find and remove what it made.
      if (maybeSent && !isDefiniteRefusal(err)) await reconcile(req, state, undefined);
      throw err;
    }
  }
}

/**
 * True when the failed call is known to have created nothing and to follow no unanswered create (the activity
 * marks its refusals with `create_uncertain: false`).
 */
function isDefiniteRefusal(err: unknown): boolean {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return false;
  const d = err.cause.details?.[0] as { create_uncertain?: unknown } | undefined;
  return d?.create_uncertain === false;
}

/**
 * Removes every task with the migration's marker except `keep` (none: all), recording what it removed. Runs even
 * when the workflow is cancelled; never throws (a failure is logged, and a later reconciliation tries again).
 */
export async function reconcile(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  keep: number | undefined,
): Promise<void> {
  const { reconcileMigrationTasks } = proxyActivities<Activities>({
    ...CLEANUP_CALL,
    // The scan keeps its place across attempts through heartbeats.
    heartbeatTimeout: '60s',
    ...(state.visibility
      ? { summary: "Looking for duplicate OMS tasks of this migration (a create's outcome was unknown)" }
      : {}),
  });
  await CancellationScope.nonCancellable(async () => {
    try {
      const out = await reconcileMigrationTasks({
        api_profile: req.orchestration.api_profile,
        idempotency_key: idempotencyKey(),
        ...(keep === undefined ? {} : { keep_task_id: keep }),
      });
      state.calls = addCalls(state.calls, out.calls);
      recordRemoved(state, out.removed);
    } catch (err) {
      log.error('Could not check OMS for duplicate tasks of this migration; tasks with its marker may remain', {
        keepTaskId: keep,
        error: String(err),
      });
    }
  });
}

function recordRemoved(state: MigrationCarriedState, removed: RemovedDuplicate[]): void {
  if (removed.length === 0) return;
  const byId = new Map((state.duplicates ?? []).map((d) => [d.task_id, d]));
  for (const d of removed) {
    const before = byId.get(d.task_id);
    byId.set(d.task_id, { ...d, status: d.status ?? before?.status });
  }
  state.duplicates = [...byId.values()];
  log.warn('Removed duplicate OMS tasks of this migration', { taskId: state.task_id, removed });
}

/** The create activity's summary in the UI: what it creates, where. */
function createSummary(req: NormalizedMigrationRequest): string {
  return `Creating the OMS task: ${req.src_node.bucket ?? 'URL list'} → ${req.dst_node.bucket} (${req.dst_node.region})`;
}

/** The quota refusal in a create failure: how long to wait and whether an earlier attempt's outcome was unknown. */
function quotaRefusal(err: unknown): { delayMs: number; uncertain: boolean } | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== FailureType.QuotaExceeded) return undefined;
  const next: unknown = err.cause.nextRetryDelay;
  const delayMs = typeof next === 'number' ? next : 10 * 60_000;
  return { delayMs: Math.max(1_000, delayMs), uncertain: !isDefiniteRefusal(err) };
}

/** The resume point of a `LookupIncomplete` activity failure, or undefined for any other error. */
export function lookupIncomplete(err: unknown): LookupIncompleteDetails | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== FailureType.LookupIncomplete) return undefined;
  const d = err.cause.details?.[0] as Partial<LookupIncompleteDetails> | undefined;
  if (typeof d?.resume_offset !== 'number' || !Number.isSafeInteger(d.resume_offset) || d.resume_offset < 0) {
    return undefined;
  }
  return { resume_offset: d.resume_offset, calls: d.calls ?? emptyCalls() };
}

/**
 * Prepares (profiles, IAM token), waits for a region slot, creates the task once, and records it in the state and
 * the search attributes.
 */
export async function createTask(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  id: string,
  slot: RegionSlot,
  v3: boolean,
  show: () => void,
): Promise<void> {
  state.phase = 'creating';
  const prepare = state.visibility
    ? proxyActivities<Activities>({ ...API_CALL, summary: 'Checking the credential profiles and the IAM token' })
    : api;
  const profiles = [
    req.src_node.credential_profile,
    req.dst_node.credential_profile,
    req.source_cdn?.credential_profile,
  ];
  const prepared = await prepare.prepareMigration({
    api_profile: req.orchestration.api_profile,
    profiles: profiles.filter((p): p is string => typeof p === 'string'),
  });
  state.calls = addCalls(state.calls, prepared.calls);
  if (prepared.notify_default) state.notify_default = true;
  // Region limiter: wait (durably) for a running slot and room in the creation quota.
  if (!(await slot.acquire(true, state.deadline_at))) throw new DeadlineReached();
  const created = v3 ? await createOnce(req, state, show) : await createBeforeV3(req, state, id);
  state.calls = addCalls(state.calls, created.calls);
  state.task_id = created.task_id;
  state.task_name = created.task_name;
  state.phase = 'waiting';
  if (state.visibility) state.tally = firstRun();
  if (created.reattached) {
    logEvent('migration.task_attached', 'Re-attached to the OMS task an earlier attempt created', id, created.task_id);
  } else {
    logEvent('migration.task_created', `Created OMS task ${created.task_id}`, id, created.task_id, {
      taskName: created.task_name,
    });
  }
  const pairs: SearchAttributeUpdatePair[] = [
    { key: OMS_TASK_ID, value: created.task_id },
    { key: OMS_STATUS, value: statusText(TaskStatus.WAITING) },
    { key: OMS_TASK_TYPE, value: req.task_type },
  ];
  // Bucket names only where the starter allows them (a memo from the start event, so replay decides the same). The
  // upsert command is the same either way; only its content differs, which replay does not compare.
  if (bucketSearchAttributesAllowed(workflowInfo().memo)) {
    pairs.push({ key: OMS_DST_BUCKET, value: req.dst_node.bucket });
    if (req.src_node.bucket) pairs.push({ key: OMS_SRC_BUCKET, value: req.src_node.bucket });
  }
  upsertSearchAttributes(pairs);
}

/** The create as runs recorded before `CORE_PROMISES_PATCH` made it (kept for their replay). */
async function createBeforeV3(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
  id: string,
): Promise<CreateMigrationTaskOutput> {
  // Not cancellable: a create cancelled mid-flight could still land at OMS, orphaning a running task.
  const { createMigrationTask } = proxyActivities<Activities>({
    ...API_CALL,
    scheduleToCloseTimeout: Math.max(10 * 60_000, state.deadline_at - Date.now()),
  });
  let lookup: CreateMigrationTaskInput['lookup'];
  for (let round = 1; ; round++) {
    try {
      return await CancellationScope.nonCancellable(() =>
        createMigrationTask({
          migration_id: id,
          idempotency_key: idempotencyKey(),
          request: req,
          ...(lookup ? { lookup } : {}),
        }),
      );
    } catch (err) {
      const resume = lookupIncomplete(err);
      if (resume === undefined || round >= MAX_LOOKUP_ROUNDS) throw err;
      state.calls = addCalls(state.calls, resume.calls);
      lookup = { resume_offset: resume.resume_offset };
    }
  }
}

/**
 * After an uncertain create, waits out the settle window (a late request has had time to land), then removes any
 * other task with the marker before polling.
 */
export async function reconcileAfterSettling(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
): Promise<void> {
  const dueAt = state.reconcile?.due_at;
  if (dueAt === undefined || dueAt === null) return;
  const wait = Math.min(dueAt, state.deadline_at) - Date.now();
  if (wait > 0) await sleep(wait);
  await reconcile(req, state, state.task_id);
  state.reconcile = { due_at: null };
}
