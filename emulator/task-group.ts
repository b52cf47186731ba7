/**
 * Task groups (docs/oms-api.md §6): the split of a group into member tasks, the group status derived from its members,
 * the aggregated counts, the group operations and the TaskGroupResp renderer.
 *
 * The members are ordinary simulator tasks (group_type `GROUP_TASK`, `group_id` set), so the time scale, the
 * region's running limit, the creation quotas, the failure rules and faults apply to them as to any task. The
 * split happens at CreateTaskGroup (OMS does it asynchronously; the emulator does it at once and shows status 1
 * "creating" until the first member runs):
 *
 * - PREFIX: the keys under the prefixes (listed at creation) are cut into `object` tasks of
 *   `simulation.taskGroupObjectsPerTask` keys; a source with no key gets one `prefix` task (it succeeds empty).
 * - LIST / URL_LIST: a `list_file_key` ending in `/` is a folder: one member list task per `.txt` file in it;
 *   otherwise the one list file is one member.
 *
 * Status (derived on every read): 4 when the split failed (missing source bucket or list folder, creation quota),
 * 7 while a member pauses, 1 while no member has started yet, 2 while members wait or run, 3 after a
 * StopTaskGroup once nothing runs (or a member was stopped on its own), 6 when every member succeeded, else 5.
 * Deletion is immediate (the group is gone: 8/9 are never shown).
 */
import type { EmulatorState } from './state';
import { MISSING_OBJECT_CODE, trfReason } from './object-resolution';
import type { GroupStatusCode, TaskGroupRecord } from './task-group-model';
import { GroupStatus } from './task-group-model';
import type { ErrorReason, TaskCredentials, TaskRecord, TaskSpec } from './task-model';
import { TaskStatus } from './task-model';
import type { BandwidthPolicyDto } from './bandwidth';
import { EmulatorHttpError } from './errors';
import type { GroupTaskType } from './task-group-model';

/** Where a group's merged failed-object list is written in the destination bucket. */
export function groupFailedListKey(groupId: string): string {
  return `oms/failed_object_lists/${groupId}/failed-objects-list.txt`;
}

/** The members of a group that still exist. */
export function membersOf(state: EmulatorState, group: TaskGroupRecord): TaskRecord[] {
  const out: TaskRecord[] = [];
  for (const id of group.memberIds) {
    const task = state.simulator.tasks.get(id);
    if (task) out.push(task);
  }
  return out;
}

function memberSpec(spec: TaskSpec, over: Partial<TaskSpec['src']>, taskType: TaskSpec['taskType']): TaskSpec {
  return {
    ...structuredClone(spec),
    taskType,
    // Members do not repeat the group's description (a caller's marker there names the group, not a task).
    description: '',
    src: { ...structuredClone(spec.src), ...over },
  };
}

/** The member specs of a new group, or the reason the split fails (status 4). */
function splitGroup(
  state: EmulatorState,
  type: GroupTaskType,
  spec: TaskSpec,
): { ok: true; members: TaskSpec[]; num: number; size: number } | { ok: false; reason: ErrorReason } {
  if (type === 'PREFIX') {
    const bucket = spec.src.bucket === null ? undefined : state.objects.bucket(spec.src.bucket);
    if (!bucket) return { ok: false, reason: trfReason('TRF.0155') };
    const keys = new Set<string>();
    for (const prefix of spec.src.objectKey ?? ['']) for (const key of bucket.keysWithPrefix(prefix)) keys.add(key);
    const all = [...keys];
    if (all.length === 0) return { ok: true, members: [memberSpec(spec, {}, 'prefix')], num: 0, size: 0 };
    const per = state.config.simulation.taskGroupObjectsPerTask;
    const members: TaskSpec[] = [];
    let size = 0;
    for (let i = 0; i < all.length; i += per) {
      const chunk = all.slice(i, i + per);
      for (const key of chunk) size += bucket.get(key)?.size ?? 0;
      members.push(memberSpec(spec, { objectKey: chunk }, 'object'));
    }
    return { ok: true, members, num: all.length, size };
  }
  const listFile = spec.src.listFile;
  if (!listFile) return { ok: false, reason: trfReason('TRF.0013') };
  const listBucket = state.objects.bucket(listFile.obs_bucket);
  const files = listFile.list_file_key.endsWith('/')
    ? (listBucket?.keysWithPrefix(listFile.list_file_key).filter((k) => k.endsWith('.txt')) ?? [])
    : [listFile.list_file_key];
  if (files.length === 0) return { ok: false, reason: trfReason('TRF.0013') };
  const lines = (key: string): number =>
    (listBucket?.get(key)?.content ?? '').split('\n').filter((l) => l.trim() !== '').length;
  const members = files.map((key) =>
    memberSpec(spec, { listFile: { list_file_key: key, obs_bucket: listFile.obs_bucket } }, spec.taskType),
  );
  return { ok: true, members, num: files.reduce((n, key) => n + lines(key), 0), size: 0 };
}

