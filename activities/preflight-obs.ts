/**
 * The dry run's OBS checks (docs/dry-run.md): Huawei OBS buckets read with Huawei's SDK (activities/obs/) and the
 * request's credential profiles, reads only. The source bucket and the prefix estimate apply to Huawei Cloud
 * sources; the list file and the destination bucket to every request that names them (the list bucket lives in the
 * destination's region, and OMS reads it with the destination's keys).
 *
 * Whether the destination keys may write is not checked: OBS has no permission check that does not write (no
 * policy simulator; reading the ACL or policy needs rights the writer may lack, and a deny elsewhere would still
 * win), so `dst-writable` says so instead of guessing.
 *
 * Every OBS answer becomes this check's verdict: a refusal or absence (4xx) and OBS being unreachable or failing
 * (5xx, transport) alike are a `problem` with OBS's secret-free message. Retrying the whole activity would repeat
 * every other check for one flaky bucket; the operator repeats the dry run instead.
 */
import { credentialsMissingMessage } from './context';
import { DEFAULT_OBS_ENDPOINT, ObsRequestError, createObsClient, obsEndpointFor, type ObsClient } from './obs/client';
import { estimatePrefix, headBucket, objectExists, type ObsProblem } from './obs/bucket-checks';
import type { CheckEnv, CheckVerdict } from './preflight';

/** Objects listed at most, over all prefixes of a prefix task, for the estimate (10 ListObjects pages). */
export const PREFIX_ESTIMATE_MAX_OBJECTS = 10_000;

/**
 * Timeout of one OBS request of the dry run, seconds. Shorter than the SDK client's default (30 s) so that an
 * endpoint that never answers costs each OBS check at most this, and the activity (60 s start-to-close, shared
 * with the OMS checks) still returns every verdict.
 */
export const PREFLIGHT_OBS_TIMEOUT_SECONDS = 10;

/** What a check does with an OBS client. */
type WithClient = (client: ObsClient) => Promise<CheckVerdict>;

/**
 * Runs `body` with an OBS client for `profileName` in `region`, closed afterwards; a `problem` naming what the
 * request or the profile lacks when there is no client to make, and OBS's own failure as a `problem`.
 */
async function withObs(
  env: CheckEnv,
  profileName: string | undefined,
  region: string | undefined,
  use: string,
  body: WithClient,
): Promise<CheckVerdict> {
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
  const endpoint = obsEndpointFor(env.ctx.deps.obsEndpoint ?? DEFAULT_OBS_ENDPOINT, region);
  const client = await createObsClient({
    endpoint,
    region,
    ak: profile.ak,
    sk: profile.sk,
    ...(profile.securityToken ? { securityToken: profile.securityToken } : {}),
    timeoutSeconds: PREFLIGHT_OBS_TIMEOUT_SECONDS,
  });
  try {
    return await body(client);
  } catch (err) {
    // The helpers return refusals as data and throw only what is worth retrying: OBS down, 5xx, throttled.
    if (!(err instanceof ObsRequestError)) throw err;
    return {
      status: 'problem',
      reason: `${use}: ${err.message} (bucket ${err.bucket} at ${shownEndpoint(endpoint)})`,
      details: { http_status: err.status, code: err.code },
    };
  } finally {
    client.close();
  }
}

/** Origin of an OBS endpoint only (the template is configuration, never a secret, but keep the table short). */
function shownEndpoint(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return '(invalid URL)';
  }
}

const obsProblem = (p: ObsProblem, details: Record<string, string> = {}): CheckVerdict => ({
  status: 'problem',
  reason: p.reason,
  details: { ...details, http_status: p.status, code: p.code },
});

/** HeadBucket with the given profile; the region OBS announces must be the one the request names. */
function bucketVerdict(
  env: CheckEnv,
  profile: string | undefined,
  region: string | undefined,
  bucket: string | undefined,
  use: string,
): Promise<CheckVerdict> {
  if (!bucket) return Promise.resolve({ status: 'problem', reason: `${use}: the request names no bucket` });
  return withObs(env, profile, region, use, async (client) => {
    const answer = await headBucket(client, bucket);
    if (!answer.ok) return obsProblem(answer, { bucket });
    const details = { bucket, region: region!, ...(answer.region ? { obs_region: answer.region } : {}) };
    if (answer.region && answer.region !== region) {
      return {
        status: 'problem',
        reason: `bucket ${bucket} is in ${answer.region}, not in ${region} as the request says`,
        details,
      };
    }
    return { status: 'ok', details };
  });
}

