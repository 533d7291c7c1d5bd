/**
 * Cancelling the execution this step started when the step cannot see it to its end:
 * the workflow run was cancelled (main step, within the runner's grace period), or the main
 * step died before it could (post step).
 */
import { KIND_LABEL } from './format.js';
import type { Started } from './ledger.js';
import { EXECUTION_KINDS, isActive, isCacheOf, isCancelled, type Execution, type ExecutionKind, type PeakaClient } from './peaka/client.js';
import { cancelOnce } from './peaka/send-once.js';
import { mayCancel } from './cancel-guard.js';
import { HISTORY_PAGE } from './tracker.js';

export interface CleanupResult {
  cancelled?: Execution;
  /** The step's execution as last read, when it had ended (the outputs then say how). */
  seen?: Execution;
  /** The cache found by its table, for a create whose answer was not seen. */
  cacheId?: string;
  /** What the step triggered has not appeared (it may be queued): it is still to be looked for. */
  pending?: boolean;
  message: string;
}

/** Where a cache is named: its id, or the table of a create whose answer was not seen. */
export function describeStarted(started: Started): string {
  return started.cacheId ? `cache ${started.cacheId}` : `the cache for table ${started.table?.schemaName}.${started.table?.tableName}`;
}

/**
 * Finds the execution the step started (waiting briefly for its record, which trails the trigger)
 * and cancels it if it still runs. After a create whose answer was not seen, first finds the cache
 * by its table. Bounded by `budgetMs` in all.
 */
export async function cancelStarted(client: PeakaClient, started: Started, budgetMs: number, gapMs = LOOK_GAP_MS): Promise<CleanupResult> {
  const { clock } = client;
  const deadline = clock.now() + budgetMs;
  const kinds = started.kind ? [started.kind] : EXECUTION_KINDS;
  let cacheId = started.cacheId;
  let note = '';
  // An execution queued behind a running one appears only when that ends: look for it all the budget long.
  for (let look = 0; look <= Math.ceil(budgetMs / gapMs); look++) {
    if (!cacheId && started.table) {
      const t = started.table;
      const cache = (await client.listStatuses(deadline)).caches.find(isCacheOf(t));
      const table = `${t.schemaName}.${t.tableName}`;
      // A cache found by its table is the create's only if Peaka said the table had none just before it.
      if (cache && !started.tableFree)
        return {
          cacheId: cache.id,
          message: `Table ${table} has cache ${cache.id}. This step's create may have made it, but whether the table had a cache before the create was not known, so nothing of it was cancelled: check it in Peaka.`
        };
      cacheId = cache?.id;
      // Nothing but timing ties it to this step: the table had no cache when the create was sent. Say so.
      if (cacheId)
        note = `Table ${table} now has cache ${cacheId}, most likely made by the create that this step sent when it was stopped (the table had no cache before it). `;
    }
    if (cacheId) {
      const result = await cancelIn(client, cacheId, kinds, started, deadline, gapMs);
      if (result) return { ...result, cacheId, message: note + result.message };
    }
    if (clock.now() + gapMs >= deadline) break;
    await clock.sleep(gapMs);
  }
  if (!cacheId) {
    // Peaka may still make it: the page stays for the post step to look again.
    return {
      pending: true,
      message: `No cache for table ${started.table?.schemaName}.${started.table?.tableName} has appeared yet: the create that this step sent when it was stopped may not have taken effect, or not yet, so nothing was cancelled.`
    };
  }
  if (!started.executionId) {
    const what = started.kind ? `The ${KIND_LABEL[started.kind]} this step triggered` : 'The first sync';
    return {
      cacheId,
      pending: true,
      message: `${note}${what} on cache ${cacheId} has not appeared yet (it may be queued behind a running one), so it could not be cancelled.`
    };
  }
  return { cacheId, message: `${note}No execution started by this step was found running; nothing to cancel.` };
}

/**
 * One look at the cache: cancels the step's execution if it runs and nothing else of its kind runs
 * beside it (cancel-guard.ts); undefined if it has not appeared.
 */
