import {
  applyDefaults,
  formatIssues,
  resolveOrchestrationOptions,
  validateMigrationRequest,
} from '../../../workflows/shared/validate-request';
import { ORCHESTRATION_DEFAULTS } from '../../../workflows/request-types';
import type { MigrationRequest, ValidationIssue, ValidationResult } from '../../../workflows/request-types';
import {
  DOC_SEED_FILE,
  EXAMPLE_FILES,
  INVALID_CASES,
  del,
  edit,
  listTask,
  merge,
  objectTask,
  prefixTask,
  readJson,
  rename,
  set,
  urlListTask,
} from './fixtures';
import type { Draft } from './fixtures';

function errorsOf(result: ValidationResult): ValidationIssue[] {
  if (result.ok) throw new Error('expected the request to be refused');
  return result.errors;
}

describe('valid requests', () => {
  test.each(EXAMPLE_FILES)('accepts examples/%s', (file) => {
    const result = validateMigrationRequest(readJson(`examples/${file}`));
    expect(result).toMatchObject({ ok: true });
  });

  test.each([
    ['object', objectTask],
    ['prefix', prefixTask],
    ['list', listTask],
    ['url_list', urlListTask],
  ])('accepts a minimal %s task', (taskType, build) => {
    const result = validateMigrationRequest(build());
    expect(result.ok).toBe(true);
    expect(result.ok && result.request.task_type).toBe(taskType);
  });

  test('the seed example is the OMS documentation body with only ak/sk replaced by credential_profile', () => {
    // Body of "示例1：创建迁移任务" (docs/oms-api.md §14), verbatim.
    const seed: Draft = {
      src_node: {
        region: 'source_bucket_region',
        ak: 'sorce_ak',
        sk: 'sorce_sk',
        bucket: 'source_bucket',
        cloud_type: 'cloud_type',
        object_key: ['01.png', 'list.txt'],
      },
      enable_kms: false,
      description: '',
      dst_node: {
        region: 'destination_bucket_region',
        ak: 'destination_ak',
        sk: 'destination_sk',
        bucket: 'destination_bucket',
      },
      enable_failed_object_recording: true,
      enable_restore: false,
      task_type: 'object',
    };
    const profiles: Record<string, string> = { src_node: 'source', dst_node: 'destination' };
    const replaced = Object.fromEntries(
      Object.entries(seed).map(([key, value]: [string, unknown]) => {
        const profile = profiles[key];
        if (profile === undefined) return [key, value];
        const node = Object.entries(value as Draft).flatMap(([k, v]: [string, unknown]) =>
          k === 'ak' ? [['credential_profile', profile]] : k === 'sk' ? [] : [[k, v]],
        );
        return [key, Object.fromEntries(node)];
      }),
    );
    // Same keys in the same order: nothing but the credentials changed.
    expect(JSON.stringify(readJson(`examples/${DOC_SEED_FILE}`))).toBe(JSON.stringify(replaced));
    // The documentation's placeholder regions passed the first rules; the current ones want a Huawei region id
    // for the destination (and say so, naming only the field).
    expect(validateMigrationRequest(replaced, { rules: 'v1' }).ok).toBe(true);
    expect(errorsOf(validateMigrationRequest(replaced)).map((e) => e.field)).toEqual(['dst_node.region']);
    expect(
      errorsOf(validateMigrationRequest(seed, { rules: 'v1' }))
        .map((e) => e.field)
        .sort(),
    ).toEqual(
      [
        'src_node.ak',
        'src_node.sk',
        'dst_node.ak',
        'dst_node.sk',
        'src_node.credential_profile',
        'dst_node.credential_profile',
      ].sort(),
    );
  });

  test('counts the description as OMS does, in UTF-16 code units: 107 emoji fit, 108 do not (the first rules counted code points)', () => {
    expect(validateMigrationRequest(edit(objectTask, set('description', '😀'.repeat(107)))).ok).toBe(true);
    const tooLong = validateMigrationRequest(edit(objectTask, set('description', '😀'.repeat(108))));
    expect(tooLong).toMatchObject({ ok: false, errors: [{ field: 'description' }] });
    expect(validateMigrationRequest(edit(objectTask, set('description', '😀'.repeat(215))), { rules: 'v1' }).ok).toBe(
      true,
    );
  });

  test.each(['cn-north-7 ', 'cn-north-7\n', ' cn-north-7', 'cn north 7'])(
    'refuses a region with spaces or line breaks (%j), naming the field; the first rules did not',
    (region) => {
      const request = edit(objectTask, set('dst_node.region', region));
      expect(validateMigrationRequest(request)).toMatchObject({ ok: false, errors: [{ field: 'dst_node.region' }] });
      expect(validateMigrationRequest(request, { rules: 'v1' }).ok).toBe(true);
    },
  );

  test('refuses a request over the size bound, naming the field that makes it large', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `${'k'.repeat(1000)}-${i}`);
    const result = validateMigrationRequest(edit(objectTask, set('src_node.object_key', keys)));
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'src_node.object_key' }] });
    expect(result.ok ? '' : result.errors[0]!.message).toMatch(/over the 262144-byte limit/);
  });

  test('accepts boundary values', () => {
    const request = edit(
      objectTask,
      set('migrate_since', 100_000_000_000),
      set('bandwidth_policy', [
        { start: '00:00', end: '00:00', max_bandwidth: 1_048_576 },
        { start: '00:01', end: '23:59', max_bandwidth: 209_715_200 },
      ]),
      set('orchestration', {
        poll_interval_seconds: 0.1,
        min_poll_interval_seconds: 0.1,
        deadline_seconds: 30 * 24 * 3600,
        failed_object_retry_rounds: 10,
      }),
      set('src_node.object_key', ['', 'k'.repeat(1024)]),
    );
    expect(validateMigrationRequest(request).ok).toBe(true);
  });

  test('accepts a Tencent source with app_id and a KMS-encrypted destination', () => {
    const request = edit(
      objectTask,
      merge('src_node', { cloud_type: 'Tencent', app_id: '1250000000' }),
      merge('dst_node', { crypto_type: 'KMS', kms_key_id: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' }),
    );
    expect(validateMigrationRequest(request).ok).toBe(true);
  });

  test('leaves the input untouched and returns a copy with only known keys', () => {
    const input = readJson('examples/list-task.json') as Draft;
    const before = JSON.stringify(input);
    const result = validateMigrationRequest(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(result.ok && result.request.src_node).not.toBe(input.src_node);
  });
});

describe('defaults', () => {
  test('fills task_type, enable_failed_object_recording and every orchestration option', () => {
    const request = edit(objectTask, del('task_type'));
    const result = validateMigrationRequest(request);
    expect(result.ok && result.request).toEqual({
      ...request,
      task_type: 'object',
      enable_failed_object_recording: true,
      orchestration: {
        poll_interval_seconds: 30,
        min_poll_interval_seconds: 5,
        deadline_seconds: 604_800,
        on_cancel: 'stop',
        delete_task_on_success: false,
        failed_object_retry_rounds: 0,
        api_profile: 'default',
        max_running_per_region: 5,
        daily_create_quota: 1500,
        create_quota_window_seconds: 86_400,
      },
    });
  });

  test('leaves other optional OMS fields out, so OMS applies its own defaults', () => {
    const result = validateMigrationRequest(objectTask());
    expect(result.ok && Object.keys(result.request).sort()).toEqual(
      ['dst_node', 'enable_failed_object_recording', 'orchestration', 'src_node', 'task_type'].sort(),
    );
  });

  test('keeps explicit values', () => {
    const result = validateMigrationRequest(
      edit(
        objectTask,
        set('enable_failed_object_recording', false),
        set('orchestration', { on_cancel: 'detach', api_profile: 'ops', delete_task_on_success: true }),
      ),
    );
    expect(result.ok && result.request.enable_failed_object_recording).toBe(false);
    expect(result.ok && result.request.orchestration).toMatchObject({
      on_cancel: 'detach',
      api_profile: 'ops',
      delete_task_on_success: true,
    });
  });

  test('clamps the default interval floor to a smaller poll interval', () => {
    expect(resolveOrchestrationOptions({ poll_interval_seconds: 0.5 })).toMatchObject({
      poll_interval_seconds: 0.5,
      min_poll_interval_seconds: 0.5,
    });
    expect(resolveOrchestrationOptions({ poll_interval_seconds: 60 }).min_poll_interval_seconds).toBe(5);
    expect(resolveOrchestrationOptions(undefined)).toEqual(ORCHESTRATION_DEFAULTS);
  });

  test('applyDefaults is idempotent', () => {
    const once = applyDefaults(readJson('examples/prefix-task.json') as MigrationRequest);
    expect(applyDefaults(once)).toEqual(once);
  });
});

describe('invalid requests', () => {
  test.each(INVALID_CASES.map((c) => [c.name, c] as const))('refuses %s', (_name, invalid) => {
    const result = validateMigrationRequest(invalid.request);
    const errors = errorsOf(result);
    expect(errors.map((e) => e.field).sort()).toEqual([...invalid.fields].sort());
    for (const error of errors) expect(error.message.length).toBeGreaterThan(0);
    if (invalid.secret !== undefined) expect(JSON.stringify(result)).not.toContain(invalid.secret);
  });

  test('explains how to pass a credential reference instead of raw keys', () => {
    const errors = errorsOf(validateMigrationRequest(edit(objectTask, set('src_node.ak', 'x'))));
    expect(formatIssues(errors)).toContain(
      'src_node.ak: raw credentials are not accepted in a migration request; store them in a worker credential ' +
        'profile and pass "credential_profile": "<profile name>" instead',
    );
  });

  test('recognises secret keys whatever their spelling', () => {
    const secret = 'ZZ-secret-value-ZZ';
    const keys = ['AK', 'Sk', 'securityToken', 'SECURITY-TOKEN', 'db_password', 'clientSecret', 'x-api-key', 'sas'];
    const request = edit(objectTask, ...keys.map((key) => set(`src_node.${key}`, secret)));
    const result = validateMigrationRequest(request);
    const errors = errorsOf(result);
    expect(errors.map((e) => e.field)).toEqual(keys.map((k) => `src_node.${k}`));
    for (const error of errors) expect(error.message).toMatch(/^raw credentials are not accepted/);
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  test('never echoes values of ordinary fields either', () => {
    const marks = ['MARK-one<', 'MARK-two', 'MARK-three', 'MARK-four'];
    const request = edit(
      objectTask,
      set('description', marks[0]),
      set('task_type', marks[1]),
      set('src_node.region', marks[2]!.repeat(11)),
      set('orchestration', { api_profile: `${marks[3]} with spaces` }),
    );
    const result = validateMigrationRequest(request);
    expect(errorsOf(result)).toHaveLength(4);
    expect(JSON.stringify(result)).not.toMatch(/MARK-/);
  });

  test('collects every problem at once', () => {
    const request = {
      task_type: 'prefix',
      src_node: { region: 'r', bucket: 'b', credential_profile: 'p', object_key: [] },
      dst_node: { region: 'cn-north-4', bucket: 'b' },
      description: '<>',
      migrate_since: 1_700_000_000_000,
      bandwidth_policy: [{ start: '9:00', end: '10:00', max_bandwidth: 1 }],
      enable_restore: 'yes',
      orchestration: { on_cancel: 'kill', poll_interval_secs: 5 },
    };
    const errors = errorsOf(validateMigrationRequest(request));
    expect(errors.map((e) => e.field).sort()).toEqual(
      [
        'src_node.object_key',
        'dst_node.credential_profile',
        'description',
        'migrate_since',
        'bandwidth_policy[0].start',
        'bandwidth_policy[0].max_bandwidth',
        'enable_restore',
        'orchestration.on_cancel',
        'orchestration.poll_interval_secs',
      ].sort(),
    );
  });

  test('suggests the intended key for typos', () => {
    const errors = errorsOf(
      validateMigrationRequest(
        edit(
          objectTask,
          rename('task_type', 'taskType'),
          rename('src_node.object_key', 'objectKey'),
          set('orchestration', { api_profil: 'x' }),
        ),
      ),
    );
    const byField = Object.fromEntries(errors.map((e) => [e.field, e.message]));
    expect(byField.taskType).toBe('unknown key (did you mean "task_type"?)');
    expect(byField['src_node.objectKey']).toBe('unknown key (did you mean "object_key"?)');
    expect(byField['orchestration.api_profil']).toBe('unknown key (did you mean "api_profile"?)');
  });

  test('says migrate_since is in seconds', () => {
    const errors = errorsOf(validateMigrationRequest(edit(objectTask, set('migrate_since', Date.UTC(2024, 0, 1)))));
    expect(errors).toEqual([
      {
        field: 'migrate_since',
        message: 'is in seconds (Unix time); this value looks like milliseconds: divide it by 1000',
      },
    ]);
  });

  test('does not pollute prototypes and survives exotic inputs', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "src_node": {"__proto__": {"x": 1}}}') as unknown;
    expect(validateMigrationRequest(hostile).ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const throwing = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    expect(validateMigrationRequest(throwing)).toEqual({
      ok: false,
      errors: [{ field: '$', message: 'could not be read as plain JSON data' }],
    });
    const cyclic: Draft = { src_node: {} };
    cyclic.extra = cyclic;
    expect(validateMigrationRequest(cyclic).ok).toBe(false);
    expect(validateMigrationRequest(edit(objectTask, set('migrate_since', Number.NaN))).ok).toBe(false);
  });
});

describe('formatIssues', () => {
  test('formats one issue per line', () => {
    expect(
      formatIssues([
        { field: 'src_node.ak', message: 'raw credentials are not accepted' },
        { field: 'task_type', message: 'must be one of: "object"' },
      ]),
    ).toBe(
      'Invalid migration request (2 problems):\n' +
        '  - src_node.ak: raw credentials are not accepted\n' +
        '  - task_type: must be one of: "object"',
    );
  });

  test('caps the listed issues', () => {
    const issues = Array.from({ length: 60 }, (_, i) => ({ field: `f${i}`, message: 'bad' }));
    const text = formatIssues(issues, 3);
    expect(text.split('\n')).toEqual([
      'Invalid migration request (60 problems):',
      '  - f0: bad',
      '  - f1: bad',
      '  - f2: bad',
      '  … and 57 more',
    ]);
  });

  test('handles the empty list', () => {
    expect(formatIssues([])).toBe('The migration request is valid.');
  });
});

describe('normalized requests (carried across continue-as-new)', () => {
  test('a normalized request validates again to exactly itself', () => {
    const first = validateMigrationRequest({
      src_node: { region: 'r', credential_profile: 'src', bucket: 'b', object_key: ['k'] },
      dst_node: { region: 'cn-north-4', credential_profile: 'dst', bucket: 'd' },
      orchestration: { poll_interval_seconds: 2 },
    });
    if (!first.ok) throw new Error(JSON.stringify(first.errors));
    const second = validateMigrationRequest(first.request);
    expect(second).toEqual({ ok: true, request: first.request });
  });
});
