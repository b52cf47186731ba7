/**
 * Generates the JSON Schemas (draft 2020-12) of the migration contract, for backends in any language:
 *
 * - `schemas/migration-request.schema.json` from the field tables in `workflows/shared/request-spec.ts` (the
 *   same tables the validator walks), plus the cross-field rules below written as `if`/`then` clauses;
 * - `schemas/migration-report.schema.json` from a table typed against `MigrationReport`, so adding or removing a
 *   report field without updating the schema is a compile error.
 *
 * Usage: `npx tsx scripts/generate-schemas.ts` writes both files; `--check` only reports drift (exit code 1).
 * The unit tests in `test/unit/contract/` also fail when the committed files differ from this output.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { MIGRATION_REQUEST_SPEC } from '../workflows/shared/request-spec';
import type { ValueSpec } from '../workflows/shared/request-spec';
import { MIGRATION_OUTCOMES, REASONS_NOT_RECORDED } from '../workflows/report-types';
import { TASK_TYPES } from '../workflows/request-types';
import type {
  ApiCallCounts,
  FailedObjectReasonCount,
  FailedObjectsListSummary,
  FailedObjectsReport,
  FailedObjectsRound,
  FailedObjectsUnavailable,
  MigrationReport,
  NotificationDelivery,
} from '../workflows/report-types';
import type { FailedObjectRecord, TaskErrorReason } from '../workflows/task-status';

/** A JSON Schema document or subschema (plain JSON data). */
export type JsonSchema = { [keyword: string]: unknown };

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** Converts one field-table rule to JSON Schema. Key order is fixed so the generated files diff cleanly. */
export function specToSchema(spec: ValueSpec): JsonSchema {
  switch (spec.kind) {
    case 'string':
      return omitUndefined({
        type: 'string',
        description: spec.description,
        enum: spec.enum ? [...spec.enum] : undefined,
        minLength: spec.minLength,
        maxLength: spec.maxLength,
        pattern: (spec.strictPattern ?? spec.pattern)?.regex.source,
        default: spec.default,
        examples: spec.examples ? [...spec.examples] : undefined,
      });
    case 'number':
      return omitUndefined({
        type: spec.integer ? 'integer' : 'number',
        description: spec.description,
        minimum: spec.minimum,
        maximum: spec.maximum,
        default: spec.default,
      });
    case 'boolean':
      return omitUndefined({ type: 'boolean', description: spec.description, default: spec.default });
    case 'array':
      return omitUndefined({
        type: 'array',
        description: spec.description,
        items: specToSchema(spec.items),
        minItems: spec.minItems,
        maxItems: spec.maxItems,
        uniqueItems: spec.uniqueItems,
      });
    case 'object': {
      const entries = Object.entries(spec.fields);
      return {
        type: 'object',
        description: spec.description,
        properties: Object.fromEntries(entries.map(([key, field]) => [key, specToSchema(field)])),
        required: entries.filter(([, field]) => field.required).map(([key]) => key),
        additionalProperties: false,
      };
    }
  }
}

function omitUndefined(schema: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([, value]) => value !== undefined));
}

// --- Cross-field rules (mirror of checkCrossFieldRules in validate-request.ts; kept in step by differential tests) ---

const isTaskType = (...types: string[]): JsonSchema =>
  types.length === 1
    ? { properties: { task_type: { const: types[0] } }, required: ['task_type'] }
    : { properties: { task_type: { enum: types } } };

/** A request-level rule that constrains `src_node`. */
const srcNode = (schema: JsonSchema): JsonSchema => ({ properties: { src_node: schema } });

/** `crypto_type` must be KMS whenever `kms_key_id` is given (src_node, dst_node, source_cdn). */
const KMS_RULE: JsonSchema = {
  $comment: 'kms_key_id is only used with crypto_type KMS.',
  if: { required: ['kms_key_id'] },
  then: { required: ['crypto_type'], properties: { crypto_type: { const: 'KMS' } } },
};

