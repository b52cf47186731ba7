/**
 * Activity factory: `createActivities(deps)` returns every activity the worker registers. Dependencies (endpoints,
 * credential store, HTTP dispatcher) are injected once by the worker; no module-level state.
 */
import { batchActivities } from './batch-activities';
import { createActivityContext, type ActivityDeps } from './context';
import { failedObjectsActivities } from './failed-objects';
import { limiterActivities, requireTemporalClient } from './limiter-activities';
import { migrationActivities } from './migration-activities';
import { notifyActivities } from './notify';
import { preflightActivities } from './preflight';
import { taskGroupActivities } from './task-group-activities';

export type { ActivityDeps } from './context';

/** All activities, keyed by their activity type names. */
export function createActivities(deps: ActivityDeps) {
  const temporal = () => requireTemporalClient(deps.temporalClient);
  // One context (clients, token cache) for the task, task-group, failed-object and dry-run activities.
  const ctx = createActivityContext(deps);
  return {
    ...migrationActivities(ctx),
    ...taskGroupActivities(ctx),
    ...failedObjectsActivities(ctx),
    ...preflightActivities(ctx),
    ...limiterActivities(temporal),
    ...batchActivities(temporal),
    ...notifyActivities(deps),
  };
}

/** The activities' interface, for `proxyActivities<Activities>()` in workflows (type-only import). */
export type Activities = ReturnType<typeof createActivities>;
