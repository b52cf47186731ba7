import { ConfigError, describeConfig, isBindAddress, loadWorkerConfig } from '../../../worker/config';
import { ORCHESTRATOR_METRICS, prometheusMetrics } from '../../../worker/metrics';

const base = {
  OMS_ENDPOINT: 'https://oms.example.test',
  OMS_PROJECT_ID: 'p1',
  OMS_PROFILE_DEFAULT_IAM_USER: 'alice',
  OMS_PROFILE_DEFAULT_IAM_PASSWORD: 'pw-SECRET-1',
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

describe('WORKER_METRICS_BIND', () => {
  test('is off by default', () => {
    expect(loadWorkerConfig(base).worker.metricsBind).toBeUndefined();
    expect(loadWorkerConfig({ ...base, WORKER_METRICS_BIND: '  ' }).worker.metricsBind).toBeUndefined();
  });

  test.each(['127.0.0.1:9464', '0.0.0.0:9464', '[::1]:9464', '[::]:1', '10.1.2.3:65535', ' 127.0.0.1:9464 '])(
    'accepts the socket address %j',
    (value) => {
      const config = loadWorkerConfig({ ...base, WORKER_METRICS_BIND: value });
      expect(config.worker.metricsBind).toBe(value.trim());
      expect(describeConfig(config).worker).toMatchObject({ metricsBind: value.trim() });
    },
  );

  test.each([
    'localhost:9464',
    'metrics.internal:9464',
    '9464',
    ':9464',
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:94a4',
    '256.0.0.1:9464',
    '127.0.0.01:9464',
    '::1:9464',
    '[::1%eth0]:9464',
    'http://127.0.0.1:9464',
    '127.0.0.1:9464/metrics',
  ])('refuses %j, saying what it must be', (value) => {
    expect(isBindAddress(value)).toBe(false);
    expect(problemsOf({ ...base, WORKER_METRICS_BIND: value })).toEqual([
      expect.stringMatching(/^WORKER_METRICS_BIND must be IP:port, e\.g\. 127\.0\.0\.1:9464.*not a host name/),
    ]);
  });

  test('is reported together with the other problems', () => {
    const problems = problemsOf({ ...base, WORKER_METRICS_BIND: 'localhost', WORKER_MAX_CONCURRENT_ACTIVITIES: '0' });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/WORKER_METRICS_BIND/);
    expect(problems.join('\n')).toMatch(/WORKER_MAX_CONCURRENT_ACTIVITIES/);
  });
});

describe('the Prometheus exporter options', () => {
  test('serve on the bind address, with durations in seconds and our histograms on their own buckets', () => {
    const options = prometheusMetrics('127.0.0.1:9464');
    if (!('prometheus' in options)) throw new Error('not a Prometheus exporter');
    expect(options.prometheus).toMatchObject({
      bindAddress: '127.0.0.1:9464',
      useSecondsForDurations: true,
      countersTotalSuffix: false,
      unitSuffix: false,
    });
    const histograms = ORCHESTRATOR_METRICS.filter((m) => m.kind === 'histogram');
    expect(Object.keys(options.prometheus.histogramBucketOverrides ?? {}).sort()).toEqual(
      histograms.map((m) => m.name).sort(),
    );
  });

  test('every orchestrator metric follows the naming and label rules', () => {
    const names = ORCHESTRATOR_METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of ORCHESTRATOR_METRICS) {
      expect(m.name).toMatch(/^oms_[a-z0-9_]+$/);
      if (m.kind === 'counter') expect(m.name).toMatch(/_total$/);
      else expect(m.name).not.toMatch(/_total$/);
      if (m.kind === 'histogram') {
        expect(m.name).toMatch(/_seconds$/);
        expect([...m.buckets!]).toEqual([...m.buckets!].sort((a, b) => a - b));
      }
      for (const label of m.labels) {
        expect(label).toMatch(/^[a-z][a-z_]*$/);
        expect(label).not.toMatch(/task_id|bucket|migration|workflow_id|profile|key|token/);
      }
    }
  });
});
