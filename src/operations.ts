/**
 * The six operations. Each reads what it needs, sends at most one write (a trigger is never sent
 * twice for one execution), optionally follows the execution, and records what it learns in the
 * run state.
 */
import { PeakaApiError } from './api-error.js';
import { formatDuration } from './duration.js';
import { ExecutionTracker, describeExecution, historyFrom, type TrackResult } from './execution-tracker.js';
import {
  EXECUTION_KINDS,
  KIND_LABEL,
  type CacheStatus,
  type Execution,
  type ExecutionKind,
  type PeakaClient
} from './peaka-client.js';
import type { Outcome, RunState } from './run-state.js';
import type { Settings } from './settings.js';
import { sendOnce } from './write-helper.js';

export interface Logger {
  info(line: string): void;
  notice(line: string): void;
  warning(line: string): void;
  group<T>(title: string, work: () => Promise<T>): Promise<T>;
}

export interface OperationContext {
  settings: Settings;
  client: PeakaClient;
  /** Epoch ms at which waiting stops (the `timeout` input). */
  deadline: number;
  signal?: AbortSignal;
  log: Logger;
  /** Saves a value for the post step (core.saveState). */
  persist: (key: string, value: string) => void;
  random?: () => number;
}

/** How many times a trigger or create is sent at most when its answers are lost or refused for load. */
export const WRITE_ATTEMPTS = 4;
/** How long to watch for the execution of an ambiguous trigger before sending it again. */
export const AMBIGUOUS_WATCH_MS = 5_000;
/** Without `wait`, how long to look for the new execution's id after a trigger. */
export const NO_WAIT_LOOKUP_MS = 10_000;

export async function runOperation(ctx: OperationContext, state: RunState): Promise<Outcome> {
  switch (ctx.settings.operation) {
    case 'full-refresh':
      return trigger(ctx, state, 'full-refresh');
    case 'incremental':
      return trigger(ctx, state, 'incremental');
    case 'cancel-full-refresh':
      return cancel(ctx, state, 'full-refresh');
    case 'cancel-incremental':
      return cancel(ctx, state, 'incremental');
    case 'status':
      return status(ctx, state);
    case 'create':
      return create(ctx, state);
  }
}

function tracker(ctx: OperationContext, cacheId: string, deadline = ctx.deadline): ExecutionTracker {
  return new ExecutionTracker({
    client: ctx.client,
    cacheId,
    deadline,
    pollIntervalMs: ctx.settings.pollIntervalMs,
    signal: ctx.signal,
    log: (line) => ctx.log.info(line),
    random: ctx.random
  });
}

function absorb(state: RunState, status: CacheStatus): void {
  state.cacheStatus = status.status;
  if (status.schemaName || status.tableName) state.table = [status.schemaName, status.tableName].filter(Boolean).join('.');
}

async function trigger(ctx: OperationContext, state: RunState, kind: ExecutionKind): Promise<Outcome> {
  const cacheId = ctx.settings.cacheId!;
  const watch = tracker(ctx, cacheId);
  const before = await ctx.client.getStatus(cacheId, ctx.deadline);
  absorb(state, before);
  const previous = before.executions[kind];
  state.kind = kind;
  state.previousId = previous?.id;
  ctx.persist('cache-id', cacheId);
  ctx.persist('kind', kind);
  ctx.persist('previous-id', previous?.id ?? '');

  const label = KIND_LABEL[kind];
  state.startedByStep = true;
  ctx.persist('phase', 'started');
  const sent = await sendOnce<TrackResult>({
    send: async () => {
      await ctx.client.trigger(kind, cacheId, ctx.deadline);
      return undefined;
    },
    findEffect: async () => {
      const look = await watch.awaitNew([kind], { [kind]: previous?.id }, AMBIGUOUS_WATCH_MS);
      return look.execution ? look : undefined;
    },
    attempts: WRITE_ATTEMPTS,
    deadline: ctx.deadline,
    signal: ctx.signal,
    warn: (line) => ctx.log.warning(line)
  }).catch((err: unknown) => {
    if (err instanceof PeakaApiError && !err.ambiguous) state.startedByStep = false;
    throw err;
  });
  let found = sent.effect;
  if (found) ctx.log.info(`The ${label} ${found.execution!.id} did start; following it instead of triggering again.`);
  ctx.log.info(`Triggered a ${label} of cache ${cacheId}${state.table ? ` (${state.table})` : ''}.`);

  if (!ctx.settings.wait) {
    const lookup = tracker(ctx, cacheId, Math.min(ctx.deadline, Date.now() + NO_WAIT_LOOKUP_MS));
    found ??= await lookup.awaitNew([kind], { [kind]: previous?.id }, NO_WAIT_LOOKUP_MS);
    if (found.execution) {
      record(ctx, state, found);
      return { conclusion: 'success', message: `Started ${label} ${found.execution.id} of cache ${cacheId}; not waiting for it (wait: false).` };
    }
    return { conclusion: 'success', message: `Triggered a ${label} of cache ${cacheId}; not waiting for it (wait: false).` };
  }

  return ctx.log.group(`Waiting for the ${label} of cache ${cacheId}`, async () => {
    found ??= await watch.awaitNew([kind], { [kind]: previous?.id });
    record(ctx, state, found);
    if (!found.execution) return noExecution(ctx, state, label, found.timedOut);
    const result = await watch.follow(found.execution, historyFrom(previous));
    record(ctx, state, result);
    return conclude(ctx, state, result);
  });
}

