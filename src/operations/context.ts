/**
 * What the operations share: their context, the tracker they poll with, how a status read is
 * recorded in the run state, and how the end of an execution becomes the step's outcome.
 */
import { cancelTookEffect } from '../cleanup.js';
import { formatDuration } from '../duration.js';
import { ExecutionTracker, describeExecution, recordsOf, type TrackResult } from '../tracker.js';
import { KIND_LABEL, type CacheStatus, type Execution, type PeakaClient } from '../peaka/client.js';
import type { Outcome, RunState } from '../run-state.js';
import type { Settings } from '../inputs.js';
import type { Stall } from '../stall-watch.js';
import type { StatusSource } from '../status-source.js';

export interface Logger {
  info(line: string): void;
  notice(line: string): void;
  warning(line: string): void;
  group<T>(title: string, work: () => Promise<T>): Promise<T>;
}

/**
 * How the `timeout` input is spent: it is the whole step's budget. Waiting stops at `deadline`,
 * early enough that one last status read (until `finalReadBy`) and, with cancel-on-timeout, the
 * cancel (until `end`) still fit in it. Each of the two gets END_RESERVE of the budget.
 */
export interface StepBudget {
  /** Epoch ms at which waiting stops. */
  deadline: number;
  /** Epoch ms by which the last status read at the deadline is over. */
  finalReadBy: number;
  /** Epoch ms at which the step's budget is spent: the cancel on timeout is over by then. */
  end: number;
}

/** How long the last status read, and the cancel on timeout, may each take at most. */
export const END_RESERVE_MAX_MS = 10_000;

/** Each end-of-wait request gets request-timeout, at most 10 s, and never more than a quarter of timeout. */
export function endReserveMs(settings: Pick<Settings, 'requestTimeoutMs' | 'timeoutMs'>): number {
  return Math.min(settings.requestTimeoutMs, END_RESERVE_MAX_MS, settings.timeoutMs / 4);
}

export function stepBudget(settings: Pick<Settings, 'requestTimeoutMs' | 'timeoutMs' | 'cancelOnTimeout'>, start = Date.now()): StepBudget {
  const reserve = endReserveMs(settings);
  const end = start + settings.timeoutMs;
  const finalReadBy = settings.cancelOnTimeout ? end - reserve : end;
  return { deadline: finalReadBy - reserve, finalReadBy, end };
}

export interface OperationContext {
  /** The settings, with `cacheId` set to the cache this operation acts on. */
  settings: Settings;
  client: PeakaClient;
  /** Epoch ms at which waiting stops (see StepBudget). */
  deadline: number;
  /** The rest of the step's budget; without it, the last read and the cancel get 10 s each past `deadline`. */
  budget?: StepBudget;
  signal?: AbortSignal;
  log: Logger;
  /** Saves what the post step needs to clean up, after the run state changed (core.saveState). */
  checkpoint: () => void;
  random?: () => number;
  /**
   * How long a new execution may take to appear once nothing runs ahead of it (default
   * APPEARANCE_GRACE_MS): after a trigger, and after an ambiguous trigger before it is sent again.
   */
  appearanceGraceMs?: number;
  /** With many caches: the shared source whose one list read per tick serves every cache's tracker. */
  statuses?: StatusSource;
}

/** How many times a trigger or create is sent at most when its answers are lost or refused for load. */
export const WRITE_ATTEMPTS = 4;
/** Without `wait`, how long to look for the new execution's id after a trigger. */
export const NO_WAIT_LOOKUP_MS = 10_000;

export function tracker(ctx: OperationContext, cacheId: string, deadline = ctx.deadline): ExecutionTracker {
  const finalReadMs = ctx.budget ? ctx.budget.finalReadBy - ctx.budget.deadline : END_RESERVE_MAX_MS;
  return new ExecutionTracker({
    client: ctx.client,
    cacheId,
    source: ctx.statuses,
    deadline,
    finalReadBy: Math.min(deadline + finalReadMs, ctx.budget?.finalReadBy ?? Infinity),
    pollIntervalMs: ctx.settings.pollIntervalMs,
    stallTimeoutMs: ctx.settings.stallTimeoutMs,
    signal: ctx.signal,
    log: (line) => ctx.log.info(line),
    random: ctx.random
  });
}

/** The cache's status now: through the shared list read when the step follows many caches. */
export async function readStatus(ctx: OperationContext, cacheId: string): Promise<CacheStatus> {
  if (!ctx.statuses) return ctx.client.getStatus(cacheId, ctx.deadline);
  return (await ctx.statuses.read(cacheId, ctx.statuses.clock.now(), ctx.deadline, ctx.signal)).status;
}

