/**
 * Emulator benchmark: `npx tsx bench/emulator-bench.ts [--tasks 10000] [--seconds 10] [--connections 32]`.
 *
 * Starts the emulator as its own process (the CLI, so it has its own single-threaded event loop), loads `--tasks`
 * tasks through CreateTask, then drives sustained ShowTask load over loopback with token auth and keep-alive
 * (undici Pool). Prints one JSON object and one markdown table row: requests/s, p50/p99 latency, the emulator's
 * CPU use during the load, and its RSS/heap with the tasks loaded (and per 10,000 tasks).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { Pool } from 'undici';

import type { AdminStats } from '../emulator/admin-types';

const ROOT = path.resolve(__dirname, '..');
const PROJECT_ID = '0215ef11e49d4743be23dd97a1561e91';
const AK = 'EMULATORDEMOAK000001';
const SK = 'emulatorDemoSecretKey0000000000000000001';

function options(): { tasks: number; seconds: number; connections: number } {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
    },
  });
  const tasks = Number(values.tasks);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  if (!(tasks > 0 && seconds > 0 && connections > 0))
    throw new Error('--tasks, --seconds and --connections must be > 0');
  return { tasks, seconds, connections };
}

/** Starts the emulator CLI; resolves with its URL and a stop function. */
async function startEmulatorProcess(configFile: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    ['emulator/cli.ts', '--port', '0', '--config', configFile],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function json<T>(
  pool: Pool,
  method: 'GET' | 'POST',
  urlPath: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await pool.request({
    method,
    path: urlPath,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, value: (text === '' ? undefined : JSON.parse(text)) as T };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const { tasks, seconds, connections } = options();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-emulator-bench-'));
  const configFile = path.join(dir, 'config.json');
  // Quotas are raised so that the load phase is not refused; the simulator runs at the default scale.
  fs.writeFileSync(configFile, JSON.stringify({ quotas: { createsPerWindow: 1e9, maxWaitingTasks: 1e9 } }));
  const emulator = await startEmulatorProcess(configFile);
  const pool = new Pool(emulator.url, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    const stats = async (): Promise<AdminStats> => (await json<AdminStats>(pool, 'GET', '/__admin/stats', {})).value;
    const tokenRes = await json(
      pool,
      'POST',
      '/v3/auth/tokens',
      { 'content-type': 'application/json' },
      {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'demo-user', password: 'Demo-Passw0rd!', domain: { name: 'demo-domain' } } },
          },
          scope: { project: { id: PROJECT_ID } },
        },
      },
    );
    const token = tokenRes.headers['x-subject-token'] as string;
    const auth = { 'x-auth-token': token };
    const idle = await stats();

    const createBody = {
      task_type: 'object',
      src_node: {
        region: 'cn-north-7',
        ak: AK,
        sk: SK,
        bucket: 'a-test-1',
        cloud_type: 'HuaweiCloud',
        object_key: ['01.png', 'list.txt'],
      },
      dst_node: { region: 'cn-north-7', ak: AK, sk: SK, bucket: 'api-test-outline' },
    };
    const ids: number[] = [];
    const loadStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < tasks) {
          next += 1;
          const res = await json<{ id: number }>(
            pool,
            'POST',
            `/v2/${PROJECT_ID}/tasks`,
            { ...auth, 'content-type': 'application/json' },
            createBody,
          );
          if (res.status !== 200) throw new Error(`CreateTask answered ${res.status}`);
          ids.push(res.value.id);
        }
      }),
    );
    const createSeconds = (performance.now() - loadStarted) / 1000;
    const loaded = await stats();

    const latencies = new Float64Array(Math.ceil(seconds * 200_000));
    let count = 0;
    let errors = 0;
    const cpuBefore = cpuSeconds(await stats());
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async (_, worker) => {
        let i = worker;
        while (performance.now() < deadline) {
          const id = ids[(i * 7919) % ids.length]!;
          i += connections;
          const t0 = performance.now();
          const res = await pool.request({ method: 'GET', path: `/v2/${PROJECT_ID}/tasks/${id}`, headers: auth });
          await res.body.text();
          const dt = performance.now() - t0;
          if (res.statusCode !== 200) errors += 1;
          if (count < latencies.length) latencies[count] = dt;
          count += 1;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const after = await stats();
    const cpuAfter = cpuSeconds(after);
    const sorted = latencies.subarray(0, Math.min(count, latencies.length)).sort();
    const perTenK = 10_000 / tasks;
    const result = {
      tasks,
      connections,
      seconds: Math.round(elapsed * 100) / 100,
      createTasksPerSecond: Math.round(tasks / createSeconds),
      showTask: {
        requests: count,
        errors,
        requestsPerSecond: Math.round(count / elapsed),
        p50Ms: Math.round(percentile(sorted, 50) * 1000) / 1000,
        p99Ms: Math.round(percentile(sorted, 99) * 1000) / 1000,
      },
      emulatorCpuCoresDuringLoad: Math.round(((cpuAfter - cpuBefore) / elapsed) * 100) / 100,
      memory: {
        idleRssMiB: mib(idle.rssBytes),
        loadedRssMiB: mib(loaded.rssBytes),
        afterLoadRssMiB: mib(after.rssBytes),
        loadedHeapUsedMiB: mib(loaded.heapUsedBytes),
        rssPer10kTasksMiB: mib((loaded.rssBytes - idle.rssBytes) * perTenK),
        heapPer10kTasksMiB: mib((loaded.heapUsedBytes - idle.heapUsedBytes) * perTenK),
      },
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      '\n| tasks | conns | ShowTask req/s | p50 ms | p99 ms | emulator CPU (cores) | RSS loaded MiB | RSS/10k tasks MiB | heap/10k tasks MiB |\n' +
        '|---|---|---|---|---|---|---|---|---|\n' +
        `| ${tasks} | ${connections} | ${result.showTask.requestsPerSecond} | ${result.showTask.p50Ms} | ${result.showTask.p99Ms} | ` +
        `${result.emulatorCpuCoresDuringLoad} | ${result.memory.loadedRssMiB} | ${result.memory.rssPer10kTasksMiB} | ` +
        `${result.memory.heapPer10kTasksMiB} |`,
    );
  } finally {
    await pool.close();
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU seconds (user + system) the emulator process has used, as it reports them. */
function cpuSeconds(stats: AdminStats): number {
  return (stats.cpuUserMicros + stats.cpuSystemMicros) / 1e6;
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
