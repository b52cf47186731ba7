/**
 * OMS's failed-object list: parsing its lines and summarising it within fixed bounds while it streams.
 *
 * Documented (docs/oms-api.md): the list is written to the destination bucket at `failed_object_record.list_file_key`
 * (seen as `oms/failed_object_lists/<id>/failed-objects-list.txt`). Not documented: the format of a line. Assumed
 * here: one failed object per line, its key (for URL-list tasks, the URL-list line `URL<TAB>key`), optionally
 * followed by a tab, an error code (`TRF.0159`: letters, a dot, four digits) and optionally a tab and a reason
 * text. A line without a code field is a key only; empty lines are skipped, a trailing CR and a leading BOM are
 * dropped. A key that itself contains a tab followed by a code-shaped field would be misread (documented limit).
 */
import readline from 'node:readline';
import type { Readable } from 'node:stream';

import {
  REASONS_NOT_RECORDED,
  type FailedObjectReasonCount,
  type FailedObjectsListSummary,
} from '../../workflows/report-types';

/** One parsed line. */
export interface FailedListEntry {
  /** The key (URL-list tasks: the URL-list line). */
  key: string;
  error_code?: string;
  reason?: string;
}

const ERROR_CODE = /^[A-Z][A-Z0-9]{1,9}\.\d{4}$/;

/** Parses one line; undefined for an empty line. */
export function parseFailedListLine(rawLine: string): FailedListEntry | undefined {
  const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  if (line.trim() === '') return undefined;
  const fields = line.split('\t');
  const at = fields.findIndex((f, i) => i > 0 && ERROR_CODE.test(f));
  if (at < 0) return { key: line };
  const reason = fields.slice(at + 1).join('\t');
  return { key: fields.slice(0, at).join('\t'), error_code: fields[at]!, ...(reason !== '' ? { reason } : {}) };
}

/** Bounds of a summary. */
export interface SummaryBounds {
  /** Keys kept (default 20). */
  maxKeys: number;
  /** Total UTF-8 bytes of the kept keys (default 4 KiB): long keys stop the sample early. */
  maxKeyBytes?: number;
  /** Histogram bars (default 10; the rest are merged into `other`). */
  maxReasons?: number;
}

const MAX_REASON_CHARS = 200;
/** Distinct (code, reason) pairs tracked while streaming; beyond it new pairs count under `other`. */
const MAX_TRACKED_REASONS = 1_000;

/** Folds entries into a {@link FailedObjectsListSummary} in constant memory. */
export class FailedListSummarizer {
  private count = 0;
  private withCode = 0;
  private keyBytes = 0;
  private keysFull = false;
  private readonly keys: string[] = [];
  private readonly reasons = new Map<string, FailedObjectReasonCount>();
  private untracked = 0;
  private bytes = 0;

  constructor(private readonly bounds: SummaryBounds) {}

  /** Counts bytes read (for `list_bytes`). */
  addBytes(n: number): void {
    this.bytes += n;
  }

  add(entry: FailedListEntry): void {
    this.count += 1;
    if (!this.keysFull) {
      const size = Buffer.byteLength(entry.key);
      if (this.keys.length >= this.bounds.maxKeys || this.keyBytes + size > (this.bounds.maxKeyBytes ?? 4_096)) {
        this.keysFull = true;
      } else {
        this.keys.push(entry.key);
        this.keyBytes += size;
      }
    }
    const code = entry.error_code ?? '';
    if (code === '') return;
    this.withCode += 1;
    const reason = entry.reason?.slice(0, MAX_REASON_CHARS);
    const id = `${code}\t${reason ?? ''}`;
    const bar = this.reasons.get(id);
    if (bar) bar.count += 1;
    else if (this.reasons.size < MAX_TRACKED_REASONS) {
      this.reasons.set(id, { error_code: code, ...(reason !== undefined ? { reason } : {}), count: 1 });
    } else this.untracked += 1;
  }

  summary(): FailedObjectsListSummary {
    let reasons: FailedObjectsListSummary['reasons'] = REASONS_NOT_RECORDED;
    if (this.withCode > 0) {
      const sorted = [...this.reasons.values()].sort(
        (a, b) => b.count - a.count || (a.error_code < b.error_code ? -1 : a.error_code > b.error_code ? 1 : 0),
      );
      const max = this.bounds.maxReasons ?? 10;
      reasons = sorted.slice(0, max);
      // Lines without a code in a list where others have one are "unknown" rather than dropped from the counts.
      const other =
        sorted.slice(max).reduce((sum, r) => sum + r.count, 0) + this.untracked + (this.count - this.withCode);
      if (other > 0) reasons.push({ error_code: 'other', count: other });
    }
    return { count: this.count, first_keys: [...this.keys], reasons, list_bytes: this.bytes };
  }
}

/**
 * Reads a list from a byte stream line by line (UTF-8), calling `onEntry` for each entry. Memory stays bounded by
 * the longest line (OMS caps list lines at 65,535 bytes).
 */
export async function readFailedList(
  stream: Readable,
  onEntry: (entry: FailedListEntry) => void,
  onBytes?: (n: number) => void,
): Promise<void> {
  if (onBytes) stream.on('data', (chunk: Buffer | string) => onBytes(Buffer.byteLength(chunk)));
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let first = true;
  for await (const raw of lines) {
    const line = first && raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
    first = false;
    const entry = parseFailedListLine(line);
    if (entry) onEntry(entry);
  }
}

/** Summarises a whole list from a stream. */
export async function summarizeFailedList(stream: Readable, bounds: SummaryBounds): Promise<FailedObjectsListSummary> {
  const summarizer = new FailedListSummarizer(bounds);
  await readFailedList(
    stream,
    (e) => summarizer.add(e),
    (n) => summarizer.addBytes(n),
  );
  return summarizer.summary();
}
