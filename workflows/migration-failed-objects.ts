/**
 * The failed-object summary of a migration: after each run that ends with failed objects (the first run and every
 * failed-object retry round), the worker reads OMS's failed-object list from the destination bucket
 * (`summarizeFailedObjects`) and the migration keeps a bounded summary for its report. Reading the list is best
 * effort: whatever goes wrong, the report says why the summary is missing and the migration goes on.
 */
import { ActivityFailure, isCancellation, patched, proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { FAILED_OBJECTS_PATCH } from './migration-patches';
import type { MigrationCarriedState } from './migration-state';
import type { FailedObjectsListSummary, FailedObjectsRound, FailedObjectsUnavailable } from './report-types';
import type { NormalizedMigrationRequest } from './request-types';

/** Keys kept per round (the last run's summary keeps more). */
const ROUND_KEYS = 5;
/** UTF-8 bytes of the keys kept per round. */
const ROUND_KEY_BYTES = 512;
/** Rounds kept: the first run and the at most 10 retry rounds a request may ask for. */
const MAX_ROUNDS = 11;

/**
 * Reading a list is one GET streamed through the parser: minutes at most for OMS's largest lists. The whole budget
 * is bounded so an OBS outage delays the report by at most ten minutes.
 */
const { summarizeFailedObjects } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

function firstKeys(keys: readonly string[]): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (const key of keys.slice(0, ROUND_KEYS)) {
    // Workflow code has no Buffer: a key's UTF-16 length bounds its UTF-8 size within a factor of 3.
    bytes += key.length * 3;
    if (bytes > ROUND_KEY_BYTES) break;
    out.push(key);
  }
  return out;
}

function unavailableFrom(err: unknown): FailedObjectsUnavailable {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  return { code: 'ObsUnavailable', message: `OBS could not be read within the retry budget: ${message}` };
}

/**
 * After a run ended (final status other than stopped): when it left failed objects, summarise the list into
 * `state.failed_objects` (the last run's summary, plus this run's survivors in `rounds`).
 */
export async function recordFailedObjects(
  req: NormalizedMigrationRequest,
  state: MigrationCarriedState,
): Promise<void> {
  const snap = state.snapshot;
  const failedNum = snap?.failed_num ?? 0;
  if (!snap || failedNum === 0 || !patched(FAILED_OBJECTS_PATCH)) return;
  const record = snap.failed_object_record;
  const key = record?.result && record.list_file_key ? record.list_file_key : null;
  const dst = req.dst_node;
  let outcome: { summary: FailedObjectsListSummary } | { unavailable: FailedObjectsUnavailable };
  if (key === null) {
    const why =
      req.enable_failed_object_recording === false
        ? 'failed-object recording is off (enable_failed_object_recording: false)'
        : record?.error_code
          ? `OMS could not record the list (${record.error_code})`
          : 'OMS recorded no failed-object list';
    outcome = { unavailable: { code: 'NotRecorded', message: why } };
  } else {
    try {
      outcome = await summarizeFailedObjects({
        bucket: dst.bucket,
        region: dst.region,
        list_file_key: key,
        credential_profile: dst.credential_profile,
      });
    } catch (err) {
      // A cancellation is the migration's, not the list's: it ends the migration as usual.
      if (isCancellation(err)) throw err;
      outcome = { unavailable: unavailableFrom(err) };
    }
  }
  const round: FailedObjectsRound = {
    round: state.retry_rounds,
    failed_num: failedNum,
    ...('summary' in outcome
      ? { count: outcome.summary.count, first_keys: firstKeys(outcome.summary.first_keys) }
      : { unavailable: outcome.unavailable }),
  };
  const rounds = [...(state.failed_objects?.rounds ?? []), round].slice(-MAX_ROUNDS);
  state.failed_objects = {
    bucket: dst.bucket,
    region: dst.region,
    credential_profile: dst.credential_profile,
    list_file_key: key,
    ...outcome,
    rounds,
  };
}
