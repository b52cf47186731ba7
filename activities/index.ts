/**
 * Activity factory: `createActivities(deps)` returns every activity the worker registers. Dependencies (endpoints,
 * credential store, HTTP dispatcher) are injected once by the worker; no module-level state.
 */
import { batchActivities } from './batch-activities';
import { createActivityContext, type ActivityDeps } from './context';
import { limiterActivities, requireTemporalClient } from './limiter-activities';
import { migrationActivities } from './migration-activities';
import { taskGroupActivities } from './task-group-activities';

export type { ActivityDeps } from './context';

/** All activities, keyed by their activity type names. */
export function createActivities(deps: ActivityDeps) {
  const temporal = () => requireTemporalClient(deps.temporalClient);
  // One context (clients, token cache) for the task and the task-group activities.
  const ctx = createActivityContext(deps);
  return {
    ...migrationActivities(ctx),
    ...taskGroupActivities(ctx),
    ...limiterActivities(temporal),
    ...batchActivities(temporal),
  };
}

/** The activities' interface, for `proxyActivities<Activities>()` in workflows (type-only import). */
export type Activities = ReturnType<typeof createActivities>;
