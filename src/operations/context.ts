/**
 * What the operations share: their context (inputs, client, budget, ledger page), what is known of
 * a cache as an operation goes (returned with its outcome, or carried by its error), the tracker
 * they poll with, and how the end of an execution becomes the outcome.
 */
import { formatDuration } from '../duration.js';
import { KIND_LABEL, describeExecution, utc } from '../format.js';
import type { Inputs, Operation } from '../inputs.js';
import type { Logger } from '../safe-text.js';
import type { LedgerPage } from '../ledger.js';
import {
  isActive,
  isCancelled,
  type CacheStatus,
  type Execution,
  type ExecutionKind,
  type HistoryExecution,
  type PeakaClient
} from '../peaka/client.js';
import { ActionError } from '../errors.js';
import { realClock } from '../clock.js';
import { PeakaApiError } from '../peaka/errors.js';
import { cancelOnce } from '../peaka/send-once.js';
import type { Stall } from '../stall-watch.js';
import { DirectStatusSource, type StatusSource } from '../status-source.js';
import { mayCancel } from '../cancel-guard.js';
import type { History } from '../poll-schedule.js';
import { ExecutionTracker, recordsOf, type Claim, type TrackResult } from '../tracker.js';
import type { Freshness } from './freshness.js';
import type { VolumeVerdict } from './volume.js';

export type Conclusion = 'success' | 'warning' | 'failure';

export interface Outcome {
  conclusion: Conclusion;
  /** One line for the log, the annotation and the summary. */
  message: string;
}

/** What is known of one cache: the outputs and the summary say all of it, even when the operation failed half-way. */
export interface Known {
  operation: Operation;
  cacheId?: string;
  /** schema.table, when known. */
  table?: string;
  cacheStatus?: string;
  /** The last status read of the cache. */
  lastStatus?: CacheStatus;
  execution?: Execution;
  /** The kind of execution the operation started or acts on. */
  kind?: ExecutionKind;
  timedOut: boolean;
  /** The execution followed stopped changing for stall-timeout, and the step stopped waiting for it. */
  stalled: boolean;
  /** For `history`: the executions read, most recent first. */
  history?: HistoryExecution[];
  /** With max-age: how old the cache's last success is. */
  freshness?: Freshness;
  /** With max-age on a trigger: the cache was fresh, so nothing was triggered. */
  skipped?: boolean;
  /**
   * After a trigger: other new executions of the kind that appeared in the same window as the one
   * followed. A trigger carries no id, so which one is the step's cannot be told.
   */
  rivals?: Execution[];
  /** Before a trigger: the execution of its kind the status showed (the volume gate's previous run when it completed). */
  previous?: Execution;
  /** With min-records / max-drop: what the volume gate found (volume.ts). */
  volume?: VolumeVerdict;
}

/** How one cache's operation ended, with what is known of the cache. */
export interface CacheResult extends Known {
  outcome: Outcome;
}

export function knownOf(operation: Operation, cacheId?: string): Known {
  return { operation, cacheId, timedOut: false, stalled: false };
}

/** An operation that failed, with what it had learned of its cache by then. */
export class OperationError extends Error {
  constructor(
    readonly cause: unknown,
    readonly known: Known
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'OperationError';
  }
}