function record(ctx: OperationContext, state: RunState, result: TrackResult): void {
  absorb(state, result.status);
  if (result.execution) {
    if (state.execution?.id !== result.execution.id) ctx.persist('execution-id', result.execution.id);
    state.execution = result.execution;
  }
  state.timedOut = result.timedOut;
}

function noExecution(ctx: OperationContext, state: RunState, label: string, timedOut: boolean): Outcome {
  state.timedOut = timedOut;
  const message = timedOut
    ? `Timed out after ${formatDuration(ctx.settings.timeoutMs)} before the ${label} appeared in the cache's status (it may be queued). Raise timeout to wait longer.`
    : `Peaka accepted the ${label} trigger but no new execution appeared in the cache's status within ${formatDuration(
        60_000
      )}. Check the cache in Peaka; the trigger may have been dropped. Re-run the job to trigger again.`;
  return { conclusion: ctx.settings.failOnError ? 'failure' : 'warning', message };
}

/** Turns the end of a followed execution into the step's outcome, cancelling on timeout if asked. */
async function conclude(ctx: OperationContext, state: RunState, result: TrackResult, cancelling = false): Promise<Outcome> {
  const execution = result.execution!;
  const label = `${KIND_LABEL[execution.kind]} ${execution.id}`;
  const failLevel = ctx.settings.failOnError ? 'failure' : 'warning';
  if (result.timedOut) {
    let cancelNote = '';
    if (ctx.settings.cancelOnTimeout && state.startedByStep && !cancelling) {
      const sent = await ctx.client.cancel(execution.kind, state.cacheId!, Date.now() + 10_000).catch((err: Error) => {
        cancelNote = ` Cancelling it failed: ${err.message}`;
        return undefined;
      });
      if (sent !== undefined) cancelNote = sent ? ' It was cancelled (cancel-on-timeout).' : ' It ended before the cancel arrived.';
    } else if (state.startedByStep) {
      cancelNote = ' It keeps running in Peaka; set cancel-on-timeout: true to cancel it instead.';
    }
    return {
      conclusion: failLevel,
      message: `Timed out after ${formatDuration(ctx.settings.timeoutMs)} waiting for the ${label} (last seen ${execution.status}).${cancelNote} Raise timeout to wait longer.`
    };
  }
  const done = describeExecution(execution);
  if (cancelling) {
    return execution.status === 'CANCELLED' || execution.status === 'CANCELED'
      ? { conclusion: 'success', message: `Cancelled. ${done}` }
      : { conclusion: 'warning', message: `The cancel did not take effect: ${done}` };
  }
  if (execution.status === 'COMPLETED') return { conclusion: 'success', message: done };
  if (execution.status === 'FAILED')
    return { conclusion: failLevel, message: `${done}${execution.error ? '' : ' (Peaka gave no error message)'}. Check the source table and the cache in Peaka, then re-run.` };
  if (execution.status === 'CANCELLED' || execution.status === 'CANCELED')
    return { conclusion: failLevel, message: `${done}: it was cancelled outside this step.` };
  return { conclusion: failLevel, message: execution.error ?? `${done}: ended with an unexpected status.` };
}

