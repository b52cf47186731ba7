/**
 * The lint override for workflows/ makes sandbox purity mechanical: Node built-ins, undici and value imports of
 * activities are errors there, while the same code is fine in activities/.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..', '..');

/** Lints `code` as if it were the file `file`, with the project's real configuration (ESLint in a child process). */
function ruleIds(code: string, file: string): Promise<string[]> {
  const run = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--format',
      'json',
      '--stdin',
      '--stdin-filename',
      file,
    ],
    { cwd: ROOT, input: code, encoding: 'utf8' },
  );
  const results = JSON.parse(run.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return Promise.resolve((results[0]?.messages ?? []).map((m) => m.ruleId ?? m.message));
}

const IMPURE = [
  "import fs from 'node:fs';",
  "import { request } from 'undici';",
  "import { createActivities } from '../activities';",
  'export const x = [fs, request, createActivities, process.env.HOME];',
].join('\n');

test('impure imports and globals are lint errors in workflow code', async () => {
  const ids = await ruleIds(IMPURE, 'workflows/lint-probe.ts');
  expect(ids.filter((id) => id === '@typescript-eslint/no-restricted-imports')).toHaveLength(3);
  expect(ids).toContain('no-restricted-globals');
});

test('a type-only import of activities is allowed in workflow code', async () => {
  const ids = await ruleIds(
    "import type { Activities } from '../activities';\nexport type A = Activities;\n",
    'workflows/lint-probe.ts',
  );
  expect(ids).toEqual([]);
});

test('the same imports are allowed in activity code', async () => {
  const ids = await ruleIds(IMPURE.replace("'../activities'", "'./index'"), 'activities/lint-probe.ts');
  expect(ids.filter((id) => id === '@typescript-eslint/no-restricted-imports')).toEqual([]);
});
