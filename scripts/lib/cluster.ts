/**
 * A local Temporal cluster as production runs it: the real `temporal-server` (frontend, history, matching and
 * worker services in one process) on PostgreSQL — or SQLite, for tests that only need a real server binary (TLS,
 * authorization) — with the Web UI server unless headless, the namespace and the project's search attributes.
 * Everything on loopback ports; binaries from temporal-server.ts, PostgreSQL from postgres.ts. Used by
 * `npm run temporal:cluster`, `npm run test:cluster` and `npm run bench -- --server cluster`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import {
  clusterServices,
  dynamicConfig,
  POSTGRES_DATABASES,
  POSTGRES_PLUGIN,
  serverConfig,
  uiConfig,
  type ClusterAuthorizationOptions,
  type ClusterPersistence,
  type ClusterPorts,
  type ClusterTlsOptions,
  type UiConfigInput,
} from './cluster-config';
import { freePort } from './net';
import { pgDump, psql, startPostgres, type DumpOptions, type PostgresConnection } from './postgres';
import { registerSearchAttributes } from './search-attributes';
import { ensureTemporalServer, type TemporalServerBinaries } from './temporal-server';

const execFileAsync = promisify(execFile);

export type { ClusterAuthorizationOptions, ClusterTlsOptions };

export interface ClusterOptions {
  /** Default `postgres`. `sqlite` keeps everything in memory unless `dataDir` is given. */
  persistence?: 'postgres' | 'sqlite';
  /**
   * Where the cluster keeps its state, reused on the next start: the PostgreSQL data directory
   * (`<dataDir>/postgres`) or SQLite file, the generated configs and the logs. Default: a temporary directory,
   * removed by `stop()`. Running as root, PostgreSQL's user must be able to reach it (not under /root).
   */
  dataDir?: string;
  /** Frontend gRPC port; a free one when omitted (and the other ports are always free ones). */
  port?: number;
  /** Web UI port; a free one when omitted. */
  uiPort?: number;
  /** No Web UI server. */
  headless?: boolean;
  /** Namespace to create (if missing); default `default`. */
  namespace?: string;
  /** Retention of closed workflows in a namespace created here; default 3 days. */
  retentionDays?: number;
  /** TLS of the public frontend (then an internal frontend serves the server's own workers). */
  tls?: ClusterTlsOptions;
  /** JWT authorization on the public frontend (default claim mapper and authorizer). */
  authorization?: ClusterAuthorizationOptions;
  /** The Web UI's codec endpoint and TLS towards the frontend (needed when `tls` is set). */
  ui?: Pick<UiConfigInput, 'codecEndpoint' | 'tls'>;
  /** Dynamic config values on top of the defaults (cluster-config.ts). */
  dynamicConfig?: Record<string, unknown>;
  /** How long to wait for each process to serve; default 120 s (first start on a busy 2-core box). */
  startTimeoutMs?: number;
  /** Progress messages; default: none. */
  log?: (message: string) => void;
}

export interface Cluster {
  /** `127.0.0.1:<port>` of the public frontend, for clients and workers. */
  address: string;
  namespace: string;
  /** Web UI address, unless headless. */
  uiUrl?: string;
  /**
   * Plain, trusted internal frontend (only with TLS or authorization): the tooling's own door. Callers get system
   * rights there, so it is bound to loopback and never meant for workers or clients.
   */
  internalAddress?: string;
  persistence: 'postgres' | 'sqlite';
  /** How to reach the database (PostgreSQL only). */
  postgres?: PostgresConnection;
  /** Config files and logs. */
  dir: string;
  /** The server's log (JSON lines). */
  serverLog: string;
  /** The server process right now (a restart replaces it). */
  readonly serverProcess: ChildProcess;
  /** SIGKILLs the server process (no shutdown at all) and starts it again on the same ports and database. */
  kill9AndRestart(): Promise<void>;
  /** Stops the server gracefully (SIGTERM) and starts it again on the same ports and database. */
  restart(): Promise<void>;
  /** `pg_dump` of tables of the history store (PostgreSQL only). */
  pgDump(options?: DumpOptions): Promise<string>;
  /** One SQL statement's rows (PostgreSQL only). */
  psql(sql: string, database?: string): Promise<string[][]>;
  /** Stops the UI, the server and the database; removes a temporary `dataDir`. */
  stop(): Promise<void>;
}

