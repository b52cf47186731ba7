/**
 * Requests that a `late-apply` fault is holding. Each waits out its hold (wall ms) or an admin release, and is
 * then processed whether or not its client is still connected. The admin API lists them, so a test can act while
 * a request is known to be held (abort the client, say) instead of guessing with a timer. An admin reset or the
 * emulator stopping cancels the holds: those requests are never processed, as a proxy cannot forward a request
 * to a service that is gone (and a reset starts a new world that the old request must not leak into).
 */
import type { Socket } from 'node:net';

import type { RouteName } from './routes';

/** A held request as the admin API shows it. */
export interface HeldRequest {
  /** The `X-Request-Id` its answer (if any) carries, and its request-log entry's `requestId`. */
  requestId: string;
  method: string;
  path: string;
  route: RouteName;
  /** Wall time the hold began (the body had been read), ISO-8601. */
  heldSince: string;
  /** Wall time the hold ends unless released earlier, ISO-8601. */
  releaseAt: string;
  /** Whether the client has disconnected meanwhile: the request will still be processed, its answer dropped. */
  clientGone: boolean;
}

/** How a hold ended: `release` = process the request now; `cancel` = drop it unprocessed (reset or stop). */
export type HoldOutcome = 'release' | 'cancel';

interface Hold {
  view: HeldRequest;
  settle(outcome: HoldOutcome): void;
}

/** The requests being held, by request id. */
export class HeldRequests {
  private readonly holds = new Map<string, Hold>();
  private closed = false;

  /**
   * Holds a request for `ms` wall milliseconds. Resolves `release` when the hold ends or an admin releases it,
   * `cancel` when {@link cancelAll} runs first. Watches `socket` to report a client that disconnects meanwhile.
   */
  hold(
    request: Pick<HeldRequest, 'requestId' | 'method' | 'path' | 'route'>,
    ms: number,
    socket: Socket,
  ): Promise<HoldOutcome> {
    return new Promise((resolve) => {
      if (this.closed) {
        resolve('cancel');
        return;
      }
      const now = Date.now();
      const view: HeldRequest = {
        ...request,
        heldSince: new Date(now).toISOString(),
        releaseAt: new Date(now + ms).toISOString(),
        clientGone: socket.destroyed,
      };
      const onClose = (): void => {
        view.clientGone = true;
      };
      const settle = (outcome: HoldOutcome): void => {
        if (this.holds.get(request.requestId)?.view !== view) return;
        this.holds.delete(request.requestId);
        clearTimeout(timer);
        socket.off('close', onClose);
        resolve(outcome);
      };
      const timer = setTimeout(() => settle('release'), ms);
      socket.once('close', onClose);
      this.holds.set(request.requestId, { view, settle });
    });
  }

  /** The held requests, oldest first (copies). */
  list(): HeldRequest[] {
    return [...this.holds.values()].map((h) => ({ ...h.view }));
  }

  /** Ends the hold of one request (or of all) now: it is processed at once. Returns how many were released. */
  release(requestId?: string): number {
    const targets = [...this.holds.values()].filter((h) => requestId === undefined || h.view.requestId === requestId);
    for (const h of targets) h.settle('release');
    return targets.length;
  }

  /** Drops every held request unprocessed (admin reset). */
  cancelAll(): void {
    for (const h of [...this.holds.values()]) h.settle('cancel');
  }

  /** Drops every held request unprocessed and cancels any later hold at once (the emulator is stopping). */
  close(): void {
    this.closed = true;
    this.cancelAll();
  }
}
