/**
 * The operation on every cache the step acts on: which caches (`cache-id` list, every cache of a
 * catalog/schema, or by table name), and the operation on each, at most `max-parallel` at once.
 * Each cache's result is kept, whatever happened to the others.
 */
import { ActionError, errorMessage } from './errors.js';
import type { OnCachesInputs } from './inputs.js';
import type { Ledger } from './ledger.js';
import {
  OperationError,
  knownOf,
  type CacheResult,
  type Known,
  type OperationContext,
  type Outcome,
  type StepContext
} from './operations/context.js';
import { specOf } from './operations/table.js';
import { withVolumeGate } from './operations/volume.js';
import { segment, type PeakaClient } from './peaka/client.js';
import type { Logger } from './safe-text.js';
import { SharedStatusSource } from './status-source.js';
import { selectByTables, type TableSelection } from './table-selection.js';

/** What every cache's operation shares, and the ledger their pages are in. */
export interface BatchContext extends StepContext {
  ledger: Ledger;
}

/** One cache of the step: what is known of it, and its outcome once its operation is over (none when the run was cancelled first). */
export interface CacheSlot {
  /** Its page in the ledger. */
  key: string;
  known: Known;
  outcome?: Outcome;
}

export interface BatchEnd {
  slots: CacheSlot[];
  /** With tables / tables-from: what chose the caches. */
  selection?: TableSelection;
}

/** Chooses the caches and runs the operation on each. Stops early only when the run is cancelled (its slots then lack an outcome). */
export async function runAll(step: BatchContext): Promise<BatchEnd> {
  const { inputs } = step;
  const spec = specOf(inputs);
  if (inputs.operation === 'create')
    return { slots: await runEach(step, [undefined], (ctx) => withVolumeGate(ctx, (c) => spec.run({ ...c, inputs }, undefined))) };
  const { ids, selection } = await resolveTargets(inputs, step.client, step.deadline, step.log, step.signal);
  if (ids.length > 1) step.log.info(`Operation ${inputs.operation} on ${ids.length} caches, at most ${inputs.maxParallel} at a time.`);
  const slots = await runEach(step, ids, (ctx, cacheId) => withVolumeGate(ctx, (c) => spec.run({ ...c, inputs }, cacheId)), selection);
  return { slots, selection };
}

/** The caches to act on, and with tables / tables-from what selected them. */
export async function resolveTargets(
  inputs: OnCachesInputs,
  client: PeakaClient,
  deadline: number,
  log: Logger,
  signal?: AbortSignal
): Promise<{ ids: string[]; selection?: TableSelection }> {
  const warn = (line: string) => log.warning(line);
  const by = inputs.tables ?? inputs.tablesFrom;
  if (by) {
    const selection = await selectByTables(inputs, by, client, deadline, log, (list) => warnUnidentified(list.unidentified, warn), signal);
    return { ids: selection.ids, selection };
  }
  if (!inputs.selection) return { ids: inputs.cacheIds };
  const { catalogId, schemaName } = inputs.selection;
  // With catalog-id, the catalog's list: smaller than the project's (each entry carries its logs).
  const { caches: all, unidentified } = await client.listStatuses(deadline, catalogId);
  warnUnidentified(unidentified, warn);
  const chosen = all.filter(
    (c) => (!catalogId || c.catalogId === undefined || c.catalogId === catalogId) && (!schemaName || c.schemaName === schemaName)
  );
  const what = [catalogId ? `catalog-id ${catalogId}` : '', schemaName ? `schema-name ${schemaName}` : ''].filter(Boolean).join(' and ');
  if (!chosen.length) {
    const where = catalogId ? `catalog ${catalogId}` : `project ${inputs.projectId}`;
    throw new ActionError(
      `No cache in project ${inputs.projectId} matches ${what} (${where} has ${all.length} cache${all.length === 1 ? '' : 's'}). Check the ids, or name caches with cache-id.`
    );
  }
  // A cache listed twice (a paging glitch) is worked on once: two triggers would start two executions.
  return { ids: [...new Set(chosen.map((c) => c.id))] };
}

