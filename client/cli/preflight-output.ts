/**
 * What `migrate --dry-run` prints (docs/dry-run.md): the pre-flight result as an aligned table that fits the
 * terminal (80 columns unless told), or as JSON; and the exit code, 0 when no check found a problem.
 */
import type { PreflightCheck, PreflightDetail, PreflightResult } from '../../workflows/preflight-types';

import { EXIT } from './exit-codes';

/** Exit code of a dry run that found problems (2 stays "invalid usage or request", checked before any call). */
export const PREFLIGHT_PROBLEMS_EXIT = EXIT.PREFLIGHT_PROBLEMS;

/** Options of {@link renderPreflight}. */
export interface RenderPreflightOptions {
  /** The whole result as indented JSON instead of the table. */
  json: boolean;
  /** Table width in columns (default 80; at least 40). */
  width?: number;
}

const DEFAULT_WIDTH = 80;
const MIN_WIDTH = 40;
const GAP = '  ';
const HEADER = { name: 'CHECK', status: 'STATUS', text: 'REASON / DETAILS', shortText: 'DETAILS' };

/** 0 when no check is a problem (skipped checks do not count), else {@link PREFLIGHT_PROBLEMS_EXIT}. */
export function preflightExitCode(result: PreflightResult): typeof EXIT.OK | typeof EXIT.PREFLIGHT_PROBLEMS {
  return result.ok && result.checks.every((c) => c.status !== 'problem') ? 0 : PREFLIGHT_PROBLEMS_EXIT;
}

/**
 * The result as text: a summary line, one table row per check (long text wrapped within `width`), and the API calls
 * made; or, with `json`, the result itself. Ends without a newline.
 */
export function renderPreflight(result: PreflightResult, options: RenderPreflightOptions): string {
  if (options.json) return JSON.stringify(result, null, 2);
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? DEFAULT_WIDTH));
  const rows = result.checks.map((c) => ({ name: printable(c.name), status: statusWord(c), text: rowText(c) }));
  const nameWidth = Math.max(HEADER.name.length, ...rows.map((r) => r.name.length));
  const statusWidth = Math.max(HEADER.status.length, ...rows.map((r) => r.status.length));
  const textWidth = Math.max(10, width - nameWidth - statusWidth - 2 * GAP.length);
  const indent = ' '.repeat(nameWidth + statusWidth + 2 * GAP.length);

  const problems = result.checks.filter((c) => c.status === 'problem').length;
  const skipped = result.checks.filter((c) => c.status === 'skipped').length;
  const lines = [
    ...wrap(
      problems === 0
        ? `Dry run: no problems found (${result.checks.length} checks, ${skipped} skipped). Nothing was created.`
        : `Dry run: ${problems} ${problems === 1 ? 'problem' : 'problems'} found (exit ${PREFLIGHT_PROBLEMS_EXIT}). ` +
            'Nothing was created.',
      width,
    ),
    '',
    // The long heading only where it fits the column.
    `${HEADER.name.padEnd(nameWidth)}${GAP}${HEADER.status.padEnd(statusWidth)}${GAP}${
      HEADER.text.length <= textWidth ? HEADER.text : HEADER.shortText
    }`.trimEnd(),
  ];
  for (const row of rows) {
    const [first = '', ...rest] = wrap(row.text, textWidth);
    lines.push(`${row.name.padEnd(nameWidth)}${GAP}${row.status.padEnd(statusWidth)}${GAP}${first}`.trimEnd());
    for (const line of rest) lines.push(`${indent}${line}`);
  }
  const c = result.calls;
  lines.push('');
  lines.push(
    ...wrap(
      `API calls: ${c.list + c.show + c.other} OMS reads (${c.list} ListTasks), ${c.iam} IAM, ${c.create} CreateTask.`,
      width,
    ),
  );
  return lines.join('\n');
}

/** Problems shout so they stand out in a long table; the others stay quiet. */
function statusWord(check: PreflightCheck): string {
  return check.status === 'problem' ? 'PROBLEM' : check.status;
}

/** The reason, then the details as `key: value` pairs. */
function rowText(check: PreflightCheck): string {
  const parts: string[] = [];
  if (check.reason) parts.push(check.reason.endsWith('.') ? check.reason : `${check.reason}.`);
  for (const [key, value] of Object.entries(check.details ?? {})) parts.push(`${key}: ${detailText(value)};`);
  const text = parts.join(' ').replace(/;$/, '');
  return printable(text);
}

function detailText(value: PreflightDetail): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
  return value === null ? '-' : String(value);
}

/** Control characters (from an API's error text) would corrupt the terminal: shown as `?`. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** Greedy word wrap to `width`; a word longer than a line (a URL) is cut into line-sized pieces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    let rest = word;
    while (rest.length > width) {
      if (line !== '') {
        lines.push(line);
        line = '';
      }
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    if (line === '') line = rest;
    else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}
