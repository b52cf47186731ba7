/**
 * `oms-orchestrator schedule …`: scheduled batches on Temporal Schedules, on {@link BatchScheduleClient}. Cron,
 * interval, time zone, overlap policy and catch-up window are checked here, before any call, naming the option.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOverlapPolicy,
} from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { Command } from 'commander';

import type { BatchRequest } from '../../../workflows/batch-types';
import { BatchScheduleClient, OVERLAP_POLICIES, scheduleSpecText, type ScheduleListEntry } from '../../schedules';
import { closedOutcome } from '../id-kind';
import { withClient, withConnectionOptions, type ConnectionFlags } from '../connect';
import { action, examples, optionsOf, type CliContext } from '../context';
import { CliError, EXIT, type ExitCode } from '../exit-codes';
import { readBatch } from './batch';

interface ScheduleOptions extends ConnectionFlags {
  file?: string;
  json?: boolean;
  cron?: string;
  every?: string;
  timezone?: string;
  overlap?: string;
  catchupWindow?: string;
  pauseOnFailure?: boolean;
  incremental?: boolean;
  paused?: boolean;
  note?: string;
  start?: string;
  end?: string;
}

/** `skip`, `buffer-one`, `BUFFER_ONE` → `BUFFER_ONE`; undefined when unknown. */
export function parseOverlap(value: string): ScheduleOverlapPolicy | undefined {
  const normalized = value.toUpperCase().replace(/-/g, '_');
  return OVERLAP_POLICIES.find((p) => p === normalized);
}

/** `--overlap` checked: undefined when not given. @throws CliError `invalid_input` naming the policies. */
export function overlapOption(value: string | undefined): ScheduleOverlapPolicy | undefined {
  if (value === undefined) return undefined;
  const overlap = parseOverlap(value);
  if (!overlap) {
    throw new CliError(
      'invalid_input',
      `--overlap: "${value}" is not a policy; use one of ${OVERLAP_POLICIES.join(', ').toLowerCase()}.`,
    );
  }
  return overlap;
}

const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC';
const DAYS = 'SUN|MON|TUE|WED|THU|FRI|SAT';
/** The five classic fields: name, range, names allowed. */
const CRON_FIELDS: [string, number, number, string?][] = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12, MONTHS],
  ['day of week', 0, 7, DAYS],
];

/**
 * Problems of a cron expression as Temporal reads it (5 fields: minute hour day-of-month month day-of-week, or a
 * macro such as `@daily`, or `@every <duration>`); empty when valid.
 */
export function cronProblems(expr: string): string[] {
  const text = expr.trim();
  if (CRON_MACROS.includes(text.toLowerCase())) return [];
  if (text.toLowerCase().startsWith('@every ')) {
    return durationProblem(text.slice(7).trim()) ? ['@every needs a duration such as 30m or 24h'] : [];
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) {
    return [`expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`];
  }
  const problems: string[] = [];
  fields.forEach((field, i) => {
    const [name, min, max, names] = CRON_FIELDS[i]!;
    const value = names ? `(?:\\d+|${names})` : '\\d+';
    const item = new RegExp(`^(?:\\*|\\?|${value}(?:-${value})?)(?:/\\d+)?$`, 'i');
    for (const part of field.split(',')) {
      if (!item.test(part)) {
        problems.push(`${name} "${field}" is not valid`);
        return;
      }
      for (const n of part.match(/\d+/g) ?? []) {
        if (part.includes('/') && part.endsWith(`/${n}`)) continue;
        if (Number(n) < min || Number(n) > max) {
          problems.push(`${name} ${n} is out of range ${min}-${max}`);
          return;
        }
      }
    }
  });
  return problems;
}

/** Why a duration (`30m`, `24h`, `1 day`) is not one, or undefined when it is a positive duration. */
export function durationProblem(value: string): string | undefined {
  try {
    return msToNumber(value as Parameters<typeof msToNumber>[0]) > 0 ? undefined : 'must be more than 0';
  } catch {
    return 'is not a duration (examples: 30m, 6h, 24h, 1 day)';
  }
}

/** True when `zone` is an IANA time zone this runtime knows (Temporal's server uses the same database). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks the spec options of `schedule create`, naming each bad option.
 * @throws CliError `usage` (neither or both of --cron/--every) or `invalid_input` (bad value).
 */
