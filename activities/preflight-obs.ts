/**
 * The dry run's OBS checks (docs/dry-run.md): Huawei OBS buckets read with Huawei's SDK (activities/obs/) and the
 * request's credential profiles, reads only. The source bucket and the prefix estimate apply to Huawei Cloud
 * sources; the list file and the destination bucket to every request that names them (the list bucket lives in the
 * destination's region, and OMS reads it with the destination's keys).
 *
 * Whether the destination keys may write is not checked: OBS has no permission check that does not write (no
 * policy simulator; reading the ACL or policy needs rights the writer may lack, and a deny elsewhere would still
 * win), so `dst-writable` says so instead of guessing.
 */
import { credentialsMissingMessage } from './context';
import { DEFAULT_OBS_ENDPOINT, createObsClient, obsEndpointFor, type ObsClient } from './obs/client';
import { estimatePrefix, headBucket, objectExists, type ObsProblem } from './obs/bucket-checks';
import type { CheckEnv, CheckVerdict } from './preflight';

/** Objects listed at most, over all prefixes of a prefix task, for the estimate (10 ListObjects pages). */
export const PREFIX_ESTIMATE_MAX_OBJECTS = 10_000;

/** An OBS client for `profile` in `region`, or a `problem` verdict naming what the profile lacks. */
async function obsFor(
  env: CheckEnv,
  profileName: string | undefined,
  region: string | undefined,
  use: string,
): Promise<ObsClient | CheckVerdict> {
  if (!profileName || !region) {
    return {
      status: 'problem',
      reason: `${use}: the request names no ${profileName ? 'region' : 'credential profile'}`,
    };
  }
  const profile = env.ctx.deps.credentials.get(profileName);
  if (!profile?.ak || !profile.sk) {
    const missing = (['ak', 'sk'] as const).filter((f) => !profile?.[f]);
    return { status: 'problem', reason: credentialsMissingMessage(profileName, use, profile !== undefined, missing) };
  }
  return createObsClient({
    endpoint: obsEndpointFor(env.ctx.deps.obsEndpoint ?? DEFAULT_OBS_ENDPOINT, region),
    region,
    ak: profile.ak,
    sk: profile.sk,
    ...(profile.securityToken ? { securityToken: profile.securityToken } : {}),
  });
}

const isVerdict = (x: ObsClient | CheckVerdict): x is CheckVerdict => 'status' in x && typeof x.status === 'string';
const obsProblem = (p: ObsProblem): CheckVerdict => ({
  status: 'problem',
  reason: p.reason,
  details: { http_status: p.status, code: p.code },
});

/** HeadBucket with the given profile; the region OBS announces must be the one the request names. */
async function bucketVerdict(
  env: CheckEnv,
  profile: string | undefined,
  region: string | undefined,
  bucket: string | undefined,
  use: string,
): Promise<CheckVerdict> {
  if (!bucket) return { status: 'problem', reason: `${use}: the request names no bucket` };
  const client = await obsFor(env, profile, region, use);
  if (isVerdict(client)) return client;
  const answer = await headBucket(client, bucket);
  if (!answer.ok) return obsProblem(answer);
  const details = { bucket, region: region!, ...(answer.region ? { obs_region: answer.region } : {}) };
  if (answer.region && answer.region !== region) {
    return {
      status: 'problem',
      reason: `bucket ${bucket} is in ${answer.region}, not in ${region} as the request says`,
      details,
    };
  }
  return { status: 'ok', details };
}

/** The source bucket exists and the source profile may read it. */
export function checkSourceBucket(env: CheckEnv): Promise<CheckVerdict> {
  const src = env.request.src_node;
  return bucketVerdict(env, src.credential_profile, src.region, src.bucket, 'reading the source bucket');
}

/** Objects and bytes under the request's prefixes, listing at most {@link PREFIX_ESTIMATE_MAX_OBJECTS} in all. */
export async function estimateSourcePrefixes(env: CheckEnv): Promise<CheckVerdict> {
  const src = env.request.src_node;
  const client = await obsFor(env, src.credential_profile, src.region, 'listing the source prefixes');
  if (isVerdict(client)) return client;
  const prefixes = src.object_key && src.object_key.length > 0 ? src.object_key : [''];
  let objects = 0;
  let bytes = 0;
  let truncated = false;
  for (const prefix of prefixes) {
    const left = PREFIX_ESTIMATE_MAX_OBJECTS - objects;
    if (left <= 0) {
      truncated = true;
      break;
    }
    const answer = await estimatePrefix(client, src.bucket ?? '', prefix, left);
    if (!answer.ok) return obsProblem(answer);
    objects += answer.objects;
    bytes += answer.bytes;
    truncated ||= answer.truncated;
  }
  const details = { objects, bytes, prefixes: prefixes.length, truncated };
  const estimate = `${truncated ? 'at least ' : ''}${objects} object(s), ${bytes} byte(s)`;
  if (objects === 0) return { status: 'problem', reason: 'no object under the prefixes: nothing to migrate', details };
  return { status: 'ok', reason: estimate, details };
}

/** The list file exists in the list bucket (read with the destination's keys, in the destination's region). */
export async function checkListFile(env: CheckEnv): Promise<CheckVerdict> {
  const { dst_node: dst, src_node: src } = env.request;
  const list = src.list_file;
  if (!list) return { status: 'skipped', reason: 'the request has no list file' };
  const client = await obsFor(env, dst.credential_profile, dst.region, 'reading the list file');
  if (isVerdict(client)) return client;
  const answer = await objectExists(client, list.obs_bucket, list.list_file_key);
  if (!answer.ok) return obsProblem(answer);
  const details = { bucket: list.obs_bucket, key: list.list_file_key, size: answer.size };
  if (answer.size === 0) return { status: 'problem', reason: `list file ${list.list_file_key} is empty`, details };
  return { status: 'ok', details };
}

/** The destination bucket exists and the destination profile may access it. */
export function checkDestinationBucket(env: CheckEnv): Promise<CheckVerdict> {
  const dst = env.request.dst_node;
  return bucketVerdict(env, dst.credential_profile, dst.region, dst.bucket, 'reading the destination bucket');
}

/** Write access cannot be proven without writing (see the module comment). */
export function checkDestinationWritable(env: CheckEnv): Promise<CheckVerdict> {
  const reachable = env.earlier.get('dst-bucket')?.status === 'ok';
  return Promise.resolve({
    status: 'skipped',
    reason:
      'OBS offers no way to check write access without writing' +
      (reachable ? '; the destination keys can read the bucket (dst-bucket)' : ''),
  });
}
