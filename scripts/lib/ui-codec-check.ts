/**
 * The Web UI check of payload encryption: a dev server whose UI uses a codec server (`--ui-codec-endpoint`), a
 * worker and client with the codec, one encrypted migration started without bucket search attributes, and headless
 * Chromium opening the workflow's page. The bucket names and the description are only in encrypted payloads, so
 * seeing them on the page proves the UI decoded them through the codec server (which must also have logged
 * `/decode` requests from the UI's origin). Used by `npm run ui:codec-check` and test/integration/ui-codec.test.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { chromium, type Page } from 'playwright-core';

import { dataConverterFromEnv } from '../../client/codec';
import { startCodecServer, type CodecRequestLog } from '../../client/codec/server';
import { MigrationClient } from '../../client/migration-client';
import { startEmulator } from '../../emulator';
import { loadWorkerConfig } from '../../worker/config';
import { createWorker } from '../../worker/create-worker';
import type { MigrationRequest } from '../../workflows/request-types';
import { startDevServer } from './dev-server';
import { emulatorWorkerEnv } from './emulator-worker-env';
import { freePort } from './net';

/** Where Debian's `apt-get install chromium` puts the browser. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Chromium flags for a quiet, isolated headless run (no sandbox: CI containers run as root). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium is not installed where the check looks for it. */
export class ChromiumMissingError extends Error {
  constructor(readonly executablePath: string) {
    super(
      `Chromium not found at ${executablePath}: install it (Debian/Ubuntu: \`apt-get install chromium\`), or set ` +
        'CHROMIUM_PATH to a Chromium or Chrome binary',
    );
    this.name = 'ChromiumMissingError';
  }
}

export interface UiCodecCheckOptions {
  /** Chromium binary; default `CHROMIUM_PATH` or {@link DEFAULT_CHROMIUM_PATH}. */
  chromiumPath?: string;
  /** Where to save the screenshot of the workflow page (directories are created); none when omitted. */
  screenshot?: string;
  /** Prebuilt workflow bundle (tests); otherwise `workflows/` is bundled when the worker starts. */
  workflowBundlePath?: string;
  /** How long the page may take to show the decoded input; default 60 s. */
  pageTimeoutMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface UiCodecCheckResult {
  /** The workflow's page in the Web UI (gone once the check returns: the server is stopped). */
  workflowUrl: string;
  /** The values that were found on the page, decoded. */
  found: string[];
  /** `/decode` requests the UI made from its origin. */
  uiDecodeRequests: number;
  screenshot?: string;
}

/**
 * Runs the check and stops everything it started. Throws {@link ChromiumMissingError} when Chromium is missing,
 * and an error naming what the page did not show otherwise.
 */
export async function runUiCodecCheck(options: UiCodecCheckOptions = {}): Promise<UiCodecCheckResult> {
  const log = options.log ?? (() => undefined);
  const executablePath = options.chromiumPath ?? (process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH);
  if (!fs.existsSync(executablePath)) throw new ChromiumMissingError(executablePath);

  const tag = crypto.randomBytes(3).toString('hex');
  const description = `ui codec check ${tag}`;
  const codecEnv = { OMS_CODEC_KEYS: `ui-check:${crypto.randomBytes(32).toString('base64')}` };
  const token = crypto.randomBytes(24).toString('hex');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-ui-codec-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const uiPort = await freePort();
    const uiOrigin = `http://127.0.0.1:${uiPort}`;
    const requests: CodecRequestLog[] = [];
    const codec = await startCodecServer({
      port: 0,
      env: codecEnv,
      authToken: token,
      allowedOrigins: [uiOrigin],
      log: (entry) => requests.push(entry),
    });
    cleanups.push(() => codec.close());
    log(`Codec server: ${codec.url}`);
    const server = await startDevServer({
      uiPort,
      uiCodecEndpoint: `${codec.url}/${token}`,
      logFile: path.join(tmp, 'temporal.log'),
    });
    cleanups.push(() => server.stop());
    log(`Temporal dev server: ${server.address}, Web UI ${server.uiUrl} (codec endpoint ${codec.url}/<token>)`);
    const emulator = await startEmulator({ timeScale: 200 });
    cleanups.push(() => emulator.stop());

    const taskQueue = `ui-codec-check-${tag}`;
    const env = {
      ...codecEnv,
      ...emulatorWorkerEnv(emulator, { temporalAddress: server.address, taskQueue }),
      LOG_LEVEL: 'WARN',
    };
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
    const client = new Client({ connection, namespace: server.namespace, dataConverter: dataConverterFromEnv(env) });
    // Bucket search attributes off: the names can reach the page only from the decoded payloads.
    const migrations = new MigrationClient(client, taskQueue, { bucketSearchAttributes: false });
    const request: MigrationRequest = {
      task_type: 'object',
      description,
      src_node: {
        region: emulator.config.region,
        credential_profile: 'src',
        bucket: 'a-test-1',
        cloud_type: 'HuaweiCloud',
        object_key: ['01.png', 'list.txt'],
      },
      dst_node: { region: emulator.config.region, credential_profile: 'dst', bucket: 'api-test-outline' },
      orchestration: { poll_interval_seconds: 0.5, min_poll_interval_seconds: 0.1 },
    };
    const migrationId = `ui-codec-check-${tag}`;
    await migrations.start(request, { migrationId });
    const result = await migrations.result(migrationId);
    log(`Migration ${migrationId}: ${result.outcome}`);

    const workflowUrl = `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(migrationId)}`;
    const expected = ['a-test-1', 'api-test-outline', description];
    const context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 1100 },
    });
    cleanups.push(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    log(`Opening ${workflowUrl}`);
    await page.goto(workflowUrl, { waitUntil: 'domcontentloaded' });
    const timeout = options.pageTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeout;
    let text = '';
    while (!expected.every((v) => text.includes(v))) {
      if (Date.now() > deadline) {
        if (options.screenshot) await saveScreenshot(page, options.screenshot);
        const missing = expected.filter((v) => !text.includes(v));
        throw new Error(
          `The workflow page did not show the decoded ${missing.map((v) => `"${v}"`).join(', ')} within ` +
            `${timeout} ms (codec server requests: ${requests.length}, from the UI's origin: ` +
            `${requests.filter((r) => r.origin === uiOrigin).length})`,
        );
      }
      await page.waitForTimeout(250);
      text = await page
        .locator('body')
        .innerText()
        .catch(() => '');
    }
    const uiDecodeRequests = requests.filter(
      (r) => r.operation === 'decode' && r.status === 200 && r.origin === uiOrigin,
    ).length;
    if (uiDecodeRequests === 0) throw new Error('The page shows the values, but the UI made no /decode request');
    let screenshot: string | undefined;
    if (options.screenshot) {
      // The Input card sits at the top of the page; let its layout settle before taking the picture.
      await page.getByText(description).first().scrollIntoViewIfNeeded();
      screenshot = await saveScreenshot(page, options.screenshot);
    }
    return { workflowUrl, found: expected, uiDecodeRequests, ...(screenshot ? { screenshot } : {}) };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function saveScreenshot(page: Page, file: string): Promise<string> {
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await page.screenshot({ path: target });
  return target;
}
