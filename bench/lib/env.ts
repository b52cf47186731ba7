/**
 * The measured stack of a benchmark or soak run: a fresh Temporal dev server (headless, its own SQLite file), the
 * OMS/IAM emulator in this process, a Temporal client, and workers as separate processes — the product worker
 * exactly as operators run it (`node --import tsx worker/main.ts`, configured through its environment) and the
 * bench worker (`bench/worker.ts`: the bench-only baseline workflows). One process each, no wrapper, so a pid's
 * `/proc` figures are the worker's own and SIGKILL reaches it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../../emulator';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { startCluster, type Cluster } from '../../scripts/lib/cluster';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import { emulatorWorkerEnv, emulatorWorkerSecrets } from '../../scripts/lib/emulator-worker-env';
import { freePort } from '../../scripts/lib/net';
import { registerSearchAttributes } from '../../scripts/lib/search-attributes';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { waitUntil } from './pool';

/** The checkout root. */
export const ROOT = path.resolve(__dirname, '..', '..');
const NAMESPACE = 'default';

export interface BenchEnvOptions {
  /** Working directory of the run (SQLite file, logs, emulator data). */
  dir: string;
  /** Emulator options (time scale, config, data dir). */
  emulator?: StartEmulatorOptions;
  /** Attach to this Temporal frontend instead of starting a dev server (no server CPU figures then). */
  temporalAddress?: string;
  /** Extra `--dynamic-config-value` pairs for the dev server (dynamic config values for the cluster). */
  dynamicConfig?: Record<string, unknown>;
  /**
   * Which Temporal server to start (unless attaching): `dev`, the CLI dev server on SQLite (default), or `cluster`,
   * the real temporal-server on PostgreSQL (scripts/lib/cluster.ts).
   */
  server?: BenchServerKind;
}

/** The Temporal server a benchmark runs against. */
export type BenchServerKind = 'dev' | 'cluster';

/** Which worker program to run. */
export type WorkerKind = 'product' | 'bench';

const WORKER_SCRIPTS: Record<WorkerKind, string> = {
  product: path.join(ROOT, 'worker', 'main.ts'),
  bench: path.join(ROOT, 'bench', 'worker.ts'),
};

let bundle: Promise<string> | undefined;
/** The product workflow bundle, built once per bench process (as `npm run build` builds it). */
function productBundle(): Promise<string> {
  bundle ??= (async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oms-bench-bundle-')), 'workflow-bundle.js');
    await buildWorkflowBundle(file);
    return file;
  })();
  return bundle;
}

/** A worker running as its own process. */
export class WorkerProcess {
  private readonly exited: Promise<void>;

