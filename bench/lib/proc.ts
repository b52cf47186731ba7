/**
 * Process figures from Linux `/proc`: CPU time (user + system) and resident memory of a pid, sampled on an
 * interval so a run can report peak RSS and average CPU use per phase. The Temporal dev server and the worker
 * are direct children (no wrapper process), so their pids are the processes that do the work.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const CLK_TCK = sysconf('CLK_TCK', 100);
const PAGE_SIZE = sysconf('PAGESIZE', 4096);

function sysconf(name: string, fallback: number): number {
  try {
    const n = Number(execFileSync('getconf', [name]).toString().trim());
    return Number.isFinite(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

/** One reading of a process. */
export interface ProcReading {
  /** Wall clock, epoch ms. */
  t: number;
  /** CPU seconds used so far (user + system, all threads). */
  cpuSeconds: number;
  rssBytes: number;
}

/** Reads `/proc/<pid>/stat`; undefined when the process is gone (or not on Linux). */
export function readProc(pid: number): ProcReading | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: split after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime = field 14, stime = field 15, rss = field 24 (pages).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { t: Date.now(), cpuSeconds: (utime + stime) / CLK_TCK, rssBytes: rssPages * PAGE_SIZE };
}

/** This process's own reading (the bench process: emulator + client). */
export function readSelf(): ProcReading {
  const cpu = process.cpuUsage();
  return { t: Date.now(), cpuSeconds: (cpu.user + cpu.system) / 1e6, rssBytes: process.memoryUsage().rss };
}

/** Figures of one process over a window. */
export interface WindowFigures {
  /** Average CPU cores used (CPU seconds / wall seconds). */
  cpuCores: number | null;
  /** Peak RSS seen in the window, MiB. */
  peakRssMiB: number | null;
  /** RSS at the end of the window, MiB. */
  endRssMiB: number | null;
}

interface Series {
  read: () => ProcReading | undefined;
  readings: ProcReading[];
}

/**
 * Samples named processes every `intervalMs`. `mark(name)` records an instant; `window(proc, from, to)` reports
 * CPU and memory between two marks. Readings of a process that was replaced (e.g. a restarted worker) are
 * per-series: call `track` again with a new name.
 */
export class ProcSampler {
  private readonly series = new Map<string, Series>();
  private readonly marks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 1_000) {}

  /** Tracks a pid (or this process with `'self'`) under `name`. */
  track(name: string, pid: number | 'self'): void {
    const read = pid === 'self' ? readSelf : () => readProc(pid);
    const first = read();
    this.series.set(name, { read, readings: first ? [first] : [] });
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes a reading of every tracked process now. */
  sample(): void {
    for (const s of this.series.values()) {
      const r = s.read();
      if (r) s.readings.push(r);
    }
  }

  /** Records an instant (after a fresh reading). */
  mark(name: string): number {
    this.sample();
    const t = Date.now();
    this.marks.set(name, t);
    return t;
  }

  markTime(name: string): number | undefined {
    return this.marks.get(name);
  }

  /** CPU and memory of `proc` between marks `from` and `to` (default: the whole run). */
  window(proc: string, from?: string, to?: string): WindowFigures {
    const s = this.series.get(proc);
    const t0 = from === undefined ? -Infinity : (this.marks.get(from) ?? -Infinity);
    const t1 = to === undefined ? Infinity : (this.marks.get(to) ?? Infinity);
    const inside = (s?.readings ?? []).filter((r) => r.t >= t0 && r.t <= t1);
    if (inside.length === 0) return { cpuCores: null, peakRssMiB: null, endRssMiB: null };
    const first = inside[0]!;
    const last = inside[inside.length - 1]!;
    const wall = (last.t - first.t) / 1000;
    return {
      cpuCores: wall > 0 ? round((last.cpuSeconds - first.cpuSeconds) / wall, 2) : null,
      peakRssMiB: round(Math.max(...inside.map((r) => r.rssBytes)) / 2 ** 20, 1),
      endRssMiB: round(last.rssBytes / 2 ** 20, 1),
    };
  }
}

/** Rounds to `digits` decimals. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
