/**
 * Many caches in one step: which caches (`cache-id` list, or every cache of a catalog/schema),
 * and running the operation on each with at most `max-parallel` at once.
 */
import { ActionError, PeakaApiError } from './peaka/errors.js';
import type { Logger, OperationContext } from './operations/context.js';
import { segment, type PeakaClient } from './peaka/client.js';
import { runOperation } from './operations.js';
import { newRunState, type RunState } from './run-state.js';
import type { Settings } from './inputs.js';
import { selectByTables, type TableSelection } from './table-selection.js';

/** With `tables` or `tables-from`: the logger for what the selection tells, and what it selected (set by resolveTargets). */
export interface ByTable {
  log: Logger;
  /** The run's cancel: ends the GitHub requests of tables-from too. */
  signal?: AbortSignal;
  selection?: TableSelection;
}
import { SharedStatusSource } from './status-source.js';

/** The caches to act on; `[undefined]` for create, which makes its own. */
export async function resolveTargets(settings: Settings, client: PeakaClient, deadline: number, warn: (line: string) => void, byTable?: ByTable): Promise<(string | undefined)[]> {
  if (settings.operation === 'create') return [undefined];
  if (settings.tables || settings.tablesFrom) {
    const found: ByTable = byTable ?? { log: { info: () => undefined, notice: () => undefined, warning: warn, group: (_title, work) => work() } };
    found.selection = await selectByTables(settings, client, deadline, found.log, (list) => warnUnidentified(list.unidentified, warn), found.signal);
    return found.selection.ids;
  }
  if (!settings.selection) return settings.cacheIds;
  const { catalogId, schemaName } = settings.selection;
  // With catalog-id, the catalog's list: smaller than the project's (each entry carries its logs).
  const { caches: all, unidentified } = await client.listStatuses(deadline, catalogId);
  warnUnidentified(unidentified, warn);
  const chosen = all.filter((c) => (!catalogId || c.catalogId === undefined || c.catalogId === catalogId) && (!schemaName || c.schemaName === schemaName));
  const what = [catalogId ? `catalog-id ${catalogId}` : '', schemaName ? `schema-name ${schemaName}` : ''].filter(Boolean).join(' and ');
  if (!chosen.length) {
    const where = catalogId ? `catalog ${catalogId}` : `project ${settings.projectId}`;
    throw new ActionError(`No cache in project ${settings.projectId} matches ${what} (${where} has ${all.length} cache${all.length === 1 ? '' : 's'}). Check the ids, or name caches with cache-id.`);
  }
  return chosen.map((c) => c.id);
}

export function warnUnidentified(unidentified: string[], warn: (line: string) => void): void {
  if (unidentified.length)
    warn(`Peaka listed ${unidentified.length} cache${unidentified.length === 1 ? '' : 's'} without an id (${unidentified.slice(0, 10).join(', ')}${unidentified.length > 10 ? ', ...' : ''}); no operation can act on ${unidentified.length === 1 ? 'it' : 'them'}, so ${unidentified.length === 1 ? 'it is' : 'they are'} left out. Name such caches with cache-id, or ask Peaka support.`);
}

/** Runs `work` on each item, at most `limit` at a time, and waits for all of them (none is cut short by another's failure). */
export async function runPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length) throw errors[0];
}

/** Log lines of one cache among many carry its name (schema.table once known); groups would interleave, so they are left out. */
export function loggerFor(log: Logger, label: (() => string) | undefined): Logger {
  if (!label) return log;
  return {
    info: (line) => log.info(`[${label()}] ${line}`),
    notice: (line) => log.notice(`[${label()}] ${line}`),
    warning: (line) => log.warning(`[${label()}] ${line}`),
    group: (_title, work) => work()
  };
}

/**
 * Runs the operation on every target and records each cache's outcome in its run state.
 * A failure of one cache does not stop the others; only an abort (the run being cancelled) does.
 * With several caches, their status reads share one list read per tick (status-source.ts).
 */
export async function runBatch(ctx: Omit<OperationContext, 'settings'> & { settings: Settings }, targets: (string | undefined)[], states: RunState[]): Promise<void> {
  for (const id of targets) states.push(newRunState(ctx.settings.operation, id));
  const many = states.length > 1;
  const statuses = many ? new SharedStatusSource(ctx.client, { warn: (line) => ctx.log.warning(line) }) : undefined;
  try {
    await runPool(states, ctx.settings.maxParallel, (state) => runOne(ctx, state, statuses));
  } finally {
    if (statuses?.stats.ticks) {
      const { ticks, listReads, fallbackReads } = statuses.stats;
      ctx.log.info(`Status reads for ${states.length} caches: ${ticks} rounds, ${listReads} list read${listReads === 1 ? '' : 's'} and ${fallbackReads} single-cache read${fallbackReads === 1 ? '' : 's'}.`);
    }
  }
}

async function runOne(ctx: Omit<OperationContext, 'settings'> & { settings: Settings }, state: RunState, statuses: SharedStatusSource | undefined): Promise<void> {
  const label = statuses ? () => state.table ?? state.cacheId ?? '' : undefined;
  const own: OperationContext = { ...ctx, settings: { ...ctx.settings, cacheId: state.cacheId }, log: loggerFor(ctx.log, label), statuses };
  try {
    // An id from a list that no request could carry fails here, even where its status came from the list.
    if (state.cacheId !== undefined) segment(state.cacheId, 'cache id');
    if (Date.now() >= ctx.deadline) {
      // Its turn came after the step's time was spent: nothing was sent for it.
      state.timedOut = true;
      state.outcome = {
        conclusion: ctx.settings.failOnError ? 'failure' : 'warning',
        message: `Not started: the step's timeout was reached before this cache's turn (max-parallel ${ctx.settings.maxParallel}). Raise timeout or max-parallel.`
      };
      return;
    }
    state.outcome = await runOperation(own, state);
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    state.outcome = { conclusion: 'failure', message: errorMessage(err) };
  } finally {
    if (!ctx.signal?.aborted) {
      state.settled = !state.cancelInPost;
      ctx.checkpoint();
    }
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof PeakaApiError || err instanceof ActionError) return err.message;
  return `Unexpected error: ${err instanceof Error ? err.message : String(err)}. Please report it with the log of this step.`;
}
