/**
 * The request's `notification` object (completion webhook): accepted under rule set v3 only (runs validated under
 * v1/v2 keep refusing it as an unknown key on replay), its URL and profile rules named by field, and never sent to
 * OMS.
 */
import type { MigrationRequest } from '../../../workflows/request-types';
import { WEBHOOK_URL_PATTERN } from '../../../workflows/shared/request-spec';
import { validateMigrationRequest } from '../../../workflows/shared/validate-request';

const seed: MigrationRequest = {
  task_type: 'object',
  src_node: { region: 'cn-north-4', bucket: 'src', credential_profile: 'src', object_key: ['a.txt'] },
  dst_node: { region: 'cn-north-4', bucket: 'dst', credential_profile: 'dst' },
};

function withNotification(notification: unknown): unknown {
  return { ...seed, notification };
}

function fieldsOf(input: unknown, rules?: 'v1' | 'v2' | 'v3'): string[] {
  const result = validateMigrationRequest(input, rules ? { rules } : {});
  return result.ok ? [] : result.errors.map((e) => e.field);
}

const good = { webhook_url: 'https://hooks.example.com/oms?team=storage', credential_profile: 'hook' };

test('v3 (the default) accepts a notification and keeps it in the normalized request', () => {
  const result = validateMigrationRequest(withNotification(good));
  expect(result.ok).toBe(true);
  expect(result.ok && result.request.notification).toEqual(good);
  expect(validateMigrationRequest(withNotification(good), { rules: 'v3' })).toEqual(result);
});

test('v1 and v2 refuse it as an unknown key (as runs validated under them did), and do not suggest it', () => {
  for (const rules of ['v1', 'v2'] as const) {
    const result = validateMigrationRequest(withNotification(good), { rules });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((e) => e.field)).toEqual(['notification']);
    expect(errors[0]!.message).toMatch(/^unknown key/);
    expect(JSON.stringify(result)).not.toContain('"notification"?');
    // Without the key, v2 and v3 agree.
    expect(validateMigrationRequest(seed, { rules })).toEqual(
      rules === 'v2' ? validateMigrationRequest(seed) : validateMigrationRequest(seed, { rules: 'v1' }),
    );
  }
});

test.each([
  ['https://hooks.example.com', true],
  ['http://127.0.0.1:8080/hook', true],
  ['http://localhost/x?y=1&z=%20', true],
  ['https://[::1]:9000/', true],
  ['HTTPS://Hooks.Example.com/Path', true],
  ['ftp://hooks.example.com/', false],
  ['https://', false],
  ['https:///path', false],
  ['hooks.example.com/x', false],
  ['https://user:pw@hooks.example.com/', false],
  ['https://hooks.example.com/#frag', false],
  ['https://hooks.example.com/a b', false],
  ['https://hooks.example.com/\n', false],
  ['https://-bad-.example.com/', false],
])('webhook_url %j valid: %j', (url, ok) => {
  expect(WEBHOOK_URL_PATTERN.test(url)).toBe(ok);
  expect(fieldsOf(withNotification({ ...good, webhook_url: url }))).toEqual(ok ? [] : ['notification.webhook_url']);
});

test('a URL with user info is refused without echoing it', () => {
  const result = validateMigrationRequest(
    withNotification({ ...good, webhook_url: 'https://admin:hunter2@hooks.example.com/' }),
  );
  expect(JSON.stringify(result)).not.toContain('hunter2');
  expect(!result.ok && result.errors[0]!.message).toContain('user info');
});

test('both fields are required; the profile follows the profile-name rule; a secret is refused by name', () => {
  expect(fieldsOf(withNotification({ webhook_url: good.webhook_url }))).toEqual(['notification.credential_profile']);
  expect(fieldsOf(withNotification({ credential_profile: 'hook' }))).toEqual(['notification.webhook_url']);
  expect(fieldsOf(withNotification({ ...good, credential_profile: 'has space' }))).toEqual([
    'notification.credential_profile',
  ]);
  const withSecret = validateMigrationRequest(withNotification({ ...good, secret: 's3cr3t-value' }));
  expect(!withSecret.ok && withSecret.errors.map((e) => e.field)).toEqual(['notification.secret']);
  expect(JSON.stringify(withSecret)).not.toContain('s3cr3t-value');
  expect(fieldsOf(withNotification('https://hooks.example.com'))).toEqual(['notification']);
});
