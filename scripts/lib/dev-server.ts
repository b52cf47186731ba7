/**
 * Starts and stops a Temporal CLI dev server (`temporal server start-dev`) as a child process: loopback only,
 * SQLite persistence when a database file is given, Web UI unless headless, and the project's custom search
 * attributes registered. Used by `npm run temporal`, the demo, the test setup and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';

import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { ensureTemporalCli } from './temporal-cli';
import { freePort, startOnFreePorts } from './net';

export interface DevServerOptions {
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; a free one when omitted. Ignored when `headless`. */
  uiPort?: number;
  headless?: boolean;
  /**
   * Remote codec endpoint the Web UI decodes payloads with (`--ui-codec-endpoint`), e.g. `npm run codec-server`'s
   * `http://127.0.0.1:8888/<token>`. Ignored when `headless`.
   */
  uiCodecEndpoint?: string;
  /** SQLite database file. Without it the server keeps state in memory and loses it on exit. */
  dbFile?: string;
  /**
   * `--sqlite-pragma` values for a file database; default {@link DEFAULT_SQLITE_PRAGMAS}. `{}` keeps SQLite's own
   * defaults (rollback journal, a full sync on every commit).
   */
  sqlitePragmas?: Record<string, string>;
  namespace?: string;
  /** Extra `--dynamic-config-value KEY=JSON` pairs, e.g. to lower the continue-as-new suggestion. */
  dynamicConfig?: Record<string, unknown>;
  /** Where the server's own log goes; default: a file next to the database, or discarded. */
  logFile?: string;
  /** How long to wait for the server to answer; default 60 s (SQLite start-up on a busy 2-core box is slow). */
  startTimeoutMs?: number;
}

/**
 * Write-ahead log with normal sync: the server writes through one SQLite connection, so every commit's fsyncs
 * serialise the whole server; in WAL mode a commit appends to the log and syncs at checkpoints. A killed or
 * restarted server loses nothing (the log is in the file system); only an operating-system crash or power loss can
 * lose the last commits. That trade suits the development server; production runs a Temporal cluster.
 */
export const DEFAULT_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

export interface DevServer {
  /** `127.0.0.1:<port>` for clients and workers. */
  address: string;
  namespace: string;
  /** Web UI address, when enabled. */
  uiUrl?: string;
  dbFile?: string;
  process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. */
  stop(): Promise<void>;
}

/** `--search-attribute Name=Type` flags for the project's custom search attributes. */
export function searchAttributeFlags(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
}

/** Waits until the frontend answers GetSystemInfo, failing early if the process exits. */
async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`Temporal dev server ${exited} before it was ready`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server on ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

/**
 * Starts a dev server and resolves once it serves requests. Ports chosen here are picked free and bound a moment
 * later, so another process can take one in between: then the start is retried with new ports (bounded).
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  return startOnFreePorts(options.port === undefined ? 3 : 1, () => startOnce(options));
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  const cli = await ensureTemporalCli();
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace];
  args.push('--http-port', String(await freePort()), '--log-format', 'json', '--log-level', 'warn');
  let uiUrl: string | undefined;
  if (options.headless) {
    args.push('--headless');
  } else {
    const uiPort = options.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
    uiUrl = `http://127.0.0.1:${uiPort}`;
  }
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
    for (const [key, value] of Object.entries(options.sqlitePragmas ?? DEFAULT_SQLITE_PRAGMAS)) {
      args.push('--sqlite-pragma', `${key}=${value}`);
    }
  }
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  args.push(...searchAttributeFlags());

  const logFile = options.logFile ?? (options.dbFile ? `${options.dbFile}.log` : path.join(os.tmpdir(), `temporal-dev-${port}.log`));
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cli.path, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const address = `127.0.0.1:${port}`;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exitPromise;
    clearTimeout(killTimer);
  };

  try {
    await waitUntilServing(address, child, options.startTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2_000) : '';
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nServer log (${logFile}):\n${tail}`);
  }
  return { address, namespace, uiUrl, dbFile: options.dbFile, process: child, stop };
}
