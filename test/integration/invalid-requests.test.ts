/**
 * Property-based invalid requests (migrations and batches) against the real system: every request `invalidRequestArb` breaks (in one known
 * place) is refused both by the workflow itself (started directly, around the client's validation) and by the
 * client, naming the broken field, without a single OMS call; and nothing crashes — the same worker then completes
 * a valid migration and the emulator is healthy.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';

import { BATCH_WORKFLOW_TYPE, BatchClient, InvalidBatchError } from '../../client/batch-client';
import { InvalidMigrationRequestError, MIGRATION_WORKFLOW_TYPE } from '../../client/migration-client';
import { formatPath } from '../../workflows/shared/json-path';
import type { ValidationIssue } from '../../workflows/request-types';
import { testEnv } from '../helpers/env';
import { startStack, type Stack } from '../helpers/stack';
import { uniqueId } from '../helpers/wait';
import { invalidRequestArb, type InvalidRequestCase } from '../unit/contract/arbitraries';
import { invalidBatchArb, type InvalidBatchCase } from '../unit/contract/batch-arbitraries';

jest.setTimeout(240_000);

/** Cases per run (each is started directly as a workflow and through the client). */
const CASES = 200;
/** Workflows started at once. */
const CONCURRENCY = 20;

let stack: Stack;
let worker: ChildProcess;
let batches: BatchClient;
beforeAll(async () => {
  // The worker runs as its own process (its log, with 400 refused workflows, goes to a file): a crash shows as an exit.
  stack = await startStack({ worker: false });
  batches = new BatchClient(stack.client, stack.taskQueue);
  worker = stack.spawnWorker(path.join(testEnv('tmpDir'), `${uniqueId('invalid-requests-worker')}.log`));
});
afterAll(async () => {
  await stack?.close();
});

/** True when `field` is `target` or one of its parents (`a` for `a.b`, `a.b` for `a.b[0]`). */
function isSelfOrParent(field: string, target: string): boolean {
  return field === target || target.startsWith(`${field}.`) || target.startsWith(`${field}[`);
}

/** What went wrong with one case, or undefined when both paths refused it correctly. */
async function check({ request, mutation }: InvalidRequestCase): Promise<string | undefined> {
  const target = formatPath(mutation.path);
  const problems: string[] = [];

  // Directly as a workflow: the client library is bypassed, the workflow validates first.
  const err: unknown = await stack.client.workflow
    .execute(MIGRATION_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: uniqueId('invalid-pbt'),
      args: [request],
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || cause.type !== 'InvalidMigrationInput' || !cause.nonRetryable) {
    problems.push(`workflow: expected a non-retryable InvalidMigrationInput, got ${String(cause ?? err)}`);
  } else {
    const issues = (cause.details?.[0] ?? []) as ValidationIssue[];
    const named = issues.filter((i) => isSelfOrParent(i.field, target));
    if (named.length === 0) problems.push(`workflow: no issue names ${target}: ${JSON.stringify(issues)}`);
    if (!named.some((i) => cause.message.includes(i.field))) {
      problems.push(`workflow: the message does not name ${target}: ${cause.message}`);
    }
    if (mutation.secret !== undefined && cause.message.includes(mutation.secret)) {
      problems.push('workflow: the message echoes the planted secret');
    }
  }

  // Through the client: refused before anything reaches Temporal.
  const clientErr: unknown = await stack.migrations
    .start(request, { migrationId: uniqueId('invalid-pbt-client') })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(clientErr instanceof InvalidMigrationRequestError)) {
    problems.push(`client: expected InvalidMigrationRequestError, got ${String(clientErr)}`);
  } else if (!clientErr.issues.some((i) => isSelfOrParent(i.field, target))) {
    problems.push(`client: no issue names ${target}: ${JSON.stringify(clientErr.issues)}`);
  }
  return problems.length === 0 ? undefined : `${mutation.kind} at ${target}: ${problems.join('; ')}`;
}

