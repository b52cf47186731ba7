/**
 * The rule sets of the request validator (`validateMigrationRequest(input, { rules })`): `v2`, the default, adds
 * OMS's UTF-16 description count, region-id and profile-name rules and size bounds; `v1` is the first rule set
 * unchanged, which runs started before `v2` keep on replay.
 */
import fc from 'fast-check';

import { MAX_BATCH_BYTES, validateBatchRequest } from '../../../workflows/shared/batch-plan';
import { HUAWEI_REGION_PATTERN, PROFILE_NAME_PATTERN, REGION_PATTERN } from '../../../workflows/shared/request-spec';
import {
  MAX_OBJECT_KEYS,
  MAX_REQUEST_BYTES,
  jsonByteLength,
  largestPart,
  validateMigrationRequest,
} from '../../../workflows/shared/validate-request';
import { loadWorkerConfig } from '../../../worker/config';
import {
  DESCRIPTION_MAX_LENGTH,
  IDEMPOTENCY_MARKER_RESERVED_LENGTH,
  OMS_DESCRIPTION_MAX_LENGTH,
} from '../../../workflows/request-types';
import type { ValidationIssue, ValidationResult } from '../../../workflows/request-types';
import { idempotencyMarker } from '../../../activities/build-create-request';
import { invalidRequestArb, validRequestArb } from './arbitraries';
import { V2_ONLY_CASES, edit, objectTask, set } from './fixtures';
import type { Draft } from './fixtures';

function errorsOf(result: ValidationResult): ValidationIssue[] {
  if (result.ok) throw new Error('expected the request to be refused');
  return result.errors;
}

/** The fields a request is refused at under the current rules (`[]` when accepted). */
const refusedAt = (request: unknown): string[] => {
  const result = validateMigrationRequest(request);
  return result.ok ? [] : result.errors.map((e) => e.field);
};

describe('rule sets', () => {
  test('v2 is the default', () => {
    for (const c of V2_ONLY_CASES) {
      expect(validateMigrationRequest(c.request)).toEqual(validateMigrationRequest(c.request, { rules: 'v2' }));
    }
  });

  test.each(V2_ONLY_CASES.map((c) => [c.name, c] as const))(
    'v1 (the first rules, unchanged) accepts %s; v2 refuses it, naming only the field',
    (_name, c) => {
      expect(validateMigrationRequest(c.request, { rules: 'v1' }).ok).toBe(true);
      const result = validateMigrationRequest(c.request, { rules: 'v2' });
      expect(errorsOf(result).map((e) => e.field)).toEqual(c.fields);
      if (c.secret !== undefined) expect(JSON.stringify(result)).not.toContain(c.secret);
    },
  );

  test('v2 only tightens: whatever it accepts, v1 accepts with the same normalized request', () => {
    const inputs = fc.oneof(
      validRequestArb,
      invalidRequestArb.map((c) => c.request),
      fc.anything(),
    );
    fc.assert(
      fc.property(inputs, (input) => {
        const v2 = validateMigrationRequest(input, { rules: 'v2' });
        if (v2.ok) expect(validateMigrationRequest(input, { rules: 'v1' })).toEqual(v2);
      }),
      { numRuns: 300 },
    );
  });
});

