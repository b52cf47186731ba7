/** `oms-orchestrator schedule …`: parsing (usage errors before connecting) and output, on {@link BatchScheduleClient}. */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type ScheduleDescription,
  type ScheduleOverlapPolicy,
} from '@temporalio/client';

import type { BatchRequest } from '../../workflows/batch-types';
import { assertValidBatch, InvalidBatchError } from '../batch-client';
import { BatchScheduleClient, OVERLAP_POLICIES, type BatchScheduleOptions } from '../schedules';
import { EXIT } from './exit-codes';
import type { GroupOptions, GroupPlan } from './group-plan';
import { describeReadError, type Out, type ReadJson } from './io';

/** `oms-orchestrator schedule --help`. */
export const SCHEDULE_HELP = `Usage: oms-orchestrator schedule <subcommand> [options]

Subcommands:
  create <schedule-id> --file <batch.json> (--cron "<expr>" | --every <interval>) [options]
        --cron "0 2 * * *"        cron expression (minute hour day month weekday), in --timezone (default UTC)
        --every 24h               fixed interval instead (e.g. 30m, 6h, 24h)
        --overlap <policy>        skip (default), buffer_one, buffer_all, cancel_other, terminate_other, allow_all
        --catchup-window <dur>    how late a missed run may still start (default "1 day")
        --incremental             each run copies only objects changed since the last successful run started
        --pause-on-failure        pause the schedule when a run fails
        --paused [--note <text>]  create it paused
  list [--json]                                      every schedule of the namespace
  describe <schedule-id> [--json]                    spec, policies, next and recent runs
  pause <schedule-id> [--note <text>]                stop taking actions (running batches go on)
  unpause <schedule-id> [--note <text>]
  trigger <schedule-id> [--overlap <policy>]         start a run now
  backfill <schedule-id> --start <ISO> --end <ISO> [--overlap <policy>]   run the actions of a past period
  delete <schedule-id>                               delete the schedule (running batches go on)

Each run is a batchMigrationWorkflow with id <schedule-id>-<scheduled time>; see docs/batches.md.`;

/** `skip`, `buffer-one`, `BUFFER_ONE` → `BUFFER_ONE`; undefined when unknown. */
export function parseOverlap(value: string): ScheduleOverlapPolicy | undefined {
  const normalized = value.toUpperCase().replace(/-/g, '_');
  return OVERLAP_POLICIES.find((p) => p === normalized);
}

/** Parses `schedule <sub> …` (no I/O besides reading the batch file). */
export function planScheduleCommand(args: string[], options: GroupOptions, readJson: ReadJson): GroupPlan {
  const [sub, target] = args;
  const usage = (message: string): GroupPlan => ({ usage: `${message}\n\n${SCHEDULE_HELP}` });
  if (!sub) return usage('Missing schedule subcommand.');
  if (!['create', 'list', 'describe', 'pause', 'unpause', 'trigger', 'backfill', 'delete'].includes(sub)) {
    return usage(`Unknown schedule subcommand "${sub}".`);
  }
  if (sub !== 'list' && !target) return usage('Missing <schedule-id>.');
  const id = target!;
  let overlap: ScheduleOverlapPolicy | undefined;
  if (options.overlap !== undefined) {
    overlap = parseOverlap(options.overlap);
    if (!overlap) return usage(`--overlap must be one of ${OVERLAP_POLICIES.join(', ')}.`);
  }
  const run = (fn: (sc: BatchScheduleClient, out: Out) => Promise<number>): GroupPlan => ({
    run: (client, taskQueue, out) =>
      withScheduleErrors(id, out, () => fn(new BatchScheduleClient(client, taskQueue), out)),
  });

  switch (sub) {
    case 'create': {
      if (!options.file) return usage('Missing --file.');
      if (Boolean(options.cron) === Boolean(options.every)) return usage('Give exactly one of --cron and --every.');
      let batch: unknown;
      try {
        batch = readJson(options.file);
      } catch (err) {
        return { usage: `Cannot read ${options.file}: ${describeReadError(err)}` };
      }
      const scheduleOptions: BatchScheduleOptions = {
        scheduleId: id,
        batch: batch as BatchRequest,
        cron: options.cron,
        every: options.every,
        timezone: options.timezone,
        overlap,
        catchupWindow: options['catchup-window'],
        pauseOnFailure: options['pause-on-failure'],
        incremental: options.incremental,
        paused: options.paused,
        note: options.note,
      };
      try {
        const withIncremental =
          options.incremental && typeof batch === 'object' && batch !== null
            ? { ...batch, incremental: { schedule_id: id } }
            : batch;
        assertValidBatch(withIncremental);
      } catch (err) {
        return { usage: (err as InvalidBatchError).message };
      }
      return run(async (sc, out) => {
        await sc.create(scheduleOptions);
        out(`Created schedule ${id}${options.paused ? ' (paused)' : ''}`);
        return EXIT.OK;
      });
    }
    case 'list':
      return run(async (sc, out) => {
        const schedules = await sc.list();
        if (options.json) out(JSON.stringify(schedules, null, 2));
        else if (schedules.length === 0) out('No schedules.');
        else
          for (const s of schedules)
            out(`${s.id}  ${s.paused ? 'PAUSED' : 'ACTIVE'}  next ${s.next ?? '-'}  ${s.workflow_type ?? ''}`);
        return EXIT.OK;
      });
    case 'describe':
      return run(async (sc, out) => {
        const d = await sc.describe(id);
        if (options.json) {
          const { raw: _raw, ...rest } = d;
          out(JSON.stringify(rest, null, 2));
        } else out(renderSchedule(d));
        return EXIT.OK;
      });
    case 'pause':
    case 'unpause':
      return run(async (sc, out) => {
        await (sub === 'pause' ? sc.pause(id, options.note) : sc.unpause(id, options.note));
        out(`${sub === 'pause' ? 'Paused' : 'Unpaused'} schedule ${id}`);
        return EXIT.OK;
      });
    case 'trigger':
      return run(async (sc, out) => {
        await sc.trigger(id, overlap);
        out(`Triggered schedule ${id}`);
        return EXIT.OK;
      });
    case 'backfill': {
      const start = options.start ? new Date(options.start) : undefined;
      const end = options.end ? new Date(options.end) : undefined;
      if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) {
        return usage('backfill needs --start and --end as ISO 8601 times, with end after start.');
      }
      return run(async (sc, out) => {
        await sc.backfill(id, start, end, overlap);
        out(`Backfill of schedule ${id} requested for ${start.toISOString()} … ${end.toISOString()}`);
        return EXIT.OK;
      });
    }
    default:
      return run(async (sc, out) => {
        await sc.delete(id);
        out(`Deleted schedule ${id}`);
        return EXIT.OK;
      });
  }
}

