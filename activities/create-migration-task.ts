/**
 * Creating the OMS task exactly once: the token step (`prepareMigration`), the create with its look-up by marker
 * (`createMigrationTask`), and the removal of duplicates a create of unknown outcome left (`reconcileMigrationTasks`).
 */
import { activityInfo, cancellationSignal, heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import type {
  CreateMigrationTaskInput,
  CreateMigrationTaskOutput,
  PrepareMigrationInput,
  PrepareMigrationOutput,
  ReconcileTasksInput,
  ReconcileTasksOutput,
  RemovedDuplicate,
} from '../workflows/activity-types';
import { FailureType, type LookupIncompleteDetails } from '../workflows/failure-types';
import { TaskStatus } from '../workflows/task-status';
import { buildCreateTaskRequest, hasMarker, idempotencyMarker } from './build-create-request';
import { currentCalls } from './call-accounting';
import type { ActivityContext } from './context';
import { credentialsRejected, isCredentialsProblem } from './credentials-rejected';
import { LIST_ALL_PAGE_SIZE, type OmsClient } from './oms/client';
import { OmsApiError } from './oms/errors';
import type { TaskResp } from './oms/wire-types';
import { HALT_ROUNDS, isOmsCode, run } from './run-activity';
import { toApplicationFailure } from './to-application-failure';

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

/** Heartbeat details of `reconcileMigrationTasks`: where its scan had got to. */
interface ReconcileProgress {
  offset: number;
  /** Duplicates found on the pages read so far. */
  found?: number[];
}

/** Seconds a reconciliation waits for stopped duplicates to finish pausing before it deletes them. */
const STOPPED_DUPLICATE_ROUNDS = 20;

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

/** Builds the creation activities over a context (see activities/index.ts). */
export function createTaskActivities(ctx: ActivityContext) {
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
        return { auth_mode: mode, ...(ctx.deps.notification?.defaultWebhook ? { notify_default: true as const } : {}) };
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
  };
}
