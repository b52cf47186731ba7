/**
 * Direct OMS access for the bench process, through the project's own OMS client (activities/oms) and activity
 * context: the plain-script baseline, blocker tasks, and the soak's duplicate check (ListTasks).
 */
import { MARKER_PREFIX, buildCreateTaskRequest } from '../../activities/build-create-request';
import { createActivityContext, type ActivityContext } from '../../activities/context';
import { staticCredentialStore } from '../../activities/credentials';
import type { TaskResp } from '../../activities/oms/wire-types';
import type { RunningEmulator } from '../../emulator';
import { formatIssues, validateMigrationRequest } from '../../workflows/shared/validate-request';
import type { MigrationRequest } from '../../workflows/request-types';

/** An activity context with the emulator's default account as profiles `default`, `src` and `dst`. */
export function benchContext(emulator: RunningEmulator): ActivityContext {
  const c = emulator.config;
  const [account] = c.accessKeys;
  const [domain] = c.iam.domains;
  const keys = { ak: account!.ak, sk: account!.sk };
  return createActivityContext({
    omsEndpoint: emulator.url,
    iamEndpoint: emulator.url,
    projectId: domain!.projects[0]!.id,
    authMode: 'token',
    credentials: staticCredentialStore({
      default: { iamUser: domain!.users[0]!.name, iamPassword: domain!.users[0]!.password, iamDomain: domain!.name },
      src: keys,
      dst: keys,
    }),
  });
}

/** Every task of the project (ListTasks, 100 per page). */
export async function listAllTasks(ctx: ActivityContext): Promise<TaskResp[]> {
  const tasks: TaskResp[] = [];
  for await (const t of ctx.clientFor('default').listAllTasks()) tasks.push(t);
  return tasks;
}

/**
 * Creates an OMS task for `request` directly (no workflow): the request is validated and turned into the
 * CreateTask body exactly as the product's create activity does, with `marker` in the description.
 */
export async function createTaskDirect(
  ctx: ActivityContext,
  request: MigrationRequest,
  marker: string,
): Promise<{ id: number; task_name: string }> {
  const validation = validateMigrationRequest(request);
  if (!validation.ok) throw new Error(formatIssues(validation.errors));
  const body = buildCreateTaskRequest(ctx, validation.request, marker);
  return ctx.clientFor(validation.request.orchestration.api_profile).createTask(body);
}

/** OMS tasks per idempotency marker (`oms-orch:…` in the description); a count above 1 is a duplicate create. */
export function markerCounts(tasks: readonly TaskResp[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tasks) {
    for (const word of (t.description ?? '').split(/\s+/)) {
      if (word.startsWith(MARKER_PREFIX)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return counts;
}
