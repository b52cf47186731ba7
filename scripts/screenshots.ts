/**
 * `npm run screenshots [-- --out docs/img]`: pictures of the Temporal Web UI for the documentation. Starts its own
 * dev server (with the Web UI), emulator and worker, sets up a running migration, a migration waiting for a region
 * slot, the region limiter and a batch, and saves one PNG per workflow page (`ui-migration.png`, `ui-queued.png`,
 * `ui-limiter.png`, `ui-batch.png`) taken with headless Chromium (`apt-get install chromium`, or CHROMIUM_PATH).
 * Stops everything it started.
 */
import { parseArgs } from 'node:util';

import { DefaultLogger, Runtime } from '@temporalio/worker';

import { takeScreenshots } from './lib/screenshots';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const shots = await takeScreenshots({
    outDir: values.out ?? 'docs/img',
    log: (line) => process.stdout.write(`${line}\n`),
  });
  for (const shot of shots) process.stdout.write(`${shot.name}: ${shot.workflowId} → ${shot.file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`Screenshots failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
