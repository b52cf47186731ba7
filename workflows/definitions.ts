/**
 * Messages of the migration workflow: one definition each, imported by the workflow and by client/ so names and
 * types cannot drift. Wire names are explicit and stable (other SDKs call them by name).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

import type {
  BandwidthWindow,
  BatchProgress,
  LimiterStatus,
  MigrationProgress,
  SlotGrant,
  SlotRelease,
  SlotRequest,
} from './types';

/** Latest known state of the migration: phase, OMS task id and the last OMS snapshot the workflow received. */
export const progressQuery = defineQuery<MigrationProgress>('progress');

/**
 * The migration's region-limiter slot as it sees it: the request it waits on or holds (null: none). The limiter
 * asks this (through an activity) to reclaim slots of holders that no longer hold them.
 */
export const limiterSlotQuery = defineQuery<{ request_id: string | null; held: boolean }>('limiterSlot');

/** Pauses the OMS task (StopTask). Resolves once OMS accepted the stop; the task then passes 7 → 3. */
export const pauseUpdate = defineUpdate<MigrationProgress, []>('pause');

/** Resumes a paused OMS task (StartTask; the worker supplies the credentials again, as OMS requires). */
export const resumeUpdate = defineUpdate<MigrationProgress, []>('resume');

/** Replaces the task's bandwidth policy (UpdateBandwidthWindow). Validated before it is accepted. */
export const setBandwidthUpdate = defineUpdate<MigrationProgress, [BandwidthWindow[]]>('setBandwidth');

// --- Batch workflow ---

/** Batch progress: items waiting, running, done and failed, with object and byte totals of the items done. */
export const batchProgressQuery = defineQuery<BatchProgress>('progress');

// --- Region limiter ---

/** To the limiter: a migration asks for a running slot (sent with signal-with-start by `requestLimiterSlot`). */
export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquireSlot');

/** To the limiter: a migration gives its slot back, or withdraws its request. Idempotent. */
export const releaseSlotSignal = defineSignal<[SlotRelease]>('releaseSlot');

/** From the limiter to a migration: its request is granted. */
export const slotGrantedSignal = defineSignal<[SlotGrant]>('slotGranted');

/** The limiter's holders, waiters and recent creations. */
export const limiterStatusQuery = defineQuery<LimiterStatus>('limiterStatus');
