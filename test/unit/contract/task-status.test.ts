import { TaskStatus, isFinalStatus, statusText } from '../../../workflows/task-status';

describe('TaskStatus', () => {
  test.each([
    [1, false, 'WAITING'],
    [2, false, 'EXECUTING'],
    [3, true, 'STOPPED'],
    [4, true, 'FAILED'],
    [5, true, 'SUCCEEDED'],
    [6, false, 'RETRYING'],
    [7, false, 'PAUSING'],
    [0, false, 'INITIALIZING'],
    [9, false, 'UNKNOWN_9'],
  ])('status %i: final %s, text %s', (status, final, text) => {
    expect(isFinalStatus(status)).toBe(final);
    expect(statusText(status)).toBe(text);
  });

  test('codes match docs/oms-api.md §5.2', () => {
    expect(TaskStatus).toEqual({
      WAITING: 1,
      EXECUTING: 2,
      STOPPED: 3,
      FAILED: 4,
      SUCCEEDED: 5,
      RETRYING: 6,
      PAUSING: 7,
    });
  });
});
