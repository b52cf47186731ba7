/** The worker's OBS settings: `OMS_OBS_ENDPOINT` (a template with `{region}`) and `OMS_FAILED_OBJECTS_SUMMARY_KEYS`. */
import { obsEndpointFor } from '../../../activities/obs/client';
import { activityDepsFromConfig } from '../../../worker/activity-deps';
import { insecureEndpoints, loadWorkerConfig } from '../../../worker/config';

const base = {
  OMS_ENDPOINT: 'https://oms.example.test',
  OMS_PROJECT_ID: 'p1',
  OMS_PROFILE_DST_AK: 'AK-SECRET-2',
  OMS_PROFILE_DST_SK: 'SK-SECRET-3',
};

test('defaults: Huawei Cloud OBS per region, 20 keys, handed to the activities', () => {
  const config = loadWorkerConfig(base);
  expect(config.obs).toEqual({ endpoint: 'https://obs.{region}.myhuaweicloud.com', summaryKeys: 20 });
  expect(obsEndpointFor(config.obs.endpoint, 'cn-north-4')).toBe('https://obs.cn-north-4.myhuaweicloud.com');
  expect(activityDepsFromConfig(config)).toMatchObject({
    obsEndpoint: 'https://obs.{region}.myhuaweicloud.com',
    failedObjectsSummaryKeys: 20,
  });
});

test('a fixed endpoint or a template; plain http only when allowed (and then listed as insecure)', () => {
  const fixed = loadWorkerConfig({ ...base, OMS_OBS_ENDPOINT: 'https://obs.internal.example:8443/' });
  expect(fixed.obs.endpoint).toBe('https://obs.internal.example:8443');
  expect(obsEndpointFor(fixed.obs.endpoint, 'cn-north-4')).toBe('https://obs.internal.example:8443');
  expect(() => loadWorkerConfig({ ...base, OMS_OBS_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(
    /OMS_OBS_ENDPOINT uses plain http/,
  );
  const local = loadWorkerConfig({
    ...base,
    OMS_ENDPOINT: 'http://127.0.0.1:9000',
    OMS_ALLOW_INSECURE_HTTP: 'true',
    OMS_OBS_ENDPOINT: 'http://127.0.0.1:9000',
  });
  expect(insecureEndpoints(local)).toMatchObject({ OMS_OBS_ENDPOINT: 'http://127.0.0.1:9000' });
});

test.each([
  ['obs.{region}.example.com', /OMS_OBS_ENDPOINT must be an http\(s\) URL/],
  ['ftp://obs.example.com', /OMS_OBS_ENDPOINT must be an http\(s\) URL/],
  ['https://obs.example.com/bucket', /OMS_OBS_ENDPOINT must be scheme:\/\/host\[:port\] only/],
  ['https://user:pw@obs.example.com', /OMS_OBS_ENDPOINT must be scheme:\/\/host\[:port\] only/],
])('refuses OMS_OBS_ENDPOINT=%s', (value, message) => {
  expect(() => loadWorkerConfig({ ...base, OMS_OBS_ENDPOINT: value })).toThrow(message);
});

test('OMS_FAILED_OBJECTS_SUMMARY_KEYS is an integer from 0 to 100', () => {
  expect(loadWorkerConfig({ ...base, OMS_FAILED_OBJECTS_SUMMARY_KEYS: '50' }).obs.summaryKeys).toBe(50);
  expect(() => loadWorkerConfig({ ...base, OMS_FAILED_OBJECTS_SUMMARY_KEYS: '101' })).toThrow(
    /OMS_FAILED_OBJECTS_SUMMARY_KEYS/,
  );
});
