/**
 * The ledger: what this step sent that may have an effect in Peaka, and what of it is settled. It is
 * the one record the main step's abort path, `cancel-on-timeout` and the post step read to decide
 * what to cancel, and it saves itself to the step state on every change, so no caller has to.
 *
 * One page per cache the step acts on. A page is open from the moment a trigger or a create is about
 * to be sent until the operation is over; it is closed at once when Peaka refused the write (nothing
 * was made). A page left open when the step dies is the post step's to cancel.
 *
 * Each page is saved under a state name of its own (`started-<key>`), so a change writes one small
 * entry: with 256 caches, one list rewritten on every change would put megabytes in the state
 * file, and a value over 32 KiB in the post step's environment.
 */
import type { ExecutionKind } from './peaka/client.js';

/** A page as saved for the post step (the JSON of `started`). */
export interface Started {
  /** Unknown only for a create whose answer was not seen: then `table` names what it was for. */
  cacheId?: string;
  /** The table of a create whose answer was not seen: its cache, if any, is found by it. */
  table?: CreateTarget;
  /** Peaka said the table had no cache just before the create: only then is a cache found by the table taken for the create's. */
  tableFree?: boolean;
  /** Unknown only for a create whose first sync had not appeared yet. */
  kind?: ExecutionKind;
  /** The id in the slot before the trigger: anything else there is ours. */
  previousId?: string;
  /** The execution the write started, once seen. */
  executionId?: string;
  /** Left for the post step by cancel-on-timeout (not by a cancelled run): cancelled whatever cancel-on-abort says. */
  onTimeout?: boolean;
  /** Another execution appeared in the same window as the one seen: which is this step's is not known, so none is cancelled. */
  doubtful?: boolean;
}

export interface CreateTarget {
  catalogId: string;
  schemaName: string;
  tableName: string;
}

/** The step-state name of a page. */
export const stateName = (key: string) => `started-${key}`;

/** The pages the main step saved, as the post step finds them: every non-empty `STATE_started-*` variable. */
export function savedPages(env: NodeJS.ProcessEnv = process.env): { name: string; text: string }[] {
  const prefix = `STATE_${stateName('')}`;
  return Object.entries(env)
    .filter((entry): entry is [string, string] => entry[0].startsWith(prefix) && typeof entry[1] === 'string' && entry[1] !== '')
    .map(([name, text]) => ({ name: name.slice('STATE_'.length), text }));
}

export class Ledger {
  private readonly pages = new Map<string, Started>();
  private readonly saved = new Map<string, string>();

  /** `save`: where a page goes on every change, as JSON ('' once it is closed): core.saveState(stateName(key), json) in the main step. */
  constructor(private readonly save: (key: string, json: string) => void = () => undefined) {}

  /** The page of one cache (`key`: its place among the step's targets). */
  page(key: string): LedgerPage {
    return new LedgerPage(this, key);
  }

  /** Every open page: what the step started, or may have, and has not seen through. */
  open(): { key: string; started: Started }[] {
    return [...this.pages].map(([key, started]) => ({ key, started: { ...started } }));
  }

  /** @internal */
  read(key: string): Started | undefined {
    return this.pages.get(key);
  }

  /** @internal */
  write(key: string, started: Started | undefined): void {
    if (started) this.pages.set(key, started);
    else this.pages.delete(key);
    const json = started ? JSON.stringify(started) : '';
    if (json === (this.saved.get(key) ?? '')) return;
    this.saved.set(key, json);
    this.save(key, json);
  }
}

/** One cache's page: the calls an operation makes as its write goes out and comes back. */
export class LedgerPage {
  constructor(
    private readonly ledger: Ledger,
    readonly key: string
  ) {}

  /** A trigger is about to be sent: from now on, a new execution of `kind` in that slot is ours. */
  triggering(cacheId: string, kind: ExecutionKind, previousId: string | undefined): void {
    this.ledger.write(this.key, { cacheId, kind, previousId });
  }

  /**
   * A create is about to be sent: until its answer is seen, the cache it may make is found by its
   * table. `tableFree`: Peaka said the table had no cache (without it, a cache found is not taken for ours).
   */
  creating(table: CreateTarget, tableFree: boolean): void {
    const { catalogId, schemaName, tableName } = table;
    this.ledger.write(this.key, { table: { catalogId, schemaName, tableName }, ...(tableFree ? { tableFree } : {}) });
  }

  /** The create's answer named the cache it made: its first sync is ours. */
  created(cacheId: string): void {
    this.ledger.write(this.key, { cacheId });
  }

  /** The execution the write started has appeared. */
  seen(executionId: string, kind: ExecutionKind): void {
    const page = this.ledger.read(this.key);
    if (page?.cacheId) this.ledger.write(this.key, { ...page, kind, executionId });
  }

  /** Whether `executionId` is what this step started (so it is the step's to cancel). */
  owns(executionId: string): boolean {
    const page = this.ledger.read(this.key);
    if (!page?.cacheId || page.doubtful) return false;
    return page.executionId ? page.executionId === executionId : executionId !== page.previousId;
  }

  /** Another execution appeared in the same window as the one seen: neither is taken for this step's, so neither is cancelled. */
  doubt(): void {
    const page = this.ledger.read(this.key);
    if (page && !page.doubtful) this.ledger.write(this.key, { ...page, doubtful: true });
  }

  /** Peaka refused the write, or nothing this step sent can have had an effect: nothing to clean up. */
  refused(): void {
    this.ledger.write(this.key, undefined);
  }

  /** Time ran out before the trigger's execution appeared: the post step cancels it (cancel-on-timeout). */
  leaveForPost(): void {
    const page = this.ledger.read(this.key);
    if (page) this.ledger.write(this.key, { ...page, onTimeout: true });
  }

  /** The cache was found by its table after a create whose answer was lost (by the abort path). */
  foundCache(cacheId: string): void {
    const page = this.ledger.read(this.key);
    if (page && !page.cacheId) this.ledger.write(this.key, { ...page, cacheId, table: undefined, tableFree: undefined });
  }

  /** The operation is over and saw what it started through (or cancelled it): nothing is left to do. */
  settle(): void {
    const page = this.ledger.read(this.key);
    if (page?.onTimeout) return;
    this.ledger.write(this.key, undefined);
  }

  /** Closes the page whatever it holds (cancel-on-abort: false, or the cleanup that ended it). */
  close(): void {
    this.ledger.write(this.key, undefined);
  }
}
