/**
 * The pre-flight dry run (`migrate --dry-run`, `MigrationClient.preflight`; docs/dry-run.md): validates a migration
 * request, then runs the `preflightChecks` activity on the worker, where the credentials live, and returns every
 * check's verdict. It creates nothing: no OMS task, no region-limiter slot, no search attributes.
 */
import { proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { PREFLIGHT_CALL } from './activity-options';
import { invalidInputFailure } from './invalid-input';
import { preflightOk, type PreflightResult } from './preflight-types';
import type { MigrationRequest } from './request-types';
import { validateMigrationRequest } from './shared/validate-request';

const { preflightChecks } = proxyActivities<Activities>(PREFLIGHT_CALL);

/**
 * Checks `request` without starting it. Fails with `InvalidMigrationInput` (before any call) when the request does
 * not validate; otherwise returns a {@link PreflightResult} (`ok` false when any check found a problem).
 */
export async function preflightWorkflow(request: MigrationRequest): Promise<PreflightResult> {
  // A dry run lasts seconds and is never continued, so it validates under the newest rules: the ones `migrate`
  // applies to a request started now. (A rule set added later would need a patch only for a dry run in flight
  // across that deploy; its worst case is a failed dry run, which the operator repeats.)
  const validation = validateMigrationRequest(request);
  if (!validation.ok) throw invalidInputFailure('migration request', validation.errors);
  const { checks, calls } = await preflightChecks({ request: validation.request });
  return { ok: preflightOk(checks), checks, calls };
}
