/**
 * The repository is self-contained: a clone alone explains everything it cites. No file points outside it (the
 * `shared` folder next to a checkout, absolute paths into one machine), every `*.md` document a file names exists in
 * the repository, and every relative markdown link resolves to a file, and to a heading when it has an anchor.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');

/** One reason a file is not self-contained, as `file:line: message`. */
type Problem = string;

/** Paths that lead out of the repository (built from parts so that this file does not match itself). */
const OUTSIDE = [['..', 'shared', ''].join('/'), ['', 'work', 'shared', ''].join('/')];

/** Files in the repository: tracked, plus new files git does not ignore. */
function repositoryFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  return [...new Set(out.split('\0').filter(Boolean))].filter((f) => fs.existsSync(path.join(root, f)));
}

function isText(buffer: Buffer): boolean {
  return !buffer.subarray(0, 8000).includes(0);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, duplicates numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** The relative link targets of a markdown text (inline and reference style), outside code, with line numbers. */
function markdownLinks(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((raw, i) => {
    if (/^\s*(```|~~~)/.test(raw)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const line = raw.replace(/`[^`]*`/g, '');
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...line.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/g)].map((m) => m[1]!),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ line: i + 1, target });
    }
  });
  return links;
}

/** Every problem in the repository at `root`. */
function problems(root: string, files = repositoryFiles(root)): Problem[] {
  const found: Problem[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (file: string): Set<string> => {
    let set = anchorCache.get(file);
    if (!set) anchorCache.set(file, (set = anchors(fs.readFileSync(file, 'utf8'))));
    return set;
  };
  const basenames = new Set(files.map((f) => path.basename(f)));
  for (const file of files) {
    const absolute = path.join(root, file);
    if (path.resolve(absolute) === path.resolve(__filename)) continue;
    const buffer = fs.readFileSync(absolute);
    if (!isText(buffer)) continue;
    const text = buffer.toString('utf8');
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      for (const outside of OUTSIDE) {
        if (line.includes(outside)) found.push(`${file}:${i + 1}: points outside the repository (${outside})`);
      }
      // A document named by path or bare name must be a file of the repository (URLs are someone else's).
      // In markdown, link targets are checked as links below.
      const prose = file.endsWith('.md') ? line.replace(/\]\([^)]*\)/g, ']') : line;
      for (const m of prose
        .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '')
        .matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w-]+\.md)\b/g)) {
        const name = m[1]!;
        // A bare name ("latest.md") may mean any file of that name; a path must resolve from the root or the file.
        const exists = name.includes('/')
          ? [path.join(root, name), path.join(path.dirname(absolute), name)].some((c) => fs.existsSync(c))
          : basenames.has(name);
        if (!exists) {
          found.push(`${file}:${i + 1}: names ${name}, which is not a file of the repository`);
        }
      }
    });
    if (!file.endsWith('.md')) continue;
    for (const { line, target } of markdownLinks(text)) {
      const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
      const linked = rawPath === '' ? absolute : path.resolve(path.dirname(absolute), decodeURI(rawPath));
      if (!linked.startsWith(path.resolve(root) + path.sep) && linked !== path.resolve(root)) {
        found.push(`${file}:${line}: links outside the repository (${target})`);
      } else if (!fs.existsSync(linked)) {
        found.push(`${file}:${line}: links to ${target}, which does not exist`);
      } else if (anchor && linked.endsWith('.md') && !anchorsOf(linked).has(anchor.toLowerCase())) {
        found.push(`${file}:${line}: links to ${target}, which has no heading #${anchor}`);
      }
    }
  }
  return found;
}

test('no file points outside the repository, names a missing document, or has a broken markdown link', () => {
  expect(problems(ROOT)).toEqual([]);
});

describe('the checker', () => {
  function fixture(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'self-contained-'));
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), content);
    }
    execFileSync('git', ['init', '-q'], { cwd: dir });
    return dir;
  }

  test('reports paths out of the repository, missing documents, missing files and missing headings', () => {
    const shared = OUTSIDE[0]!;
    const dir = fixture({
      'README.md': [
        '# Title',
        `See ${shared}STYLE.md and the [notes](docs/notes.md#a-heading).`,
        '[gone](docs/gone.md) [bad anchor](docs/notes.md#nope) [up](../elsewhere.md)',
        '```',
        '[in a code block](#nowhere)',
        '```',
        '[web](https://example.com/x.md) [self](#title) `[code span](#nowhere)`',
      ].join('\n'),
      'docs/notes.md': '# Notes\n\n## A heading\n\nBack to [the README](../README.md#title).\n',
      'src/a.ts': '// rules: STYLE.md §2; details: docs/notes.md §1\n',
    });
    expect(problems(dir)).toEqual([
      `README.md:2: points outside the repository (${shared})`,
      `README.md:2: names ${shared}STYLE.md, which is not a file of the repository`,
      'README.md:3: links to docs/gone.md, which does not exist',
      'README.md:3: links to docs/notes.md#nope, which has no heading #nope',
      'README.md:3: links outside the repository (../elsewhere.md)',
      'src/a.ts:1: names STYLE.md, which is not a file of the repository',
    ]);
  });

  test('accepts a repository whose references all resolve', () => {
    const dir = fixture({
      'README.md': '# Title\n\nSee [the notes](docs/notes.md#a-heading) and docs/notes.md.\n',
      'docs/notes.md': '# Notes\n\n## A heading\n\nSee [oms](oms.md) and oms.md §1.\n',
      'docs/oms.md': '# OMS\n',
    });
    expect(problems(dir)).toEqual([]);
  });
});
