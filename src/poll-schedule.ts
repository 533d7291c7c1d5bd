/**
 * When to read the status next: a pure function of the phase's clock, what has been observed and
 * the history, so that it can be tested and benchmarked on a virtual clock.
 *
 * Promises (checked by a property test over random histories, observations and clocks):
 * - No delay exceeds poll-interval (`maxIntervalMs`), whatever the prediction says.
 * - The first read of a phase comes within a second of its start.
 *
 * The plain schedule (nothing to predict from): the first read MIN_GAP_MS after the phase began,
 * then each gap PLAIN_SHARE of the time since it began (at most poll-interval), so a run is seen
 * within about a sixth of its length, and gaps reach poll-interval after a minute or two.
 *
 * History (the previous COMPLETED execution of the same kind) may only help:
 * - Until the observed progress confirms it, a prediction can only add reads: every read of the
 *   plain schedule is still made (it is a grid in the phase's time), and predicted ones come in
 *   between. So a wrong history never makes the end be seen later than without history.
 * - The progress rate confirms it when it is within RATE_TOLERANCE of the previous run's (records
 *   per second) on CONFIRMATIONS reads. Then reads are spaced by the prediction (up to
 *   poll-interval far from the end, dense in a window around it), still at most CONFIRMED_SHARE of
 *   the time since the phase began apart.
 * - It is dropped for the rest of the phase, and the plain schedule governs, when it disagrees
 *   with what is observed: a rate off by more than RATE_TOLERANCE, a predicted length off the
 *   previous duration by more than that, or a run that outlives the window the end was expected in.
 */

/** The first read of a phase, and the shortest gap: within a second of its start, jitter included. */
export const MIN_GAP_MS = 500;
/**
 * With reads shared by many caches, the shortest gap around a predicted end: the caches' windows
 * lie side by side, and each tick is a read for all of them.
 */
export const SHARED_MIN_GAP_MS = 1_000;
/** Plain schedule: the gap as a share of the time since the phase began. */
export const PLAIN_SHARE = 0.3;
/** Confirmed history: the longest gap as a share of the time since the phase began. */
export const CONFIRMED_SHARE = 0.7;
/** Half-width of the window the end is expected in, as a share of the predicted duration. */
export const WINDOW_SHARE = 0.03;
export const MIN_WINDOW_MS = 2_000;
/** Reads spent across the window around the predicted end, beyond those poll-interval would make there. */
export const DENSE_READS = 10;
/** How far the observed rate (or predicted length) may be from the previous run's and still agree. */
export const RATE_TOLERANCE = 2;
/** The rate is judged only once the execution has run this long (its first second is noisy). */
export const MIN_RATE_ELAPSED_MS = 1_000;
/** Reads whose rate agrees before a history is trusted to space reads out. */
export const CONFIRMATIONS = 2;
/** Each phase scales its plain gaps by a factor in [1 - JITTER, 1 + JITTER], so parallel steps do not read in lockstep. */
export const JITTER = 0.1;

/** What is known of the previous execution of the same kind (only a COMPLETED one is a guide). */
export interface History {
  durationMs: number;
  records?: number;
}

export interface Observation {
  /** Time the execution has been running, by Peaka's clock. */
  elapsedMs: number;
  /** Records processed so far. */
  records?: number;
}

/** How far the planner trusts the history: none given, not yet confirmed, confirmed, or dropped. */
export type Trust = 'none' | 'unconfirmed' | 'confirmed' | 'rejected';

export interface PlanInput {
  /** Time since the phase began (the trigger, the cancel, the start of a wait). */
  sinceStartMs: number;
  history?: History;
  /** What the last read showed of the execution followed; undefined while none is followed. */
  observed?: Observation;
}

/** The predicted end: milliseconds until it (negative when overdue), and the half-width of its window. */
export interface Prediction {
  remainingMs: number;
  windowMs: number;
}

/** The window the end is expected in, for a predicted total duration. */
export function windowMs(predictedTotalMs: number): number {
  return Math.max(MIN_WINDOW_MS, WINDOW_SHARE * predictedTotalMs);
}

/** The gap a prediction asks for: reach the window's start, then read DENSE_READS more times across it than poll-interval would. */
export function predictedGapMs(prediction: Prediction, maxIntervalMs: number, minGapMs = MIN_GAP_MS): number {
  const { remainingMs, windowMs: window } = prediction;
  const gap = remainingMs > window ? remainingMs - window : (2 * window) / ((2 * window) / maxIntervalMs + DENSE_READS);
  return clamp(gap, Math.min(minGapMs, maxIntervalMs), maxIntervalMs);
}

/**
 * The schedule's memory across one phase: the jitter factor, how far the history is trusted, and
 * the last observation (for the recent rate). The tracker asks it for each delay; the benchmark
 * and the property test drive it on a virtual clock.
 */
export class PollPlanner {
  private readonly factor: number;
  /** The plain schedule's next read, in phase time. */
  private grid = 0;
  private state: Trust = 'none';
  private agreeing = 0;
  private last?: Observation;
  /** Why the history was dropped (for the log). */
  rejectedBecause?: string;

