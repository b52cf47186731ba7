/** What every migration activity shares: the body runner (call accounting + the one error mapping) and OMS checks. */
import type { ActivityCallCounts } from '../workflows/activity-types';
import { withCallAccounting } from './call-accounting';
import { OmsApiError } from './oms/errors';
import { toApplicationFailure } from './to-application-failure';

/** Bound on the stop/delete race with OMS's scheduler when halting a task. */
export const HALT_ROUNDS = 3;

/** Runs an activity body with call accounting and the one error mapping. */
export async function run<T extends object>(body: () => Promise<T>): Promise<T & { calls: ActivityCallCounts }> {
  try {
    const { result, calls } = await withCallAccounting(body);
    return { ...result, calls };
  } catch (err) {
    throw toApplicationFailure(err);
  }
}

/** True when `err` is an OMS API error with one of the given `error_code`s. */
export function isOmsCode(err: unknown, ...codes: string[]): boolean {
  return OmsApiError.is(err) && err.apiErrorCode !== undefined && codes.includes(err.apiErrorCode);
}
