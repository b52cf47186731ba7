/**
 * Scheduled batch migrations on Temporal Schedules (not cron workflows): create, list, describe, pause, unpause,
 * trigger, backfill and delete. The `oms-orchestrator schedule …` subcommands are in client/cli/schedule-command.ts.
 *
 * Each scheduled action starts `batchMigrationWorkflow` with the batch input stored in the schedule; Temporal
 * names each run `<schedule id>-<scheduled time>`. Defaults: overlap policy SKIP (a run that would overlap a
 * running one is skipped, so two runs never copy the same objects at once), catch-up window 1 day (runs missed
 * while Temporal was down are made up for at most a day late). With `incremental`, the batch input carries
 * `incremental: { schedule_id }` and each run migrates only objects changed since the last fully successful run
 * started (docs/batches.md).
 */
import type {
  Client,
  ScheduleDescription,
  ScheduleOverlapPolicy,
  ScheduleSpec,
  ScheduleSpecDescription,
} from '@temporalio/client';

import { MAX_BATCH_BYTES } from '../workflows/shared/batch-plan';
import type { BatchRequest } from '../workflows/batch-types';
import { BATCH_WORKFLOW_TYPE, assertValidBatch } from './batch-client';
import {
  bucketSearchAttributesMemo,
  resolveBucketSearchAttributes,
  type BucketSearchAttributeOptions,
} from './bucket-search-attributes';
import { asPayloadTooLarge } from './payload-size';

/** The overlap policies a batch schedule may have (the CLI accepts them case-insensitive, with `-` or `_`). */
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
      // Temporal compiles a cron expression into calendar ranges and keeps no text: remember what the user wrote.
      memo: {
        [SPEC_MEMO_KEY]: {
          ...(options.cron ? { cron: options.cron } : { every: options.every }),
          timezone: options.timezone ?? 'UTC',
        } satisfies ScheduleSpecMemo,
      },
    });
  }

  /**
   * Every schedule of the namespace (from visibility: a new one may take a moment to appear), with its spec in
   * words (`spec`, `timezone`), its next action time and its last run (workflow id and when it was taken).
   */
  async list(): Promise<ScheduleListEntry[]> {
    const out: ScheduleListEntry[] = [];
    for await (const s of this.client.schedule.list()) {
      const spec = scheduleSpecText(s.spec, s.memo);
      const last = s.info.recentActions.at(-1);
      out.push({
        id: s.scheduleId,
        paused: s.state.paused,
        workflow_type: s.action?.workflowType ?? null,
        next: s.info.nextActionTimes[0]?.toISOString() ?? null,
        spec: spec.text,
        timezone: spec.timezone,
        last_run: last ? { workflow_id: last.action.workflow.workflowId, taken_at: last.takenAt.toISOString() } : null,
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

/** Memo key under which a schedule created here keeps its spec as written (cron text or interval, time zone). */
export const SPEC_MEMO_KEY = 'oms_schedule_spec';

/** The spec as the user wrote it (schedule memo {@link SPEC_MEMO_KEY}). */
export interface ScheduleSpecMemo {
  cron?: string;
  every?: string;
  timezone: string;
}

/** One row of {@link BatchScheduleClient.list}. */
export interface ScheduleListEntry {
  id: string;
  paused: boolean;
  workflow_type: string | null;
  /** Next action time (ISO 8601, UTC), or null. */
  next: string | null;
  /** The spec in words: cron text (`0 2 * * *`), `every 24h`, or the calendar as ranges. */
  spec: string;
  /** IANA time zone of the spec (UTC when none was set). */
  timezone: string;
  /** The most recent run, if any. */
  last_run: { workflow_id: string; taken_at: string } | null;
}

/**
 * A schedule's spec in words and its time zone: the text it was created with (memo), else the calendar ranges
 * (`minute=0 hour=2`) or intervals (`every 86400s`) Temporal reports.
 */
export function scheduleSpecText(
  spec: ScheduleSpecDescription | undefined,
  memo: Record<string, unknown> | undefined,
): { text: string; timezone: string } {
  const kept = memo?.[SPEC_MEMO_KEY] as Partial<ScheduleSpecMemo> | undefined;
  const timezone = spec?.timezone || kept?.timezone || 'UTC';
  if (kept?.cron) return { text: kept.cron, timezone };
  if (kept?.every) return { text: `every ${kept.every}`, timezone };
  if (spec?.calendars?.length) {
    return { text: spec.calendars.map((c) => c.comment || calendarText(c)).join('; '), timezone };
  }
  if (spec?.intervals?.length) {
    return { text: spec.intervals.map((i) => `every ${Number(i.every) / 1000}s`).join(', '), timezone };
  }
  return { text: 'none (trigger or backfill only)', timezone };
}

type CalendarDescription = NonNullable<ScheduleSpecDescription['calendars']>[number];

/** `minute=0 hour=2 dayOfWeek=MONDAY-FRIDAY`: the fields that are not "every value". */
function calendarText(c: CalendarDescription): string {
  const parts: string[] = [];
  for (const key of ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'year', 'dayOfWeek'] as const) {
    const ranges = c[key] as { start: unknown; end: unknown; step: number }[] | undefined;
    if (!ranges?.length) continue;
    if (key === 'second' && ranges.length === 1 && ranges[0]!.start === 0 && ranges[0]!.end === 0) continue;
    const text = ranges
      .map((r) =>
        r.start === r.end ? String(r.start) : `${String(r.start)}-${String(r.end)}${r.step > 1 ? `/${r.step}` : ''}`,
      )
      .join(',');
    if (['1-31', 'JANUARY-DECEMBER', 'SUNDAY-SATURDAY'].includes(text)) continue;
    parts.push(`${key}=${text}`);
  }
  return parts.join(' ') || 'every second';
}
