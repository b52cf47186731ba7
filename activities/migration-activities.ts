/**
 * The migration activities. Each is thin — one OMS operation or one idempotent step — maps every error through
 * `toApplicationFailure` (the only retry layer is Temporal's retry policy), and returns only small, secret-free
 * results with the API calls it made.
 */
import type { ActivityContext } from './context';
import { controlTaskActivities } from './control-migration-task';
import { createTaskActivities } from './create-migration-task';
import { pollTaskActivities } from './poll-migration-task';

/**
 * Builds the migration activities over a context (see activities/index.ts): creation (create-migration-task.ts),
 * polling (poll-migration-task.ts) and control of the existing task (control-migration-task.ts).
 */
export function migrationActivities(ctx: ActivityContext) {
  return {
    ...createTaskActivities(ctx),
    ...pollTaskActivities(ctx),
    ...controlTaskActivities(ctx),
  };
}
