/**
 * Results files: `latest.json` holds the newest result per scenario key (a run updates only the keys it ran, so
 * sizes measured one at a time accumulate), `latest.md` renders it as tables.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { ScenarioResult } from './scenario';

/** The JSON file's shape. */
export interface ResultsFile {
  generatedAt: string;
  results: Record<string, ScenarioResult>;
}

/** Merges `results` into `<dir>/latest.json`, rewrites `<dir>/latest.md`, returns the merged file. */
export function saveResults(dir: string, results: ScenarioResult[]): ResultsFile {
  fs.mkdirSync(dir, { recursive: true });
  const jsonPath = path.join(dir, 'latest.json');
  const existing: ResultsFile = fs.existsSync(jsonPath)
    ? (JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as ResultsFile)
    : { generatedAt: '', results: {} };
  for (const r of results) existing.results[r.key] = r;
  existing.generatedAt = new Date().toISOString();
  const sorted: ResultsFile = {
    generatedAt: existing.generatedAt,
    results: Object.fromEntries(Object.entries(existing.results).sort(([a], [b]) => compareKeys(a, b))),
  };
  writeAtomically(jsonPath, `${JSON.stringify(sorted, null, 2)}\n`);
  writeAtomically(path.join(dir, 'latest.md'), renderMarkdown(sorted));
  return sorted;
}

const ORDER = ['capacity', 'throughput', 'economy', 'history', 'batch', 'baseline'];

/** Scenario order, then numeric size within a scenario. */
function compareKeys(a: string, b: string): number {
  const [sa = '', na = ''] = a.split(' ');
  const [sb = '', nb = ''] = b.split(' ');
  const oa = ORDER.indexOf(sa);
  const ob = ORDER.indexOf(sb);
  if (oa !== ob) return oa - ob;
  const va = Number(na.replace(/^\D+=/, ''));
  const vb = Number(nb.replace(/^\D+=/, ''));
  return Number.isFinite(va) && Number.isFinite(vb) && va !== vb ? va - vb : a.localeCompare(b);
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** The results as markdown: a summary table, then per result its parameters, targets and figures. */
export function renderMarkdown(file: ResultsFile): string {
  const results = Object.values(file.results);
  const lines: string[] = [
    '# Benchmark results',
    '',
    `Generated ${file.generatedAt} by \`npm run bench\` (see docs/benchmarks.md for what each scenario measures and how).`,
    '',
  ];
  const machines = [...new Set(results.map((r) => `${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, Node ${r.machine.node}`))];
  lines.push(`Machine: ${machines.join('; ')}.`, '');
  lines.push(
    '| Result | Status | Targets met | Wall s | Load avg at start | Commit |',
    '|---|---|---|---|---|---|',
  );
  for (const r of results) {
    const judged = r.targets.filter((t) => t.met !== null);
    const met = judged.filter((t) => t.met).length;
    lines.push(
      `| ${r.key} | ${r.status} | ${judged.length ? `${met}/${judged.length}` : '—'} | ${r.wallSeconds} | ` +
        `${r.machine.loadAvgAtStart} | ${r.machine.git ? `${r.machine.git.commit}${r.machine.git.dirty ? ' (+ uncommitted)' : ''}` : '?'} |`,
    );
  }
  for (const r of results) {
    lines.push('', `## ${r.key}`, '');
    if (r.message) lines.push(`> ${r.message.replace(/\n/g, '\n> ')}`, '');
    lines.push(`Measured ${r.startedAt}. Parameters: ${Object.entries(r.params).map(([k, v]) => `\`${k}=${String(v)}\``).join(', ')}.`, '');
    if (r.targets.length > 0) {
      lines.push('| Target | Goal | Measured | Met |', '|---|---|---|---|');
      for (const t of r.targets) {
        lines.push(`| ${t.name} | ${t.target} | ${t.measured === null ? 'n/a' : String(t.measured)} | ${t.met === null ? '—' : t.met ? 'yes' : '**no**'} |`);
      }
      lines.push('');
    }
    const flat = flatten(r.metrics);
    if (flat.length > 0) {
      lines.push('| Figure | Value |', '|---|---|');
      for (const [k, v] of flat) lines.push(`| ${k} | ${v} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `{a: {b: 1}}` → `[['a.b', '1']]`; arrays of scalars are joined. */
function flatten(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return prefix ? [[prefix, 'n/a']] : [];
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) return [[prefix, value.map(scalar).join(', ')]];
    return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  }
  if (typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, scalar(value)]];
}

function scalar(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
