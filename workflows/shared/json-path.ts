/**
 * Field paths as shown in validation issues: `src_node.object_key[2]`, `bandwidth_policy[0].start`, and `$` for
 * the request itself. A key that would make the path ambiguous (empty, or holding `.`, `[`, `]`, `"`, `\` or
 * white space) is written as a JSON string in brackets: `src_node["a.b"]`.
 */

/** One step of a path: an object key or an array index. */
export type PathSegment = string | number;

/** Keys that can be written bare without making the path ambiguous. */
const BARE_KEY = /^[^.[\]"\\\s]+$/u;

/** Formats a path; `[]` gives `$`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${String(segment)}]`;
    else if (!BARE_KEY.test(segment)) out += `[${JSON.stringify(segment)}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out === '' ? '$' : out;
}