/** The source bucket exists and the source profile may read it. */
export function checkSourceBucket(env: CheckEnv): Promise<CheckVerdict> {
  const src = env.request.src_node;
  return bucketVerdict(env, src.credential_profile, src.region, src.bucket, 'reading the source bucket');
}

/**
 * The prefixes to list: without duplicates and without a prefix that another one in the list already covers
 * (`logs/` covers `logs/2024/`), so no object is counted twice. OMS migrates such an object once.
 */
export function coveringPrefixes(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes)].sort();
  const kept: string[] = [];
  for (const p of sorted) if (!kept.some((k) => p.startsWith(k))) kept.push(p);
  return kept;
}

/**
 * Objects and bytes under the request's prefixes, listing at most `maxObjects` (default
 * {@link PREFIX_ESTIMATE_MAX_OBJECTS}) in all. Skipped when the source bucket check did not pass: its reason
 * already says why listing cannot work.
 */
export function estimateSourcePrefixes(
  env: CheckEnv,
  maxObjects: number = PREFIX_ESTIMATE_MAX_OBJECTS,
): Promise<CheckVerdict> {
  const src = env.request.src_node;
  const bucketCheck = env.earlier.get('src-bucket');
  if (bucketCheck && bucketCheck.status !== 'ok') {
    return Promise.resolve({ status: 'skipped', reason: 'the source bucket cannot be listed (see src-bucket)' });
  }
  const bucket = src.bucket ?? '';
  const prefixes = coveringPrefixes(src.object_key && src.object_key.length > 0 ? src.object_key : ['']);
  return withObs(env, src.credential_profile, src.region, 'listing the source prefixes', async (client) => {
    let objects = 0;
    let bytes = 0;
    let requests = 0;
    let truncated = false;
    const empty: string[] = [];
    for (const prefix of prefixes) {
      const left = maxObjects - objects;
      if (left <= 0) {
        truncated = true;
        break;
      }
      const answer = await estimatePrefix(client, bucket, prefix, left);
      if (!answer.ok) return obsProblem(answer, { bucket });
      objects += answer.objects;
      bytes += answer.bytes;
      requests += answer.pages;
      truncated ||= answer.truncated;
      if (answer.objects === 0) empty.push(prefix);
    }
    const details = {
      bucket,
      objects,
      bytes,
      prefixes: prefixes.length,
      truncated,
      max_objects: maxObjects,
      list_requests: requests,
      ...(empty.length > 0 ? { empty_prefixes: empty } : {}),
    };
    if (objects === 0) {
      return {
        status: 'problem',
        reason: `no object under the prefixes in bucket ${bucket}: nothing to migrate`,
        details,
      };
    }
    const estimate = truncated
      ? `at least ${objects} object(s), ${bytes} byte(s) (listing stopped at ${maxObjects} objects)`
      : `${objects} object(s), ${bytes} byte(s)`;
    const note = empty.length > 0 ? `; no object under ${empty.map((p) => `"${p}"`).join(', ')}` : '';
    return { status: 'ok', reason: `${estimate}${note}`, details };
  });
}

/** The list file exists in the list bucket (read with the destination's keys, in the destination's region). */
export function checkListFile(env: CheckEnv): Promise<CheckVerdict> {
  const { dst_node: dst, src_node: src } = env.request;
  const list = src.list_file;
  if (!list) return Promise.resolve({ status: 'skipped', reason: 'the request has no list file' });
  const where = { bucket: list.obs_bucket, key: list.list_file_key };
  return withObs(env, dst.credential_profile, dst.region, 'reading the list file', async (client) => {
    const answer = await objectExists(client, list.obs_bucket, list.list_file_key);
    if (!answer.ok) return obsProblem(answer, where);
    const details = { ...where, size: answer.size };
    if (answer.size === 0) return { status: 'problem', reason: `list file ${list.list_file_key} is empty`, details };
    return { status: 'ok', details };
  });
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
