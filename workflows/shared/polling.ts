/**
 * The polling policy, as pure functions: when a poll result is worth a workflow event, and how long to wait
 * before the next poll. Shared by the polling activity (which applies it) and unit tests.
 *
 * History bound: the polling activity returns to the workflow only when the OMS status changes or the progress
 * crosses one of {@link PROGRESS_CHECKPOINTS}; every other poll is a retry of the same activity and writes no
 * history event. A migration therefore writes a constant number of events whatever its duration.
 */

/** Progress fractions at which the workflow is told about progress even though the status did not change. */
export const PROGRESS_CHECKPOINTS = [0.5] as const;

/** Index of the highest checkpoint reached by `progress` (0 = none reached). */
export function checkpointOf(progress: number | undefined): number {
  let reached = 0;
  for (const [i, mark] of PROGRESS_CHECKPOINTS.entries()) if ((progress ?? 0) >= mark) reached = i + 1;
  return reached;
}

/** Whether a fresh OMS snapshot must be reported to the workflow (instead of retrying quietly). */
export function isReportable(
  known: { status: number | undefined; checkpoint: number },
  fresh: { status: number; progress?: number },
  finalStatuses: readonly number[],
): boolean {
  if (finalStatuses.includes(fresh.status)) return true;
  if (known.status !== fresh.status) return true;
  return checkpointOf(fresh.progress) > known.checkpoint;
}

/**
 * Delay before the next poll: OMS's own estimate of the time left (`left_time`, ms) plus a small margin, kept
 * between the floor and the configured interval. Without an estimate, the configured interval.
 */
export function nextPollDelayMs(leftTimeMs: number | undefined, intervalMs: number, floorMs: number): number {
  const floor = Math.min(floorMs, intervalMs);
  if (leftTimeMs === undefined || !Number.isFinite(leftTimeMs) || leftTimeMs <= 0) return intervalMs;
  const withMargin = leftTimeMs + Math.min(1_000, leftTimeMs * 0.05);
  return Math.round(Math.min(intervalMs, Math.max(floor, withMargin)));
}
