/** `oms-orchestrator batch start|status|report|cancel`, on {@link BatchClient}. */
import { Command } from 'commander';

import { OMS_OUTCOME } from '../../../workflows/search-attributes';
import { validateBatchRequest } from '../../../workflows/shared/batch-plan';
import { formatBytes, formatDuration } from '../../../workflows/shared/details';
import type { BatchItemSummary } from '../../../workflows/batch-types';
import { BatchClient, type BatchResult, type BatchStatus } from '../../batch-client';
import { MigrationClient, type MigrationStatus } from '../../migration-client';
import { withClient, withConnectionOptions, type ConnectionFlags } from '../connect';
import { action, examples, issuesText, optionsOf, type CliContext } from '../context';
import { CliError, EXIT, exitCodeForOutcome, type ExitCode } from '../exit-codes';
import { assertRunning, findWorkflow } from '../id-kind';
import { interruption, readJson, sleepUnless, type CliIo, type Out } from '../io';
import { failedObjectRecordText } from '../migration-output';
import {
  fit,
  freshest,
  itemsWaitingForSlot,
  waitingForSlotTexts,
  type BatchProgressView,
  type ProgressView,
} from '../progress';
import { checkId } from './migrate';
import { repeatFlags } from './watch';

/** Items shown one per line in `batch status` (running ones and failed ones, each at most this many). */
const ITEMS_SHOWN = 20;
/** How often a followed batch is polled. */
const WATCH_INTERVAL_MS = 1_000;

/**
 * Reads and validates a batch file (before any connection).
 * @throws CliError `usage` without `--file`; `invalid_input` for an unreadable or invalid file.
 */
export function readBatch(file: string | undefined): { batch: unknown; items: number } {
  if (!file) throw new CliError('usage', 'Missing --file.');
  const batch = readJson(file);
  const validation = validateBatchRequest(batch);
  if (!validation.ok) throw new CliError('invalid_input', issuesText('batch', validation.errors));
  return { batch, items: validation.options.items_total };
}

/** A running item of a batch: its migration's status (from its own progress query). */
export interface ItemView {
  migration_id: string;
  status: MigrationStatus;
}

/** One line for a running item: bytes and ETA where known, or what it waits for. */
export function itemLine(item: ItemView, width: number): string {
  const p: ProgressView | undefined = item.status.progress;
  const s = freshest(item.status);
  let text: string;
  if (p?.waiting_for_slot) text = waitingForSlotTexts(p.waiting_for_slot)[0]!;
  else if (p?.paused) text = 'paused';
  else if (!s) text = p?.phase ?? 'starting';
  else {
    const eta = s.left_time > 0 && s.status === 2 ? `, ETA ${formatDuration(s.left_time)}` : '';
    text = `${((s.progress ?? 0) * 100).toFixed(1)}%, ${formatBytes(s.complete_size)} of ${formatBytes(s.total_size)}${eta}`;
  }
  return fit(`  ${item.migration_id}: ${text}`, width);
}

/** The human status of a batch: state, items by state (waiting for a slot apart from running), totals. */
export function renderBatchStatus(status: BatchStatus, width = 80): string[] {
  const p: BatchProgressView | undefined = status.progress;
  const lines = [`Batch ${status.batch_id}: ${status.workflow_status}${p?.stopping ? ' (stopping)' : ''}`];
  if (p) {
    const waiting = itemsWaitingForSlot(p);
    const slot = waiting ? ` · ${waiting} waiting for a slot` : '';
    lines.push(
      fit(
        `Items: ${p.done}/${p.items_total} done · ${p.running} running${slot} · ${p.waiting} not started · ${p.failed} failed`,
        width,
      ),
      fit(
        `Objects: ${p.totals.successful_num} migrated, ${p.totals.failed_num} failed, ${p.totals.skipped_num} skipped ` +
          `of ${p.totals.total_num} · bytes ${formatBytes(p.totals.complete_size)} of ${formatBytes(p.totals.total_size)}`,
        width,
      ),
    );
    if (p.incremental) lines.push(`Incremental: migrate_since ${p.incremental.migrate_since}`);
  }
  return lines;
}

function failedItemLine(item: BatchItemSummary, dstBucket?: string): string {
  return (
    `  item ${item.index} (${item.migration_id}): ${item.outcome}` +
    (item.failure ? ` — ${item.failure.message}` : '') +
    (item.failed_num > 0
      ? ` · ${item.failed_num} failed objects, ${failedObjectRecordText(item.failed_object_record, dstBucket ?? 'the destination')}`
      : '')
  );
}

