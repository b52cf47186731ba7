/**
 * Contract of the object-storage metadata routes: ShowRegionInfo (`GET …/objectstorage/data-center`) and
 * ShowCloudType (`GET …/objectstorage/cloud-type?type=src|dst`): shapes, configuration, authentication (token and
 * AK/SK), errors, counters, and that they create nothing.
 */
import type { RunningEmulator } from '../../emulator';
import { PROJECT_ID, getToken, oms, request, signedRequest, startTestEmulator } from './helpers';

jest.setTimeout(30_000);

let emulator: RunningEmulator;
let token: string;

beforeAll(async () => {
  emulator = await startTestEmulator({
    config: {
      region: 'cn-north-4',
      regionInfo: {
        srcCloudTypes: ['AWS', 'Aliyun'],
        dstCloudTypes: ['HuaweiCloud'],
        regions: [
          { cloudType: 'AWS', value: 'us-east-1', description: 'US East (N. Virginia)' },
          { cloudType: 'Aliyun', value: 'cn-hangzhou', description: 'China (Hangzhou)' },
          { cloudType: 'AWS', value: 'eu-west-1', description: 'Europe (Ireland)' },
        ],
      },
    },
  });
  token = await getToken(emulator);
});
afterAll(() => emulator.stop());

type RegionInfoBody = {
  service_name: string;
  region_list: { cloud_type: string; value: string; description: string }[];
}[];

describe('ShowRegionInfo', () => {
  test('answers the configured regions grouped by cloud, plus the endpoint region under HuaweiCloud', async () => {
    const res = await oms(emulator, token, 'GET', '/objectstorage/data-center');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json<RegionInfoBody>()).toEqual([
      {
        service_name: 'AWS',
        region_list: [
          { cloud_type: 'AWS', value: 'us-east-1', description: 'US East (N. Virginia)' },
          { cloud_type: 'AWS', value: 'eu-west-1', description: 'Europe (Ireland)' },
        ],
      },
      {
        service_name: 'Aliyun',
        region_list: [{ cloud_type: 'Aliyun', value: 'cn-hangzhou', description: 'China (Hangzhou)' }],
      },
      {
        service_name: 'HuaweiCloud',
        region_list: [{ cloud_type: 'HuaweiCloud', value: 'cn-north-4', description: 'cn-north-4' }],
      },
    ]);
  });

  test('accepts an AK/SK signature instead of a token', async () => {
    const res = await signedRequest({
      method: 'GET',
      url: `${emulator.url}/v2/${PROJECT_ID}/objectstorage/data-center`,
    });
    expect(res.status).toBe(200);
    expect(res.json<RegionInfoBody>().map((s) => s.service_name)).toEqual(['AWS', 'Aliyun', 'HuaweiCloud']);
  });

  test('refuses a request without credentials at the gateway (401 APIGW.0301)', async () => {
    const res = await request(`${emulator.url}/v2/${PROJECT_ID}/objectstorage/data-center`);
    expect(res.status).toBe(401);
    expect(res.json().error_code).toBe('APIGW.0301');
  });

  test('is GET only: other methods and sub-paths are unknown routes (404 APIGW.0101)', async () => {
    for (const [method, path] of [
      ['POST', '/objectstorage/data-center'],
      ['GET', '/objectstorage/data-center/x'],
      ['GET', '/objectstorage'],
    ] as const) {
      const res = await oms(emulator, token, method, path);
      expect([method, path, res.status, res.json().error_code]).toEqual([method, path, 404, 'APIGW.0101']);
    }
  });
});

describe('ShowCloudType', () => {
  test.each([
    ['src', ['AWS', 'Aliyun']],
    ['dst', ['HuaweiCloud']],
  ])('type=%s answers the configured cloud types as a plain array', async (type, expected) => {
    const res = await oms(emulator, token, 'GET', `/objectstorage/cloud-type?type=${type}`);
    expect(res.status).toBe(200);
    expect(res.json<string[]>()).toEqual(expected);
  });

  test('a signed request with the type in the query is accepted (the query is part of the signature)', async () => {
    const res = await signedRequest({
      method: 'GET',
      url: `${emulator.url}/v2/${PROJECT_ID}/objectstorage/cloud-type?type=dst`,
    });
    expect(res.status).toBe(200);
    expect(res.json<string[]>()).toEqual(['HuaweiCloud']);
  });

  test.each([[''], ['?type='], ['?type=both'], ['?type=SRC']])(
    'a missing or unknown type (%s) is 400 OMS.0064 naming type',
    async (query) => {
      const res = await oms(emulator, token, 'GET', `/objectstorage/cloud-type${query}`);
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ error_code: 'OMS.0064', error_detail: 'request parameter [type] invalid.' });
    },
  );
});

test('both operations are counted under their SDK names and create no task', async () => {
  await emulator.admin.reset();
  await oms(emulator, token, 'GET', '/objectstorage/data-center');
  await oms(emulator, token, 'GET', '/objectstorage/cloud-type?type=src');
  await oms(emulator, token, 'GET', '/objectstorage/cloud-type?type=dst');
  const counters = await emulator.admin.counters();
  expect(counters).toEqual({ ShowRegionInfo: 1, ShowCloudType: 2 });
  expect((await emulator.admin.tasks()).tasks).toEqual([]);
});

test('the default configuration lists the documented source clouds and the emulator region as a destination', async () => {
  const defaults = await startTestEmulator();
  try {
    const t = await getToken(defaults);
    const src = (await oms(defaults, t, 'GET', '/objectstorage/cloud-type?type=src')).json<string[]>();
    expect(src).toEqual(expect.arrayContaining(['AWS', 'Aliyun', 'HuaweiCloud', 'URLSource']));
    const regions = (await oms(defaults, t, 'GET', '/objectstorage/data-center')).json<RegionInfoBody>();
    const huawei = regions.find((s) => s.service_name === 'HuaweiCloud');
    expect(huawei?.region_list.map((r) => r.value)).toContain(defaults.config.region);
  } finally {
    await defaults.stop();
  }
});
