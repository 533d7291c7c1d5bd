/**
 * The one path every write to Peaka takes, so that one step never causes two effects and never
 * reports the opposite of what happened.
 *
 * - A write that was refused (4xx, or stopped before it left) took no effect: `onNoEffect` is told.
 * - One whose answer was lost (network, timeout, 5xx, an unreadable answer, or the run's cancel while
 *   it was on its way) may have taken effect: its effect is looked for (`findEffect`) before it is
 *   sent again, and a refusal that the earlier attempt may have caused (a 409 to a create, a 404 to
 *   a cancel or a delete) is checked the same way instead of being believed.
 * - 408 and 429 took no effect: the write is sent again after the wait Peaka asks for.
 * The write itself is sent with the client's retries off: this is where it is retried.
 */
import { ActionError } from '../errors.js';
import { PeakaApiError } from './errors.js';
import { isActive, isCancelled, type Execution, type PeakaClient } from './client.js';
import type { Clock } from '../clock.js';

/** How many times a write is sent at most when its answers are lost or refused for load. */
export const WRITE_ATTEMPTS = 4;

export interface SendOnceOptions<T> {
  send: () => Promise<T>;
  /** After an attempt that may have taken effect: its effect, if it can be seen (undefined: send again). */
  findEffect?: (failure: PeakaApiError) => Promise<T | undefined>;
  /** Refusals that, after an attempt that may have taken effect, may be that attempt's doing: look, don't believe. */
  lookOn?: number[];
  /** A refusal that is itself the answer (a 404 to a cancel: nothing runs), when no earlier attempt may have taken effect. */
  refusalMeans?: (failure: PeakaApiError) => T | undefined;
  /** Told when the write failed and nothing sent can have taken effect (so nothing is left to clean up). */
  onNoEffect?: () => void;
  attempts?: number;
  deadline: number;
  signal?: AbortSignal;
  /** What the waits between attempts and the deadline run on: the client's. */
  clock: Clock;
  /** Told why the write is looked for or sent again. */
  warn: (line: string) => void;
}

export interface Sent<T> {
  effect: T;
  /** The effect was found after a lost answer, not read from an answer. */
  adopted: boolean;
}

export async function sendOnce<T>(options: SendOnceOptions<T>): Promise<Sent<T>> {
  let maybeSent = false;
  try {
    return await attempts(options, () => (maybeSent = true));
  } catch (err) {
    if (!maybeSent) options.onNoEffect?.();
    throw err;
  }
}

async function attempts<T>(options: SendOnceOptions<T>, mayHaveTakenEffect: () => void): Promise<Sent<T>> {
  const max = options.attempts ?? WRITE_ATTEMPTS;
  let ambiguousBefore = false;
  for (let attempt = 1; ; attempt++) {
    let failure: PeakaApiError;
    try {
      const effect = await options.send();
      mayHaveTakenEffect();
      return { effect, adopted: false };
    } catch (err) {
      if (!(err instanceof PeakaApiError)) throw err;
      failure = err;
    }
    if (failure.ambiguous) mayHaveTakenEffect();
    // The step is being cancelled: no look and no second attempt; the ledger keeps what may have been sent.
    if (failure.kind === 'aborted') throw failure;
    const short = failure.short;
    if (!failure.ambiguous && failure.status !== undefined) {
      if (ambiguousBefore && options.lookOn?.includes(failure.status)) {
        const effect = await options.findEffect?.(failure);
        if (effect !== undefined) return { effect, adopted: true };
        throw failure;
      }
      const answer = ambiguousBefore ? undefined : options.refusalMeans?.(failure);
      if (answer !== undefined) return { effect: answer, adopted: false };
    }
    const notTaken = failure.status === 408 || failure.status === 429;
    if (!failure.ambiguous && !notTaken) throw failure;
    if (failure.ambiguous) {
      ambiguousBefore = true;
      // Looked for even after the last attempt: a write that took effect is never reported as failed.
      if (options.findEffect) {
        options.warn(
          `${short}. It may have taken effect anyway: ${attempt < max ? 'looking before sending it again' : 'looking for its effect'}.`
        );
        const effect = await options.findEffect(failure);
        if (effect !== undefined) return { effect, adopted: true };
      }
    }
    if (attempt >= max) throw failure;
    const wait = failure.details.retryAfterMs ?? 1_000 * attempt;
    if (options.clock.now() + wait >= options.deadline) throw failure;
    options.warn(`${short}. Sending it again in ${(wait / 1000).toFixed(1)}s.`);
    await options.clock.sleep(wait, options.signal);
  }
}

/**
 * Cancels `execution` once: 'cancelled' when Peaka took the cancel (or the execution shows it was
 * cancelled, or is still stopping, after an answer was lost), 'ended' when nothing of its kind ran
 * any more (it ended before the cancel arrived).
 */
export async function cancelOnce(
  client: PeakaClient,
  cacheId: string,
  execution: Pick<Execution, 'id' | 'kind'>,
  options: { deadline: number; signal?: AbortSignal; warn?: (line: string) => void }
): Promise<'cancelled' | 'ended'> {
  const sent = await sendOnce<'cancelled' | 'ended'>({
    send: async () => {
      await client.cancel(execution.kind, cacheId, options.deadline);
      return 'cancelled';
    },
    refusalMeans: (failure) => (failure.status === 404 ? 'ended' : undefined),
    lookOn: [404],
    findEffect: async (failure) => {
      const seen = (await client.getStatus(cacheId, options.deadline)).executions[execution.kind];
      if (seen?.id !== execution.id) return 'ended';
      if (isCancelled(seen.status)) return 'cancelled';
      // Still running after a 404: the earlier attempt's cancel is taking effect. After a lost answer: send again.
      if (isActive(seen)) return failure.status === 404 ? 'cancelled' : undefined;
      return 'ended';
    },
    deadline: options.deadline,
    signal: options.signal,
    clock: client.clock,
    warn: options.warn ?? (() => undefined)
  });
  return sent.effect;
}

/** Deletes the cache once: 'deleted', or 'absent' when it did not exist. */
export async function deleteOnce(
  client: PeakaClient,
  cacheId: string,
  options: { deadline: number; signal?: AbortSignal; warn: (line: string) => void; existed: boolean }
): Promise<{ effect: 'deleted' | 'absent'; adopted: boolean }> {
  return sendOnce<'deleted' | 'absent'>({
    send: async () => {
      await client.deleteCache(cacheId, options.deadline);
      return 'deleted';
    },
    refusalMeans: (failure) => (failure.status === 404 ? 'absent' : undefined),
    lookOn: [404],
    findEffect: async (failure) => {
      const gone = await client.getStatus(cacheId, options.deadline).then(
        () => false,
        (err: unknown) => {
          if (err instanceof PeakaApiError && err.status === 404) return true;
          throw err;
        }
      );
      if (gone) return options.existed ? 'deleted' : 'absent';
      if (failure.status === 404)
        throw new ActionError(
          `Deleting cache ${cacheId}: Peaka answered 404 to the delete, yet the cache still exists. Check it in Peaka and re-run.`
        );
      return undefined;
    },
    deadline: options.deadline,
    signal: options.signal,
    clock: client.clock,
    warn: options.warn
  });
}
