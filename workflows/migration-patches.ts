/**
 * Patch ids of the migration workflow (`patched(id)`). Each id is recorded in histories as a marker, so never rename
 * one; test/replay replays the histories recorded before each.
 */

/** Patch: the final OMS status is upserted with the outcome, not on its own (histories before it replay as before). */
export const FINAL_STATUS_PATCH = 'oms-final-status-with-outcome';

/**
 * Patch: the core promises under faults — exactly one live task after late creates and resets (reconciliation,
 * look-up after a reset), credentials outages that block instead of failing, a deadline that is never early,
 * the task's real final state on every exit, one resume at a time. Decided once per run, at its start, so a run
 * recorded before it replays the old way throughout. It includes the earlier patches ({@link FINAL_STATUS_PATCH},
 * the limiter's), whose markers a v3 run does not write again.
 */
export const CORE_PROMISES_PATCH = 'oms-core-promises-v3';

/**
 * Patch: a run that ends with failed objects reads the failed-object list from the destination bucket (one
 * activity, migration-failed-objects.ts). Histories recorded before it replay without the call.
 */
export const FAILED_OBJECTS_PATCH = 'failed-objects-summary';

/**
 * Patch (issue 14, completion notifications): new runs accept the request's `notification` object (validation rule
 * set `v3`, see shared/rule-sets.ts) and, once the migration's outcome is final, deliver it to the completion webhook
 * (migration-notify.ts). Decided at the run's start by the rule-set selection; histories without the marker replay
 * without either.
 */
export const COMPLETION_NOTIFY_PATCH = 'oms-completion-notify-v1';

/**
 * Patch: what operators see (issue 13) — the region-slot wait told in the progress, details and `OmsWaitingForSlot`,
 * activity summaries, cumulative counters and durations across pause/resume, one lifecycle log line per event, and
 * the failed-objects rule (a status-4 task whose only fault is failed objects ends `completed_with_failures`; see
 * docs/outcomes.md). Decided once per run, at its start, and only in runs with {@link CORE_PROMISES_PATCH}.
 */
export const OPERATOR_VISIBILITY_PATCH = 'oms-operator-visibility-v1';
