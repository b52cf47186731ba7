/**
 * A local PostgreSQL for the Temporal cluster (cluster.ts): the installed server binaries (`initdb`, `postgres`),
 * a fresh or reused data directory, a free loopback port, password authentication, and no Unix socket. PostgreSQL
 * refuses to run as root, so when this process is root the server runs as an unprivileged user (`postgres`, the
 * account the Debian/Ubuntu package creates; `OMS_POSTGRES_OS_USER` picks another) which then owns the data
 * directory. Also `pg_dump` and `psql` helpers for tests that look at what the server stored.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { findOnPath } from './go-build';
import { freePort, startOnFreePorts } from './net';

const execFileAsync = promisify(execFile);

/** The database role the Temporal server (and the helpers here) connect as. */
export const POSTGRES_ROLE = 'temporal';
/** File in the data directory holding the role's generated password (PostgreSQL ignores unknown files there). */
const CREDENTIALS_FILE = 'oms-orchestrator.json';

export interface PostgresInstall {
  /** Directory of `postgres`, `initdb`, `pg_isready`, `pg_dump` and `psql` (one major version). */
  binDir: string;
  version: string;
}

/** How to reach the database: what the Temporal server's config, `pg_dump` and `psql` need. */
export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  binDir: string;
}

export interface PostgresOptions {
  /**
   * Data directory. Reused when it holds a database (the credentials file written at creation must be there),
   * created (initdb) when missing or empty. Default: a fresh temporary directory, removed by `stop()`.
   */
  dataDir?: string;
  /** Port on 127.0.0.1; a free one when omitted (and a new one on a bind race). */
  port?: number;
  /** Where the server's log goes; default `<dataDir>.log`, or inside a temporary data directory. */
  logFile?: string;
  /** How long to wait for the server to accept connections; default 60 s. */
  startTimeoutMs?: number;
}

export interface RunningPostgres extends PostgresConnection {
  dataDir: string;
  logFile: string;
  /** Whether this start created the database (initdb), so the schema still has to be set up. */
  created: boolean;
  process: ChildProcess;
  /** Fast shutdown (SIGINT: rolls back open transactions, checkpoints), SIGKILL after 30 s; removes a temp dir. */
  stop(): Promise<void>;
}

/** Finds the PostgreSQL server binaries or fails saying how to install them. */
export function findPostgres(): PostgresInstall {
  const candidates: string[] = [];
  if (process.env.OMS_POSTGRES_BIN_DIR) candidates.push(path.resolve(process.env.OMS_POSTGRES_BIN_DIR));
  const initdb = findOnPath('initdb');
  if (initdb) candidates.push(path.dirname(fs.realpathSync(initdb)));
  // Debian/Ubuntu keep the server binaries off PATH, one directory per major version: newest first.
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const majors = fs
      .readdirSync(debian)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((d) => path.join(debian, d, 'bin')));
  }
  for (const binDir of candidates) {
    const postgres = path.join(binDir, 'postgres');
    if (!fs.existsSync(path.join(binDir, 'initdb')) || !fs.existsSync(postgres)) continue;
    try {
      const out = execFileSync(postgres, ['--version'], { encoding: 'utf8', timeout: 30_000 });
      const version = /\(PostgreSQL\)\s+(\S+)/.exec(out)?.[1];
      if (version) return { binDir, version };
    } catch {
      // not runnable; try the next candidate
    }
  }
  throw new Error(
    [
      'PostgreSQL is not installed (no `initdb`/`postgres` on PATH, under /usr/lib/postgresql/*/bin or in',
      'OMS_POSTGRES_BIN_DIR). Install it, e.g. `apt-get install postgresql` (Debian/Ubuntu), then run again.',
      'Only the server binaries are used: the project starts its own instance on a free loopback port.',
    ].join('\n'),
  );
}

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** The unprivileged account to run PostgreSQL as when we are root; undefined when we are not root. */
function serverOsUser(): OsUser | undefined {
  if (typeof process.geteuid !== 'function' || process.geteuid() !== 0) return undefined;
  const name = process.env.OMS_POSTGRES_OS_USER ?? 'postgres';
  try {
    const entry = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    const [, , uid, gid] = entry.split(':');
    if (Number(uid) === 0) throw new Error(`${name} is root`);
    return { name, uid: Number(uid), gid: Number(gid) };
  } catch {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no unprivileged user \`${name}\` to run it as. ` +
        '`apt-get install postgresql` creates the `postgres` user; or set OMS_POSTGRES_OS_USER to another account.',
    );
  }
}

function asUser(user: OsUser | undefined): { uid?: number; gid?: number } {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

/** Creates `dir` owned by `user`, mode 0700, and checks that `user` can actually reach it. */
function prepareDataDir(dir: string, user: OsUser | undefined): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  if (!user) return;
  fs.chownSync(dir, user.uid, user.gid);
  try {
    execFileSync('/bin/sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', dir], { ...asUser(user), stdio: 'ignore' });
  } catch {
    throw new Error(
      `PostgreSQL runs as the user \`${user.name}\`, which cannot reach ${dir} (a parent directory is not ` +
        'searchable by it, e.g. /root). Choose a data directory elsewhere (e.g. under /var/tmp or /srv) or run as a ' +
        'non-root user.',
    );
  }
}

