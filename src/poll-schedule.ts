/**
 * When to read the status next: a pure function of what has been observed and the time, so that
 * it can be tested and benchmarked on a virtual clock.
 *
 * - Plain schedule (nothing to predict from): the first read within a second, then gaps growing
 *   geometrically up to poll-interval.
 * - With a prediction of the end (the previous COMPLETED execution of the same kind, refined by
 *   the current progress rate), the end is expected within a window of +-WINDOW_SHARE of the
 *   predicted duration. Before the window, reads halve the distance to it (sparse far away: gaps
 *   up to FAR_GAP_FACTOR x poll-interval); inside it, reads are dense (NEAR_GAP_CAP_MS apart at
 *   most).
 * - Past the window without an end, the prediction proved wrong: the plain schedule starts again
 *   from a dense gap.
 */

export const FIRST_GAP_MS = 500;
export const GROWTH = 1.4;
export const MIN_GAP_MS = 500;
/** How far apart reads may be while a prediction says the end is far away. */
export const FAR_GAP_FACTOR = 8;
/** Half-width of the window the end is expected in, as a share of the predicted duration. */
export const WINDOW_SHARE = 0.03;
export const MIN_WINDOW_MS = 2_000;
/** The longest gap inside the window. */
export const NEAR_GAP_CAP_MS = 4_000;
/** How fast gaps grow again once the window passed without an end. */
export const OVERDUE_GROWTH = 1.15;
const JITTER = 0.1;

/** What is known of the previous execution of the same kind (only a COMPLETED one is a guide). */
export interface History {
  durationMs: number;
  records?: number;
}

export interface Observation {
  /** Time since the execution started. */
  elapsedMs: number;
  /** Records processed so far. */
  records?: number;
}

/** Milliseconds until the predicted end (negative when overdue), or undefined without a basis. */
export function predictRemainingMs(history: History | undefined, now: Observation): number | undefined {
  if (!history || !(history.durationMs > 0)) return undefined;
  const { records } = now;
  if (history.records && records && records > 0 && records < history.records && now.elapsedMs >= 2_000) {
    const rate = records / now.elapsedMs;
    return (history.records - records) / rate;
  }
  return history.durationMs - now.elapsedMs;
}

export interface ScheduleInput {
  /** Reads made so far in this wait. */
  reads: number;
  maxIntervalMs: number;
  /** From predictRemainingMs; undefined when there is nothing to predict from. */
  remainingMs?: number;
  /** Half-width of the window around the predicted end (see windowMs()). */
  windowMs?: number;
  /** Reads made since the window passed without an end (0 before that). */
  readsSinceOverdue?: number;
  /** A number in [0, 1) for jitter. */
  random: number;
}

/** The window the end is expected in, for a predicted total duration. */
export function windowMs(predictedTotalMs: number): number {
  return Math.max(MIN_WINDOW_MS, WINDOW_SHARE * predictedTotalMs);
}

/** The gap inside the window: dense enough that the end is seen promptly, at most NEAR_GAP_CAP_MS. */
export function nearGapMs(window: number): number {
  return clamp(window / 16, MIN_GAP_MS, NEAR_GAP_CAP_MS);
}

/** Milliseconds to wait before the next status read. */
export function nextPollDelayMs(input: ScheduleInput): number {
  const { reads, maxIntervalMs, remainingMs } = input;
  let gap: number;
  if (remainingMs === undefined) {
    gap = FIRST_GAP_MS * GROWTH ** reads;
  } else {
    const window = input.windowMs ?? MIN_WINDOW_MS;
    const near = nearGapMs(window);
    if (remainingMs > window) gap = clamp((remainingMs - window) / 2, near, maxIntervalMs * FAR_GAP_FACTOR);
    else if (remainingMs >= -window) gap = near;
    else gap = near * OVERDUE_GROWTH ** (input.readsSinceOverdue ?? 0);
  }
  gap = Math.min(gap, remainingMs !== undefined && remainingMs > 0 ? maxIntervalMs * FAR_GAP_FACTOR : maxIntervalMs);
  const jittered = gap * (1 - JITTER + 2 * JITTER * input.random);
  return Math.round(Math.max(Math.min(MIN_GAP_MS, maxIntervalMs), jittered));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * The schedule's memory across one wait: how many reads were made, and since when the prediction
 * has been overdue. The tracker asks it for each delay; the benchmark drives it on a virtual clock.
 */
export class PollPlanner {
  private reads = 0;
  private readsSinceOverdue = 0;

  constructor(
    private readonly maxIntervalMs: number,
    private readonly random: () => number = Math.random
  ) {}

  /** Milliseconds to wait before the next read, given the history and what the last read showed. */
  next(history?: History, observed?: Observation): number {
    const remainingMs = observed ? predictRemainingMs(history, observed) : undefined;
    const window = remainingMs !== undefined && observed ? windowMs(observed.elapsedMs + Math.max(0, remainingMs)) : undefined;
    const overdue = remainingMs !== undefined && window !== undefined && remainingMs < -window;
    this.readsSinceOverdue = overdue ? this.readsSinceOverdue + 1 : 0;
    const delay = nextPollDelayMs({
      reads: this.reads,
      maxIntervalMs: this.maxIntervalMs,
      remainingMs,
      windowMs: window,
      readsSinceOverdue: this.readsSinceOverdue,
      random: this.random()
    });
    this.reads++;
    return delay;
  }
}