describe('description, counted as OMS counts it', () => {
  const withDescription = (description: string): Draft => edit(objectTask, set('description', description));

  test('215 emoji (430 UTF-16 code units) passed the first rules and fail at OMS: v2 refuses them', () => {
    const request = withDescription('😀'.repeat(215));
    expect(validateMigrationRequest(request, { rules: 'v1' }).ok).toBe(true);
    const errors = errorsOf(validateMigrationRequest(request));
    expect(errors).toEqual([
      {
        field: 'description',
        message:
          'must be at most 215 UTF-16 code units as OMS counts them, an emoji counting 2 (OMS allows 255; the ' +
          'orchestrator reserves 40 for its idempotency marker)',
      },
    ]);
  });

  test('the limit is exactly what is left of OMS 255 after the marker, in UTF-16 code units', () => {
    expect(DESCRIPTION_MAX_LENGTH).toBe(OMS_DESCRIPTION_MAX_LENGTH - IDEMPOTENCY_MARKER_RESERVED_LENGTH);
    for (const description of ['a'.repeat(215), `${'😀'.repeat(107)}a`, '中'.repeat(215)]) {
      expect(validateMigrationRequest(withDescription(description)).ok).toBe(true);
      // What OMS receives: the description, a space and the marker, within its 255 UTF-16 code units.
      expect(`${description} ${idempotencyMarker('any/migration/id')}`.length).toBeLessThanOrEqual(255);
    }
    for (const description of ['a'.repeat(216), '😀'.repeat(108), `${'😀'.repeat(107)}ab`]) {
      expect(refusedAt(withDescription(description))).toEqual(['description']);
    }
  });

  test('the first rules keep their message (they counted code points)', () => {
    const errors = errorsOf(validateMigrationRequest(withDescription('a'.repeat(216)), { rules: 'v1' }));
    expect(errors[0]!.message).toBe(
      'must be at most 215 characters (OMS allows 255; the orchestrator reserves 40 for its idempotency marker)',
    );
  });
});

