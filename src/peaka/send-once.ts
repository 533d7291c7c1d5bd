/**
 * Sending a write that is not idempotent (a trigger, a create) so that one step never causes two
 * effects: after an ambiguous failure (5xx, reset, timeout: it may have taken effect) look for the
 * effect before sending again; after 408 or 429 (it did not) wait as asked and send again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PeakaApiError } from './errors.js';

export interface SendOnceOptions<T> {
  /** Sends the write; resolves with its effect when the answer carries it. */
  send: () => Promise<T | undefined>;
  /** Looks for the effect of an earlier attempt whose answer was lost (`failure`: how it was lost). */
  findEffect: (failure: PeakaApiError) => Promise<T | undefined>;
  attempts: number;
  deadline: number;
  signal?: AbortSignal;
  /** Told why the write is looked for or sent again. */
  warn: (line: string) => void;
  /** Status codes that, after an ambiguous attempt, mean the earlier attempt took effect (409 for a create). */
  conflictMeansDone?: number[];
}

export interface SendOnceResult<T> {
  effect?: T;
  /** The effect was found after a lost answer, not read from an answer. */
  adopted: boolean;
}

export async function sendOnce<T>(options: SendOnceOptions<T>): Promise<SendOnceResult<T>> {
  let ambiguousBefore = false;
  for (let attempt = 1; ; attempt++) {
    let failure: PeakaApiError;
    try {
      return { effect: await options.send(), adopted: false };
    } catch (err) {
      if (!(err instanceof PeakaApiError)) throw err;
      failure = err;
    }
    // The step is being cancelled: no look, no second attempt; the caller records what may have been sent.
    if (failure.kind === 'aborted') throw failure;
    const short = failure.message.split('. ')[0];
    if (ambiguousBefore && failure.status !== undefined && options.conflictMeansDone?.includes(failure.status)) {
      const effect = await options.findEffect(failure);
      if (effect !== undefined) return { effect, adopted: true };
      throw failure;
    }
    const notTaken = failure.status === 408 || failure.status === 429;
    if ((!failure.ambiguous && !notTaken) || attempt >= options.attempts) throw failure;
    if (failure.ambiguous) {
      ambiguousBefore = true;
      options.warn(`${short}. It may have taken effect anyway: looking before sending it again.`);
      const effect = await options.findEffect(failure);
      if (effect !== undefined) return { effect, adopted: true };
    }
    const wait = failure.details.retryAfterMs ?? 1_000 * attempt;
    if (Date.now() + wait >= options.deadline) throw failure;
    if (notTaken) options.warn(`${short}. Sending it again in ${(wait / 1000).toFixed(1)}s.`);
    await sleep(wait, undefined, { signal: options.signal });
  }
}
