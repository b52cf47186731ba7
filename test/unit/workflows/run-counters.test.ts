import {
  countsOf,
  cumulativeCounts,
  firstRun,
  restarted,
  withSnapshot,
  type RunTally,
} from '../../../workflows/shared/run-counters';

/** A snapshot's counters (objects of 10 bytes each). */
function run(total: number, ok: number, failed: number, skipped: number): ReturnType<typeof countsOf> {
  return countsOf({
    total_num: total,
    successful_num: ok,
    failed_num: failed,
    skipped_num: skipped,
    total_size: total * 10,
    complete_size: (ok + skipped) * 10,
    real_size: ok * 10,
  });
}

describe('whole-migration counters', () => {
  test('a task never restarted reports its own counters', () => {
    const t = withSnapshot(firstRun(), run(200, 200, 0, 0));
    expect(cumulativeCounts(t)).toEqual(run(200, 200, 0, 0));
  });

  test('objects copied before a pause stay succeeded when the resumed run skips them', () => {
    // 121 copied before the pause; OMS restarts the task and skips those 121 (already at the destination).
    let t: RunTally = withSnapshot(firstRun(), run(200, 121, 0, 0));
    t = restarted(t, 'full');
    t = withSnapshot(t, run(200, 79, 0, 121));
    const c = cumulativeCounts(t);
    expect(c).toMatchObject({ total_num: 200, successful_num: 200, skipped_num: 0, failed_num: 0 });
    expect(c.real_size).toBe(2000);
    expect(t.runs).toBe(2);
  });

  test('objects skipped from the start stay skipped after a resume', () => {
    let t: RunTally = withSnapshot(firstRun(), run(100, 30, 0, 10));
    t = restarted(t, 'full');
    t = withSnapshot(t, run(100, 60, 0, 40));
    expect(cumulativeCounts(t)).toMatchObject({ total_num: 100, successful_num: 90, skipped_num: 10, failed_num: 0 });
  });

  test('right after a restart (no objects listed yet) the counters are those before it, not zero', () => {
    const t = restarted(withSnapshot(firstRun(), run(200, 121, 0, 0)), 'full');
    expect(cumulativeCounts(t)).toMatchObject({ total_num: 200, successful_num: 121 });
  });

  test('a failed-object round adds what it copied and leaves what still fails', () => {
    let t: RunTally = withSnapshot(firstRun(), run(20, 15, 5, 0));
    t = restarted(t, 'failed_only');
    t = withSnapshot(t, run(5, 3, 2, 0));
    expect(cumulativeCounts(t)).toMatchObject({ total_num: 20, successful_num: 18, failed_num: 2, skipped_num: 0 });
    // A second round that copies the rest.
    t = withSnapshot(restarted(t, 'failed_only'), run(2, 2, 0, 0));
    expect(cumulativeCounts(t)).toMatchObject({ total_num: 20, successful_num: 20, failed_num: 0 });
    expect(t.runs).toBe(3);
  });

  test('while a failed-object round runs, objects it has not reached still count as failed', () => {
    const t = withSnapshot(restarted(withSnapshot(firstRun(), run(20, 15, 5, 0)), 'failed_only'), run(5, 1, 0, 0));
    expect(cumulativeCounts(t)).toMatchObject({ successful_num: 16, failed_num: 4 });
  });

  test('a lagging snapshot of the same run takes nothing back', () => {
    const t = withSnapshot(withSnapshot(firstRun(), run(200, 150, 0, 0)), run(200, 140, 0, 0));
    expect(cumulativeCounts(t)).toMatchObject({ successful_num: 150 });
  });

  test("bytes are OMS's latest answer: a stop mid-object drops the bytes in flight", () => {
    const copying = { ...run(200, 150, 0, 0), complete_size: 1_650, real_size: 1_650 };
    const stopped = run(200, 150, 0, 0);
    const t = withSnapshot(withSnapshot(firstRun(), copying), stopped);
    expect(cumulativeCounts(t)).toMatchObject({ successful_num: 150, complete_size: 1_500, real_size: 1_500 });
  });

  test('an answer of 0 of 0 objects after the listing changes nothing', () => {
    const before = withSnapshot(firstRun(), run(200, 150, 0, 0));
    expect(withSnapshot(before, run(0, 0, 0, 0))).toEqual(before);
  });
});
