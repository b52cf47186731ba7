/**
 * Activities of the region limiter (`workflows/region-limiter.ts`): each is one Temporal API call through the
 * worker's client. `requestLimiterSlot` and `releaseLimiterSlot` run as local activities of the migration workflow;
 * both are idempotent (the limiter de-duplicates by request id).
 */
import { activityInfo } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import {
  REGION_LIMITER_WORKFLOW_TYPE,
  acquireSlotSignal,
  limiterSlotQuery,
  releaseSlotSignal,
} from '../workflows/definitions';
import { FailureType } from '../workflows/failure-types';
import type {
  FindClosedWorkflowsInput,
  FindClosedWorkflowsOutput,
  ReleaseLimiterSlotInput,
  RequestLimiterSlotInput,
} from '../workflows/activity-types';

/** How long one holder may take to answer the `limiterSlot` query. */
const HOLDER_QUERY_TIMEOUT_MS = 5_000;

/** The worker's Temporal client, or a non-retryable failure naming the wiring that is missing. */
export function requireTemporalClient(client: Client | undefined): Client {
  if (client) return client;
  throw ApplicationFailure.create({
    type: FailureType.WorkerMisconfigured,
    nonRetryable: true,
    message:
      'This worker has no Temporal client for the region limiter and batches: pass `temporalClient` in ActivityDeps ' +
      '(worker/create-worker.ts does), or disable the limiter with max_running_per_region 0 and daily_create_quota 0',
  });
}

/** Builds the limiter activities over the worker's Temporal client. */
export function limiterActivities(getClient: () => Client) {
  return {
    /**
     * Queues a slot request at the region's limiter, starting the limiter if it is not running (signal-with-start
     * on the caller's task queue). The grant arrives later as the `slotGranted` signal.
     */
    async requestLimiterSlot(input: RequestLimiterSlotInput): Promise<void> {
      await getClient().workflow.signalWithStart(REGION_LIMITER_WORKFLOW_TYPE, {
        workflowId: input.limiter_id,
        taskQueue: activityInfo().taskQueue,
        args: [input.region],
        signal: acquireSlotSignal,
        signalArgs: [input.request],
        staticSummary: `OMS region limiter: ${input.region}`,
      });
    },

    /** Releases a slot (or withdraws a request). A limiter that is not running has nothing to release. */
    async releaseLimiterSlot(input: ReleaseLimiterSlotInput): Promise<void> {
      try {
        await getClient().workflow.getHandle(input.limiter_id).signal(releaseSlotSignal, input.release);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return;
        throw err;
      }
    },

    /**
     * The given workflows whose latest run is no longer running (or that do not exist), and — for running ones the
     * limiter lists in `holders` — the slots they no longer hold (their `limiterSlot` query names another request,
     * or none). A holder that cannot answer (no worker, an older version without the query) is left alone.
     */
    async findClosedWorkflows(input: FindClosedWorkflowsInput): Promise<FindClosedWorkflowsOutput> {
      const client = getClient();
      const closed: string[] = [];
      const stale: { holder_id: string; request_id: string }[] = [];
      const held = new Map((input.holders ?? []).map((h) => [h.holder_id, h.request_id]));
      for (const id of input.workflow_ids) {
        const handle = client.workflow.getHandle(id);
        try {
          const described = await handle.describe();
          if (described.status.name !== 'RUNNING') {
            closed.push(id);
            continue;
          }
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          closed.push(id);
          continue;
        }
        const requestId = held.get(id);
        if (requestId === undefined) continue;
        try {
          const slot = await client.connection.withDeadline(Date.now() + HOLDER_QUERY_TIMEOUT_MS, () =>
            handle.query(limiterSlotQuery),
          );
          if (slot.request_id !== requestId) stale.push({ holder_id: id, request_id: requestId });
        } catch {
          // Unknown: keep the slot; the next check asks again.
        }
      }
      return { closed, stale };
    },
  };
}
