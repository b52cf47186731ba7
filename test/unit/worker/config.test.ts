import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  ConfigError,
  DEFAULT_MAX_CACHED_WORKFLOWS,
  describeConfig,
  insecureEndpoints,
  loadWorkerConfig,
  redactAddress,
  redactUrl,
} from '../../../worker/config';

const base = {
  OMS_ENDPOINT: 'https://oms.example.test',
  OMS_PROJECT_ID: 'p1',
  OMS_PROFILE_DEFAULT_IAM_USER: 'alice',
  OMS_PROFILE_DEFAULT_IAM_PASSWORD: 'pw-SECRET-1',
  OMS_PROFILE_MY_SRC_AK: 'AK-SECRET-2',
  OMS_PROFILE_MY_SRC_SK: 'SK-SECRET-3',
};

describe('worker configuration', () => {
  test('parses profiles from the environment and applies defaults', () => {
    const config = loadWorkerConfig(base);
    expect(config.temporal).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'oms-migrations',
    });
    expect(config.temporal.connection.connectionOptions).toEqual({ address: '127.0.0.1:7233' });
    expect(config.oms.iamEndpoint).toBe('https://oms.example.test');
    expect(config.oms.authMode).toBe('token');
    expect(config.credentials.get('my-src')).toEqual({ ak: 'AK-SECRET-2', sk: 'SK-SECRET-3' });
    expect(config.credentials.get('default')).toEqual({ iamUser: 'alice', iamPassword: 'pw-SECRET-1' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('bounds the sticky cache by default and checks the prebuilt workflow bundle path', () => {
    expect(loadWorkerConfig(base).worker.maxCachedWorkflows).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(loadWorkerConfig({ ...base, WORKER_MAX_CACHED_WORKFLOWS: '0' }).worker.maxCachedWorkflows).toBe(0);
    expect(loadWorkerConfig(base).worker.workflowBundlePath).toBeUndefined();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-')), 'workflow-bundle.js');
    fs.writeFileSync(file, '// bundle');
    expect(loadWorkerConfig({ ...base, WORKER_WORKFLOW_BUNDLE: file }).worker.workflowBundlePath).toBe(file);
    expect(() => loadWorkerConfig({ ...base, WORKER_WORKFLOW_BUNDLE: `${file}.missing` })).toThrow(
      /WORKER_WORKFLOW_BUNDLE \(.*\.missing\) is not a readable file/,
    );
  });

  test('lists every problem at once', () => {
    const attempt = () =>
      loadWorkerConfig({ OMS_ENDPOINT: 'ftp://x', OMS_AUTH_MODE: 'magic', WORKER_MAX_CONCURRENT_ACTIVITIES: '0' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const problems = (err as ConfigError).problems;
      expect(problems).toEqual(
        expect.arrayContaining([
          'OMS_ENDPOINT must be an http(s) URL',
          'OMS_PROJECT_ID is required',
          'OMS_AUTH_MODE must be one of token, aksk',
          'WORKER_MAX_CONCURRENT_ACTIVITIES must be an integer between 1 and 10000',
          expect.stringContaining('no credential profiles'),
        ]),
      );
    }
  });

  test('reads secrets from *_FILE paths and a credentials file, and never shows them in the summary', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    fs.writeFileSync(path.join(dir, 'sk'), 'SK-FROM-FILE-4\n');
    fs.writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ profiles: { Dst: { ak: 'AK-5', sk: 'SK-6' } } }));
    const config = loadWorkerConfig({
      ...base,
      OMS_PROFILE_MY_SRC_SK_FILE: path.join(dir, 'sk'),
      OMS_CREDENTIALS_FILE: path.join(dir, 'creds.json'),
    });
    expect(config.credentials.get('my-src')?.sk).toBe('SK-FROM-FILE-4');
    expect(config.credentials.get('dst')).toEqual({ ak: 'AK-5', sk: 'SK-6' });
    const summary = JSON.stringify(describeConfig(config));
    for (const secret of ['pw-SECRET-1', 'AK-SECRET-2', 'SK-FROM-FILE-4', 'AK-5', 'SK-6']) {
      expect(summary).not.toContain(secret);
    }
    expect(summary).toContain('my-src');
  });

  test('a broken credentials file is reported without quoting its content', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    fs.writeFileSync(path.join(dir, 'creds.json'), '{"profiles": {"x": {"sk": "LEAKY-SECRET-7"');
    try {
      loadWorkerConfig({ ...base, OMS_CREDENTIALS_FILE: path.join(dir, 'creds.json') });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('is not valid JSON');
      expect((err as Error).message).not.toContain('LEAKY-SECRET-7');
    }
  });

  /** The problems `env` is refused with (fails the test when it is accepted). */
  function problemsOf(env: Record<string, string>): string[] {
    try {
      loadWorkerConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    throw new Error('expected a ConfigError');
  }

  test('plain-http endpoints are refused unless explicitly allowed, naming the variable', () => {
    expect(() => loadWorkerConfig({ ...base, OMS_ENDPOINT: 'http://oms.example.test' })).toThrow(
      /OMS_ENDPOINT uses plain http[\s\S]*OMS_ALLOW_INSECURE_HTTP=true/,
    );
    expect(() => loadWorkerConfig({ ...base, OMS_IAM_ENDPOINT: 'http://iam.example.test' })).toThrow(
      /OMS_IAM_ENDPOINT uses plain http/,
    );
    const allowed = loadWorkerConfig({
      ...base,
      OMS_ENDPOINT: 'http://127.0.0.1:9080',
      OMS_ALLOW_INSECURE_HTTP: 'true',
    });
    expect(allowed.oms.endpoint).toBe('http://127.0.0.1:9080');
    expect(allowed.oms.allowInsecureHttp).toBe(true);
    expect(insecureEndpoints(allowed)).toEqual({
      OMS_ENDPOINT: 'http://127.0.0.1:9080',
      OMS_IAM_ENDPOINT: 'http://127.0.0.1:9080',
    });
  });

  test('a loopback or upper-case http endpoint is refused too, whatever the case of the scheme', () => {
    for (const endpoint of ['http://127.0.0.1:9080', 'http://localhost:9080', 'HTTP://[::1]:9080', 'Http://oms.test']) {
      expect(problemsOf({ ...base, OMS_ENDPOINT: endpoint })).toEqual([
        expect.stringMatching(/^OMS_ENDPOINT uses plain http/),
      ]);
    }
  });

  test('an IAM endpoint inherited from a plain-http OMS_ENDPOINT is reported once, under OMS_ENDPOINT', () => {
    const problems = problemsOf({ ...base, OMS_ENDPOINT: 'http://oms.example.test' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^OMS_ENDPOINT uses plain http/);
  });

  test('OMS_ALLOW_INSECURE_HTTP is true or false, nothing else', () => {
    expect(loadWorkerConfig({ ...base, OMS_ALLOW_INSECURE_HTTP: 'false' }).oms.allowInsecureHttp).toBe(false);
    expect(loadWorkerConfig(base).oms.allowInsecureHttp).toBe(false);
    expect(insecureEndpoints(loadWorkerConfig(base))).toEqual({});
    for (const value of ['1', 'yes', 'on', 'ture']) {
      expect(problemsOf({ ...base, OMS_ENDPOINT: 'http://127.0.0.1:9080', OMS_ALLOW_INSECURE_HTTP: value })).toEqual([
        'OMS_ALLOW_INSECURE_HTTP must be true or false',
        expect.stringMatching(/^OMS_ENDPOINT uses plain http/),
      ]);
    }
  });

  test('endpoints with user info, a query string or a fragment are refused without echoing them', () => {
    const problems = problemsOf({
      ...base,
      OMS_ENDPOINT: 'https://user:pa55word@oms.example.test',
      OMS_IAM_ENDPOINT: 'https://iam.example.test/v3?token=abc#FRAGVALUE',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^OMS_ENDPOINT must not contain user info/),
      expect.stringMatching(/^OMS_IAM_ENDPOINT must be a base URL without a query string or fragment/),
    ]);
    expect(problems.join('\n')).not.toMatch(/pa55word|token=abc|FRAGVALUE/);
  });

  test('the start-up summary shows endpoints and the Temporal address without user info or query strings', () => {
    const config = loadWorkerConfig({ ...base, OMS_IAM_ENDPOINT: 'https://iam.example.test' });
    // describeConfig redacts whatever it is given, even values the loader would refuse.
    const summary = JSON.stringify(
      describeConfig({
        ...config,
        temporal: { ...config.temporal, address: 'tuser:tpass@temporal.example.test:7233' },
        oms: { ...config.oms, endpoint: 'https://user:pa55word@oms.example.test/base?token=abc' },
      }),
    );
    for (const leaked of ['pa55word', 'user:', 'token=abc', 'tpass', 'tuser']) expect(summary).not.toContain(leaked);
    expect(summary).toContain('https://***@oms.example.test/base?***');
    expect(summary).toContain('***@temporal.example.test:7233');
    expect(summary).toContain('https://iam.example.test');
  });

  test.each([
    ['https://oms.example.test', 'https://oms.example.test'],
    ['https://oms.example.test/', 'https://oms.example.test'],
    ['https://oms.example.test/base/', 'https://oms.example.test/base/'],
    ['http://user:pw@127.0.0.1:9080', 'http://***@127.0.0.1:9080'],
    ['https://:only-password@oms.example.test', 'https://***@oms.example.test'],
    ['https://only-user@oms.example.test', 'https://***@oms.example.test'],
    ['https://oms.example.test/?token=abc', 'https://oms.example.test?***'],
    ['https://u:p@oms.example.test/x?a=1&b=2#frag', 'https://***@oms.example.test/x?***#***'],
    ['not a url user:pw@', '(unparsable URL)'],
  ])('redactUrl(%s) is %s', (raw, shown) => {
    expect(redactUrl(raw)).toBe(shown);
  });

  test.each([
    ['127.0.0.1:7233', '127.0.0.1:7233'],
    ['user:pw@temporal.example.test:7233', '***@temporal.example.test:7233'],
    ['temporal.example.test:7233?key=abc', 'temporal.example.test:7233?***'],
    ['https://user:pw@temporal.example.test:7233', 'https://***@temporal.example.test:7233'],
  ])('redactAddress(%s) is %s', (raw, shown) => {
    expect(redactAddress(raw)).toBe(shown);
  });
});
