/**
 * The batch workflow: many OMS migrations as one unit, under OMS's limits, with one report.
 *
 *   validate everything (zero OMS calls if anything is wrong) → [incremental: resolve the watermark]
 *   → run items as child `migrationWorkflow`s in a sliding window of `concurrency` → report
 *
 * Each item is a child with the id `<batch id>/item-<index>` and the `OmsBatchId` search attribute. OMS's running
 * and creation limits are enforced per migration by the region limiter (`region-limiter.ts`), so batches and
 * single migrations share them. The batch continues as new every `continue_as_new_after_items` started items
 * (or when Temporal suggests it), carrying only counters, a bounded list of item rows and the items still running;
 * children are started with `ParentClosePolicy.ABANDON`, so they keep running across continue-as-new, and the next
 * run waits for them through `awaitMigrationOutcome` (a polling activity) instead of child completion events.
 * Cancelling the batch cancels every running item (each stops its OMS task unless `on_cancel` is `detach`).
 */
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type SearchAttributePair } from '@temporalio/common';
import type { ChildWorkflowHandle } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { BATCH_WORKFLOW_TYPE, REPORT_MEMO_KEY, batchProgressQuery, itemSlotWaitSignal } from './definitions';
import { FailureType } from './failure-types';
import { invalidInputFailure } from './invalid-input';
import {
  batchOptions,
  itemRequest,
  itemWorkflowId,
  validateBatchRequest,
  type BatchOptions,
} from './shared/batch-plan';
import {
  buildBatchReport,
  cancelledOutcome,
  doneCount,
  emptyTally,
  failedItemCount,
  notStartedItem,
  outcomeFromFailure,
  recordItem,
  renderBatchDetails,
  summarizeItem,
  type BatchTally,
} from './shared/batch-report';
import { BATCH_RULE_SETS, selectRules } from './shared/rule-sets';
import { migrationWorkflow } from './migration';
import {
  BUCKET_SEARCH_ATTRIBUTES_MEMO,
  bucketSearchAttributesAllowed,
  OMS_BATCH_ID,
  OMS_DST_BUCKET,
  OMS_OUTCOME,
  OMS_SRC_BUCKET,
  OMS_TASK_TYPE,
} from './search-attributes';
import { LOOKUP_CALL } from './activity-options';
import type { MigrationOutcomeRecord } from './activity-types';
import type { BatchProgress, BatchReport, BatchRequest, BatchWatermark } from './batch-types';
import { ORCHESTRATION_DEFAULTS, type MigrationRequest } from './request-types';

const { findPreviousSuccessfulRun } = proxyActivities<Activities>(LOOKUP_CALL);

/** Items of earlier runs still running: checked every poll interval; bounded by the longest migration deadline. */
function awaitOptions(pollMs: number) {
  return {
    startToCloseTimeout: '60s',
    scheduleToCloseTimeout: '31d',
    cancellationType: 'TRY_CANCEL' as const,
    retry: { initialInterval: pollMs, backoffCoefficient: 1, maximumInterval: Math.max(pollMs, 1_000) },
  };
}

/** State carried across continue-as-new: counters and rows (bounded), the next item and the items still running. */
export interface BatchCarriedState {
  next_index: number;
  /** Items started by earlier runs and not ended yet; this run waits for them through an activity. */
  in_flight: { index: number; workflow_id: string }[];
  tally: BatchTally;
  stopping: boolean;
  watermark: BatchWatermark | null;
  runs: number;
  started_at: string;
  /** Workflow ids of running items that wait for a region slot (batch operator-visibility runs). */
  slot_waiting?: string[];
}

/**
 * Patch: the batch's operator view (issue 13) — items waiting for a slot counted apart, and a cancelled batch's
 * report in the `report` memo. Decided once per run, at its start.
 */
export const BATCH_VISIBILITY_PATCH = 'oms-batch-visibility-v1';