async function cancel(ctx: OperationContext, state: RunState, kind: ExecutionKind): Promise<Outcome> {
  const cacheId = ctx.settings.cacheId!;
  const label = KIND_LABEL[kind];
  state.kind = kind;
  const before = await ctx.client.getStatus(cacheId, ctx.deadline);
  absorb(state, before);
  const running = before.executions[kind];
  state.execution = running;
  if (!running || running.status !== 'RUNNING') {
    const message = `No ${label} is running on cache ${cacheId}; nothing to cancel.${running ? ` The last one, ${running.id}, is ${running.status}.` : ''}`;
    ctx.log.notice(message);
    return { conclusion: 'success', message };
  }
  const sent = await ctx.client.cancel(kind, cacheId, ctx.deadline);
  if (!sent) {
    const message = `The ${label} ${running.id} ended before the cancel arrived; nothing to cancel.`;
    ctx.log.notice(message);
    const after = await ctx.client.getStatus(cacheId, ctx.deadline);
    record(ctx, state, { status: after, execution: after.executions[kind] ?? running, timedOut: false });
    return { conclusion: 'success', message };
  }
  ctx.log.info(`Sent the cancel for the ${label} ${running.id}.`);
  if (!ctx.settings.wait) return { conclusion: 'success', message: `Cancel sent for the ${label} ${running.id}; not waiting for it to end (wait: false).` };
  return ctx.log.group(`Waiting for the ${label} ${running.id} to stop`, async () => {
    const result = await tracker(ctx, cacheId).follow(running);
    record(ctx, state, result);
    return conclude(ctx, state, result, true);
  });
}

async function status(ctx: OperationContext, state: RunState): Promise<Outcome> {
  const cacheId = ctx.settings.cacheId!;
  const current = await ctx.client.getStatus(cacheId, ctx.deadline);
  absorb(state, current);
  const latest = latestExecution(current);
  state.execution = latest;
  state.kind = latest?.kind;
  const name = state.table ? `${state.table} (${cacheId})` : cacheId;
  const message = latest
    ? `Cache ${name} is ${current.status ?? 'UNKNOWN'}. Latest: ${describeExecution(latest)}`
    : `Cache ${name} is ${current.status ?? 'UNKNOWN'}; it has no executions yet.`;
  return { conclusion: 'success', message };
}

/** The most recent execution of either kind, by creation time. */
export function latestExecution(status: CacheStatus): Execution | undefined {
  const all = EXECUTION_KINDS.map((k) => status.executions[k]).filter((e): e is Execution => e !== undefined);
  return all.sort((a, b) => (Date.parse(b.createdAt ?? '') || 0) - (Date.parse(a.createdAt ?? '') || 0))[0];
}

async function create(ctx: OperationContext, state: RunState): Promise<Outcome> {
  const request = ctx.settings.create!;
  state.table = `${request.schemaName}.${request.tableName}`;
  const sameTable = (c: CacheStatus) => c.catalogId === request.catalogId && c.schemaName === request.schemaName && c.tableName === request.tableName;
  const { effect: created, adopted } = await sendOnce<{ id: string }>({
    send: () => ctx.client.createCache(request, ctx.deadline),
    findEffect: async () => (await ctx.client.listStatuses(ctx.deadline)).find(sameTable),
    attempts: WRITE_ATTEMPTS,
    deadline: ctx.deadline,
    signal: ctx.signal,
    warn: (line) => ctx.log.warning(line),
    conflictMeansDone: [409]
  });
  if (!created) throw new Error('create returned no cache');
  if (adopted) ctx.log.info(`The cache was created by the earlier attempt: ${created.id}.`);
  state.cacheId = created.id;
  state.startedByStep = true;
  ctx.persist('cache-id', created.id);
  ctx.persist('previous-id', '');
  ctx.persist('phase', 'started');
  ctx.log.info(`Created cache ${created.id} for ${state.table}.`);
  if (!ctx.settings.wait) return { conclusion: 'success', message: `Created cache ${created.id} for ${state.table}; not waiting for its first sync (wait: false).` };

  return ctx.log.group(`Waiting for the first sync of cache ${created.id}`, async () => {
    const watch = tracker(ctx, created.id);
    const first = await watch.awaitNew(EXECUTION_KINDS, {});
    record(ctx, state, first);
    if (!first.execution) {
      return first.timedOut
        ? { conclusion: ctx.settings.failOnError ? 'failure' : 'warning', message: `Created cache ${created.id}, but timed out before its first sync appeared. Raise timeout to wait longer.` }
        : { conclusion: 'warning', message: `Created cache ${created.id}, but Peaka started no sync within ${formatDuration(60_000)}. Trigger one with operation: full-refresh.` };
    }
    state.kind = first.execution.kind;
    ctx.persist('kind', first.execution.kind);
    const result = await watch.follow(first.execution);
    record(ctx, state, result);
    const outcome = await conclude(ctx, state, result);
    return outcome.conclusion === 'success' ? { ...outcome, message: `Created cache ${created.id} for ${state.table}. ${outcome.message}` } : outcome;
  });
}

