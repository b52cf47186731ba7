/**
 * The CLI's input and output plumbing: where lines go, how request files are read, and how the process treats
 * its standard streams and Node's warnings.
 */
import fs from 'node:fs';

import { CliError, EXIT } from './exit-codes';
import { jsonErrorAt } from './json-error';

/** Output sink of the CLI: one line per call. */
export type Out = (text: string) => void;

/**
 * Where a command writes: `out` (standard output: the command's result only), `err` (standard error: errors,
 * warnings, hints) and, on a terminal, `tty` for in-place redraws.
 */
export interface CliIo {
  out: Out;
  err: Out;
  /** Present only when standard output is a terminal: raw writes (no newline added) for redrawn lines. */
  tty?: { write(text: string): void };
  /** Width to fit lines into: the terminal's (current), else `COLUMNS`, else 80. */
  readonly columns: number;
}

/** The width lines must fit: the terminal's columns, else `COLUMNS` (when a number ≥ 20), else 80. */
export function outputColumns(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env >= 20 ? env : 80;
}

/**
 * Reads and parses a JSON file, or standard input for "-".
 * @throws CliError (`invalid_input`) naming the file and, for a syntax error, its line and column; never the
 *   file's content (it may hold secrets pasted by mistake).
 */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError('invalid_input', `Cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // V8's message may quote the text (a secret pasted by mistake): not kept, not even as the cause.
    throw new CliError('invalid_input', `Cannot read ${file}: ${describeJsonError(text)}`);
  }
}

/**
 * "not valid JSON at line 3, column 7 (expected ':' after the property name)": the position of the first error
 * (found by {@link jsonErrorAt}), never the text around it.
 */
export function describeJsonError(text: string): string {
  const at = jsonErrorAt(text);
  if (!at) return 'not valid JSON';
  const before = text.slice(0, at.offset);
  const line = before.split('\n').length;
  const column = at.offset - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column} (expected ${at.expected})`;
}

/** Resolves on Ctrl-C (SIGINT) while installed; `dispose` removes the handler (Node's default exit comes back). */
export function interruption(): { interrupted: Promise<'interrupted'>; dispose: () => void } {
  let onSignal: () => void = () => undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onSignal = () => resolve('interrupted');
  });
  process.once('SIGINT', onSignal);
  return { interrupted, dispose: () => process.removeListener('SIGINT', onSignal) };
}

/** Waits `ms`, or less when `interrupted` resolves first (then says so). */
export async function sleepUnless(ms: number, interrupted: Promise<'interrupted'>): Promise<'slept' | 'interrupted'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise<'slept'>((resolve) => (timer = setTimeout(() => resolve('slept'), ms))),
      interrupted,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Output piped into a reader that stops early (`status X | head -2`) or closed: exit quietly, as Unix tools do,
 * instead of crashing on EPIPE with a stack trace. Other stream errors stay fatal.
 */
export function exitQuietlyOnClosedOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? EXIT.OK);
      throw e;
    });
  }
}

/**
 * Hides Node's DEP0123 warning ("Setting the TLS ServerName to an IP address…"), which the gRPC library triggers
 * on every TLS connection to an IP address (it passes the address as the server name; the certificate is still
 * checked against the IP). Other warnings pass. A CLI's stderr is for the user's problems, not a dependency's.
 */
export function hideTlsIpServerNameWarning(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = (...args: unknown[]) => {
    const [, typeOrOptions, code] = args;
    const found = typeof typeOrOptions === 'object' ? (typeOrOptions as { code?: string } | null)?.code : code;
    if (found !== 'DEP0123') emit(...args);
  };
}
