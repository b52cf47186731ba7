/**
 * Bandwidth policies: `hh:mm` windows with a `max_bandwidth` (bytes/s). A task inside a window transfers at the
 * window's `max_bandwidth` (the emulated network always saturates the cap), outside every window at the
 * configured default speed. Windows are inclusive of both minutes (v1 docs), so `00:00–23:59` is the whole day,
 * and a window whose start is after its end wraps around midnight. The `hh:mm` values refer to a clock at a
 * configurable UTC offset (UTC by default).
 */

/** A bandwidth window on the wire. */
export interface BandwidthPolicyDto {
  start: string;
  end: string;
  max_bandwidth: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1440;

/** Minutes since midnight of `hh:mm`, or undefined if malformed. */
export function parseHhMm(value: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Half-open minute intervals `[from, to)` covered by an inclusive window (two when it wraps midnight). */
function intervals(start: number, end: number): [number, number][] {
  if (start <= end) return [[start, end + 1]];
  return [
    [start, MINUTES_PER_DAY],
    [0, end + 1],
  ];
}

/** Whether any two windows share a minute. Windows must already be well-formed. */
export function windowsOverlap(policy: readonly BandwidthPolicyDto[]): boolean {
  const all: [number, number][] = [];
  for (const w of policy) {
    const start = parseHhMm(w.start);
    const end = parseHhMm(w.end);
    if (start === undefined || end === undefined) continue;
    for (const iv of intervals(start, end)) {
      if (all.some(([a, b]) => iv[0] < b && a < iv[1])) return true;
      all.push(iv);
    }
  }
  return false;
}

/** Speed over one day: constant-speed segments starting at `startMin`; `speed` null = the default speed. */
export interface SpeedProfile {
  segments: { startMin: number; speed: number | null }[];
}

/** The profile of a policy (well-formed, non-overlapping windows). */
export function buildProfile(policy: readonly BandwidthPolicyDto[]): SpeedProfile {
  const windows: { from: number; to: number; speed: number }[] = [];
  for (const w of policy) {
    const start = parseHhMm(w.start);
    const end = parseHhMm(w.end);
    if (start === undefined || end === undefined) continue;
    for (const [from, to] of intervals(start, end)) windows.push({ from, to, speed: w.max_bandwidth });
  }
  const bounds = [...new Set([0, ...windows.flatMap((w) => [w.from, w.to])])]
    .filter((b) => b < MINUTES_PER_DAY)
    .sort((a, b) => a - b);
  return {
    segments: bounds.map((startMin) => ({
      startMin,
      speed: windows.find((w) => w.from <= startMin && startMin < w.to)?.speed ?? null,
    })),
  };
}

/** Everything needed to turn a profile into speeds at simulated instants. */
export interface SpeedContext {
  defaultSpeed: number;
  utcOffsetMinutes: number;
}

interface Position {
  speed: number;
  /** Simulated epoch ms at which this segment ends. */
  segmentEnd: number;
}

function position(profile: SpeedProfile, t: number, ctx: SpeedContext): Position {
  const local = t + ctx.utcOffsetMinutes * MINUTE_MS;
  const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  const minuteOfDay = (local - dayStart) / MINUTE_MS;
  const segments = profile.segments;
  let i = segments.length - 1;
  while (i > 0 && (segments[i] as { startMin: number }).startMin > minuteOfDay) i--;
  const segment = segments[i] as { startMin: number; speed: number | null };
  const nextStart = segments[i + 1]?.startMin ?? MINUTES_PER_DAY;
  return {
    speed: segment.speed ?? ctx.defaultSpeed,
    segmentEnd: dayStart + nextStart * MINUTE_MS - ctx.utcOffsetMinutes * MINUTE_MS,
  };
}

/** Transfer speed (bytes/s) at simulated instant `t`. */
export function speedAt(profile: SpeedProfile, t: number, ctx: SpeedContext): number {
  if (profile.segments.length === 1 && profile.segments[0]?.speed === null) return ctx.defaultSpeed;
  return position(profile, t, ctx).speed;
}

/** Bytes transferable between simulated instants `from` and `to`. */
export function bytesBetween(profile: SpeedProfile, from: number, to: number, ctx: SpeedContext): number {
  if (to <= from) return 0;
  if (profile.segments.length === 1 && profile.segments[0]?.speed === null) {
    return ((to - from) * ctx.defaultSpeed) / 1000;
  }
  let bytes = 0;
  let t = from;
  while (t < to) {
    const p = position(profile, t, ctx);
    const end = Math.min(to, Math.max(p.segmentEnd, t + 1));
    bytes += ((end - t) * p.speed) / 1000;
    t = end;
  }
  return bytes;
}

/** The simulated instant at which `bytes` more have been transferred, starting at `from`. */
export function timeToTransfer(profile: SpeedProfile, from: number, bytes: number, ctx: SpeedContext): number {
  if (bytes <= 0) return from;
  if (profile.segments.length === 1 && profile.segments[0]?.speed === null) {
    return from + (bytes * 1000) / ctx.defaultSpeed;
  }
  let remaining = bytes;
  let t = from;
  for (;;) {
    const p = position(profile, t, ctx);
    const end = Math.max(p.segmentEnd, t + 1);
    const capacity = ((end - t) * p.speed) / 1000;
    if (capacity >= remaining) return t + (remaining * 1000) / p.speed;
    remaining -= capacity;
    t = end;
  }
}
