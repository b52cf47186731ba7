/** Test helpers: unique ids and a bounded wait-until (polling a condition, never a fixed sleep). */
import { randomUUID } from 'node:crypto';

/** A unique, readable id for a workflow, task queue or other per-test resource. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Polls `check` until it returns a truthy value (which is returned) or `timeoutMs` passes (which throws, naming
 * what was awaited); by default for 30 s, every 100 ms. Errors thrown by `check` count as "not yet".
 */
export { pollUntil as waitFor } from '../../scripts/lib/wait';
