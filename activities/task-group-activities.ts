/**
 * The task-group activities: create a group exactly once (marker + ListTaskGroup look-up), remove duplicates a create
 * of unknown outcome left, poll it at the migration's cadence without holding a slot, stop / resume / retry /
 * bandwidth / delete. Credentials are resolved here from the worker's profiles and go to the OMS client only.
 */
import { activityInfo, cancellationSignal, sleep } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

import { FailureType } from '../workflows/failure-types';
import { checkpointOf, isReportable, nextPollDelayMs } from '../workflows/shared/polling';
import type {
  CreateTaskGroupInput,
  CreateTaskGroupOutput,
  PollTaskGroupInput,
  PollTaskGroupOutput,
  ReconcileTaskGroupsInput,
  ReconcileTaskGroupsOutput,
  RemovedDuplicateGroup,
  RestartTaskGroupInput,
  TaskGroupControlInput,
  TaskGroupControlOutput,
  TaskGroupSnapshot,
  UpdateTaskGroupBandwidthInput,
} from '../workflows/task-group-types';
import { FINAL_GROUP_STATUSES, GroupStatus, groupStatusText } from '../workflows/task-group-types';
import { buildCreateTaskRequest, hasMarker, idempotencyMarker } from './build-create-request';
import type { ActivityContext } from './context';
import { credentialsRejected, isCredentialsProblem } from './credentials-rejected';
import { LIST_ALL_PAGE_SIZE, type OmsClient } from './oms/client';
import { OmsApiError } from './oms/errors';
import type { CreateTaskGroupReq, StartTaskReq, TaskGroupResp, TaskGroupType } from './oms/wire-types';
import { errorReasonOf } from './oms/wire-types';
import { HALT_ROUNDS, isOmsCode, run } from './run-activity';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The workflow's view of a group (OMS's `success_num`/`fail_num`/`skip_num` under the task names). */
export function toTaskGroupSnapshot(group: TaskGroupResp): TaskGroupSnapshot {
  const reason = errorReasonOf(group);
  const record = group.failed_object_record;
  const totalSize = num(group.total_size);
  const totalNum = num(group.total_num);
  const completeSize = num(group.complete_size);
  const done = num(group.success_num) + num(group.skip_num);
  const progress =
    totalSize > 0 ? completeSize / totalSize : totalNum > 0 ? done / totalNum : group.status === 6 ? 1 : 0;
  return {
    group_id: group.group_id,
    status: group.status,
    progress: Math.min(1, Math.max(0, progress)),
    total_num: totalNum,
    successful_num: num(group.success_num),
    failed_num: num(group.fail_num),
    skipped_num: num(group.skip_num),
    total_size: totalSize,
    complete_size: completeSize,
    total_task_num: num(group.total_task_num),
    failed_task_num: num(group.failed_task_num),
    complete_task_num: num(group.complete_task_num),
    paused_task_num: num(group.paused_task_num),
    executing_task_num: num(group.executing_task_num),
    waiting_task_num: num(group.waiting_task_num),
    migrate_speed: num(group.migrate_speed),
    total_time: num(group.total_time),
    start_time: num(group.start_time),
    error_reason: reason ? { error_code: reason.error_code ?? '', error_msg: reason.error_msg ?? '' } : null,
    failed_object_record:
      record && typeof record === 'object'
        ? {
            result: record.result ?? null,
            list_file_key: record.list_file_key ?? null,
            error_code: record.error_code ?? null,
          }
        : null,
  };
}

/** Every group whose description carries `marker` (pages of the API maximum, until a short page). */
async function groupsWithMarker(client: OmsClient, marker: string, signal: AbortSignal): Promise<TaskGroupResp[]> {
  const found: TaskGroupResp[] = [];
  for (let offset = 0; ;) {
    const { taskgroups } = await client.listTaskGroups({ limit: LIST_ALL_PAGE_SIZE, offset }, { signal });
    for (const g of taskgroups) if (hasMarker(g.description, marker)) found.push(g);
    offset += taskgroups.length;
    if (taskgroups.length < LIST_ALL_PAGE_SIZE) return found;
  }
}