async function withScheduleErrors(id: string | undefined, out: Out, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      out(`No schedule with id ${id}`);
      return EXIT.ERROR;
    }
    if (err instanceof ScheduleAlreadyRunning) {
      out(`A schedule with id ${id} already exists (delete it first, or choose another id)`);
      return EXIT.ERROR;
    }
    if (err instanceof InvalidBatchError) {
      out(err.message);
      return EXIT.USAGE;
    }
    throw err;
  }
}

/** A human summary of a schedule (`schedule describe`). */
export function renderSchedule(d: ScheduleDescription): string {
  const batch = d.action.args?.[0] as BatchRequest | undefined;
  const spec = d.spec.calendars?.length
    ? `calendar ${JSON.stringify(d.spec.calendars.map(compactCalendar))}`
    : d.spec.intervals?.length
      ? `every ${d.spec.intervals.map((i) => `${i.every / 1000}s`).join(', ')}`
      : 'none (trigger or backfill only)';
  const lines = [
    `Schedule ${d.scheduleId}: ${d.state.paused ? 'PAUSED' : 'ACTIVE'}${d.state.note ? ` (${d.state.note})` : ''}`,
    `Runs: ${d.action.workflowType} on task queue ${d.action.taskQueue}, ids ${d.action.workflowId}-<time>` +
      (batch?.incremental ? ', incremental' : ''),
    `Spec: ${spec}${d.spec.timezone ? ` (${d.spec.timezone})` : ''}`,
    `Policies: overlap ${d.policies.overlap}, catch-up window ${d.policies.catchupWindow / 1000}s, ` +
      `pause on failure ${d.policies.pauseOnFailure ? 'yes' : 'no'}`,
    `Next runs: ${d.info.nextActionTimes.map((t) => t.toISOString()).join(', ') || '-'}`,
    `Actions taken: ${d.info.numActionsTaken} (skipped for overlap: ${d.info.numActionsSkippedOverlap})`,
  ];
  for (const a of d.info.recentActions) {
    lines.push(`  ${a.takenAt.toISOString()} → ${a.action.workflow.workflowId}`);
  }
  for (const a of d.info.runningActions) lines.push(`  running: ${a.workflow.workflowId}`);
  return lines.join('\n');
}

function compactCalendar(c: NonNullable<ScheduleDescription['spec']['calendars']>[number]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, ranges] of Object.entries(c)) {
    if (!Array.isArray(ranges)) continue;
    out[key] = ranges.map((r: { start: unknown; end: unknown; step: number }) =>
      r.start === r.end ? r.start : `${String(r.start)}-${String(r.end)}${r.step > 1 ? `/${r.step}` : ''}`,
    );
  }
  return out;
}
