/**
 * The migration activities. Each is thin — one OMS operation or one idempotent step — maps every error through
 * `toApplicationFailure` (the only retry layer is Temporal's retry policy), and returns only small, secret-free
 * results with the API calls it made.
 */
import { activityInfo, cancellationSignal, heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

import type {
  CreateMigrationTaskInput,
  CreateMigrationTaskOutput,
  PollMigrationTaskInput,
  PollMigrationTaskOutput,
  PrepareMigrationInput,
  PrepareMigrationOutput,
  ReconcileTasksInput,
  ReconcileTasksOutput,
  RemovedDuplicate,
  ShowMigrationTaskOutput,
  StartMigrationTaskInput,
  StopMigrationTaskOutput,
  StopMigrationTaskInput,
  TaskControlInput,
  TaskControlOutput,
  UpdateBandwidthInput,
} from '../workflows/activity-types';
import { FailureType, type LookupIncompleteDetails } from '../workflows/failure-types';
import { emptyCalls } from '../workflows/internal/calls';
import { checkpointOf, isReportable, nextPollDelayMs } from '../workflows/internal/polling';
import { TaskStatus, isFinalStatus, statusText } from '../workflows/types';
import { buildCreateTaskRequest, hasMarker, idempotencyMarker } from './build-create-request';
import { currentCalls, withCallAccounting } from './call-accounting';
import type { ActivityContext } from './context';
import { recordStatusDetection } from './metrics';
import { LIST_ALL_PAGE_SIZE, type OmsClient } from './oms/client';
import { OmsApiError } from './oms/errors';
import type { StartTaskReq, TaskResp } from './oms/wire-types';
import { toTaskSnapshot } from './task-snapshot';
import { toApplicationFailure } from './to-application-failure';

/** Bound on the stop/delete race with OMS's scheduler when halting a task. */
const HALT_ROUNDS = 3;

const FINAL_STATUSES = [TaskStatus.STOPPED, TaskStatus.FAILED, TaskStatus.SUCCEEDED];

/** Runs an activity body with call accounting and the one error mapping. */
async function run<T extends object>(body: () => Promise<T>): Promise<T & { calls: PrepareMigrationOutput['calls'] }> {
  try {
    const { result, calls } = await withCallAccounting(body);
    return { ...result, calls };
  } catch (err) {
    throw toApplicationFailure(err);
  }
}

/**
 * Reads the task list (pages of the API maximum, until a short page) for the task whose description carries
 * `marker`, from one page before `known` (the offset an earlier look-up reached; the overlap tolerates tasks
 * deleted meanwhile). When a page fails transiently after the look-up got past `known`, throws `LookupIncomplete`
 * (non-retryable) with the offset reached, so the workflow resumes there instead of a retry reading everything
 * again: with thousands of tasks and a flaky API, a look-up that restarts on every failure may never finish.
 * Every `LookupIncomplete` is further than the previous one, so the resumptions end.
 */
async function findTaskByMarker(
  client: OmsClient,
  marker: string,
  known: number,
  signal: AbortSignal,
): Promise<TaskResp | undefined> {
  let offset = Math.max(0, known - LIST_ALL_PAGE_SIZE);
  const stopBy = lookupStopBy();
  const incomplete = (why: string, cause?: ApplicationFailure): ApplicationFailure => {
    const details: LookupIncompleteDetails = { resume_offset: offset, calls: currentCalls() };
    return ApplicationFailure.create({
      type: FailureType.LookupIncomplete,
      message: `Looking for a task an earlier attempt may have created stopped at task ${offset} (${why}); resume there`,
      nonRetryable: true,
      details: [details],
      cause,
    });
  };
  for (;;) {
    // Out of time for this attempt: end it with the offset reached rather than let it time out and start over.
    if (offset > known && Date.now() >= stopBy) throw incomplete('the attempt ran out of time');
    let tasks: TaskResp[];
    try {
      tasks = (await client.listTasks({ limit: LIST_ALL_PAGE_SIZE, offset }, { signal })).tasks;
    } catch (err) {
      // Resumable when the one error mapping calls it retryable (transport, 5xx, 429): the API may answer next.
      const cause = OmsApiError.is(err) ? toApplicationFailure(err) : undefined;
      if (offset > known && cause instanceof ApplicationFailure && !cause.nonRetryable) {
        throw incomplete(cause.message, cause);
      }
      throw err;
    }
    const task = tasks.find((t) => hasMarker(t.description, marker));
    if (task) return task;
    offset += tasks.length;
    if (tasks.length < LIST_ALL_PAGE_SIZE) return undefined;
  }
}

/**
 * When a look-up (starting now) should stop reading pages and hand its offset back: after half of the attempt's
 * start-to-close time, so one more slow page still fits before the attempt would time out and lose its progress.
 */
function lookupStopBy(): number {
  const info = activityInfo();
  const budget = info.startToCloseTimeoutMs > 0 ? info.startToCloseTimeoutMs : 60_000;
  return Date.now() + budget / 2;
}

/** Heartbeat details of {@link migrationActivities}' `reconcileMigrationTasks`: where its scan had got to. */
interface ReconcileProgress {
  offset: number;
  /** Duplicates found on the pages read so far. */
  found?: number[];
}

/** Seconds a reconciliation waits for stopped duplicates to finish pausing before it deletes them. */
const STOPPED_DUPLICATE_ROUNDS = 20;

/** Backoff while OMS rejects the worker's credentials: 15 s doubling per attempt, capped at five minutes. */
export function credentialsBackoffMs(attempt: number): number {
  return Math.min(CREDENTIALS_RETRY_CAP_MS, 15_000 * 2 ** Math.min(10, Math.max(0, attempt - 1)));
}

/** Cap of {@link credentialsBackoffMs}. */
export const CREDENTIALS_RETRY_CAP_MS = 5 * 60_000;

/** True for failures that mean the worker's credentials were refused or are not configured (operator-fixable). */
function isCredentialsProblem(err: unknown): err is ApplicationFailure {
  return (
    err instanceof ApplicationFailure &&
    (err.type === FailureType.ApiAuth || err.type === FailureType.CredentialsMissing)
  );
}

/** The retryable form of a credentials failure, for calls that must not give up (the task may exist). */
function credentialsRejected(cause: ApplicationFailure, attempt: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.CredentialsRejected,
    message: `Blocked: credentials rejected (${cause.message}); retrying until the worker is fixed`,
    nextRetryDelay: credentialsBackoffMs(attempt),
    details: cause.details ?? [],
  });
}

