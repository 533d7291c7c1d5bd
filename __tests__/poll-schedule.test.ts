import { describe, expect, test } from '@jest/globals';
import { FAR_GAP_FACTOR, nextPollDelayMs, predictRemainingMs } from '../src/poll-schedule.js';

const plain = (reads: number, random = 0.5) => nextPollDelayMs({ reads, maxIntervalMs: 30_000, random });

describe('plain schedule', () => {
  test('the first read comes within a second, whatever the jitter', () => {
    expect(plain(0, 0)).toBeLessThanOrEqual(1_000);
    expect(plain(0, 0.999)).toBeLessThanOrEqual(1_000);
  });

  test('gaps grow geometrically and stop at poll-interval', () => {
    const gaps = Array.from({ length: 30 }, (_, i) => plain(i));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]);
    expect(gaps[5]).toBeGreaterThan(gaps[0] * 4);
    expect(Math.max(...gaps)).toBe(30_000);
  });

  test('jitter spreads parallel pollers by up to 10% either way', () => {
    expect(plain(40, 0)).toBe(27_000);
    expect(plain(40, 0.999)).toBeLessThanOrEqual(33_000);
  });
});

describe('with a prediction', () => {
  const predicted = (remainingMs: number, readsSinceOverdue = 0) =>
    nextPollDelayMs({ reads: 50, maxIntervalMs: 30_000, remainingMs, readsSinceOverdue, random: 0.5 });

  test('far from the end reads are sparse, up to FAR_GAP_FACTOR x poll-interval', () => {
    expect(predicted(3_600_000)).toBe(30_000 * FAR_GAP_FACTOR);
  });

  test('the gap halves the distance to the predicted end, so reads crowd around it', () => {
    expect(predicted(20_000)).toBe(10_000);
    expect(predicted(2_000)).toBe(1_000);
    expect(predicted(100)).toBe(500);
  });

  test('once overdue, the plain schedule starts again from a short gap', () => {
    expect(predicted(-1)).toBe(500);
    expect(predicted(-5_000, 3)).toBeGreaterThan(predicted(-5_000, 1));
    expect(predicted(-1_000_000, 40)).toBe(30_000);
  });
});

describe('predictRemainingMs', () => {
  test('nothing to predict from without a completed previous run', () => {
    expect(predictRemainingMs(undefined, { elapsedMs: 10_000 })).toBeUndefined();
  });

  test('by time: the previous duration less the time elapsed', () => {
    expect(predictRemainingMs({ durationMs: 60_000 }, { elapsedMs: 15_000 })).toBe(45_000);
    expect(predictRemainingMs({ durationMs: 60_000 }, { elapsedMs: 70_000 })).toBe(-10_000);
  });

  test('by progress: the records still to go at the current rate', () => {
    // 2,500 of 10,000 records in 10 s: 7,500 more at 250/s is 30 s, though the previous run took 60 s.
    expect(predictRemainingMs({ durationMs: 60_000, records: 10_000 }, { elapsedMs: 10_000, records: 2_500 })).toBe(30_000);
  });

  test('past the previous record count, the rate says nothing: back to time', () => {
    expect(predictRemainingMs({ durationMs: 60_000, records: 10_000 }, { elapsedMs: 50_000, records: 12_000 })).toBe(10_000);
  });
});
