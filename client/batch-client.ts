/**
 * Typed client for batch migrations (`batchMigrationWorkflow`): start (after validating the whole batch, so
 * nothing starts and no OMS call is made for bad input), progress, report and cancel. The `batch` CLI
 * subcommands built on it are in client/cli/batch-command.ts.
 */
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';

import type { batchMigrationWorkflow } from '../workflows/batch';
import { BATCH_WORKFLOW_TYPE, REPORT_MEMO_KEY, batchProgressQuery } from '../workflows/definitions';
import { MAX_BATCH_BYTES, validateBatchRequest } from '../workflows/shared/batch-plan';
import { formatIssues } from '../workflows/shared/validate-request';
import { OMS_BATCH_ID } from '../workflows/search-attributes';
import type { BatchOutcome, BatchProgress, BatchReport, BatchRequest } from '../workflows/batch-types';
import type { ValidationIssue } from '../workflows/request-types';
import { bucketSearchAttributesMemo } from './bucket-search-attributes';
import { TaskQueueClient } from './migration-client';
import { asPayloadTooLarge } from './payload-size';

/** Workflow type name of batches, for schedules, the Temporal CLI or any SDK (defined in workflows/definitions.ts). */
export { BATCH_WORKFLOW_TYPE };

/** The batch input is invalid; `issues` names every offending field (e.g. `items[3].src_node.bucket`). */
export class InvalidBatchError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(formatIssues(issues, 50, 'batch'));
    this.name = 'InvalidBatchError';
  }
}

/** Validates a batch input, throwing {@link InvalidBatchError} with every problem. */
export function assertValidBatch(batch: unknown): asserts batch is BatchRequest {
  const validation = validateBatchRequest(batch);
  if (!validation.ok) throw new InvalidBatchError(validation.errors);
}

/** Where a batch stands. */
export interface BatchStatus {
  batch_id: string;
  run_id: string;
  /** Temporal execution status (RUNNING, COMPLETED, FAILED, CANCELED, …). */
  workflow_status: string;
  /** The batch's own progress, when it answers the query. */
  progress?: BatchProgress;
}

/** How a finished batch ended. */
export interface BatchResult {
  outcome: BatchOutcome | 'error';
  report?: BatchReport;
  failure?: { type?: string; message: string };
}

/** Client for batches on one namespace and task queue. */
export class BatchClient extends TaskQueueClient {
  /**
   * Validates and starts a batch. Idempotent per batch id: a batch with that id that runs or ran is returned.
   * @throws InvalidBatchError before contacting Temporal when the input is invalid.
   * @throws PayloadTooLargeError when the server refuses the input as too large (a limit below Temporal's default).
   */
  async start(batch: unknown, options: { batchId?: string } = {}): Promise<{ batchId: string; existing: boolean }> {
    assertValidBatch(batch);
    const batchId = options.batchId ?? `batch-${crypto.randomUUID()}`;
    try {
      const calledAt = Date.now();
      const handle = await this.client.workflow.start<typeof batchMigrationWorkflow>(BATCH_WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId: batchId,
        args: [batch],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `OMS batch${batch.label ? `: ${batch.label}` : ''}`.slice(0, 200),
        typedSearchAttributes: [{ key: OMS_BATCH_ID, value: batchId }],
        ...bucketSearchAttributesMemo(this.bucketSearchAttributes),
      });
      const described = await handle.describe();
      return { batchId, existing: described.startTime.getTime() < calledAt - 1_000 };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { batchId, existing: true };
      throw asPayloadTooLarge(err, batchId, batch, MAX_BATCH_BYTES) ?? err;
    }
  }

  /** Handle of a batch. */
  override handle(batchId: string): WorkflowHandle<typeof batchMigrationWorkflow> {
    return this.client.workflow.getHandle<typeof batchMigrationWorkflow>(batchId);
  }

  /** Execution status and progress. */
  async status(batchId: string): Promise<BatchStatus> {
    const handle = this.handle(batchId);
    const described = await handle.describe();
    const status: BatchStatus = { batch_id: batchId, run_id: described.runId, workflow_status: described.status.name };
    try {
      status.progress = await handle.query(batchProgressQuery);
    } catch {
      // A closed batch without a worker cannot answer; the status alone is still useful.
    }
    return status;
  }

  /** Waits for the batch to close; returns its outcome and report (a batch stopped by its policy carries one too). */
  async result(batchId: string): Promise<BatchResult> {
    try {
      const report = await this.handle(batchId).result();
      return { outcome: report.outcome, report };
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      const cause = err.cause;
      if (cause instanceof ApplicationFailure) {
        const report = cause.details?.[0] as BatchReport | undefined;
        const isReport = report !== undefined && typeof report === 'object' && 'counts' in report;
        return {
          outcome: isReport ? report.outcome : 'error',
          report: isReport ? report : undefined,
          failure: { type: cause.type ?? undefined, message: cause.message },
        };
      }
      const cancelled = cause?.name === 'CancelledFailure';
      // A cancelled batch leaves its report (items done, cancelled, not started) in the `report` memo.
      const report = cancelled ? await this.memoReport(batchId) : undefined;
      return {
        outcome: cancelled ? 'cancelled' : 'error',
        ...(report ? { report } : {}),
        failure: { type: cause?.name, message: err.message },
      };
    }
  }

  /** The report a batch left in its `report` memo (cancelled batches), if any. */
  private async memoReport(batchId: string): Promise<BatchReport | undefined> {
    const described = await this.handle(batchId).describe();
    const report = described.memo?.[REPORT_MEMO_KEY] as BatchReport | undefined;
    return report !== undefined && typeof report === 'object' && 'counts' in report ? report : undefined;
  }
}
