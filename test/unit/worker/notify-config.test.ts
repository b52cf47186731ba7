/**
 * The worker's completion-webhook settings (`OMS_NOTIFY_*`, `OMS_PROFILE_<NAME>_WEBHOOK_SECRET`): parsed into the
 * configuration and the activities' dependencies, every problem named, the secret and the URL's query never shown.
 */
import { secretValues } from '../../../activities/credentials';
import { activityDepsFromConfig } from '../../../worker/activity-deps';
import { ConfigError, describeConfig, loadWorkerConfig } from '../../../worker/config';

const base = {
  OMS_ENDPOINT: 'https://oms.example.test',
  OMS_PROJECT_ID: 'p1',
  OMS_PROFILE_DEFAULT_IAM_USER: 'alice',
  OMS_PROFILE_DEFAULT_IAM_PASSWORD: 'pw-SECRET-1',
  OMS_PROFILE_HOOK_WEBHOOK_SECRET: 'HOOK-SECRET-4',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadWorkerConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

test('without OMS_NOTIFY_* there is no default webhook; the timeout defaults to 10 s', () => {
  const config = loadWorkerConfig(base);
  expect(config.notification).toEqual({ allowInsecureHttp: false, timeoutMs: 10_000 });
  expect(config.credentials.get('hook')).toEqual({ webhookSecret: 'HOOK-SECRET-4' });
  expect(secretValues(config.credentials)).toContain('HOOK-SECRET-4');
});

test('a default webhook reaches the activities, and describeConfig shows it redacted, without the secret', () => {
  const config = loadWorkerConfig({
    ...base,
    OMS_NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/oms?token=abc',
    OMS_NOTIFY_CREDENTIAL_PROFILE: 'hook',
    OMS_NOTIFY_TIMEOUT_SECONDS: '5',
  });
  expect(config.notification).toEqual({
    defaultWebhook: { url: 'https://hooks.example.com/oms?token=abc', credentialProfile: 'hook' },
    allowInsecureHttp: false,
    timeoutMs: 5_000,
  });
  expect(activityDepsFromConfig(config).notification).toBe(config.notification);
  const described = JSON.stringify(describeConfig(config));
  expect(described).toContain('https://hooks.example.com/oms?***');
  expect(described).not.toContain('token=abc');
  expect(described).not.toContain('HOOK-SECRET-4');
});

test('plain http is accepted for loopback hosts, or anywhere with OMS_NOTIFY_ALLOW_INSECURE_HTTP=true', () => {
  const env = { ...base, OMS_NOTIFY_CREDENTIAL_PROFILE: 'hook' };
  expect(problemsOf({ ...env, OMS_NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9000/hook' })).toEqual([]);
  expect(problemsOf({ ...env, OMS_NOTIFY_WEBHOOK_URL: 'http://localhost/hook' })).toEqual([]);
  const remote = { ...env, OMS_NOTIFY_WEBHOOK_URL: 'http://hooks.example.com/hook' };
  expect(problemsOf(remote)).toEqual([expect.stringContaining('OMS_NOTIFY_WEBHOOK_URL uses plain http')]);
  expect(problemsOf({ ...remote, OMS_NOTIFY_ALLOW_INSECURE_HTTP: 'true' })).toEqual([]);
  expect(loadWorkerConfig({ ...remote, OMS_NOTIFY_ALLOW_INSECURE_HTTP: 'true' }).notification.allowInsecureHttp).toBe(
    true,
  );
});

test('each problem is named: a lone variable, a bad URL, a profile without a secret, a bad flag or timeout', () => {
  expect(problemsOf({ ...base, OMS_NOTIFY_WEBHOOK_URL: 'https://hooks.example.com' })).toEqual([
    'OMS_NOTIFY_WEBHOOK_URL and OMS_NOTIFY_CREDENTIAL_PROFILE go together: set both or neither',
  ]);
  expect(problemsOf({ ...base, OMS_NOTIFY_CREDENTIAL_PROFILE: 'hook' })).toHaveLength(1);
  const badUrl = problemsOf({
    ...base,
    OMS_NOTIFY_WEBHOOK_URL: 'https://user:pw-9@hooks.example.com/',
    OMS_NOTIFY_CREDENTIAL_PROFILE: 'hook',
  });
  expect(badUrl).toEqual([expect.stringContaining('OMS_NOTIFY_WEBHOOK_URL must be an http:// or https:// URL')]);
  expect(badUrl.join()).not.toContain('pw-9');
  expect(
    problemsOf({
      ...base,
      OMS_NOTIFY_WEBHOOK_URL: 'https://hooks.example.com',
      OMS_NOTIFY_CREDENTIAL_PROFILE: 'default',
    }),
  ).toEqual([expect.stringContaining('OMS_PROFILE_DEFAULT_WEBHOOK_SECRET')]);
  expect(problemsOf({ ...base, OMS_NOTIFY_ALLOW_INSECURE_HTTP: 'yes' })).toEqual([
    'OMS_NOTIFY_ALLOW_INSECURE_HTTP must be true or false',
  ]);
  expect(problemsOf({ ...base, OMS_NOTIFY_TIMEOUT_SECONDS: '60' })).toEqual([
    expect.stringContaining('OMS_NOTIFY_TIMEOUT_SECONDS'),
  ]);
});