/** Prints a batch result (the report as JSON with `json`); returns the exit code. */
export function printBatchResult(result: BatchResult, json: boolean, out: Out): ExitCode {
  if (json) {
    out(JSON.stringify(result.report ?? result, null, 2));
    return exitCodeForOutcome(result.outcome, result.failure?.type);
  }
  out(`Outcome: ${result.outcome}${result.failure ? ` — ${result.failure.message}` : ''}`);
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
    if (r.failed_items.length) out('Items that did not succeed:');
    for (const item of r.failed_items) out(failedItemLine(item));
    const notStarted = r.items.filter((i) => i.outcome === 'not_started');
    if (notStarted.length) {
      out(`Not started: ${notStarted.map((i) => `item ${i.index}`).join(', ')}`);
    }
  }
  return exitCodeForOutcome(result.outcome, result.failure?.type);
}

/** The batch's running items (from visibility, at most {@link ITEMS_SHOWN}), each with its own progress. */
async function runningItems(bc: BatchClient, batchId: string): Promise<ItemView[]> {
  const mc = new MigrationClient(bc.client, bc.taskQueue);
  const ids: string[] = [];
  const query = `OmsBatchId = '${batchId.replace(/'/g, "\\'")}' AND ExecutionStatus = 'Running' AND WorkflowType = 'migrationWorkflow'`;
  for await (const w of bc.client.workflow.list({ query, pageSize: ITEMS_SHOWN })) {
    ids.push(w.workflowId);
    if (ids.length >= ITEMS_SHOWN) break;
  }
  ids.sort();
  const items: ItemView[] = [];
  for (const id of ids) items.push({ migration_id: id, status: await mc.status(id) });
  return items;
}

/**
 * The batch's items that ended without succeeding (from visibility, by their `OmsOutcome`; at most
 * {@link ITEMS_SHOWN}): visible while the batch still runs, before its report exists.
 */
async function unsuccessfulItems(
  bc: BatchClient,
  batchId: string,
): Promise<{ migration_id: string; outcome: string }[]> {
  const items: { migration_id: string; outcome: string }[] = [];
  const query =
    `OmsBatchId = '${batchId.replace(/'/g, "\\'")}' AND WorkflowType = 'migrationWorkflow' ` +
    `AND ExecutionStatus != 'Running' AND OmsOutcome != 'succeeded'`;
  for await (const w of bc.client.workflow.list({ query, pageSize: ITEMS_SHOWN })) {
    const outcome = w.typedSearchAttributes.get(OMS_OUTCOME) ?? w.status.name.toLowerCase();
    items.push({ migration_id: w.workflowId, outcome });
    if (items.length >= ITEMS_SHOWN) break;
  }
  return items.sort((a, b) => a.migration_id.localeCompare(b.migration_id));
}

type BatchOptions = ConnectionFlags & { json?: boolean; file?: string; id?: string; watch?: boolean };

/**
 * Follows a batch to its end, one line per change (items and totals), then returns its result; Ctrl-C stops
 * following (the batch keeps running) and returns undefined after saying how to look at it again.
 */
async function watchBatch(
  bc: BatchClient,
  batchId: string,
  io: CliIo,
  progressOut: Out,
  flags: ConnectionFlags,
): Promise<BatchResult | undefined> {
  const { interrupted, dispose } = interruption();
  let last = '';
  try {
    for (;;) {
      const status = await Promise.race([bc.status(batchId), interrupted]);
      if (status === 'interrupted') break;
      const line = renderBatchStatus(status, io.columns)[1] ?? '';
      if (line && line !== last) progressOut(line);
      last = line;
      if (status.workflow_status !== 'RUNNING') {
        const result = await Promise.race([bc.result(batchId), interrupted]);
        if (result !== 'interrupted') return result;
        break;
      }
      if ((await sleepUnless(WATCH_INTERVAL_MS, interrupted)) === 'interrupted') break;
    }
    io.err(
      `Stopped watching. Batch ${batchId} keeps running; look at it again with:\n` +
        `  oms-orchestrator batch status ${batchId}${repeatFlags(flags)}`,
    );
    return undefined;
  } finally {
    dispose();
  }
}