const GROUP_TYPE: Record<string, TaskGroupType> = { prefix: 'PREFIX', list: 'LIST', url_list: 'URL_LIST' };

/** Seconds a reconciliation waits for a stopped duplicate to finish pausing before it deletes it. */
const STOPPED_DUPLICATE_ROUNDS = 20;

/** Builds the task-group activities over a context (see activities/index.ts). */
export function taskGroupActivities(ctx: ActivityContext) {
  /** Takes a duplicate group out of service: stop it while it runs, delete it otherwise. */
  const removeDuplicate = async (
    client: OmsClient,
    groupId: string,
    signal: AbortSignal,
  ): Promise<RemovedDuplicateGroup> => {
    for (let round = 0; ; round++) {
      let status: number;
      try {
        status = (await client.showTaskGroup(groupId, { signal })).status;
      } catch (err) {
        if (OmsApiError.is(err) && err.code === 'NOT_FOUND') return { group_id: groupId, action: 'deleted' };
        throw err;
      }
      try {
        if (status === GroupStatus.CREATING || status === GroupStatus.MONITORING) {
          await client.stopTaskGroup(groupId, { signal });
          return { group_id: groupId, action: 'stopped', status };
        }
        if (status === GroupStatus.PAUSING) return { group_id: groupId, action: 'stopped', status };
        await client.deleteTaskGroup(groupId, { signal });
        return { group_id: groupId, action: 'deleted', status };
      } catch (err) {
        if (OmsApiError.is(err) && err.code === 'NOT_FOUND') return { group_id: groupId, action: 'deleted', status };
        // Its status changed between the look and the action: look again, a bounded few times.
        if (!isOmsCode(err, 'OMS.0063', 'OMS.0066', 'OMS.0070') || round >= HALT_ROUNDS) throw err;
      }
    }
  };

  return {
    /**
     * Creates the OMS task group exactly once per migration. The group's description carries the migration's marker;
     * an attempt that may follow another create (a retried attempt after a lost response or a timeout,
     * `lookup_first` after a reset) looks for a group with the marker first and re-attaches to it. `uncertain` says
     * another create for this migration may still land later (the workflow reconciles after a settle window).
     */
    async createTaskGroup(input: CreateTaskGroupInput): Promise<CreateTaskGroupOutput> {
      const { attempt } = activityInfo();
      const uncertain = attempt > 1 || input.lookup_first === true;
      try {
        return await run(async () => {
          const marker = idempotencyMarker(input.idempotency_key);
          const client = ctx.clientFor(input.request.orchestration.api_profile);
          if (uncertain) {
            const [existing] = await groupsWithMarker(client, marker, cancellationSignal());
            if (existing) return { group_id: existing.group_id, reattached: true, uncertain };
          }
          const { task_type, task_priority: _priority, ...rest } = buildCreateTaskRequest(ctx, input.request, marker);
          const body: CreateTaskGroupReq = { ...rest, task_type: GROUP_TYPE[task_type ?? 'prefix'] ?? 'PREFIX' };
          try {
            const created = await client.createTaskGroup(body);
            return { group_id: created.group_id, reattached: false, uncertain };
          } catch (err) {
            // An unreadable 2xx answer means the group probably exists: retry, so the next attempt re-attaches.
            if (OmsApiError.is(err) && err.code === 'PROTOCOL') {
              throw ApplicationFailure.create({
                type: FailureType.ApiUnavailable,
                message: `CreateTaskGroup answered but its response could not be read (${err.message}); outcome unknown`,
              });
            }
            throw err;
          }
        });
      } catch (err) {
        // Refused credentials while a group may already exist: never give up (operator-fixable), back off.
        if (uncertain && isCredentialsProblem(err)) throw credentialsRejected(err, attempt);
        throw err;
      }
    },

    /**
     * Removes every group with the migration's marker except `keep_group_id`: running ones are stopped (and deleted
     * once paused, a bounded wait), others deleted. Idempotent.
     */
    async reconcileTaskGroups(input: ReconcileTaskGroupsInput): Promise<ReconcileTaskGroupsOutput> {
      return run(async () => {
        const client = ctx.clientFor(input.api_profile);
        const signal = cancellationSignal();
        const marker = idempotencyMarker(input.idempotency_key);
        const found = (await groupsWithMarker(client, marker, signal)).filter(
          (g) => g.group_id !== input.keep_group_id,
        );
        const removed: RemovedDuplicateGroup[] = [];
        for (const g of found) removed.push(await removeDuplicate(client, g.group_id, signal));
        const stopping = removed.filter((r) => r.action === 'stopped');
        for (let round = 0; stopping.length > 0 && round < STOPPED_DUPLICATE_ROUNDS; round++) {
          await sleep(1_000);
          for (const r of [...stopping]) {
            const again = await removeDuplicate(client, r.group_id, signal);
            if (again.action === 'deleted') {
              r.action = 'deleted';
              stopping.splice(stopping.indexOf(r), 1);
            }
          }
        }
        return { removed };
      });
    },

    /**
     * One ShowTaskGroup per attempt. Returns when the status changed, a progress checkpoint was crossed, the group
     * is final or the deadline has come; otherwise fails with the benign, retryable `TaskPending` whose
     * `nextRetryDelay` is the next poll, so waiting holds no worker slot and writes no history. Refused credentials
     * back off as `CredentialsRejected` (the group exists: never the end of the migration).
     */
    async pollTaskGroup(input: PollTaskGroupInput): Promise<PollTaskGroupOutput> {
      const { attempt } = activityInfo();
      const untilDeadline = (ms: number): number => Math.max(1, Math.min(ms, input.deadline_at - Date.now()));
      const deferred = input.first_poll_delay_ms > 0;
      if (deferred && attempt === 1) {
        const delay = untilDeadline(input.first_poll_delay_ms);
        throw ApplicationFailure.create({
          type: FailureType.TaskPending,
          category: ApplicationFailureCategory.BENIGN,
          message: `OMS task group ${input.group_id}: next poll in ${Math.round(delay / 100) / 10} s`,
          nextRetryDelay: delay,
        });
      }
      try {
        const result = await run(async () => {
          const group = await ctx
            .clientFor(input.api_profile)
            .showTaskGroup(input.group_id, { signal: cancellationSignal() });
          const snapshot = toTaskGroupSnapshot(group);
          const known = { status: input.known_status, checkpoint: input.known_checkpoint };
          const deadlineReached = Date.now() >= input.deadline_at;
          if (isReportable(known, snapshot, FINAL_GROUP_STATUSES) || deadlineReached) {
            return {
              snapshot,
              checkpoint: checkpointOf(snapshot.progress),
              attempt,
              ...(deadlineReached && !FINAL_GROUP_STATUSES.includes(snapshot.status) ? { deadline_reached: true } : {}),
            };
          }
          const pct = Math.round(snapshot.progress * 1000) / 10;
          // Groups have no left_time: the configured interval is the cadence.
          throw ApplicationFailure.create({
            type: FailureType.TaskPending,
            category: ApplicationFailureCategory.BENIGN,
            message: `OMS task group ${snapshot.group_id} ${groupStatusText(snapshot.status)} ${pct}%`,
            nextRetryDelay: untilDeadline(
              nextPollDelayMs(undefined, input.poll_interval_ms, input.min_poll_interval_ms),
            ),
            details: [snapshot],
          });
        });
        // Earlier attempts each made one ShowTaskGroup and ended as TaskPending: count them here.
        result.calls.show += result.attempt - 1 - (deferred ? 1 : 0);
        return result;
      } catch (err) {
        if (isCredentialsProblem(err)) throw credentialsRejected(err, attempt);
        throw err;
      }
    },

    /**
     * StopTaskGroup, then ShowTaskGroup for the group's real state. `changed: false` when OMS says the group is not
     * creating or running (OMS.0066) or already finished (OMS.0070) and it is not pausing or paused either (an
     * earlier attempt's stop may have landed).
     */
    async stopTaskGroup(input: TaskGroupControlInput): Promise<TaskGroupControlOutput> {
      return run(async () => {
        const client = ctx.clientFor(input.api_profile);
        const signal = cancellationSignal();
        let changed = true;
        try {
          await client.stopTaskGroup(input.group_id, { signal });
        } catch (err) {
          if (!isOmsCode(err, 'OMS.0066', 'OMS.0070')) throw err;
          changed = false;
        }
        const snapshot = toTaskGroupSnapshot(await client.showTaskGroup(input.group_id, { signal }));
        if (snapshot.status === GroupStatus.PAUSING || snapshot.status === GroupStatus.PAUSED) changed = true;
        return { changed, snapshot };
      });
    },

    /**
     * StartTaskGroup (`resume`) or RetryTaskGroup (`retry`) with the keys OMS erased at the pause or the end,
     * resolved from the worker's profiles. `changed: false` when the group cannot be restarted (OMS.0070);
     * OMS.0065 (already started) counts as done: an earlier attempt's call may have landed.
     */
    async restartTaskGroup(input: RestartTaskGroupInput): Promise<TaskGroupControlOutput> {
      return run(async () => {
        const dst = ctx.requireProfile(input.dst_profile, ['ak', 'sk'], 'destination node');
        const body: StartTaskReq = { dst_ak: dst.ak!, dst_sk: dst.sk! };
        if (dst.securityToken) body.dst_security_token = dst.securityToken;
        if (input.src_profile) {
          const src = ctx.requireProfile(input.src_profile, ['ak', 'sk'], 'source node');
          body.src_ak = src.ak;
          body.src_sk = src.sk;
          if (src.securityToken) body.src_security_token = src.securityToken;
        }
        if (input.cdn_profile) {
          body.source_cdn_authentication_key = ctx.requireProfile(
            input.cdn_profile,
            ['cdnAuthenticationKey'],
            'CDN authentication',
          ).cdnAuthenticationKey;
        }
        const client = ctx.clientFor(input.api_profile);
        const signal = cancellationSignal();
        try {
          if (input.mode === 'retry') {
            await client.retryTaskGroup(
              input.group_id,
              { ...body, migrate_failed_object: input.migrate_failed_object },
              { signal },
            );
          } else {
            await client.startTaskGroup(input.group_id, body, { signal });
          }
          return { changed: true };
        } catch (err) {
          if (isOmsCode(err, 'OMS.0065')) return { changed: true };
          if (isOmsCode(err, 'OMS.0070')) return { changed: false };
          throw err;
        }
      });
    },

    /** UpdateTaskGroup (bandwidth policy) on a group that has not succeeded. */
    async updateTaskGroupBandwidth(input: UpdateTaskGroupBandwidthInput): Promise<TaskGroupControlOutput> {
      return run(async () => {
        await ctx
          .clientFor(input.api_profile)
          .updateTaskGroup(input.group_id, input.bandwidth_policy, { signal: cancellationSignal() });
        return { changed: true };
      });
    },

    /** DeleteTaskGroup. `changed: false` when the group is already gone (OMS.1009). */
    async deleteTaskGroup(input: TaskGroupControlInput): Promise<TaskGroupControlOutput> {
      return run(async () => {
        try {
          await ctx.clientFor(input.api_profile).deleteTaskGroup(input.group_id, { signal: cancellationSignal() });
          return { changed: true };
        } catch (err) {
          if (OmsApiError.is(err) && err.code === 'NOT_FOUND') return { changed: false };
          throw err;
        }
      });
    },
  };
}
