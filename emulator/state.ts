/**
 * The emulator's state container: configuration, simulated clock, buckets, simulator, IAM tokens, authenticator,
 * fault injector, request log, held requests and (with a data directory) the snapshot writer. Handlers reach
 * every part through it, so an admin reset can replace the buckets and the simulator in one place.
 */
import { randomBytes } from 'node:crypto';

import { Authenticator } from './auth';
import { SimClock } from './clock';
import type { EmulatorConfig } from './config';
import { FaultInjector } from './faults';
import { HeldRequests } from './held-requests';
import { TokenService } from './iam';
import { ObjectStore } from './object-store';
import { SeededRandom } from './random';
import { RequestLog } from './request-log';
import { Simulator } from './simulator';
import type { PersistedState } from './store';
import { SnapshotWriter, loadSnapshot } from './store';

/** Everything the request handlers work on. */
export class EmulatorState {
  readonly clock: SimClock;
  readonly tokens: TokenService;
  readonly auth: Authenticator;
  readonly faults: FaultInjector;
  readonly log: RequestLog;
  /** Requests a `late-apply` fault is holding. */
  readonly held = new HeldRequests();
  objects: ObjectStore;
  simulator: Simulator;
  private readonly writer: SnapshotWriter | undefined;

  /**
   * @param config the effective configuration; it stays live (admin settings update it in place)
   * @param dataDir where to load and persist the state; in-memory only when undefined
   */
  constructor(
    readonly config: EmulatorConfig,
    dataDir?: string,
  ) {
    const snapshot = dataDir === undefined ? undefined : loadSnapshot(dataDir);
    this.clock = new SimClock(snapshot?.simNow ?? Date.now(), config.simulation.timeScale);
    this.tokens = new TokenService(
      snapshot?.iam ?? {
        secret: randomBytes(32).toString('hex'),
        nextSeq: 1,
        revokedThroughSeq: 0,
        revokedThroughSeqByUser: {},
        revokedAt: {},
      },
    );
    this.objects = snapshot ? ObjectStore.fromSnapshot(snapshot.buckets) : this.fixtureObjects();
    this.simulator = this.newSimulator();
    if (snapshot) this.simulator.restore(snapshot.simulator);
    this.auth = new Authenticator(config, this.tokens);
    this.faults = new FaultInjector(config.seed);
    this.log = new RequestLog(config.requestLogSize);
    this.writer =
      dataDir === undefined
        ? undefined
        : new SnapshotWriter(
            dataDir,
            config.persistence,
            () => this.persisted(),
            () => this.simulator.hasActiveTasks(),
          );
  }

  /** Schedules a (debounced) snapshot write. */
  markDirty(): void {
    this.writer?.markDirty();
  }

  /** Writes a snapshot now (no-op without a data directory). */
  async flush(): Promise<void> {
    this.simulator.advance();
    await this.writer?.flush();
  }

  /**
   * Back to the configured fixtures: no tasks, fresh buckets, no faults, empty log and counters, no lock-outs;
   * requests held by a `late-apply` fault are dropped unprocessed (they belong to the world being discarded).
   * Issued tokens stay valid and the simulated clock keeps running, as they would on a real service.
   */
  reset(): void {
    this.held.cancelAll();
    this.objects = this.fixtureObjects();
    this.simulator = this.newSimulator();
    this.faults.clear();
    this.log.clear();
    this.auth.resetLockouts();
    this.markDirty();
  }

  /** Freezes the clock and writes the final snapshot. */
  async close(): Promise<void> {
    this.simulator.advance();
    this.clock.freeze();
    await this.writer?.close();
  }

  /** The snapshot of the current state (brought up to the simulated now first). */
  persisted(): PersistedState {
    this.simulator.advance();
    return {
      format: 'oms-emulator-state',
      version: 1,
      savedAt: new Date().toISOString(),
      simNow: this.clock.now(),
      iam: this.tokens.snapshot(),
      buckets: this.objects.snapshot(),
      simulator: this.simulator.snapshot(),
    };
  }

  private fixtureObjects(): ObjectStore {
    return ObjectStore.fromConfig(this.config.buckets, this.config.region, this.config.simulation.fixtureLastModified);
  }

  private newSimulator(): Simulator {
    return new Simulator({
      config: this.config,
      clock: this.clock,
      store: this.objects,
      random: new SeededRandom(this.config.seed),
      onChange: () => this.markDirty(),
    });
  }
}
