/**
 * How a final task reads as an outcome and a message (pure, sandbox-safe): the failed-objects rule of
 * docs/outcomes.md and the `MigrationFailed` message.
 */
import type { ObjectCounts, TaskErrorReason } from '../task-status';

/**
 * True when a failed (status 4) run failed only because some of its objects failed: OMS accounted for every object
 * it listed (succeeded + failed + skipped = total), at least one failed, and at least one was migrated or skipped
 * over the whole migration (`cumulative`). A task-level failure (list file unreadable, bucket missing, AK/SK
 * refused) stops before that: it lists nothing, or leaves objects unaccounted for. See docs/outcomes.md.
 */
export function failedObjectsOnly(run: ObjectCounts, cumulative: ObjectCounts): boolean {
  const accounted = run.successful_num + run.failed_num + run.skipped_num;
  return (
    run.total_num > 0 &&
    run.failed_num > 0 &&
    accounted === run.total_num &&
    cumulative.successful_num + cumulative.skipped_num > 0
  );
}

/** `CODE: message` of OMS's error reason, or `no reason given`. */
export function reasonText(reason: TaskErrorReason | null | undefined): string {
  return reason ? `${reason.error_code}: ${reason.error_msg}` : 'no reason given';
}

/**
 * The message of `MigrationFailed`: the task, OMS's reason once, and the failed objects only when the reason does
 * not already count them (`OMS task 17 failed: TRF.0159: 5 object(s) failed to be migrated.`).
 */
export function failedMessage(taskId: number, reason: TaskErrorReason | null | undefined, failedNum: number): string {
  const base = `OMS task ${taskId} failed: ${reasonText(reason)}`;
  const counted = reason !== null && reason !== undefined && /\bobjects?\b/i.test(reason.error_msg);
  return failedNum > 0 && !counted ? `${base} (${failedNum} object(s) failed)` : base;
}