/** Runs an operation's work; a failure leaves with what `known` holds by then. */
export async function withKnown(known: Known, work: () => Promise<Outcome>): Promise<CacheResult> {
  try {
    const outcome = await work();
    return { ...known, outcome };
  } catch (err) {
    throw err instanceof OperationError ? err : new OperationError(err, known);
  }
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
export function endReserveMs(inputs: Pick<Inputs, 'requestTimeoutMs' | 'timeoutMs'>): number {
  return Math.min(inputs.requestTimeoutMs, END_RESERVE_MAX_MS, inputs.timeoutMs / 4);
}

export function stepBudget(
  inputs: Pick<Inputs, 'requestTimeoutMs' | 'timeoutMs' | 'cancelOnTimeout'>,
  start = realClock.now()
): StepBudget {
  const reserve = endReserveMs(inputs);
  const end = start + inputs.timeoutMs;
  const finalReadBy = inputs.cancelOnTimeout ? end - reserve : end;
  return { deadline: finalReadBy - reserve, finalReadBy, end };
}

/** What a step's operations share: main.ts makes it once; batch.ts adds each cache's page (OperationContext). */
export interface StepContext<I extends Inputs = Inputs> {
  inputs: I;
  client: PeakaClient;
  /** Epoch ms at which waiting stops (budget.deadline, or earlier for a phase). */
  deadline: number;
  /** The whole step's budget: the last read and the cancel on timeout fit in it. */
  budget: StepBudget;
  signal?: AbortSignal;
  log: Logger;
  random?: () => number;
  /**
   * How long a new execution may take to appear once nothing runs ahead of it (default
   * APPEARANCE_GRACE_MS): after a trigger, and after an ambiguous trigger before it is sent again.
   */
  appearanceGraceMs?: number;
}

/** One cache's share of the step: its page of the ledger, and the status reads it shares with the others. */
export interface OperationContext<I extends Inputs = Inputs> extends StepContext<I> {
  /** This cache's page of the ledger: what the operation sends that may have an effect is written there. */
  page: LedgerPage;
  /** With many caches: the shared source whose one list read per tick serves every cache's tracker. */
  statuses?: StatusSource;
}

/** What every write of an operation is sent with (send-once.ts): the deadline, the run's cancel, the clock, and where its warnings go. */
export const writeOptions = (ctx: StepContext) => ({
  deadline: ctx.deadline,
  signal: ctx.signal,
  clock: ctx.client.clock,
  warn: (line: string) => ctx.log.warning(line)
});

/**
 * Time ran out before what the step started (a trigger's execution, a new cache's first sync) appeared:
 * with cancel-on-timeout the ledger leaves it to the post step. Returns the sentence that says what becomes of it.
 */
export function leaveUnseen(ctx: OperationContext): string {
  if (!ctx.inputs.cancelOnTimeout) return ' If it starts, it runs unwatched; set cancel-on-timeout: true to have it cancelled.';
  ctx.page.leaveForPost();
  return ' It could not be cancelled before it appeared: the post step will look for it and cancel it (cancel-on-timeout).';
}

/** Without `wait`, how long to look for the new execution's id after a trigger. */
export const NO_WAIT_LOOKUP_MS = 10_000;

/** A tracker for one phase (stopping a run, finding the new one, following it): each starts its poll schedule afresh. */
export function tracker(ctx: OperationContext, cacheId: string, deadline = ctx.deadline): ExecutionTracker {
  const finalReadMs = ctx.budget.finalReadBy - ctx.budget.deadline;
  return new ExecutionTracker({
    client: ctx.client,
    cacheId,
    source: ctx.statuses ?? new DirectStatusSource(ctx.client, ctx.client.clock),
    deadline,
    finalReadBy: Math.min(deadline + finalReadMs, ctx.budget.finalReadBy),
    pollIntervalMs: ctx.inputs.pollIntervalMs,
    stallTimeoutMs: ctx.inputs.stallTimeoutMs,
    signal: ctx.signal,
    log: (line) => ctx.log.info(line),
    debug: (line) => ctx.log.debug?.(line),
    random: ctx.random
  });
}

/** The cache's status now: through the shared list read when the step follows many caches. */
export async function readStatus(ctx: OperationContext, cacheId: string): Promise<CacheStatus> {
  if (!ctx.statuses) return ctx.client.getStatus(cacheId, ctx.deadline);
  return (await ctx.statuses.read(cacheId, ctx.statuses.clock.now(), ctx.deadline, ctx.signal)).status;
}

/** Takes the cache's top-level status and table name from a status read. */
export function absorb(known: Known, status: CacheStatus): void {
  known.lastStatus = status;
  known.cacheStatus = status.status;
  if (status.schemaName || status.tableName) known.table = [status.schemaName, status.tableName].filter(Boolean).join('.');
}

/** Records what a wait found: the status, the execution, whether it timed out or stalled. */
export function record(known: Known, result: TrackResult): void {
  absorb(known, result.status);
  if (result.execution) known.execution = result.execution;
  known.timedOut = result.timedOut;
  known.stalled = result.stalled !== undefined;
  if (result.rivals?.length)
    known.rivals = [...(known.rivals ?? []), ...result.rivals.filter((r) => !known.rivals?.some((k) => k.id === r.id))];
}

/** The failure conclusion, or a warning with fail-on-error: false. */
export const failLevel = (inputs: Pick<Inputs, 'failOnError'>): Conclusion => (inputs.failOnError ? 'failure' : 'warning');

/** The status output of an execution the step sent a cancel for on timeout or a stall, when no read within the budget confirmed it. */
export const CANCEL_UNCONFIRMED = 'CANCELLING';

export interface FollowOptions {
  /** The tracker to follow with (one made earlier in the phase); default: a new one. */
  watch?: ExecutionTracker;
  /** The previous completed run, to predict the end from. */
  history?: History;
  /** After a trigger: the trigger the execution was taken for; a newer one it may equally have made is a rival (known.rivals). */
  claim?: Claim;
  /** Told at once when a rival appears (the ledger then takes neither for the step's, should the run be cancelled meanwhile). */
  onRival?: (rival: Execution) => void;
  /** The step asked for the cancel of this execution. */
  expectCancelled?: boolean;
}

/** Follows `execution` to its end (or the deadline, or a stall), records what was seen, and concludes. */
export async function followToEnd(
  ctx: OperationContext,
  known: Known,
  cacheId: string,
  execution: Execution,
  options: FollowOptions = {}
): Promise<Outcome> {
  const result = await (options.watch ?? tracker(ctx, cacheId)).follow(execution, options.history, {
    claim: options.claim,
    onRival: options.onRival
  });
  record(known, result);
  return conclude(ctx, known, cacheId, result.execution ?? execution, result, options.expectCancelled);
}

/**
 * Turns the end of a followed execution into the outcome, cancelling on timeout or stall if asked
 * (only an execution the ledger says this step started, and only when nothing else runs beside it:
 * cancel-guard.ts). `expectCancelled`: the step asked for the cancel.
 */
export async function conclude(
  ctx: OperationContext,
  known: Known,
  cacheId: string,
  execution: Execution,
  result: Pick<TrackResult, 'timedOut' | 'stalled'>,
  expectCancelled = false
): Promise<Outcome> {
  const label = `${KIND_LABEL[execution.kind]} ${execution.id}`;
  const fail = failLevel(ctx.inputs);
  if (result.timedOut) {
    // The time the step really waited: the deadline keeps room for the last read and the cancel within timeout.
    const waitedMs = Math.max(0, ctx.client.clock.now() - (ctx.budget.end - ctx.inputs.timeoutMs));
    const cancelNote = await cancelIfOurs(ctx, known, cacheId, execution, expectCancelled);
    return {
      conclusion: fail,
      message: `Timed out after ${formatDuration(waitedMs)} waiting for the ${label} (last seen ${execution.status}; timeout: ${formatDuration(ctx.inputs.timeoutMs)}).${cancelNote} Raise timeout to wait longer.`
    };
  }
  if (result.stalled) {
    const cancelNote = await cancelIfOurs(ctx, known, cacheId, execution, expectCancelled);
    return { conclusion: fail, message: stalledMessage(ctx, label, execution, result.stalled, cancelNote) };
  }
  const done = describeExecution(execution);
  if (expectCancelled) {
    return isCancelled(execution.status)
      ? { conclusion: 'success', message: `Cancelled. ${done}` }
      : { conclusion: 'warning', message: `The cancel did not take effect: ${done}` };
  }
  if (execution.status === 'COMPLETED') return { conclusion: 'success', message: done };
  if (execution.status === 'FAILED')
    return {
      conclusion: fail,
      message: `${done}${execution.error ? '' : ' (Peaka gave no error message)'}. Check the source table and the cache in Peaka, then re-run.`
    };
  if (isCancelled(execution.status)) return { conclusion: fail, message: `${done}: it was cancelled outside this step.` };
  return { conclusion: fail, message: execution.error ?? `${done}: ended with an unexpected status.` };
}

/**
 * On timeout or stall: cancels the execution if the ledger says this step started it, cancel-on-timeout
 * asks for it, and it is the only one of its kind running; then reads until the cancel shows (within
 * the budget), so that the outputs say CANCELLED, or CANCELLING when no read confirmed it. Says what happened.
 */
async function cancelIfOurs(
  ctx: OperationContext,
  known: Known,
  cacheId: string,
  execution: Execution,
  expectCancelled: boolean
): Promise<string> {
  const ours = !expectCancelled && ctx.page.owns(execution.id);
  if (!ours) return '';
  if (!ctx.inputs.cancelOnTimeout) return ' It keeps running in Peaka; set cancel-on-timeout: true to cancel it instead.';
  const end = ctx.budget.end;
  try {
    const verdict = await mayCancel(ctx.client, cacheId, execution.kind, (e) => e.id === execution.id, end);
    if (!verdict.send) {
      if (verdict.execution) known.execution = verdict.execution;
      if (verdict.execution && !isActive(verdict.execution))
        return ` It had already ended (${verdict.execution.status}), so no cancel was sent.`;
      return ` Not cancelled: ${verdict.why}.`;
    }
    const sent = await cancelOnce(ctx.client, cacheId, verdict.execution, { ...writeOptions(ctx), deadline: end });
    if (sent === 'ended') return ' It ended before the cancel arrived.';
    // Peaka's answer only says the signal went out: a read within the budget confirms it.
    const after = await tracker(ctx, cacheId, end).follow(verdict.execution);
    known.lastStatus = after.status;
    known.cacheStatus = after.status.status ?? known.cacheStatus;
    const seen = after.execution ?? verdict.execution;
    if (isCancelled(seen.status)) {
      known.execution = seen;
      return ' It was cancelled (cancel-on-timeout).';
    }
    if (!isActive(seen)) {
      known.execution = seen;
      return ` The cancel was sent, but it ended ${seen.status} first.`;
    }
    known.execution = { ...seen, status: CANCEL_UNCONFIRMED };
    return ` The cancel was sent (cancel-on-timeout), but it still showed ${seen.status} at the last read, so its end is not confirmed: check it in Peaka.`;
  } catch (err) {
    // Not cancelled: the ledger keeps it for the post step.
    ctx.page.leaveForPost();
    const why = err instanceof PeakaApiError || err instanceof ActionError ? err.message : String(err);
    return ` Cancelling it failed: ${why} The post step will try again.`;
  }
}

function stalledMessage(ctx: OperationContext, label: string, execution: Execution, stall: Stall, cancelNote: string): string {
  const updated = Date.parse(stall.updatedAt ?? '');
  const since = utc(Number.isFinite(updated) ? Math.min(updated, stall.sinceMs) : stall.sinceMs);
  const records = recordsOf(execution);
  const progress = records === undefined ? 'with no progress reported' : `at ${records.toLocaleString('en-US')} records`;
  return (
    `The ${label} looks stalled: it is still ${execution.status} ${progress}, and neither its progress nor its updatedAt has changed since ${since} ` +
    `(this step saw no change for ${formatDuration(ctx.client.clock.now() - stall.sinceMs)}; stall-timeout: ${formatDuration(ctx.inputs.stallTimeoutMs)}), so the step stopped waiting.${cancelNote} ` +
    `Peaka may never have picked it up: check the cache's executions in Peaka and the connection of its catalog, cancel the execution there if it is stuck, and re-run. ` +
    `Raise stall-timeout if this execution is only slow to report progress (0 turns the check off).`
  );
}
