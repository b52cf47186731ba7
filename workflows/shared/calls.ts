/** Arithmetic on API call counts (pure). */
import type { ActivityCallCounts } from '../activity-types';

/** All-zero counts. */
export function emptyCalls(): ActivityCallCounts {
  return { iam: 0, create: 0, show: 0, list: 0, start: 0, stop: 0, other: 0 };
}

/** Field-wise sum. */
export function addCalls(a: ActivityCallCounts, b: ActivityCallCounts): ActivityCallCounts {
  return {
    iam: a.iam + b.iam,
    create: a.create + b.create,
    show: a.show + b.show,
    list: a.list + b.list,
    start: a.start + b.start,
    stop: a.stop + b.stop,
    other: a.other + b.other,
  };
}
