/**
 * The one "is this a JSON object?" check, for workflows, activities and the client alike (pure and sandbox-safe,
 * so it lives with the shared workflow helpers).
 */

/** True for an object that is neither `null` nor an array: a parsed JSON object, or a plain record. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
