/**
 * Command line: `tsx emulator/cli.ts --port <p> [--host 127.0.0.1] [--config <file.json>] [--data <dir>]
 * [--time-scale <n>]`. Prints one line with the URL when ready; SIGINT/SIGTERM stop it cleanly (state flushed).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

import type { EmulatorConfigOverrides } from './config';
import { startEmulator } from './index';

const USAGE =
  'usage: tsx emulator/cli.ts [--port <p>] [--host 127.0.0.1] [--config <file.json>] [--data <dir>] [--time-scale <n>]';

function fail(message: string): never {
  console.error(`oms-emulator: ${message}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { port?: string; host?: string; config?: string; data?: string; 'time-scale'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
        data: { type: 'string' },
        'time-scale': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail('--port must be an integer in 0..65535');
  const scaleArg = values['time-scale'];
  // A blank value is not 0 (which Number('') would make it); 0 itself is the manual clock.
  const timeScale = scaleArg === undefined ? undefined : scaleArg.trim() === '' ? Number.NaN : Number(scaleArg);
  if (timeScale !== undefined && !(Number.isFinite(timeScale) && timeScale >= 0)) {
    fail('--time-scale must be a number >= 0 (0 = manual clock: time moves only by PUT /__admin/clock advanceMs)');
  }
  let config: EmulatorConfigOverrides | undefined;
  if (values.config !== undefined) {
    try {
      config = JSON.parse(fs.readFileSync(values.config, 'utf8')) as EmulatorConfigOverrides;
    } catch (err) {
      fail(`cannot read --config ${values.config}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const emulator = await startEmulator({
    port,
    host: values.host ?? '127.0.0.1',
    config,
    dataDir: values.data,
    timeScale,
  });
  console.log(`OMS emulator listening on ${emulator.url}`);
  const shutdown = (signal: string): void => {
    emulator.stop().then(
      () => {
        console.error(`oms-emulator: stopped (${signal})`);
        process.exit(0);
      },
      (err: unknown) => {
        console.error('oms-emulator: error while stopping', err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('oms-emulator: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
