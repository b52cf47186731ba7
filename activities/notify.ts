/**
 * The completion webhook (docs/notifications.md): one signed HTTP POST of the migration's final report summary.
 *
 * One attempt per activity attempt: Temporal's retry policy is the only retry layer (migration-notify.ts bounds it
 * with `maximumAttempts`). A transport error, 408, 429 or 5xx is retried (honouring `Retry-After`); any other answer
 * that is not 2xx is final. The last allowed attempt, or a final answer, returns the failed delivery as the result
 * rather than throwing, so the workflow records it and the migration's own outcome stands.
 */
import { createHash, createHmac } from 'node:crypto';
import { isIP } from 'node:net';

import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { request } from 'undici';

import type { NotificationDelivery } from '../workflows/report-types';
import {
  DELIVERY_ID_HEADER,
  EVENT_HEADER,
  MIGRATION_FINISHED_EVENT,
  NOTIFY_FAILURE_TYPE,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type MigrationFinishedEvent,
  type NotifyMigrationEndInput,
  type NotifyMigrationEndOutput,
} from '../workflows/notify-types';
import type { ActivityDeps } from './context';
import { defaultDispatcher } from './oms/http';

/** Statuses worth another attempt besides 5xx: request timeout and throttling. */
const RETRYABLE_4XX: ReadonlySet<number> = new Set([408, 429]);
/** Longest `Retry-After` honoured; a longer one is capped (the retry budget is bounded anyway). */
const MAX_RETRY_AFTER_MS = 60_000;
/** Default timeout of one attempt when the worker sets none. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** One attempt's result: delivered, final failure (returned), or retryable failure (thrown unless last attempt). */
interface AttemptResult {
  delivered: boolean;
  retryable: boolean;
  statusCode?: number;
  error?: string;
  retryAfterMs?: number;
}

/** The notification activities over the worker's dependencies. */
export function notifyActivities(deps: ActivityDeps) {
  return {
    /**
     * Delivers the completion webhook of a migration that has ended: the request's `notification`, else the
     * worker's default webhook; `{ configured: false }` when there is neither. Idempotent for receivers: every
     * attempt carries the same `X-OMS-Delivery-Id` (derived from the workflow id, run id and outcome) and the same
     * body. Never throws for a delivery that cannot succeed (it returns it, `delivered: false`); throws the
     * retryable `WebhookUnavailable` for an attempt worth repeating, except on the last allowed attempt.
     */
    async notifyMigrationEnd(input: NotifyMigrationEndInput): Promise<NotifyMigrationEndOutput> {
      const settings = deps.notification;
      const target = input.notification
        ? { url: input.notification.webhook_url, profile: input.notification.credential_profile, source: 'request' }
        : settings?.defaultWebhook
          ? { url: settings.defaultWebhook.url, profile: settings.defaultWebhook.credentialProfile, source: 'worker' }
          : undefined;
      if (!target) return { configured: false };
      const source = target.source as NotificationDelivery['source'];

      const info = activityInfo();
      const { migration_id: workflowId, run_id: runId } = input;
      const deliveryId = deliveryIdOf(workflowId, runId, input.outcome);
      const attempt = info.attempt;
      const done = (r: Omit<AttemptResult, 'retryable' | 'retryAfterMs'>): NotifyMigrationEndOutput => ({
        configured: true,
        delivery: {
          delivered: r.delivered,
          source,
          delivery_id: deliveryId,
          attempts: attempt,
          ...(r.statusCode !== undefined ? { status_code: r.statusCode } : {}),
          ...(r.error !== undefined ? { error: r.error } : {}),
        },
      });

      const problem = targetProblem(target.url, settings?.allowInsecureHttp ?? false);
      if (problem) return done({ delivered: false, error: problem });
      const secret = deps.credentials.get(target.profile)?.webhookSecret;
      if (!secret) {
        return done({
          delivered: false,
          error:
            `the webhook's credential profile has no webhook secret on this worker ` +
            `(set OMS_PROFILE_<NAME>_WEBHOOK_SECRET for it, or "webhookSecret" in OMS_CREDENTIALS_FILE)`,
        });
      }

      const event: MigrationFinishedEvent = {
        event: MIGRATION_FINISHED_EVENT,
        delivery_id: deliveryId,
        migration_id: workflowId,
        run_id: runId,
        outcome: input.outcome,
        task_id: input.report?.task_id ?? null,
        failure: input.failure ? { type: input.failure.type ?? null, message: input.failure.message } : null,
        report: input.report ?? null,
      };
      const body = JSON.stringify(event);
      const result = await post(
        target.url,
        body,
        {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: `sha256=${signBody(secret, body)}`,
          [DELIVERY_ID_HEADER]: deliveryId,
          [TIMESTAMP_HEADER]: String(Math.floor(Date.now() / 1000)),
          [EVENT_HEADER]: MIGRATION_FINISHED_EVENT,
          'user-agent': 'oms-orchestrator-webhook/1',
        },
        settings?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        deps,
      );

      if (result.delivered || !result.retryable || attempt >= input.max_attempts) {
        if (!result.delivered) {
          log.warn('Completion webhook not delivered', {
            deliveryId,
            attempts: attempt,
            statusCode: result.statusCode,
            error: result.error,
          });
        }
        return done(result);
      }
      throw ApplicationFailure.create({
        type: NOTIFY_FAILURE_TYPE,
        message: `Completion webhook attempt ${attempt} failed: ${result.error ?? 'no 2xx answer'}`,
        details: [{ status_code: result.statusCode ?? null, attempt }],
        ...(result.retryAfterMs !== undefined ? { nextRetryDelay: result.retryAfterMs } : {}),
      });
    },
  };
}

