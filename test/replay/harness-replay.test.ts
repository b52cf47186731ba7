/** Replay over a committed JSON history (as exported by `temporal workflow show -o json`). */
import fs from 'node:fs';
import path from 'node:path';

import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

jest.setTimeout(60_000);

const history = historyFromJSON(
  JSON.parse(fs.readFileSync(path.join(__dirname, 'histories', 'round-trip.json'), 'utf8')) as unknown,
);

test('the committed round-trip history replays against the current workflow code', async () => {
  await expect(
    Worker.runReplayHistory({ workflowsPath: require.resolve('../fixtures/workflows') }, history),
  ).resolves.toBeUndefined();
});

test('replay detects an incompatible change to the workflow code', async () => {
  await expect(
    Worker.runReplayHistory({ workflowsPath: require.resolve('../fixtures/workflows-changed') }, history),
  ).rejects.toMatchObject({ name: 'DeterminismViolationError' });
});
