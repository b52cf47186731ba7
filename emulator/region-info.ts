/**
 * OMS's object-storage metadata APIs (docs/oms-api.md §4): `ShowRegionInfo` (`GET /v2/{project_id}/objectstorage/
 * data-center`, the regions OMS can migrate from per cloud) and `ShowCloudType` (`GET /v2/{project_id}/
 * objectstorage/cloud-type?type=src|dst`, the clouds OMS accepts as sources or destinations). Both are read-only
 * and answer from the configuration ({@link RegionInfoConfig}).
 *
 * Where docs/oms-api.md is silent, the emulator chooses (emulator/README.md): `service_name` is the cloud type itself,
 * the entries of one cloud are grouped into one element in configuration order, the endpoint's own region is always
 * in the `HuaweiCloud` list (an OMS endpoint migrates into its own region), and a missing or unknown `type` is
 * 400 OMS.0064 naming `type`.
 */
import { invalidParameter } from './errors';
import { CLOUD_TYPES } from './validation';
import type { Reply } from './http-io';

/** One region of a cloud, as `region_list[]` shows it. */
export interface RegionInfoEntry {
  /** The cloud the region belongs to (`AWS`, `Aliyun`, `HuaweiCloud`, …). */
  cloudType: string;
  /** Region id as the cloud spells it (`us-east-1`, `cn-hangzhou`, `cn-north-4`). */
  value: string;
  /** Human-readable name. */
  description: string;
}

/** What `ShowRegionInfo` and `ShowCloudType` answer. */
export interface RegionInfoConfig {
  /** `ShowCloudType?type=src`: the clouds OMS migrates from. */
  srcCloudTypes: string[];
  /** `ShowCloudType?type=dst`: the clouds OMS migrates to (Huawei Cloud only). */
  dstCloudTypes: string[];
  /** `ShowRegionInfo`: the regions per cloud (the endpoint's region is added to `HuaweiCloud` when absent). */
  regions: RegionInfoEntry[];
}

/** The cloud type of Huawei Cloud OBS, the only documented destination. */
const HUAWEI_CLOUD = 'HuaweiCloud';

const region = (cloudType: string, value: string, description: string): RegionInfoEntry => ({
  cloudType,
  value,
  description,
});

/** A representative subset of each provider's regions; tests and operators replace it through the config. */
export const DEFAULT_REGION_INFO: RegionInfoConfig = {
  // The source types CreateTask accepts (validation.ts), without `HEC`, an older alias of HuaweiCloud.
  srcCloudTypes: CLOUD_TYPES.filter((t) => t !== 'HEC'),
  dstCloudTypes: [HUAWEI_CLOUD],
  regions: [
    region(HUAWEI_CLOUD, 'cn-north-1', 'CN North-Beijing1'),
    region(HUAWEI_CLOUD, 'cn-north-4', 'CN North-Beijing4'),
    region(HUAWEI_CLOUD, 'cn-north-7', 'CN North-Ulanqab1'),
    region(HUAWEI_CLOUD, 'cn-east-2', 'CN East-Shanghai2'),
    region(HUAWEI_CLOUD, 'cn-east-3', 'CN East-Shanghai1'),
    region(HUAWEI_CLOUD, 'cn-south-1', 'CN South-Guangzhou'),
    region(HUAWEI_CLOUD, 'ap-southeast-1', 'AP-Hong Kong'),
    region(HUAWEI_CLOUD, 'ap-southeast-3', 'AP-Singapore'),
    region('AWS', 'us-east-1', 'US East (N. Virginia)'),
    region('AWS', 'us-west-2', 'US West (Oregon)'),
    region('AWS', 'eu-central-1', 'Europe (Frankfurt)'),
    region('AWS', 'ap-southeast-1', 'Asia Pacific (Singapore)'),
    region('Aliyun', 'cn-hangzhou', 'China (Hangzhou)'),
    region('Aliyun', 'cn-shanghai', 'China (Shanghai)'),
    region('Aliyun', 'cn-beijing', 'China (Beijing)'),
    region('Tencent', 'ap-guangzhou', 'Guangzhou'),
    region('Tencent', 'ap-shanghai', 'Shanghai'),
    region('Azure', 'eastus', 'East US'),
    region('Google', 'us-central1', 'Iowa'),
    region('Baidu', 'bj', 'Beijing'),
    region('Qiniu', 'z0', 'East China'),
    region('QingCloud', 'pek3', 'Beijing 3'),
    region('KingsoftCloud', 'cn-beijing-6', 'Beijing 6'),
    region('UCloud', 'cn-bj2', 'Beijing 2'),
  ],
};

/** Checks a configured region info (called by config validation); throws on the first problem. */
export function validateRegionInfo(info: RegionInfoConfig, check: (ok: boolean, message: string) => void): void {
  const isStringList = (x: unknown): boolean => Array.isArray(x) && x.every((v) => typeof v === 'string' && v !== '');
  check(isStringList(info.srcCloudTypes), 'regionInfo.srcCloudTypes must be an array of non-empty strings');
  check(isStringList(info.dstCloudTypes), 'regionInfo.dstCloudTypes must be an array of non-empty strings');
  check(Array.isArray(info.regions), 'regionInfo.regions must be an array');
  for (const r of info.regions) {
    check(
      typeof r.cloudType === 'string' && typeof r.value === 'string' && typeof r.description === 'string',
      'each regionInfo.regions entry needs string cloudType, value and description',
    );
  }
}

/** `ShowRegionInfo`: `[{service_name, region_list: [{cloud_type, value, description}]}]`, one element per cloud. */
export function showRegionInfo(info: RegionInfoConfig, endpointRegion: string): Reply {
  const entries = [...info.regions];
  if (!entries.some((r) => r.cloudType === HUAWEI_CLOUD && r.value === endpointRegion)) {
    entries.push(region(HUAWEI_CLOUD, endpointRegion, endpointRegion));
  }
  const byCloud = new Map<string, { cloud_type: string; value: string; description: string }[]>();
  for (const r of entries) {
    const list = byCloud.get(r.cloudType) ?? [];
    list.push({ cloud_type: r.cloudType, value: r.value, description: r.description });
    byCloud.set(r.cloudType, list);
  }
  const body = [...byCloud].map(([cloud, list]) => ({ service_name: cloud, region_list: list }));
  return { status: 200, body };
}

/** `ShowCloudType?type=src|dst`: a plain array of cloud type names. */
export function showCloudType(info: RegionInfoConfig, query: string): Reply {
  const type = new URLSearchParams(query).get('type');
  if (type === 'src') return { status: 200, body: [...info.srcCloudTypes] };
  if (type === 'dst') return { status: 200, body: [...info.dstCloudTypes] };
  throw invalidParameter('type');
}
