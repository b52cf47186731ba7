/**
 * Controlling an existing OMS task: stop (pause, or halt on exit), start (resume, failed-object rounds), bandwidth,
 * a plain read, and delete.
 */
import { cancellationSignal } from '@temporalio/activity';

import type {
  ShowMigrationTaskOutput,
  StartMigrationTaskInput,
  StopMigrationTaskInput,
  StopMigrationTaskOutput,
  TaskControlInput,
  TaskControlOutput,
  UpdateBandwidthInput,
} from '../workflows/activity-types';
import { TaskStatus } from '../workflows/task-status';
import type { ActivityContext } from './context';
import { OmsApiError } from './oms/errors';
import type { StartTaskReq } from './oms/wire-types';
import { HALT_ROUNDS, isOmsCode, run } from './run-activity';
import { toTaskSnapshot } from './task-snapshot';

/** Builds the task-control activities over a context (see activities/index.ts). */
export function controlTaskActivities(ctx: ActivityContext) {
  return {
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
