/**
 * `npm run build` (after tsc): bundles `workflows/` once into lib/workflow-bundle.js, so the production worker
 * (`node lib/worker/main.js`) loads the bundle instead of running the bundler at every start. Usage:
 * `tsx scripts/build-workflow-bundle.ts [out-file]`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';

/** Default output, next to the compiled worker (`lib/worker/main.js` looks for `lib/workflow-bundle.js`). */
export const DEFAULT_BUNDLE_PATH = path.resolve(__dirname, '..', 'lib', 'workflow-bundle.js');

/** Bundles the workflow code and writes it (atomically) to `outFile`; returns the size in bytes. */
export async function buildWorkflowBundle(outFile: string = DEFAULT_BUNDLE_PATH): Promise<number> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: {
      trace() {},
      debug() {},
      info() {},
      warn: (m: string) => process.stderr.write(`${m}\n`),
      error: (m: string) => process.stderr.write(`${m}\n`),
      log() {},
    },
  });
  await fs.mkdir(path.dirname(outFile), { recursive: true });
  const tmp = `${outFile}.${process.pid}.tmp`;
  await fs.writeFile(tmp, code);
  await fs.rename(tmp, outFile);
  return Buffer.byteLength(code);
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? DEFAULT_BUNDLE_PATH);
  buildWorkflowBundle(out).then(
    (bytes) =>
      process.stdout.write(`Workflow bundle: ${path.relative(process.cwd(), out)} (${Math.round(bytes / 1024)} KiB)\n`),
    (err: unknown) => {
      process.stderr.write(`Could not bundle the workflows: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
