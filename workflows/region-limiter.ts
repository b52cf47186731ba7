/**
 * OMS's limits across everything that runs on a task queue: at most N tasks running per region (OMS runs 5 and
 * queues the rest) and at most M task creations per rolling 24 h (OMS refuses the 1,501st with OMS.0075).
 *
 * One `regionLimiterWorkflow` per (region, task queue), id `oms-limiter/<region>/<task queue>`, is a durable
 * semaphore with a rolling creation window. A migration asks for a slot before CreateTask (and before a resume or
 * failed-object StartTask) through the `requestLimiterSlot` local activity (signal-with-start), waits durably for
 * `slotGranted`, and releases the slot when its task ends or the migration ends, however it ends. Slots of holders
 * that ended without releasing (terminated, reset) are reclaimed while someone waits. The state crosses
 * continue-as-new; the limiter completes once it holds, queues and remembers nothing.
 */
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';

import type { Activities } from '../activities';
import {
  acquireSlotSignal,
  limiterStatusQuery,
  releaseSlotSignal,
  slotGrantedSignal,
  slotQueuedSignal,
} from './definitions';
import {
  enqueueRequest,
  grantSlots,
  initialLimiterState,
  isForgettable,
  limiterStatus,
  limiterWorkflowId,
  nextForgetAt,
  positionsToTell,
  pruneCreations,
  reclaimClosed,
  releaseSlot,
  renderLimiterDetails,
} from './shared/region-limiter-logic';
import { recordLimiterState, recordLimiterWait } from './metrics';
import { DESCRIBE_CALL } from './activity-options';
import type { LimiterHolder, LimiterState, SlotQueued, SlotRequest } from './limiter-types';
import { SLOT_POSITION_UPDATES } from './report-types';
import type { NormalizedMigrationRequest } from './request-types';

const { findClosedWorkflows } = proxyActivities<Activities>(DESCRIBE_CALL);

/** Signal-with-start and release are single RPCs to Temporal: local activities (one marker event each). */
const slotCalls = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' },
});

/** First look for holders that ended without releasing, once someone has waited this long. */
const FIRST_HOLDER_CHECK_MS = 5_000;
/** Later looks back off up to this interval while the queue stays blocked. */
const MAX_HOLDER_CHECK_MS = 60_000;
/** The limiter continues as new after this many events (each grant costs about ten). */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

/**
 * Patch id of the limiter telling waiters their place in line (`slotQueued` signals). Decided once per run, at
 * its start: a run recorded before it signals grants only.
 */
export const LIMITER_POSITIONS_PATCH = 'oms-limiter-positions';

/**
 * The per-region limiter. Started by the first `requestLimiterSlot` of a region (signal-with-start); answers the
 * `limiterStatus` query. Input: the region, and the state carried across continue-as-new.
 */
export async function regionLimiterWorkflow(region: string, carried?: LimiterState): Promise<void> {
  const state: LimiterState = carried ? { ...carried, runs: carried.runs + 1 } : initialLimiterState(region);
  const tellPositions = patched(LIMITER_POSITIONS_PATCH);
  /** What each waiter was last told of its place (by request id); carried across continue-as-new. */
  const told = new Map<string, string>(Object.entries(state.told ?? {}));
  let dirty = true;
  /** Grants to send again (a holder repeated a request it already holds). */
  const resend: LimiterHolder[] = [];

  // --- Signals and queries ---
  setHandler(acquireSlotSignal, (request) => {
    const held = enqueueRequest(state, request, Date.now());
    if (held) resend.push(held);
    dirty = true;
  });
  setHandler(releaseSlotSignal, (release) => {
    if (releaseSlot(state, release)) dirty = true;
  });
  setHandler(limiterStatusQuery, () => limiterStatus(state));

  let checkEveryMs = FIRST_HOLDER_CHECK_MS;
  let checkAt: number | null = null;
  for (;;) {
    dirty = false;
    const now = Date.now();
    pruneCreations(state, now);
    const plan = grantSlots(state, now);
    recordLimiterState(state.region, state.waiters.length, state.holders.length);
    const toSignal = [...resend.splice(0), ...plan.granted];
    if (toSignal.length > 0) {
      const gone = await sendGrants(toSignal);
      if (gone.length > 0) {
        reclaimClosed(state, gone);
        continue;
      }
    }
    // No command: the UI's Current Details are read through a query.
    setCurrentDetails(renderLimiterDetails(state, Date.now()));
    if (tellPositions) {
      // A request that arrived while the grants were being sent may find a free slot: grant first, then tell the
      // ones still waiting (else a migration granted at once would be told it waits, and write events for nothing).
      if (dirty) continue;
      const gone = await sendPositions(positionsToTell(state, told, SLOT_POSITION_UPDATES, plan.wake_at !== null));
      if (gone.length > 0) {
        reclaimClosed(state, gone);
        continue;
      }
    }

    // Someone waits while slots are held: make sure no holder has ended without releasing.
    if (state.waiters.length > 0 && state.holders.length > 0) {
      checkAt ??= now + checkEveryMs;
      if (now >= checkAt) {
        await reclaimEndedHolders(state);
        checkEveryMs = Math.min(MAX_HOLDER_CHECK_MS, checkEveryMs * 2);
        checkAt = null;
        continue;
      }
    } else {
      checkAt = null;
      checkEveryMs = FIRST_HOLDER_CHECK_MS;
    }

    if (!dirty && resend.length === 0) {
      const info = workflowInfo();
      if (isForgettable(state)) {
        await condition(allHandlersFinished);
        return;
      }
      if (info.continueAsNewSuggested || info.historyLength > CONTINUE_AS_NEW_AFTER_EVENTS) {
        await condition(allHandlersFinished);
        if (tellPositions) state.told = Object.fromEntries(told);
        await continueAsNew<typeof regionLimiterWorkflow>(region, state);
      }
    }

    const wakeAt = earliest(
      plan.wake_at,
      checkAt,
      state.holders.length + state.waiters.length === 0 ? nextForgetAt(state) : null,
    );
    await condition(() => dirty, wakeAt === null ? undefined : Math.max(1, wakeAt - Date.now()));
  }
}

