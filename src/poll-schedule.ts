/**
 * When to read the status next: a pure function of what has been observed and the time,
 * so that it can be tested and benchmarked on a virtual clock.
 *
 * - Plain schedule: the first read within a second, then gaps growing geometrically up to
 *   poll-interval.
 * - With a prediction of the end (from the previous execution of the same kind and the current
 *   progress rate), reads halve the distance to the predicted end: sparse far from it, dense near
 *   it. Far gaps may reach FAR_GAP_FACTOR x poll-interval.
 * - Once the predicted end has passed without an end, the prediction proved wrong: the plain
 *   schedule starts again from that moment.
 */

export const FIRST_GAP_MS = 500;
export const GROWTH = 1.4;
export const MIN_GAP_MS = 500;
/** How far apart reads may be when a prediction says the end is far away. */
export const FAR_GAP_FACTOR = 4;
const JITTER = 0.1;

/** What is known of the previous execution of the same kind (only a COMPLETED one is a guide). */
export interface History {
  durationMs: number;
  records?: number;
}

export interface Observation {
  /** Time since the execution started, by the local clock. */
  elapsedMs: number;
  /** Records processed so far. */
  records?: number;
}

/** Milliseconds until the predicted end (negative when overdue), or undefined without a basis. */
export function predictRemainingMs(history: History | undefined, now: Observation): number | undefined {
  if (!history || !(history.durationMs > 0)) return undefined;
  const byTime = history.durationMs - now.elapsedMs;
  const { records } = now;
  if (history.records && records && records > 0 && records < history.records && now.elapsedMs >= 2_000) {
    const rate = records / now.elapsedMs;
    return (history.records - records) / rate;
  }
  return byTime;
}

export interface ScheduleInput {
  /** Reads made so far in this wait. */
  reads: number;
  maxIntervalMs: number;
  /** From predictRemainingMs; undefined when there is nothing to predict from. */
  remainingMs?: number;
  /** Reads made since the prediction became overdue (0 if not overdue). */
  readsSinceOverdue?: number;
  /** A number in [0, 1) for jitter. */
  random: number;
}

/** Milliseconds to wait before the next status read. */
export function nextPollDelayMs(input: ScheduleInput): number {
  const { reads, maxIntervalMs, remainingMs } = input;
  let gap: number;
  if (remainingMs !== undefined && remainingMs > 0) {
    const farCap = maxIntervalMs * FAR_GAP_FACTOR;
    gap = clamp(remainingMs / 2, MIN_GAP_MS, farCap);
  } else {
    const step = remainingMs !== undefined ? (input.readsSinceOverdue ?? 0) : reads;
    gap = Math.min(maxIntervalMs, FIRST_GAP_MS * GROWTH ** step);
  }
  const jittered = gap * (1 - JITTER + 2 * JITTER * input.random);
  return Math.round(clamp(jittered, Math.min(MIN_GAP_MS, maxIntervalMs), maxIntervalMs * FAR_GAP_FACTOR));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
