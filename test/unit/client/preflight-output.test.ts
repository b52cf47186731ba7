/**
 * The dry run's renderer: an aligned table within 80 columns (wrapping long reasons, cutting long words), problems
 * visible, JSON as the result itself, and the exit code (0 only without problems).
 */
import {
  PREFLIGHT_PROBLEMS_EXIT,
  preflightExitCode,
  renderPreflight,
  wrap,
} from '../../../client/cli/preflight-output';
import type { PreflightResult } from '../../../workflows/preflight-types';
import { emptyCalls } from '../../../workflows/shared/calls';

const LONG_REASON =
  'the limiter is full: 5 of 5 slots held, 3 waiting; a new migration would wait for a slot; the creation quota ' +
  'is used up: 1500 creations remembered, daily_create_quota 1500; a new migration would wait for the window to move';

function result(overrides: Partial<PreflightResult> = {}): PreflightResult {
  return {
    ok: false,
    checks: [
      { name: 'node-profiles', status: 'ok', details: { checked: ['source node', 'destination node'] } },
      {
        name: 'oms-endpoint',
        status: 'ok',
        details: {
          endpoint: 'https://oms.cn-north-4.myhuaweicloud.com/a/very/long/path/prefix/that/does/not/fit/one/line',
          version_path: '/v2',
          versions: ['v1 SUPPORTED', 'v2 CURRENT'],
        },
      },
      {
        name: 'dst-writable',
        status: 'skipped',
        reason: 'OBS offers no way to check write access without writing; the destination keys can read the bucket',
      },
      { name: 'region-limiter', status: 'problem', reason: LONG_REASON, details: { running: 5, waiting: 3 } },
    ],
    calls: { ...emptyCalls(), list: 4, other: 4, iam: 1 },
    ...overrides,
  };
}

describe('renderPreflight (table)', () => {
  const text = renderPreflight(result(), { json: false });
  const lines = text.split('\n');

  test('no line is longer than 80 columns, and the text ends without a newline', () => {
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
    expect(text.endsWith('\n')).toBe(false);
  });

  test('starts with the verdict and the exit code, then a header aligned with the rows', () => {
    expect(lines[0]).toBe('Dry run: 1 problem found (exit 8). Nothing was created.');
    const header = lines[2]!;
    expect(header).toMatch(/^CHECK {2,}STATUS {2,}REASON \/ DETAILS$/);
    const statusColumn = header.indexOf('STATUS');
    const textColumn = header.indexOf('REASON');
    for (const name of ['node-profiles', 'oms-endpoint', 'dst-writable', 'region-limiter']) {
      const row = lines.find((l) => l.startsWith(`${name} `))!;
      expect(row.slice(statusColumn, textColumn).trim()).toBe(
        { 'region-limiter': 'PROBLEM', 'dst-writable': 'skipped' }[name] ?? 'ok',
      );
    }
  });

  test('a long reason wraps onto indented continuation lines under its column, losing no word', () => {
    const textColumn = lines[2]!.indexOf('REASON');
    const start = lines.findIndex((l) => l.startsWith('region-limiter '));
    const continuation: string[] = [];
    for (let i = start + 1; i < lines.length && lines[i]!.startsWith(' '.repeat(textColumn)); i++) {
      continuation.push(lines[i]!.slice(textColumn));
    }
    expect(continuation.length).toBeGreaterThanOrEqual(2);
    const joined = [lines[start]!.slice(textColumn), ...continuation].join(' ');
    expect(joined).toBe(`${LONG_REASON}. running: 5; waiting: 3`);
  });

  test('a word longer than the column (a URL) is cut, not overflowing', () => {
    const textColumn = lines[2]!.indexOf('REASON');
    const url = 'https://oms.cn-north-4.myhuaweicloud.com/a/very/long/path/prefix/that/does/not/fit/one/line';
    const start = lines.findIndex((l) => l.startsWith('oms-endpoint '));
    const pieces = lines.slice(start, start + 4).map((l) => l.slice(textColumn));
    expect(pieces.join('')).toContain(url.slice(0, 40));
    expect(pieces.join('').replace(/ /g, '')).toContain(url);
  });

  test('ends with the calls made, CreateTask among them', () => {
    expect(lines.at(-1)).toBe('API calls: 8 OMS reads (4 ListTasks), 1 IAM, 0 CreateTask.');
  });

  test('all clear says so, with the skipped count', () => {
    const clear = result({ ok: true, checks: result().checks.slice(0, 3) });
    expect(renderPreflight(clear, { json: false }).split('\n')[0]).toBe(
      'Dry run: no problems found (3 checks, 1 skipped). Nothing was created.',
    );
  });

  test('control characters from an API message cannot reach the terminal', () => {
    const hostile = result({ checks: [{ name: 'oms-endpoint', status: 'problem', reason: 'bad\u001b[2Jthing' }] });
    const out = renderPreflight(hostile, { json: false });
    expect(out).not.toContain('\u001b');
    expect(out).toContain('bad?[2Jthing.');
  });

  test('a narrower width is honoured (not below 40)', () => {
    for (const width of [60, 40, 10]) {
      const narrow = renderPreflight(result(), { json: false, width }).split('\n');
      expect(narrow.filter((l) => l.length > Math.max(40, width))).toEqual([]);
      expect(narrow.some((l) => l.startsWith('region-limiter  PROBLEM'))).toBe(true);
    }
  });
});

test('renderPreflight with json is the result itself', () => {
  const r = result();
  expect(JSON.parse(renderPreflight(r, { json: true }))).toEqual(r);
});

describe('preflightExitCode', () => {
  test('is 0 without problems, skipped checks included', () => {
    expect(preflightExitCode(result({ ok: true, checks: result().checks.slice(0, 3) }))).toBe(0);
  });
  test('is 8 with a problem', () => {
    expect(PREFLIGHT_PROBLEMS_EXIT).toBe(8);
    expect(preflightExitCode(result())).toBe(8);
  });
  test('is 8 when a check is a problem even if ok was (wrongly) set', () => {
    expect(preflightExitCode(result({ ok: true }))).toBe(8);
  });
});

describe('wrap', () => {
  test.each([
    ['', 10, ['']],
    ['a b c', 10, ['a b c']],
    ['aaaa bbbb cccc', 9, ['aaaa bbbb', 'cccc']],
    ['abcdefghijkl', 5, ['abcde', 'fghij', 'kl']],
    ['x abcdefghij y', 5, ['x', 'abcde', 'fghij', 'y']],
  ])('wrap(%j, %d)', (text, width, expected) => {
    expect(wrap(text, width)).toEqual(expected);
  });
});