/** Registers `batch` and its subcommands. */
export function batchCommand(ctx: CliContext): Command {
  const batch = new Command('batch').description('many migrations as one batch (docs/batches.md)');
  batch.addHelpText(
    'after',
    '\nbatch.json: {"items": [<migration request>, …]} or {"template": <request>, "prefixes": [...]} (or\n' +
      '"list_files"), plus optional "concurrency" (5), "failure_policy" ({"mode": "stop", "max_failed_items": 3}),\n' +
      '"orchestration". See docs/batches.md and examples/batch-*.json.' +
      examples(
        'oms-orchestrator batch start --file examples/batch-prefixes.json --id b-1',
        'oms-orchestrator batch status b-1',
      ),
  );
  batch.addCommand(
    withConnectionOptions(
      new Command('start')
        .description('validate the whole batch (nothing starts if anything is invalid), then start it')
        .option('--file <path>', 'batch JSON ("-" reads standard input)')
        .option('--id <batch-id>', 'batch id; default: a random one (the same id attaches to that batch)')
        .option('--watch', 'follow progress until the end; the exit code is the outcome')
        .option('--json', 'print the start (or, with --watch, the report) as one JSON document'),
    )
      .addHelpText('after', examples('oms-orchestrator batch start --file batch.json --id b-nightly --watch'))
      .action(
        action(ctx, async (_opts: unknown, cmd: Command) => {
          const options = optionsOf<BatchOptions>(cmd);
          checkId(options.id);
          const { batch: input, items } = readBatch(options.file);
          return withClient(options, async ({ client, taskQueue }) => {
            const bc = new BatchClient(client, taskQueue);
            const started = await bc.start(input, { batchId: options.id });
            if (!options.watch) {
              if (options.json) {
                ctx.io.out(JSON.stringify({ batch_id: started.batchId, existing: started.existing, items }, null, 2));
              } else
                ctx.io.out(`${started.existing ? 'Existing' : 'Started'} batch ${started.batchId} (${items} items)`);
              return EXIT.OK;
            }
            // With --watch --json, stdout carries only the final report; progress goes to stderr.
            if (!options.json)
              ctx.io.out(`${started.existing ? 'Existing' : 'Started'} batch ${started.batchId} (${items} items)`);
            const progressOut = options.json ? ctx.io.err : ctx.io.out;
            const result = await watchBatch(bc, started.batchId, ctx.io, progressOut, options);
            if (!result) return EXIT.INTERRUPTED;
            return printBatchResult(result, Boolean(options.json), ctx.io.out);
          });
        }),
      ),
  );
  batch.addCommand(
    withConnectionOptions(
      new Command('status')
        .description('items done / running / waiting for a slot / not started / failed, totals, running items')
        .argument('<batch-id>')
        .option('--json', 'print the status as one JSON document'),
    )
      .addHelpText(
        'after',
        examples('oms-orchestrator batch status b-nightly', 'oms-orchestrator batch status b-nightly --json'),
      )
      .action(
        action(ctx, async (id: string, _opts: unknown, cmd: Command) => {
          const options = optionsOf<BatchOptions>(cmd);
          return withClient(options, async ({ client, taskQueue }) => {
            const found = await findWorkflow(client, id, 'batch');
            const bc = new BatchClient(client, taskQueue);
            const status = await bc.status(id);
            const items = found.running ? await runningItems(bc, id) : [];
            const unsuccessful = await unsuccessfulItems(bc, id);
            if (options.json) {
              const doc = { ...status, running_items: items.map((i) => i.status), unsuccessful_items: unsuccessful };
              ctx.io.out(JSON.stringify(doc, null, 2));
              return EXIT.OK;
            }
            for (const line of renderBatchStatus(status, ctx.io.columns)) ctx.io.out(line);
            if (items.length) ctx.io.out('Running items:');
            for (const item of items) ctx.io.out(itemLine(item, ctx.io.columns));
            if (unsuccessful.length) ctx.io.out('Items that did not succeed:');
            for (const item of unsuccessful) ctx.io.out(fit(`  ${item.migration_id}: ${item.outcome}`, ctx.io.columns));
            if (!found.running) {
              ctx.io.out(`Finished: see \`oms-orchestrator batch report ${id}\` for every item's outcome`);
            }
            return EXIT.OK;
          });
        }),
      ),
  );
  batch.addCommand(
    withConnectionOptions(
      new Command('report')
        .description('wait for the batch to end and print its report (also for cancelled batches)')
        .argument('<batch-id>')
        .option('--json', 'print the report as one JSON document'),
    )
      .addHelpText('after', examples('oms-orchestrator batch report b-nightly --json'))
      .action(
        action(ctx, async (id: string, _opts: unknown, cmd: Command) => {
          const options = optionsOf<BatchOptions>(cmd);
          return withClient(options, async ({ client, taskQueue }) => {
            await findWorkflow(client, id, 'batch');
            return printBatchResult(
              await new BatchClient(client, taskQueue).result(id),
              Boolean(options.json),
              ctx.io.out,
            );
          });
        }),
      ),
  );
  batch.addCommand(
    withConnectionOptions(
      new Command('cancel')
        .description('cancel a running batch: running items stop their OMS tasks, the rest never start')
        .argument('<batch-id>')
        .option('--json', 'print the answer as one JSON document'),
    )
      .addHelpText('after', examples('oms-orchestrator batch cancel b-nightly'))
      .action(
        action(ctx, async (id: string, _opts: unknown, cmd: Command) => {
          const options = optionsOf<BatchOptions>(cmd);
          return withClient(options, async ({ client, taskQueue }) => {
            const found = await findWorkflow(client, id, 'batch');
            assertRunning(found, 'nothing to cancel');
            await new BatchClient(client, taskQueue).cancel(id);
            if (options.json) ctx.io.out(JSON.stringify({ batch_id: id, action: 'cancel', accepted: true }, null, 2));
            else ctx.io.out(`Cancellation requested for batch ${id}`);
            return EXIT.OK;
          });
        }),
      ),
  );
  return batch;
}
