/**
 * The cache's lifecycle: create (with if-exists), update-schedule, delete.
 */
import { parseIsoDuration } from '../duration.js';
import type { CreateInputs, DeleteInputs, UpdateScheduleInputs } from '../inputs.js';
import {
  EXECUTION_KINDS,
  isActive,
  isCacheOf,
  toSettings,
  type CacheSettings,
  type CacheStatus,
  type CreateRequest,
  type Schedule,
  type ScheduleSetting,
  type TableCacheInfo
} from '../peaka/client.js';
import { ActionError } from '../errors.js';
import { PeakaApiError } from '../peaka/errors.js';
import { deleteOnce, sendOnce } from '../peaka/send-once.js';
import { APPEARANCE_GRACE_MS } from '../tracker.js';
import {
  absorb,
  failLevel,
  followToEnd,
  knownOf,
  leaveUnseen,
  record,
  tracker,
  withKnown,
  writeOptions,
  type CacheResult,
  type Known,
  type OperationContext,
  type Outcome
} from './context.js';
import { latestExecution } from './inspect.js';

export async function create(ctx: OperationContext<CreateInputs>): Promise<CacheResult> {
  const known = knownOf('create');
  return withKnown(known, () => createCache(ctx, known));
}

async function createCache(ctx: OperationContext<CreateInputs>, known: Known): Promise<Outcome> {
  const request = ctx.inputs.create;
  const table = `${request.schemaName}.${request.tableName}`;
  known.table = table;
  const reuse = ctx.inputs.ifExists === 'reuse';
  const findExisting = async () => (await ctx.client.listStatuses(ctx.deadline)).caches.find(isCacheOf(request));
  const alreadyCached = (id: string | undefined) =>
    new ActionError(
      `Table ${table} already has a cache${id ? ` (${id})` : ''}. Set if-exists: reuse to use it, or refresh it with operation: full-refresh${id ? ` and cache-id: ${id}` : ''}.`
    );

  const info = await tableInfo(ctx, request, table);
  if (info?.isCacheable === false) {
    const types = info.supportedCacheTypes?.length ? info.supportedCacheTypes.join(', ') : 'none';
    throw new ActionError(
      `Table ${table} cannot be cached: Peaka reports it as not cacheable (supported cache types: ${types}). Check the table's source connector in Peaka.`
    );
  }
  refuseUnsupportedSchedules(info, request, table);
  if (info?.isCached) {
    const existing = await findExisting();
    if (!existing) throw orphaned(table);
    if (!reuse) throw alreadyCached(existing.id);
    return reuseExisting(ctx, known, existing);
  }

  // `found`: the cache seen for the table after an attempt whose answer was lost (not the create's own answer).
  type Made = { id: string; found?: CacheStatus };
  // Until its answer is seen, the create may have made a cache: the abort path and the post step find it by its table.
  ctx.page.creating(request, info?.isCached === false);
  let created: Made;
  let adopted: boolean;
  try {
    ({ effect: created, adopted } = await sendOnce<Made>({
      send: () => ctx.client.createCache(request, ctx.deadline),
      findEffect: async () => {
        const found = await findExisting();
        return found && { id: found.id, found };
      },
      // After a lost answer, a 409 may be the first attempt's cache, or another creator's: looked at, not believed.
      lookOn: [409],
      onNoEffect: () => ctx.page.refused(),
      ...writeOptions(ctx)
    }));
  } catch (err) {
    if (!(err instanceof PeakaApiError)) throw err;
    // A duplicate answers 409 with the existing cache (the contract), or, on the live API during the first sync, 500.
    if (err.status === 409) {
      const id = toSettings(err.details.body).id;
      if (!reuse) throw alreadyCached(id ?? (await findExisting())?.id);
      const existing = id ? await ctx.client.getStatus(id, ctx.deadline) : await findExisting();
      if (existing) return reuseExisting(ctx, known, existing);
    }
    if (reuse && err.status === 500) {
      const existing = await findExisting();
      if (existing) return reuseExisting(ctx, known, existing);
    }
    if (err.status === 400 && /non-empty location/i.test(err.peakaMessage ?? '')) throw orphaned(table);
    throw err;
  }
  if (adopted && created.found) {
    // Nothing ties a cache found by its table to this step's create: another creator's is never taken for ours.
    const doubt = `The create's answer was lost, and table ${table} now has cache ${created.id}: this step's create may have made it, or another did; which one is not known.`;
    if (!reuse)
      throw new ActionError(
        `${doubt} Set if-exists: reuse to use it, or refresh it with operation: full-refresh and cache-id: ${created.id}.`
      );
    ctx.log.warning(
      `${doubt} Reusing it (if-exists: reuse); its sync is not taken for one this step started, so it is never cancelled by this step.`
    );
    // A cache with an execution is reused as any other; a brand-new one's first sync is waited for below, still not as ours.
    if (latestExecution(created.found)) return reuseExisting(ctx, known, created.found);
  }
  const made = adopted ? `Reused cache ${created.id} for ${table} (if-exists: reuse)` : `Created cache ${created.id} for ${table}`;
  const cacheId = created.id;
  known.cacheId = cacheId;
  // Its first sync is this step's only when the create's own answer named the cache.
  if (adopted) ctx.page.close();
  else ctx.page.created(cacheId);
  ctx.log.info(`${made}.`);
  if (!ctx.inputs.wait) return { conclusion: 'success', message: `${made}; not waiting for its first sync (wait: false).` };

  return ctx.log.group(`Waiting for the first sync of cache ${cacheId}`, async () => {
    const watch = tracker(ctx, cacheId);
    const first = await watch.awaitNew(EXECUTION_KINDS, {}, ctx.appearanceGraceMs ?? APPEARANCE_GRACE_MS);
    record(known, first);
    if (!first.execution) {
      if (!first.timedOut)
        return {
          conclusion: 'warning',
          message: `${made}, but Peaka started no sync within a minute. Trigger one with operation: full-refresh.`
        };
      // Its first sync may still start: cancel-on-timeout leaves it to the post step, as for a trigger.
      const after = leaveUnseen(ctx);
      return {
        conclusion: failLevel(ctx.inputs),
        message: `${made}, but timed out before its first sync appeared.${after} Raise timeout to wait longer.`
      };
    }
    known.kind = first.execution.kind;
    ctx.page.seen(first.execution.id, first.execution.kind);
    const outcome = await followToEnd(ctx, known, cacheId, first.execution, { watch });
    return outcome.conclusion === 'success' ? { ...outcome, message: `${made}. ${outcome.message}` } : outcome;
  });
}

