/**
 * The pre-flight dry run's contract (`preflightWorkflow`, `preflightChecks`, `MigrationClient.preflight`; see
 * docs/dry-run.md): what the checks report. Pure types and constants. Nothing here ever holds a secret: checks
 * report names, counts, regions and the API's own error codes and messages (already redacted by the OMS client).
 */
import type { ActivityCallCounts } from './activity-types';
import type { NormalizedMigrationRequest } from './request-types';

/** How one check ended: `skipped` when it could not run (a check it depends on failed, or it is not available). */
export type PreflightStatus = 'ok' | 'problem' | 'skipped';

/** A value a check may show: small and flat, so the table and `--json` stay readable. */
export type PreflightDetail = string | number | boolean | null | readonly string[];

/** One check's verdict. */
export interface PreflightCheck {
  /** Stable kebab-case name (`oms-endpoint`, `api-credentials`, …; docs/dry-run.md lists them). */
  name: string;
  status: PreflightStatus;
  /** Why it is a problem or skipped; for `ok`, an optional note. Never a secret. */
  reason?: string;
  /** What the check saw (counts, versions, regions). Never a secret. */
  details?: Record<string, PreflightDetail>;
}

/** The dry run's answer. */
export interface PreflightResult {
  /** True when no check is a `problem` (skipped checks do not count against it). */
  ok: boolean;
  /** Every check, in the order they ran. */
  checks: PreflightCheck[];
  /** API requests the checks made, by kind (`create` is always 0: a dry run creates nothing). */
  calls: ActivityCallCounts;
}

/** Input of the `preflightChecks` activity: the validated request (profile names only, never keys). */
export interface PreflightChecksInput {
  request: NormalizedMigrationRequest;
}

/** Result of the `preflightChecks` activity. */
export interface PreflightChecksOutput {
  checks: PreflightCheck[];
  calls: ActivityCallCounts;
}

/** Whether a set of checks passes: no check is a problem. */
export function preflightOk(checks: readonly PreflightCheck[]): boolean {
  return checks.every((c) => c.status !== 'problem');
}