/**
 * The delivery id: a hash of the workflow id, run id and outcome, so every attempt (and a redelivery after a worker
 * crash) of one outcome carries the same id, and different runs or outcomes never share one.
 */
export function deliveryIdOf(workflowId: string, runId: string, outcome: string): string {
  return createHash('sha256').update(`${workflowId}\n${runId}\n${outcome}`).digest('hex').slice(0, 32);
}

/** `hex(HMAC-SHA256(secret, body))`, the value after `sha256=` in `X-OMS-Signature`. */
export function signBody(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** True for `localhost` (and its subdomains), 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** Why the worker refuses to call `url` (a secret-free sentence naming no URL), or undefined. */
function targetProblem(url: string, allowInsecureHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the webhook URL is not a valid URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'the webhook URL is not http(s)';
  if (parsed.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(parsed.hostname)) {
    return (
      'plain http to a host that is not loopback is refused by this worker (signed reports would travel in clear); ' +
      'use https, or set OMS_NOTIFY_ALLOW_INSECURE_HTTP=true on the worker'
    );
  }
  return undefined;
}

/** One POST; the response body is always consumed and never kept. */
async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  deps: ActivityDeps,
): Promise<AttemptResult> {
  try {
    const res = await request(url, {
      method: 'POST',
      headers,
      body,
      dispatcher: deps.dispatcher ?? defaultDispatcher(),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: cancellationSignal(),
    });
    await res.body.dump();
    const statusCode = res.statusCode;
    if (statusCode >= 200 && statusCode < 300) return { delivered: true, retryable: false, statusCode };
    const retryable = statusCode >= 500 || RETRYABLE_4XX.has(statusCode);
    const retryAfterMs = retryable ? retryAfter(res.headers['retry-after']) : undefined;
    return {
      delivered: false,
      retryable,
      statusCode,
      error:
        statusCode >= 300 && statusCode < 400
          ? `the webhook answered HTTP ${statusCode} (redirects are not followed)`
          : `the webhook answered HTTP ${statusCode}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  } catch (err) {
    // Transport errors (refused, reset, timeout) are retried; the message names the error code, not the URL.
    const code = (err as { code?: unknown }).code;
    return {
      delivered: false,
      retryable: true,
      error: `the webhook could not be reached (${typeof code === 'string' ? code : (err as Error).name})`,
    };
  }
}

/** `Retry-After` as ms (seconds or an HTTP date), capped; undefined when absent or unparsable. */
function retryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
