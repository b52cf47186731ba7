import { SCHEMA_FILES, buildReportSchema } from '../../../scripts/generate-schemas';
import { validateMigrationRequest } from '../../../workflows/shared/validate-request';
import type { MigrationReport } from '../../../workflows/report-types';
import { DOC_SEED_FILE, EXAMPLE_FILES, INVALID_CASES, readJson } from './fixtures';
import { loadSchema } from './json-schema';

const REQUEST_SCHEMA_FILE = 'schemas/migration-request.schema.json';
const REPORT_SCHEMA_FILE = 'schemas/migration-report.schema.json';
const requestSchema = loadSchema(REQUEST_SCHEMA_FILE);
const reportSchema = loadSchema(REPORT_SCHEMA_FILE);

describe('committed schemas', () => {
  test.each(Object.entries(SCHEMA_FILES))('%s is up to date (npx tsx scripts/generate-schemas.ts)', (file, build) => {
    expect(readJson(file)).toEqual(build());
  });

  // Compiling them (above, with ajv in strict mode) already refused any unknown keyword or format.
  test.each([REQUEST_SCHEMA_FILE, REPORT_SCHEMA_FILE])('%s declares draft 2020-12', (file) => {
    expect(readJson(file)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
  });
});

describe('request schema agrees with the validator', () => {
  test.each(EXAMPLE_FILES)('both accept examples/%s', (file) => {
    const example = readJson(`examples/${file}`);
    expect(requestSchema.errors(example)).toEqual([]);
    expect(validateMigrationRequest(example).ok).toBe(true);
  });

  test('both refuse the documentation seed example only for its placeholder destination region', () => {
    const seed = readJson(`examples/${DOC_SEED_FILE}`);
    expect(requestSchema.errors(seed)).toEqual([{ instancePath: '/dst_node/region', keyword: 'pattern' }]);
    expect(validateMigrationRequest(seed)).toMatchObject({ ok: false, errors: [{ field: 'dst_node.region' }] });
  });

  test.each(INVALID_CASES.filter((c) => c.schemaRejects !== false).map((c) => [c.name, c] as const))(
    'both refuse %s',
    (_name, invalid) => {
      expect(requestSchema.errors(invalid.request)).not.toEqual([]);
      expect(validateMigrationRequest(invalid.request).ok).toBe(false);
    },
  );

  // The only disagreements, by design: rules comparing two values, which JSON Schema cannot state (see $comment).
  test.each(INVALID_CASES.filter((c) => c.schemaRejects === false).map((c) => [c.name, c] as const))(
    'only the validator refuses %s',
    (_name, invalid) => {
      expect(requestSchema.errors(invalid.request)).toEqual([]);
      expect(validateMigrationRequest(invalid.request).ok).toBe(false);
    },
  );
});

describe('report schema', () => {
  const report: MigrationReport = {
    migration_id: 'migration/42',
    task_id: 200477729979132,
    task_name: 'a-test-1-api-test-outline-20200512',
    task_type: 'object',
    outcome: 'completed_with_failures',
    status: 5,
    total_num: 10,
    successful_num: 9,
    failed_num: 1,
    skipped_num: 0,
    total_size: 2223728,
    complete_size: 2223000,
    real_size: 2223000,
    failed_object_record: { result: true, list_file_key: 'oms/failed_object_lists/1/failed.txt', error_code: null },
    error_reason: null,
    start_time: 1589267678170,
    total_time: 31111,
    retry_rounds: 1,
    src_bucket: 'a-test-1',
    dst_bucket: 'api-test-outline',
    api_calls: { iam: 1, oms: 7, create: 1, show: 4, list: 1, start: 1, stop: 0, other: 0 },
    started_at: '2020-05-12T07:14:30.000Z',
    finished_at: '2020-05-12T07:15:10.000Z',
  };

  test('accepts a report, including one for a migration cancelled before its task existed', () => {
    expect(reportSchema.errors(report)).toEqual([]);
    const cancelled: MigrationReport = {
      ...report,
      task_id: null,
      task_name: null,
      status: null,
      outcome: 'cancelled',
      failed_object_record: null,
      error_reason: { error_code: 'TRF.0151', error_msg: 'Invalid source AK/SK' },
      src_bucket: null,
    };
    expect(reportSchema.errors(cancelled)).toEqual([]);
  });

  test('lists exactly the report fields as required', () => {
    expect((buildReportSchema() as { required: string[] }).required.sort()).toEqual(Object.keys(report).sort());
  });

  test.each([
    ['an unknown outcome', { ...report, outcome: 'done' }],
    ['an extra field', { ...report, extra: 1 }],
    ['a missing field', { ...report, api_calls: undefined }],
    ['a fractional counter', { ...report, failed_num: 0.5 }],
    ['an incomplete api_calls', { ...report, api_calls: { iam: 1 } }],
    ['a finished_at that is not a date-time', { ...report, finished_at: '2020-05-12 07:15' }],
  ])('refuses %s', (_name, bad) => {
    expect(reportSchema.errors(JSON.parse(JSON.stringify(bad)))).not.toEqual([]);
  });
});
