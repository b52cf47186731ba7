/** Test helpers: scrape a Prometheus endpoint and read its text exposition format (version 0.0.4). */

/** One sample: metric name (with `_bucket`/`_sum`/`_count` for histograms), labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed scrape: the samples and the `# TYPE` of each metric family. */
export interface Scrape {
  samples: Sample[];
  types: Record<string, string>;
}

/** Fetches `url` and parses it; throws on a non-200 answer. */
export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return parseExposition(text);
}

/** Parses the text format; throws on a line it cannot read (so a malformed exposition fails the test). */
export function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) types[type[1]!] = type[2]!;
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`unreadable exposition line: ${line}`);
    samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? ''), value: parseValue(m[3]!) });
  }
  return { samples, types };
}

/** The sum of the samples named `name` whose labels include `match` (0 when there is none). */
export function total(s: Scrape, name: string, match: Record<string, string> = {}): number {
  return select(s, name, match).reduce((acc, x) => acc + x.value, 0);
}

/** The samples named `name` whose labels include `match`. */
export function select(s: Scrape, name: string, match: Record<string, string> = {}): Sample[] {
  return s.samples.filter((x) => x.name === name && Object.entries(match).every(([k, v]) => x.labels[k] === v));
}

function parseLabels(body: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/y;
  let at = 0;
  while (at < body.length) {
    re.lastIndex = at;
    const m = re.exec(body);
    if (!m) throw new Error(`unreadable labels: {${body}}`);
    labels[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    at = re.lastIndex;
  }
  return labels;
}

function parseValue(raw: string): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  const n = Number(raw);
  if (raw !== 'NaN' && Number.isNaN(n)) throw new Error(`unreadable sample value: ${raw}`);
  return n;
}