async function cancelIn(
  client: PeakaClient,
  cacheId: string,
  kinds: readonly ExecutionKind[],
  started: Started,
  deadline: number,
  gapMs: number
): Promise<CleanupResult | undefined> {
  if (started.doubtful)
    return {
      message: `Another execution started on cache ${cacheId} in the same window as this step's, so which one is this step's is not known: neither was cancelled. Check the cache in Peaka.`
    };
  const status = await client.getStatus(cacheId, deadline);
  for (const kind of kinds) {
    const inSlot = status.executions[kind];
    // Without its id, only the slot can show it: a new execution there. With its id, it may have left the slot: the guard reads the history.
    const ourId = started.executionId ?? (inSlot && inSlot.id !== (started.previousId || undefined) ? inSlot.id : undefined);
    if (!ourId) continue;
    const verdict = await mayCancel(client, cacheId, kind, (e) => e.id === ourId, deadline, status);
    const ours = verdict.execution;
    if (!ours) continue;
    const label = `${KIND_LABEL[ours.kind]} ${ours.id}`;
    if (!isActive(ours)) return { seen: ours, message: `The ${label} that this step started had already ended (${ours.status}).` };
    // Ours is queued behind, or runs beside, another actor's: a cancel would stop theirs. The post step looks again.
    if (!verdict.send) return { pending: true, message: `Did not cancel the ${label} that this step started: ${verdict.why}.` };
    const sent = await cancelOnce(client, cacheId, ours, { deadline });
    if (sent === 'ended') {
      const seen = await locate(client, cacheId, ours, deadline).catch(() => undefined);
      return {
        ...(seen && !isActive(seen) ? { seen } : {}),
        message: `The ${label} ended${seen && !isActive(seen) ? ` (${seen.status})` : ''} before the cancel arrived.`
      };
    }
    // Peaka's answer only says the signal was sent: the status confirms it.
    const end = await settledStatus(client, cacheId, ours, deadline, gapMs <= LOOK_GAP_MS ? CONFIRM_GAP_MS : gapMs);
    if (end === undefined)
      return {
        pending: true,
        message: `Sent the cancel for the ${label} that this step started, but it still showed ${ours.status} at the last read, so it is not known to have stopped.`
      };
    if (end === GONE)
      return {
        message: `Sent the cancel for the ${label}; it has left the cache's status and recent history, so whether the cancel stopped it is not known.`
      };
    if (!isCancelled(end)) return { message: `The ${label} ended (${end}) before the cancel took effect.` };
    return { cancelled: ours, message: `Cancelled the ${label} that this step started.` };
  }
  return undefined;
}

/** The execution as Peaka shows it now: in its slot, or in the history once another took the slot. */
async function locate(client: PeakaClient, cacheId: string, execution: Execution, deadline: number): Promise<Execution | undefined> {
  const inSlot = (await client.getStatus(cacheId, deadline)).executions[execution.kind];
  if (inSlot?.id === execution.id) return inSlot;
  const past = (await client.executionHistory(cacheId, HISTORY_PAGE, deadline)).find((e) => e.id === execution.id);
  return past && { ...past, kind: past.kind ?? execution.kind };
}

/** Reads the execution's status (its slot, or the history once another took the slot) until it has ended; undefined at the deadline. */
async function settledStatus(
  client: PeakaClient,
  cacheId: string,
  execution: Execution,
  deadline: number,
  gapMs: number
): Promise<string | undefined> {
  const { clock } = client;
  for (let read = 0; read < 100 && clock.now() < deadline; read++) {
    let seen: Pick<Execution, 'id' | 'status'> | undefined = (await client.getStatus(cacheId, deadline)).executions[execution.kind];
    if (seen?.id !== execution.id)
      seen = (await client.executionHistory(cacheId, HISTORY_PAGE, deadline)).find((e) => e.id === execution.id);
    if (!seen) return GONE;
    if (!isActive(seen)) return seen.status;
    if (clock.now() + gapMs >= deadline) return undefined;
    await clock.sleep(gapMs);
  }
  return undefined;
}

const GONE = 'gone from the status and the history';
/** How often a cancel is checked for having taken effect, at most (one cache). */
const CONFIRM_GAP_MS = 300;
/** How often a page's execution is looked for (one cache). */
const LOOK_GAP_MS = 1_000;

/**
 * The gap between two reads of one cache when `pages` are cleaned up at once: every cache reads its
 * own status, so with many the reads are spaced to about 50 a second in all.
 */
export function cleanupGapMs(pages: number): number {
  return Math.max(LOOK_GAP_MS, pages * 20);
}
