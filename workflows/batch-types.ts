/**
 * The batch contract (`workflows/batch.ts`; docs/batches.md): what a client sends (`BatchRequest`), what the batch
 * answers while it runs (`BatchProgress`) and returns (`BatchReport`), and its failure type. Pure types and
 * constants.
 */
import type { MigrationOutcome } from './report-types';
import type { ListFile, MigrationRequest, OrchestrationOptions } from './request-types';
import type { FailedObjectRecord, ObjectCounts } from './task-status';

/** What a batch does when items fail: go on with the others, or stop starting items after some failed. */
export const BATCH_FAILURE_MODES = ['continue', 'stop'] as const;
/** One of {@link BATCH_FAILURE_MODES}. */
export type BatchFailureMode = (typeof BATCH_FAILURE_MODES)[number];

/**
 * Failure policy of a batch. A *failed item* is one whose migration did not complete (failed, stopped, cancelled
 * on its own, deadline); items that completed with failed objects are not failed items.
 */
export interface BatchFailurePolicy {
  /** `continue` (default): run every item. `stop`: start no further items once `max_failed_items` failed. */
  mode?: BatchFailureMode;
  /** With `stop`: how many failed items stop the batch, integer ≥ 1 (default 1). Items already running finish. */
  max_failed_items?: number;
}

/** Incremental runs: each run migrates only objects changed since the last fully successful run. */
export interface BatchIncremental {
  /** The schedule whose runs are compared (set by `oms-orchestrator schedule create --incremental`). */
  schedule_id: string;
  /**
   * Seconds subtracted from the previous run's start time, 0..86400 (default 0): a safety margin for clock skew
   * between Temporal and the source storage.
   */
  overlap_seconds?: number;
}

/**
 * Input of `batchMigrationWorkflow`: either explicit `items` (migration requests), or a compact spec — one
 * `template` request (source/destination pair and options) plus `prefixes` (one prefix task each) or
 * `list_files` (one list task each). `orchestration` applies to every item unless the item sets the field itself.
 */
export interface BatchRequest {
  /** Short free text shown in the UI (≤ 200 characters). */
  label?: string;
  /** Explicit items, 1..100000 migration requests. Exactly one of `items` and `template`. */
  items?: MigrationRequest[];
  /** Shared request of a compact spec; leave `src_node.object_key` / `src_node.list_file` out. */
  template?: MigrationRequest;
  /** With `template`: one prefix task per entry (`task_type` defaults to `prefix`). */
  prefixes?: string[];
  /** With `template`: one list task per entry (`task_type` defaults to `list`; `url_list` when the template says so). */
  list_files?: ListFile[];
  /** Items running at once, integer 1..1000 (default 5). OMS's limits apply on top (the region limiter). */
  concurrency?: number;
  /** Default `{ "mode": "continue" }`. */
  failure_policy?: BatchFailurePolicy;
  /** Orchestration options for every item (an item's own `orchestration` fields win). */
  orchestration?: OrchestrationOptions;
  /** Migrate only objects changed since the last successful run of a schedule. */
  incremental?: BatchIncremental;
  /**
   * Items started per workflow run before the batch continues as new, integer 1..10000 (default 200; the run also
   * continues as new when Temporal suggests it). Lower it only to test the continue-as-new path.
   */
  continue_as_new_after_items?: number;
}

/** Defaults of {@link BatchRequest}. */
export const BATCH_DEFAULTS = Object.freeze({
  concurrency: 5,
  max_failed_items: 1,
  continue_as_new_after_items: 200,
  overlap_seconds: 0,
});

/** Most items of one batch. */
export const BATCH_MAX_ITEMS = 100_000;

/** How an item ended (`not_started`: the batch stopped or was cancelled before starting it). */
export type BatchItemOutcome = MigrationOutcome | 'not_started';

/** One item's outcome in a batch report: a few numbers from its migration report, or its failure. */
export interface BatchItemSummary extends ObjectCounts {
  index: number;
  /** Workflow id of the item's migration: `<batch id>/item-<index>`. */
  migration_id: string;
  outcome: BatchItemOutcome;
  task_id: number | null;
  retry_rounds: number;
  /** Failure type and message when the migration did not complete (messages are cut to 300 characters). */
  failure: { type: string; message: string } | null;
  /** Where OMS wrote the item's failed-object list, when objects failed. */
  failed_object_record: FailedObjectRecord | null;
}

/** Object and byte totals over the items that ended. */
export type BatchTotals = ObjectCounts;

/** Items by outcome. */
export interface BatchCounts {
  succeeded: number;
  completed_with_failures: number;
  failed: number;
  stopped: number;
  cancelled: number;
  not_started: number;
}

/** How a batch ended. */
export const BATCH_OUTCOMES = ['succeeded', 'completed_with_failures', 'failed', 'cancelled'] as const;
/** One of {@link BATCH_OUTCOMES}. */
export type BatchOutcome = (typeof BATCH_OUTCOMES)[number];

/** The previous successful run an incremental batch started from. */
export interface BatchPreviousRun {
  workflow_id: string;
  run_id: string;
  /** When that run started (ISO 8601). */
  started_at: string;
}

/** The watermark an incremental batch used. */
export interface BatchWatermark {
  schedule_id: string;
  /** `migrate_since` given to every item, Unix seconds (0 = first run: everything). */
  migrate_since: number;
  previous_run: BatchPreviousRun | null;
}

/**
 * The batch's result (snake_case JSON). `items` lists every item when the batch has at most 1,000 of them;
 * larger batches list only the items that did not succeed (also at most 1,000) and count the rest in
 * `items_omitted` (find them with the `OmsBatchId` search attribute).
 */
export interface BatchReport {
  batch_id: string;
  label: string | null;
  outcome: BatchOutcome;
  /** True when the failure policy stopped the batch. */
  stopped_by_failure_policy: boolean;
  items_total: number;
  counts: BatchCounts;
  totals: BatchTotals;
  items: BatchItemSummary[];
  items_omitted: number;
  /** The items that failed or completed with failures, with their `failed_object_record`. */
  failed_items: BatchItemSummary[];
  incremental: BatchWatermark | null;
  /** Workflow runs (1 + continue-as-new count). */
  runs: number;
  /** When the batch started (ISO 8601; the first run's start). */
  started_at: string;
  finished_at: string;
}

/** Answer of the batch's `progress` query. */
export interface BatchProgress {
  batch_id: string;
  items_total: number;
  /** Not started yet. */
  waiting: number;
  /**
   * Started and not ended (includes items waiting in OMS). Items waiting in the region limiter's queue count in
   * `waiting_for_slot` instead, in batches started since the batch operator-visibility patch.
   */
  running: number;
  /** Started items waiting for a region slot (queued at the region limiter, not yet created or restarted). */
  waiting_for_slot?: number;
  /** Ended, whatever the outcome. */
  done: number;
  /** Ended without completing (counts towards the failure policy). */
  failed: number;
  counts: BatchCounts;
  totals: BatchTotals;
  stopping: boolean;
  runs: number;
  incremental: BatchWatermark | null;
  started_at: string;
  updated_at: string;
}
