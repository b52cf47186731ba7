/**
 * The emulated routes, named after the official SDK operations (those names key the admin request counters and
 * fault rules). Matching is exact, as at the API gateway: no trailing slash, no alternative method.
 */

/** The SDK operation names of the emulated routes. */
export const ROUTE_NAMES = [
  'KeystoneCreateUserTokenByPassword',
  'ListApiVersions',
  'ShowApiInfo',
  'CreateTask',
  'ListTasks',
  'ShowTask',
  'StartTask',
  'StopTask',
  'DeleteTask',
  'UpdateBandwidthPolicy',
  'ShowRegionInfo',
  'ShowCloudType',
  'CreateTaskGroup',
  'ListTaskGroup',
  'ShowTaskGroup',
  'StopTaskGroup',
  'StartTaskGroup',
  'RetryTaskGroup',
  'UpdateTaskGroup',
  'DeleteTaskGroup',
  // OBS (obs-handlers.ts): the reads of Huawei's OBS SDK, on the same port.
  'ObsHeadApiVersion',
  'ObsHeadBucket',
  'ObsListObjects',
  'ObsGetObject',
  'ObsHeadObject',
] as const;

/** An emulated route. */
export type RouteName = (typeof ROUTE_NAMES)[number];

/** A matched route with its path parameters (raw, still percent-encoded). */
export interface RouteMatch {
  name: RouteName;
  projectId?: string;
  taskId?: string;
  /** Task-group routes: the `{group_id}` segment (raw). */
  groupId?: string;
  version?: string;
}

/** Whether `value` is a route name. */
export function isRouteName(value: unknown): value is RouteName {
  return typeof value === 'string' && (ROUTE_NAMES as readonly string[]).includes(value);
}

/**
 * Matches `method` and `pathname` (without the query). Returns undefined for anything the gateway would answer
 * with APIGW.0101, including known paths with the wrong method.
 */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  if (pathname === '/') return method === 'GET' ? { name: 'ListApiVersions' } : undefined;
  const parts = pathname.split('/');
  // parts[0] is the empty string before the leading slash; empty segments mean `//` or a trailing slash.
  if (parts[0] !== '' || parts.slice(1).some((p) => p === '')) return undefined;
  const segments = parts.slice(1);
  const [first, second, third, fourth, fifth] = segments;
  if (segments.length === 1 && first !== undefined) {
    return method === 'GET' && first.length <= 10 ? { name: 'ShowApiInfo', version: first } : undefined;
  }
  if (first === 'v3' && second === 'auth' && third === 'tokens' && segments.length === 3) {
    return method === 'POST' ? { name: 'KeystoneCreateUserTokenByPassword' } : undefined;
  }
  if (first === 'v2' && second !== undefined && second.length <= 1024 && third === 'objectstorage') {
    if (segments.length !== 4 || method !== 'GET') return undefined;
    if (fourth === 'data-center') return { name: 'ShowRegionInfo', projectId: second };
    if (fourth === 'cloud-type') return { name: 'ShowCloudType', projectId: second };
    return undefined;
  }
  if (first === 'v2' && second !== undefined && third === 'taskgroups' && second.length <= 1024) {
    return matchTaskGroupRoute(method, second, fourth, fifth, segments.length);
  }
  if (first !== 'v2' || second === undefined || third !== 'tasks' || second.length > 1024) return undefined;
  const projectId = second;
  if (segments.length === 3) {
    if (method === 'POST') return { name: 'CreateTask', projectId };
    if (method === 'GET') return { name: 'ListTasks', projectId };
    return undefined;
  }
  if (fourth === undefined) return undefined;
  const taskId = fourth;
  if (segments.length === 4) {
    if (method === 'GET') return { name: 'ShowTask', projectId, taskId };
    if (method === 'DELETE') return { name: 'DeleteTask', projectId, taskId };
    return undefined;
  }
  if (segments.length === 5) {
    if (fifth === 'start' && method === 'POST') return { name: 'StartTask', projectId, taskId };
    if (fifth === 'stop' && method === 'POST') return { name: 'StopTask', projectId, taskId };
    if (fifth === 'bandwidth-policy' && method === 'PUT') return { name: 'UpdateBandwidthPolicy', projectId, taskId };
  }
  return undefined;
}

/** `/v2/{project_id}/taskgroups[/{group_id}[/{action}]]` (docs/oms-api.md §6; the group actions are all PUT). */
function matchTaskGroupRoute(
  method: string,
  projectId: string,
  groupId: string | undefined,
  action: string | undefined,
  length: number,
): RouteMatch | undefined {
  if (length === 3) {
    if (method === 'POST') return { name: 'CreateTaskGroup', projectId };
    if (method === 'GET') return { name: 'ListTaskGroup', projectId };
    return undefined;
  }
  if (groupId === undefined) return undefined;
  if (length === 4) {
    if (method === 'GET') return { name: 'ShowTaskGroup', projectId, groupId };
    if (method === 'DELETE') return { name: 'DeleteTaskGroup', projectId, groupId };
    return undefined;
  }
  if (length !== 5 || method !== 'PUT') return undefined;
  if (action === 'stop') return { name: 'StopTaskGroup', projectId, groupId };
  if (action === 'start') return { name: 'StartTaskGroup', projectId, groupId };
  if (action === 'retry') return { name: 'RetryTaskGroup', projectId, groupId };
  if (action === 'update') return { name: 'UpdateTaskGroup', projectId, groupId };
  return undefined;
}
