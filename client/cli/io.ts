/**
 * The CLI's input and output plumbing: where lines go, how request files are read, and how the process treats
 * its standard streams and Node's warnings.
 */
import fs from 'node:fs';

import { EXIT } from './exit-codes';

/** Output sink of the CLI: one line per call. */
export type Out = (text: string) => void;

/** Reads a JSON file ("-" = standard input). */
export type ReadJson = (file: string) => unknown;

/** Reads and parses a JSON file, or standard input for "-". */
export function readJson(file: string): unknown {
  const text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  return JSON.parse(text) as unknown;
}

/** A file error for humans (never the file's content: it may hold secrets pasted by mistake). */
export function describeReadError(err: unknown): string {
  return err instanceof SyntaxError ? 'not valid JSON' : err instanceof Error ? err.message : String(err);
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
