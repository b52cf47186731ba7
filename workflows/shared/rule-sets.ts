/**
 * Which validation rules a workflow applies to its own input, frozen per execution.
 *
 * Workflow code runs again on every replay, validation included: a rule tightened in place would refuse, on
 * replay, an input the run accepted when it started, and the run would fail with a non-determinism error (or a
 * running migration would end `InvalidMigrationInput`). So rules are never changed in place. Each rule set is a
 * named `ValidationRules` value of the validator, and each set after the first is selected by a `patched()` id:
 * a new run writes the marker and validates under the newest set; a replayed run finds the markers of its own
 * history and validates under the set it started with. Runs carried over by continue-as-new do not validate again
 * (their input is what their first run validated).
 *
 * To tighten (or loosen) a rule: add a rule set to the validator (`ValidationRules` in `validate-request.ts`, with
 * the old sets left unchanged), then append a row here with a new patch id. test/replay/validation-rules-replay
 * proves that the recorded histories replay with a stricter set added this way.
 */
import { COMPLETION_NOTIFY_PATCH, CORE_PROMISES_PATCH } from '../migration-patches';
import type { ValidationRules } from './validate-request';

/** A rule set and the patch that makes new runs use it (`null`: the first set, used by runs without any marker). */
export interface RuleSetVersion {
  readonly rules: ValidationRules;
  readonly patch: string | null;
}

/** Patch: batch input validated under the v2 request rules (UTF-16 description, region ids, size bounds). */
export const BATCH_RULES_PATCH = 'oms-batch-rules-v2';

/**
 * Rule sets of `migrationWorkflow`'s request, oldest first (`v2` came with the core-promises patch, `v3` (the
 * `notification` object) with the completion-notify patch).
 */
export const MIGRATION_RULE_SETS: readonly RuleSetVersion[] = [
  { rules: 'v1', patch: null },
  { rules: 'v2', patch: CORE_PROMISES_PATCH },
  { rules: 'v3', patch: COMPLETION_NOTIFY_PATCH },
];

/** Rule sets of `batchMigrationWorkflow`'s input (its items included), oldest first. */
export const BATCH_RULE_SETS: readonly RuleSetVersion[] = [
  { rules: 'v1', patch: null },
  { rules: 'v2', patch: BATCH_RULES_PATCH },
];

/**
 * The rule set a run validates under: the newest set whose patch `isPatched` (the workflow's `patched`) reports.
 * A new run thus gets the newest set; a replayed run gets the set whose marker its history holds. Call it once,
 * when the run starts, so the markers come at the same point of every history.
 */
export function selectRules(sets: readonly RuleSetVersion[], isPatched: (patchId: string) => boolean): ValidationRules {
  for (let i = sets.length - 1; i > 0; i--) {
    const set = sets[i]!;
    if (set.patch === null || isPatched(set.patch)) return set.rules;
  }
  const first = sets[0];
  if (first === undefined) throw new TypeError('selectRules needs at least one rule set');
  return first.rules;
}
