/**
 * The migration's `OmsStatus` search attribute: written when the OMS status changes; with the final-status patch a
 * final status waits (`pending_status`) and goes out with the outcome or before the next action.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';

import { mergeSnapshot, tallySnapshot, type MigrationCarriedState } from './migration-state';
import { OMS_STATUS } from './search-attributes';
import { statusText, type TaskSnapshot } from './task-status';

/** Takes a fresh snapshot (never showing less progress than before) and writes a changed status to `OmsStatus`. */
export function applySnapshot(state: MigrationCarriedState, fresh: TaskSnapshot): void {
  const previous = state.snapshot?.status;
  state.snapshot = mergeSnapshot(state.snapshot, fresh);
  tallySnapshot(state, fresh);
  if (fresh.status !== previous) upsertSearchAttributes([{ key: OMS_STATUS, value: statusText(fresh.status) }]);
}

/** The pending final status as a search-attribute update (empty when none), cleared. */
export function takePendingStatus(state: MigrationCarriedState): SearchAttributeUpdatePair[] {
  const value = state.pending_status;
  state.pending_status = undefined;
  return value === undefined ? [] : [{ key: OMS_STATUS, value }];
}

/** Writes a pending final status on its own (before an action that may take time, or on an early exit). */
export function flushPendingStatus(state: MigrationCarriedState): void {
  const pairs = takePendingStatus(state);
  if (pairs.length > 0) upsertSearchAttributes(pairs);
}
