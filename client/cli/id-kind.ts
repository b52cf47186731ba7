/**
 * What an id names (a migration, a batch, a region limiter, a schedule, another workflow, or nothing), so that a
 * command given the wrong kind of id says what the id is and which command applies, instead of printing nonsense.
 */
import {
  ScheduleNotFoundError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';

import {
  BATCH_WORKFLOW_TYPE,
  MIGRATION_WORKFLOW_TYPE,
  REGION_LIMITER_WORKFLOW_TYPE,
  TASK_GROUP_MIGRATION_WORKFLOW_TYPE,
} from '../../workflows/definitions';
import { OMS_OUTCOME } from '../../workflows/search-attributes';
import { CliError } from './exit-codes';

/** What an id names. */
export type IdKind = 'migration' | 'batch' | 'limiter' | 'schedule' | 'other';

/** A workflow id as found, with what the commands need to know about it. */
export interface FoundWorkflow {
  kind: Exclude<IdKind, 'schedule'>;
  id: string;
  description: WorkflowExecutionDescription;
  /** True while the workflow runs. */
  running: boolean;
}

const CLI = 'oms-orchestrator';

/** How an id of each kind is looked at instead (the hint of a wrong-kind error). */
function suggestion(kind: IdKind, id: string): string {
  switch (kind) {
    case 'migration':
      return `use \`${CLI} status ${id}\` or \`${CLI} report ${id}\``;
    case 'batch':
      return `use \`${CLI} batch status ${id}\` or \`${CLI} batch report ${id}\``;
    case 'schedule':
      return `use \`${CLI} schedule describe ${id}\``;
    case 'limiter':
      return `see its holders and waiters with \`temporal workflow query --workflow-id ${id} --type limiterStatus\``;
    default:
      return 'this CLI does not manage it';
  }
}

/** "a batch", "a region limiter", … */
function article(kind: IdKind, type: string): string {
  return {
    migration: 'a migration',
    batch: 'a batch',
    limiter: 'a region limiter',
    schedule: 'a schedule',
    other: `a ${type} workflow`,
  }[kind];
}

function kindOfType(type: string): FoundWorkflow['kind'] {
  // A task-group migration (`migrate --group`) is a migration to the operator: same id space, status, report and
  // controls; without this, `status`/`report` on its id said "this CLI does not manage it" (exit 6).
  if (type === MIGRATION_WORKFLOW_TYPE || type === TASK_GROUP_MIGRATION_WORKFLOW_TYPE) return 'migration';
  if (type === BATCH_WORKFLOW_TYPE) return 'batch';
  if (type === REGION_LIMITER_WORKFLOW_TYPE) return 'limiter';
  return 'other';
}

/**
 * Finds the workflow `id` and checks it is of kind `want`.
 * @throws CliError `invalid_input` for an empty id; `not_found` when no workflow (and no schedule) has the id;
 *   `wrong_kind` naming what the id is and the command that applies.
 */
export async function findWorkflow(client: Client, id: string, want: 'migration' | 'batch'): Promise<FoundWorkflow> {
  if (!id.trim()) throw new CliError('invalid_input', `The ${want} id must not be empty.`);
  let description: WorkflowExecutionDescription;
  try {
    description = await client.workflow.getHandle(id).describe();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    if (await scheduleExists(client, id)) throw wrongKind(id, want, 'schedule', '');
    throw new CliError('not_found', `No ${want} with id ${id}`, { cause: err });
  }
  const kind = kindOfType(description.type);
  if (kind !== want) throw wrongKind(id, want, kind, description.type);
  return { kind, id, description, running: description.status.name === 'RUNNING' };
}

function wrongKind(id: string, want: string, kind: IdKind, type: string): CliError {
  return new CliError('wrong_kind', `${id} is ${article(kind, type)}, not a ${want}: ${suggestion(kind, id)}`);
}

async function scheduleExists(client: Client, id: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/**
 * How a closed workflow ended, in words: its `OmsOutcome` (succeeded, completed_with_failures, …) when it set
 * one, else Temporal's status (completed, failed, cancelled, terminated, timed out).
 */
export function closedOutcome(description: WorkflowExecutionDescription): string {
  const outcome = description.typedSearchAttributes.get(OMS_OUTCOME);
  return outcome ?? description.status.name.toLowerCase().replace(/_/g, ' ');
}

/**
 * Refuses a control action on a workflow that is no longer running: "m-1 finished (succeeded) at …: nothing to
 * pause".
 */
export function assertRunning(found: FoundWorkflow, nothingTo: string): void {
  if (found.running) return;
  const at = found.description.closeTime ? ` at ${found.description.closeTime.toISOString()}` : '';
  throw new CliError('not_applicable', `${found.id} finished (${closedOutcome(found.description)})${at}: ${nothingTo}`);
}