/** True when `err` is an OMS API error with one of the given `error_code`s. */
function isOmsCode(err: unknown, ...codes: string[]): boolean {
  return OmsApiError.is(err) && err.apiErrorCode !== undefined && codes.includes(err.apiErrorCode);
}

/** Takes a duplicate task out of service: stop it if it runs, delete it otherwise (or once it has stopped). */
async function removeDuplicate(client: OmsClient, taskId: number, signal: AbortSignal): Promise<RemovedDuplicate> {
  for (let round = 0; ; round++) {
    let status: number;
    try {
      status = (await client.showTask(taskId, { signal })).status;
    } catch (err) {
      if (OmsApiError.is(err) && err.code === 'NOT_FOUND') return { task_id: taskId, action: 'deleted' };
      throw err;
    }
    try {
      if (status === TaskStatus.EXECUTING) {
        await client.stopTask(taskId, { signal });
        return { task_id: taskId, action: 'stopped', status };
      }
      if (status === TaskStatus.PAUSING) return { task_id: taskId, action: 'stopped', status };
      await client.deleteTask(taskId, { signal });
      return { task_id: taskId, action: 'deleted', status };
    } catch (err) {
      if (OmsApiError.is(err) && err.code === 'NOT_FOUND') return { task_id: taskId, action: 'deleted', status };
      // Its status changed between the look and the action (OMS.0063/0066/0070): look again, a bounded few times.
      if (!isOmsCode(err, 'OMS.0063', 'OMS.0066', 'OMS.0070') || round >= HALT_ROUNDS) throw err;
    }
  }
}

