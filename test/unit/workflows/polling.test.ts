import { checkpointOf, isReportable, nextPollDelayMs, PROGRESS_CHECKPOINTS } from '../../../workflows/shared/polling';

const FINAL = [3, 4, 5];

describe('polling policy', () => {
  test.each([
    [undefined, 0],
    [0, 0],
    [0.49, 0],
    [0.5, 1],
    [1, PROGRESS_CHECKPOINTS.length],
  ])('progress %p reaches checkpoint %p', (progress, expected) => {
    expect(checkpointOf(progress)).toBe(expected);
  });

  test('reports the first poll, any status change, a new checkpoint and every final status', () => {
    expect(isReportable({ status: undefined, checkpoint: 0 }, { status: 1 }, FINAL)).toBe(true);
    expect(isReportable({ status: 1, checkpoint: 0 }, { status: 2, progress: 0.1 }, FINAL)).toBe(true);
    expect(isReportable({ status: 2, checkpoint: 0 }, { status: 2, progress: 0.6 }, FINAL)).toBe(true);
    expect(isReportable({ status: 5, checkpoint: 1 }, { status: 5, progress: 1 }, FINAL)).toBe(true);
  });

  test('stays quiet while nothing worth a history event happened', () => {
    expect(isReportable({ status: 2, checkpoint: 0 }, { status: 2, progress: 0.3 }, FINAL)).toBe(false);
    expect(isReportable({ status: 2, checkpoint: 1 }, { status: 2, progress: 0.9 }, FINAL)).toBe(false);
    expect(isReportable({ status: 1, checkpoint: 0 }, { status: 1 }, FINAL)).toBe(false);
  });

  test('the next poll follows left_time within the floor and the interval', () => {
    expect(nextPollDelayMs(undefined, 30_000, 5_000)).toBe(30_000);
    expect(nextPollDelayMs(0, 30_000, 5_000)).toBe(30_000);
    expect(nextPollDelayMs(1_000, 30_000, 5_000)).toBe(5_000);
    expect(nextPollDelayMs(12_000, 30_000, 5_000)).toBe(12_600);
    expect(nextPollDelayMs(3_600_000, 30_000, 5_000)).toBe(30_000);
    // A floor above the interval never stretches the interval.
    expect(nextPollDelayMs(1, 2_000, 5_000)).toBe(2_000);
  });
});
