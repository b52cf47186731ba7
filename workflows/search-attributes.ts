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
/** Batch id for migrations started by a batch workflow. */
export const OMS_BATCH_ID = defineSearchAttributeKey('OmsBatchId', SearchAttributeType.KEYWORD);

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
] as const;
