/** Polling the OMS task: one ShowTask per attempt, the attempts' retries being the poll cadence. */
import { activityInfo, cancellationSignal } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

import type { PollMigrationTaskInput, PollMigrationTaskOutput } from '../workflows/activity-types';
import { FailureType } from '../workflows/failure-types';
import { emptyCalls } from '../workflows/shared/calls';
import { checkpointOf, isReportable, nextPollDelayMs } from '../workflows/shared/polling';
import { TaskStatus, isFinalStatus, statusText } from '../workflows/task-status';
import type { ActivityContext } from './context';
import { credentialsRejected, isCredentialsProblem } from './credentials-rejected';
import { recordStatusDetection } from './metrics';
import { run } from './run-activity';
import { toTaskSnapshot } from './task-snapshot';

const FINAL_STATUSES = [TaskStatus.STOPPED, TaskStatus.FAILED, TaskStatus.SUCCEEDED];

/** Builds the poll activity over a context (see activities/index.ts). */
export function pollTaskActivities(ctx: ActivityContext) {
  return {
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
  };
}
