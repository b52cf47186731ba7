/** `npm run temporal:install`: make sure a Temporal CLI is available (build the pinned one if needed). */
import { ensureTemporalCli } from './lib/temporal-cli';

ensureTemporalCli()
  .then((cli) => {
    process.stdout.write(`Temporal CLI ${cli.version} (${cli.source}): ${cli.path}\n`);
  })
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
