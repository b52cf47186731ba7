/**
 * The one secret redactor: error messages built from server text (OMS/IAM clients, Temporal connection errors)
 * and the worker's log lines (worker/logger.ts) are scrubbed by the same rule. Pure, so it sits with the shared
 * helpers that activities, the worker and the client may all import.
 */

/**
 * Secrets shorter than this are not searched for: no real credential is that short, and replacing every
 * occurrence of one or two characters would make a message or a JSON log line unreadable.
 */
export const MIN_SECRET_LENGTH = 4;

/**
 * Builds a function that replaces every occurrence of the given secrets (and their JSON-escaped and URL-encoded
 * forms, since text may be serialized before it is scrubbed) with `***`. Empty, missing and too short
 * ({@link MIN_SECRET_LENGTH}) values are skipped.
 */
export function makeRedactor(secrets: Iterable<string | undefined>): (text: string) => string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    needles.add(secret);
    needles.add(JSON.stringify(secret).slice(1, -1));
    needles.add(encodeURIComponent(secret));
  }
  // Longest first, so a secret containing another secret is removed whole.
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((acc, needle) => acc.split(needle).join('***'), text);
}
