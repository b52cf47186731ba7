/**
 * Names the workflows are called by — messages (signals, queries, updates) and the workflow types started by name —
 * one definition each, imported by the workflows, activities and client/ so names and types cannot drift. Wire
 * names are explicit and stable (other SDKs call them by name).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

import type { BatchProgress } from './batch-types';
import type { LimiterStatus, SlotGrant, SlotQueued, SlotRelease, SlotRequest } from './limiter-types';
import type { MigrationProgress } from './report-types';
import type { BandwidthWindow } from './request-types';

/** Workflow type of a migration (`migrationWorkflow`, workflows/migration.ts), for clients and other SDKs. */
export const MIGRATION_WORKFLOW_TYPE = 'migrationWorkflow';

/**
 * Workflow type of a task-group migration (`taskGroupMigrationWorkflow`, workflows/task-group-migration.ts). It takes
 * the migration's request and answers the same `progress` query and `pause`/`resume`/`setBandwidth` updates.
 */
export const TASK_GROUP_MIGRATION_WORKFLOW_TYPE = 'taskGroupMigrationWorkflow';

/** Memo key of the final report, written when a migration ends early (cancel, deadline, failure) and read by clients. */
export const REPORT_MEMO_KEY = 'report';

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

/** Workflow type of the batch (`batchMigrationWorkflow`, workflows/batch.ts), for clients and schedules. */
export const BATCH_WORKFLOW_TYPE = 'batchMigrationWorkflow';

/**
 * From a batch item to its batch: it started (`waiting: true`) or stopped waiting in the region limiter's queue, so
 * the batch counts items waiting for a slot apart from those running. Sent only on those two changes.
 */
export const itemSlotWaitSignal = defineSignal<[{ workflow_id: string; waiting: boolean }]>('itemSlotWait');

/** Batch progress: items waiting, running, done and failed, with object and byte totals of the items done. */
export const batchProgressQuery = defineQuery<BatchProgress>('progress');

// --- Region limiter ---

/** Workflow type of the limiter (`regionLimiterWorkflow`, workflows/region-limiter.ts), signal-with-started by name. */
export const REGION_LIMITER_WORKFLOW_TYPE = 'regionLimiterWorkflow';

/** To the limiter: a migration asks for a running slot (sent with signal-with-start by `requestLimiterSlot`). */
export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquireSlot');

/** To the limiter: a migration gives its slot back, or withdraws its request. Idempotent. */
export const releaseSlotSignal = defineSignal<[SlotRelease]>('releaseSlot');

/** From the limiter to a migration: its request is granted. */
export const slotGrantedSignal = defineSignal<[SlotGrant]>('slotGranted');

/**
 * From the limiter to a waiting migration: its place in line. Sent when it joins the queue, and again whenever it
 * changes for the first `SLOT_POSITION_UPDATES` waiters (report-types.ts), so the history cost stays bounded.
 */
export const slotQueuedSignal = defineSignal<[SlotQueued]>('slotQueued');

/** The limiter's holders, waiters and recent creations. */
export const limiterStatusQuery = defineQuery<LimiterStatus>('limiterStatus');

// --- Pre-flight dry run ---

/** Workflow type of the dry run (`preflightWorkflow`, workflows/preflight.ts), started by `MigrationClient.preflight`. */
export const PREFLIGHT_WORKFLOW_TYPE = 'preflightWorkflow';
