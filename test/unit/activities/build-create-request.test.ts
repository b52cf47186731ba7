import { staticCredentialStore } from '../../../activities/credentials';
import { buildCreateTaskRequest, hasMarker, idempotencyMarker } from '../../../activities/build-create-request';
import { createActivityContext } from '../../../activities/context';
import { validateMigrationRequest } from '../../../workflows/shared/validate-request';
import type { NormalizedMigrationRequest } from '../../../workflows/request-types';

const ctx = createActivityContext({
  omsEndpoint: 'https://oms.test',
  iamEndpoint: 'https://iam.test',
  projectId: 'p',
  authMode: 'token',
  credentials: staticCredentialStore({
    src: { ak: 'SRC-AK', sk: 'SRC-SK', securityToken: 'SRC-TOKEN' },
    dst: { ak: 'DST-AK', sk: 'DST-SK' },
  }),
});

function normalized(request: unknown): NormalizedMigrationRequest {
  const v = validateMigrationRequest(request);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.request;
}

const seed = {
  task_type: 'object',
  src_node: {
    region: 'cn-north-7',
    credential_profile: 'src',
    bucket: 'a-test-1',
    cloud_type: 'HuaweiCloud',
    object_key: ['01.png', 'list.txt'],
  },
  enable_kms: false,
  description: '',
  dst_node: { region: 'cn-north-7', credential_profile: 'dst', bucket: 'api-test-outline' },
  enable_failed_object_recording: true,
  enable_restore: false,
};

describe('CreateTask body', () => {
  test('resolves profile names into the keys OMS expects and drops orchestration options', () => {
    const marker = idempotencyMarker('migration-1');
    const body = buildCreateTaskRequest(ctx, normalized(seed), marker);
    expect(body.src_node).toEqual({
      region: 'cn-north-7',
      bucket: 'a-test-1',
      cloud_type: 'HuaweiCloud',
      object_key: ['01.png', 'list.txt'],
      ak: 'SRC-AK',
      sk: 'SRC-SK',
      security_token: 'SRC-TOKEN',
    });
    expect(body.dst_node).toEqual({ region: 'cn-north-7', bucket: 'api-test-outline', ak: 'DST-AK', sk: 'DST-SK' });
    expect(body).not.toHaveProperty('orchestration');
    expect(body.description).toBe(marker);
    expect(body.task_type).toBe('object');
  });

  test('keeps the user description and appends the marker within OMS limits', () => {
    const marker = idempotencyMarker('a/very "odd" <id> & more');
    const body = buildCreateTaskRequest(ctx, normalized({ ...seed, description: 'nightly copy' }), marker);
    expect(body.description).toBe(`nightly copy ${marker}`);
    expect(hasMarker(body.description, marker)).toBe(true);
    expect(marker).toMatch(/^oms-orch:[0-9a-f]{24}$/);
    expect(marker.length + 1).toBeLessThanOrEqual(40);
  });

  test('the marker is deterministic per migration id and distinct across ids', () => {
    expect(idempotencyMarker('m-1')).toBe(idempotencyMarker('m-1'));
    expect(idempotencyMarker('m-1')).not.toBe(idempotencyMarker('m-2'));
    expect(hasMarker(`x ${idempotencyMarker('m-1')}`, idempotencyMarker('m-2'))).toBe(false);
  });

  test('a missing profile is a non-retryable CredentialsMissing failure that names the variables to set', () => {
    const request = normalized({ ...seed, dst_node: { ...seed.dst_node, credential_profile: 'nope' } });
    expect(() => buildCreateTaskRequest(ctx, request, 'm')).toThrow(
      expect.objectContaining({
        type: 'CredentialsMissing',
        nonRetryable: true,
        message: expect.stringContaining('OMS_PROFILE_NOPE_AK') as unknown,
      }) as Error,
    );
  });

  test('a profile checked by name only names the variables that configure it (never an empty list)', () => {
    expect(() => ctx.requireProfile('absent-one', [], 'migration')).toThrow(
      /Set OMS_PROFILE_ABSENT_ONE_AK and OMS_PROFILE_ABSENT_ONE_SK \(a node's keys\), or OMS_PROFILE_ABSENT_ONE_CDN_AUTHENTICATION_KEY/,
    );
  });

  test('a name that is not a profile name (a pasted secret?) is never repeated', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    let message = '';
    try {
      ctx.requireProfile(secret, ['ak', 'sk'], 'destination node');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('not a valid profile name');
    expect(message).not.toContain(secret);
    expect(message).not.toContain('WJALR');
  });
});
