/** Stops the run's dev server or cluster (if this run started one) and removes the run's temporary directory. */
import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__OMS_DEV_SERVER__?.stop();
  await globalThis.__OMS_CLUSTER__?.stop();
  if (globalThis.__OMS_TEST_TMP__) fs.rmSync(globalThis.__OMS_TEST_TMP__, { recursive: true, force: true });
}