test(`${CASES} generated invalid requests are each refused by the workflow and the client, naming the field, with zero OMS calls`, async () => {
  const seed = Date.now() % 2_147_483_647;
  const cases = fc.sample(invalidRequestArb, { numRuns: CASES, seed });
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i += CONCURRENCY) {
    const results = await Promise.all(cases.slice(i, i + CONCURRENCY).map(check));
    failures.push(...results.filter((r): r is string => r !== undefined));
  }
  // The seed reproduces the run: fc.sample(invalidRequestArb, { numRuns, seed }).
  expect({ seed, failures }).toEqual({ seed, failures: [] });
  expect(new Set(cases.map((c) => c.mutation.kind)).size).toBeGreaterThanOrEqual(6);

  // Not one OMS or IAM call was made for any of them.
  expect(await stack.emulator.admin.counters()).toEqual({});
});

/** The same for a broken batch: the batch workflow started directly, and `BatchClient.start`. */
async function checkBatch({ batch, kind, field, secret }: InvalidBatchCase): Promise<string | undefined> {
  const problems: string[] = [];
  const err: unknown = await stack.client.workflow
    .execute(BATCH_WORKFLOW_TYPE, { taskQueue: stack.taskQueue, workflowId: uniqueId('invalid-batch'), args: [batch] })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || cause.type !== 'InvalidMigrationInput' || !cause.nonRetryable) {
    problems.push(`workflow: expected a non-retryable InvalidMigrationInput, got ${String(cause ?? err)}`);
  } else {
    const issues = (cause.details?.[0] ?? []) as ValidationIssue[];
    if (!issues.some((i) => isSelfOrParent(i.field, field) && cause.message.includes(i.field))) {
      problems.push(`workflow: no issue (and message) names ${field}: ${JSON.stringify(issues)}`);
    }
    if (secret !== undefined && cause.message.includes(secret)) problems.push('workflow: echoes the planted secret');
  }
  const clientErr: unknown = await batches.start(batch, { batchId: uniqueId('invalid-batch-client') }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(clientErr instanceof InvalidBatchError)) {
    problems.push(`client: expected InvalidBatchError, got ${String(clientErr)}`);
  } else if (!clientErr.issues.some((i) => isSelfOrParent(i.field, field))) {
    problems.push(`client: no issue names ${field}: ${JSON.stringify(clientErr.issues)}`);
  }
  return problems.length === 0 ? undefined : `${kind} at ${field}: ${problems.join('; ')}`;
}

test(`${CASES} generated invalid batches are each refused by the batch workflow and the client, naming the field, with zero OMS calls`, async () => {
  const seed = Date.now() % 2_147_483_647;
  const cases = fc.sample(invalidBatchArb, { numRuns: CASES, seed });
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i += CONCURRENCY) {
    const results = await Promise.all(cases.slice(i, i + CONCURRENCY).map(checkBatch));
    failures.push(...results.filter((r): r is string => r !== undefined));
  }
  // The seed reproduces the run: fc.sample(invalidBatchArb, { numRuns, seed }).
  expect({ seed, failures }).toEqual({ seed, failures: [] });
  expect(new Set(cases.map((c) => (c.kind.startsWith('item:') ? 'item' : c.kind))).size).toBeGreaterThanOrEqual(8);
  expect(await stack.emulator.admin.counters()).toEqual({});
});

test('afterwards the worker still completes a valid migration and the emulator is healthy', async () => {
  expect(worker.exitCode).toBeNull();
  expect(await stack.emulator.admin.health()).toEqual({ ok: true });
  const id = uniqueId('valid-after-invalid');
  await stack.migrations.start(stack.seedRequest(), { migrationId: id });
  const { outcome, report } = await stack.migrations.result(id);
  expect(outcome).toBe('succeeded');
  expect(report?.api_calls.create).toBe(1);
  expect((await stack.emulator.admin.counters()).CreateTask).toBe(1);
  expect(worker.exitCode).toBeNull();
});