/** Builds the activity functions over a context (see activities/index.ts). */
export function migrationActivities(ctx: ActivityContext) {
  return {
    /**
     * The token step: checks that every profile the migration needs exists on this worker, and (token mode)
     * obtains the IAM token into the worker's cache. Returns no token. Throws `CredentialsMissing` (final).
     */
    async prepareMigration(input: PrepareMigrationInput): Promise<PrepareMigrationOutput> {
      return run(async () => {
        for (const name of input.profiles) ctx.requireProfile(name, [], 'migration');
        const mode = ctx.deps.authMode;
        if (mode === 'token') {
          ctx.requireProfile(input.api_profile, ['iamUser', 'iamPassword'], 'IAM token for the OMS API');
          // One IAM call per profile per token lifetime, shared by every migration on this worker.
          await ctx.warmToken(input.api_profile, cancellationSignal());
        } else {
          ctx.requireProfile(input.api_profile, ['ak', 'sk'], 'AK/SK signing of OMS API calls');
        }
        return { auth_mode: mode };
      });
    },

    /**
     * Creates the OMS task exactly once per migration id. OMS has no idempotency key, so the task carries a
     * deterministic marker in its description; an attempt that may follow another create for the same migration
     * (a retried attempt after a lost response, a timeout or a worker crash; `lookup_first` after a reset, a
     * re-call or an earlier call's unknown outcome) first looks for a task with that marker and re-attaches to it.
     * `uncertain` in the result says another create for this migration may still land at OMS later (the workflow
     * then reconciles). The CreateTask call itself ignores cancellation: aborting it would make its outcome unknown.
     */
    async createMigrationTask(input: CreateMigrationTaskInput): Promise<CreateMigrationTaskOutput> {
      const { attempt } = activityInfo();
      const uncertain = attempt > 1 || input.lookup_first === true || input.lookup !== undefined;
      try {
        return await run(async () => {
          const marker = idempotencyMarker(input.idempotency_key ?? input.migration_id);
          const client = ctx.clientFor(input.request.orchestration.api_profile);
          if (uncertain) {
            const known = attempt === 1 && input.lookup ? input.lookup.resume_offset : 0;
            const task = await findTaskByMarker(client, marker, known, cancellationSignal());
            if (task) return { task_id: task.id, task_name: task.name ?? '', reattached: true, uncertain };
          }
          const body = buildCreateTaskRequest(ctx, input.request, marker);
          try {
            const created = await client.createTask(body);
            return { task_id: created.id, task_name: created.task_name, reattached: false, uncertain };
          } catch (err) {
            // An unreadable 2xx answer means the task probably exists: retry, so the next attempt re-attaches by
            // its marker, instead of failing with a running task nobody watches.
            if (OmsApiError.is(err) && err.code === 'PROTOCOL') {
              throw ApplicationFailure.create({
                type: FailureType.ApiUnavailable,
                message: `CreateTask answered but its response could not be read (${err.message}); outcome unknown`,
              });
            }
            throw err;
          }
        });
      } catch (err) {
        // A refusal of this attempt is definite, but an earlier create for this migration may still exist or land:
        // the workflow must know whether to look before it gives up (cancellation) or calls again (quota).
        // Refused credentials while a task may already exist: never give up (operator-fixable), back off.
        if (uncertain && isCredentialsProblem(err)) throw credentialsRejected(err, attempt);
        const marked = err instanceof ApplicationFailure && err.type !== FailureType.LookupIncomplete;
        if (marked && (err.nonRetryable || err.type === FailureType.QuotaExceeded)) {
          throw ApplicationFailure.create({
            type: err.type ?? undefined,
            message: err.message,
            nonRetryable: err.nonRetryable === true,
            nextRetryDelay: (err.nextRetryDelay as number | string | undefined | null) ?? undefined,
            details: [{ ...(err.details?.[0] as object | undefined), create_uncertain: uncertain }],
            cause: err,
          });
        }
        throw err;
      }
    },

    /**
     * One ShowTask per attempt. Returns when the status changed, a progress checkpoint was crossed, the task is
     * final, the migration's deadline has come, or the credentials were refused (or accepted again after that);
     * otherwise fails with the benign, retryable `TaskPending` whose `nextRetryDelay` is the next poll (adapted to
     * OMS's `left_time`, and never past the deadline, where one last poll happens), so waiting holds no worker slot
     * and writes no history. The pending failure's message and details carry the live snapshot for `describe()`
     * and the UI. While blocked on credentials, a refusal is the retryable `CredentialsRejected` with a capped
     * backoff.
     */
    async pollMigrationTask(input: PollMigrationTaskInput): Promise<PollMigrationTaskOutput> {
      const { attempt } = activityInfo();
      const untilDeadline = (ms: number): number =>
        input.deadline_at === undefined ? ms : Math.max(1, Math.min(ms, input.deadline_at - Date.now()));
      // The previous poll has just looked: the first attempt only waits for the cadence (no call, no slot held).
      const deferred = (input.first_poll_delay_ms ?? 0) > 0;
      if (deferred && attempt === 1) {
        const delay = untilDeadline(input.first_poll_delay_ms!);
        throw ApplicationFailure.create({
          type: FailureType.TaskPending,
          category: ApplicationFailureCategory.BENIGN,
          message: `OMS task ${input.task_id}: next poll in ${Math.round(delay / 100) / 10} s`,
          nextRetryDelay: delay,
        });
      }
      let result: PollMigrationTaskOutput;
      try {
        result = await run(async () => {
          const task = await ctx.clientFor(input.api_profile).showTask(input.task_id, { signal: cancellationSignal() });
          const observedAt = Date.now();
          const snapshot = toTaskSnapshot(task);
          const known = { status: input.known_status, checkpoint: input.known_checkpoint };
          const deadlineReached = input.deadline_at !== undefined && Date.now() >= input.deadline_at;
          if (isReportable(known, snapshot, FINAL_STATUSES) || deadlineReached || input.blocked !== undefined) {
            if (snapshot.status !== input.known_status) recordStatusDetection(snapshot, observedAt);
            return {
              snapshot,
              checkpoint: checkpointOf(snapshot.progress),
              attempt,
              ...(deadlineReached && !isFinalStatus(snapshot.status) ? { deadline_reached: true } : {}),
            };
          }
          const pct = Math.round(snapshot.progress * 1000) / 10;
          throw ApplicationFailure.create({
            type: FailureType.TaskPending,
            category: ApplicationFailureCategory.BENIGN,
            message: `OMS task ${snapshot.id} ${statusText(snapshot.status)} ${pct}%`,
            nextRetryDelay: untilDeadline(
              nextPollDelayMs(snapshot.left_time, input.poll_interval_ms, input.min_poll_interval_ms),
            ),
            details: [snapshot],
          });
        });
      } catch (err) {
        if (!isCredentialsProblem(err)) throw err;
        // The task exists: refused credentials are an operator-fixable condition, never the end of the migration.
        if (input.blocked === undefined) {
          return {
            attempt,
            checkpoint: input.known_checkpoint,
            // This and every earlier attempt of the poll made one ShowTask (or tried to).
            calls: { ...emptyCalls(), show: attempt - (deferred ? 1 : 0) },
            blocked: { reason: 'credentials rejected', detail: err.message },
          };
        }
        throw credentialsRejected(err, attempt);
      }
      // Earlier attempts of this poll each made one ShowTask and ended as TaskPending (or an error), so they
      // could not report it themselves: count them here, so the report's `show` is the number of polls.
      result.calls.show += result.attempt - 1 - (deferred ? 1 : 0);
      return result;
    },

    /**
     * StopTask (pause, or `halt` on cancellation and deadline), then one ShowTask for the task's real state.
     * `changed: false` when OMS says the task is not migrating (OMS.0066) or already completed (OMS.0070);
     * `already_final` then says it had reached a final status of its own. With `halt`, a task that is still waiting
     * is deleted instead (it would otherwise start later); the status check and the action race with OMS's
     * scheduler, so a lost race (waiting → executing in between) is retried a few times.
     */
    async stopMigrationTask(input: StopMigrationTaskInput): Promise<StopMigrationTaskOutput> {
      return run(async () => {
        const client = ctx.clientFor(input.api_profile);
        const signal = cancellationSignal();
        const finalShow = async (
          out: Omit<StopMigrationTaskOutput, 'calls' | 'snapshot'>,
        ): Promise<Omit<StopMigrationTaskOutput, 'calls'>> => {
          if (out.deleted) return out;
          return { ...out, snapshot: toTaskSnapshot(await client.showTask(input.task_id, { signal })) };
        };
        for (let round = 0; ; round++) {
          try {
            await client.stopTask(input.task_id, { signal });
            return finalShow({ changed: true });
          } catch (err) {
            if (!isOmsCode(err, 'OMS.0066', 'OMS.0070')) throw err;
          }
          const shown = await client.showTask(input.task_id, { signal });
          const snapshot = toTaskSnapshot(shown);
          // An earlier attempt's stop may have landed (response lost): pausing or stopped counts as done.
          if (shown.status === TaskStatus.PAUSING || shown.status === TaskStatus.STOPPED) {
            return { changed: true, snapshot };
          }
          if (shown.status === TaskStatus.FAILED || shown.status === TaskStatus.SUCCEEDED) {
            return { changed: false, already_final: true, snapshot };
          }
          if (!input.halt) return { changed: false, snapshot };
          if (shown.status !== TaskStatus.WAITING) {
            if (shown.status !== TaskStatus.EXECUTING || round >= HALT_ROUNDS) return { changed: false, snapshot };
            continue; // it started in the meantime: stop it
          }
          try {
            await client.deleteTask(input.task_id, { signal });
            return { changed: true, deleted: true, snapshot };
          } catch (err) {
            // Scheduled between the check and the delete: go round and stop it.
            if (!isOmsCode(err, 'OMS.0063') || round >= HALT_ROUNDS) throw err;
          }
        }
      });
    },

    /**
     * Finds every task with the migration's marker and removes all but `keep_task_id` (none: all): a waiting,
     * stopped or finished one is deleted, an executing one stopped (deleted at a later reconciliation). These are
     * duplicates left by a create whose outcome was unknown (a late-processed request, a reset). The scan resumes
     * from its last heartbeat when retried, and every step is idempotent.
     */
    async reconcileMigrationTasks(input: ReconcileTasksInput): Promise<ReconcileTasksOutput> {
      return run(async () => {
        const client = ctx.clientFor(input.api_profile);
        const signal = cancellationSignal();
        const marker = idempotencyMarker(input.idempotency_key);
        const resumed = activityInfo().heartbeatDetails as ReconcileProgress | undefined;
        // A retried attempt goes on from where the last one's heartbeat got, with what it had found so far.
        let offset = Math.max(0, (resumed?.offset ?? 0) - LIST_ALL_PAGE_SIZE);
        const found = new Set<number>(resumed?.found ?? []);
        for (;;) {
          const { tasks } = await client.listTasks({ limit: LIST_ALL_PAGE_SIZE, offset }, { signal });
          for (const t of tasks) if (hasMarker(t.description, marker) && t.id !== input.keep_task_id) found.add(t.id);
          offset += tasks.length;
          heartbeat({ offset, found: [...found] } satisfies ReconcileProgress);
          if (tasks.length < LIST_ALL_PAGE_SIZE) break;
        }
        const removed: RemovedDuplicate[] = [];
        for (const id of found) removed.push(await removeDuplicate(client, id, signal));
        // A duplicate that was migrating is pausing now: once it has stopped (a few seconds), delete it too, so no
        // stopped duplicate is left for someone to start again. Bounded; a later reconciliation retries.
        const stopping = removed.filter((r) => r.action === 'stopped');
        for (let round = 0; stopping.length > 0 && round < STOPPED_DUPLICATE_ROUNDS; round++) {
          await sleep(1_000);
          for (const r of [...stopping]) {
            const again = await removeDuplicate(client, r.task_id, signal);
            if (again.action === 'deleted') {
              r.action = 'deleted';
              stopping.splice(stopping.indexOf(r), 1);
            }
          }
          heartbeat({ offset, found: [...found] } satisfies ReconcileProgress);
        }
        return { removed };
      });
    },

    /**
     * StartTask with the credentials OMS erased when the task paused or finished, resolved from the worker's
     * profiles. `changed: false` when the task is already running (OMS.0065) or cannot be restarted (OMS.0070).
     */
    async startMigrationTask(input: StartMigrationTaskInput): Promise<TaskControlOutput> {
      return run(async () => {
        const dst = ctx.requireProfile(input.dst_profile, ['ak', 'sk'], 'destination node');
        const body: StartTaskReq = {
          dst_ak: dst.ak!,
          dst_sk: dst.sk!,
          migrate_failed_object: input.migrate_failed_object,
        };
        if (dst.securityToken) body.dst_security_token = dst.securityToken;
        if (input.src_profile) {
          const src = ctx.requireProfile(input.src_profile, ['ak', 'sk'], 'source node');
          body.src_ak = src.ak;
          body.src_sk = src.sk;
          if (src.securityToken) body.src_security_token = src.securityToken;
        }
        if (input.cdn_profile) {
          body.source_cdn_authentication_key = ctx.requireProfile(
            input.cdn_profile,
            ['cdnAuthenticationKey'],
            'CDN authentication',
          ).cdnAuthenticationKey;
        }
        try {
          await ctx.clientFor(input.api_profile).startTask(input.task_id, body, { signal: cancellationSignal() });
          return { changed: true };
        } catch (err) {
          // Already started (e.g. an earlier attempt's StartTask landed but its answer was lost): done.
          if (isOmsCode(err, 'OMS.0065')) return { changed: true };
          // Completed tasks cannot be restarted.
          if (isOmsCode(err, 'OMS.0070')) return { changed: false };
          throw err;
        }
      });
    },

    /** UpdateBandwidthPolicy on a task that has not finished. */
    async updateBandwidthPolicy(input: UpdateBandwidthInput): Promise<TaskControlOutput> {
      return run(async () => {
        await ctx
          .clientFor(input.api_profile)
          .updateBandwidthPolicy(input.task_id, input.bandwidth_policy, { signal: cancellationSignal() });
        return { changed: true };
      });
    },

    /** One ShowTask: the task's real state (the final read when a detached migration ends early). */
    async showMigrationTask(input: TaskControlInput): Promise<ShowMigrationTaskOutput> {
      return run(async () => {
        const task = await ctx.clientFor(input.api_profile).showTask(input.task_id, { signal: cancellationSignal() });
        return { snapshot: toTaskSnapshot(task) };
      });
    },

    /** DeleteTask. `changed: false` when the task is already gone (OMS.1009). */
    async deleteMigrationTask(input: TaskControlInput): Promise<TaskControlOutput> {
      return run(async () => {
        try {
          await ctx.clientFor(input.api_profile).deleteTask(input.task_id, { signal: cancellationSignal() });
          return { changed: true };
        } catch (err) {
          if (OmsApiError.is(err) && err.code === 'NOT_FOUND') return { changed: false };
          throw err;
        }
      });
    },
  };
}
