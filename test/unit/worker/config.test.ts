import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ConfigError, DEFAULT_MAX_CACHED_WORKFLOWS, describeConfig, loadWorkerConfig } from '../../../worker/config';

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
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'oms-migrations' });
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
  });

  test('the start-up summary shows endpoints without user info or query strings', () => {
    const config = loadWorkerConfig({
      ...base,
      OMS_ENDPOINT: 'https://user:pa55word@oms.example.test/base?token=abc',
      OMS_IAM_ENDPOINT: 'https://iam.example.test',
    });
    const summary = JSON.stringify(describeConfig(config));
    expect(summary).not.toContain('pa55word');
    expect(summary).not.toContain('user:');
    expect(summary).not.toContain('token=abc');
    expect(summary).toContain('oms.example.test/base');
  });
});
