/**
 * The task-group routes (docs/oms-api.md §6), authenticated by the server like every OMS route. Validation reuses the
 * task rules (same error format, same field paths) after mapping the group's upper-case `task_type` to the task
 * form. Preconditions: stop ⇐ {1, 2} (6 → OMS.0070, others → OMS.0066); start ⇐ {3} (6 → OMS.0070, others →
 * OMS.0065); retry ⇐ {5} (6 → OMS.0070, others → OMS.0065); update ⇐ not 6 (OMS.0070); delete ⇐ not {1, 2, 7}
 * (OMS.0063, "pause first"). An unknown group is 400 OMS.1009, as for tasks.
 */
import type { AuthContext } from './auth';
import { invalidParameter, omsError } from './errors';
import type { ParsedRequest, Reply } from './http-io';
import { isJsonContentType, parseJson } from './http-io';
import { lenientDecode } from './aksk-verify';
import type { RouteMatch } from './routes';
import type { EmulatorState } from './state';
import {
  createGroup,
  deleteGroup,
  groupStatus,
  renderGroup,
  restartGroup,
  stopGroup,
  updateGroupBandwidth,
} from './task-group';
import type { GroupTaskType, TaskGroupRecord } from './task-group-model';
import { GROUP_TASK_TYPES, GroupStatus } from './task-group-model';
import type { TaskCredentials } from './task-model';
import { TaskStatus } from './task-model';
import { requireObjectBody, validateBandwidthUpdate, validateCreateTask, validateStartTask } from './validation';

const GROUP_TO_TASK_TYPE: Record<GroupTaskType, string> = { PREFIX: 'prefix', LIST: 'list', URL_LIST: 'url_list' };

function body(req: ParsedRequest, emptyAs?: unknown): unknown {
  if (req.body.length === 0 && emptyAs !== undefined) return emptyAs;
  if (!isJsonContentType(req.headers['content-type']?.[0])) throw omsError('OMS.0004', undefined, 415);
  const parsed = parseJson(req.body);
  if (!parsed.ok) throw omsError('OMS.0067');
  return parsed.value;
}

function projectOf(route: RouteMatch): string {
  return lenientDecode(route.projectId ?? '');
}

function findGroup(state: EmulatorState, route: RouteMatch): TaskGroupRecord {
  const id = lenientDecode(route.groupId ?? '');
  if (id.length < 1 || id.length > 100) throw invalidParameter('group_id');
  state.simulator.advance();
  const group = state.simulator.groups.get(id);
  if (!group || group.projectId !== projectOf(route)) throw omsError('OMS.1009');
  return group;
}

function queryInteger(params: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,10}$/.test(raw)) throw invalidParameter(name);
  const value = Number(raw);
  if (value < min || value > max) throw invalidParameter(name);
  return value;
}

/**
 * The credentials of a StartTaskGroup/RetryTaskGroup body. StartTaskGroup requires them as StartTask does;
 * RetryTaskGroup documents every field as optional: without keys the members restart without credentials and
 * fail on the destination (TRF.0057), as OMS, which erased the keys, would.
 */
function restartCredentials(
  raw: unknown,
  group: TaskGroupRecord,
  keysOptional: boolean,
): { credentials: TaskCredentials; migrateFailedObject: boolean } {
  const root = requireObjectBody(raw);
  if (keysOptional && root.dst_ak === undefined && root.dst_sk === undefined && root.src_ak === undefined) {
    const flag = root.migrate_failed_object;
    if (flag !== undefined && typeof flag !== 'boolean') throw invalidParameter('migrate_failed_object');
    return { credentials: { dstAk: '', dstSk: '' }, migrateFailedObject: flag === true };
  }
  // The task rules read only the spec (URL list: no source keys; CDN key when the source needs one).
  return validateStartTask(root, { spec: group.spec } as Parameters<typeof validateStartTask>[1]);
}

/** Dispatches an authenticated task-group route. */
export function handleTaskGroup(state: EmulatorState, route: RouteMatch, req: ParsedRequest, auth: AuthContext): Reply {
  switch (route.name) {
    case 'CreateTaskGroup': {
      const root = requireObjectBody(body(req));
      const rawType = root.task_type ?? 'PREFIX';
      if (typeof rawType !== 'string' || !(GROUP_TASK_TYPES as readonly string[]).includes(rawType)) {
        throw invalidParameter('task_type');
      }
      const type = rawType as GroupTaskType;
      const { spec, credentials } = validateCreateTask(
        { ...root, task_type: GROUP_TO_TASK_TYPE[type] },
        { region: state.config.region, bucketRegion: (name) => state.objects.bucket(name)?.region },
      );
      state.simulator.advance();
      const group = createGroup(state, projectOf(route), auth.domainId, type, spec, credentials);
      return { status: 200, body: { group_id: group.id } };
    }
    case 'ListTaskGroup': {
      const params = new URLSearchParams(req.query);
      const limit = queryInteger(params, 'limit', 1, 100) ?? 10;
      const offset = queryInteger(params, 'offset', 0, 2_147_483_647) ?? 0;
      const status = queryInteger(params, 'status', 0, 9);
      state.simulator.advance();
      const project = projectOf(route);
      // Newest first, as ListTasks.
      const matching = [...state.simulator.groups.values()]
        .filter((g) => g.projectId === project && (status === undefined || groupStatus(state, g) === status))
        .reverse();
      const page = matching.slice(offset, offset + limit);
      return { status: 200, body: { taskgroups: page.map((g) => renderGroup(state, g)), count: matching.length } };
    }
    case 'ShowTaskGroup':
      return { status: 200, body: renderGroup(state, findGroup(state, route)) };
    case 'StopTaskGroup': {
      const group = findGroup(state, route);
      const status = groupStatus(state, group);
      if (status === GroupStatus.Succeeded) throw omsError('OMS.0070');
      if (status !== GroupStatus.Creating && status !== GroupStatus.Monitoring) throw omsError('OMS.0066');
      stopGroup(state, group);
      return { status: 200 };
    }
    case 'StartTaskGroup':
    case 'RetryTaskGroup': {
      const retry = route.name === 'RetryTaskGroup';
      const raw = body(req, {});
      const group = findGroup(state, route);
      const { credentials, migrateFailedObject } = restartCredentials(raw, group, retry);
      const status = groupStatus(state, group);
      if (status === GroupStatus.Succeeded) throw omsError('OMS.0070');
      if (status !== (retry ? GroupStatus.MigrateFailed : GroupStatus.Paused)) throw omsError('OMS.0065');
      restartGroup(
        state,
        group,
        retry ? TaskStatus.Failed : TaskStatus.Stopped,
        credentials,
        retry && migrateFailedObject,
      );
      return { status: 200 };
    }
    case 'UpdateTaskGroup': {
      const raw = body(req);
      const group = findGroup(state, route);
      const policy = validateBandwidthUpdate(raw);
      if (groupStatus(state, group) === GroupStatus.Succeeded) throw omsError('OMS.0070');
      updateGroupBandwidth(state, group, policy);
      return { status: 200 };
    }
    case 'DeleteTaskGroup': {
      const group = findGroup(state, route);
      const status = groupStatus(state, group);
      if (status === GroupStatus.Creating || status === GroupStatus.Monitoring || status === GroupStatus.Pausing) {
        throw omsError('OMS.0063');
      }
      deleteGroup(state, group);
      return { status: 200 };
    }
    default:
      throw omsError('OMS.1001', undefined, 500);
  }
}
