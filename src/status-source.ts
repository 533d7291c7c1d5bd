/**
 * Where the trackers' status reads come from.
 *
 * - One cache: its own status endpoint, at the time its tracker asks.
 * - Many caches in one step: one list read per tick serves every cache waiting for a read. The
 *   next tick is the earliest time any tracker wants; each tracker gets its cache's entry. The
 *   list is the catalog-level one when the caches waiting share a catalog, else the project-wide
 *   one (never the schema-level one: the live API answered it with 500). A cache whose entry is
 *   missing, or every cache due when the list fails, is read on its own.
 */
import { realClock, type Clock } from './clock.js';
import type { CacheStatus, PeakaClient } from './peaka/client.js';
import { PeakaApiError } from './peaka/errors.js';

export interface StatusRead {
  status: CacheStatus;
  /** When the read was sent (clock ms). */
  readAt: number;
}

export interface StatusSource {
  readonly clock: Clock;
  /** Reads shared by many caches: a cache may be read sooner than it asked, when another cache is. */
  readonly shared: boolean;
  /**
   * The status of `cacheId` from a read sent no later than `at` (sooner when the source reads for
   * other caches sooner) and never before this call. `deadline` bounds the request and its retries.
   */
  read(cacheId: string, at: number, deadline: number, signal?: AbortSignal): Promise<StatusRead>;
}

export type StatusClient = Pick<PeakaClient, 'getStatus' | 'listStatuses'>;

/** One cache: sleeps until the time asked for, then reads that cache's status. */
export class DirectStatusSource implements StatusSource {
  readonly shared = false;

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

/** After this many failed list reads in a row, each cache is read on its own for the rest of the step. */
export const LIST_FAILURES_TO_GIVE_UP = 3;
/** How long one list read may spend on retries before the caches due are read on their own. */
export const LIST_RETRY_BUDGET_MS = 5_000;

interface Waiter {
  cacheId: string;
  at: number;
  deadline: number;
  resolve: (read: StatusRead) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export interface SharedReadStats {
  ticks: number;
  listReads: number;
  /** Per-cache reads for entries the list did not have, or when it failed. */
  fallbackReads: number;
  /** The most status requests one tick sent (the list and its fallbacks). */
  maxRequestsPerTick: number;
}

/** Many caches: one list read per tick for every cache waiting. */
export class SharedStatusSource implements StatusSource {
  readonly clock: Clock;
  readonly shared = true;
  readonly stats: SharedReadStats = { ticks: 0, listReads: 0, fallbackReads: 0, maxRequestsPerTick: 0 };
  private readonly waiters: Waiter[] = [];
  private readonly catalogs = new Map<string, string>();
  private readonly tables = new Map<string, string>();
  private failures = 0;
  private looping = false;
  private wake?: AbortController;
  private sleepingUntil = Infinity;

  constructor(
    private readonly client: StatusClient,
    private readonly options: { clock?: Clock; warn?: (line: string) => void } = {}
  ) {
    this.clock = options.clock ?? realClock;
  }

  read(cacheId: string, at: number, deadline: number, signal?: AbortSignal): Promise<StatusRead> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiter: Waiter = { cacheId, at, deadline, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          // With nobody left waiting, the loop must not hold the process open until its next tick.
          if (!this.waiters.length) this.wake?.abort();
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      if (at < this.sleepingUntil) this.wake?.abort();
      if (!this.looping) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      for (let round = 0; this.waiters.length && round < 10_000_000; round++) {
        const next = Math.min(...this.waiters.map((w) => w.at));
        // Even a read due now waits for the current turn of the event loop to end, so that the
        // caches asking at the same moment share it.
        this.wake = new AbortController();
        this.sleepingUntil = next;
        try {
          await this.clock.sleep(Math.max(0, next - this.clock.now()), this.wake.signal);
        } catch {
          continue; // a cache asked for an earlier read
        } finally {
          this.wake = undefined;
          this.sleepingUntil = Infinity;
        }
        if (this.waiters.some((w) => w.at <= this.clock.now())) await this.tick();
      }
    } finally {
      this.looping = false;
    }
  }

  /** One list read for every cache waiting; entries to each; per-cache reads where it falls short. */
  private async tick(): Promise<void> {
    const now = this.clock.now();
    const batch = this.waiters.splice(0);
    let requests = 0;
    let entries: Map<string, CacheStatus> | undefined;
    if (this.failures < LIST_FAILURES_TO_GIVE_UP) {
      requests++;
      this.stats.listReads++;
      try {
        const deadline = Math.min(Math.max(...batch.map((w) => w.deadline)), now + LIST_RETRY_BUDGET_MS);
        const list = await this.client.listStatuses(deadline, this.sharedCatalog(batch));
        entries = new Map(list.caches.map((c) => [c.id, c]));
        this.failures = 0;
      } catch (err) {
        if (batch.some((w) => w.signal?.aborted)) {
          for (const w of batch) this.settle(w, () => w.reject(err));
          return;
        }
        if (++this.failures === LIST_FAILURES_TO_GIVE_UP)
          this.options.warn?.(
            `Reading the caches' statuses through one list failed ${LIST_FAILURES_TO_GIVE_UP} times in a row (${err instanceof PeakaApiError ? err.short : String(err)}); each cache's status is read on its own from now on.`
          );
      }
    }
    const due: Waiter[] = [];
    for (const w of batch) {
      const entry = entries?.get(w.cacheId);
      if (entry) {
        this.learn(entry);
        this.settle(w, () => w.resolve({ status: entry, readAt: now }));
      } else if (w.at <= now) due.push(w);
      else this.waiters.push(w);
    }
    requests += due.length;
    this.stats.ticks++;
    this.stats.fallbackReads += due.length;
    this.stats.maxRequestsPerTick = Math.max(this.stats.maxRequestsPerTick, requests);
    // Not awaited: a cache whose own read is slow or retried does not hold up the others' ticks.
    for (const w of due) void this.readAlone(w);
  }

  private async readAlone(w: Waiter): Promise<void> {
    const readAt = this.clock.now();
    try {
      const status = await this.client.getStatus(w.cacheId, w.deadline);
      this.learn(status);
      this.settle(w, () => w.resolve({ status, readAt }));
    } catch (err) {
      this.settle(w, () => w.reject(err));
    }
  }

  /** The catalog every cache of the batch is in, when they share one and it is known. */
  private sharedCatalog(batch: Waiter[]): string | undefined {
    const ids = new Set(batch.map((w) => this.catalogs.get(w.cacheId)));
    const [only] = ids;
    return ids.size === 1 ? only : undefined;
  }

  private learn(status: CacheStatus): void {
    if (status.catalogId) this.catalogs.set(status.id, status.catalogId);
    if (status.schemaName && status.tableName) this.tables.set(status.id, `${status.schemaName}.${status.tableName}`);
  }

  /** The schema.table of a cache this source has read, to name it in the log. */
  tableOf(cacheId: string): string | undefined {
    return this.tables.get(cacheId);
  }

  private settle(w: Waiter, done: () => void): void {
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
    done();
  }
}
