/**
 * Structured JSON-lines logging for the worker, with a last line of defence: any configured secret that somehow
 * reaches a log message or attribute is replaced by `***` before it is written.
 */
import {
  DefaultLogger,
  makeTelemetryFilterString,
  type LogEntry,
  type LogLevel,
  type Logger,
} from '@temporalio/worker';

import { makeRedactor } from '../workflows/shared/redact';

/** A Temporal logger that writes one JSON object per line to stderr, scrubbing the given secrets. */
export function createJsonLogger(
  level: LogLevel,
  secrets: readonly string[],
  write: (line: string) => void = (l) => process.stderr.write(l),
): DefaultLogger {
  // Lines are scrubbed after serialization, so the JSON-escaped forms of the secrets count too.
  const redact = makeRedactor(secrets);
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
    write(`${redact(line)}\n`);
  });
}

/**
 * The filter for Temporal core's (native) log lines, which `Runtime.install({ telemetryOptions: { logging: { filter,
 * forward: {} } } })` forwards to the worker's logger (without `forward` core prints ANSI-coloured text to the
 * console). Core follows `LOG_LEVEL`, except that at INFO it stays at WARN (the SDK's default): its INFO lines
 * repeat the worker's own state changes. Other native crates (gRPC transport) log errors only.
 */
export function coreLogFilter(level: LogLevel): string {
  return makeTelemetryFilterString({ core: level === 'INFO' ? 'WARN' : level, other: 'ERROR' });
}

/**
 * Routes what Node itself would print to stderr as text through `logger`, so the worker writes JSON lines only:
 * process warnings (deprecations, listener leaks), and an uncaught exception or unhandled rejection, which is
 * logged before the process exits with code 1 as Node would.
 */
export function routeProcessOutput(logger: Logger): void {
  // Node prints warnings from its own 'warning' listener; replacing it is the documented way to take them over.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    logger.warn(`Node.js ${warning.name}: ${warning.message}`, { code: (warning as { code?: unknown }).code });
  });
  process.on('uncaughtException', (err) => {
    logger.error('The worker stopped on an uncaught error', { error: err, stack: err.stack });
    process.exit(1);
  });
}
