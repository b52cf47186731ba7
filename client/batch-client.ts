/**
 * Typed client for batch migrations (`batchMigrationWorkflow`): start (after validating the whole batch, so
 * nothing starts and no OMS call is made for bad input), progress, report and cancel — plus the `batch` CLI
 * subcommands built on it.
 */
import type { Client } from '@temporalio/client';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';

import type { batchMigrationWorkflow } from '../workflows/batch';
import { batchProgressQuery } from '../workflows/definitions';
import { MAX_BATCH_BYTES, validateBatchRequest } from '../workflows/internal/batch-plan';
import { formatBytes } from '../workflows/internal/details';
import { formatIssues } from '../workflows/internal/validate-request';
import { OMS_BATCH_ID } from '../workflows/search-attributes';
import type { BatchOutcome, BatchProgress, BatchReport, BatchRequest, ValidationIssue } from '../workflows/types';
import {
  bucketSearchAttributesMemo,
  resolveBucketSearchAttributes,
  type BucketSearchAttributeOptions,
} from './bucket-search-attributes';
import { DEFAULT_TASK_QUEUE, asPayloadTooLarge } from './migration-client';

/** Workflow type name of batches, for starts from schedules, the Temporal CLI or any SDK. */
export const BATCH_WORKFLOW_TYPE = 'batchMigrationWorkflow';

/** The batch input is invalid; `issues` names every offending field (e.g. `items[3].src_node.bucket`). */
export class InvalidBatchError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`Invalid batch:\n${formatIssues(issues)}`);
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
export class BatchClient {
  /** Whether the batch's items index their bucket names (`OmsSrcBucket`, `OmsDstBucket`). */
  readonly bucketSearchAttributes: boolean;

  /** @throws Error naming `OMS_SEARCH_ATTRIBUTE_BUCKETS` when the option is not given and that variable is invalid. */
  constructor(
    readonly client: Client,
    readonly taskQueue: string = DEFAULT_TASK_QUEUE,
    options: BucketSearchAttributeOptions = {},
  ) {
    this.bucketSearchAttributes = resolveBucketSearchAttributes(options);
  }

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
  handle(batchId: string): WorkflowHandle<typeof batchMigrationWorkflow> {
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

  /** Requests cancellation: every running item is cancelled (stopping its OMS task unless detach). */
  async cancel(batchId: string): Promise<void> {
    await this.handle(batchId).cancel();
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
      return { outcome: cancelled ? 'cancelled' : 'error', failure: { type: cause?.name, message: err.message } };
    }
  }
}

// --- CLI (`oms-orchestrator batch …`; wired in client/cli.ts) ---

/** Output sink of the CLI. */
export type Out = (text: string) => void;

/** The CLI options the group commands read. */
export interface GroupOptions {
  file?: string;
  id?: string;
  json?: boolean;
  watch?: boolean;
  cron?: string;
  every?: string;
  timezone?: string;
  overlap?: string;
  'catchup-window'?: string;
  'pause-on-failure'?: boolean;
  incremental?: boolean;
  paused?: boolean;
  note?: string;
  start?: string;
  end?: string;
}

/** A parsed group command: a usage error (exit 2, nothing contacted), or the action to run once connected. */
export type GroupPlan = { usage: string } | { run: (client: Client, taskQueue: string, out: Out) => Promise<number> };

/** Exit codes (the same as the migration commands'). */
const EXIT = { OK: 0, ERROR: 1, USAGE: 2, FAILED: 3, WITH_FAILURES: 4 } as const;

export const BATCH_HELP = `Usage: oms-orchestrator batch <subcommand> [options]

Subcommands:
  start --file <batch.json> [--id <batch-id>] [--watch] [--json]   validate the whole batch, then start it
  status <batch-id> [--json]                                         items done/running/waiting/failed, totals
  report <batch-id> [--json]                                         wait for the end and print the report
  cancel <batch-id>                                                  cancel: running items stop their OMS tasks

batch.json: {"items": [<migration request>, …]} or {"template": <request>, "prefixes": [...]} (or "list_files"),
plus optional "concurrency" (5), "failure_policy" ({"mode": "stop", "max_failed_items": 3}), "orchestration".
See docs/batches.md and examples/batch-*.json.
Exit codes of report/--watch: 0 succeeded, 4 completed with failures, 3 failed or cancelled, 2 invalid input.`;

/** Reads a JSON file ("-" = standard input). */
export type ReadJson = (file: string) => unknown;