const REQUEST_RULES: JsonSchema[] = [
  {
    $comment: 'object and prefix tasks (task_type absent means object) need a source bucket, profile and object_key.',
    // `properties` passes when task_type is absent, which is what the default `object` needs.
    if: isTaskType('object', 'prefix'),
    then: srcNode({
      required: ['region', 'bucket', 'credential_profile', 'object_key'],
      not: { required: ['list_file'] },
    }),
  },
  {
    $comment: 'list tasks need a source bucket, profile and list_file.',
    if: isTaskType('list'),
    then: srcNode({
      required: ['region', 'bucket', 'credential_profile', 'list_file'],
      not: { required: ['object_key'] },
    }),
  },
  {
    $comment: 'url_list tasks need cloud_type URLSource and list_file; URLSource is for url_list tasks only.',
    if: isTaskType('url_list'),
    then: srcNode({
      required: ['cloud_type', 'list_file'],
      properties: { cloud_type: { const: 'URLSource' } },
      not: { required: ['object_key'] },
    }),
    else: srcNode({ properties: { cloud_type: { not: { const: 'URLSource' } } } }),
  },
  {
    $comment: 'consistency_check no_check is only for url_list (HTTP/HTTPS) sources.',
    if: { properties: { consistency_check: { const: 'no_check' } }, required: ['consistency_check'] },
    then: isTaskType('url_list'),
  },
  {
    $comment: 'failed-object retries need failed-object recording.',
    if: {
      properties: { enable_failed_object_recording: { const: false } },
      required: ['enable_failed_object_recording'],
    },
    then: { properties: { orchestration: { properties: { failed_object_retry_rounds: { maximum: 0 } } } } },
  },
];

const SRC_NODE_RULES: JsonSchema[] = [
  {
    $comment: 'Tencent sources need app_id.',
    if: { properties: { cloud_type: { const: 'Tencent' } }, required: ['cloud_type'] },
    then: { required: ['app_id'], properties: { app_id: { minLength: 1 } } },
  },
  KMS_RULE,
];

const SOURCE_CDN_RULES: JsonSchema[] = [
  {
    $comment: 'A CDN that needs authentication needs a credential profile; one that does not must not name one.',
    if: { properties: { authentication_type: { not: { const: 'NONE' } } }, required: ['authentication_type'] },
    then: { required: ['credential_profile'] },
    else: { not: { required: ['credential_profile'] } },
  },
  KMS_RULE,
];

/** Rules JSON Schema cannot state (they compare two values); the validator enforces them. */
const VALIDATOR_ONLY_RULES =
  'Also enforced by the orchestrator but not expressible here: bandwidth_policy windows must not overlap (both ends ' +
  'inclusive) and each end must not be before its start; orchestration.min_poll_interval_seconds must not exceed ' +
  'poll_interval_seconds (default 30). Keys carrying secrets (ak, sk, security_token, password, ...) are refused ' +
  'as unknown keys here and with a dedicated message by the orchestrator.';

/** The request schema: the field tables plus the cross-field rules. */
export function buildRequestSchema(): JsonSchema {
  const root = specToSchema(MIGRATION_REQUEST_SPEC);
  const properties = root.properties as Record<string, JsonSchema>;
  for (const [key, rules] of [
    ['src_node', SRC_NODE_RULES],
    ['dst_node', [KMS_RULE]],
    ['source_cdn', SOURCE_CDN_RULES],
  ] as const) {
    const property = properties[key];
    if (property === undefined) throw new Error(`request spec has no ${key}`);
    property.allOf = rules;
  }
  return {
    $schema: DRAFT,
    $id: 'urn:oms-orchestrator:schema:migration-request',
    title: 'MigrationRequest',
    $comment: VALIDATOR_ONLY_RULES,
    ...root,
    allOf: REQUEST_RULES,
  };
}

// --- Report ---

const int = (description: string): JsonSchema => ({ type: 'integer', description, minimum: 0 });
const nullableInt = (description: string): JsonSchema => ({ type: ['integer', 'null'], description, minimum: 0 });
const text = (description: string): JsonSchema => ({ type: 'string', description });
const nullableText = (description: string): JsonSchema => ({ type: ['string', 'null'], description });
const isoTime = (description: string): JsonSchema => ({ type: 'string', description, format: 'date-time' });

