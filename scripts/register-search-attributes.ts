/**
 * `npm run register-search-attributes`: registers the project's custom search attributes on the server and
 * namespace the Temporal settings name (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS/API key variables or a profile of
 * the Temporal config file; production clusters — the dev commands do this themselves). On Temporal Cloud, custom
 * search attributes are added in the Cloud UI or with tcld instead: the operator API refuses namespace API keys.
 */
import { connectTemporal } from '../client/temporal-connection';
import { loadTemporalSettings } from '../client/temporal-settings';
import { registerSearchAttributes } from './lib/search-attributes';

async function main(): Promise<void> {
  const settings = loadTemporalSettings();
  const connection = await connectTemporal(settings);
  try {
    const added = await registerSearchAttributes(connection, settings.namespace);
    process.stdout.write(added.length ? `Registered: ${added.join(', ')}\n` : 'All search attributes already exist.\n');
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
