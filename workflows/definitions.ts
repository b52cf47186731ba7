/**
 * Messages of the migration workflow: one definition each, imported by the workflow and by client/ so names and
 * types cannot drift. Wire names are explicit and stable (other SDKs call them by name).
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

import type { BandwidthWindow, MigrationProgress } from './types';

/** Latest known state of the migration: phase, OMS task id and the last OMS snapshot the workflow received. */
export const progressQuery = defineQuery<MigrationProgress>('progress');

/** Pauses the OMS task (StopTask). Resolves once OMS accepted the stop; the task then passes 7 → 3. */
export const pauseUpdate = defineUpdate<MigrationProgress, []>('pause');

/** Resumes a paused OMS task (StartTask; the worker supplies the credentials again, as OMS requires). */
export const resumeUpdate = defineUpdate<MigrationProgress, []>('resume');

/** Replaces the task's bandwidth policy (UpdateBandwidthWindow). Validated before it is accepted. */
export const setBandwidthUpdate = defineUpdate<MigrationProgress, [BandwidthWindow[]]>('setBandwidth');
