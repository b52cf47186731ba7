/**
 * The region limiter's bookkeeping as pure functions over {@link LimiterState}: queueing requests, granting slots
 * in arrival order while the running limit and the rolling creation quota allow, releases and reclaims. The
 * limiter workflow (`workflows/region-limiter.ts`) applies them and does the messaging; unit tests drive them
 * directly. It serves single migrations and batches alike.
 *
 * Time is passed in (epoch ms of workflow time), so everything here is deterministic.
 */
import {
  MAX_HOLDERS_TOLD,
  type LimiterHolder,
  type LimiterState,
  type LimiterStatus,
  type SlotQueued,
  type SlotRelease,
  type SlotRequest,
} from '../limiter-types';
import { asOfLine, formatDuration } from './details';

/** Waiters listed by the status query (the queue itself is not bounded by this). */
const STATUS_WAITERS = 50;

/** A fresh limiter for `region`. */
export function initialLimiterState(region: string): LimiterState {
  return { region, holders: [], waiters: [], creations: [], retain_ms: 0, reclaimed: 0, runs: 1 };
}

/**
 * Queues a request. Idempotent per `request_id`: a request that already waits is ignored, and one that is already
 * granted is returned so the caller can send the grant again (the requester may have missed nothing, but a
 * repeated request after a limiter restart must never block). A new request from a holder supersedes its old slot.
 */
export function enqueueRequest(state: LimiterState, request: SlotRequest, now: number): LimiterHolder | undefined {
  const held = state.holders.find((h) => h.holder_id === request.holder_id);
  if (held?.request_id === request.request_id) return held;
  if (state.waiters.some((w) => w.holder_id === request.holder_id && w.request_id === request.request_id)) {
    return undefined;
  }
  state.holders = state.holders.filter((h) => h.holder_id !== request.holder_id);
  state.waiters = state.waiters.filter((w) => w.holder_id !== request.holder_id);
  state.waiters.push({ ...request, enqueued_at: now });
  if (request.create_quota > 0) state.retain_ms = Math.max(state.retain_ms, request.create_window_ms);
  return undefined;
}

/** Releases a slot or withdraws a waiting request; a release naming another request id is stale and ignored. */
export function releaseSlot(state: LimiterState, release: SlotRelease): boolean {
  const matches = (x: { holder_id: string; request_id: string }): boolean =>
    x.holder_id === release.holder_id && x.request_id === release.request_id;
  const before = state.holders.length + state.waiters.length;
  state.holders = state.holders.filter((h) => !matches(h));
  state.waiters = state.waiters.filter((w) => !matches(w));
  return state.holders.length + state.waiters.length !== before;
}

/** Takes slots back from holders (and drops waiters) whose workflows ended. Returns the number of slots taken. */
export function reclaimClosed(state: LimiterState, closedIds: readonly string[]): number {
  if (closedIds.length === 0) return 0;
  const closed = new Set(closedIds);
  const before = state.holders.length;
  state.holders = state.holders.filter((h) => !closed.has(h.holder_id));
  state.waiters = state.waiters.filter((w) => !closed.has(w.holder_id));
  const taken = before - state.holders.length;
  state.reclaimed += taken;
  return taken;
}

/** Forgets creations older than the longest window any request named. */
export function pruneCreations(state: LimiterState, now: number): void {
  const horizon = now - state.retain_ms;
  if (state.creations.length > 0 && state.creations[0]! <= horizon) {
    state.creations = state.creations.filter((t) => t > horizon);
  }
}

/** Result of {@link grantSlots}. */
export interface GrantPlan {
  /** Slots granted now (already moved from the queue to the holders): signal each requester. */
  granted: LimiterHolder[];
  /** When the first waiter becomes grantable through the creation window moving on, if that is what blocks it. */
  wake_at: number | null;
}

/**
 * The running limit in force for a new grant: the smallest limit among the candidate and the current holders
 * (0 = none), so no holder ever runs alongside more tasks than it allows.
 */
export function effectiveRunningLimit(state: LimiterState, candidateLimit: number): number {
  let limit = candidateLimit;
  for (const h of state.holders) {
    if (h.max_running > 0 && (limit === 0 || h.max_running < limit)) limit = h.max_running;
  }
  return limit;
}

/**
 * Grants slots to waiters in arrival order, as long as the limits allow: fewer holders than the running limit in
 * force (see {@link effectiveRunningLimit}), and (when the waiter will create a task) fewer creations than its
 * `create_quota` within its window. Stops at the first waiter that must wait (no overtaking, so no request
 * starves). Mutates `state`.
 */
export function grantSlots(state: LimiterState, now: number): GrantPlan {
  const granted: LimiterHolder[] = [];
  for (;;) {
    const next = state.waiters[0];
    if (next === undefined) return { granted, wake_at: null };
    const limit = effectiveRunningLimit(state, next.max_running);
    if (limit > 0 && state.holders.length >= limit) return { granted, wake_at: null };
    if (next.creates && next.create_quota > 0) {
      const windowStart = now - next.create_window_ms;
      const inWindow = state.creations.filter((t) => t > windowStart);
      if (inWindow.length >= next.create_quota) {
        // Creations are recorded in time order: once the (n - quota + 1) oldest have left the window, one is free.
        const freeingCreation = inWindow[inWindow.length - next.create_quota]!;
        return { granted, wake_at: freeingCreation + next.create_window_ms };
      }
    }
    state.waiters.shift();
    const holder: LimiterHolder = {
      holder_id: next.holder_id,
      request_id: next.request_id,
      creates: next.creates,
      max_running: next.max_running,
      granted_at: now,
    };
    state.holders.push(holder);
    if (next.creates) state.creations.push(now);
    granted.push(holder);
  }
}

