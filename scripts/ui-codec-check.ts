/**
 * `npm run ui:codec-check [-- --screenshot docs/img/ui-codec.png]`: proves the Temporal Web UI shows encrypted
 * payloads decoded through the codec server. Starts its own dev server (UI with `--ui-codec-endpoint`), codec
 * server, emulator and worker with a throw-away key, runs one encrypted migration without bucket search attributes,
 * opens the workflow page in headless Chromium (`apt-get install chromium`, or CHROMIUM_PATH), checks that the
 * bucket names and the description are shown, and saves a screenshot. Stops everything it started.
 */
import { parseArgs } from 'node:util';

import { DefaultLogger, Runtime } from '@temporalio/worker';

import { runUiCodecCheck } from './lib/ui-codec-check';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { screenshot: { type: 'string' } } });
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const started = Date.now();
  const result = await runUiCodecCheck({
    screenshot: values.screenshot ?? 'docs/img/ui-codec.png',
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `OK: the Web UI showed ${result.found.map((v) => `"${v}"`).join(', ')} decoded ` +
      `(${result.uiDecodeRequests} /decode requests from the UI) in ${Math.round((Date.now() - started) / 1000)} s.\n` +
      `Screenshot: ${result.screenshot}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`UI codec check failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