/** Signals each grant; returns the holders that could not be signalled (their workflow has ended). */
async function sendGrants(holders: LimiterHolder[]): Promise<string[]> {
  const results = await Promise.allSettled(
    holders.map((h) => getExternalWorkflowHandle(h.holder_id).signal(slotGrantedSignal, { request_id: h.request_id })),
  );
  return holders.filter((_, i) => results[i]!.status === 'rejected').map((h) => h.holder_id);
}

/** Tells waiters their place in line; returns the waiters that could not be signalled (their workflow has ended). */
async function sendPositions(positions: SlotQueued[]): Promise<string[]> {
  if (positions.length === 0) return [];
  const results = await Promise.allSettled(
    positions.map((p) => getExternalWorkflowHandle(p.holder_id).signal(slotQueuedSignal, p)),
  );
  return positions.filter((_, i) => results[i]!.status === 'rejected').map((p) => p.holder_id);
}

/** Describes the holders and takes back the slots of those that ended. Failures only postpone the check. */
async function reclaimEndedHolders(state: LimiterState): Promise<void> {
  try {
    const { closed, stale } = await findClosedWorkflows({
      workflow_ids: state.holders.map((h) => h.holder_id),
      holders: state.holders.map((h) => ({ holder_id: h.holder_id, request_id: h.request_id })),
    });
    let taken = reclaimClosed(state, closed);
    for (const release of stale ?? []) {
      if (releaseSlot(state, release)) {
        taken += 1;
        state.reclaimed += 1;
      }
    }
    if (taken > 0)
      log.warn('Reclaimed slots of migrations that ended or no longer hold them', { closed, stale, taken });
  } catch (err) {
    log.warn('Could not check the limiter holders; will try again', { error: String(err) });
  }
}

function earliest(...times: (number | null)[]): number | null {
  const set = times.filter((t): t is number => t !== null);
  return set.length === 0 ? null : Math.min(...set);
}

// --- The migration side ---

/** Patch id of the limiter integration in `migrationWorkflow`: a run whose history predates it skips the limiter. */
export const LIMITER_PATCH = 'oms-region-limiter';

/** How often a waiting migration repeats its request (it also restarts a limiter that was terminated). */
const REREQUEST_EVERY_MS = 30 * 60_000;

/** The migration's view of its slot; carried across continue-as-new inside the migration's state. */
export interface RegionSlotState {
  limiter_id: string;
  region: string;
  max_running: number;
  create_quota: number;
  create_window_ms: number;
  /** The pending or granted request, or null when the migration neither waits nor holds. */
  request_id: string | null;
  held: boolean;
  /** The place in line the limiter last told, while the request waits (operator-visibility runs). */
  queued?: SlotQueued;
}

/** A migration's running slot (see {@link regionSlot}). */
export interface RegionSlot {
  /**
   * Waits until the limiter grants a slot (no-op when the limiter is disabled or the slot is already held).
   * `creates`: a CreateTask follows. Resolves false, with the request withdrawn, if `deadlineAt` passes first.
   */
  acquire(creates: boolean, deadlineAt: number): Promise<boolean>;
  /** Gives the slot back, or withdraws a waiting request. Idempotent, never throws, runs even when cancelled. */
  release(): Promise<void>;
  /**
   * Ends every wait in {@link acquire} (it resolves false, the request withdrawn): the migration has finished, so
   * nothing waiting for a slot will run anything.
   */
  abortWaits(): void;
  /** The request the migration waits on or holds, for the `limiterSlot` query. */
  current(): { request_id: string | null; held: boolean };
  /** The place in line, while the migration waits and the limiter has told it. */
  queued(): SlotQueued | undefined;
}

