/**
 * Screenshots of the Temporal Web UI for the documentation (`npm run screenshots`) and for the UI text checks of
 * test/integration/screenshots.test.ts. Starts its own dev server with the Web UI, an emulator on a manual clock and
 * a worker, then sets up a scene at rest: with `max_running_per_region: 2` one migration runs, one batch item runs,
 * the batch's second item and a second migration wait for a region slot, and the region limiter holds both
 * slots. Headless Chromium opens each workflow's page and saves a PNG per workflow. Stops everything it started.
 *
 * The emulator's clock is manual, so no OMS task ends while the pages are taken: what the pages show does not
 * depend on how fast this machine is. The clock is advanced once, by a fixed simulated time, so the running tasks
 * show partial progress.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { chromium, type Page } from 'playwright-core';

import { BatchClient } from '../../client/batch-client';
import { MigrationClient } from '../../client/migration-client';
import { DEFAULT_EMULATOR_CONFIG, startEmulator } from '../../emulator';
import { loadWorkerConfig } from '../../worker/config';
import { createWorker } from '../../worker/create-worker';
import { limiterStatusQuery } from '../../workflows/definitions';
import type { LimiterStatus } from '../../workflows/limiter-types';
import type { MigrationRequest } from '../../workflows/request-types';
import { limiterWorkflowId } from '../../workflows/shared/region-limiter-logic';
import { startDevServer } from './dev-server';
import { emulatorWorkerEnv } from './emulator-worker-env';
import { ChromiumMissingError, DEFAULT_CHROMIUM_PATH } from './ui-codec-check';
import { freePort } from './net';

/** The workflows photographed, in order; each gives its PNG's name (`docs/img/ui-<name>.png`). */
export const SHOT_NAMES = ['migration', 'queued', 'limiter', 'batch'] as const;
export type ShotName = (typeof SHOT_NAMES)[number];

/**
 * What each page's Current Details show once the workflows render them as markdown (the visibility work of issue
 * 13): the migration's "as of" time, the queued migration's reason, the limiter's holders and waiters, the batch's
 * items. {@link takeScreenshots} gives each page time to show them by default.
 */
export const EXPECTED_UI_TEXTS: Readonly<Record<ShotName, readonly string[]>> = {
  migration: ['as of '],
  queued: ['Waiting for a'],
  limiter: ['Holders', 'Waiters'],
  batch: ['Items'],
};

/** Chromium flags for a quiet, isolated headless run (no sandbox: CI containers run as root). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'];

/** Limit of running tasks per region for the scene: two slots, so one migration and one batch item run. */
const SCENE_REGION_LIMIT = 2;
/** Simulated seconds the clock is advanced once the scene is set: ~30 % of the running migration's bytes. */
const SCENE_ADVANCE_MS = 90_000;
const MIB = 1024 * 1024;

