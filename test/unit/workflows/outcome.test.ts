import { failedMessage, failedObjectsOnly } from '../../../workflows/shared/outcome';
import { objectCounts } from '../../../workflows/task-status';

const counts = (total: number, ok: number, failed: number, skipped: number): ReturnType<typeof objectCounts> =>
  objectCounts({
    total_num: total,
    successful_num: ok,
    failed_num: failed,
    skipped_num: skipped,
    total_size: 0,
    complete_size: 0,
  });

describe('the failed-objects rule (status 4)', () => {
  test('a run that accounted for every object and only had failed objects completes with failures', () => {
    const c = counts(20, 15, 5, 0);
    expect(failedObjectsOnly(c, c)).toBe(true);
  });

  test('a task-level failure (nothing listed, or objects left unaccounted for) is a failure', () => {
    expect(failedObjectsOnly(counts(0, 0, 0, 0), counts(0, 0, 0, 0))).toBe(false);
    expect(failedObjectsOnly(counts(20, 10, 2, 0), counts(20, 10, 2, 0))).toBe(false);
  });

  test('nothing migrated or skipped over the whole migration is a failure, whatever the run', () => {
    expect(failedObjectsOnly(counts(5, 0, 5, 0), counts(5, 0, 5, 0))).toBe(false);
    // A failed-object round where every retried object failed again, after earlier runs copied the rest.
    expect(failedObjectsOnly(counts(5, 0, 5, 0), counts(20, 15, 5, 0))).toBe(true);
  });
});

describe('MigrationFailed message', () => {
  test('says OMS reason once, without repeating the count it already gives', () => {
    const msg = failedMessage(17, { error_code: 'TRF.0159', error_msg: '5 object(s) failed to be migrated.' }, 5);
    expect(msg).toBe('OMS task 17 failed: TRF.0159: 5 object(s) failed to be migrated.');
  });

  test('adds the failed objects when the reason does not count them', () => {
    const msg = failedMessage(17, { error_code: 'TRF.0055', error_msg: 'The destination bucket is full.' }, 3);
    expect(msg).toBe('OMS task 17 failed: TRF.0055: The destination bucket is full. (3 object(s) failed)');
    expect(failedMessage(17, null, 0)).toBe('OMS task 17 failed: no reason given');
  });
});
