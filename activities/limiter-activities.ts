/**
 * Activities of the region limiter (`workflows/region-limiter.ts`): each is one Temporal API call through the
 * worker's client. `requestLimiterSlot` and `releaseLimiterSlot` run as local activities of the migration workflow;
 * both are idempotent (the limiter de-duplicates by request id).
 */
import { activityInfo } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { acquireSlotSignal, releaseSlotSignal } from '../workflows/definitions';
import type {
  FindClosedWorkflowsInput,
  FindClosedWorkflowsOutput,
  ReleaseLimiterSlotInput,
  RequestLimiterSlotInput,
} from '../workflows/types';

/** Workflow type name of the limiter (mirrors `REGION_LIMITER_WORKFLOW_TYPE`, which lives in the sandbox). */
const REGION_LIMITER_WORKFLOW_TYPE = 'regionLimiterWorkflow';

/** The worker's Temporal client, or a non-retryable failure naming the wiring that is missing. */
export function requireTemporalClient(client: Client | undefined): Client {
  if (client) return client;
  throw ApplicationFailure.create({
    type: 'WorkerMisconfigured',
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

    /** The given workflows whose latest run is no longer running (or that do not exist). */
    async findClosedWorkflows(input: FindClosedWorkflowsInput): Promise<FindClosedWorkflowsOutput> {
      const client = getClient();
      const closed: string[] = [];
      for (const id of input.workflow_ids) {
        try {
          const described = await client.workflow.getHandle(id).describe();
          if (described.status.name !== 'RUNNING') closed.push(id);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          closed.push(id);
        }
      }
      return { closed };
    },
  };
}
