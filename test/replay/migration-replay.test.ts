/**
 * Determinism: committed histories of the migration workflow (recorded by `npm run capture-histories`) replay
 * against the current workflow code. A change to the workflow's command sequence fails here until it is guarded
 * with `patched()` or the histories are re-recorded for a deliberate, version-managed change.
 */
import fs from 'node:fs';
import path from 'node:path';

import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';

jest.setTimeout(120_000);

const DIR = path.join(__dirname, 'histories');
const files = fs.readdirSync(DIR).filter((f) => f.startsWith('migration-') && f.endsWith('.json'));

let workflowBundle: { code: string };
beforeAll(async () => {
  workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
});

test('histories of every recorded scenario are present', () => {
  expect(files.sort()).toEqual([
    'migration-cancelled.json',
    'migration-paused-resumed.json',
    'migration-succeeded.json',
    'migration-task-failed.json',
  ]);
});

test.each(files)('%s replays against the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as unknown);
  expect(history.events?.length).toBeGreaterThan(5);
  await expect(Worker.runReplayHistory({ workflowBundle }, history)).resolves.toBeUndefined();
});
