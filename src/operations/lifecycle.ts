/**
 * The cache's lifecycle: create (with if-exists), update-schedule, delete.
 */
import { ActionError, PeakaApiError } from '../peaka/errors.js';
import { latestExecution } from './inspect.js';
import { WRITE_ATTEMPTS, absorb, conclude, record, tracker, type OperationContext } from './context.js';
import { EXECUTION_KINDS, isActive, toSettings, type CacheSettings, type CacheStatus, type CreateRequest, type Schedule, type TableCacheInfo } from '../peaka/client.js';
import { parseIsoDuration } from '../duration.js';
import type { Outcome, RunState } from '../run-state.js';
import type { ScheduleSetting } from '../inputs.js';
import { sendOnce } from '../peaka/send-once.js';

export async function create(ctx: OperationContext, state: RunState): Promise<Outcome> {
  const request = ctx.settings.create!;
  const table = `${request.schemaName}.${request.tableName}`;
  state.table = table;
  const reuse = ctx.settings.ifExists === 'reuse';
  const sameTable = (c: CacheStatus) => c.catalogId === request.catalogId && c.schemaName === request.schemaName && c.tableName === request.tableName;
  const findExisting = async () => (await ctx.client.listStatuses(ctx.deadline)).caches.find(sameTable);
  const alreadyCached = (id: string | undefined) =>
    new ActionError(
      `Table ${table} already has a cache${id ? ` (${id})` : ''}. Set if-exists: reuse to use it, or refresh it with operation: full-refresh${id ? ` and cache-id: ${id}` : ''}.`
    );

  const info = await tableInfo(ctx, request, table);
  if (info?.isCacheable === false) {
    const types = info.supportedCacheTypes?.length ? info.supportedCacheTypes.join(', ') : 'none';
    throw new ActionError(`Table ${table} cannot be cached: Peaka reports it as not cacheable (supported cache types: ${types}). Check the table's source connector in Peaka.`);
  }
  refuseUnsupportedSchedules(info, request, table);
  if (info?.isCached) {
    const existing = await findExisting();
    if (!existing) throw orphaned(table);
    if (!reuse) throw alreadyCached(existing.id);
    return reuseExisting(ctx, state, existing);
  }

  // `found`: the cache seen for the table after an attempt whose answer was lost (not the create's own answer).
  let created: { id: string; found?: CacheStatus } | undefined;
  let adopted = false;
  // Until its answer is seen, the create may have made a cache: the abort path and the post step find it by its table.
  state.pendingCreate = { catalogId: request.catalogId, schemaName: request.schemaName, tableName: request.tableName };
  ctx.checkpoint();
  let maybeSent = false;
  try {
    ({ effect: created, adopted } = await sendOnce<{ id: string; found?: CacheStatus }>({
      send: () =>
        ctx.client.createCache(request, ctx.deadline).catch((err: unknown) => {
          if (err instanceof PeakaApiError && err.ambiguous) maybeSent = true;
          throw err;
        }),
      findEffect: async () => {
        const found = await findExisting();
        return found && { id: found.id, found };
      },
      attempts: WRITE_ATTEMPTS,
      deadline: ctx.deadline,
      signal: ctx.signal,
      warn: (line) => ctx.log.warning(line),
      conflictMeansDone: [409]
    }));
  } catch (err) {
    if (!maybeSent) {
      delete state.pendingCreate;
      ctx.checkpoint();
    }
    if (!(err instanceof PeakaApiError)) throw err;
    // A duplicate answers 409 with the existing cache (the contract), or, on the live API during the first sync, 500.
    if (err.status === 409) {
      const id = toSettings(err.details.body).id;
      if (!reuse) throw alreadyCached(id ?? (await findExisting())?.id);
      const existing = id ? await ctx.client.getStatus(id, ctx.deadline) : await findExisting();
      if (existing) return reuseExisting(ctx, state, existing);
    }
    if (reuse && err.status === 500) {
      const existing = await findExisting();
      if (existing) return reuseExisting(ctx, state, existing);
    }
    if (err.status === 400 && /non-empty location/i.test(err.peakaMessage ?? '')) throw orphaned(table);
    throw err;
  }
  if (!created) throw new ActionError(`Peaka did not return the new cache for table ${table}.`);
  if (adopted && created.found) {
    // Nothing ties a cache found by its table to this step's create: another creator's is never taken for ours.
    const known = `The create's answer was lost, and table ${table} now has cache ${created.id}: this step's create may have made it, or another did; which one is not known.`;
    if (!reuse) throw new ActionError(`${known} Set if-exists: reuse to use it, or refresh it with operation: full-refresh and cache-id: ${created.id}.`);
    ctx.log.warning(`${known} Reusing it (if-exists: reuse); its sync is not taken for one this step started, so it is never cancelled by this step.`);
    // A cache with an execution is reused as any other; a brand-new one's first sync is waited for below, still not as ours.
    if (latestExecution(created.found)) return reuseExisting(ctx, state, created.found);
  }
  const made = adopted ? `Reused cache ${created.id} for ${table} (if-exists: reuse)` : `Created cache ${created.id} for ${table}`;
  state.cacheId = created.id;
  delete state.pendingCreate;
  state.startedByStep = !adopted;
  ctx.checkpoint();
  ctx.log.info(`${made}.`);
  if (!ctx.settings.wait) return { conclusion: 'success', message: `${made}; not waiting for its first sync (wait: false).` };

  return ctx.log.group(`Waiting for the first sync of cache ${created.id}`, async () => {
    const watch = tracker(ctx, created.id);
    const first = await watch.awaitNew(EXECUTION_KINDS, {});
    record(ctx, state, first);
    if (!first.execution) {
      return first.timedOut
        ? { conclusion: ctx.settings.failOnError ? 'failure' : 'warning', message: `${made}, but timed out before its first sync appeared. Raise timeout to wait longer.` }
        : { conclusion: 'warning', message: `${made}, but Peaka started no sync within a minute. Trigger one with operation: full-refresh.` };
    }
    state.kind = first.execution.kind;
    ctx.checkpoint();
    const result = await watch.follow(first.execution);
    record(ctx, state, result);
    const outcome = await conclude(ctx, state, result);
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
    ctx.log.warning(`Could not check whether table ${table} can be cached (${err.message.split('. ')[0]}); creating the cache anyway, and Peaka's answer to the create decides.`);
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

/** if-exists: reuse. Outputs the existing cache, and with `wait` follows its running sync if there is one. */
async function reuseExisting(ctx: OperationContext, state: RunState, existing: CacheStatus): Promise<Outcome> {
  state.cacheId = existing.id;
  delete state.pendingCreate;
  absorb(state, existing);
  const running = latestExecution(existing, EXECUTION_KINDS, isActive);
  const latest = running ?? latestExecution(existing);
  state.execution = latest;
  state.kind = latest?.kind;
  const found = `Table ${state.table} already has cache ${existing.id}; reusing it (if-exists: reuse).`;
  ctx.log.notice(found);
  if (!running || !ctx.settings.wait) return { conclusion: 'success', message: found };
  const result = await tracker(ctx, existing.id).follow(running);
  record(ctx, state, result);
  const outcome = await conclude(ctx, state, result);
  return { ...outcome, message: `${found} ${outcome.message}` };
}

const describeSchedule = (s: Schedule | undefined) => (!s || s.type === 'NONE' ? 'off' : `every ${s.expression}`);

export async function updateSchedule(ctx: OperationContext, state: RunState): Promise<Outcome> {
  const cacheId = state.cacheId!;
  const wanted = ctx.settings.schedules!;
  await ctx.client.updateSchedules(cacheId, wanted, ctx.deadline);
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

export async function deleteCache(ctx: OperationContext, state: RunState): Promise<Outcome> {
  const cacheId = state.cacheId!;
  let existed = true;
  try {
    absorb(state, await ctx.client.getStatus(cacheId, ctx.deadline));
  } catch (err) {
    if (!(err instanceof PeakaApiError && err.status === 404)) throw err;
    existed = false;
  }
  let deleted = await ctx.client.deleteCache(cacheId, ctx.deadline);
  const name = state.table ? `${state.table} (${cacheId})` : cacheId;
  let note = '';
  if (deleted === 'unknown' && !existed) deleted = false;
  if (deleted === 'unknown') {
    // The retry's 404 may be the first attempt's doing: the cache was there before it, so a read tells.
    deleted = await ctx.client.getStatus(cacheId, ctx.deadline).then(
      () => false,
      (err: unknown) => {
        if (err instanceof PeakaApiError && err.status === 404) return true;
        throw err;
      }
    );
    if (deleted) note = " The first attempt's answer was lost; its retry and a status read found the cache gone.";
    else throw new ActionError(`Deleting cache ${name}: Peaka answered 404 to the delete, yet the cache still exists. Check it in Peaka and re-run.`);
  }
  if (!deleted) {
    const message = `Cache ${name} does not exist (already deleted?); nothing to delete.`;
    ctx.log.notice(message);
    return { conclusion: 'success', message };
  }
  state.cacheStatus = 'DELETED';
  return { conclusion: 'success', message: `Deleted cache ${name}.${note}` };
}
