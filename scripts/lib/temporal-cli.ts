/**
 * Provisions the Temporal CLI (dev server with SQLite persistence and the Web UI) without downloading binaries:
 * an explicit TEMPORAL_CLI_PATH, a `temporal` on PATH that is new enough, a cached build in a per-user cache
 * directory outside the checkout, or a pinned `go install` from the official source on the Go module proxy.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The pinned CLI release we build. v1.5.1 is the newest tag `go install` accepts (no `replace` directive). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
/** Oldest CLI on PATH we accept: embeds Temporal Server 1.29 (updates, schedules, user metadata all enabled). */
export const MIN_TEMPORAL_CLI_VERSION = '1.5.0';
const GO_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const MIN_GO = [1, 25] as const;
/** A build lock older than this whose owner is gone is considered abandoned. */
const STALE_LOCK_MS = 30 * 60 * 1000;

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

/** Per-user cache root, shared by every clone on the machine (so CI reuses a developer's build and vice versa). */
export function cacheRoot(): string {
  const explicit = process.env.OMS_ORCHESTRATOR_CACHE_DIR;
  if (explicit) return path.resolve(explicit);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'oms-orchestrator');
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

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function goVersion(): Promise<[number, number] | undefined> {
  try {
    const { stdout } = await execFileAsync('go', ['env', 'GOVERSION'], { timeout: 60_000 });
    const m = /go(\d+)\.(\d+)/.exec(stdout);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
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

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes an exclusive directory lock; returns false if another live process holds it. */
function tryLock(lockDir: string): boolean {
  try {
    fs.mkdirSync(lockDir);
    fs.writeFileSync(path.join(lockDir, 'owner'), `${process.pid}\n${Date.now()}\n`);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const [pidText, sinceText] = safeRead(path.join(lockDir, 'owner')).split('\n');
    const pid = Number(pidText);
    const since = Number(sinceText);
    const abandoned = !pid || !pidAlive(pid) || (since > 0 && Date.now() - since > STALE_LOCK_MS);
    if (abandoned) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      return tryLock(lockDir);
    }
    return false;
  }
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Waits (bounded) for another process's build: resolves when its lock is released. */
async function waitForLockRelease(lockDir: string, log: (m: string) => void): Promise<void> {
  const deadline = Date.now() + 60 * 60 * 1000;
  log('Another process is building the Temporal CLI; waiting for it to finish...');
  while (fs.existsSync(lockDir)) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for the Temporal CLI build lock ${lockDir}`);
    await new Promise((r) => setTimeout(r, 1000));
    // An owner that died leaves the lock behind; tryLock clears it, then we release it again.
    if (tryLock(lockDir)) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      return;
    }
  }
}

async function buildWithGo(target: string, log: (m: string) => void): Promise<void> {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const gobin = fs.mkdtempSync(path.join(dir, '.build-'));
  const started = Date.now();
  log(
    `Building the Temporal CLI v${TEMPORAL_CLI_VERSION} from the official source with Go (one-time; takes several ` +
      `minutes on 2 cores). It provides the local Temporal dev server; the result is cached in ${dir}.`,
  );
  const timer = setInterval(() => log(`  ...still building (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        'go',
        [
          'install',
          '-ldflags',
          `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
          `${GO_MODULE}@v${TEMPORAL_CLI_VERSION}`,
        ],
        { env: { ...process.env, CGO_ENABLED: '0', GOBIN: gobin, GOFLAGS: '-buildvcs=false' }, stdio: 'inherit' },
      );
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install exited with code ${code}`))));
    });
    const built = path.join(gobin, path.basename(target));
    if ((await probeVersion(built)) === undefined) throw new Error('the freshly built temporal binary does not run');
    fs.renameSync(built, target); // atomic within one filesystem: nobody sees a half-written binary
    log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  } finally {
    clearInterval(timer);
    fs.rmSync(gobin, { recursive: true, force: true });
  }
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

  const go = await goVersion();
  if (!go) throw installHelp('no usable `temporal` on PATH, no cached build, and no Go toolchain');
  if (go[0] < MIN_GO[0] || (go[0] === MIN_GO[0] && go[1] < MIN_GO[1])) {
    throw installHelp(`Go ${go.join('.')} is too old to build it (needs >= ${MIN_GO.join('.')})`);
  }

  fs.mkdirSync(path.dirname(target), { recursive: true });
  const lockDir = `${target}.lock`;
  while (!tryLock(lockDir)) await waitForLockRelease(lockDir, log);
  try {
    // Another process may have finished the build while we waited for the lock.
    const raced = fs.existsSync(target) ? await probeVersion(target) : undefined;
    if (raced) return { path: target, version: raced, source: 'cache' };
    await buildWithGo(target, log);
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
  const version = await probeVersion(target);
  if (!version) throw installHelp(`the build at ${target} does not run`);
  return { path: target, version, source: 'built' };
}
