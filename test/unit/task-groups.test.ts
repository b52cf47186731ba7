/**
 * Task groups, pure parts: request validation (fields named), the group snapshot (OMS's group counter names mapped
 * to the task names), and the OMS client's group routes, bodies and answers (undici MockAgent).
 */
import { MockAgent } from 'undici';

import { OmsClient } from '../../activities/oms/client';
import { OmsTaskNotFoundError, OmsValidationError } from '../../activities/oms/errors';
import { toTaskGroupSnapshot } from '../../activities/task-group-activities';
import type { MigrationRequest } from '../../workflows/request-types';
import {
  FINAL_GROUP_STATUSES,
  GroupStatus,
  groupStatusText,
  isFinalGroupStatus,
} from '../../workflows/task-group-types';
import { validateTaskGroupRequest } from '../../workflows/task-group-validate';

const REQUEST: MigrationRequest = {
  src_node: {
    region: 'cn-north-4',
    credential_profile: 'src',
    bucket: 'src-bucket',
    cloud_type: 'HuaweiCloud',
    object_key: ['logs/'],
  },
  dst_node: { region: 'cn-north-4', credential_profile: 'dst', bucket: 'dst-bucket' },
};

describe('validateTaskGroupRequest', () => {
  test('task_type defaults to prefix, as CreateTaskGroup does', () => {
    const result = validateTaskGroupRequest(REQUEST);
    expect(result.ok && result.request.task_type).toBe('prefix');
  });

  test('object groups and task_priority are refused, naming the fields, with the migration rules too', () => {
    const bad = {
      ...REQUEST,
      task_type: 'object',
      task_priority: 'HIGH',
      dst_node: { ...REQUEST.dst_node, bucket: '' },
    } as MigrationRequest;
    const result = validateTaskGroupRequest(bad);
    expect(result.ok).toBe(false);
    const fields = result.ok ? [] : result.errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['task_type', 'task_priority', 'dst_node.bucket']));
  });

  test('list groups need a list file like list tasks', () => {
    const { object_key: _keys, ...src } = REQUEST.src_node;
    const result = validateTaskGroupRequest({ ...REQUEST, task_type: 'list', src_node: src });
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toContain('src_node.list_file');
  });
});

describe('group snapshot and statuses', () => {
  test('success_num/fail_num/skip_num become the task counter names; progress by bytes', () => {
    const snap = toTaskGroupSnapshot({
      group_id: 'g-1',
      status: 2,
      total_num: 20,
      success_num: 12,
      fail_num: 3,
      skip_num: 1,
      total_size: 2000,
      complete_size: 500,
      total_task_num: 2,
      failed_task_num: 0,
      error_reason: '',
      failed_object_record: { result: true, list_file_key: 'k' },
    });
    expect(snap).toMatchObject({
      group_id: 'g-1',
      successful_num: 12,
      failed_num: 3,
      skipped_num: 1,
      progress: 0.25,
      total_task_num: 2,
      error_reason: null,
      failed_object_record: { result: true, list_file_key: 'k', error_code: null },
    });
  });

  test('final statuses: paused, creation failed, migration failed, succeeded, deleted', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter(isFinalGroupStatus)).toEqual([...FINAL_GROUP_STATUSES]);
    expect(groupStatusText(GroupStatus.MONITORING)).toBe('MONITORING');
    expect(groupStatusText(42)).toBe('UNKNOWN_42');
  });
});

