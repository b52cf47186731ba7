/**
 * Persistence of the emulator state in a data directory: one JSON snapshot (`state.json`), written atomically
 * (temporary file, fsync, rename), debounced after changes, periodically while tasks are active (so the simulated
 * clock and progress survive even a kill), and on stop. Without a data directory nothing is written.
 *
 * What is persisted (and what is not): tasks with their secret-free spec, counters and the objects of running
 * transfers; buckets and objects; the simulated clock; the IAM signing secret and revocation thresholds (so
 * issued tokens stay valid across restarts); quota history. Never persisted: task credentials (only whether they
 * matched a configured key pair), token strings, passwords, the request log, counters, fault rules, lock-outs.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

import type { IamSnapshot } from './iam';
import type { BucketSnapshot } from './object-store';
import type { SimulatorSnapshot } from './simulator';

/** The snapshot file format. */
export interface PersistedState {
  format: 'oms-emulator-state';
  version: 1;
  /** Wall time of the write, ISO-8601. */
  savedAt: string;
  /** Simulated epoch ms at the write: the clock resumes from here. */
  simNow: number;
  iam: IamSnapshot;
  buckets: BucketSnapshot[];
  simulator: SimulatorSnapshot;
}

const FILE_NAME = 'state.json';

/** Reads the snapshot of `dir`, or undefined if there is none. Throws on a corrupt or foreign file. */
export function loadSnapshot(dir: string): PersistedState | undefined {
  const file = path.join(dir, FILE_NAME);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const value = JSON.parse(text) as Partial<PersistedState>;
  if (value.format !== 'oms-emulator-state' || value.version !== 1) {
    throw new Error(`${file} is not an OMS emulator state file (version 1)`);
  }
  return value as PersistedState;
}

/** Writes snapshots of one data directory; at most one write is in flight. */
export class SnapshotWriter {
  private timer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private closed = false;
  private lastError: Error | undefined;

  constructor(
    private readonly dir: string,
    private readonly options: { debounceMs: number; checkpointIntervalMs: number },
    private readonly produce: () => PersistedState,
    private readonly hasActiveTasks: () => boolean,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    if (options.checkpointIntervalMs > 0) {
      this.interval = setInterval(() => {
        if (this.hasActiveTasks()) void this.flush();
      }, options.checkpointIntervalMs);
      // Checkpoints must never keep a process alive on their own.
      this.interval.unref();
    }
  }

  /** Schedules a write after the debounce delay. */
  markDirty(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.debounceMs);
    this.timer.unref();
  }

  /**
   * Writes now, or right after the write in flight (writes never overlap, and flushes requested while one is
   * queued share it). Errors are kept for {@link close}, not thrown, because background callers cannot act on them.
   */
  flush(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.chain.then(() => {
      this.queued = undefined;
      return this.write();
    });
    this.queued = next;
    this.chain = next;
    return next;
  }

  /** Stops timers and writes a final snapshot; rethrows the last write error, if any. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.interval) clearInterval(this.interval);
    this.timer = undefined;
    await this.chain;
    this.takeError();
    await this.flush();
    const error = this.takeError();
    if (error) throw error;
  }

  private takeError(): Error | undefined {
    const error = this.lastError;
    this.lastError = undefined;
    return error;
  }

  private async write(): Promise<void> {
    const file = path.join(this.dir, FILE_NAME);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      const data = JSON.stringify(this.produce());
      const handle = await fsp.open(temp, 'w');
      try {
        await handle.writeFile(data, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(temp, file);
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err instanceof Error ? err : new Error('snapshot write failed', { cause: err });
    }
  }
}