/** Options of {@link regionSlot} for runs with the operator-visibility patch. */
export interface SlotVisibility {
  /** Called when the place in line changes, or the wait ends (the slot granted or the request withdrawn). */
  onQueueChange(queued: SlotQueued | undefined): void;
}

/**
 * The limiter integration for the migration workflow. Call once, before the first `await`: it registers the
 * `slotGranted` handler. Limits come from the validated request's orchestration options (defaults applied like
 * every other option's), fixed in `state.limiter` by the first run so they survive continue-as-new.
 *
 * Runs recorded when the limits were read from the raw request replay unchanged without a patch: for a request that
 * passed validation the normalized value is the raw one or the same default, and a carried-over run reads
 * `state.limiter`, not the request.
 */
export function regionSlot(
  request: NormalizedMigrationRequest,
  state: { limiter?: RegionSlotState },
  /** The run includes the limiter patch without its marker (runs with the core-promises patch). */
  limiterPatched = false,
  /** Set in runs with the operator-visibility patch: the place in line is kept and reported. */
  visibility?: SlotVisibility,
): RegionSlot {
  const info = workflowInfo();
  const o = request.orchestration;
  const slot = (state.limiter ??= {
    limiter_id: limiterWorkflowId(request.dst_node.region, info.taskQueue),
    region: request.dst_node.region,
    max_running: o.max_running_per_region,
    create_quota: o.daily_create_quota,
    create_window_ms: o.create_quota_window_seconds * 1000,
    request_id: null,
    held: false,
  });
  let granted: string | null = null;
  setHandler(slotGrantedSignal, (grant) => {
    if (grant.request_id === slot.request_id) granted = grant.request_id;
  });
  const setQueued = (queued: SlotQueued | undefined): void => {
    if (!visibility || (queued === undefined && slot.queued === undefined)) return;
    if (queued) slot.queued = queued;
    else delete slot.queued;
    visibility.onQueueChange(queued);
  };
  // A place in line that arrives after the grant (or for an older request) is stale: ignored.
  setHandler(slotQueuedSignal, (queued) => {
    if (queued.request_id === slot.request_id && !slot.held && granted !== queued.request_id) setQueued(queued);
  });

  const release = async (): Promise<void> => {
    const requestId = slot.request_id;
    if (requestId === null) return;
    slot.request_id = null;
    slot.held = false;
    granted = null;
    setQueued(undefined);
    await CancellationScope.nonCancellable(async () => {
      try {
        await slotCalls.releaseLimiterSlot({
          limiter_id: slot.limiter_id,
          release: { holder_id: info.workflowId, request_id: requestId },
        });
      } catch (err) {
        // The limiter reclaims the slot by itself once it sees this workflow has ended.
        log.warn('Could not release the OMS slot', { limiter: slot.limiter_id, error: String(err) });
      }
    });
  };

  /** The wait in progress: a second caller joins it instead of replacing its request (which would strand it). */
  let waiting: Promise<boolean> | null = null;
  let aborted = false;

  const acquire = (creates: boolean, deadlineAt: number): Promise<boolean> => {
    if (aborted) return Promise.resolve(false);
    waiting ??= acquireOnce(creates, deadlineAt).finally(() => {
      waiting = null;
    });
    return waiting;
  };

  const acquireOnce = async (creates: boolean, deadlineAt: number): Promise<boolean> => {
    if (slot.held || (slot.max_running === 0 && slot.create_quota === 0)) return true;
    if (!limiterPatched && !patched(LIMITER_PATCH)) return true;
    const requestId = uuid4();
    slot.request_id = requestId;
    const body: SlotRequest = {
      holder_id: info.workflowId,
      request_id: requestId,
      creates,
      max_running: slot.max_running,
      create_quota: slot.create_quota,
      create_window_ms: slot.create_window_ms,
    };
    const waitStarted = Date.now();
    for (;;) {
      await slotCalls.requestLimiterSlot({ limiter_id: slot.limiter_id, region: slot.region, request: body });
      const left = deadlineAt - Date.now();
      const done =
        left > 0 && (await condition(() => granted === requestId || aborted, Math.min(REREQUEST_EVERY_MS, left)));
      if (done && !aborted) {
        slot.held = true;
        setQueued(undefined);
        recordLimiterWait(slot.region, 'granted', Date.now() - waitStarted);
        return true;
      }
      if (aborted || Date.now() >= deadlineAt) {
        recordLimiterWait(slot.region, aborted ? 'aborted' : 'deadline', Date.now() - waitStarted);
        await release();
        return false;
      }
    }
  };

  return {
    acquire,
    release,
    abortWaits: () => {
      aborted = true;
    },
    current: () => ({ request_id: slot.request_id, held: slot.held }),
    queued: () => slot.queued,
  };
}
