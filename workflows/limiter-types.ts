/**
 * The region limiter's contract (`workflows/region-limiter.ts`; docs/batches.md): the slot requests, releases and
 * grants exchanged with migrations, the state carried across continue-as-new, the answer of its status query, and
 * the defaults of the limiter options of a request. Pure types and constants.
 */

/** A request for a running slot, sent by a migration to the limiter of its region (signal-with-start). */
export interface SlotRequest {
  /** Workflow id of the requesting migration: the limiter signals the grant to it and tracks the slot by it. */
  holder_id: string;
  /** Unique per request; the grant echoes it, so a late grant of a withdrawn request is ignored. */
  request_id: string;
  /** True when a CreateTask follows (it then also needs room in the creation quota). */
  creates: boolean;
  /**
   * The requester's running limit (0 = none): it is granted only while fewer slots are held, and while it holds
   * its slot no other request is granted beyond this many holders either.
   */
  max_running: number;
  /** The requester's creation quota per window (0 = none). */
  create_quota: number;
  /** The requester's creation-quota window, ms. */
  create_window_ms: number;
}

/** Gives a slot back, or withdraws a request still waiting. */
export interface SlotRelease {
  holder_id: string;
  request_id: string;
}

/** The limiter's answer to a {@link SlotRequest}, signalled to the requester. */
export interface SlotGrant {
  request_id: string;
}

/** The limiter's word to a waiting request about its place in line (see `slotQueuedSignal`). */
export interface SlotQueued {
  /** Workflow id of the waiting migration. */
  holder_id: string;
  request_id: string;
  region: string;
  /** 1-based place among the waiters. */
  position: number;
  /** Requests waiting. */
  waiting: number;
  /** Slots held. */
  running: number;
  /** The waiter's running limit (0 = none). */
  limit: number;
  /** Workflow ids of the first few holders (at most `MAX_HOLDERS_TOLD`). */
  holders: string[];
  /**
   * `creation_quota` when the head of the queue waits for the rolling creation quota (slots are free, but the
   * quota's window is full); absent when it waits for a running slot.
   */
  blocked_by?: 'creation_quota';
}

/** How many holder ids a {@link SlotQueued} names. */
export const MAX_HOLDERS_TOLD = 5;

/** A granted slot. */
export interface LimiterHolder {
  holder_id: string;
  request_id: string;
  creates: boolean;
  /** The holder's running limit: while it holds, no grant makes more than this many holders (0 = none). */
  max_running: number;
  /** Epoch ms (limiter workflow time). */
  granted_at: number;
}

/** A request waiting for a slot (first come, first served). */
export interface LimiterWaiter extends SlotRequest {
  /** Epoch ms (limiter workflow time). */
  enqueued_at: number;
}

/** The limiter's whole state: small, and carried as it is across continue-as-new. */
export interface LimiterState {
  region: string;
  holders: LimiterHolder[];
  waiters: LimiterWaiter[];
  /** Epoch ms of the creations granted within `retain_ms` (for the rolling creation quota). */
  creations: number[];
  /** How long creations are remembered: the longest quota window any request named. */
  retain_ms: number;
  /** Slots taken back from holders that ended without releasing them (since the limiter first started). */
  reclaimed: number;
  /** Runs so far (1 + continue-as-new count). */
  runs: number;
  /**
   * What each waiter was last told of its place in line, by request id (limiters with the positions patch), so a
   * new run does not tell a long queue everything again.
   */
  told?: Record<string, string>;
}

/** Answer of the limiter's `limiterStatus` query. */
export interface LimiterStatus {
  region: string;
  /** Slots held (tasks waiting or running in OMS that this orchestrator created or restarted). */
  running: number;
  /** Requests waiting for a slot. */
  waiting: number;
  holders: LimiterHolder[];
  /** The first waiters, in grant order (at most 50). */
  waiters: LimiterWaiter[];
  /** Creations remembered for the quota (within the longest window requested). */
  recent_creations: number;
  reclaimed: number;
  runs: number;
}

/** Defaults of the region-limiter options of `OrchestrationOptions` (part of `ORCHESTRATION_DEFAULTS`). */
export const LIMITER_DEFAULTS = Object.freeze({
  max_running_per_region: 5,
  daily_create_quota: 1500,
  create_quota_window_seconds: 24 * 3600,
});