/** A child process with a log file and a bounded stop. */
class Managed {
  readonly exited: Promise<void>;

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Why it is gone, if it is. */
  get exitReason(): string | undefined {
    if (this.alive) return undefined;
    return `exited with ${this.child.signalCode ?? `code ${this.child.exitCode}`}`;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function spawnLogged(binary: string, args: string[], logFile: string, name: string, cwd: string): Managed {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(binary, args, { cwd, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return new Managed(child, name, logFile);
}

async function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The gist of a Temporal (JSON lines) log: its last errors as `level: msg: error`, without the stack traces that
 * would push the cause out of a short tail; other lines as they are.
 */
export function serverLogTail(file: string, lines = 12): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const picked: string[] = [];
  for (const line of text.split('\n').slice(-400)) {
    if (!line.startsWith('{')) {
      if (line.trim()) picked.push(line.slice(0, 500));
      continue;
    }
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      if (entry.level && !['debug', 'info'].includes(entry.level)) {
        picked.push(`${entry.level}: ${entry.msg ?? ''}${entry.error ? `: ${entry.error}` : ''}`.slice(0, 500));
      }
    } catch {
      picked.push(line.slice(0, 500));
    }
  }
  return `Log (${file}), last problems:\n${picked.slice(-lines).join('\n')}`;
}

/** Polls `check` until it returns true; fails early (with the process's log) when `proc` exits. */
async function waitServing(
  proc: Managed,
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!proc.alive) throw new Error(`${proc.name} ${proc.exitReason} before ${what}\n${serverLogTail(proc.logFile)}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${proc.name}: not ${what} after ${timeoutMs} ms` +
      `${lastError instanceof Error ? `: ${lastError.message}` : ''}\n${serverLogTail(proc.logFile)}`,
  );
}

/** Whether `port` can be bound on 127.0.0.1 right now. */
async function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below 32768, for the membership (ringpop) ports: the SQL schema stores them in a SMALLINT column
 * (`cluster_membership.rpc_port`), and the kernel hands out ephemeral ports from 32768 up.
 */
async function freeMembershipPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_700);
    if (!taken.has(port) && (await bindable(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 32700 for the cluster membership');
}

async function allocatePorts(options: ClusterOptions): Promise<ClusterPorts> {
  const taken = new Set<number>();
  const ports: ClusterPorts = {
    frontend: options.port ?? (await freePort()),
    frontendHttp: await freePort(),
    frontendMembership: await freeMembershipPort(taken),
    history: await freePort(),
    historyMembership: await freeMembershipPort(taken),
    matching: await freePort(),
    matchingMembership: await freeMembershipPort(taken),
    worker: await freePort(),
    workerMembership: await freeMembershipPort(taken),
  };
  if (clusterServices(options).includes('internal-frontend')) {
    ports.internalFrontend = await freePort();
    ports.internalFrontendHttp = await freePort();
    ports.internalFrontendMembership = await freeMembershipPort(taken);
  }
  return ports;
}

/** Creates the two databases and brings their schemas to the server's version (the embedded versioned schemas). */
async function setupSchemas(sqlTool: string, pg: PostgresConnection, created: boolean): Promise<void> {
  const base = ['--plugin', POSTGRES_PLUGIN, '--ep', pg.host, '-p', String(pg.port), '-u', pg.user];
  // The password goes through the environment, not the command line (`ps` shows arguments).
  const env = { ...process.env, SQL_PASSWORD: pg.password };
  const run = async (args: string[]): Promise<void> => {
    try {
      await execFileAsync(sqlTool, [...base, ...args], { env, timeout: 300_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`temporal-sql-tool ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };
  await Promise.all(
    (['default', 'visibility'] as const).map(async (store) => {
      const db = POSTGRES_DATABASES[store];
      const schema = `postgresql/v12/${store === 'default' ? 'temporal' : 'visibility'}`;
      if (created) {
        await run(['--db', db, 'create-database']);
        await run(['--db', db, 'setup-schema', '-v', '0.0']);
      }
      // Idempotent: on a reused database it applies only what a newer server version added.
      await run(['--db', db, 'update-schema', '--schema-name', schema]);
    }),
  );
}

/** gRPC status codes (google.rpc.Code). */
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

function isGrpcCode(err: unknown, code: number): boolean {
  return isGrpcServiceError(err) && Number(err.code) === code;
}

/** Registers the namespace (if missing) and the project's search attributes, and waits until both are visible. */
async function prepareNamespace(
  address: string,
  namespace: string,
  retentionDays: number,
  proc: Managed,
  timeoutMs: number,
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await waitServing(proc, `serving namespace ${namespace}`, timeoutMs, async () => {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      } catch (err) {
        if (!isGrpcCode(err, GRPC_NOT_FOUND)) throw err;
      }
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
        });
      } catch (err) {
        if (!isGrpcCode(err, GRPC_ALREADY_EXISTS)) throw err;
      }
      return false;
    });
    // The namespace registry of each service learns of a new namespace within seconds (it refreshes every 2 s).
    await waitServing(proc, 'registering the search attributes', timeoutMs, async () => {
      await registerSearchAttributes(connection, namespace);
      return true;
    });
    await waitServing(proc, 'listing the search attributes', timeoutMs, async () => {
      const res = await connection.operatorService.listSearchAttributes({ namespace });
      const known = Object.keys(res.customAttributes ?? {});
      return SEARCH_ATTRIBUTES.every((k) => known.includes(k.name));
    });
    // Visibility answers a query on them (the SQL store maps them to its pre-allocated columns).
    await waitServing(proc, 'querying by search attribute', timeoutMs, async () => {
      await connection.workflowService.countWorkflowExecutions({
        namespace,
        query: `${SEARCH_ATTRIBUTES[0].name} IS NULL`,
      });
      return true;
    });
  } finally {
    await connection.close();
  }
}

/** Starts the cluster and resolves once the frontend serves the namespace with the search attributes. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const persistenceKind = options.persistence ?? 'postgres';
  const namespace = options.namespace ?? 'default';
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const started = Date.now();

  const temporary = options.dataDir === undefined;
  const dir = options.dataDir ? path.resolve(options.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'oms-cluster-'));
  fs.mkdirSync(dir, { recursive: true });
  // Searchable (not listable) by others: PostgreSQL's own user keeps its data directory inside.
  if (temporary) fs.chmodSync(dir, 0o711);

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
    if (temporary) fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const binaries: TemporalServerBinaries = await ensureTemporalServer({ ui: !options.headless, log });

    let persistence: ClusterPersistence;
    let postgres: PostgresConnection | undefined;
    if (persistenceKind === 'postgres') {
      const pg = await startPostgres({
        dataDir: path.join(dir, 'postgres'),
        logFile: path.join(dir, 'postgres.log'),
        startTimeoutMs: timeoutMs,
      });
      cleanups.push(() => pg.stop());
      postgres = { host: pg.host, port: pg.port, user: pg.user, password: pg.password, binDir: pg.binDir };
      log(`PostgreSQL ${pg.created ? 'initialised' : 'reused'} in ${pg.dataDir}, port ${pg.port}`);
      await setupSchemas(binaries.sqlTool, postgres, pg.created);
      persistence = { kind: 'postgres', connection: postgres };
    } else {
      persistence = { kind: 'sqlite', file: temporary ? undefined : path.join(dir, 'temporal.sqlite') };
    }

    const serverRoot = path.join(dir, 'server');
    fs.mkdirSync(path.join(serverRoot, 'config'), { recursive: true });
    const dynamicConfigFile = path.join(serverRoot, 'dynamicconfig.yaml');
    fs.writeFileSync(dynamicConfigFile, `${JSON.stringify(dynamicConfig(options.dynamicConfig), null, 2)}\n`);
    const serverLog = path.join(dir, 'temporal.log');
    const services = clusterServices(options);

    // Ports are picked free and bound a moment later; a collision makes the server exit: retry with new ones.
    let ports!: ClusterPorts;
    let server!: Managed;
    const startServer = async (): Promise<void> => {
      server = spawnLogged(
        binaries.server,
        [
          ...['--root', serverRoot, '--config', 'config', '--env', 'cluster'],
          ...(options.authorization ? [] : ['--allow-no-auth']),
          'start',
          ...services.flatMap((s) => ['--service', s]),
        ],
        serverLog,
        'temporal-server',
        serverRoot,
      );
      const admin = `127.0.0.1:${ports.internalFrontend ?? ports.frontend}`;
      await waitServing(server, 'serving', timeoutMs, async () => {
        const connection = await Connection.connect({ address: admin, connectTimeout: 2_000 });
        try {
          await connection.workflowService.getSystemInfo({});
        } finally {
          await connection.close();
        }
        return tcpOpen(ports.frontend);
      });
    };
    for (let attempt = 1; ; attempt++) {
      ports = await allocatePorts(options);
      const config = serverConfig({
        ports,
        persistence,
        dynamicConfigFile,
        tls: options.tls,
        authorization: options.authorization,
      });
      fs.writeFileSync(path.join(serverRoot, 'config', 'cluster.yaml'), `${JSON.stringify(config, null, 2)}\n`, {
        mode: 0o600, // holds the database password
      });
      try {
        await startServer();
        break;
      } catch (err) {
        await server.stop('SIGKILL');
        const portClash = /address already in use/i.test(String(err));
        if (!portClash || attempt >= 3 || options.port !== undefined) throw err;
      }
    }
    cleanups.push(() => server.stop());
    const address = `127.0.0.1:${ports.frontend}`;
    const adminAddress = `127.0.0.1:${ports.internalFrontend ?? ports.frontend}`;
    await prepareNamespace(adminAddress, namespace, options.retentionDays ?? 3, server, timeoutMs);
    log(`Temporal server ${address} serving namespace ${namespace} after ${Math.round((Date.now() - started) / 1000)} s`);

    let uiUrl: string | undefined;
    if (!options.headless && binaries.ui) {
      const uiPort = options.uiPort ?? (await freePort());
      const uiRoot = path.join(dir, 'ui');
      fs.mkdirSync(path.join(uiRoot, 'config'), { recursive: true });
      const ui = uiConfig({ temporalAddress: address, port: uiPort, namespace, ...options.ui });
      fs.writeFileSync(path.join(uiRoot, 'config', 'cluster.yaml'), `${JSON.stringify(ui, null, 2)}\n`);
      const uiProc = spawnLogged(
        binaries.ui,
        ['--root', uiRoot, '--config', 'config', '--env', 'cluster', 'start'],
        path.join(dir, 'ui.log'),
        'ui-server',
        uiRoot,
      );
      cleanups.push(() => uiProc.stop());
      uiUrl = `http://127.0.0.1:${uiPort}`;
      await waitServing(uiProc, 'serving the Web UI', timeoutMs, async () => (await fetch(uiUrl!)).ok);
    }

    const restartWith = async (signal: NodeJS.Signals): Promise<void> => {
      await server.stop(signal);
      await startServer();
    };
    const needPostgres = (): PostgresConnection => {
      if (!postgres) throw new Error('this cluster runs on SQLite, not PostgreSQL');
      return postgres;
    };
    return {
      address,
      namespace,
      uiUrl,
      internalAddress: ports.internalFrontend ? adminAddress : undefined,
      persistence: persistenceKind,
      postgres,
      dir,
      serverLog,
      get serverProcess() {
        return server.child;
      },
      kill9AndRestart: () => restartWith('SIGKILL'),
      restart: () => restartWith('SIGTERM'),
      pgDump: (dumpOptions) => pgDump(needPostgres(), dumpOptions),
      psql: (sql, database) => psql(needPostgres(), sql, database),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
