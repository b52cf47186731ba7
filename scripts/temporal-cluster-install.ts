/**
 * `npm run temporal:cluster:install`: builds (once) the pinned Temporal server, SQL tool and Web UI server into the
 * per-user cache, and checks that PostgreSQL is installed. Useful in CI before `npm run test:cluster`.
 */
import { findPostgres } from './lib/postgres';
import { ensureTemporalServer } from './lib/temporal-server';

async function main(): Promise<void> {
  const started = Date.now();
  const binaries = await ensureTemporalServer();
  const postgres = findPostgres();
  process.stdout.write(
    `Temporal server: ${binaries.server}\nSQL tool: ${binaries.sqlTool}\nWeb UI server: ${binaries.ui}\n` +
      `PostgreSQL: ${postgres.binDir} (version ${postgres.version})\n` +
      `${binaries.built ? 'Built' : 'Cached'}; ${Math.round((Date.now() - started) / 1000)} s.\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
