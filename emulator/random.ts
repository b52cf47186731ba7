/**
 * Seeded, deterministic pseudo-randomness. Everything random in the emulator (task ids, name suffixes,
 * rate-based faults and failures) derives from the configured seed, so runs are reproducible.
 */

/** A small, fast PRNG (mulberry32) returning floats in [0, 1). */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Restores a state read from {@link seedState}. */
  setState(state: number): void {
    this.state = state >>> 0;
  }

  /** The internal state, for persistence. */
  get seedState(): number {
    return this.state;
  }
}

/**
 * Hashes the parts into a float in [0, 1) (FNV-1a, then a final avalanche). Used where a decision must depend on
 * its inputs only (e.g. "does this object fail in this run?"), not on the order of earlier decisions.
 */
export function hashToUnit(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${part}\u0000`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}
