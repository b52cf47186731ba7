/**
 * Activity factory: `createActivities(deps)` returns every activity the worker registers. Dependencies (endpoints,
 * credential store, HTTP dispatcher) are injected once by the worker; no module-level state.
 */
import { createActivityContext, type ActivityDeps } from './context';
import { migrationActivities } from './migration-activities';

export type { ActivityDeps } from './context';

/** All activities, keyed by their activity type names. */
export function createActivities(deps: ActivityDeps) {
  return migrationActivities(createActivityContext(deps));
}

/** The activities' interface, for `proxyActivities<Activities>()` in workflows (type-only import). */
export type Activities = ReturnType<typeof createActivities>;
