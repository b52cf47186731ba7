/**
 * Builds pinned Go programs from the official source on the Go module proxy (`go install module/cmd@vX`) into a
 * per-user cache directory outside the checkout. Concurrent callers (parallel test runs, CI jobs, clones) wait on a
 * directory lock; a binary appears by atomic rename, so nobody runs a half-written file. Shared by the Temporal CLI
 * (temporal-cli.ts) and the Temporal server, SQL tool and Web UI server (temporal-server.ts).
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Oldest Go that builds every pinned program (their go.mod files say `go 1.25.0`). */
export const MIN_GO = [1, 25] as const;
/** A build lock older than this whose owner is gone is considered abandoned. */
const STALE_LOCK_MS = 30 * 60 * 1000;

/** Per-user cache root, shared by every clone on the machine (so CI reuses a developer's build and vice versa). */
export function cacheRoot(): string {
  const explicit = process.env.OMS_ORCHESTRATOR_CACHE_DIR;
  if (explicit) return path.resolve(explicit);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'oms-orchestrator');
}

/** The first executable called `name` on PATH. */
export function findOnPath(name: string): string | undefined {
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

/** The Go toolchain's `[major, minor]`, or undefined without a usable `go` on PATH. */
export async function goVersion(): Promise<[number, number] | undefined> {
  try {
    const { stdout } = await execFileAsync('go', ['env', 'GOVERSION'], { timeout: 60_000 });
    const m = /go(\d+)\.(\d+)/.exec(stdout);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  } catch {
    return undefined;
  }
}

/** Why Go cannot build the pinned programs (missing or too old), or undefined when it can. */
export async function goProblem(): Promise<string | undefined> {
  const go = await goVersion();
  if (!go) return 'no Go toolchain on PATH';
  if (go[0] < MIN_GO[0] || (go[0] === MIN_GO[0] && go[1] < MIN_GO[1])) {
    return `Go ${go.join('.')} is too old to build it (needs >= ${MIN_GO.join('.')})`;
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
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

/** Waits (bounded) for another process's build: resolves when its lock is released. */
async function waitForLockRelease(lockDir: string, what: string, log: (m: string) => void): Promise<void> {
  const deadline = Date.now() + 60 * 60 * 1000;
  log(`Another process is building ${what}; waiting for it to finish...`);
  while (fs.existsSync(lockDir)) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for the build lock ${lockDir}`);
    await new Promise((r) => setTimeout(r, 1000));
    // An owner that died leaves the lock behind; tryLock clears it, then we release it again.
    if (tryLock(lockDir)) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      return;
    }
  }
}

/**
 * Runs `body` holding the directory lock `lockDir` (created next to the cache entry), waiting for another holder
 * first. `body` should re-check whether the other holder already produced what it needs.
 */
export async function withBuildLock<T>(
  lockDir: string,
  what: string,
  log: (m: string) => void,
  body: () => Promise<T>,
): Promise<T> {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  while (!tryLock(lockDir)) await waitForLockRelease(lockDir, what, log);
  try {
    return await body();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

export interface GoInstallSpec {
  /** What is built, for progress messages ("the Temporal CLI v1.5.1"). */
  label: string;
  /** The main package, e.g. `go.temporal.io/server/cmd/server`. */
  goPackage: string;
  /** Module version without the `v`. */
  version: string;
  /** Where the binary ends up (its directory is created). */
  target: string;
  /** Extra `go install` flags (e.g. `-ldflags ...`). */
  flags?: string[];
  /** A check that the fresh binary runs (before it is moved into place). */
  verify?: (binary: string) => Promise<boolean>;
}

/**
 * `CGO_ENABLED=0 go install <package>@v<version>` into a private GOBIN next to the target, then an atomic rename
 * onto `target`. Static binaries: no C toolchain needed, and they run on any Linux of the same architecture.
 */
export async function goInstall(spec: GoInstallSpec, log: (m: string) => void): Promise<void> {
  const dir = path.dirname(spec.target);
  fs.mkdirSync(dir, { recursive: true });
  const gobin = fs.mkdtempSync(path.join(dir, '.build-'));
  const started = Date.now();
  log(`Building ${spec.label} from the official source with Go (one-time); the result is cached in ${dir}.`);
  const timer = setInterval(() => log(`  ...still building (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', ...(spec.flags ?? []), `${spec.goPackage}@v${spec.version}`], {
        env: { ...process.env, CGO_ENABLED: '0', GOBIN: gobin, GOFLAGS: '-buildvcs=false' },
        stdio: 'inherit',
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install exited with code ${code}`))));
    });
    const built = path.join(gobin, path.basename(spec.goPackage));
    if (spec.verify && !(await spec.verify(built))) throw new Error(`the freshly built ${spec.label} does not run`);
    fs.renameSync(built, spec.target); // atomic within one filesystem: nobody sees a half-written binary
    log(`${spec.label} built in ${Math.round((Date.now() - started) / 1000)} s: ${spec.target}`);
  } finally {
    clearInterval(timer);
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}
