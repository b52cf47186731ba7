/**
 * Determinism: committed histories of the migration workflow (recorded by `npm run capture-histories`) replay
 * against the current workflow code. A change to the workflow's command sequence fails here until it is guarded
 * with `patched()` or the histories are re-recorded for a deliberate, version-managed change.
 */
import fs from 'node:fs';
import path from 'node:path';

import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';

import { CORE_PROMISES_PATCH, FINAL_STATUS_PATCH } from '../../workflows/migration-patches';
import { LIMITER_PATCH } from '../../workflows/region-limiter';

jest.setTimeout(120_000);

const DIR = path.join(__dirname, 'histories');
const files = fs.readdirSync(DIR).filter((f) => f.startsWith('migration-') && f.endsWith('.json'));

let workflowBundle: { code: string };
beforeAll(async () => {
  workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
});

test('histories of every recorded scenario are present', () => {
  const scenarios = ['cancelled', 'paused-resumed', 'succeeded', 'task-failed'];
  // The first recordings (before any patch), v2 (region limiter, final status with the outcome, deferred polls) and
  // v3 (the core promises: reconciliation, blocked credentials, honest deadline, real state on exit).
  expect(files.sort()).toEqual(
    scenarios.flatMap((s) => [`migration-${s}-v3.json`, `migration-${s}-v2.json`, `migration-${s}.json`]).sort(),
  );
});

/** Ids of the `patched()` markers in a recorded history. */
function patchIds(file: string): string[] {
  const raw = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as {
    events: {
      eventType: string;
      markerRecordedEventAttributes?: {
        markerName?: string;
        details?: Record<string, { payloads?: { data?: string }[] }>;
      };
    }[];
  };
  return raw.events
    .filter((e) => e.eventType === 'EVENT_TYPE_MARKER_RECORDED')
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? '';
      return (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id;
    });
}

test('the v2 and v3 recordings exercise the patched paths; the first ones predate every patch', () => {
  for (const file of files) {
    if (file.endsWith('-v3.json')) {
      // v3 includes the earlier patches without writing their markers again.
      expect(patchIds(file)).toEqual([CORE_PROMISES_PATCH]);
    } else if (file.endsWith('-v2.json')) {
      expect(patchIds(file)).toEqual(expect.arrayContaining([LIMITER_PATCH]));
      if (!file.includes('cancelled')) expect(patchIds(file)).toContain(FINAL_STATUS_PATCH);
    } else {
      expect(patchIds(file)).toEqual([]);
    }
  }
});

test.each(files)('%s replays against the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as unknown);
  expect(history.events?.length).toBeGreaterThan(5);
  await expect(Worker.runReplayHistory({ workflowBundle }, history)).resolves.toBeUndefined();
});
