/**
 * Counters over the whole migration when OMS restarts its task (pure, sandbox-safe).
 *
 * OMS resets a task's counters on every StartTask. A resume after a pause runs the full migration again, and the
 * objects copied before the pause are then counted as skipped (already at the destination); a failed-object round
 * runs only the objects that failed. The report says what was migrated over the whole migration:
 *
 * - after a full run (first run, resume): succeeded = succeeded in earlier runs + succeeded in this run; skipped =
 *   skipped in this run minus the objects earlier runs copied (they are counted succeeded, never twice); failed and
 *   total are this run's.
 * - after a failed-object round: total and skipped carry over from the runs before, succeeded adds this round's,
 *   and failed is what the round has left (the earlier failures minus what it copied or skipped).
 *
 * Bytes follow the objects: `complete_size`/`real_size` add up like `successful_num`; `total_size` is the total of
 * the run that listed everything.
 */
import type { ObjectCounts } from '../task-status';

/** Object and byte counters of one OMS run, or of the migration so far. */
export interface RunCounts extends ObjectCounts {
  /** Bytes actually transferred. */
  real_size: number;
}

/** What kind of run the task is in: the whole source listed again, or only the earlier failures. */
export type RunKind = 'full' | 'failed_only';

/** Carried per migration: the counters of the runs before the current one, and the current run's raw counters. */
export interface RunTally {
  /** Cumulative counters when the current run started (all zero before the first run). */
  base: RunCounts;
  /** Kind of the current run. */
  kind: RunKind;
  /** The current run's own counters, as OMS reports them. */
  current: RunCounts;
  /** OMS runs so far (1 for a task never restarted). */
  runs: number;
}

/** All-zero counters. */
export function zeroCounts(): RunCounts {
  return {
    total_num: 0,
    successful_num: 0,
    failed_num: 0,
    skipped_num: 0,
    total_size: 0,
    complete_size: 0,
    real_size: 0,
  };
}

/** The counters of an OMS snapshot (0 for absent fields). */
export function countsOf(s: Partial<RunCounts> | null | undefined): RunCounts {
  return {
    total_num: s?.total_num ?? 0,
    successful_num: s?.successful_num ?? 0,
    failed_num: s?.failed_num ?? 0,
    skipped_num: s?.skipped_num ?? 0,
    total_size: s?.total_size ?? 0,
    complete_size: s?.complete_size ?? 0,
    real_size: s?.real_size ?? 0,
  };
}

/** A tally for a task's first run. */
export function firstRun(): RunTally {
  return { base: zeroCounts(), kind: 'full', current: zeroCounts(), runs: 1 };
}

/** The migration's counters so far (see the module comment for the rule). */
export function cumulativeCounts(t: RunTally): RunCounts {
  const { base, current: cur } = t;
  if (t.runs === 1) return { ...cur };
  // A restarted task reports 0 of 0 until it has listed the source again: nothing is known of this run yet.
  if (cur.total_num === 0) return { ...base };
  if (t.kind === 'full') {
    return {
      total_num: cur.total_num,
      successful_num: base.successful_num + cur.successful_num,
      failed_num: cur.failed_num,
      skipped_num: Math.max(0, cur.skipped_num - base.successful_num),
      total_size: cur.total_size,
      complete_size: base.complete_size + cur.complete_size,
      real_size: base.real_size + cur.real_size,
    };
  }
  return {
    total_num: base.total_num,
    successful_num: base.successful_num + cur.successful_num,
    failed_num: Math.max(cur.failed_num, base.failed_num - cur.successful_num - cur.skipped_num),
    skipped_num: base.skipped_num + cur.skipped_num,
    total_size: base.total_size,
    complete_size: base.complete_size + cur.complete_size,
    real_size: base.real_size + cur.real_size,
  };
}

/** The tally once OMS restarted the task: the counters so far become the base of a new run of `kind`. */
export function restarted(t: RunTally, kind: RunKind): RunTally {
  return { base: cumulativeCounts(t), kind, current: zeroCounts(), runs: t.runs + 1 };
}

/**
 * The tally with a fresh snapshot of the current run: OMS's own counters, never mixed with an earlier run's (a
 * restart zeroes them, {@link restarted}). Objects, once counted, stay counted within a run, so object counts keep
 * the highest value seen (a lagging answer takes nothing back). Bytes are OMS's latest answer: while it copies they
 * include objects in flight, which a stop drops again, and the report is OMS's own numbers. An answer of 0 of 0
 * objects once the run has listed its objects is OMS restarting its count and changes nothing.
 */
export function withSnapshot(t: RunTally, fresh: Partial<RunCounts>): RunTally {
  const f = countsOf(fresh);
  const c = t.current;
  if (f.total_num === 0 && c.total_num > 0) return t;
  return {
    ...t,
    current: {
      total_num: Math.max(c.total_num, f.total_num),
      successful_num: Math.max(c.successful_num, f.successful_num),
      failed_num: Math.max(c.failed_num, f.failed_num),
      skipped_num: Math.max(c.skipped_num, f.skipped_num),
      total_size: f.total_size,
      complete_size: f.complete_size,
      real_size: f.real_size,
    },
  };
}
