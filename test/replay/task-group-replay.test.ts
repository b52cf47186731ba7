/**
 * Determinism of the task-group migration: its committed histories (a failed-object retry round, a pause with a
 * resume and a bandwidth change, a cancellation; recorded on the dev server and the emulator) replay against the
 * current workflow code. A change to the workflow's command sequence fails here until it is guarded with
 * `patched()`.
 */
import fs from 'node:fs';
import path from 'node:path';

import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';

jest.setTimeout(120_000);

const DIR = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(DIR)
  .filter((f) => /^task-group-.*\.json$/.test(f))
  .sort();

interface RawEvent {
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } };
}

function activities(file: string): string[] {
  const { events } = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as { events: RawEvent[] };
  expect(events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('taskGroupMigrationWorkflow');
  return events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? '').filter(Boolean);
}

let workflowBundle: { code: string };
beforeAll(async () => {
  workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
});

test('the recordings cover a retry round, a pause/resume with a bandwidth change and a cancellation', () => {
  expect(files).toEqual(['task-group-cancelled.json', 'task-group-paused-resumed.json', 'task-group-retried.json']);
  expect(activities('task-group-retried.json')).toContain('restartTaskGroup');
  expect(activities('task-group-paused-resumed.json')).toEqual(
    expect.arrayContaining(['stopTaskGroup', 'restartTaskGroup', 'updateTaskGroupBandwidth']),
  );
  expect(activities('task-group-cancelled.json').at(-1)).toBe('stopTaskGroup');
});

test.each(files)('%s replays against the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as unknown);
  await expect(Worker.runReplayHistory({ workflowBundle }, history)).resolves.toBeUndefined();
});