/** Creates a group and its member tasks (CreateTaskGroup). The caller has validated the body and advanced. */
export function createGroup(
  state: EmulatorState,
  projectId: string,
  domainId: string,
  type: GroupTaskType,
  spec: TaskSpec,
  credentials: TaskCredentials,
): TaskGroupRecord {
  const sim = state.simulator;
  const group: TaskGroupRecord = {
    id: sim.newGroupId(),
    projectId,
    domainId,
    createdAt: state.clock.now(),
    groupTaskType: type,
    spec,
    memberIds: [],
    createdNum: 0,
    createdSize: 0,
    creationError: null,
    stopRequested: false,
    failedObjectRecord: { result: null, list_file_key: null, error_code: null },
    recordedFor: '',
  };
  sim.groups.set(group.id, group);
  const split = splitGroup(state, type, spec);
  if (!split.ok) {
    group.creationError = split.reason;
  } else {
    group.createdNum = split.num;
    group.createdSize = split.size;
    for (const member of split.members) {
      try {
        group.memberIds.push(sim.create(projectId, domainId, member, credentials, group.id).id);
      } catch (err) {
        // A creation quota stops the split: OMS reports it as the group's creation failure, not as an API error.
        if (!(err instanceof EmulatorHttpError)) throw err;
        group.creationError = {
          error_code: String(err.body.error_code),
          error_msg: String(err.body.error_msg),
        };
        break;
      }
    }
  }
  state.markDirty();
  return group;
}

/** The group's status, derived from its members (see the module comment). */
export function groupStatus(state: EmulatorState, group: TaskGroupRecord): GroupStatusCode {
  if (group.creationError) return GroupStatus.CreateFailed;
  const members = membersOf(state, group);
  const has = (s: number): boolean => members.some((m) => m.status === s);
  if (has(TaskStatus.Pausing)) return GroupStatus.Pausing;
  if (has(TaskStatus.Waiting) || has(TaskStatus.Executing)) {
    const started = members.some((m) => m.startTime > 0 || m.runIndex > 0);
    return started ? GroupStatus.Monitoring : GroupStatus.Creating;
  }
  if (group.stopRequested || has(TaskStatus.Stopped)) return GroupStatus.Paused;
  if (members.every((m) => m.status === TaskStatus.Succeeded)) return GroupStatus.Succeeded;
  return GroupStatus.MigrateFailed;
}

/**
 * Writes the merged failed-object list of a group that has come to rest with failures (once per outcome), from
 * its members' lists: one source key (or URL-list line) per line, as for a task.
 */
function recordFailedObjects(state: EmulatorState, group: TaskGroupRecord, status: GroupStatusCode): void {
  if (status !== GroupStatus.MigrateFailed && status !== GroupStatus.Paused && status !== GroupStatus.Succeeded) {
    return;
  }
  const members = membersOf(state, group);
  const failed = members.flatMap((m) => m.failedItems);
  const version = members.map((m) => `${m.id}:${m.runIndex}:${m.counters.failedNum}`).join(',');
  if (group.recordedFor === version) return;
  group.recordedFor = version;
  if (failed.length === 0) {
    group.failedObjectRecord = { result: null, list_file_key: null, error_code: null };
  } else if (!group.spec.enableFailedObjectRecording) {
    group.failedObjectRecord = { result: false, list_file_key: null, error_code: null };
  } else {
    const bucket = state.objects.bucket(group.spec.dst.bucket);
    if (!bucket) {
      group.failedObjectRecord = { result: false, list_file_key: null, error_code: 'TRF.0058' };
    } else {
      const key = groupFailedListKey(group.id);
      const content = failed.map((item) => item.line ?? item.key).join('\n') + '\n';
      bucket.put(key, {
        size: Buffer.byteLength(content),
        lastModified: state.clock.now(),
        contentType: 'text/plain',
        content,
      });
      group.failedObjectRecord = { result: true, list_file_key: key, error_code: null };
    }
  }
  state.markDirty();
}

/** A TaskGroupResp object. */
export type TaskGroupResp = Record<string, unknown>;