/** True when the limiter holds nothing, queues nothing and remembers no creation: it may end. */
export function isForgettable(state: LimiterState): boolean {
  return state.holders.length === 0 && state.waiters.length === 0 && state.creations.length === 0;
}

/** When the oldest remembered creation leaves the retention window (null when none is remembered). */
export function nextForgetAt(state: LimiterState): number | null {
  const oldest = state.creations[0];
  return oldest === undefined ? null : oldest + state.retain_ms;
}

/** The status query's answer. */
export function limiterStatus(state: LimiterState): LimiterStatus {
  return {
    region: state.region,
    running: state.holders.length,
    waiting: state.waiters.length,
    holders: state.holders.map((h) => ({ ...h })),
    waiters: state.waiters.slice(0, STATUS_WAITERS).map((w) => ({ ...w })),
    recent_creations: state.creations.length,
    reclaimed: state.reclaimed,
    runs: state.runs,
  };
}

/**
 * The limiter's workflow id for a region and task queue. One limiter per (region, task queue): every worker that
 * polls a task queue holds the same OMS account configuration, so a task queue stands for one OMS account.
 */
export function limiterWorkflowId(region: string, taskQueue: string): string {
  return `oms-limiter/${region}/${taskQueue}`;
}

/**
 * The places in line to tell waiters now, given what each was told last (`told`, by request id, updated in place):
 * every waiter once when it joins, and the first `keepUpdated` again whenever their place or the number running
 * changes. So a queue of a thousand costs one signal per waiter plus at most `keepUpdated` per change at its head.
 */
export function positionsToTell(
  state: LimiterState,
  told: Map<string, string>,
  keepUpdated: number,
  /** The queue's head waits for the creation quota, not a running slot (the last grant plan's `wake_at`). */
  quotaBlocked = false,
): SlotQueued[] {
  const out: SlotQueued[] = [];
  const running = state.holders.length;
  const holders = state.holders.slice(0, MAX_HOLDERS_TOLD).map((h) => h.holder_id);
  const waiting = new Set<string>();
  state.waiters.forEach((w, i) => {
    waiting.add(w.request_id);
    const position = i + 1;
    const key = `${position}/${running}${quotaBlocked ? '/quota' : ''}`;
    const last = told.get(w.request_id);
    if (last === key || (last !== undefined && i >= keepUpdated)) return;
    told.set(w.request_id, key);
    out.push({
      holder_id: w.holder_id,
      request_id: w.request_id,
      region: state.region,
      position,
      waiting: state.waiters.length,
      running,
      limit: w.max_running,
      holders,
      ...(quotaBlocked ? { blocked_by: 'creation_quota' as const } : {}),
    });
  });
  for (const id of told.keys()) if (!waiting.has(id)) told.delete(id);
  return out;
}

/** Rows of each table in the limiter's Current Details (the `limiterStatus` query has the rest). */
const DETAIL_ROWS = 10;

/** Escapes what would break a markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, "'");
}

/** Markdown for the limiter's Temporal UI Current Details: counts, then bounded Holders and Waiters tables. */
export function renderLimiterDetails(state: LimiterState, now: number): string {
  const since = (t: number): string => formatDuration(Math.max(0, now - t));
  const lines = [
    `**OMS slots for ${state.region}**`,
    '',
    `- Running: **${state.holders.length}**${limitText(state)}`,
    `- Waiting: **${state.waiters.length}**`,
    `- Creations remembered for the quota: ${state.creations.length}`,
    ...(state.reclaimed > 0 ? [`- Slots reclaimed from ended migrations: ${state.reclaimed}`] : []),
    '',
    '### Holders',
    '',
  ];
  if (state.holders.length === 0) lines.push('_none_');
  else {
    lines.push('| Migration | Held for |', '| --- | --- |');
    for (const h of state.holders.slice(0, DETAIL_ROWS))
      lines.push(`| \`${cell(h.holder_id)}\` | ${since(h.granted_at)} |`);
    if (state.holders.length > DETAIL_ROWS) lines.push(`| … and ${state.holders.length - DETAIL_ROWS} more | |`);
  }
  lines.push('', '### Waiters', '');
  if (state.waiters.length === 0) lines.push('_none_');
  else {
    lines.push('| # | Migration | Waiting for |', '| --- | --- | --- |');
    state.waiters.slice(0, DETAIL_ROWS).forEach((w, i) => {
      lines.push(`| ${i + 1} | \`${cell(w.holder_id)}\` | ${since(w.enqueued_at)} |`);
    });
    if (state.waiters.length > DETAIL_ROWS) lines.push(`| | … and ${state.waiters.length - DETAIL_ROWS} more | |`);
  }
  // Right under the headline: the UI clips long details at the bottom, never at the top.
  lines.splice(1, 0, '', asOfLine(new Date(now)));
  return lines.join('\n');
}

/** ` of N` when every holder and waiter names the same running limit. */
function limitText(state: LimiterState): string {
  const limits = new Set([...state.holders, ...state.waiters].map((x) => x.max_running));
  const [only] = [...limits];
  return limits.size === 1 && only !== undefined && only > 0 ? ` of ${only}` : '';
}
