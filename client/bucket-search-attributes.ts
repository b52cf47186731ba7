/**
 * The switch for bucket search attributes. Search attributes are indexed in clear text even when payloads are
 * encrypted, so strict environments set `OMS_SEARCH_ATTRIBUTE_BUCKETS=false`: the clients then start migrations,
 * batches and schedules without `OmsSrcBucket`/`OmsDstBucket`, and with a memo that tells the workflows not to
 * write them either (workflows/search-attributes.ts `BUCKET_SEARCH_ATTRIBUTES_MEMO`).
 */
import { BUCKET_SEARCH_ATTRIBUTES_MEMO } from '../workflows/search-attributes';

/** The variable the clients read when no explicit option is given. */
export const BUCKET_SEARCH_ATTRIBUTES_ENV = 'OMS_SEARCH_ATTRIBUTE_BUCKETS';

/** Options shared by the migration, batch and schedule clients. */
export interface BucketSearchAttributeOptions {
  /**
   * Index the source and destination bucket names as search attributes (`OmsSrcBucket`, `OmsDstBucket`).
   * Default: `OMS_SEARCH_ATTRIBUTE_BUCKETS` (`true` or `false`), else true.
   */
  bucketSearchAttributes?: boolean;
}

/**
 * `OMS_SEARCH_ATTRIBUTE_BUCKETS` as a boolean: unset or empty is true; anything but `true`/`false` throws an
 * error naming the variable.
 */
export function bucketSearchAttributesFromEnv(env: Record<string, string | undefined> = process.env): boolean {
  const raw = env[BUCKET_SEARCH_ATTRIBUTES_ENV]?.trim().toLowerCase();
  if (!raw) return true;
  if (raw !== 'true' && raw !== 'false') throw new Error(`${BUCKET_SEARCH_ATTRIBUTES_ENV} must be true or false`);
  return raw === 'true';
}

/** The option, or the environment's value when the option is not given. */
export function resolveBucketSearchAttributes(options: BucketSearchAttributeOptions | undefined): boolean {
  return options?.bucketSearchAttributes ?? bucketSearchAttributesFromEnv();
}

/** The start memo that turns bucket search attributes off in the workflow (none when they are on). */
export function bucketSearchAttributesMemo(enabled: boolean): { memo?: Record<string, unknown> } {
  return enabled ? {} : { memo: { [BUCKET_SEARCH_ATTRIBUTES_MEMO]: false } };
}
