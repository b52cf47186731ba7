/** The CLI's report text names the completion webhook's delivery, delivered or not. */
import { printResult } from '../../../client/cli/migration-output';
import type { MigrationReport } from '../../../workflows/report-types';

const report = {
  migration_id: 'm',
  task_id: 1,
  task_name: 't',
  status: 5,
  outcome: 'succeeded',
  total_num: 1,
  successful_num: 1,
  failed_num: 0,
  skipped_num: 0,
  total_size: 1,
  complete_size: 1,
  total_time: 1,
  error_reason: null,
  failed_object_record: null,
  api_calls: { iam: 0, oms: 2, create: 1, show: 1, list: 0, start: 0, stop: 0, other: 0 },
} as unknown as MigrationReport;

function lines(r: MigrationReport): string[] {
  const out: string[] = [];
  printResult({ outcome: r.outcome, report: r }, false, (line: string) => out.push(line));
  return out;
}

test('a delivered notification is shown with its status and attempts', () => {
  const r = { ...report, notification: { delivered: true, source: 'request', attempts: 3, status_code: 200 } };
  expect(lines(r as MigrationReport)).toContain(
    'Notification: delivered (HTTP 200) to the request webhook after 3 attempt(s)',
  );
});

test('a failed one with its reason; none without a webhook', () => {
  const failed = { delivered: false, source: 'worker', attempts: 8, error: 'the webhook answered HTTP 503' };
  expect(lines({ ...report, notification: failed } as MigrationReport)).toContain(
    'Notification: not delivered (the webhook answered HTTP 503) to the worker webhook after 8 attempt(s)',
  );
  expect(lines(report).some((l) => l.startsWith('Notification'))).toBe(false);
});
