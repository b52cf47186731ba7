/**
 * Bench-only activities, registered by the bench worker next to the product's own: a no-op (the engine's
 * ceiling) and a plain ShowTask that returns the snapshot every time (what a naive polling loop does).
 */
import { cancellationSignal } from '@temporalio/activity';

import type { ActivityContext } from '../activities/context';
import { toApplicationFailure } from '../activities/to-application-failure';
import { toTaskSnapshot } from '../activities/task-snapshot';
import type { TaskSnapshot } from '../workflows/task-status';

/** Input of {@link createBenchActivities}' `showTaskOnce`. */
export interface ShowTaskOnceInput {
  task_id: number;
  api_profile: string;
}

/** Builds the bench activities over the product's activity context (same OMS client and token cache). */
export function createBenchActivities(ctx: ActivityContext) {
  return {
    /** Does nothing: one activity round trip through the engine. */
    async benchNoop(): Promise<void> {
      // Deliberately empty.
    },

    /** One ShowTask, mapped with the product's error mapping, returning the snapshot (written to history). */
    async showTaskOnce(input: ShowTaskOnceInput): Promise<TaskSnapshot> {
      try {
        const task = await ctx.clientFor(input.api_profile).showTask(input.task_id, { signal: cancellationSignal() });
        return toTaskSnapshot(task);
      } catch (err) {
        throw toApplicationFailure(err);
      }
    },
  };
}

/** The bench activities' interface, for `proxyActivities` in the bench workflows. */
export type BenchActivities = ReturnType<typeof createBenchActivities>;
