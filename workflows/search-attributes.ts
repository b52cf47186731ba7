/**
 * The project's custom search attributes: the one list that the dev commands, the test setup and the
 * production registration docs all use. Values are indexed in clear text: never put secrets here.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** OMS task id of the migration (set once the task exists). */
export const OMS_TASK_ID = defineSearchAttributeKey('OmsTaskId', SearchAttributeType.INT);
/** Latest OMS task status as a word (`WAITING`, `EXECUTING`, `SUCCEEDED`, ...). */
export const OMS_STATUS = defineSearchAttributeKey('OmsStatus', SearchAttributeType.KEYWORD);
/** OMS task type (`object`, `prefix`, `list`, `url_list`). */
export const OMS_TASK_TYPE = defineSearchAttributeKey('OmsTaskType', SearchAttributeType.KEYWORD);
/** Source bucket (empty for URL-list tasks). */
export const OMS_SRC_BUCKET = defineSearchAttributeKey('OmsSrcBucket', SearchAttributeType.KEYWORD);
/** Destination OBS bucket. */
export const OMS_DST_BUCKET = defineSearchAttributeKey('OmsDstBucket', SearchAttributeType.KEYWORD);
/** Final outcome (`succeeded`, `completed_with_failures`, `failed`, ...), set when the migration ends. */
export const OMS_OUTCOME = defineSearchAttributeKey('OmsOutcome', SearchAttributeType.KEYWORD);
/**
 * Why a running migration cannot make progress and needs an operator (`credentials rejected`); absent otherwise.
 */
export const OMS_BLOCKED = defineSearchAttributeKey('OmsBlocked', SearchAttributeType.KEYWORD);
/**
 * The region whose OMS slot the migration waits for (`cn-north-7`), while it waits in the region limiter's queue;
 * absent otherwise. List view: `OmsWaitingForSlot IS NOT NULL`.
 */
export const OMS_WAITING_FOR_SLOT = defineSearchAttributeKey('OmsWaitingForSlot', SearchAttributeType.KEYWORD);
/** Batch id for migrations started by a batch workflow. */
export const OMS_BATCH_ID = defineSearchAttributeKey('OmsBatchId', SearchAttributeType.KEYWORD);

/**
 * Memo key a client sets to `false` (its `bucketSearchAttributes: false`, from `OMS_SEARCH_ATTRIBUTE_BUCKETS=false`)
 * when bucket names must not be indexed: search attributes stay plaintext even with payload encryption. The
 * migration then never writes {@link OMS_SRC_BUCKET}/{@link OMS_DST_BUCKET}, and a batch passes the memo on to its
 * items. Without the memo (every earlier start, and starts from other SDKs) the buckets are written as before.
 */
export const BUCKET_SEARCH_ATTRIBUTES_MEMO = 'oms_bucket_search_attributes';

/** False when the starter turned bucket search attributes off (see {@link BUCKET_SEARCH_ATTRIBUTES_MEMO}). */
export function bucketSearchAttributesAllowed(memo: Record<string, unknown> | undefined): boolean {
  return memo?.[BUCKET_SEARCH_ATTRIBUTES_MEMO] !== false;
}

/** Every custom search attribute the project registers. */
export const SEARCH_ATTRIBUTES = [
  OMS_TASK_ID,
  OMS_STATUS,
  OMS_TASK_TYPE,
  OMS_SRC_BUCKET,
  OMS_DST_BUCKET,
  OMS_OUTCOME,
  OMS_BATCH_ID,
  OMS_BLOCKED,
  OMS_WAITING_FOR_SLOT,
] as const;