/** Takes the cache's top-level status and table name from a status read. */
export function absorb(state: RunState, status: CacheStatus): void {
  state.lastStatus = status;
  state.cacheStatus = status.status;
  if (status.schemaName || status.tableName) state.table = [status.schemaName, status.tableName].filter(Boolean).join('.');
}

/** Records what a wait found: the status, the execution, whether it timed out. */
export function record(ctx: OperationContext, state: RunState, result: TrackResult): void {
  absorb(state, result.status);
  if (result.execution) {
    const isNew = state.execution?.id !== result.execution.id;
    state.execution = result.execution;
    if (isNew) ctx.checkpoint();
  }
  state.timedOut = result.timedOut;
  state.stalled = result.stalled !== undefined;
}

const isCancelled = (status: string) => status === 'CANCELLED' || status === 'CANCELED';

/**
 * Turns the end of a followed execution into the step's outcome, cancelling on timeout if asked
 * (only an execution this step started). `expectCancelled`: the step asked for the cancel.
 */
export async function conclude(ctx: OperationContext, state: RunState, result: TrackResult, expectCancelled = false): Promise<Outcome> {
  const execution = result.execution!;
  const label = `${KIND_LABEL[execution.kind]} ${execution.id}`;
  const failLevel = ctx.settings.failOnError ? 'failure' : 'warning';
  if (result.timedOut) {
    const cancelNote = await cancelIfOurs(ctx, state, execution, expectCancelled);
    return {
      conclusion: failLevel,
      message: `Timed out after ${formatDuration(ctx.settings.timeoutMs)} waiting for the ${label} (last seen ${execution.status}).${cancelNote} Raise timeout to wait longer.`
    };
  }
  if (result.stalled) {
    const cancelNote = await cancelIfOurs(ctx, state, execution, expectCancelled);
    return { conclusion: failLevel, message: stalledMessage(ctx, label, execution, result.stalled, cancelNote) };
  }
  const done = describeExecution(execution);
  if (expectCancelled) {
    return isCancelled(execution.status)
      ? { conclusion: 'success', message: `Cancelled. ${done}` }
      : { conclusion: 'warning', message: `The cancel did not take effect: ${done}` };
  }
  if (execution.status === 'COMPLETED') return { conclusion: 'success', message: done };
  if (execution.status === 'FAILED')
    return { conclusion: failLevel, message: `${done}${execution.error ? '' : ' (Peaka gave no error message)'}. Check the source table and the cache in Peaka, then re-run.` };
  if (isCancelled(execution.status)) return { conclusion: failLevel, message: `${done}: it was cancelled outside this step.` };
  return { conclusion: failLevel, message: execution.error ?? `${done}: ended with an unexpected status.` };
}

/** On timeout or stall: cancels the execution if this step started it and cancel-on-timeout asks for it; says what happened. */
async function cancelIfOurs(ctx: OperationContext, state: RunState, execution: Execution, expectCancelled: boolean): Promise<string> {
  if (ctx.settings.cancelOnTimeout && state.startedByStep && !expectCancelled) {
    let note = '';
    const end = ctx.budget?.end ?? Date.now() + END_RESERVE_MAX_MS;
    const sent = await ctx.client
      .cancel(execution.kind, state.cacheId!, end)
      // A 404 to a retry after a lost answer: a read tells whether the first attempt cancelled it.
      .then((answer) => (answer === 'unknown' ? cancelTookEffect(ctx.client, state.cacheId!, execution, end) : answer))
      .catch((err: Error) => {
        note = ` Cancelling it failed: ${err.message}`;
        return undefined;
      });
    if (sent !== undefined) note = sent ? ' It was cancelled (cancel-on-timeout).' : ' It ended before the cancel arrived.';
    return note;
  }
  return state.startedByStep ? ' It keeps running in Peaka; set cancel-on-timeout: true to cancel it instead.' : '';
}

const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

function stalledMessage(ctx: OperationContext, label: string, execution: Execution, stall: Stall, cancelNote: string): string {
  const updated = Date.parse(stall.updatedAt ?? '');
  const since = utc(Number.isFinite(updated) ? Math.min(updated, stall.sinceMs) : stall.sinceMs);
  const records = recordsOf(execution);
  const progress = records === undefined ? 'with no progress reported' : `at ${records.toLocaleString('en-US')} records`;
  return (
    `The ${label} looks stalled: it is still ${execution.status} ${progress}, and neither its progress nor its updatedAt has changed since ${since} ` +
    `(this step saw no change for ${formatDuration(Date.now() - stall.sinceMs)}; stall-timeout: ${formatDuration(ctx.settings.stallTimeoutMs)}), so the step stopped waiting.${cancelNote} ` +
    `Peaka may never have picked it up: check the cache's executions in Peaka and the connection of its catalog, cancel the execution there if it is stuck, and re-run. ` +
    `Raise stall-timeout if this execution is only slow to report progress (0 turns the check off).`
  );
}
