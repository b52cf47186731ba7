/**
 * Worker-process cache of IAM tokens, one per credential profile, so activities never pass tokens through
 * workflow history (docs/temporal-notes.md §4). Tokens live 24 h and obtaining a new one does not invalidate old
 * ones (docs/oms-api.md §2.3), so caching is both allowed and recommended by the IAM docs.
 */
import type { IamToken } from './iam';

/**
 * What `OmsClient` consumes in token mode: a source of tokens for one credential profile.
 * The returned string is a bearer secret: never log it or put it in an error.
 */
export interface TokenProvider {
  /** A valid token, fetching one if needed. Rejects with the signal's reason when `signal` aborts first. */
  getToken(signal?: AbortSignal): Promise<string>;
  /**
   * Drops the cached token (call it after an HTTP 401). With `staleToken`, only drops it if it is still that
   * token, so a 401 on an old token does not throw away a newer one another caller already fetched.
   */
  invalidate(staleToken?: string): void;
}

/** Fetches a fresh token for a profile; e.g. `(p) => fetchIamToken({ ...profiles[p], dispatcher })`. */
export type TokenFetcher = (profile: string) => Promise<IamToken>;

/** Options of {@link TokenCache}. */
export interface TokenCacheOptions {
  /** How to obtain a token for a profile. Called without a signal: the call is shared by all waiters. */
  fetchToken: TokenFetcher;
  /**
   * Refresh this long before `expiresAt`; default {@link DEFAULT_REFRESH_BEFORE_EXPIRY_MS}. Capped at half the
   * token's lifetime, so a short-lived token is still used for a while.
   */
  refreshBeforeExpiryMs?: number;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

/** Default refresh margin: 5 minutes before expiry. */
export const DEFAULT_REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

interface CacheEntry {
  token: string;
  /** Epoch ms after which the token is no longer handed out. */
  refreshAt: number;
}

/**
 * Caches IAM tokens per credential profile name.
 *
 * - Returns the cached token until `refreshBeforeExpiryMs` (≤ half the lifetime) before `expiresAt`.
 * - Single-flight: concurrent callers for the same profile share one in-flight IAM call.
 * - A failed fetch is not cached; the next caller tries again (Temporal's retry policy paces that).
 * - Cancelling one waiter does not cancel the shared fetch (other waiters still need it); the fetch is bounded
 *   by the HTTP timeouts instead.
 */
export class TokenCache {
  private readonly fetchToken: TokenFetcher;
  private readonly refreshBeforeExpiryMs: number;
  private readonly now: () => Date;
  private readonly entries = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<CacheEntry>>();

  /** @param options see {@link TokenCacheOptions} */
  constructor(options: TokenCacheOptions) {
    this.fetchToken = options.fetchToken;
    this.refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? DEFAULT_REFRESH_BEFORE_EXPIRY_MS;
    if (!(this.refreshBeforeExpiryMs >= 0)) throw new RangeError('refreshBeforeExpiryMs must be >= 0');
    this.now = options.now ?? (() => new Date());
  }

  /** A valid token for `profile`; see the class notes for caching and single-flight behaviour. */
  async getToken(profile: string, signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const cached = this.entries.get(profile);
    if (cached && this.now().getTime() < cached.refreshAt) return cached.token;
    let flight = this.inFlight.get(profile);
    if (!flight) {
      flight = this.startFetch(profile);
      this.inFlight.set(profile, flight);
    }
    const entry = await abortable(flight, signal);
    return entry.token;
  }

  /** Drops the cached token of `profile` (only if it equals `staleToken`, when given). */
  invalidate(profile: string, staleToken?: string): void {
    const cached = this.entries.get(profile);
    if (cached && (staleToken === undefined || cached.token === staleToken)) this.entries.delete(profile);
  }

  /** A {@link TokenProvider} bound to one profile, for `OmsClient`. */
  providerFor(profile: string): TokenProvider {
    return {
      getToken: (signal) => this.getToken(profile, signal),
      invalidate: (staleToken) => this.invalidate(profile, staleToken),
    };
  }

  private startFetch(profile: string): Promise<CacheEntry> {
    const flight = this.fetchToken(profile)
      .then((fetched) => {
        const entry: CacheEntry = { token: fetched.token, refreshAt: this.refreshAt(fetched) };
        this.entries.set(profile, entry);
        return entry;
      })
      .finally(() => {
        this.inFlight.delete(profile);
      });
    // If every waiter was cancelled, nobody awaits the flight: mark its rejection handled.
    flight.catch(() => undefined);
    return flight;
  }

  private refreshAt(token: IamToken): number {
    const expires = token.expiresAt.getTime();
    const lifetime = expires - token.issuedAt.getTime();
    const margin = Math.min(this.refreshBeforeExpiryMs, Math.max(0, lifetime / 2));
    return expires - margin;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    // Reject with the signal's own reason (Temporal's CancelledFailure, or an AbortError DOMException).
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      // Passed through unchanged; fetchers reject with Errors (OmsApiError, TypeError).
      (err: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
