/**
 * The one bounded wait-until of the scripts, the bench and the tests: poll a condition, never sleep a fixed time.
 */

/** A condition to poll: a truthy value ends the wait (and is returned); a throw counts as "not yet". */
export type Check<T> = () => Promise<T | undefined | null | false> | T | undefined | null | false;

/**
 * Polls `check` every `intervalMs` until it returns a truthy value (which is returned) or `timeoutMs` passes
 * (which throws, naming `what` and the last error `check` threw). Errors thrown by `check` count as "not yet":
 * a server that is still starting or restarting is not a failure.
 */
export async function pollUntil<T>(
  check: Check<T>,
  timeoutMs = 30_000,
  what = 'condition',
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
