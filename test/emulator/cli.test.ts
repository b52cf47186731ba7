/**
 * The command line as a user runs it: a separate process that prints its URL when ready, serves requests, and
 * on SIGTERM stops cleanly, writing its state to the data directory.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { getToken, request, seedTaskBody, createTask } from './helpers';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

function runCli(args: string[]) {
  const child = spawn(TSX, [path.join(ROOT, 'emulator', 'cli.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const m = /OMS emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (m) resolve(m[1]!);
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

test('prints one ready line, serves the API, and flushes its state on SIGTERM', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-emulator-cli-'));
  const configFile = path.join(dataDir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ simulation: { schedulingDelayMs: 0 } }));
  try {
    const cli = runCli([
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data',
      dataDir,
      '--time-scale',
      '50',
      '--config',
      configFile,
    ]);
    const url = await cli.ready;
    expect(cli.output().stdout.trim().split('\n')).toHaveLength(1);
    const emulator = { url } as Parameters<typeof getToken>[0];
    const token = await getToken(emulator);
    const id = await createTask(emulator, token, seedTaskBody());
    expect((await request(`${url}/__admin/health`)).json()).toEqual({ ok: true });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8')) as {
      simulator: { tasks: { id: number }[] };
    };
    expect(state.simulator.tasks.map((t) => t.id)).toEqual([id]);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('invalid arguments exit with status 2 and a usage line', async () => {
  const cli = runCli(['--port', 'abc']);
  cli.ready.catch(() => undefined);
  expect(await cli.exited).toBe(2);
  expect(cli.output().stderr).toMatch(/usage: tsx emulator\/cli\.ts/);
});
