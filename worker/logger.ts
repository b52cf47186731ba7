/**
 * Structured JSON-lines logging for the worker, with a last line of defence: any configured secret that somehow
 * reaches a log message or attribute is replaced by `***` before it is written.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/** Replaces every occurrence of each secret in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    // Also the JSON-escaped form, since lines are redacted after serialization.
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1)])) out = out.split(form).join('***');
  }
  return out;
}

/** A Temporal logger that writes one JSON object per line to stderr, scrubbing the given secrets. */
export function createJsonLogger(
  level: LogLevel,
  secrets: readonly string[],
  write: (line: string) => void = (l) => process.stderr.write(l),
): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const { message, meta, level: entryLevel, timestampNanos } = entry;
    const record = {
      time: new Date(Number(timestampNanos / 1_000_000n)).toISOString(),
      level: entryLevel,
      message,
      ...meta,
    };
    let line: string;
    try {
      line = JSON.stringify(record, (_k, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        // Errors have no enumerable fields: keep what identifies them (messages are secret-free by design, and
        // the line is scrubbed below regardless).
        if (v instanceof Error) {
          const { type, nonRetryable } = v as { type?: unknown; nonRetryable?: unknown };
          return { name: v.name, message: v.message, type, nonRetryable, cause: v.cause };
        }
        return v;
      });
    } catch {
      line = JSON.stringify({ time: record.time, level: entryLevel, message });
    }
    write(`${redact(line, secrets)}\n`);
  });
}