export function warnUnidentified(unidentified: string[], warn: (line: string) => void): void {
  if (unidentified.length)
    warn(
      `Peaka listed ${unidentified.length} cache${unidentified.length === 1 ? '' : 's'} without an id (${unidentified.slice(0, 10).join(', ')}${unidentified.length > 10 ? ', ...' : ''}); no operation can act on ${unidentified.length === 1 ? 'it' : 'them'}, so ${unidentified.length === 1 ? 'it is' : 'they are'} left out. Name such caches with cache-id, or ask Peaka support.`
    );
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
    group: (_title, work) => work(),
    debug: (line) => log.debug?.(`[${label()}] ${line}`)
  };
}

/**
 * Runs `work` on every target and keeps each one's result. A failure of one cache does not stop
 * the others; only the run's cancel does. With several caches, their status reads share one list
 * read per tick (status-source.ts).
 */
export async function runEach<T extends string | undefined>(
  step: BatchContext,
  targets: T[],
  work: (ctx: OperationContext, target: T) => Promise<CacheResult>,
  selection?: TableSelection
): Promise<CacheSlot[]> {
  const many = targets.length > 1;
  const statuses = many
    ? new SharedStatusSource(step.client, { clock: step.client.clock, warn: (line) => step.log.warning(line) })
    : undefined;
  const slots: CacheSlot[] = targets.map((cacheId, i) => ({ key: String(i), known: knownOf(step.inputs.operation, cacheId) }));
  try {
    await runPool(
      targets.map((target, i) => ({ target, slot: slots[i] })),
      step.inputs.maxParallel,
      async ({ target, slot }) => {
        const label = many ? () => (target && (statuses?.tableOf(target) ?? selection?.tableOf.get(target))) || target || '' : undefined;
        const ctx: OperationContext = { ...step, page: step.ledger.page(slot.key), log: loggerFor(step.log, label), statuses };
        Object.assign(slot, await runOne(ctx, target, work));
      }
    );
  } finally {
    if (statuses?.stats.ticks) {
      const { ticks, listReads, fallbackReads } = statuses.stats;
      step.log.info(
        `Status reads for ${targets.length} caches: ${ticks} rounds, ${listReads} list read${listReads === 1 ? '' : 's'} and ${fallbackReads} single-cache read${fallbackReads === 1 ? '' : 's'}.`
      );
    }
  }
  return slots;
}

async function runOne<T extends string | undefined>(
  ctx: OperationContext,
  target: T,
  work: (ctx: OperationContext, target: T) => Promise<CacheResult>
): Promise<Omit<CacheSlot, 'key'>> {
  const fallback = knownOf(ctx.inputs.operation, target);
  try {
    // An id from a list that no request could carry fails here, even where its status came from the list.
    if (target !== undefined) segment(target, 'cache id');
    // The run was cancelled before this cache's turn: nothing was sent for it.
    if (ctx.signal?.aborted) return { known: fallback };
    if (ctx.client.clock.now() >= ctx.deadline) {
      // Its turn came after the step's time was spent: nothing was sent for it.
      const message = `Not started: the step's timeout was reached before this cache's turn (max-parallel ${ctx.inputs.maxParallel}). Raise timeout or max-parallel.`;
      return { known: { ...fallback, timedOut: true }, outcome: { conclusion: ctx.inputs.failOnError ? 'failure' : 'warning', message } };
    }
    const { outcome, ...known } = await work(ctx, target);
    return { known, outcome };
  } catch (err) {
    const known = err instanceof OperationError ? err.known : fallback;
    const cause = err instanceof OperationError ? err.cause : err;
    // The run is being cancelled: the abort path decides what this cache's outcome is.
    if (ctx.signal?.aborted) return { known };
    return { known, outcome: { conclusion: 'failure', message: errorMessage(cause) } };
  } finally {
    // Over, and seen through: nothing of this cache is left for the post step (unless it was left on purpose).
    if (!ctx.signal?.aborted) ctx.page.settle();
  }
}
