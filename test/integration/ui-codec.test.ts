/**
 * The Temporal Web UI shows encrypted payloads decoded through the codec server: `npm run ui:codec-check` as a test
 * (its own dev server with the UI, codec server, emulator, worker and headless Chromium). Needs Chromium
 * (`apt-get install chromium`, or CHROMIUM_PATH).
 */
import fs from 'node:fs';
import path from 'node:path';

import { runUiCodecCheck } from '../../scripts/lib/ui-codec-check';
import { testEnv } from '../helpers/env';

jest.setTimeout(180_000);

test('the Web UI shows the bucket names and description of an encrypted migration, decoded by the codec server', async () => {
  const screenshot = path.join(testEnv('tmpDir'), 'ui-codec.png');
  const result = await runUiCodecCheck({ workflowBundlePath: testEnv('workflowBundle'), screenshot });
  expect(result.found).toEqual(['a-test-1', 'api-test-outline', expect.stringMatching(/^ui codec check /)]);
  expect(result.uiDecodeRequests).toBeGreaterThan(0);
  expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);
});