  constructor(
    readonly kind: WorkerKind,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`; waits for the exit. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A running bench stack. */
export class BenchEnv {
  private readonly workers: WorkerProcess[] = [];
  /** The cluster, when this run started one instead of a dev server. */
  private cluster: Cluster | undefined;

  private constructor(
    readonly options: BenchEnvOptions,
    public server: DevServer | undefined,
    public address: string,
    public emulator: RunningEmulator,
    public connection: Connection,
    public client: Client,
  ) {}

  /** Starts the dev server (unless attaching), waits for the search attributes, starts the emulator. */
  static async start(options: BenchEnvOptions): Promise<BenchEnv> {
    fs.mkdirSync(options.dir, { recursive: true });
    let server: DevServer | undefined;
    let cluster: Cluster | undefined;
    let address = options.temporalAddress;
    if (!address && options.server === 'cluster') {
      cluster = await startBenchCluster(options);
      address = cluster.address;
    } else if (!address) {
      server = await startBenchServer(options, await freePort());
      address = server.address;
    }
    const connection = await Connection.connect({ address });
    await ensureSearchAttributes(connection);
    const emulator = await startEmulator({ port: 0, ...options.emulator });
    const env = new BenchEnv(options, server, address, emulator, connection, new Client({ connection, namespace: NAMESPACE }));
    env.cluster = cluster;
    return env;
  }

  get namespace(): string {
    return NAMESPACE;
  }

  /** Pid of the dev server (or cluster temporal-server) process, when this run started it. */
  get serverPid(): number | undefined {
    return this.server?.process.pid ?? this.cluster?.serverProcess.pid;
  }

  /** The worker environment (as `.env.example` documents it) for the emulator's default account. */
  workerEnv(taskQueue: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...emulatorWorkerEnv(this.emulator, { temporalAddress: this.address, taskQueue, namespace: NAMESPACE }),
      LOG_LEVEL: 'WARN',
      ...extra,
    };
  }

  /** Every secret the workers hold (for "never leaks" checks). */
  secrets(): string[] {
    return emulatorWorkerSecrets(this.emulator);
  }

  /** A product worker and a bench worker side by side (the comparisons), each on its own queue and default log. */
  spawnWorkerPair(productQueue: string, benchQueue: string): Promise<[WorkerProcess, WorkerProcess]> {
    return Promise.all([this.spawnWorker('product', productQueue), this.spawnWorker('bench', benchQueue)]);
  }

  /**
   * Spawns a worker process and resolves once it polls both its workflow and activity task queues (seen by the
   * server as pollers with the process's identity, `<pid>@<host>`).
   */
  async spawnWorker(
    kind: WorkerKind,
    taskQueue: string,
    extraEnv: Record<string, string> = {},
    logFile = path.join(this.options.dir, `${kind}-worker.log`),
    readyTimeoutMs = 180_000,
  ): Promise<WorkerProcess> {
    // The product worker runs as in production: from the prebuilt workflow bundle (`npm run build`).
    const bundleEnv: Record<string, string> =
      kind === 'product' ? { WORKER_WORKFLOW_BUNDLE: await productBundle() } : {};
    const out = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPTS[kind]], {
      cwd: ROOT,
      env: { ...process.env, ...this.workerEnv(taskQueue, { ...bundleEnv, ...extraEnv }) },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    const worker = new WorkerProcess(kind, child, logFile);
    this.workers.push(worker);
    await waitUntil(
      async () => {
        if (!worker.alive) throw new Error(`${kind} worker exited (log: ${logFile})`);
        return this.isPolling(taskQueue, worker.pid);
      },
      readyTimeoutMs,
      `${kind} worker ${worker.pid} polling ${taskQueue}`,
      250,
    ).catch((err: unknown) => {
      if (!worker.alive) {
        const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2_000) : '';
        throw new Error(`${kind} worker exited before it was ready:\n${tail}`);
      }
      throw err;
    });
    return worker;
  }

  /** Whether a process with `pid` polls both task-queue types of `taskQueue`. */
  async isPolling(taskQueue: string, pid: number): Promise<boolean> {
    const types = [
      temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    ];
    for (const taskQueueType of types) {
      const res = await this.connection.workflowService.describeTaskQueue({
        namespace: NAMESPACE,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType,
      });
      if (!(res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`))) return false;
    }
    return true;
  }

  /** Stops the dev server and starts it again on the same port and database (soak). */
  async restartServer(): Promise<void> {
    if (this.cluster) return this.cluster.restart();
    if (!this.server) throw new Error('cannot restart a server this run did not start');
    const port = Number(this.server.address.split(':').pop());
    await this.server.stop();
    this.server = await startBenchServer(this.options, port, this.server.dbFile);
  }

  /** Stops the emulator and starts it again on the same port and data directory (soak). */
  async restartEmulator(): Promise<void> {
    if (!this.options.emulator?.dataDir) throw new Error('restarting the emulator needs a data directory');
    const port = this.emulator.port;
    await this.emulator.stop();
    this.emulator = await startEmulator({ ...this.options.emulator, port });
  }

  /** Stops every worker, the emulator, the client and the server. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.connection.close().catch(() => undefined);
    await this.emulator.stop();
    await this.server?.stop();
    await this.cluster?.stop();
  }
}

/** The real Temporal server on PostgreSQL, keeping its database, configs and logs in the run's directory. */
async function startBenchCluster(options: BenchEnvOptions): Promise<Cluster> {
  // Searchable by others: running as root, PostgreSQL's own user keeps its data directory inside.
  fs.chmodSync(options.dir, 0o711);
  return startCluster({
    headless: true,
    dataDir: path.join(options.dir, 'cluster'),
    dynamicConfig: options.dynamicConfig,
  });
}

async function startBenchServer(options: BenchEnvOptions, port: number, dbFile?: string): Promise<DevServer> {
  return startDevServer({
    headless: true,
    port,
    dbFile: dbFile ?? path.join(options.dir, 'temporal.sqlite'),
    logFile: path.join(options.dir, 'temporal.log'),
    dynamicConfig: options.dynamicConfig,
  });
}

/** Registers the project's search attributes if missing and waits until the namespace lists all of them. */
async function ensureSearchAttributes(connection: Connection): Promise<void> {
  await registerSearchAttributes(connection, NAMESPACE);
  await waitUntil(
    async () => {
      const res = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
      const known = Object.keys(res.customAttributes ?? {});
      return SEARCH_ATTRIBUTES.every((k) => known.includes(k.name));
    },
    30_000,
    'search attributes registered',
  );
}