/**
 * Runs a batch of migrations. Input: {@link BatchRequest}. Result: a {@link BatchReport} (outcome `succeeded` or
 * `completed_with_failures`). Fails with `InvalidMigrationInput` (nothing started; `details[0]` lists every issue),
 * with `BatchFailed` when the failure policy stopped it (`details[0]` is the report), or as cancelled.
 */
export async function batchMigrationWorkflow(input: BatchRequest, carried?: BatchCarriedState): Promise<BatchReport> {
  let options: BatchOptions;
  if (carried) {
    options = batchOptions(input);
  } else {
    // Rules of the version that started the batch (shared/rule-sets.ts): a batch started before the v2 rules
    // replays under v1. Later runs (continue-as-new) carry an input this run validated and do not validate again.
    const validation = validateBatchRequest(input, { rules: selectRules(BATCH_RULE_SETS, patched) });
    if (!validation.ok) {
      throw invalidInputFailure('batch', validation.errors);
    }
    options = validation.options;
  }
  const batchId = workflowInfo().workflowId;
  const vis = patched(BATCH_VISIBILITY_PATCH);
  const state: BatchCarriedState = carried
    ? { ...carried, runs: carried.runs + 1 }
    : {
        next_index: 0,
        in_flight: [],
        tally: emptyTally(),
        stopping: false,
        watermark: null,
        runs: 1,
        started_at: new Date().toISOString(),
      };

  /** Items running in this run (started here or adopted from an earlier run): index → workflow id. */
  const running = new Map<number, string>();
  let starting = 0;
  let startedThisRun = 0;
  let changes = 0;
  let fatal: Error | undefined;

  /** Running items waiting for a region slot (told by the items themselves; see `itemSlotWaitSignal`). */
  const slotWaiting = new Set(state.slot_waiting ?? []);
  const waitingForSlot = (): number => [...running.values()].filter((id) => slotWaiting.has(id)).length;
  const progress = (): BatchProgress => ({
    batch_id: batchId,
    items_total: options.items_total,
    waiting: state.stopping ? 0 : options.items_total - state.next_index,
    running: running.size - (vis ? waitingForSlot() : 0),
    ...(vis ? { waiting_for_slot: waitingForSlot() } : {}),
    done: doneCount(state.tally),
    failed: failedItemCount(state.tally),
    counts: { ...state.tally.counts },
    totals: { ...state.tally.totals },
    stopping: state.stopping,
    runs: state.runs,
    incremental: state.watermark,
    started_at: state.started_at,
    updated_at: new Date().toISOString(),
  });
  const show = (): void => setCurrentDetails(renderBatchDetails(progress(), options.label, new Date()));
  setHandler(batchProgressQuery, progress);
  // Mutates state only (no command): the UI's details are read through a query.
  setHandler(itemSlotWaitSignal, ({ workflow_id, waiting }) => {
    if (!vis) return;
    if (waiting) slotWaiting.add(workflow_id);
    else slotWaiting.delete(workflow_id);
    show();
  });

  upsertSearchAttributes([{ key: OMS_BATCH_ID, value: batchId }]);
  if (!carried && options.incremental) {
    state.watermark = await resolveWatermark(options.incremental);
  }
  show();

  /** Runs one item to its end and records it; `adopted`: started by an earlier run. */
  const launch = (index: number, workflowId: string, adopted: boolean): void => {
    running.set(index, workflowId);
    if (!adopted) starting += 1;
    // An item started elsewhere is watched at its own poll interval.
    const pollMs = Math.max(
      500,
      (itemRequest(input, index).orchestration?.poll_interval_seconds ?? ORCHESTRATION_DEFAULTS.poll_interval_seconds) *
        1000,
    );
    const outcome = adopted
      ? adopt(workflowId, pollMs)
      : runChild(index, workflowId, input, state, batchId, {
          started: () => (starting -= 1),
          adopt: () => adopt(workflowId, pollMs),
        });
    const record = (result: MigrationOutcomeRecord): void => {
      recordItem(state.tally, summarizeItem(index, workflowId, result), options.items_total);
      if (options.failure_mode === 'stop' && failedItemCount(state.tally) >= options.max_failed_items) {
        state.stopping = true;
      }
    };
    void outcome
      .then(record, (err: unknown) => {
        // A cancelled start (the batch was cancelled meanwhile) ends the item as cancelled; anything else is a bug.
        if (isCancellation(err)) record(cancelledOutcome());
        else fatal ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        running.delete(index);
        slotWaiting.delete(workflowId);
        changes += 1;
      });
  };

  try {
    for (const item of state.in_flight) launch(item.index, item.workflow_id, true);
    state.in_flight = [];
    for (;;) {
      while (!state.stopping && running.size < options.concurrency && state.next_index < options.items_total) {
        const suggested = workflowInfo().continueAsNewSuggested && startedThisRun > 0;
        if (startedThisRun >= options.continue_as_new_after_items || suggested) break;
        const index = state.next_index;
        state.next_index += 1;
        startedThisRun += 1;
        launch(index, itemWorkflowId(batchId, index), false);
      }
      show();
      const moreToStart = !state.stopping && state.next_index < options.items_total;
      if (running.size === 0 && !moreToStart) break;
      if (moreToStart && running.size < options.concurrency) {
        // The window has room but this run has started enough items: carry on in a fresh run.
        await condition(() => starting === 0);
        await condition(allHandlersFinished);
        state.in_flight = [...running].map(([index, workflow_id]) => ({ index, workflow_id }));
        if (vis) state.slot_waiting = [...slotWaiting];
        await continueAsNew<typeof batchMigrationWorkflow>(input, state);
      }
      const seen = changes;
      await condition(() => changes !== seen);
      if (fatal !== undefined) throw fatal;
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled: each running item is being cancelled (children through their scope, adopted ones explicitly);
    // wait until all of them have stopped their OMS tasks and ended, then end as cancelled.
    await CancellationScope.nonCancellable(() => condition(() => running.size === 0));
    finishNotStarted(state, options, batchId);
    show();
    upsertSearchAttributes([{ key: OMS_OUTCOME, value: 'cancelled' }]);
    if (vis) {
      // A cancelled batch still has a report (items done, cancelled, not started), read from the memo.
      const report = buildBatchReport(state.tally, {
        batch_id: batchId,
        label: options.label,
        items_total: options.items_total,
        stopped_by_failure_policy: state.stopping,
        cancelled: true,
        incremental: state.watermark,
        runs: state.runs,
        started_at: state.started_at,
        finished_at: new Date().toISOString(),
      });
      upsertMemo({ [REPORT_MEMO_KEY]: report });
    }
    log.info('Batch cancelled', { batchId, counts: state.tally.counts });
    throw err;
  }

  finishNotStarted(state, options, batchId);
  show();
  const report = buildBatchReport(state.tally, {
    batch_id: batchId,
    label: options.label,
    items_total: options.items_total,
    stopped_by_failure_policy: state.stopping,
    cancelled: false,
    incremental: state.watermark,
    runs: state.runs,
    started_at: state.started_at,
    finished_at: new Date().toISOString(),
  });
  upsertSearchAttributes([{ key: OMS_OUTCOME, value: report.outcome }]);
  await condition(allHandlersFinished);
  if (report.outcome === 'failed') {
    throw ApplicationFailure.create({
      type: FailureType.BatchFailed,
      message:
        `Batch stopped by its failure policy after ${failedItemCount(state.tally)} failed item(s); ` +
        `${report.counts.not_started} item(s) not started`,
      nonRetryable: true,
      details: [report],
    });
  }
  return report;
}

/** Items never started (failure policy or cancellation) are reported as such. */
function finishNotStarted(state: BatchCarriedState, options: BatchOptions, batchId: string): void {
  for (let index = state.next_index; index < options.items_total; index++) {
    recordItem(state.tally, notStartedItem(index, itemWorkflowId(batchId, index)), options.items_total);
  }
  state.next_index = options.items_total;
}

/** The `migrate_since` of an incremental run: the start of the schedule's last fully successful run. */
async function resolveWatermark(incremental: {
  schedule_id: string;
  overlap_seconds: number;
}): Promise<BatchWatermark> {
  const previous = await findPreviousSuccessfulRun({
    schedule_id: incremental.schedule_id,
    workflow_type: BATCH_WORKFLOW_TYPE,
  });
  const since = previous ? Math.floor(Date.parse(previous.started_at) / 1000) - incremental.overlap_seconds : 0;
  return { schedule_id: incremental.schedule_id, migrate_since: Math.max(0, since), previous_run: previous };
}

/** Starts item `index` as a child migration and waits for its end. */
async function runChild(
  index: number,
  workflowId: string,
  input: BatchRequest,
  state: BatchCarriedState,
  batchId: string,
  hooks: { started: () => void; adopt: () => Promise<MigrationOutcomeRecord> },
): Promise<MigrationOutcomeRecord> {
  const request = itemRequest(input, index, state.watermark?.migrate_since ?? 0);
  let handle: ChildWorkflowHandle<typeof migrationWorkflow>;
  try {
    handle = await startChild(migrationWorkflow, {
      workflowId,
      args: [request],
      // Children outlive a continue-as-new of the batch; cancelling the batch cancels them explicitly.
      parentClosePolicy: 'ABANDON',
      cancellationType: 'WAIT_CANCELLATION_COMPLETED',
      // A closed item with this id (a reset or re-run batch) is adopted with its outcome, never run twice.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Items inherit the batch starter's choice on bucket search attributes (a memo of the start event).
      ...(bucketSearchAttributesAllowed(workflowInfo().memo)
        ? { typedSearchAttributes: childSearchAttributes(batchId, request, true) }
        : {
            typedSearchAttributes: childSearchAttributes(batchId, request, false),
            memo: { [BUCKET_SEARCH_ATTRIBUTES_MEMO]: false },
          }),
      staticSummary: `Batch ${batchId} item ${index}: ${request.src_node.bucket ?? 'URL list'} → ${request.dst_node.bucket}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      hooks.started();
      return hooks.adopt();
    }
    hooks.started();
    throw err;
  }
  hooks.started();
  try {
    const report = await handle.result();
    return { report, failure: null, cancelled: false };
  } catch (err) {
    if (err instanceof ChildWorkflowFailure) return outcomeFromFailure(err.cause);
    throw err;
  }
}

/**
 * Waits for an item this run did not start (an earlier run did) through the polling activity. If the batch is
 * cancelled meanwhile, cancels the item and waits until it has ended.
 */
async function adopt(workflowId: string, pollMs: number): Promise<MigrationOutcomeRecord> {
  const calls = proxyActivities<Activities>(awaitOptions(pollMs));
  try {
    return await calls.awaitMigrationOutcome({ workflow_id: workflowId, poll_interval_ms: pollMs });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    return CancellationScope.nonCancellable(async () => {
      try {
        await getExternalWorkflowHandle(workflowId).cancel();
      } catch (cancelErr) {
        log.warn('Could not cancel a batch item', { workflowId, error: String(cancelErr) });
      }
      return calls.awaitMigrationOutcome({ workflow_id: workflowId, poll_interval_ms: pollMs });
    });
  }
}

function childSearchAttributes(batchId: string, request: MigrationRequest, buckets: boolean): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: OMS_BATCH_ID, value: batchId },
    { key: OMS_TASK_TYPE, value: request.task_type ?? 'object' },
  ];
  if (!buckets) return pairs;
  pairs.push({ key: OMS_DST_BUCKET, value: request.dst_node.bucket });
  if (request.src_node.bucket) pairs.push({ key: OMS_SRC_BUCKET, value: request.src_node.bucket });
  return pairs;
}