/**
 * isCached, as the pre-check it is: the create's own answer decides, so a check that fails for any
 * reason is a warning, not the end of the step.
 */
async function tableInfo(ctx: OperationContext, request: CreateRequest, table: string): Promise<TableCacheInfo | undefined> {
  try {
    return await ctx.client.isCached(request, ctx.deadline);
  } catch (err) {
    if (!(err instanceof PeakaApiError) || err.kind === 'aborted') throw err;
    ctx.log.warning(
      `Could not check whether table ${table} can be cached (${err.short}); creating the cache anyway, and Peaka's answer to the create decides.`
    );
    return undefined;
  }
}

/** A schedule of a type the table does not support (supportedCacheTypes) is refused before the create. */
function refuseUnsupportedSchedules(info: TableCacheInfo | undefined, request: CreateRequest, table: string): void {
  const supported = info?.supportedCacheTypes?.map((t) => t.toUpperCase());
  if (!supported) return;
  const asked = [
    request.fullRefreshSchedule ? { input: 'full-refresh-schedule', type: 'FULL_REFRESH' } : undefined,
    request.incrementalSchedule ? { input: 'incremental-schedule', type: 'INCREMENTAL' } : undefined
  ].filter((a) => a !== undefined);
  const unsupported = asked.filter((a) => !supported.includes(a.type));
  if (!unsupported.length) return;
  throw new ActionError(
    `Table ${table} does not support ${unsupported.map((u) => u.type).join(' or ')} caching: Peaka lists its supported cache types as ${supported.length ? supported.join(', ') : 'none'}. Remove ${unsupported.map((u) => u.input).join(' and ')}.`
  );
}

/** isCached says yes and no list shows the cache, or the create finds the location taken: nothing the API can repair. */
function orphaned(table: string): ActionError {
  return new ActionError(
    `Table ${table} has an orphaned cache on Peaka's side: Peaka reports the table as cached, but no cache of the project is for it, and a create fails ("Cannot create a table on a non-empty location"). No API call repairs this; ask Peaka support to remove the orphaned cache data, then run create again.`
  );
}

/**
 * if-exists: reuse. Outputs the existing cache, and with `wait` follows its running sync if there is
 * one. A cache that has none yet (another creator won the race a moment ago) gets its first sync
 * waited for and followed, as the winner's step does: it is still not this step's to cancel.
 */
