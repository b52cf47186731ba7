/** Small async helpers for the benchmarks: a concurrency-limited map and a bounded wait-until. */
import { pollUntil, type Check } from '../../scripts/lib/wait';

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight; resolves with the results in order.
 * The first rejection rejects the whole map (calls already in flight finish on their own).
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Polls `check` until it returns a truthy value (returned) or `timeoutMs` passes (throws, naming `what`), every
 * 250 ms by default. Errors from `check` count as "not yet" (servers restart during the soak).
 */
export function waitUntil<T>(check: Check<T>, timeoutMs: number, what: string, intervalMs = 250): Promise<T> {
  return pollUntil(check, timeoutMs, what, intervalMs);
}

/** A promise that resolves after `ms` (pacing of load generators and chaos schedules, not synchronisation). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
