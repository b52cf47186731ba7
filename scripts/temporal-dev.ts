/**
 * `npm run temporal`: the embedded default Temporal server for development — the CLI dev server with SQLite
 * persistence under .data/temporal/, the Web UI, and the project's search attributes, bound to loopback.
 * Runs until Ctrl-C. Ports: TEMPORAL_PORT (7233) and TEMPORAL_UI_PORT (8233).
 */
import path from 'node:path';

import { startDevServer } from './lib/dev-server';

async function main(): Promise<void> {
  const dataDir = path.resolve(process.env.OMS_DATA_DIR ?? '.data');
  const server = await startDevServer({
    port: Number(process.env.TEMPORAL_PORT ?? 7233),
    uiPort: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
    dbFile: path.join(dataDir, 'temporal', 'dev.sqlite'),
    // The Web UI decodes encrypted payloads through this codec server (docs/production.md "Encrypted payloads and the codec server").
    uiCodecEndpoint: process.env.OMS_CODEC_ENDPOINT?.trim() || undefined,
  });
  process.stdout.write(
    `Temporal dev server: ${server.address} (namespace ${server.namespace})\n` +
      `Web UI: ${server.uiUrl}\nDatabase: ${server.dbFile}\nPress Ctrl-C to stop.\n`,
  );
  let stopping = false;
  const shutdown = (): void => {
    stopping = true;
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  server.process.once('exit', (code, signal) => {
    // Ctrl-C reaches the server too (same process group); only an exit nobody asked for is an error.
    if (stopping || signal === 'SIGINT' || signal === 'SIGTERM') return;
    process.stderr.write(`Temporal dev server exited (${code ?? signal}); see ${server.dbFile}.log\n`);
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