/** Renders a group with aggregated member figures (the caller has advanced the simulator). */
export function renderGroup(state: EmulatorState, group: TaskGroupRecord): TaskGroupResp {
  const sim = state.simulator;
  const status = groupStatus(state, group);
  recordFailedObjects(state, group, status);
  const members = membersOf(state, group);
  const count = (...statuses: number[]): number => members.filter((m) => statuses.includes(m.status)).length;
  let totalNum = 0;
  let success = 0;
  let fail = 0;
  let skip = 0;
  let totalSize = 0;
  let completeSize = 0;
  let speed = 0;
  let startTime = 0;
  let endTime = 0;
  let running = false;
  for (const m of members) {
    const metrics = sim.metrics(m);
    totalNum += m.counters.totalNum;
    success += m.counters.successfulNum;
    fail += m.counters.failedNum;
    skip += m.counters.skippedNum;
    totalSize += m.counters.totalSize;
    completeSize += metrics.completeSize;
    if (m.status === TaskStatus.Executing) {
      speed += metrics.migrateSpeed;
      running = true;
    }
    if (m.startTime > 0 && (startTime === 0 || m.startTime < startTime)) startTime = m.startTime;
    endTime = Math.max(endTime, m.endTime ?? 0);
  }
  const now = state.clock.now();
  const totalTime = startTime === 0 ? 0 : Math.max(0, Math.round((running ? now : endTime) - startTime));
  const { spec } = group;
  const dstNode: Record<string, unknown> = { bucket: spec.dst.bucket, region: spec.dst.region };
  if (spec.dst.savePrefix !== null) dstNode.save_prefix = spec.dst.savePrefix;
  return {
    group_id: group.id,
    status,
    error_reason: group.creationError ?? failureReason(members, status),
    src_node: {
      bucket: spec.src.bucket,
      cloud_type: spec.src.cloudType,
      region: spec.src.region,
      app_id: spec.src.appId,
      object_key: spec.src.objectKey,
      list_file: spec.src.listFile,
    },
    dst_node: dstNode,
    description: spec.description,
    enable_metadata_migration: spec.enableMetadataMigration,
    enable_failed_object_recording: spec.enableFailedObjectRecording,
    enable_restore: spec.enableRestore,
    enable_kms: spec.enableKms,
    task_type: group.groupTaskType,
    bandwidth_policy: spec.bandwidthPolicy.map((w) => ({ start: w.start, end: w.end, max_bandwidth: w.max_bandwidth })),
    smn_config: spec.smnConfig
      ? {
          notify_result: false,
          notify_error_message: '',
          topic_name: spec.smnConfig.topic_urn.split(':').pop() ?? spec.smnConfig.topic_urn,
        }
      : null,
    source_cdn: spec.sourceCdn,
    migrate_since: spec.migrateSince,
    migrate_speed: speed,
    total_time: totalTime,
    start_time: Math.round(startTime),
    total_task_num: group.memberIds.length,
    create_task_num: members.length,
    failed_task_num: count(TaskStatus.Failed),
    complete_task_num: count(TaskStatus.Succeeded),
    paused_task_num: count(TaskStatus.Stopped, TaskStatus.Pausing),
    executing_task_num: count(TaskStatus.Executing),
    waiting_task_num: count(TaskStatus.Waiting),
    total_num: Math.max(totalNum, group.createdNum),
    create_complete_num: group.createdNum,
    success_num: success,
    fail_num: fail,
    skip_num: skip,
    total_size: Math.max(totalSize, group.createdSize),
    create_complete_size: group.createdSize,
    complete_size: completeSize,
    failed_object_record: { ...group.failedObjectRecord },
    object_overwrite_mode: spec.objectOverwriteMode,
    dst_storage_policy: spec.dstStoragePolicy,
    consistency_check: spec.consistencyCheck,
    obs_system: 'BUCKET',
    enable_requester_pays: spec.enableRequesterPays,
  };
}

function failureReason(members: TaskRecord[], status: GroupStatusCode): ErrorReason | null {
  if (status !== GroupStatus.MigrateFailed) return null;
  const failed = members.filter((m) => m.status === TaskStatus.Failed);
  const code = failed.find((m) => m.errorReason)?.errorReason?.error_code ?? MISSING_OBJECT_CODE;
  return { error_code: code, error_msg: `${failed.length} task(s) of the group failed.` };
}

/** StopTaskGroup: running members pause, waiting members are held. The caller has checked status 1/2. */
export function stopGroup(state: EmulatorState, group: TaskGroupRecord): void {
  group.stopRequested = true;
  for (const m of membersOf(state, group)) {
    if (m.status === TaskStatus.Executing) state.simulator.stop(m);
    else if (m.status === TaskStatus.Waiting) state.simulator.hold(m);
  }
  state.markDirty();
}

/**
 * Restarts members (StartTaskGroup: the stopped ones, full runs; RetryTaskGroup: the failed ones, optionally only
 * their failed objects). Returns how many members were started.
 */
export function restartGroup(
  state: EmulatorState,
  group: TaskGroupRecord,
  which: number,
  credentials: TaskCredentials,
  failedOnly: boolean,
): number {
  group.stopRequested = false;
  let started = 0;
  for (const m of membersOf(state, group)) {
    if (m.status !== which) continue;
    state.simulator.start(m, credentials, failedOnly);
    started++;
  }
  state.markDirty();
  return started;
}

/** UpdateTaskGroup: the policy of the group and of every member not yet succeeded. */
export function updateGroupBandwidth(state: EmulatorState, group: TaskGroupRecord, policy: BandwidthPolicyDto[]): void {
  group.spec.bandwidthPolicy = policy;
  for (const m of membersOf(state, group)) {
    if (m.status !== TaskStatus.Succeeded) state.simulator.updateBandwidth(m, structuredClone(policy));
  }
  state.markDirty();
}

/** DeleteTaskGroup: the group and its members. The caller has checked that nothing runs. */
export function deleteGroup(state: EmulatorState, group: TaskGroupRecord): void {
  for (const m of membersOf(state, group)) state.simulator.delete(m);
  state.simulator.groups.delete(group.id);
  state.markDirty();
}
