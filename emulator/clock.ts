/**
 * The simulated clock. Simulated epoch ms advance `scale` times faster than the wall clock; the scale can change
 * at runtime without a jump (the clock is re-anchored), and a persisted clock resumes where it stopped.
 *
 * Scale 0 is the manual clock: simulated time stands still and moves only by {@link SimClock.advance}. Tests that
 * assert progress, durations or a status at an instant use it, so that however slowly the machine runs them (a
 * CPU-bound neighbour, a loaded CI runner) the simulated instant each read sees is exactly the one they set.
 */
import { performance } from 'node:perf_hooks';

/** Simulated time. Task progress, durations, speeds and quotas use it; tokens and signatures use wall time. */
export class SimClock {
  private anchorSim: number;
  private anchorWall: number;
  private currentScale: number;
  private frozenAt: number | null = null;

  /**
   * @param startSimMs simulated epoch ms at construction (the wall time for a fresh state, the persisted
   *   simulated time after a restart)
   * @param scale simulated ms per wall ms (0 = manual clock)
   */
  constructor(startSimMs: number, scale: number) {
    this.anchorSim = startSimMs;
    this.anchorWall = performance.now();
    this.currentScale = scale;
  }

  /** Current simulated epoch ms (fractional). */
  now(): number {
    if (this.frozenAt !== null) return this.frozenAt;
    if (this.currentScale === 0) return this.anchorSim;
    return this.anchorSim + (performance.now() - this.anchorWall) * this.currentScale;
  }

  /** Simulated ms per wall ms (0 = manual clock). */
  get scale(): number {
    return this.currentScale;
  }

  /** Changes the scale from now on (0 stops it: manual clock); simulated time stays continuous. */
  setScale(scale: number): void {
    this.rebase(this.now());
    this.currentScale = scale;
  }

  /** Jumps simulated time forward by `ms` (admin "advance"). */
  advance(ms: number): void {
    this.rebase(this.now() + ms);
  }

  /** Stops the clock (used while the emulator is stopping, so the persisted time is the time of the stop). */
  freeze(): void {
    this.frozenAt = this.now();
  }

  private rebase(simMs: number): void {
    this.anchorSim = simMs;
    this.anchorWall = performance.now();
  }
}
