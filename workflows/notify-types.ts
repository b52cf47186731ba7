/**
 * The contract of the completion webhook (docs/notifications.md): the activity's input and output, and the JSON
 * body a receiver gets. Pure types and constants, shared by the workflow, the activity and receivers' tests.
 */
import type { MigrationEndOutcome } from './metrics';
import type { MigrationReport, NotificationDelivery } from './report-types';
import type { NotificationConfig } from './request-types';

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the profile's webhook secret. */
export const SIGNATURE_HEADER = 'X-OMS-Signature';
/** Header carrying the delivery id (same value as the body's `delivery_id`): receivers deduplicate on it. */
export const DELIVERY_ID_HEADER = 'X-OMS-Delivery-Id';
/** Header carrying the Unix time (seconds) of the attempt. */
export const TIMESTAMP_HEADER = 'X-OMS-Timestamp';
/** Header carrying the event name (`migration.finished`). */
export const EVENT_HEADER = 'X-OMS-Event';
/**
 * Failure type of a delivery attempt worth repeating (transport error, 408, 429, 5xx): retryable, with
 * `nextRetryDelay` from `Retry-After`. The last allowed attempt returns the failed delivery instead.
 */
export const NOTIFY_FAILURE_TYPE = 'WebhookUnavailable';
/** The only event sent so far. */
export const MIGRATION_FINISHED_EVENT = 'migration.finished';

/** Input of the `notifyMigrationEnd` activity. */
export interface NotifyMigrationEndInput {
  /** Workflow id of the migration. */
  migration_id: string;
  /** Run id of the run that ended (with the id and the outcome, it makes the delivery id). */
  run_id: string;
  /** The request's webhook; absent: the worker's default webhook, if it has one. */
  notification?: NotificationConfig;
  /** How the migration ended (`deadline` for a migration out of time). */
  outcome: MigrationEndOutcome;
  /** The final report, when the migration has one (it has none when it failed before OMS created a task). */
  report?: MigrationReport;
  /** The failure the migration ends with (type and secret-free message), if it fails. */
  failure?: { type?: string; message: string };
  /**
   * Attempts the activity's retry policy allows: the last one reports the failure as its result instead of
   * throwing, so the delivery (failed) is recorded without failing the migration.
   */
  max_attempts: number;
}

/** Output of `notifyMigrationEnd`: the delivery, or `configured: false` when there is no webhook to call. */
export type NotifyMigrationEndOutput = { configured: true; delivery: NotificationDelivery } | { configured: false };

/** The JSON body POSTed to the webhook. Never carries a secret. */
export interface MigrationFinishedEvent {
  /** Always {@link MIGRATION_FINISHED_EVENT}. */
  event: typeof MIGRATION_FINISHED_EVENT;
  /** Stable per migration run and outcome (see `X-OMS-Delivery-Id`): a retried delivery carries the same id. */
  delivery_id: string;
  /** Workflow id. */
  migration_id: string;
  /** Workflow run id of the run that ended. */
  run_id: string;
  /** How the migration ended: a report outcome, or `deadline`. */
  outcome: MigrationEndOutcome;
  /** OMS task id, or null when no task was created. */
  task_id: number | null;
  /** The failure the migration ended with (type and message), or null. */
  failure: { type: string | null; message: string } | null;
  /** The final report (as in the workflow result or the `report` memo), or null when there is none. */
  report: MigrationReport | null;
}
