/**
 * The integer environment-variable reader shared by the codec server's and the worker's config (client/ is neutral
 * ground: the worker may import from it, client/ may not import from worker/).
 */

/**
 * A reader of integer variables in `[min, max]` that records a problem in `problems` (and returns the fallback) when a
 * value is not one, so a config loader can report every bad variable at once. An unset or blank variable is the
 * fallback.
 */
export function integerEnvReader(
  env: Record<string, string | undefined>,
  problems: string[],
): <F extends number | undefined>(name: string, fallback: F, min: number, max: number) => number | F {
  return (name, fallback, min, max) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return n;
  };
}
