/**
 * The migration activities. Each is thin — one OMS operation or one idempotent step — maps every error through
 * `toApplicationFailure` (the only retry layer is Temporal's retry policy), and returns only small, secret-free
 * results with the API calls it made.
 */
import { activityInfo, cancellationSignal } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

import type {
  CreateMigrationTaskInput,
  CreateMigrationTaskOutput,
  PollMigrationTaskInput,
  PollMigrationTaskOutput,
  PrepareMigrationInput,
  PrepareMigrationOutput,
  StartMigrationTaskInput,
  StopMigrationTaskInput,
  TaskControlInput,
  TaskControlOutput,
  UpdateBandwidthInput,
} from '../workflows/activity-types';
import { FailureType, type LookupIncompleteDetails } from '../workflows/failure-types';
import { checkpointOf, isReportable, nextPollDelayMs } from '../workflows/internal/polling';
import { TaskStatus, statusText } from '../workflows/types';
import { buildCreateTaskRequest, hasMarker, idempotencyMarker } from './build-create-request';
import { currentCalls, withCallAccounting } from './call-accounting';
import type { ActivityContext } from './context';
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
  for (;;) {
    let tasks: TaskResp[];
    try {
      tasks = (await client.listTasks({ limit: LIST_ALL_PAGE_SIZE, offset }, { signal })).tasks;
    } catch (err) {
      // Resumable when the one error mapping calls it retryable (transport, 5xx, 429): the API may answer next.
      const cause = OmsApiError.is(err) ? toApplicationFailure(err) : undefined;
      if (offset > known && cause instanceof ApplicationFailure && !cause.nonRetryable) {
        const details: LookupIncompleteDetails = { resume_offset: offset, calls: currentCalls() };
        throw ApplicationFailure.create({
          type: FailureType.LookupIncomplete,
          message: `Looking for a task an earlier attempt may have created stopped at task ${offset} (${cause.message}); resume there`,
          nonRetryable: true,
          details: [details],
          cause,
        });
      }
      throw err;
    }
    const task = tasks.find((t) => hasMarker(t.description, marker));
    if (task) return task;
    offset += tasks.length;
    if (tasks.length < LIST_ALL_PAGE_SIZE) return undefined;
  }
}

/** True when `err` is an OMS API error with one of the given `error_code`s. */
function isOmsCode(err: unknown, ...codes: string[]): boolean {
  return OmsApiError.is(err) && err.apiErrorCode !== undefined && codes.includes(err.apiErrorCode);
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
     * deterministic marker in its description; a retried attempt (after a lost response, a timeout or a worker
     * crash) first looks for a task with that marker and re-attaches to it instead of creating a second one.
     */
    async createMigrationTask(input: CreateMigrationTaskInput): Promise<CreateMigrationTaskOutput> {
      return run(async () => {
        const marker = idempotencyMarker(input.idempotency_key ?? input.migration_id);
        const client = ctx.clientFor(input.request.orchestration.api_profile);
        const signal = cancellationSignal();
        const { attempt } = activityInfo();
        if (attempt > 1 || input.lookup !== undefined) {
          const known = attempt === 1 && input.lookup ? input.lookup.resume_offset : 0;
          const task = await findTaskByMarker(client, marker, known, signal);
          if (task) return { task_id: task.id, task_name: task.name ?? '', reattached: true };
        }
        const body = buildCreateTaskRequest(ctx, input.request, marker);
        try {
          const created = await client.createTask(body, { signal });
          return { task_id: created.id, task_name: created.task_name, reattached: false };
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
    },

    /**
     * One ShowTask per attempt. Returns when the status changed, a progress checkpoint was crossed or the task is
     * final; otherwise fails with the benign, retryable `TaskPending` whose `nextRetryDelay` is the next poll
     * (adapted to OMS's `left_time`), so waiting holds no worker slot and writes no history. The pending
     * failure's message and details carry the live snapshot for `describe()` and the UI.
     */
    async pollMigrationTask(input: PollMigrationTaskInput): Promise<PollMigrationTaskOutput> {
      // The previous poll has just looked: the first attempt only waits for the cadence (no call, no slot held).
      const deferred = (input.first_poll_delay_ms ?? 0) > 0;
      if (deferred && activityInfo().attempt === 1) {
        throw ApplicationFailure.create({
          type: FailureType.TaskPending,
          category: ApplicationFailureCategory.BENIGN,
          message: `OMS task ${input.task_id}: next poll in ${Math.round(input.first_poll_delay_ms! / 100) / 10} s`,
          nextRetryDelay: input.first_poll_delay_ms!,
        });
      }
      const result = await run(async () => {
        const task = await ctx.clientFor(input.api_profile).showTask(input.task_id, { signal: cancellationSignal() });
        const snapshot = toTaskSnapshot(task);
        const known = { status: input.known_status, checkpoint: input.known_checkpoint };
        if (isReportable(known, snapshot, FINAL_STATUSES)) {
          return { snapshot, checkpoint: checkpointOf(snapshot.progress), attempt: activityInfo().attempt };
        }
        const pct = Math.round(snapshot.progress * 1000) / 10;
        throw ApplicationFailure.create({
          type: FailureType.TaskPending,
          category: ApplicationFailureCategory.BENIGN,
          message: `OMS task ${snapshot.id} ${statusText(snapshot.status)} ${pct}%`,
          nextRetryDelay: nextPollDelayMs(snapshot.left_time, input.poll_interval_ms, input.min_poll_interval_ms),
          details: [snapshot],
        });
      });
      // Earlier attempts of this poll each made one ShowTask and ended as TaskPending (or an error), so they
      // could not report it themselves: count them here, so the report's `show` is the number of polls.
      result.calls.show += result.attempt - 1 - (deferred ? 1 : 0);
      return result;
    },

    /**
     * StopTask (pause). `changed: false` when OMS says the task is not migrating (OMS.0066). With `halt`, a task
     * that is still waiting is deleted instead (it would otherwise start later); the status check and the action
     * race with OMS's scheduler, so a lost race (waiting → executing in between) is retried a few times.
     */
    async stopMigrationTask(input: StopMigrationTaskInput): Promise<TaskControlOutput> {
      return run(async () => {
        const client = ctx.clientFor(input.api_profile);
        const signal = cancellationSignal();
        for (let round = 0; ; round++) {
          try {
            await client.stopTask(input.task_id, { signal });
            return { changed: true };
          } catch (err) {
            if (!isOmsCode(err, 'OMS.0066')) throw err;
          }
          const { status } = await client.showTask(input.task_id, { signal });
          // An earlier attempt's stop may have landed (response lost): pausing or stopped counts as done.
          if (status === TaskStatus.PAUSING || status === TaskStatus.STOPPED) return { changed: true };
          if (!input.halt) return { changed: false };
          if (status !== TaskStatus.WAITING) {
            if (status !== TaskStatus.EXECUTING || round >= HALT_ROUNDS) return { changed: false };
            continue; // it started in the meantime: stop it
          }
          try {
            await client.deleteTask(input.task_id, { signal });
            return { changed: true };
          } catch (err) {
            // Scheduled between the check and the delete: go round and stop it.
            if (!isOmsCode(err, 'OMS.0063') || round >= HALT_ROUNDS) throw err;
          }
        }
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
