/**
 * Bench-only workflows (bundled separately from the product's): the baselines the benchmarks compare the
 * migration workflow with. Sandbox rules apply as in `workflows/`.
 */
import { ApplicationFailure, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';

import type { Activities } from '../../activities';
import { API_CALL } from '../../workflows/activity-options';
import { FailureType } from '../../workflows/failure-types';
import { formatIssues, validateMigrationRequest } from '../../workflows/shared/validate-request';
import type { MigrationRequest } from '../../workflows/request-types';
import { isFinalStatus, type TaskSnapshot } from '../../workflows/task-status';
import type { BenchActivities } from '../activities';

const bench = proxyActivities<BenchActivities>({ startToCloseTimeout: '60s', retry: { maximumAttempts: 5 } });
const api = proxyActivities<Activities>(API_CALL);
const show = proxyActivities<BenchActivities>(API_CALL);

/** The engine's ceiling: `activities` no-op activities one after another, nothing else. */
export async function noopWorkflow(activities: number): Promise<number> {
  for (let i = 0; i < activities; i++) await bench.benchNoop();
  return activities;
}

/** Input of {@link naivePollWorkflow}. */
export interface NaivePollInput {
  request: MigrationRequest;
  /** Timer between polls, ms. */
  intervalMs: number;
}

/** What the naive loop reports. */
export interface NaivePollResult {
  task_id: number;
  polls: number;
  history_length: number;
  final: TaskSnapshot;
}

/**
 * The naive way to wait for an OMS task: create it (with the product's activities), then `sleep` + one ShowTask
 * activity per iteration until a final status, without continue-as-new. Every iteration writes a timer and an
 * activity to history; the benchmark compares its history with the migration workflow's.
 */
export async function naivePollWorkflow(input: NaivePollInput): Promise<NaivePollResult> {
  const validation = validateMigrationRequest(input.request);
  if (!validation.ok) {
    throw ApplicationFailure.nonRetryable(formatIssues(validation.errors), FailureType.InvalidMigrationInput);
  }
  const req = validation.request;
  const apiProfile = req.orchestration.api_profile;
  await api.prepareMigration({ api_profile: apiProfile, profiles: ['src', 'dst'] });
  const created = await api.createMigrationTask({ migration_id: workflowInfo().workflowId, request: req });
  let polls = 0;
  for (;;) {
    await sleep(input.intervalMs);
    const snapshot = await show.showTaskOnce({ task_id: created.task_id, api_profile: apiProfile });
    polls += 1;
    if (isFinalStatus(snapshot.status)) {
      return { task_id: created.task_id, polls, history_length: workflowInfo().historyLength, final: snapshot };
    }
  }
}