describe('region ids', () => {
  test.each([
    'cn-north-4',
    'cn-north-7',
    'ap-southeast-1',
    'la-south-2',
    'eu-west-101',
    'af-south-1',
    'my-kualalumpur-1',
  ])('accepts the Huawei Cloud region %s as destination and source', (region) => {
    expect(refusedAt(edit(objectTask, set('dst_node.region', region), set('src_node.region', region)))).toEqual([]);
  });

  test.each(['us-central1', 'cn-hangzhou', 'eastus', 'z0', 'oss-cn-shanghai', 'ap_northeast_1', 'EU-WEST-1', 'r'])(
    'accepts the source region %s of another cloud',
    (region) => {
      expect(refusedAt(edit(objectTask, set('src_node.region', region)))).toEqual([]);
    },
  );

  test.each([
    'xq-zone-9 ',
    ' xq-zone-9',
    'xq-zone-9\n',
    'xq-zone-9\r\n',
    'xq-zone-9\t',
    'xq-zone-9\u0000',
    '\u200bxq-zone-9',
    'xq zone 9',
    'xq-zone-9;',
    '-xq-zone-9',
    'xq-zöne-9',
    `r${'1'.repeat(64)}`,
  ])('refuses %j in every node, never echoing it', (region) => {
    const request = edit(objectTask, set('src_node.region', region), set('dst_node.region', region));
    const result = validateMigrationRequest(request);
    expect(errorsOf(result).map((e) => e.field)).toEqual(['src_node.region', 'dst_node.region']);
    expect(JSON.stringify(result)).not.toContain(JSON.stringify(region).slice(1, -1));
    expect(validateMigrationRequest(request, { rules: 'v1' }).ok).toBe(region.length <= 100);
  });

  test.each(['eastus', 'CN-NORTH-4', 'cn_north_4', 'cn', 'c-north-1', 'cn-', 'cn--north-4', 'cn-north-4-a-b', 'z0'])(
    'refuses %j as destination: not a Huawei Cloud region id',
    (region) => {
      const errors = errorsOf(validateMigrationRequest(edit(objectTask, set('dst_node.region', region))));
      expect(errors.map((e) => e.field)).toEqual(['dst_node.region']);
      expect(errors[0]!.message).toMatch(/^must be a Huawei Cloud region id such as cn-north-4/);
    },
  );

  test('the patterns have bounded length and hold only the allowed characters', () => {
    fc.assert(
      fc.property(fc.stringMatching(HUAWEI_REGION_PATTERN), (region) => {
        expect(region.length).toBeLessThanOrEqual(67);
        expect(REGION_PATTERN.test(region)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(REGION_PATTERN), (region) => {
        expect(region).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      }),
    );
  });
});

describe('credential profile names', () => {
  const fields = ['src_node.credential_profile', 'dst_node.credential_profile', 'orchestration.api_profile'];
  const withProfile = (name: string): Draft =>
    edit(
      objectTask,
      set('src_node.credential_profile', name),
      set('dst_node.credential_profile', name),
      set('orchestration', { api_profile: name }),
    );

  test.each(['src', 'default', 'obs-archive', 'Aliyun-Shop-2', 'A', `p${'x'.repeat(63)}`])('accepts %s', (name) => {
    expect(refusedAt(withProfile(name))).toEqual([]);
  });

  test.each([
    ['an underscore', 'QQmy_srcQQ'],
    ['a dot', 'QQmy.srcQQ'],
    ['a leading digit', '7QQsrcQQ'],
    ['a leading hyphen', '-QQsrcQQ'],
    ['a space', 'QQ srcQQ'],
    ['a trailing newline', 'QQsrcQQ\n'],
    ['65 characters', `QQ${'x'.repeat(63)}`],
    ['a pasted secret key', 'QQk3/Xy+Zp9==QQ'],
    ['a pasted password', 'QQP@ssw0rd!QQ'],
    ['non-ASCII letters', 'QQprofilé'],
  ])('refuses a name with %s, naming the field and the rule, never the value', (_what, name) => {
    const result = validateMigrationRequest(withProfile(name));
    const errors = errorsOf(result);
    expect(errors.map((e) => e.field)).toEqual(fields);
    for (const error of errors) {
      expect(error.message).toMatch(/^must be (a credential profile name: 1 to 64 letters|at most 64 characters$)/);
    }
    expect(JSON.stringify(result)).not.toContain('QQ');
  });

  test('every name the rule accepts can be configured through the worker environment (OMS_PROFILE_<NAME>_*)', () => {
    const base = { OMS_ENDPOINT: 'https://oms.example.test', OMS_PROJECT_ID: 'p1' };
    const tricky = ['ak', 'a-sk', 'x-file', 'src-ak-file', 'iam-domain', 'a-iam-domain-id', 'Sk-File-Ak', 'a--b-'];
    const names = fc.oneof(fc.constantFrom(...tricky), fc.stringMatching(PROFILE_NAME_PATTERN));
    fc.assert(
      fc.property(names, (name) => {
        expect(refusedAt(withProfile(name))).toEqual([]);
        const env = name.toUpperCase().replace(/-/g, '_');
        const config = loadWorkerConfig({
          ...base,
          [`OMS_PROFILE_${env}_AK`]: 'AK-VALUE',
          [`OMS_PROFILE_${env}_SK`]: 'SK-VALUE',
          [`OMS_PROFILE_${env}_IAM_USER`]: 'user',
          [`OMS_PROFILE_${env}_IAM_PASSWORD`]: 'password',
        });
        expect(config.credentials.get(name)).toEqual({
          ak: 'AK-VALUE',
          sk: 'SK-VALUE',
          iamUser: 'user',
          iamPassword: 'password',
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('size bounds (far under Temporal 2 MB payloads)', () => {
  const withKeys = (keys: string[]): Draft => edit(objectTask, set('src_node.object_key', keys));
  /** A request of exactly `bytes` of JSON, from object keys of at most 1024 characters. */
  const requestOf = (bytes: number): Draft => {
    const keys: string[] = [];
    const request = withKeys(keys);
    while (jsonByteLength(request) + 1027 <= bytes) keys.push('k'.repeat(1024));
    keys.push('k'.repeat(bytes - jsonByteLength(request) - 3));
    return request;
  };

  test('the bounds leave room for everything the workflow adds', () => {
    expect(MAX_REQUEST_BYTES).toBe(256 * 1024);
    expect(MAX_BATCH_BYTES).toBe(512 * 1024);
    expect(MAX_REQUEST_BYTES * 4).toBeLessThan(2 * 1024 * 1024);
  });

  test(`${MAX_OBJECT_KEYS} object keys are accepted, one more is refused (the first rules had no bound)`, () => {
    const keys = Array.from({ length: MAX_OBJECT_KEYS }, (_, i) => `k${i}`);
    expect(refusedAt(withKeys(keys))).toEqual([]);
    const over = withKeys([...keys, 'one-more']);
    expect(errorsOf(validateMigrationRequest(over))).toEqual([
      {
        field: 'src_node.object_key',
        message: 'must contain at most 10000 items (put a longer list in a list file and use a list task)',
      },
    ]);
    expect(validateMigrationRequest(over, { rules: 'v1' }).ok).toBe(true);
  });

  test('a request of exactly 256 KiB of JSON is accepted, one byte more is refused naming the field and the sizes', () => {
    const exact = requestOf(MAX_REQUEST_BYTES);
    expect(jsonByteLength(exact)).toBe(MAX_REQUEST_BYTES);
    const accepted = validateMigrationRequest(exact);
    expect(accepted.ok).toBe(true);
    // The normalized request the workflow carries is barely larger.
    expect(accepted.ok && jsonByteLength(accepted.request)).toBeLessThan(MAX_REQUEST_BYTES + 1024);

    const over = requestOf(MAX_REQUEST_BYTES + 1);
    expect(errorsOf(validateMigrationRequest(over))).toEqual([
      {
        field: 'src_node.object_key',
        message:
          "makes the request 262145 bytes of JSON, over the 262144-byte limit (which keeps it far under Temporal's " +
          '2 MB payload limit); put long object lists in a list file and use a list task',
      },
    ]);
    expect(validateMigrationRequest(over, { rules: 'v1' }).ok).toBe(true);
  });

  test('sizes are UTF-8 JSON bytes, and the largest part is named', () => {
    expect(jsonByteLength({ a: 'é😀' })).toBe(Buffer.byteLength(JSON.stringify({ a: 'é😀' })));
    expect(jsonByteLength('\ud800')).toBe(Buffer.byteLength(JSON.stringify('\ud800')));
    expect(largestPart({ a: 'x', b: { c: 'y'.repeat(100), d: 'z' } })).toEqual(['b', 'c']);
    expect(largestPart({ a: 'x'.repeat(10), b: 'y'.repeat(10) })).toEqual([]);
  });
});

describe('batches', () => {
  test('the batch validation passes the rule set to every item and to the batch-level options', () => {
    const batch = {
      items: [objectTask(), edit(objectTask, set('dst_node.region', 'cn-north-4\n'))],
      orchestration: { api_profile: 'ops_team' },
    };
    expect(validateBatchRequest(batch, { rules: 'v1' }).ok).toBe(true);
    const result = validateBatchRequest(batch);
    expect(result.ok ? [] : result.errors.map((e) => e.field).sort()).toEqual(
      ['items[1].dst_node.region', 'orchestration.api_profile'].sort(),
    );
    expect(validateBatchRequest(batch, { rules: 'v2' })).toEqual(result);
  });

  test('template prefixes are checked under the rule set too', () => {
    const template = edit(objectTask, set('task_type', 'prefix'), set('src_node.region', 'us east'));
    delete (template.src_node as Draft).object_key;
    const withPrefixes = { template, prefixes: ['a/', 'b/'] };
    expect(validateBatchRequest(withPrefixes, { rules: 'v1' }).ok).toBe(true);
    const result = validateBatchRequest(withPrefixes);
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toEqual(['template.src_node.region']);
  });

  test(`a batch over ${MAX_BATCH_BYTES} bytes of JSON is refused, naming the list that makes it large`, () => {
    const template = edit(objectTask, set('task_type', 'prefix'));
    delete (template.src_node as Draft).object_key;
    const prefixes = Array.from({ length: 600 }, (_, i) => `${'p'.repeat(1000)}/${i}/`);
    const batch = { template, prefixes };
    expect(jsonByteLength(batch)).toBeGreaterThan(MAX_BATCH_BYTES);
    expect(validateBatchRequest(batch, { rules: 'v1' }).ok).toBe(true);
    const result = validateBatchRequest(batch);
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((e) => e.field)).toEqual(['prefixes']);
    expect(errors[0]!.message).toBe(
      `makes the batch ${jsonByteLength(batch)} bytes of JSON, over the 524288-byte limit (which keeps it far ` +
        "under Temporal's 2 MB payload limit); split it into several batches, or use a template with prefixes or " +
        'list files',
    );
    expect(validateBatchRequest({ template, prefixes: prefixes.slice(0, 400) }).ok).toBe(true);
  });
});
