/**
 * `npm run register-search-attributes`: registers the project's custom search attributes on the server at
 * TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (production clusters; the dev commands do this themselves).
 */
import { Connection } from '@temporalio/client';

import { registerSearchAttributes } from './lib/search-attributes';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const connection = await Connection.connect({ address });
  try {
    const added = await registerSearchAttributes(connection, namespace);
    process.stdout.write(added.length ? `Registered: ${added.join(', ')}\n` : 'All search attributes already exist.\n');
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