/** Builds a closed object schema from a table with exactly the keys of `T`. */
function closedObject<T>(
  description: string,
  properties: { [K in keyof T]-?: JsonSchema },
  nullable = false,
): JsonSchema {
  return {
    type: nullable ? ['object', 'null'] : 'object',
    description,
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

const FAILED_OBJECT_RECORD = closedObject<FailedObjectRecord>(
  'OMS failed_object_record: whether and where the failed-object list was written; null if OMS gave none.',
  {
    result: { type: ['boolean', 'null'], description: 'True when the failed-object list was recorded.' },
    list_file_key: nullableText('Key of the failed-object list in the destination bucket.'),
    error_code: nullableText('Why recording failed, if it did.'),
  },
  true,
);

const ERROR_REASON = closedObject<TaskErrorReason>(
  'Why the task failed (OMS error_reason), or null.',
  { error_code: text('Failure reason code, e.g. TRF.0151.'), error_msg: text('Human-readable reason.') },
  true,
);

const API_CALLS = closedObject<ApiCallCounts>('API calls made, by kind (each HTTP attempt counts once).', {
  iam: int('IAM token requests.'),
  oms: int('All OMS calls (sum of the per-operation counts).'),
  create: int('CreateTask.'),
  show: int('ShowTask.'),
  list: int('ListTasks.'),
  start: int('StartTask.'),
  stop: int('StopTask.'),
  other: int('Other OMS calls (DeleteTask, ...).'),
});

const FAILED_OBJECTS_UNAVAILABLE = closedObject<FailedObjectsUnavailable>(
  'Why the failed-object list could not be summarised (no secret in it).',
  {
    code: text('NotRecorded, CredentialsMissing, an OBS error code (AccessDenied, NoSuchKey, ...) or ObsUnavailable.'),
    message: text('What went wrong.'),
  },
);

const FIRST_KEYS = (description: string): JsonSchema => ({ type: 'array', description, items: { type: 'string' } });

const FAILED_OBJECTS: JsonSchema = withOptional(
  closedObject<FailedObjectsReport>(
    'The failed-object list read from the destination bucket; present when a run ended with failed objects.',
    {
      bucket: text('Destination bucket holding the list.'),
      region: text('Its region (which OBS endpoint serves it).'),
      credential_profile: text('The credential profile the worker read it with (a name, never a secret).'),
      list_file_key: nullableText('Key of the list; null when OMS recorded none.'),
      summary: closedObject<FailedObjectsListSummary>("Summary of the last run's list.", {
        count: int('Failed objects in the list.'),
        first_keys: FIRST_KEYS('The first keys in list order (bounded by count and bytes).'),
        reasons: {
          description: `Objects per failure code/reason (most frequent first), or "${REASONS_NOT_RECORDED}".`,
          oneOf: [
            { type: 'string', enum: [REASONS_NOT_RECORDED] },
            {
              type: 'array',
              items: withOptional(
                closedObject<FailedObjectReasonCount>('One bar of the histogram.', {
                  error_code: text('Failure code, e.g. TRF.0159, or "other".'),
                  reason: text('Reason text from the list, when it gives one.'),
                  count: int('Objects.'),
                }),
                ['reason'],
              ),
            },
          ],
        },
        list_bytes: int('Size of the list, bytes.'),
      }),
      unavailable: FAILED_OBJECTS_UNAVAILABLE,
      rounds: {
        type: 'array',
        description: 'Which objects still failed after each run (0 = first run, then each retry round).',
        items: withOptional(
          closedObject<FailedObjectsRound>('One run.', {
            round: int('0 for the first run, n for the n-th retry round.'),
            failed_num: int("OMS's failed_num after this run."),
            count: int('Objects in the list.'),
            first_keys: FIRST_KEYS('The first keys (at most 5).'),
            unavailable: FAILED_OBJECTS_UNAVAILABLE,
          }),
          ['count', 'first_keys', 'unavailable'],
        ),
      },
    },
  ),
  ['summary', 'unavailable'],
);

const REPORT_PROPERTIES: { [K in keyof MigrationReport]-?: JsonSchema } = {
  migration_id: text('Workflow id.'),
  task_id: nullableInt('OMS task id; null if the migration ended before a task was created.'),
  task_name: nullableText('OMS-generated task name; null if no task was created.'),
  task_type: { type: 'string', description: 'Task type.', enum: [...TASK_TYPES] },
  outcome: { type: 'string', description: 'How the migration ended.', enum: [...MIGRATION_OUTCOMES] },
  status: nullableInt('Last OMS task status (1 waiting .. 7 pausing); null if no task was created.'),
  total_num: int('Objects in the task.'),
  successful_num: int('Objects migrated.'),
  failed_num: int('Objects failed (after retry rounds).'),
  skipped_num: int('Objects skipped.'),
  total_size: int('Bytes to migrate.'),
  complete_size: int('Bytes migrated.'),
  real_size: int('Bytes actually transferred.'),
  failed_object_record: FAILED_OBJECT_RECORD,
  error_reason: ERROR_REASON,
  start_time: int('OMS start time, Unix ms (0 if unknown).'),
  total_time: int('OMS elapsed time, ms (0 if unknown).'),
  retry_rounds: int('Failed-object retry rounds performed.'),
  src_bucket: nullableText('Source bucket; null for URL-list tasks.'),
  dst_bucket: text('Destination bucket.'),
  api_calls: API_CALLS,
  started_at: isoTime('When the workflow started (ISO 8601, workflow time).'),
  finished_at: isoTime('When the workflow finished (ISO 8601, workflow time).'),
  duplicates_removed: {
    type: 'array',
    description:
      "Other OMS tasks found with this migration's marker (left by a create whose outcome was unknown) and taken " +
      'out of service; absent when there were none.',
    items: {
      type: 'object',
      properties: {
        task_id: int('OMS task id of the duplicate.'),
        action: { type: 'string', enum: ['stopped', 'deleted'], description: 'What was done to it.' },
        status: int('Its status when found.'),
      },
      required: ['task_id', 'action'],
      additionalProperties: false,
    },
  },
  task_deleted: {
    type: 'boolean',
    description: 'True when the task was still waiting when the migration ended early, and was deleted.',
  },
  failed_objects: FAILED_OBJECTS,
  notification: withOptional(
    closedObject<NotificationDelivery>(
      "The completion webhook's delivery (docs/notifications.md); absent when no webhook was configured.",
      {
        delivered: { type: 'boolean', description: 'True when the webhook answered 2xx.' },
        source: {
          type: 'string',
          enum: ['request', 'worker'],
          description: "The request's notification, or the worker's default webhook.",
        },
        delivery_id: text('Delivery id sent in X-OMS-Delivery-Id (stable across retries of the same outcome).'),
        attempts: int('HTTP attempts made.'),
        status_code: int('Status of the last response, if one came.'),
        error: text('Why the delivery failed, if it did.'),
      },
    ),
    ['delivery_id', 'status_code', 'error'],
  ),
  elapsed_ms: int("Milliseconds from the workflow's start to its end (workflow time), pauses included."),
  active_ms: int('Milliseconds the migration was not paused.'),
  task_runs: int(
    'OMS runs of the task (1 + restarts by resume or failed-object rounds), when more than one: the counters are ' +
      'then over the whole migration.',
  ),
  last_run: closedObject<NonNullable<MigrationReport['last_run']>>(
    "OMS's own counters of the task's last run, when the task ran more than once.",
    {
      total_num: int('Objects in the run.'),
      successful_num: int('Objects migrated in the run.'),
      failed_num: int('Objects failed in the run.'),
      skipped_num: int('Objects skipped in the run (including those migrated by earlier runs).'),
      total_size: int('Bytes to migrate in the run.'),
      complete_size: int('Bytes migrated in the run.'),
      real_size: int('Bytes transferred in the run.'),
    },
  ),
};

/** Report fields that are present only when they apply. */
const OPTIONAL_REPORT_FIELDS: readonly (keyof MigrationReport)[] = [
  'duplicates_removed',
  'task_deleted',
  'failed_objects',
  'notification',
  'elapsed_ms',
  'active_ms',
  'task_runs',
  'last_run',
];

/** `schema` with the named properties taken out of `required`. */
function withOptional(schema: JsonSchema, optional: readonly string[]): JsonSchema {
  const required = (schema.required as string[] | undefined) ?? [];
  return { ...schema, required: required.filter((k) => !optional.includes(k)) };
}

/** The report schema. */
export function buildReportSchema(): JsonSchema {
  return {
    $schema: DRAFT,
    $id: 'urn:oms-orchestrator:schema:migration-report',
    title: 'MigrationReport',
    ...withOptional(
      closedObject<MigrationReport>('The result of a migration workflow.', REPORT_PROPERTIES),
      OPTIONAL_REPORT_FIELDS,
    ),
  };
}

// --- Files ---

/** Where each schema is written, relative to the repository root. */
export const SCHEMA_FILES = {
  'schemas/migration-request.schema.json': buildRequestSchema,
  'schemas/migration-report.schema.json': buildReportSchema,
} as const;

const ROOT = path.resolve(__dirname, '..');

async function render(file: string, schema: JsonSchema): Promise<string> {
  // Loaded lazily: prettier's CommonJS entry does a dynamic import that Jest's module runtime refuses, and the
  // tests import this module only for the builders.
  const prettier = await import('prettier');
  const absolute = path.join(ROOT, file);
  const options = (await prettier.resolveConfig(absolute)) ?? {};
  return prettier.format(JSON.stringify(schema), { ...options, filepath: absolute });
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  let drift = false;
  for (const [file, build] of Object.entries(SCHEMA_FILES)) {
    const wanted = await render(file, build());
    const current = await readFile(path.join(ROOT, file), 'utf8').catch(() => undefined);
    if (current === wanted) continue;
    if (check) {
      drift = true;
      console.error(`${file} is out of date: run npx tsx scripts/generate-schemas.ts`);
    } else {
      await writeFile(path.join(ROOT, file), wanted);
      console.log(`wrote ${file}`);
    }
  }
  if (drift) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
