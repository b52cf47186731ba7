/** Maps OMS's TaskResp (ShowTask) to the snapshot the workflow keeps, tolerating the documented variants. */
import type { TaskSnapshot } from '../workflows/task-status';
import { errorReasonOf, type TaskResp } from './oms/wire-types';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The workflow's view of a task. `error_reason` may arrive as `""`, null, missing or an object. */
export function toTaskSnapshot(task: TaskResp): TaskSnapshot {
  const reason = errorReasonOf(task);
  const record = task.failed_object_record;
  return {
    id: task.id,
    name: task.name ?? '',
    status: task.status,
    progress: num(task.progress),
    total_num: num(task.total_num),
    successful_num: num(task.successful_num),
    failed_num: num(task.failed_num),
    skipped_num: num(task.skipped_num),
    total_size: num(task.total_size),
    complete_size: num(task.complete_size),
    real_size: num(task.real_size),
    migrate_speed: num(task.migrate_speed),
    left_time: num(task.left_time),
    is_query_over: task.is_query_over === true,
    total_time: num(task.total_time),
    start_time: num(task.start_time),
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
