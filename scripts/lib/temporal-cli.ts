/**
 * Provisions the Temporal CLI (dev server with SQLite persistence and the Web UI) without downloading binaries:
 * an explicit TEMPORAL_CLI_PATH, a `temporal` on PATH that is new enough, a cached build in a per-user cache
 * directory outside the checkout, or a pinned `go install` from the official source on the Go module proxy.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { cacheRoot, findOnPath, goInstall, goProblem, MIN_GO, withBuildLock } from './go-build';

export { cacheRoot };

const execFileAsync = promisify(execFile);

/** The pinned CLI release we build. v1.5.1 is the newest tag `go install` accepts (no `replace` directive). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
/** Oldest CLI on PATH we accept: embeds Temporal Server 1.29 (updates, schedules, user metadata all enabled). */
export const MIN_TEMPORAL_CLI_VERSION = '1.5.0';
const GO_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export type CliSource = 'env' | 'path' | 'cache' | 'built';

export interface TemporalCli {
  path: string;
  version: string;
  source: CliSource;
}

export interface EnsureOptions {
  /** Progress messages (the first build takes minutes; say so). */
  log?: (message: string) => void;
}

/** Where the pinned build lives. */
export function cachedCliPath(version = TEMPORAL_CLI_VERSION): string {
  return path.join(cacheRoot(), 'temporal-cli', version, process.platform === 'win32' ? 'temporal.exe' : 'temporal');
}

/** Parses `temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)` → `1.5.1`. */
export function parseCliVersion(output: string): string | undefined {
  return /temporal version v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/** Compares dotted numeric versions; returns <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

async function probeVersion(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(binary, ['--version'], { timeout: 30_000 });
    return parseCliVersion(stdout);
  } catch {
    return undefined;
  }
}

function installHelp(reason: string): Error {
  return new Error(
    [
      `Cannot provision the Temporal CLI: ${reason}.`,
      'Install it in one of these ways, then run again:',
      `  - Go >= ${MIN_GO.join('.')} on PATH: this project builds the pinned CLI v${TEMPORAL_CLI_VERSION} itself`,
      `    (CGO_ENABLED=0 go install ${GO_MODULE}@v${TEMPORAL_CLI_VERSION}) into ${path.dirname(cachedCliPath())}`,
      `  - Homebrew: brew install temporal (version >= ${MIN_TEMPORAL_CLI_VERSION})`,
      '  - the official download: https://temporal.download/cli/archive/latest?platform=linux&arch=amd64',
      '  - or point TEMPORAL_CLI_PATH at an existing binary, or TEMPORAL_ADDRESS at a running server.',
    ].join('\n'),
  );
}

async function buildWithGo(target: string, log: (m: string) => void): Promise<void> {
  log(`The Temporal CLI provides the local Temporal dev server; building it takes several minutes on 2 cores.`);
  await goInstall(
    {
      label: `the Temporal CLI v${TEMPORAL_CLI_VERSION}`,
      goPackage: GO_MODULE,
      version: TEMPORAL_CLI_VERSION,
      target,
      flags: ['-ldflags', `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`],
      verify: async (built) => (await probeVersion(built)) !== undefined,
    },
    log,
  );
}

/** Returns a runnable Temporal CLI, building the pinned version once if nothing usable is installed. */
export async function ensureTemporalCli(options: EnsureOptions = {}): Promise<TemporalCli> {
  const log = options.log ?? ((m: string) => process.stderr.write(`[temporal-cli] ${m}\n`));

  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    const version = await probeVersion(explicit);
    if (!version) throw installHelp(`TEMPORAL_CLI_PATH=${explicit} does not run \`temporal --version\``);
    return { path: explicit, version, source: 'env' };
  }

  const onPath = findOnPath('temporal');
  if (onPath) {
    const version = await probeVersion(onPath);
    if (version && compareVersions(version, MIN_TEMPORAL_CLI_VERSION) >= 0) return { path: onPath, version, source: 'path' };
    log(`Ignoring ${onPath} (version ${version ?? 'unknown'} < ${MIN_TEMPORAL_CLI_VERSION}).`);
  }

  const target = cachedCliPath();
  const cachedVersion = fs.existsSync(target) ? await probeVersion(target) : undefined;
  if (cachedVersion) return { path: target, version: cachedVersion, source: 'cache' };

  const problem = await goProblem();
  if (problem) throw installHelp(`no usable \`temporal\` on PATH, no cached build, and ${problem}`);

  const raced = await withBuildLock(`${target}.lock`, 'the Temporal CLI', log, async () => {
    // Another process may have finished the build while we waited for the lock.
    const cached = fs.existsSync(target) ? await probeVersion(target) : undefined;
    if (cached) return cached;
    await buildWithGo(target, log);
    return undefined;
  });
  if (raced) return { path: target, version: raced, source: 'cache' };
  const version = await probeVersion(target);
  if (!version) throw installHelp(`the build at ${target} does not run`);
  return { path: target, version, source: 'built' };
}
