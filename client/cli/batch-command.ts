/** `oms-orchestrator batch …`: parsing (usage errors before connecting) and output, on {@link BatchClient}. */
import { validateBatchRequest } from '../../workflows/shared/batch-plan';
import { formatBytes } from '../../workflows/shared/details';
import { BatchClient, InvalidBatchError, type BatchResult, type BatchStatus } from '../batch-client';
import { EXIT, exitCodeForOutcome } from './exit-codes';
import type { GroupOptions, GroupPlan } from './group-plan';
import { describeReadError, type Out, type ReadJson } from './io';

/** `oms-orchestrator batch --help`. */
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
  return exitCodeForOutcome(result.outcome, result.failure?.type);
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
