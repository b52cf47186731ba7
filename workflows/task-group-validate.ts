/**
 * Validation of a task-group migration request (pure: the workflow, the client and the CLI share it). Bad input
 * fails before any OMS call, each problem naming its field.
 */
import type { MigrationRequest, NormalizedMigrationRequest, ValidationIssue } from './request-types';
import { validateMigrationRequest } from './shared/validate-request';

/**
 * Validates a task-group request: the migration's rules, plus what groups do not have (no `object` type, no
 * `task_priority`). `task_type` defaults to `prefix`, as OMS's CreateTaskGroup does.
 */
export function validateTaskGroupRequest(
  request: MigrationRequest,
): { ok: true; request: NormalizedMigrationRequest } | { ok: false; errors: ValidationIssue[] } {
  const raw: unknown = request;
  const withType =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !('task_type' in raw)
      ? { ...raw, task_type: 'prefix' }
      : raw;
  const result = validateMigrationRequest(withType);
  const errors: ValidationIssue[] = result.ok ? [] : [...result.errors];
  const record = withType as Record<string, unknown> | null;
  if (typeof record === 'object' && record !== null && !Array.isArray(record)) {
    if (record.task_type === 'object') {
      errors.push({
        field: 'task_type',
        message: 'must be prefix, list or url_list: OMS task groups have no object type',
      });
    }
    if (record.task_priority !== undefined) {
      errors.push({
        field: 'task_priority',
        message: 'is not supported by OMS task groups (CreateTaskGroup has no priority)',
      });
    }
  }
  if (errors.length > 0 || !result.ok) return { ok: false, errors };
  return { ok: true, request: result.request };
}
