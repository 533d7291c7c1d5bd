/**
 * Where the trackers' status reads come from, on a clock the benchmark can replace: the cache's
 * own status endpoint, at the time its tracker asks.
 */
import { realClock, type Clock } from './clock.js';
import type { CacheStatus, PeakaClient } from './peaka-client.js';

export interface StatusRead {
  status: CacheStatus;
  /** When the read was sent (clock ms). */
  readAt: number;
}

export interface StatusSource {
  readonly clock: Clock;
  /**
   * The status of `cacheId` from a read sent at `at` and never before this call. `deadline` bounds
   * the request and its retries.
   */
  read(cacheId: string, at: number, deadline: number, signal?: AbortSignal): Promise<StatusRead>;
}

export type StatusClient = Pick<PeakaClient, 'getStatus' | 'listStatuses'>;

/** One cache: sleeps until the time asked for, then reads that cache's status. */
export class DirectStatusSource implements StatusSource {
  constructor(
    private readonly client: StatusClient,
    readonly clock: Clock = realClock
  ) {}

  async read(cacheId: string, at: number, deadline: number, signal?: AbortSignal): Promise<StatusRead> {
    // A timer may fire a millisecond early: never read before the time asked for.
    for (let i = 0; i < 10 && this.clock.now() < at; i++) await this.clock.sleep(at - this.clock.now(), signal);
    signal?.throwIfAborted();
    const readAt = this.clock.now();
    return { status: await this.client.getStatus(cacheId, deadline), readAt };
  }
}