describe('OmsClient task-group routes', () => {
  const OMS = 'https://oms.example.com';
  let agent: MockAgent;
  let client: OmsClient;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    client = new OmsClient({
      omsEndpoint: OMS,
      projectId: 'p1',
      auth: { mode: 'token', tokenProvider: { getToken: () => Promise.resolve('tok'), invalidate: () => {} } },
      dispatcher: agent,
    });
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
  });
  const pool = () => agent.get(OMS);

  test('create, list, show, stop, start, retry, update, delete use the documented methods and paths', async () => {
    const bodies: Record<string, unknown> = {};
    const capture = (name: string) => (opts: { body?: unknown }) => {
      bodies[name] = typeof opts.body === 'string' ? JSON.parse(opts.body) : undefined;
      return true;
    };
    pool()
      .intercept({ path: '/v2/p1/taskgroups', method: 'POST', body: (b) => capture('create')({ body: b }) })
      .reply(200, { group_id: 'g-1' });
    pool()
      .intercept({ path: '/v2/p1/taskgroups?limit=100&offset=0&status=2', method: 'GET' })
      .reply(200, {
        taskgroups: [{ group_id: 'g-1', status: 2 }],
        count: 1,
      });
    pool().intercept({ path: '/v2/p1/taskgroups/g-1', method: 'GET' }).reply(200, { group_id: 'g-1', status: 6 });
    pool().intercept({ path: '/v2/p1/taskgroups/g-1/stop', method: 'PUT' }).reply(200, '');
    pool()
      .intercept({ path: '/v2/p1/taskgroups/g-1/start', method: 'PUT', body: (b) => capture('start')({ body: b }) })
      .reply(200, '');
    pool()
      .intercept({ path: '/v2/p1/taskgroups/g-1/retry', method: 'PUT', body: (b) => capture('retry')({ body: b }) })
      .reply(200, '');
    pool()
      .intercept({ path: '/v2/p1/taskgroups/g-1/update', method: 'PUT', body: (b) => capture('update')({ body: b }) })
      .reply(200, '');
    pool().intercept({ path: '/v2/p1/taskgroups/g-1', method: 'DELETE' }).reply(200, '');

    const created = await client.createTaskGroup({
      task_type: 'PREFIX',
      src_node: { bucket: 's', region: 'r', ak: 'AK', sk: 'SK', object_key: ['a/'] },
      dst_node: { bucket: 'd', region: 'r', ak: 'AK', sk: 'SK' },
    });
    expect(created).toEqual({ group_id: 'g-1' });
    expect(bodies.create).toMatchObject({ task_type: 'PREFIX', src_node: { object_key: ['a/'] } });
    expect((await client.listTaskGroups({ limit: 100, offset: 0, status: 2 })).count).toBe(1);
    expect((await client.showTaskGroup('g-1')).status).toBe(6);
    await client.stopTaskGroup('g-1');
    await client.startTaskGroup('g-1', { dst_ak: 'AK', dst_sk: 'SK' });
    await client.retryTaskGroup('g-1', { dst_ak: 'AK', dst_sk: 'SK', migrate_failed_object: true });
    await client.updateTaskGroup('g-1', [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }]);
    await client.deleteTaskGroup('g-1');
    expect(bodies.start).toEqual({ dst_ak: 'AK', dst_sk: 'SK' });
    expect(bodies.retry).toEqual({ dst_ak: 'AK', dst_sk: 'SK', migrate_failed_object: true });
    expect(bodies.update).toEqual({ bandwidth_policy: [{ start: '00:00', end: '23:59', max_bandwidth: 1_048_576 }] });
  });

  test('a missing group is TaskNotFound; a bad answer shape is a protocol error; errors carry no secret', async () => {
    pool()
      .intercept({ path: '/v2/p1/taskgroups/nope', method: 'GET' })
      .reply(400, { error_code: 'OMS.1009', error_msg: 'No resources found.' });
    await expect(client.showTaskGroup('nope')).rejects.toBeInstanceOf(OmsTaskNotFoundError);
    pool().intercept({ path: '/v2/p1/taskgroups', method: 'POST' }).reply(200, { id: 5 });
    await expect(
      client.createTaskGroup({
        src_node: { bucket: 's', region: 'r', ak: 'AK', sk: 'SECRET-SK' },
        dst_node: { bucket: 'd', region: 'r', ak: 'AK', sk: 'SECRET-SK' },
      }),
    ).rejects.toThrow(/group_id/);
    pool()
      .intercept({ path: '/v2/p1/taskgroups/g-1/start', method: 'PUT' })
      .reply(400, { error_code: 'OMS.0064', error_msg: 'bad SECRET-SK' });
    const err = await client.startTaskGroup('g-1', { dst_ak: 'AK', dst_sk: 'SECRET-SK' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OmsValidationError);
    expect(String((err as Error).message)).not.toContain('SECRET-SK');
    await expect(client.showTaskGroup('')).rejects.toThrow(TypeError);
  });
});
