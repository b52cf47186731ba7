/**
 * Rendering of TaskResp (ShowTask body, ListTasks element) with the documented field names and types. The
 * renderer only sees the secret-free {@link TaskRecord}, so credentials cannot leak into a response.
 *
 * Choices where the sources are silent (see README): `error_reason` is `null` for non-failed tasks (v2 types it
 * as an object; the seed example shows null); `migrate_since` is echoed in seconds, as given; `start_time` is 0
 * until the task first executes; `save_prefix` is present only when set (the seed example omits it).
 */
import type { TaskMetrics } from './simulator';
import type { TaskRecord } from './task-model';

/** A TaskResp object. */
export type TaskResp = Record<string, unknown>;

/** Renders a task with its live metrics. */
export function renderTask(task: TaskRecord, m: TaskMetrics): TaskResp {
  const { spec, counters: c } = task;
  const dstNode: Record<string, unknown> = { bucket: spec.dst.bucket, region: spec.dst.region };
  if (spec.dst.savePrefix !== null) dstNode.save_prefix = spec.dst.savePrefix;
  return {
    id: task.id,
    name: task.name,
    status: task.status,
    task_type: spec.taskType,
    group_type: task.groupId === undefined ? 'NORMAL_TASK' : 'GROUP_TASK',
    group_id: task.groupId ?? '',
    description: spec.description,
    progress: m.progress,
    migrate_speed: m.migrateSpeed,
    left_time: m.leftTime,
    total_time: m.totalTime,
    start_time: Math.round(task.startTime),
    total_num: c.totalNum,
    successful_num: c.successfulNum,
    failed_num: c.failedNum,
    skipped_num: c.skippedNum,
    total_size: c.totalSize,
    complete_size: m.completeSize,
    real_size: m.realSize,
    is_query_over: task.isQueryOver,
    migrate_since: spec.migrateSince,
    bandwidth_policy: spec.bandwidthPolicy.map((w) => ({ start: w.start, end: w.end, max_bandwidth: w.max_bandwidth })),
    src_node: {
      bucket: spec.src.bucket,
      cloud_type: spec.src.cloudType,
      region: spec.src.region,
      app_id: spec.src.appId,
      object_key: spec.src.objectKey,
      list_file: spec.src.listFile,
    },
    dst_node: dstNode,
    source_cdn: spec.sourceCdn,
    smn_info: task.smnInfo,
    error_reason: task.errorReason,
    failed_object_record: { ...task.failedObjectRecord },
    success_record_error_reason: '',
    skip_record_error_reason: '',
    enable_failed_object_recording: spec.enableFailedObjectRecording,
    enable_metadata_migration: spec.enableMetadataMigration,
    enable_restore: spec.enableRestore,
    enable_kms: spec.enableKms,
    enable_requester_pays: spec.enableRequesterPays,
    object_overwrite_mode: spec.objectOverwriteMode,
    dst_storage_policy: spec.dstStoragePolicy,
    consistency_check: spec.consistencyCheck,
    obs_system: 'BUCKET',
    task_priority: spec.taskPriority,
  };
}
