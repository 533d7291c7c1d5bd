import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  CONFIRMATIONS,
  DENSE_READS,
  MIN_GAP_MS,
  MIN_WINDOW_MS,
  PollPlanner,
  WINDOW_SHARE,
  predictedGapMs,
  windowMs,
  type History,
  type Observation
} from '../src/poll-schedule.js';

/** A seeded generator, so a failing case replays. */
function seeded(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A run as the benchmark models it: appears, makes progress along N * x^gamma, ends. */
interface Run {
  appearMs: number;
  durationMs: number;
  records: number;
  gamma: number;
}
const recordsAt = (run: Run, t: number) =>
  Math.floor(run.records * Math.min(1, Math.max(0, (t - run.appearMs) / run.durationMs)) ** run.gamma);

/** The tracker's loop on a virtual clock: find the execution, follow it; the time its end is seen and the trust reached. */
function drive(run: Run, maxIntervalMs: number, seed: number, history?: History) {
  const planner = new PollPlanner(maxIntervalMs, seeded(seed));
  const end = run.appearMs + run.durationMs;
  let t = 0;
  let reads = 0;
  let everConfirmed = false;
  do {
    t += planner.next({ sinceStartMs: t });
    reads++;
  } while (t < run.appearMs);
  while (t < end && reads < 1_000_000) {
    t += planner.next({ sinceStartMs: t, history, observed: { elapsedMs: t - run.appearMs, records: recordsAt(run, t) } });
    everConfirmed ||= planner.trust === 'confirmed';
    reads++;
  }
  return { latencyMs: t - end, reads, everConfirmed };
}

const anyNumber = fc.oneof(fc.double(), fc.integer({ min: -1e9, max: 1e12 }), fc.constant(Number.NaN), fc.constant(Infinity));
const anyHistory = fc.option(fc.record({ durationMs: anyNumber, records: fc.option(anyNumber, { nil: undefined }) }), { nil: undefined });
const anyObservation = fc.option(fc.record({ elapsedMs: anyNumber, records: fc.option(anyNumber, { nil: undefined }) }), {
  nil: undefined
});
const pollInterval = fc.integer({ min: 1_000, max: 3_600_000 });

describe('poll-interval is a hard bound', () => {
  test('property: whatever the history, the observations and the clock, alone or sharing reads with other caches, no delay exceeds poll-interval, none is zero, and a phase reads within a second', () => {
    fc.assert(
      fc.property(
        pollInterval,
        fc.nat(),
        fc.boolean(),
        anyHistory,
        fc.array(fc.record({ clockMs: anyNumber, observed: anyObservation }), { maxLength: 60 }),
        (maxIntervalMs, seed, shared, history, steps) => {
          const planner = new PollPlanner(maxIntervalMs, seeded(seed), shared);
          const first = planner.next({ sinceStartMs: 0, history });
          expect(first).toBeLessThanOrEqual(1_000);
          for (const { clockMs, observed } of steps) {
            const delay = planner.next({ sinceStartMs: clockMs, history, observed: observed as Observation | undefined });
            expect(Number.isFinite(delay)).toBe(true);
            expect(delay).toBeGreaterThan(0);
            expect(delay).toBeLessThanOrEqual(maxIntervalMs);
          }
        }
      ),
      { numRuns: 3_000 }
    );
  });

  test('property: on runs of any length and history, the longest gap between two reads is within poll-interval', () => {
    const runs = fc.record({
      appearMs: fc.integer({ min: 0, max: 5_000 }),
      durationMs: fc.integer({ min: 1_000, max: 3_600_000 }),
      records: fc.integer({ min: 0, max: 50_000_000 }),
      gamma: fc.double({ min: 0.5, max: 2, noNaN: true })
    });
    const histories = fc.option(
      fc.record({
        durationMs: fc.integer({ min: 1, max: 86_400_000 }),
        records: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined })
      }),
      { nil: undefined }
    );
    fc.assert(
      fc.property(
        runs,
        histories,
        fc.integer({ min: 1_000, max: 120_000 }),
        fc.nat(),
        fc.boolean(),
        (run, history, maxIntervalMs, seed, shared) => {
          const planner = new PollPlanner(maxIntervalMs, seeded(seed), shared);
          let t = 0;
          let longest = 0;
          for (let reads = 0; t < run.appearMs + run.durationMs && reads < 100_000; reads++) {
            const observed = t >= run.appearMs ? { elapsedMs: t - run.appearMs, records: recordsAt(run, t) } : undefined;
            const gap = planner.next({ sinceStartMs: t, history, observed });
            longest = Math.max(longest, gap);
            t += gap;
          }
          expect(longest).toBeLessThanOrEqual(maxIntervalMs);
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('history may only help', () => {
  const runs = fc.record({
    appearMs: fc.integer({ min: 100, max: 2_000 }),
    durationMs: fc.integer({ min: 2_000, max: 3_600_000 }),
    ratePerS: fc.integer({ min: 1, max: 20_000 }),
    gamma: fc.double({ min: 0.9, max: 1.1, noNaN: true })
  });
  const toRun = (r: { appearMs: number; durationMs: number; ratePerS: number; gamma: number }): Run => ({
    ...r,
    records: Math.round((r.durationMs / 1000) * r.ratePerS)
  });

  test('property: until the progress confirms it, a history never makes the end be seen later than no history', () => {
    const histories = fc.record({
      durationMs: fc.integer({ min: 1, max: 86_400_000 }),
      records: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined })
    });
    fc.assert(
      fc.property(runs, histories, pollInterval, fc.nat(), (r, history, maxIntervalMs, seed) => {
        const run = toRun(r);
        const withHistory = drive(run, maxIntervalMs, seed, history);
        fc.pre(!withHistory.everConfirmed);
        expect(withHistory.latencyMs).toBeLessThanOrEqual(drive(run, maxIntervalMs, seed).latencyMs);
      }),
      { numRuns: 400 }
    );
  });

  test('property: a previous duration or record count 10x or more off the real one is never trusted, so the end is never seen later than without it', () => {
    const factors = fc.constantFrom(0.0025, 0.01, 0.1, 10, 100, 400);
    fc.assert(
      fc.property(
        runs,
        fc.constantFrom('duration', 'records'),
        factors,
        pollInterval,
        fc.nat(),
        (r, which, factor, maxIntervalMs, seed) => {
          const run = toRun(r);
          const history =
            which === 'duration'
              ? { durationMs: run.durationMs * factor, records: run.records }
              : { durationMs: run.durationMs, records: Math.round(run.records * factor) };
          const misled = drive(run, maxIntervalMs, seed, history);
          expect(misled.everConfirmed).toBe(false);
          expect(misled.latencyMs).toBeLessThanOrEqual(drive(run, maxIntervalMs, seed).latencyMs);
        }
      ),
      { numRuns: 400 }
    );
  });

  test('a run that outlives the window its end was expected in drops the history: the plain schedule governs', () => {
    const planner = new PollPlanner(30_000, () => 0.5);
    const history = { durationMs: 60_000 };
    planner.next({ sinceStartMs: 0 });
    planner.next({ sinceStartMs: 50_000, history, observed: { elapsedMs: 50_000 } });
    expect(planner.trust).toBe('unconfirmed');
    planner.next({ sinceStartMs: 70_000, history, observed: { elapsedMs: 70_000 } });
    expect(planner.trust).toBe('rejected');
    expect(planner.rejectedBecause).toMatch(/outlived/);
  });

  test("a progress rate far from the previous run's drops the history at once", () => {
    const planner = new PollPlanner(30_000, () => 0.5);
    planner.next({ sinceStartMs: 3_000, history: { durationMs: 60_000, records: 424_242 }, observed: { elapsedMs: 3_000, records: 375 } });
    expect(planner.trust).toBe('rejected');
    expect(planner.rejectedBecause).toMatch(/progress rate \(125\/s\) is far from the previous run's \(7,071\/s\)/);
  });
});

describe('plain schedule', () => {
  const gaps = (random: number, until = 600_000) => {
    const planner = new PollPlanner(30_000, () => random);
    const out: [number, number][] = [];
    for (let t = 0; t < until;) {
      const gap = planner.next({ sinceStartMs: t });
      out.push([t, gap]);
      t += gap;
    }
    return out;
  };

  test('the first read comes within a second, whatever the jitter', () => {
    expect(gaps(0)[0][1]).toBeLessThanOrEqual(1_000);
    expect(gaps(0.999)[0][1]).toBeLessThanOrEqual(1_000);
  });

  test('gaps grow with the time since the phase began, about 30 % of it, and stop at poll-interval', () => {
    const list = gaps(0.5);
    for (let i = 1; i < list.length; i++) expect(list[i][1]).toBeGreaterThanOrEqual(list[i - 1][1]);
    const at20s = list.find(([t]) => t >= 20_000)!;
    expect(at20s[1] / at20s[0]).toBeCloseTo(0.3, 1);
    expect(list.at(-1)![1]).toBe(30_000);
  });

  test('each phase has its own jitter, within 10 % either way, never past poll-interval', () => {
    const low = gaps(0, 60_000).find(([t]) => t >= 20_000)!;
    const high = gaps(0.999, 60_000).find(([t]) => t >= 20_000)!;
    expect(low[1] / low[0]).toBeCloseTo(0.27, 1);
    expect(high[1] / high[0]).toBeCloseTo(0.33, 1);
    expect(Math.max(...gaps(0.999).map(([, g]) => g))).toBe(30_000);
  });
});

describe('with a confirmed history', () => {
  test('a similar previous run: reads at poll-interval far from the end, dense around it', () => {
    const planner = new PollPlanner(30_000, () => 0.5);
    const history = { durationMs: 3_600_000, records: 1_800_000 };
    const at = (t: number) => planner.next({ sinceStartMs: t, history, observed: { elapsedMs: t, records: Math.floor(t / 2) } });
    at(2_000);
    at(3_000);
    expect(planner.trust).toBe('confirmed');
    expect(CONFIRMATIONS).toBe(2);
    expect(at(600_000)).toBe(30_000);
    const window = windowMs(3_600_000);
    expect(at(3_600_000 - window - 10_000)).toBe(10_000);
    // Across the window: DENSE_READS more reads than poll-interval would make there.
    expect(at(3_600_000)).toBe(Math.round((2 * window) / ((2 * window) / 30_000 + DENSE_READS)));
  });

  test('the window is a share of the predicted duration, never under MIN_WINDOW_MS; its gaps are never under MIN_GAP_MS', () => {
    expect(windowMs(3_600_000)).toBe(3_600_000 * WINDOW_SHARE);
    expect(windowMs(10_000)).toBe(MIN_WINDOW_MS);
    expect(predictedGapMs({ remainingMs: 0, windowMs: MIN_WINDOW_MS }, 30_000)).toBe(MIN_GAP_MS);
    expect(predictedGapMs({ remainingMs: 10 * 3_600_000, windowMs: 108_000 }, 30_000)).toBe(30_000);
  });

  test('a similar previous run reads far fewer times than no history over an hour, and sees the end sooner', () => {
    const run: Run = { appearMs: 300, durationMs: 3_600_000, records: 1_800_000, gamma: 1 };
    const similar = drive(run, 30_000, 7, { durationMs: 3_500_000, records: 1_810_000 });
    const none = drive(run, 30_000, 7);
    expect(similar.reads).toBeLessThan(none.reads);
    expect(similar.latencyMs).toBeLessThan(none.latencyMs);
  });
});

describe('the plain schedule is one grid in the phase', () => {
  /** The read times of a planner asked on time, every time: the grid itself. */
  const grid = (maxIntervalMs: number, until: number) => {
    const planner = new PollPlanner(maxIntervalMs, () => 0.5);
    const times: number[] = [];
    for (let t = 0; t <= until;) times.push((t += planner.next({ sinceStartMs: t })));
    return times;
  };

  test.each([
    [30_000, 36_000_000],
    [30_000, 95_432],
    [3_600_000, 50_000_000],
    [1_000, 123_456]
  ])(
    'poll-interval %d: a read asked for late (%d ms in, after a pause) comes at the next point of the grid, not at once',
    (maxIntervalMs, late) => {
      const planner = new PollPlanner(maxIntervalMs, () => 0.5);
      const next = late + planner.next({ sinceStartMs: late });
      expect(next).toBe(grid(maxIntervalMs, late).find((t) => t > late));
    }
  );

  test('a clock that went backwards (a negative time since the start) reads as at the start', () => {
    expect(new PollPlanner(30_000, () => 0.5).next({ sinceStartMs: -5_000 })).toBe(
      new PollPlanner(30_000, () => 0.5).next({ sinceStartMs: 0 })
    );
  });

  test('with reads shared by many caches, the gap counts from this read: 30 % of the time since the phase began', () => {
    const shared = new PollPlanner(30_000, () => 0.5, true);
    expect([10_000, 10_500, 20_000, 99_000, 200_000].map((t) => shared.next({ sinceStartMs: t }))).toEqual([
      3_000, 3_150, 6_000, 29_700, 30_000
    ]);
    // A planner of its own keeps to its grid instead.
    const alone = new PollPlanner(30_000, () => 0.5);
    alone.next({ sinceStartMs: 0 });
    expect(alone.next({ sinceStartMs: 10_500 })).toBe(grid(30_000, 10_500).find((t) => t > 10_500)! - 10_500);
  });
});

describe('what a history is trusted for', () => {
  const observe = (planner: PollPlanner, history: History, observations: [number, number | undefined][], sinceStartMs = (e: number) => e) =>
    observations.map(([elapsedMs, records]) =>
      planner.next({ sinceStartMs: sinceStartMs(elapsedMs), history, observed: { elapsedMs, records } })
    );

  test('a previous duration that is not positive is no history', () => {
    for (const durationMs of [0, -5_000]) {
      const planner = new PollPlanner(60_000, () => 0.5);
      planner.next({ sinceStartMs: 0, history: { durationMs } });
      observe(planner, { durationMs }, [[10_000, 100]]);
      expect({ durationMs, trust: planner.trust }).toEqual({ durationMs, trust: 'none' });
    }
  });

  test('a previous run without a positive record count is judged by its length only: never dropped for the rate', () => {
    for (const records of [undefined, 0, -1]) {
      const planner = new PollPlanner(60_000, () => 0.5);
      observe(planner, { durationMs: 100_000, records }, [
        [10_000, 5],
        [20_000, 9_999_999]
      ]);
      expect({ records, trust: planner.trust }).toEqual({ records, trust: 'unconfirmed' });
    }
  });

  test('a run that has copied nothing yet, or is in its first second, does not drop the history', () => {
    const history = { durationMs: 100_000, records: 100_000 };
    const idle = new PollPlanner(60_000, () => 0.5);
    observe(idle, history, [
      [5_000, 0],
      [10_000, 0]
    ]);
    expect(idle.trust).toBe('unconfirmed');
    const early = new PollPlanner(60_000, () => 0.5);
    observe(early, history, [[900, 1]]);
    expect(early.trust).toBe('unconfirmed');
  });

  test('a rate of twice or half the previous run’s still agrees; one agreeing read is not enough, two confirm', () => {
    const history = { durationMs: 100_000, records: 100_000 };
    for (const perMs of [2, 0.5]) {
      const planner = new PollPlanner(60_000, () => 0.5);
      observe(planner, history, [[10_000, 10_000 * perMs]]);
      expect({ perMs, trust: planner.trust }).toEqual({ perMs, trust: 'unconfirmed' });
      observe(planner, history, [[20_000, 20_000 * perMs]]);
      expect({ perMs, trust: planner.trust }).toEqual({ perMs, trust: 'confirmed' });
    }
  });

  test('a confirmed history stays confirmed on a read without a record count', () => {
    const history = { durationMs: 100_000, records: 100_000 };
    const planner = new PollPlanner(60_000, () => 0.5);
    observe(planner, history, [
      [10_000, 10_000],
      [20_000, 20_000],
      [30_000, undefined]
    ]);
    expect(planner.trust).toBe('confirmed');
  });

  test('the recent rate predicts the end: a run that doubled its speed is read just before its earlier end', () => {
    const history = { durationMs: 100_000, records: 100_000 };
    const planner = new PollPlanner(60_000, () => 0.5);
    // Appeared 70 s into the phase; 1 record/ms, then 2 records/ms.
    const [, , gap] = observe(
      planner,
      history,
      [
        [10_000, 10_000],
        [20_000, 20_000],
        [30_000, 40_000]
      ],
      (e) => e + 70_000
    );
    // 60,000 records left at 2/ms: the end 30 s away; the read comes at the start of its window (2 s before).
    expect(gap).toBe(30_000 - MIN_WINDOW_MS);
  });

  test('a run whose recent progress predicts a length far from the previous run’s drops the history', () => {
    const history = { durationMs: 100_000, records: 100_000 };
    const planner = new PollPlanner(60_000, () => 0.5);
    // The average rate still agrees (683/s), but the last 10 s copied 500 records: 26 minutes to go.
    observe(planner, history, [
      [10_000, 10_000],
      [20_000, 20_000],
      [30_000, 20_500]
    ]);
    expect(planner.trust).toBe('rejected');
    expect(planner.rejectedBecause).toBe("the length the progress predicts is far from the previous run's");
  });

  test('a pause (no records since the last read) is covered by the average rate: the history is kept', () => {
    const planner = new PollPlanner(60_000, () => 0.5);
    observe(planner, { durationMs: 100_000, records: 100_000 }, [
      [10_000, 10_000],
      [20_000, 20_000],
      [25_000, 20_000]
    ]);
    expect(planner.trust).toBe('confirmed');
  });

  test('the recent rate needs reads at least half a second apart; closer ones leave the average in charge', () => {
    const history = { durationMs: 100_000, records: 100_000 };
    const sinceStart = (e: number) => e + 70_000;
    // 100 ms after the last read, 200 records (2/ms): too short to judge; at the average rate the end is far: poll-interval.
    const close = new PollPlanner(60_000, () => 0.5);
    expect(
      observe(
        close,
        history,
        [
          [10_000, 10_000],
          [20_000, 20_000],
          [20_100, 20_200]
        ],
        sinceStart
      )[2]
    ).toBe(60_000);
    // 500 ms after it, 1,000 records (2/ms): 79,000 left, 39.5 s; the read at its window, 2 s before.
    const apart = new PollPlanner(60_000, () => 0.5);
    expect(
      observe(
        apart,
        history,
        [
          [10_000, 10_000],
          [20_000, 20_000],
          [20_500, 21_000]
        ],
        sinceStart
      )[2]
    ).toBe(79_000 / 2 - MIN_WINDOW_MS);
  });

  test('the rate is judged from one second on, and a run ending at the edge of its window keeps the history', () => {
    const judged = new PollPlanner(60_000, () => 0.5);
    observe(judged, { durationMs: 100_000, records: 100_000 }, [[1_000, 1]]);
    expect(judged.trust).toBe('rejected');
    const edge = new PollPlanner(60_000, () => 0.5);
    observe(edge, { durationMs: 60_000 }, [
      [50_000, undefined],
      [62_000, undefined]
    ]);
    expect(edge.trust).toBe('unconfirmed');
    observe(edge, { durationMs: 60_000 }, [[62_001, undefined]]);
    expect(edge.trust).toBe('rejected');
  });

  test('a history not yet confirmed only adds reads: far from its predicted end, the plain schedule governs', () => {
    const planner = new PollPlanner(60_000, () => 0.5);
    planner.next({ sinceStartMs: 0 });
    const history = { durationMs: 3_600_000 };
    for (const t of [1_000, 60_000, 200_000]) {
      expect({ t, gap: planner.next({ sinceStartMs: t, history, observed: { elapsedMs: t } }) }).toEqual({
        t,
        gap: Math.min(plainGapAfter(t), 60_000)
      });
    }
    expect(planner.trust).toBe('unconfirmed');
    function plainGapAfter(t: number) {
      const alone = new PollPlanner(60_000, () => 0.5);
      alone.next({ sinceStartMs: 0 });
      return alone.next({ sinceStartMs: t });
    }
  });

  test('a dropped history stays dropped for the rest of the phase, even when the run looks like it again', () => {
    const history = { durationMs: 100_000, records: 100_000 };
    const planner = new PollPlanner(60_000, () => 0.5);
    const alone = new PollPlanner(60_000, () => 0.5);
    observe(planner, history, [[5_000, 50]]);
    alone.next({ sinceStartMs: 5_000 });
    expect(planner.trust).toBe('rejected');
    for (const t of [20_000, 90_000, 99_000]) {
      expect({ t, gap: planner.next({ sinceStartMs: t, history, observed: { elapsedMs: t, records: t } }) }).toEqual({
        t,
        gap: alone.next({ sinceStartMs: t })
      });
    }
    expect(planner.trust).toBe('rejected');
  });
});

test('entering the window of the predicted end, reads are DENSE_READS more across it than poll-interval makes, not at the shortest gap', () => {
  expect(predictedGapMs({ remainingMs: 10_000, windowMs: 10_000 }, 30_000)).toBeCloseTo(20_000 / (20_000 / 30_000 + DENSE_READS), 6);
  expect(predictedGapMs({ remainingMs: 10_001, windowMs: 10_000 }, 30_000)).toBe(MIN_GAP_MS);
});
