/**
 * Time as the action sees it: every wait, request timeout and "now" of the step goes through a
 * Clock. The action runs on the real one; tests and the benchmark on a virtual one (virtual-clock.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** A request's timeout: its signal aborts (a TimeoutError) when the time is up; `clear` drops it once the request is over. */
export interface Timeout {
  readonly signal: AbortSignal;
  clear(): void;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A timeout of `ms` for work done outside the step (a request): a virtual clock does not skip time while one is pending. */
  timeout(ms: number): Timeout;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(Math.max(0, ms), undefined, { signal }),
  timeout: (ms) => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      Math.max(0, ms)
    );
    // As AbortSignal.timeout: the timer alone does not keep the process alive (the request does).
    timer.unref();
    return { signal: controller.signal, clear: () => clearTimeout(timer) };
  }
};
