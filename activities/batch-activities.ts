/**
 * Activities of the batch workflow (`workflows/batch.ts`): waiting for an item started by an earlier run of the
 * batch, and finding the previous successful run of a schedule (incremental runs). Read-only Temporal API calls.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';

import { FailureType } from '../workflows/failure-types';
import { outcomeFromFailure } from '../workflows/shared/batch-report';
import type {
  AwaitMigrationOutcomeInput,
  FindPreviousRunInput,
  MigrationOutcomeRecord,
} from '../workflows/activity-types';
import type { BatchPreviousRun, BatchReport } from '../workflows/batch-types';
import type { MigrationReport } from '../workflows/report-types';

/** Runs scanned to find the previous successful run (the newest come first; old ones do not matter). */
const MAX_RUNS_SCANNED = 500;

/** Builds the batch activities over the worker's Temporal client. */
export function batchActivities(getClient: () => Client) {
  return {
    /**
     * The outcome of a migration workflow once it has ended. While it runs, fails with the benign, retryable
     * `ItemPending` whose `nextRetryDelay` is the poll interval (the infrequent-polling pattern: no history event,
     * no worker slot between looks). A workflow that does not exist ends as the failure `ItemNotFound`.
     */
    async awaitMigrationOutcome(input: AwaitMigrationOutcomeInput): Promise<MigrationOutcomeRecord> {
      const handle = getClient().workflow.getHandle(input.workflow_id);
      try {
        const described = await handle.describe();
        if (described.status.name === 'RUNNING') {
          throw ApplicationFailure.create({
            type: FailureType.ItemPending,
            category: ApplicationFailureCategory.BENIGN,
            message: `${input.workflow_id} is still running`,
            nextRetryDelay: input.poll_interval_ms,
          });
        }
        const report = (await handle.result()) as MigrationReport;
        return { report, failure: null, cancelled: false };
      } catch (err) {
        if (err instanceof WorkflowFailedError) return outcomeFromFailure(err.cause);
        if (err instanceof WorkflowNotFoundError) {
          return {
            report: null,
            failure: { type: FailureType.ItemNotFound, message: `${input.workflow_id} does not exist` },
            cancelled: false,
          };
        }
        throw err;
      }
    },

    /**
     * The most recent run of a schedule that completed with outcome `succeeded` (search attributes
     * `TemporalScheduledById` and `OmsOutcome`), with the start time from its report (a run that continued as new
     * reports the start of its first run). Null when there is none. Visibility lags a little behind: a run missed
     * here only makes the next run copy more, never less.
     */
    async findPreviousSuccessfulRun(input: FindPreviousRunInput): Promise<BatchPreviousRun | null> {
      const client = getClient();
      const query =
        `WorkflowType = '${input.workflow_type}' AND TemporalScheduledById = '${input.schedule_id}' ` +
        `AND ExecutionStatus = 'Completed' AND OmsOutcome = 'succeeded'`;
      let best: { workflowId: string; runId: string; startTime: Date } | undefined;
      let scanned = 0;
      for await (const run of client.workflow.list({ query })) {
        if (!best || run.startTime > best.startTime) best = run;
        if (++scanned >= MAX_RUNS_SCANNED) break;
      }
      if (!best) return null;
      const report = (await client.workflow.getHandle(best.workflowId, best.runId).result()) as BatchReport;
      return { workflow_id: best.workflowId, run_id: best.runId, started_at: report.started_at };
    },
  };
}