function readCredentials(dataDir: string): { user: string; password: string } {
  const file = path.join(dataDir, CREDENTIALS_FILE);
  if (!fs.existsSync(file)) {
    throw new Error(`${dataDir} holds a database this project did not create (no ${CREDENTIALS_FILE}); use another`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as { user: string; password: string };
}

/** initdb: UTF-8, C locale, one role `temporal` with a generated password, SCRAM authentication everywhere. */
async function initDataDir(install: PostgresInstall, dataDir: string, user: OsUser | undefined): Promise<void> {
  const password = randomBytes(18).toString('base64url');
  // The password goes through a private file the server's user can read (initdb wants a file, not a socket).
  const pwDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-initdb-'));
  const pwFile = path.join(pwDir, 'password');
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (user) {
    fs.chownSync(pwDir, user.uid, user.gid);
    fs.chownSync(pwFile, user.uid, user.gid);
  }
  const args = ['-D', dataDir, '-U', POSTGRES_ROLE, '-A', 'scram-sha-256', `--pwfile=${pwFile}`];
  args.push('-E', 'UTF8', '--locale=C');
  try {
    await execFileAsync(path.join(install.binDir, 'initdb'), args, {
      ...asUser(user),
      cwd: dataDir,
      env: { ...process.env, LC_ALL: 'C' },
      timeout: 120_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`initdb failed: ${e.message}\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-2_000)}`);
  } finally {
    fs.rmSync(pwDir, { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(dataDir, CREDENTIALS_FILE), JSON.stringify({ user: POSTGRES_ROLE, password }), {
    mode: 0o600,
  });
  if (user) fs.chownSync(path.join(dataDir, CREDENTIALS_FILE), user.uid, user.gid);
}

/** Resolves once `pg_isready` says the server accepts connections; fails early (with the log) if it exits. */
async function waitUntilReady(
  conn: PostgresConnection,
  child: ChildProcess,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`PostgreSQL ${exited} before it was ready\n${logTail(logFile)}`);
    try {
      await execFileAsync(
        path.join(conn.binDir, 'pg_isready'),
        ['-h', conn.host, '-p', String(conn.port), '-U', conn.user, '-d', 'postgres', '-t', '2'],
        { timeout: 10_000 },
      );
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`PostgreSQL on ${conn.host}:${conn.port} not ready after ${timeoutMs} ms\n${logTail(logFile)}`);
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, chars = 3_000): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  return `Log (${file}):\n${text.slice(-chars)}`;
}

/**
 * Starts PostgreSQL and resolves once it accepts connections. `synchronous_commit=off`: a commit returns before
 * its WAL reaches the disk (the WAL writer flushes within a fraction of a second), the trade the project's SQLite
 * dev server makes too (WAL mode, normal sync): a killed or restarted server process loses nothing; only an
 * operating-system crash or power loss can lose the last commits, never consistency (fsync stays on).
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
  return startOnFreePorts(options.port === undefined ? 3 : 1, () => startOnce(options), (err) =>
    /could not bind|address already in use/i.test(String(err)),
  );
}

async function startOnce(options: PostgresOptions): Promise<RunningPostgres> {
  const install = findPostgres();
  const user = serverOsUser();
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir
    ? path.resolve(options.dataDir)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'oms-postgres-'));
  try {
    prepareDataDir(dataDir, user);
    const created = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
    if (created) {
      if (fs.readdirSync(dataDir).length > 0) throw new Error(`${dataDir} is neither empty nor a PostgreSQL data dir`);
      await initDataDir(install, dataDir, user);
    }
    const { password } = readCredentials(dataDir);
    const port = options.port ?? (await freePort());
    const conn: PostgresConnection = { host: '127.0.0.1', port, user: POSTGRES_ROLE, password, binDir: install.binDir };
    // A temporary data directory takes its log with it; a kept one keeps the log beside it.
    const logFile = options.logFile ?? (temporary ? path.join(dataDir, 'server.log') : `${dataDir}.log`);
    const out = fs.openSync(logFile, 'a');
    const child = spawn(
      path.join(install.binDir, 'postgres'),
      [
        ['-D', dataDir],
        ['-p', String(port)],
        ['-c', 'listen_addresses=127.0.0.1'],
        ['-c', 'unix_socket_directories='],
        ['-c', 'synchronous_commit=off'],
        ['-c', 'max_connections=200'],
      ].flat(),
      { ...asUser(user), cwd: dataDir, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killTimer);
      }
      if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      await waitUntilReady(conn, child, logFile, options.startTimeoutMs ?? 60_000);
    } catch (err) {
      await stop();
      throw err;
    }
    return { ...conn, dataDir, logFile, created, process: child, stop };
  } catch (err) {
    if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

export interface DumpOptions {
  /** Database; default `temporal` (the history store; `temporal_visibility` holds visibility). */
  database?: string;
  /** Only these tables (e.g. `history_node`, `executions`); default every table. */
  tables?: string[];
  /** Only the rows, no DDL (default true). */
  dataOnly?: boolean;
}

/** `pg_dump` of (some tables of) a database as plain SQL text. */
export async function pgDump(conn: PostgresConnection, options: DumpOptions = {}): Promise<string> {
  const args = ['-h', conn.host, '-p', String(conn.port), '-U', conn.user, '-d', options.database ?? 'temporal'];
  args.push('--no-owner', '--no-privileges');
  if (options.dataOnly !== false) args.push('--data-only');
  for (const table of options.tables ?? []) args.push('-t', table);
  const { stdout } = await execFileAsync(path.join(conn.binDir, 'pg_dump'), args, {
    env: { ...process.env, PGPASSWORD: conn.password },
    maxBuffer: 1024 * 1024 * 1024,
  });
  return stdout;
}

/** Runs one SQL statement with `psql` and returns its rows (unaligned, `|`-separated columns). */
export async function psql(conn: PostgresConnection, sql: string, database = 'temporal'): Promise<string[][]> {
  const args = ['-h', conn.host, '-p', String(conn.port), '-U', conn.user, '-d', database];
  args.push('-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql);
  const { stdout } = await execFileAsync(path.join(conn.binDir, 'psql'), args, {
    env: { ...process.env, PGPASSWORD: conn.password },
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('|'));
}