  /**
   * `shared`: the cache's reads are shared with other caches' (status-source.ts). The plain gap
   * then counts from the last read instead of the grid, so that a read served early by another
   * cache's tick moves the next one on instead of asking for a tick of its own just after it; and
   * reads around a predicted end are at least SHARED_MIN_GAP_MS apart.
   */
  constructor(
    readonly maxIntervalMs: number,
    random: () => number = Math.random,
    private readonly shared = false
  ) {
    this.factor = 1 - JITTER + 2 * JITTER * random();
  }

  get trust(): Trust {
    return this.state;
  }

  /** Milliseconds from this read to the next one: never more than poll-interval. */
  next(input: PlanInput): number {
    const sinceStartMs = finite(input.sinceStartMs) && input.sinceStartMs > 0 ? input.sinceStartMs : 0;
    const plain = this.plainGapMs(sinceStartMs);
    const prediction = this.assess(input.history, input.observed);
    let gap = plain;
    if (prediction) {
      const predicted = predictedGapMs(prediction, this.maxIntervalMs, this.shared ? SHARED_MIN_GAP_MS : MIN_GAP_MS);
      gap =
        this.state === 'confirmed'
          ? Math.min(predicted, Math.max(plain, this.scaled(CONFIRMED_SHARE * sinceStartMs)))
          : Math.min(plain, predicted);
    }
    return clamp(Math.round(finite(gap) ? gap : plain), 1, this.maxIntervalMs);
  }

  /**
   * The gap to the plain schedule's next read. The plain schedule is a fixed grid of times in the
   * phase (each point PLAIN_SHARE of its time after the one before), so that the reads made with a
   * history always include the grid's: the end is never seen later than without the history.
   */
  private plainGapMs(sinceStartMs: number): number {
    if (this.shared) return this.scaled(PLAIN_SHARE * sinceStartMs);
    for (let i = 0; this.grid <= sinceStartMs && i < 1_000; i++) {
      const step = Math.round(this.scaled(PLAIN_SHARE * this.grid));
      // Once the steps reach poll-interval they stay there: jump to the first point past now.
      this.grid += step >= this.maxIntervalMs ? Math.floor((sinceStartMs - this.grid) / step + 1) * step : step;
    }
    return Math.min(this.grid - sinceStartMs, this.maxIntervalMs);
  }

  private scaled(gap: number): number {
    return clamp(this.factor * Math.max(MIN_GAP_MS, gap), Math.min(MIN_GAP_MS, this.maxIntervalMs), this.maxIntervalMs);
  }

  /** Checks the history against the observation; returns the prediction while they agree. */
  private assess(history: History | undefined, observed: Observation | undefined): Prediction | undefined {
    if (!history || !finite(history.durationMs) || !(history.durationMs > 0)) return undefined;
    if (this.state === 'rejected') return undefined;
    if (this.state === 'none') this.state = 'unconfirmed';
    if (!observed || !finite(observed.elapsedMs)) return undefined;
    const elapsedMs = observed.elapsedMs;
    const records = finite(observed.records) ? observed.records : undefined;
    const last = this.last;
    this.last = { elapsedMs, records };

    let remainingMs = history.durationMs - elapsedMs;
    const historyRate = finite(history.records) && history.records > 0 ? history.records / history.durationMs : undefined;
    if (historyRate !== undefined && records !== undefined && records > 0 && elapsedMs >= MIN_RATE_ELAPSED_MS) {
      const rate = records / elapsedMs;
      if (!agrees(rate, historyRate))
        return this.reject(`the progress rate (${perSecond(rate)}/s) is far from the previous run's (${perSecond(historyRate)}/s)`);
      // The recent rate follows a run that speeds up or slows down; the average covers a pause.
      const recent =
        last?.records !== undefined && records > last.records && elapsedMs - last.elapsedMs >= MIN_GAP_MS
          ? (records - last.records) / (elapsedMs - last.elapsedMs)
          : rate;
      remainingMs = (history.records! - records) / recent;
      if (!agrees(elapsedMs + Math.max(0, remainingMs), history.durationMs))
        return this.reject("the length the progress predicts is far from the previous run's");
      if (++this.agreeing >= CONFIRMATIONS) this.state = 'confirmed';
    }
    const window = windowMs(elapsedMs + Math.max(0, remainingMs));
    if (remainingMs < -window) return this.reject('the run has outlived the window its end was expected in');
    return { remainingMs, windowMs: window };
  }

  private reject(reason: string): undefined {
    this.state = 'rejected';
    this.rejectedBecause = reason;
    return undefined;
  }
}

const finite = (n: number | undefined): n is number => typeof n === 'number' && Number.isFinite(n);
const agrees = (a: number, b: number) => a <= b * RATE_TOLERANCE && b <= a * RATE_TOLERANCE;
const perSecond = (perMs: number) => Math.round(perMs * 1000).toLocaleString('en-US');

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
