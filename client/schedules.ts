/**
 * Scheduled batch migrations on Temporal Schedules (not cron workflows): create, list, describe, pause, unpause,
 * trigger, backfill and delete — the library and the `oms-orchestrator schedule …` subcommands.
 *
 * Each scheduled action starts `batchMigrationWorkflow` with the batch input stored in the schedule; Temporal
 * names each run `<schedule id>-<scheduled time>`. Defaults: overlap policy SKIP (a run that would overlap a
 * running one is skipped, so two runs never copy the same objects at once), catch-up window 1 day (runs missed
 * while Temporal was down are made up for at most a day late). With `incremental`, the batch input carries
 * `incremental: { schedule_id }` and each run migrates only objects changed since the last fully successful run
 * started (docs/batches.md).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOverlapPolicy,
  type ScheduleSpec,
} from '@temporalio/client';

import { MAX_BATCH_BYTES } from '../workflows/internal/batch-plan';
import type { BatchRequest } from '../workflows/types';
import {
  BATCH_WORKFLOW_TYPE,
  assertValidBatch,
  describeReadError,
  InvalidBatchError,
  type GroupOptions,
  type GroupPlan,
  type Out,
  type ReadJson,
} from './batch-client';
import {
  bucketSearchAttributesMemo,
  resolveBucketSearchAttributes,
  type BucketSearchAttributeOptions,
} from './bucket-search-attributes';
import { asPayloadTooLarge } from './migration-client';

/** Overlap policies, as the CLI accepts them (case-insensitive, `-` or `_`). */
export const OVERLAP_POLICIES = [
  'SKIP',
  'BUFFER_ONE',
  'BUFFER_ALL',
  'CANCEL_OTHER',
  'TERMINATE_OTHER',
  'ALLOW_ALL',
] as const satisfies readonly ScheduleOverlapPolicy[];

/** Defaults of a batch schedule. */
export const SCHEDULE_DEFAULTS = Object.freeze({ overlap: 'SKIP', catchupWindow: '1 day' });

/** What a batch schedule runs and when. Exactly one of `cron` and `every`. */
export interface BatchScheduleOptions {
  scheduleId: string;
  batch: BatchRequest;
  /** Cron expression, e.g. `0 2 * * *` (02:00 every day, in `timezone`). */
  cron?: string;
  /** Interval, e.g. `24h`, `30m`. */
  every?: string;
  /** IANA time zone of the cron expression (default UTC). */
  timezone?: string;
  /** Default SKIP. */
  overlap?: ScheduleOverlapPolicy;
  /** How late a missed run may still start, e.g. `1h`, `1 day` (default 1 day). */
  catchupWindow?: string;
  /** Pause the schedule when a run fails (default false). */
  pauseOnFailure?: boolean;
  /** Each run migrates only objects changed since the last successful run started. */
  incremental?: boolean;
  /** Create it paused. */
  paused?: boolean;
  note?: string;
}

/** Client for batch schedules on one namespace; runs go to `taskQueue`. */
export class BatchScheduleClient {
  /** Whether the scheduled batches' items index their bucket names (`OmsSrcBucket`, `OmsDstBucket`). */
  readonly bucketSearchAttributes: boolean;

  /** @throws Error naming `OMS_SEARCH_ATTRIBUTE_BUCKETS` when the option is not given and that variable is invalid. */
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    options: BucketSearchAttributeOptions = {},
  ) {
    this.bucketSearchAttributes = resolveBucketSearchAttributes(options);
  }

  /**
   * Creates the schedule after validating the batch (with `incremental` set, the batch names this schedule).
   * @throws InvalidBatchError when the batch is invalid; `ScheduleAlreadyRunning` when the id exists;
   *   `PayloadTooLargeError` when the server refuses the batch as too large (a limit below Temporal's default).
   */
  async create(options: BatchScheduleOptions): Promise<void> {
    const batch: BatchRequest = options.incremental
      ? { ...options.batch, incremental: { ...options.batch.incremental, schedule_id: options.scheduleId } }
      : options.batch;
    assertValidBatch(batch);
    try {
      await this.createSchedule(options, batch);
    } catch (err) {
      throw asPayloadTooLarge(err, options.scheduleId, batch, MAX_BATCH_BYTES) ?? err;
    }
  }

  private async createSchedule(options: BatchScheduleOptions, batch: BatchRequest): Promise<void> {
    await this.client.schedule.create({
      scheduleId: options.scheduleId,
      spec: scheduleSpec(options),
      action: {
        type: 'startWorkflow',
        workflowType: BATCH_WORKFLOW_TYPE,
        workflowId: options.scheduleId,
        taskQueue: this.taskQueue,
        args: [batch],
        staticSummary: `Scheduled OMS batch ${options.scheduleId}${batch.incremental ? ' (incremental)' : ''}`,
        ...bucketSearchAttributesMemo(this.bucketSearchAttributes),
      },
      policies: {
        overlap: options.overlap ?? SCHEDULE_DEFAULTS.overlap,
        catchupWindow: options.catchupWindow ?? SCHEDULE_DEFAULTS.catchupWindow,
        pauseOnFailure: options.pauseOnFailure ?? false,
      },
      state: { paused: options.paused ?? false, note: options.note },
    });
  }

  /** Every schedule of the namespace (from visibility: a new one may take a moment to appear). */
  async list(): Promise<{ id: string; paused: boolean; workflow_type: string | null; next: string | null }[]> {
    const out = [];
    for await (const s of this.client.schedule.list()) {
      out.push({
        id: s.scheduleId,
        paused: s.state.paused,
        workflow_type: s.action?.workflowType ?? null,
        next: s.info.nextActionTimes[0]?.toISOString() ?? null,
      });
    }
    return out;
  }

  describe(scheduleId: string): Promise<ScheduleDescription> {
    return this.client.schedule.getHandle(scheduleId).describe();
  }

  pause(scheduleId: string, note?: string): Promise<void> {
    return this.client.schedule.getHandle(scheduleId).pause(note);
  }

  unpause(scheduleId: string, note?: string): Promise<void> {
    return this.client.schedule.getHandle(scheduleId).unpause(note);
  }

  /** Starts a run now (the overlap policy applies; default: the schedule's). */
  trigger(scheduleId: string, overlap?: ScheduleOverlapPolicy): Promise<void> {
    return this.client.schedule.getHandle(scheduleId).trigger(overlap);
  }

  /** Runs the actions the spec would have taken between `start` and `end`. */
  backfill(scheduleId: string, start: Date, end: Date, overlap?: ScheduleOverlapPolicy): Promise<void> {
    return this.client.schedule.getHandle(scheduleId).backfill({ start, end, overlap });
  }

  delete(scheduleId: string): Promise<void> {
    return this.client.schedule.getHandle(scheduleId).delete();
  }
}

function scheduleSpec(options: BatchScheduleOptions): ScheduleSpec {
  const timezone = options.timezone ? { timezone: options.timezone } : {};
  if (options.cron) return { cronExpressions: [options.cron], ...timezone };
  return { intervals: [{ every: options.every! }], ...timezone };
}

/** `skip`, `buffer-one`, `BUFFER_ONE` → `BUFFER_ONE`; undefined when unknown. */
export function parseOverlap(value: string): ScheduleOverlapPolicy | undefined {
  const normalized = value.toUpperCase().replace(/-/g, '_');
  return OVERLAP_POLICIES.find((p) => p === normalized);
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

// --- CLI (`oms-orchestrator schedule …`; wired in client/cli.ts) ---

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

const EXIT = { OK: 0, ERROR: 1, USAGE: 2 } as const;

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