export interface ScreenshotsOptions {
  /** Directory for the PNGs (created); default `docs/img`. */
  outDir?: string;
  /** Chromium binary; default `CHROMIUM_PATH` or {@link DEFAULT_CHROMIUM_PATH}. */
  chromiumPath?: string;
  /** Prebuilt workflow bundle (tests); otherwise `workflows/` is bundled when the worker starts. */
  workflowBundlePath?: string;
  /**
   * Texts each page is given time to show before its picture is taken; default {@link EXPECTED_UI_TEXTS}. A page
   * that does not show them within `textTimeoutMs` is photographed anyway; the caller checks {@link Shot.text}.
   */
  awaitTexts?: Partial<Record<ShotName, readonly string[]>>;
  /** How long a page may take to show its workflow id and its `awaitTexts`; default 30 s. */
  textTimeoutMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** One photographed workflow page. */
export interface Shot {
  name: ShotName;
  workflowId: string;
  /** The page's address (gone once {@link takeScreenshots} returns: the server is stopped). */
  url: string;
  /** The saved PNG, absolute. */
  file: string;
  /** The page's visible text when the picture was taken. */
  text: string;
}

/** Runs the scene, saves one PNG per {@link SHOT_NAMES} entry and stops everything it started. */
export async function takeScreenshots(options: ScreenshotsOptions = {}): Promise<Shot[]> {
  const log = options.log ?? (() => undefined);
  const executablePath = options.chromiumPath ?? (process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH);
  if (!fs.existsSync(executablePath)) throw new ChromiumMissingError(executablePath);
  const outDir = path.resolve(options.outDir ?? path.join('docs', 'img'));
  const tag = crypto.randomBytes(3).toString('hex');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-screenshots-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const server = await startDevServer({ uiPort: await freePort(), logFile: path.join(tmp, 'temporal.log') });
    cleanups.push(() => server.stop());
    log(`Temporal dev server: ${server.address}, Web UI ${server.uiUrl}`);
    const emulator = await startEmulator({
      timeScale: 0,
      config: {
        buckets: [
          ...DEFAULT_EMULATOR_CONFIG.buckets,
          { name: 'photo-src', generate: { count: 300, size: MIB, prefix: 'p/' } },
        ],
      },
    });
    cleanups.push(() => emulator.stop());
    const region = emulator.config.region;

    const taskQueue = `screenshots-${tag}`;
    const env = { ...emulatorWorkerEnv(emulator, { temporalAddress: server.address, taskQueue }), LOG_LEVEL: 'WARN' };
    const config = loadWorkerConfig(env);
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => nativeConnection.close());
    log(options.workflowBundlePath ? 'Starting the worker' : 'Starting the worker (bundling workflows/)');
    const worker = await createWorker({
      config,
      connection: nativeConnection,
      ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : {}),
    });
    const workerRun = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await workerRun;
    });

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });
    const migrations = new MigrationClient(client, taskQueue);
    const batches = new BatchClient(client, taskQueue);
    const limiter = client.workflow.getHandle(limiterWorkflowId(region, taskQueue));
    const limiterState = async (want: (s: LimiterStatus) => boolean, what: string): Promise<void> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const s = await limiter.query(limiterStatusQuery).catch(() => undefined);
        if (s && want(s)) return;
        if (Date.now() > deadline) throw new Error(`The region limiter did not reach "${what}" within 60 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    const request = (prefix: string, description: string): MigrationRequest => ({
      task_type: 'prefix',
      description,
      src_node: { region, credential_profile: 'src', bucket: 'photo-src', cloud_type: 'HuaweiCloud', object_key: [prefix] },
      dst_node: { region, credential_profile: 'dst', bucket: 'api-test-outline', save_prefix: `shots-${tag}/` },
      bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: MIB }],
      orchestration: {
        poll_interval_seconds: 0.5,
        min_poll_interval_seconds: 0.1,
        max_running_per_region: SCENE_REGION_LIMIT,
      },
    });
    const ids: Record<ShotName, string> = {
      migration: `shots-${tag}-running`,
      queued: `shots-${tag}-queued`,
      limiter: limiterWorkflowId(region, taskQueue),
      batch: `shots-${tag}-batch`,
    };
    // One step at a time, each at rest before the next, so who holds and who waits is always the same.
    await migrations.start(request('p/', 'screenshots: running migration'), { migrationId: ids.migration });
    await limiterState((s) => s.running === 1, '1 slot held');
    const { object_key: _prefix, ...templateSrc } = request('', '').src_node;
    await batches.start(
      {
        label: 'screenshots batch',
        template: { ...request('', 'screenshots: batch item'), src_node: templateSrc },
        prefixes: ['p/1', 'p/2'],
        concurrency: 2,
      },
      { batchId: ids.batch },
    );
    await limiterState((s) => s.running === 2 && s.waiting === 1, '2 slots held, 1 waiter');
    await migrations.start(request('p/0', 'screenshots: queued migration'), { migrationId: ids.queued });
    await limiterState((s) => s.running === 2 && s.waiting === 2, '2 slots held, 2 waiters');

    // Partial progress for the running tasks; none can finish (300 MiB at 1 MiB/s take 300 simulated seconds).
    await emulator.admin.setClock({ advanceMs: SCENE_ADVANCE_MS });
    const deadline = Date.now() + 60_000;
    while (((await migrations.status(ids.migration)).progress?.snapshot?.progress ?? 0) === 0) {
      if (Date.now() > deadline) throw new Error(`${ids.migration} showed no progress within 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`Scene set: ${Object.values(ids).join(', ')}`);

    const context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
    });
    cleanups.push(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    fs.mkdirSync(outDir, { recursive: true });
    const shots: Shot[] = [];
    for (const name of SHOT_NAMES) {
      const workflowId = ids[name];
      const url = `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(workflowId)}`;
      log(`Opening ${url}`);
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await pageText(page, [workflowId, USER_METADATA], options.textTimeoutMs, true);
      // Summary and Current Details are on the workflow page's "User Metadata" tab.
      await page.getByText(USER_METADATA, { exact: true }).first().click();
      await pageText(page, ['Summary', 'Current Details'], options.textTimeoutMs, true);
      const text = await pageText(page, options.awaitTexts?.[name] ?? EXPECTED_UI_TEXTS[name], options.textTimeoutMs);
      const file = path.join(outDir, `ui-${name}.png`);
      await page.screenshot({ path: file });
      log(`Saved ${file}`);
      shots.push({ name, workflowId, url, file, text });
    }
    return shots;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The text of the page and of its frames: the UI renders Summary and Current Details markdown in sandboxed iframes,
 * whose text the page's own body does not include.
 */
async function visibleText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) =>
      frame
        .locator('body')
        .innerText()
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

/** The tab of the workflow page that shows the workflow's Summary and Current Details. */
const USER_METADATA = 'User Metadata';

/**
 * The page's text once it shows every one of `texts`, or when `timeoutMs` have passed whatever it shows then (or,
 * with `required`, an error naming what is missing).
 */
async function pageText(page: Page, texts: readonly string[], timeoutMs = 30_000, required = false): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  for (;;) {
    text = await visibleText(page);
    if (texts.every((t) => text.includes(t))) return text;
    if (Date.now() > deadline) {
      if (!required) return text;
      const missing = texts.filter((t) => !text.includes(t));
      throw new Error(`${page.url()} did not show ${missing.map((t) => `"${t}"`).join(', ')} within ${timeoutMs} ms`);
    }
    await page.waitForTimeout(250);
  }
}