export function checkSpecOptions(options: ScheduleOptions): void {
  if (Boolean(options.cron) === Boolean(options.every))
    throw new CliError('usage', 'Give exactly one of --cron and --every.');
  const problems: string[] = [];
  if (options.cron) problems.push(...cronProblems(options.cron).map((p) => `--cron "${options.cron}": ${p}`));
  if (options.every) {
    const problem = durationProblem(options.every);
    if (problem) problems.push(`--every "${options.every}" ${problem}`);
  }
  if (options.timezone !== undefined && !isTimeZone(options.timezone)) {
    problems.push(`--timezone "${options.timezone}" is not an IANA time zone (examples: UTC, Asia/Shanghai)`);
  }
  if (options.catchupWindow !== undefined) {
    const problem = durationProblem(options.catchupWindow);
    if (problem) problems.push(`--catchup-window "${options.catchupWindow}" ${problem}`);
  }
  if (problems.length) throw new CliError('invalid_input', problems.join('\n'));
}

/** `2026-12-02 02:00` in `timeZone` (the schedule's), to the minute. */
export function timeIn(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** Rows under a header, columns padded to their widest cell (two spaces between). */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** A listed schedule with its last run's outcome (when that run could be described). */
export type ListedSchedule = ScheduleListEntry & { last_outcome: string | null };

/** `schedule list` as aligned columns: id, state, spec and time zone, next run (in that zone), last run. */
export function renderScheduleList(schedules: ListedSchedule[]): string[] {
  if (schedules.length === 0) return ['No schedules.'];
  return table(
    ['ID', 'STATE', 'SPEC', 'NEXT RUN', 'LAST RUN'],
    schedules.map((s) => [
      s.id,
      s.paused ? 'PAUSED' : 'ACTIVE',
      `${s.spec} (${s.timezone})`,
      s.paused ? 'paused' : s.next ? timeIn(new Date(s.next), s.timezone) : '-',
      s.last_run ? `${timeIn(new Date(s.last_run.taken_at), s.timezone)} ${s.last_outcome ?? ''}`.trimEnd() : 'never',
    ]),
  );
}

async function outcomeOf(client: Client, workflowId: string): Promise<string | null> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING' ? 'running' : closedOutcome(d);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** A human summary of a schedule (`schedule describe`): spec in words, next runs one per line in its time zone. */
export function renderSchedule(d: ScheduleDescription, outcomes: Map<string, string | null> = new Map()): string[] {
  const batch = d.action.args?.[0] as BatchRequest | undefined;
  const spec = scheduleSpecText(d.spec, d.memo);
  const lines = [
    `Schedule ${d.scheduleId}: ${d.state.paused ? 'PAUSED' : 'ACTIVE'}${d.state.note ? ` (${d.state.note})` : ''}`,
    `Runs: ${d.action.workflowType} on task queue ${d.action.taskQueue}, ids ${d.action.workflowId}-<time>` +
      (batch?.incremental ? ', incremental' : ''),
    `Spec: ${spec.text} (time zone ${spec.timezone})`,
    `Policies: overlap ${d.policies.overlap}, catch-up window ${d.policies.catchupWindow / 1000}s, ` +
      `pause on failure ${d.policies.pauseOnFailure ? 'yes' : 'no'}`,
  ];
  if (d.state.paused) lines.push('Next runs: none while paused');
  else if (d.info.nextActionTimes.length === 0) lines.push('Next runs: none');
  else {
    lines.push(`Next runs (${spec.timezone}):`);
    for (const t of d.info.nextActionTimes.slice(0, 5)) lines.push(`  ${timeIn(t, spec.timezone)}`);
  }
  lines.push(`Actions taken: ${d.info.numActionsTaken} (skipped for overlap: ${d.info.numActionsSkippedOverlap})`);
  if (d.info.recentActions.length) lines.push('Recent runs:');
  for (const a of d.info.recentActions) {
    const id = a.action.workflow.workflowId;
    const outcome = outcomes.get(id);
    lines.push(`  ${timeIn(a.takenAt, spec.timezone)}  ${id}${outcome ? `  ${outcome}` : ''}`);
  }
  for (const a of d.info.runningActions) lines.push(`Running: ${a.workflow.workflowId}`);
  return lines;
}

/** Temporal's schedule errors as CLI errors: unknown id → 6, id taken → 2. */
async function scheduleErrors<T>(id: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new CliError('not_found', `No schedule with id ${id}`, { cause: err });
    if (err instanceof ScheduleAlreadyRunning) {
      throw new CliError(
        'invalid_input',
        `A schedule with id ${id} already exists (delete it first, or choose another id)`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

type Run = (sc: BatchScheduleClient, options: ScheduleOptions, client: Client) => Promise<ExitCode>;

/** Registers `schedule` and its subcommands. */
export function scheduleCommand(ctx: CliContext): Command {
  const { io } = ctx;
  const schedule = new Command('schedule').description('scheduled batches (Temporal Schedules)');
  schedule.addHelpText(
    'after',
    '\nEach run is a batchMigrationWorkflow with id <schedule-id>-<scheduled time>; see docs/batches.md.' +
      examples(
        'oms-orchestrator schedule create nightly --file batch.json --cron "0 2 * * *" --timezone Asia/Shanghai',
        'oms-orchestrator schedule list',
      ),
  );
  const sub = (
    name: string,
    description: string,
    configure: (c: Command) => Command,
    example: string[],
    before: (options: ScheduleOptions) => void,
    run: (id: string | undefined) => Run,
    withId = true,
  ): void => {
    let command = new Command(name).description(description);
    if (withId) command = command.argument('<schedule-id>');
    command = withConnectionOptions(configure(command)).addHelpText('after', examples(...example));
    command.action(
      action(ctx, async (...args: unknown[]) => {
        const cmd = args[args.length - 1] as Command;
        const id = withId ? (args[0] as string) : undefined;
        if (id !== undefined && !id.trim()) throw new CliError('invalid_input', 'The schedule id must not be empty.');
        const options = optionsOf<ScheduleOptions>(cmd);
        before(options);
        return withClient(options, ({ client, taskQueue }) =>
          scheduleErrors(id, () => run(id)(new BatchScheduleClient(client, taskQueue), options, client)),
        );
      }),
    );
    schedule.addCommand(command);
  };
  const noCheck = (): void => undefined;

  let batch: unknown;
  sub(
    'create',
    'create a schedule that starts the batch on a cron expression or an interval',
    (c) =>
      c
        .option('--file <path>', 'batch JSON (as for `batch start`)')
        .option('--cron <expr>', 'cron expression (minute hour day-of-month month day-of-week), in --timezone')
        .option('--every <interval>', 'fixed interval instead (e.g. 30m, 6h, 24h)')
        .option('--timezone <zone>', 'IANA time zone of the cron expression (default UTC)')
        .option(
          '--overlap <policy>',
          `when a run would overlap a running one: ${OVERLAP_POLICIES.join(', ').toLowerCase()} (default skip)`,
        )
        .option('--catchup-window <duration>', 'how late a missed run may still start (default "1 day")')
        .option('--incremental', 'each run copies only objects changed since the last successful run started')
        .option('--pause-on-failure', 'pause the schedule when a run fails')
        .option('--paused', 'create it paused')
        .option('--note <text>', 'note shown with the state'),
    [
      'oms-orchestrator schedule create nightly --file batch.json --cron "0 2 * * *" --timezone Asia/Shanghai',
      'oms-orchestrator schedule create hourly --file batch.json --every 1h --incremental',
    ],
    (options) => {
      checkSpecOptions(options);
      overlapOption(options.overlap);
      batch = readBatch(options.file).batch;
    },
    (id) => async (sc, options) => {
      await sc.create({
        scheduleId: id!,
        batch: batch as BatchRequest,
        cron: options.cron,
        every: options.every,
        timezone: options.timezone,
        overlap: overlapOption(options.overlap),
        catchupWindow: options.catchupWindow,
        pauseOnFailure: options.pauseOnFailure,
        incremental: options.incremental,
        paused: options.paused,
        note: options.note,
      });
      if (options.json)
        io.out(JSON.stringify({ schedule_id: id, created: true, paused: Boolean(options.paused) }, null, 2));
      else io.out(`Created schedule ${id}${options.paused ? ' (paused)' : ''}`);
      return EXIT.OK;
    },
  );
  sub(
    'list',
    'every schedule of the namespace: state, spec and time zone, next run, last run and its outcome',
    (c) => c.option('--json', 'print the list as one JSON document'),
    ['oms-orchestrator schedule list', 'oms-orchestrator schedule list --json'],
    noCheck,
    () => async (sc, options, client) => {
      const listed: ListedSchedule[] = [];
      for (const s of await sc.list()) {
        listed.push({ ...s, last_outcome: s.last_run ? await outcomeOf(client, s.last_run.workflow_id) : null });
      }
      if (options.json) io.out(JSON.stringify(listed, null, 2));
      else for (const line of renderScheduleList(listed)) io.out(line);
      return EXIT.OK;
    },
    false,
  );
  sub(
    'describe',
    "spec, policies, next runs (in the schedule's time zone) and recent runs",
    (c) => c.option('--json', 'print the description as one JSON document'),
    ['oms-orchestrator schedule describe nightly'],
    noCheck,
    (id) => async (sc, options, client) => {
      const d = await sc.describe(id!);
      const outcomes = new Map<string, string | null>();
      for (const a of d.info.recentActions.slice(-5)) {
        outcomes.set(a.action.workflow.workflowId, await outcomeOf(client, a.action.workflow.workflowId));
      }
      if (options.json) {
        const { raw: _raw, ...rest } = d;
        const spec = scheduleSpecText(d.spec, d.memo);
        io.out(JSON.stringify({ ...rest, spec_text: spec.text, timezone: spec.timezone }, null, 2));
      } else for (const line of renderSchedule(d, outcomes)) io.out(line);
      return EXIT.OK;
    },
  );
  for (const [name, description] of [
    ['pause', 'stop taking actions (running batches go on)'],
    ['unpause', 'take actions again'],
  ] as const) {
    sub(
      name,
      description,
      (c) => c.option('--note <text>', 'note shown with the state').option('--json', 'print the answer as JSON'),
      [`oms-orchestrator schedule ${name} nightly --note "storage maintenance"`],
      noCheck,
      (id) => async (sc, options) => {
        await (name === 'pause' ? sc.pause(id!, options.note) : sc.unpause(id!, options.note));
        if (options.json) io.out(JSON.stringify({ schedule_id: id, action: name, accepted: true }, null, 2));
        else io.out(`${name === 'pause' ? 'Paused' : 'Unpaused'} schedule ${id}`);
        return EXIT.OK;
      },
    );
  }
  sub(
    'trigger',
    'start a run now (the overlap policy applies)',
    (c) => c.option('--overlap <policy>', 'overlap policy for this run').option('--json', 'print the answer as JSON'),
    ['oms-orchestrator schedule trigger nightly'],
    (options) => void overlapOption(options.overlap),
    (id) => async (sc, options) => {
      await sc.trigger(id!, overlapOption(options.overlap));
      if (options.json) io.out(JSON.stringify({ schedule_id: id, action: 'trigger', accepted: true }, null, 2));
      else io.out(`Triggered schedule ${id}`);
      return EXIT.OK;
    },
  );
  let period: { start: Date; end: Date } | undefined;
  sub(
    'backfill',
    'run the actions the spec would have taken in a past period',
    (c) =>
      c
        .option('--start <iso>', 'start of the period (ISO 8601)')
        .option('--end <iso>', 'end of the period (ISO 8601), after --start')
        .option('--overlap <policy>', 'overlap policy for these runs')
        .option('--json', 'print the answer as JSON'),
    ['oms-orchestrator schedule backfill nightly --start 2026-01-01T00:00:00Z --end 2026-01-08T00:00:00Z'],
    (options) => {
      overlapOption(options.overlap);
      const start = options.start ? new Date(options.start) : undefined;
      const end = options.end ? new Date(options.end) : undefined;
      if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) {
        throw new CliError(
          'invalid_input',
          'backfill needs --start and --end as ISO 8601 times, with end after start.',
        );
      }
      period = { start, end };
    },
    (id) => async (sc, options) => {
      await sc.backfill(id!, period!.start, period!.end, overlapOption(options.overlap));
      if (options.json) {
        io.out(
          JSON.stringify(
            { schedule_id: id, action: 'backfill', start: period!.start.toISOString(), end: period!.end.toISOString() },
            null,
            2,
          ),
        );
      } else
        io.out(
          `Backfill of schedule ${id} requested for ${period!.start.toISOString()} … ${period!.end.toISOString()}`,
        );
      return EXIT.OK;
    },
  );
  sub(
    'delete',
    'delete the schedule (running batches go on)',
    (c) => c.option('--json', 'print the answer as JSON'),
    ['oms-orchestrator schedule delete nightly'],
    noCheck,
    (id) => async (sc, options) => {
      await sc.delete(id!);
      if (options.json) io.out(JSON.stringify({ schedule_id: id, action: 'delete', accepted: true }, null, 2));
      else io.out(`Deleted schedule ${id}`);
      return EXIT.OK;
    },
  );
  return schedule;
}
