/**
 * Waiting on the event itself instead of sleeping "long enough": `waitFor` polls a condition every
 * few milliseconds and fails naming what it waited for after a generous bound; `settlesWithin` is
 * for the few cases where ending in time is the behaviour under test (an abort that must not wait
 * for the next poll, a timeout), with a bound far above a loaded machine's slowness and far below
 * the wait the behaviour rules out.
 */
import { realClock, type Clock } from '../../src/clock.js';

export interface WaitOptions {
  /** How long the event may take before the test fails; default 15 s. */
  timeoutMs?: number;
  /** How often the condition is checked; default 10 ms. */
  everyMs?: number;
  /** Whose time: the real clock by default, or the virtual one the simulator and the step run on. */
  clock?: Clock;
}

/** Resolves with the condition's first truthy value; rejects naming `what` once `timeoutMs` has passed. */
export async function waitFor<T>(condition: () => T | Promise<T>, what: string, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 15_000, everyMs = 10, clock = realClock } = options;
  const end = clock.now() + timeoutMs;
  // Bounded in count as in time: each check but the last is followed by a sleep of everyMs.
  for (let check = 0; check <= Math.ceil(timeoutMs / everyMs); check++) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (clock.now() >= end) break;
    await clock.sleep(everyMs);
  }
  throw new Error(`waitFor: ${what} did not happen within ${timeoutMs} ms`);
}

/** The promise's own outcome, or a rejection naming `what` if it has not settled within `ms`. */
export async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`settlesWithin: ${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
