/**
 * Read-only OBS checks for a pre-flight dry run: does a bucket exist and may these keys read it, how much is under
 * a prefix (by listing up to a bound), does an object exist. They create and change nothing.
 *
 * A refusal or absence (4xx) is an answer, returned as data with a reason; OBS being unreachable or failing (5xx,
 * throttling) throws the retryable {@link ObsRequestError}, for the caller's retry policy.
 */
import type { ObsClient } from './client';
import { ObsRequestError, obsCall } from './client';

/** A check that did not pass: the HTTP status, OBS's code and a sentence for the operator. */
export interface ObsProblem {
  ok: false;
  status: number;
  code: string;
  reason: string;
}

/** HeadBucket's answer: the bucket's region when OBS gives it. */
export type BucketCheck = { ok: true; region?: string } | ObsProblem;

function problem(err: unknown, what: string): ObsProblem {
  if (!(err instanceof ObsRequestError) || err.retryable) throw err;
  let reason: string;
  if (err.status === 404) reason = `${what} does not exist (${err.code})`;
  else if (err.status === 403) {
    reason = `${what}: access denied to these credentials (${err.code}); check the profile's keys and the bucket policy`;
  } else reason = `${what}: ${err.message}`;
  return { ok: false, status: err.status, code: err.code, reason };
}

/**
 * Whether `bucket` exists and the client's keys may access it: a HeadBucket request (the SDK's getBucketMetadata,
 * which also reads the region OBS announces).
 */
export async function headBucket(client: ObsClient, bucket: string): Promise<BucketCheck> {
  try {
    const out = await obsCall('headBucket', { bucket }, () => client.getBucketMetadata({ Bucket: bucket }));
    return { ok: true, ...(out?.Location ? { region: out.Location } : {}) };
  } catch (err) {
    return problem(err, `bucket ${bucket}`);
  }
}

/** Objects and bytes under a prefix, counted by listing at most `maxObjects` objects. */
export interface PrefixEstimate {
  ok: true;
  objects: number;
  bytes: number;
  /** True when the listing stopped at `maxObjects`: the prefix holds at least this much. */
  truncated: boolean;
  /** ListObjects calls made. */
  pages: number;
}

/** OBS's largest ListObjects page. */
const PAGE = 1000;

/**
 * Lists `bucket` under `prefix` (`''` = the whole bucket) page by page until the end or `maxObjects` objects, and
 * sums the sizes. Costs `ceil(min(objects, maxObjects) / 1000)` calls.
 */
export async function estimatePrefix(
  client: ObsClient,
  bucket: string,
  prefix: string,
  maxObjects: number,
): Promise<PrefixEstimate | ObsProblem> {
  if (!Number.isInteger(maxObjects) || maxObjects < 1) throw new RangeError('maxObjects must be an integer >= 1');
  let objects = 0;
  let bytes = 0;
  let pages = 0;
  let marker: string | undefined;
  try {
    for (;;) {
      const want = Math.min(PAGE, maxObjects - objects);
      const page = await obsCall('listObjects', { bucket }, () =>
        client.listObjects({ Bucket: bucket, Prefix: prefix, MaxKeys: want, ...(marker ? { Marker: marker } : {}) }),
      );
      pages += 1;
      const contents = page?.Contents ?? [];
      objects += contents.length;
      for (const c of contents) bytes += Number(c.Size) || 0;
      const more = page?.IsTruncated === 'true';
      if (!more) return { ok: true, objects, bytes, truncated: false, pages };
      if (objects >= maxObjects) return { ok: true, objects, bytes, truncated: true, pages };
      const next = page?.NextMarker || contents.at(-1)?.Key;
      // A truncated page with no marker to go on would loop forever: stop and say the count is a lower bound.
      if (!next) return { ok: true, objects, bytes, truncated: true, pages };
      marker = next;
    }
  } catch (err) {
    return problem(err, `bucket ${bucket}`);
  }
}

/** HeadObject's answer. */
export type ObjectCheck = { ok: true; exists: true; size: number; contentType?: string } | ObsProblem;

/** Whether `key` exists in `bucket` (HeadObject), with its size and Content-Type. */
export async function objectExists(client: ObsClient, bucket: string, key: string): Promise<ObjectCheck> {
  try {
    const meta = await obsCall('getObjectMetadata', { bucket, key }, () =>
      client.getObjectMetadata({ Bucket: bucket, Key: key }),
    );
    return {
      ok: true,
      exists: true,
      size: Number(meta?.ContentLength ?? 0),
      ...(meta?.ContentType ? { contentType: meta.ContentType } : {}),
    };
  } catch (err) {
    return problem(err, `object ${key} in bucket ${bucket}`);
  }
}
