/**
 * Validation rules are frozen per run (workflows/shared/rule-sets.ts): tightening a rule through a new rule set and a
 * new patch leaves every recorded run replaying as it was, while tightening it in place breaks the runs validated
 * under the old rule. Proven by replaying the committed histories against bundles whose validator is swapped for
 * test/fixtures/stricter-rules/validate-request.ts (webpack module replacement).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import type * as Webpack from 'webpack';

import { CORE_PROMISES_PATCH } from '../../workflows/migration-patches';
import { BATCH_RULES_PATCH, BATCH_RULE_SETS, MIGRATION_RULE_SETS, selectRules } from '../../workflows/shared/rule-sets';
import * as currentValidator from '../../workflows/shared/validate-request';
import * as stricterRuleSets from '../fixtures/stricter-rules/rule-sets';
import * as refusingValidator from '../fixtures/stricter-rules/validate-request';
import { recordedWorkflowId } from './recordings';

jest.setTimeout(240_000);

const DIR = path.join(__dirname, 'histories');
const WORKFLOWS_DIR = path.resolve(__dirname, '../../workflows');
const FIXTURES = path.resolve(__dirname, '../fixtures/stricter-rules');
/** The webpack the SDK bundles with. */
const webpack = createRequire(require.resolve('@temporalio/worker'))('webpack') as typeof Webpack;

/**
 * The workflows, with the validator refusing every request under `refused` rule sets and, when `addRuleSet`, the
 * stricter rule set of the fixtures added to the registry (selected by a new patch).
 */
async function bundleWith(refused: string[], addRuleSet: boolean): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    webpackConfigHook: (config) => {
      config.plugins = [
        ...(config.plugins ?? []),
        new webpack.DefinePlugin({ REFUSED_RULES: JSON.stringify(refused) }),
        new webpack.NormalModuleReplacementPlugin(
          /\/(validate-request|rule-sets)$/,
          (resource: Webpack.ResolveData) => {
            // Only the workflows' own imports: the fixtures import the real modules.
            if (!resource.context.startsWith(WORKFLOWS_DIR)) return;
            const name = path.basename(resource.request);
            if (name === 'validate-request' || addRuleSet) resource.request = path.join(FIXTURES, name);
          },
        ),
      ];
      return config;
    },
  });
}

function history(file: string): ReturnType<typeof historyFromJSON> {
  return historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as unknown);
}

/** Recorded runs that validate their input: every migration and the first run of the batch. */
const validating = fs
  .readdirSync(DIR)
  .filter((f) => /^migration-.*\.json$/.test(f) || f.startsWith('batch-first-run'))
  .sort();

test('the registries select the rule set of each recorded run, and the newest set for new runs', () => {
  expect(selectRules(MIGRATION_RULE_SETS, () => false)).toBe('v1');
  expect(selectRules(MIGRATION_RULE_SETS, (id) => id === CORE_PROMISES_PATCH)).toBe('v2');
  expect(selectRules(BATCH_RULE_SETS, () => false)).toBe('v1');
  expect(selectRules(BATCH_RULE_SETS, (id) => id === BATCH_RULES_PATCH)).toBe('v2');
  // With the stricter set added, a new run (where every `patched()` is true) gets it; recorded runs do not.
  expect(selectRules(stricterRuleSets.MIGRATION_RULE_SETS, () => true)).toBe(stricterRuleSets.STRICT_RULES);
  expect(selectRules(stricterRuleSets.BATCH_RULE_SETS, () => true)).toBe(stricterRuleSets.STRICT_RULES);
  expect(selectRules(stricterRuleSets.MIGRATION_RULE_SETS, (id) => id === CORE_PROMISES_PATCH)).toBe('v2');
});

test('the refusing validator re-exports everything the real one exports', () => {
  expect(Object.keys(refusingValidator).sort()).toEqual(Object.keys(currentValidator).sort());
});

describe('with a stricter rule set added by a new patch', () => {
  let workflowBundle: { code: string };
  beforeAll(async () => {
    workflowBundle = await bundleWith([stricterRuleSets.STRICT_RULES], true);
  });

  test('the bundle holds the stricter rule set and the refusing validator', () => {
    expect(workflowBundle.code).toContain('test-stricter-migration-rules');
    expect(workflowBundle.code).toContain('refused by the tightened test rule');
  });

  test.each(validating)('%s replays unchanged', async (file) => {
    await expect(
      Worker.runReplayHistory({ workflowBundle }, history(file), recordedWorkflowId(file)),
    ).resolves.toBeUndefined();
  });
});

describe('with the v2 rule set tightened in place (what not to do)', () => {
  let workflowBundle: { code: string };
  beforeAll(async () => {
    workflowBundle = await bundleWith(['v2'], false);
  });

  test.each(validating.filter((f) => f.includes('-v3') || f.startsWith('batch-')))(
    '%s, validated under v2, no longer replays',
    async (file) => {
      await expect(
        Worker.runReplayHistory({ workflowBundle }, history(file), recordedWorkflowId(file)),
      ).rejects.toMatchObject({
        name: 'DeterminismViolationError',
      });
    },
  );

  test('a run validated under v1 still replays', async () => {
    await expect(
      Worker.runReplayHistory({ workflowBundle }, history('migration-succeeded.json')),
    ).resolves.toBeUndefined();
  });
});
