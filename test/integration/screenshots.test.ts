/**
 * `npm run screenshots` as a test: its own dev server with the Web UI, emulator, worker and headless Chromium
 * (`apt-get install chromium`, or CHROMIUM_PATH), run once for both tests. Every page must be the workflow's own,
 * on its User Metadata tab, saved as a PNG, and show what operators look for in its Current Details: the
 * migration's "as of" time, why the queued migration waits, the limiter's holders and waiters, the batch's items.
 */
import fs from 'node:fs';
import path from 'node:path';

import { EXPECTED_UI_TEXTS, SHOT_NAMES, takeScreenshots, type Shot } from '../../scripts/lib/screenshots';
import { testEnv } from '../helpers/env';

jest.setTimeout(240_000);

let shots: Shot[];
let outDir: string;
beforeAll(async () => {
  outDir = path.join(testEnv('tmpDir'), 'screenshots');
  shots = await takeScreenshots({ workflowBundlePath: testEnv('workflowBundle'), outDir, textTimeoutMs: 20_000 });
}, 240_000);

test('each workflow page is photographed on its User Metadata tab, with its Summary and Current Details', () => {
  expect(shots.map((s) => s.name)).toEqual([...SHOT_NAMES]);
  for (const shot of shots) {
    expect(shot.text).toContain(shot.workflowId);
    expect(shot.text).toContain('Summary');
    expect(shot.text).toContain('Current Details');
    expect(path.dirname(shot.file)).toBe(outDir);
    expect(fs.readFileSync(shot.file).subarray(1, 4).toString()).toBe('PNG');
    expect(fs.statSync(shot.file).size).toBeGreaterThan(10_000);
  }
  // The bucket is only in the Summary and Details markdown, which the UI renders in frames: they were read too.
  const migration = shots.find((s) => s.name === 'migration')!;
  expect(migration.text).toContain('photo-src');
});

test('Current Details show the migration\'s "as of" time, the queue, the limiter\'s holders and waiters, the batch items', () => {
  const shown = shots.flatMap((s) =>
    EXPECTED_UI_TEXTS[s.name].map((text) => ({ page: s.name, text, shown: s.text.includes(text) })),
  );
  expect(shown).toEqual(shown.map((s) => ({ ...s, shown: true })));
});
