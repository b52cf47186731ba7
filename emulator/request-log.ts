/**
 * Per-route request counters and a bounded request log for the admin API. Entries hold no secrets and no bodies:
 * method, path (no query string), route, status, auth mode, timings, and the error code of error answers.
 */
import type { FaultKind } from './faults';
import type { RouteName } from './routes';

/** One logged request. */
export interface RequestLogEntry {
  seq: number;
  /** Wall time the request arrived, ISO-8601. */
  time: string;
  method: string;
  path: string;
  /** Route name, or null for unmatched requests. */
  route: RouteName | null;
  /** HTTP status sent, or null when none was: connection reset, response lost, or the client already gone. */
  status: number | null;
  /** How the request authenticated ('none' for IAM, unmatched and rejected requests). */
  authMode: 'token' | 'aksk' | 'none';
  /** IAM user name for token and password calls (never an AK or a credential). */
  user: string | null;
  /** `error_code` of an error answer. */
  errorCode: string | null;
  /** Faults applied to the request (`late-apply` with `status` null: processed after the client had left). */
  faults: FaultKind[];
  /**
   * Whether the request reached its handler, so it took effect unless its answer is an error (see `errorCode`):
   * true even when the answer was then lost; false for resets, injected 5xx/429 answers, bodies the client never
   * finished sending, and unmatched routes.
   */
  processed: boolean;
  durationMs: number;
  requestId: string;
}

/** Counters by route name; unmatched requests count under `Unmatched`. */
export type RouteCounters = Partial<Record<RouteName | 'Unmatched', number>>;

/** A ring buffer of recent entries plus cumulative counters. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private start = 0;
  private seq = 0;
  private counters: RouteCounters = {};

  constructor(private capacity: number) {}

  /** Counts a request as soon as it is routed (so requests whose connection is reset still count). */
  count(route: RouteName | null): void {
    const key = route ?? 'Unmatched';
    this.counters[key] = (this.counters[key] ?? 0) + 1;
  }

  /** Appends an entry (the sequence number is assigned here). */
  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    const full: RequestLogEntry = { ...entry, seq: ++this.seq };
    if (this.entries.length < this.capacity) {
      this.entries.push(full);
    } else {
      this.entries[this.start] = full;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Entries oldest first, optionally only for one route and only the last `limit`. */
  list(route?: string, limit?: number): RequestLogEntry[] {
    const ordered = [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
    const filtered = route === undefined ? ordered : ordered.filter((e) => e.route === route);
    return limit === undefined ? filtered : filtered.slice(Math.max(0, filtered.length - limit));
  }

  counts(): RouteCounters {
    return { ...this.counters };
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
    this.counters = {};
  }
}