/** Parses `batch <sub> …` (no I/O besides reading the file). */
export function planBatchCommand(args: string[], options: GroupOptions, readJson: ReadJson): GroupPlan {
  const [sub, target] = args;
  switch (sub) {
    case 'start': {
      if (!options.file) return { usage: `Missing --file.\n\n${BATCH_HELP}` };
      let batch: unknown;
      try {
        batch = readJson(options.file);
      } catch (err) {
        return { usage: `Cannot read ${options.file}: ${describeReadError(err)}` };
      }
      const validation = validateBatchRequest(batch);
      if (!validation.ok) return { usage: new InvalidBatchError(validation.errors).message };
      return {
        run: async (client, taskQueue, out) => {
          const bc = new BatchClient(client, taskQueue);
          const started = await bc.start(batch, { batchId: options.id });
          out(
            `${started.existing ? 'Existing' : 'Started'} batch ${started.batchId} (${validation.options.items_total} items)`,
          );
          if (!options.watch) return EXIT.OK;
          return printBatchResult(await watchBatch(bc, started.batchId, out), Boolean(options.json), out);
        },
      };
    }
    case 'status':
    case 'report':
    case 'cancel': {
      if (!target) return { usage: `Missing <batch-id>.\n\n${BATCH_HELP}` };
      return {
        run: async (client, taskQueue, out) => {
          const bc = new BatchClient(client, taskQueue);
          if (sub === 'cancel') {
            await bc.cancel(target);
            out(`Cancellation requested for batch ${target}`);
            return EXIT.OK;
          }
          if (sub === 'report') return printBatchResult(await bc.result(target), Boolean(options.json), out);
          const status = await bc.status(target);
          if (options.json) out(JSON.stringify(status, null, 2));
          else out(renderBatchStatus(status));
          return EXIT.OK;
        },
      };
    }
    default:
      return { usage: `${sub ? `Unknown batch subcommand "${sub}".` : 'Missing batch subcommand.'}\n\n${BATCH_HELP}` };
  }
}

/** One-line-per-fact status of a batch. */
export function renderBatchStatus(status: BatchStatus): string {
  const p = status.progress;
  const lines = [`Batch ${status.batch_id}: ${status.workflow_status}`];
  if (p) {
    lines.push(
      `Items: ${p.done}/${p.items_total} done · ${p.running} running · ${p.waiting} waiting · ${p.failed} failed`,
      `Objects: ${p.totals.successful_num} migrated, ${p.totals.failed_num} failed, ${p.totals.skipped_num} skipped ` +
        `of ${p.totals.total_num} · bytes ${formatBytes(p.totals.complete_size)} of ${formatBytes(p.totals.total_size)}`,
    );
    if (p.incremental) lines.push(`Incremental: migrate_since ${p.incremental.migrate_since}`);
  }
  return lines.join('\n');
}

/** Prints a batch result; returns the exit code. */
export function printBatchResult(result: BatchResult, json: boolean, out: Out): number {
  if (json) out(JSON.stringify(result.report ?? result, null, 2));
  else {
    out(
      `Outcome: ${result.outcome}${result.failure ? ` (${result.failure.type ?? 'error'}: ${result.failure.message})` : ''}`,
    );
    const r = result.report;
    if (r) {
      const c = r.counts;
      out(
        `Items: ${r.items_total} · ${c.succeeded} succeeded, ${c.completed_with_failures} with failed objects, ` +
          `${c.failed} failed, ${c.stopped} stopped, ${c.cancelled} cancelled, ${c.not_started} not started`,
      );
      out(
        `Objects: ${r.totals.successful_num} migrated, ${r.totals.failed_num} failed, ${r.totals.skipped_num} skipped ` +
          `of ${r.totals.total_num} · bytes ${formatBytes(r.totals.complete_size)} of ${formatBytes(r.totals.total_size)}`,
      );
      if (r.incremental) out(`Incremental: migrate_since ${r.incremental.migrate_since}`);
      for (const item of r.failed_items) {
        out(
          `  item ${item.index} (${item.migration_id}): ${item.outcome}` +
            (item.failure ? ` — ${item.failure.type}: ${item.failure.message}` : '') +
            (item.failed_num > 0 ? ` · ${item.failed_num} failed objects` : '') +
            (item.failed_object_record?.list_file_key ? ` · list ${item.failed_object_record.list_file_key}` : ''),
        );
      }
    }
  }
  switch (result.outcome) {
    case 'succeeded':
      return EXIT.OK;
    case 'completed_with_failures':
      return EXIT.WITH_FAILURES;
    case 'error':
      return result.failure?.type === 'InvalidMigrationInput' ? EXIT.USAGE : EXIT.FAILED;
    default:
      return EXIT.FAILED;
  }
}

async function watchBatch(bc: BatchClient, batchId: string, out: Out): Promise<BatchResult> {
  let last = '';
  for (;;) {
    const status = await bc.status(batchId);
    const line = renderBatchStatus(status).split('\n').slice(1, 2).join('');
    if (line && line !== last) out(line);
    last = line;
    if (status.workflow_status !== 'RUNNING') return bc.result(batchId);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** A file error for humans (never the file's content: it may hold secrets pasted by mistake). */
export function describeReadError(err: unknown): string {
  return err instanceof SyntaxError ? 'not valid JSON' : err instanceof Error ? err.message : String(err);
}