async function reuseExisting(ctx: OperationContext<CreateInputs>, known: Known, existing: CacheStatus): Promise<Outcome> {
  // Someone else's cache: nothing this step sent made it, so nothing of it is this step's to cancel.
  ctx.page.close();
  known.cacheId = existing.id;
  absorb(known, existing);
  const latest = latestExecution(existing);
  let running = latestExecution(existing, EXECUTION_KINDS, isActive);
  known.execution = running ?? latest;
  known.kind = known.execution?.kind;
  const found = `Table ${known.table} already has cache ${existing.id}; reusing it (if-exists: reuse).`;
  ctx.log.notice(found);
  if (!ctx.inputs.wait || (!running && latest)) return { conclusion: 'success', message: found };
  if (!running) {
    ctx.log.info(`Cache ${existing.id} has no execution yet (it was created a moment ago): waiting for its first sync.`);
    const first = await tracker(ctx, existing.id).awaitNew(EXECUTION_KINDS, {}, ctx.appearanceGraceMs ?? APPEARANCE_GRACE_MS);
    record(known, first);
    if (!first.execution) {
      const message = first.timedOut
        ? `${found} Timed out before its first sync appeared. Raise timeout to wait longer.`
        : `${found} Peaka started no sync of it within a minute. Trigger one with operation: full-refresh.`;
      return { conclusion: first.timedOut ? failLevel(ctx.inputs) : 'warning', message };
    }
    running = first.execution;
    known.kind = running.kind;
  }
  const outcome = await followToEnd(ctx, known, existing.id, running);
  return { ...outcome, message: `${found} ${outcome.message}` };
}

const describeSchedule = (s: Schedule | undefined) => (!s || s.type === 'NONE' ? 'off' : `every ${s.expression}`);

export async function updateSchedule(ctx: OperationContext<UpdateScheduleInputs>, cacheId: string): Promise<CacheResult> {
  return withKnown(knownOf('update-schedule', cacheId), () => applySchedules(ctx, cacheId));
}

async function applySchedules(ctx: OperationContext<UpdateScheduleInputs>, cacheId: string): Promise<Outcome> {
  const wanted = ctx.inputs.schedules;
  // A PUT: sending it again after a lost answer has the same one effect.
  await sendOnce({ send: () => ctx.client.updateSchedules(cacheId, wanted, ctx.deadline), ...writeOptions(ctx) });
  // The live API answered 200 and dropped a schedule it could not parse: read back what it kept.
  const kept = await ctx.client.getSettings(cacheId, ctx.deadline);
  const dropped = [
    !applied(wanted.fullRefresh, kept.fullRefreshSchedule) ? 'full-refresh-schedule' : '',
    !applied(wanted.incremental, kept.incrementalSchedule) ? 'incremental-schedule' : ''
  ].filter(Boolean);
  const now = `full refresh ${describeSchedule(kept.fullRefreshSchedule)}, incremental ${describeSchedule(kept.incrementalSchedule)}`;
  if (dropped.length) {
    return {
      conclusion: 'failure',
      message: `Peaka accepted the update of cache ${cacheId} but did not apply ${dropped.join(' and ')} (the schedules are now: ${now}). Check the values; Peaka drops expressions it cannot parse.`
    };
  }
  return { conclusion: 'success', message: `Updated the schedules of cache ${cacheId}: ${now}.` };
}

/** Whether Peaka kept the schedule asked for, compared as durations: P1D is PT24H, PT60M is PT1H. */
function applied(wanted: ScheduleSetting | undefined, kept: CacheSettings['fullRefreshSchedule']): boolean {
  if (!wanted) return true;
  if (wanted === 'none') return !kept || kept.type.toUpperCase() === 'NONE';
  const keptMs = parseIsoDuration(kept?.expression ?? '');
  return kept?.type.toUpperCase() === 'BASIC' && keptMs !== undefined && keptMs === parseIsoDuration(wanted.expression);
}

export async function deleteCache(ctx: OperationContext<DeleteInputs>, cacheId: string): Promise<CacheResult> {
  const known = knownOf('delete', cacheId);
  return withKnown(known, async () => {
    let existed = true;
    try {
      absorb(known, await ctx.client.getStatus(cacheId, ctx.deadline));
    } catch (err) {
      if (!(err instanceof PeakaApiError && err.status === 404)) throw err;
      existed = false;
    }
    const { effect, adopted } = await deleteOnce(ctx.client, cacheId, { ...writeOptions(ctx), existed });
    const name = known.table ? `${known.table} (${cacheId})` : cacheId;
    if (effect === 'absent') {
      const message = `Cache ${name} does not exist (already deleted?); nothing to delete.`;
      ctx.log.notice(message);
      return { conclusion: 'success', message };
    }
    known.cacheStatus = 'DELETED';
    const note = adopted ? " The first attempt's answer was lost; a status read found the cache gone." : '';
    return { conclusion: 'success', message: `Deleted cache ${name}.${note}` };
  });
}
