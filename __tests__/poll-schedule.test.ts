import { describe, expect, test } from '@jest/globals';
import {
  FAR_GAP_FACTOR,
  MIN_GAP_MS,
  MIN_WINDOW_MS,
  NEAR_GAP_CAP_MS,
  PollPlanner,
  WINDOW_SHARE,
  nearGapMs,
  nextPollDelayMs,
  predictRemainingMs,
  windowMs
} from '../src/poll-schedule.js';

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
  const predicted = (remainingMs: number, windowMs = 2_000, readsSinceOverdue = 0) =>
    nextPollDelayMs({ reads: 50, maxIntervalMs: 30_000, remainingMs, windowMs, readsSinceOverdue, random: 0.5 });

  test('far from the end reads are sparse, up to FAR_GAP_FACTOR x poll-interval', () => {
    expect(predicted(3_600_000, 108_000)).toBe(30_000 * FAR_GAP_FACTOR);
  });

  test('before the window the gap halves the distance to it, so no read overshoots into it far', () => {
    expect(predicted(22_000, 2_000)).toBe(10_000);
    expect(predicted(120_000, 100_000)).toBe(10_000);
  });

  test('inside the window reads are dense: window/16, at most NEAR_GAP_CAP_MS', () => {
    expect(predicted(1_000, 2_000)).toBe(MIN_GAP_MS);
    expect(predicted(-50_000, 108_000)).toBe(NEAR_GAP_CAP_MS);
    expect(nearGapMs(32_000)).toBe(2_000);
  });

  test('past the window without an end, gaps grow again up to poll-interval', () => {
    expect(predicted(-5_000, 2_000, 5)).toBeGreaterThan(predicted(-5_000, 2_000, 1));
    expect(predicted(-1_000_000, 2_000, 100)).toBe(30_000);
  });

  test('the window is a share of the predicted duration, never under MIN_WINDOW_MS', () => {
    expect(windowMs(3_600_000)).toBe(3_600_000 * WINDOW_SHARE);
    expect(windowMs(10_000)).toBe(MIN_WINDOW_MS);
  });
});

describe('PollPlanner', () => {
  test('without history it follows the plain schedule', () => {
    const planner = new PollPlanner(30_000, () => 0.5);
    const gaps = Array.from({ length: 20 }, () => planner.next());
    expect(gaps[0]).toBe(500);
    expect(gaps.at(-1)).toBe(30_000);
  });

  test('with a similar previous run it reads far fewer times over an hour than a fixed 30 s poller', () => {
    const planner = new PollPlanner(30_000, () => 0.5);
    const history = { durationMs: 3_600_000, records: 1_800_000 };
    let t = 0;
    let reads = 0;
    while (t < 3_600_000) {
      t += planner.next(history, { elapsedMs: t, records: Math.floor((t / 3_600_000) * 1_800_000) });
      reads++;
    }
    expect(reads).toBeLessThan(60);
    expect(t - 3_600_000).toBeLessThanOrEqual(NEAR_GAP_CAP_MS * 1.1);
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
