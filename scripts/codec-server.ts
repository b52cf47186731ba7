/**
 * `npm run codec-server [-- --port N --host H]`: the codec server for the Temporal Web UI and the `temporal` CLI,
 * decrypting (and encrypting) payloads with the keys of `OMS_CODEC_KEYS` / `OMS_CODEC_KEYS_FILE`. Needs
 * `OMS_CODEC_SERVER_TOKEN`; see docs/production.md "Encrypted payloads and the codec server". Runs until Ctrl-C. One JSON line
 * per request on stderr (operation, status, payload count, namespace, origin; never payloads or the token).
 */
import { parseArgs } from 'node:util';

import { describeCodec } from '../client/codec';
import { isLoopbackHost, loadCodecServerConfig, startCodecServer } from '../client/codec/server';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
  const config = loadCodecServerConfig({
    ...process.env,
    ...(values.port !== undefined ? { OMS_CODEC_SERVER_PORT: values.port } : {}),
    ...(values.host !== undefined ? { OMS_CODEC_SERVER_HOST: values.host } : {}),
  });
  const codec = describeCodec(process.env);
  const server = await startCodecServer({
    ...config,
    env: process.env,
    log: (entry) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`),
  });
  if (!isLoopbackHost(config.host)) {
    process.stderr.write(
      `Warning: listening on ${config.host}, not loopback. This server speaks plain HTTP: put it behind a TLS ` +
        'proxy, or decrypted payloads and the token travel in clear.\n',
    );
  }
  process.stdout.write(
    `Codec server: ${server.url} (keys ${codec.keyIds.join(', ')}; new payloads use ${codec.activeKeyId})\n` +
      `Allowed browser origins: ${config.allowedOrigins.join(', ')}\n` +
      `Web UI codec endpoint: ${server.url}/$OMS_CODEC_SERVER_TOKEN ` +
      `(e.g. OMS_CODEC_ENDPOINT=${server.url}/$OMS_CODEC_SERVER_TOKEN npm run temporal)\n` +
      `temporal CLI: --codec-endpoint ${server.url} --codec-auth "Bearer $OMS_CODEC_SERVER_TOKEN"\n` +
      'Press Ctrl-C to stop.\n',
  );
  const shutdown = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
