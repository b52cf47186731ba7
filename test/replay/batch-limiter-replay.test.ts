/**
 * Determinism of the batch and the region limiter: their committed histories (recorded by `npm run
 * capture-histories -- --only batch,limiter`) replay against the current workflow code. The limiter is long-lived
 * (it carries its state across continue-as-new for as long as slots are held), so a change to its command sequence
 * must be guarded with `patched()` like the migration's; this fails until it is.
 */
import fs from 'node:fs';
import path from 'node:path';

import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';

import { recordedWorkflowId } from './recordings';

jest.setTimeout(120_000);

const DIR = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(DIR)
  .filter((f) => /^(batch|limiter)-.*\.json$/.test(f))
  .sort();

interface RawEvent {
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  workflowExecutionSignaledEventAttributes?: { signalName?: string };
  workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string }; continuedExecutionRunId?: string };
}

function rawEvents(file: string): RawEvent[] {
  return (JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as { events: RawEvent[] }).events;
}

const count = (events: RawEvent[], type: string): number =>
  events.filter((e) => e.eventType === `EVENT_TYPE_${type}`).length;

let workflowBundle: { code: string };
beforeAll(async () => {
  workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
});

test('histories of both runs of a continued batch and of the limiter are present', () => {
  expect(files).toEqual(['batch-continued-run.json', 'batch-first-run.json', 'limiter-grants.json']);
});

test('the batch recordings cover both sides of a continue-as-new, with an item adopted across it', () => {
  const first = rawEvents('batch-first-run.json');
  expect(first[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('batchMigrationWorkflow');
  expect(count(first, 'START_CHILD_WORKFLOW_EXECUTION_INITIATED')).toBe(2);
  expect(first.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');

  const next = rawEvents('batch-continued-run.json');
  expect(next[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
  const activities = next.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(activities).toContain('awaitMigrationOutcome');
  expect(count(next, 'START_CHILD_WORKFLOW_EXECUTION_INITIATED')).toBe(1);
  expect(next.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
});

test('the limiter recording grants, takes releases and completes once it remembers nothing', () => {
  const events = rawEvents('limiter-grants.json');
  expect(events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('regionLimiterWorkflow');
  const signals = events.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean);
  expect(signals.filter((s) => s === 'acquireSlot')).toHaveLength(3);
  expect(signals.filter((s) => s === 'releaseSlot')).toHaveLength(3);
  expect(count(events, 'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED')).toBe(3); // one grant per migration
  expect(count(events, 'TIMER_FIRED')).toBeGreaterThan(0); // the creation window moving on
  expect(events.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
});

test.each(files)('%s replays against the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as unknown);
  await expect(Worker.runReplayHistory({ workflowBundle }, history, recordedWorkflowId(file))).resolves.toBeUndefined();
});
