/**
 * Operations that start nothing: status, wait, history, and the cancels.
 */
import { cancelTookEffect } from '../cleanup.js';
import { describeExecution, executionDurationMs } from '../tracker.js';
import { absorb, conclude, readStatus, record, tracker, type OperationContext } from './context.js';
import { EXECUTION_KINDS, KIND_LABEL, isActive, type CacheStatus, type Execution, type ExecutionKind } from '../peaka/client.js';
import type { Outcome, RunState } from '../run-state.js';
import { formatDuration } from '../duration.js';

/** The most recent execution of the given kinds, by creation time. */
export function latestExecution(status: CacheStatus, kinds: readonly ExecutionKind[] = EXECUTION_KINDS, filter = (_: Execution) => true): Execution | undefined {
  const all = kinds.map((k) => status.executions[k]).filter((e): e is Execution => e !== undefined && filter(e));
  return all.sort((a, b) => (Date.parse(b.createdAt ?? '') || 0) - (Date.parse(a.createdAt ?? '') || 0))[0];
}

const nameOf = (state: RunState) => (state.table ? `${state.table} (${state.cacheId})` : state.cacheId!);

export async function status(ctx: OperationContext, state: RunState): Promise<Outcome> {
  const current = await readStatus(ctx, state.cacheId!);
  absorb(state, current);
  const latest = latestExecution(current);
  state.execution = latest;
  state.kind = latest?.kind;
  const message = latest
    ? `Cache ${nameOf(state)} is ${current.status ?? 'UNKNOWN'}. Latest: ${describeExecution(latest)}`
    : `Cache ${nameOf(state)} is ${current.status ?? 'UNKNOWN'}; it has no executions yet.`;
  return { conclusion: 'success', message };
}

/** Follows the running execution (of `execution-type`, or either kind) to its end; with none running, judges the last one. */
export async function waitFor(ctx: OperationContext, state: RunState): Promise<Outcome> {
  const kinds = ctx.settings.executionType ? [ctx.settings.executionType] : EXECUTION_KINDS;
  const current = await readStatus(ctx, state.cacheId!);
  absorb(state, current);
  const running = latestExecution(current, kinds, isActive);
  if (!running) {
    const last = latestExecution(current, kinds);
    state.execution = last;
    state.kind = last?.kind;
    if (!last) {
      // A gate has nothing to pass on: no execution (of that type) has ever run.
      const what = ctx.settings.executionType ? `no ${KIND_LABEL[ctx.settings.executionType]}` : 'no execution';
      return {
        conclusion: ctx.settings.failOnError ? 'failure' : 'warning',
        message: `Nothing to wait for or judge: cache ${nameOf(state)} has had ${what} yet. Trigger one (operation: full-refresh or incremental) before gating on it.`
      };
    }
    const outcome = await conclude(ctx, state, { status: current, execution: last, timedOut: false });
    return { ...outcome, message: `Nothing running; the last one ended. ${outcome.message}` };
  }
  state.kind = running.kind;
  ctx.log.info(`Waiting for the running ${KIND_LABEL[running.kind]} ${running.id} of cache ${nameOf(state)}.`);
  return ctx.log.group(`Waiting for the ${KIND_LABEL[running.kind]} of cache ${state.cacheId}`, async () => {
    const result = await tracker(ctx, state.cacheId!).follow(running);
    record(ctx, state, result);
    return conclude(ctx, state, result);
  });
}

export async function history(ctx: OperationContext, state: RunState): Promise<Outcome> {
  const [current, executions] = await Promise.all([
    readStatus(ctx, state.cacheId!),
    ctx.client.executionHistory(state.cacheId!, ctx.settings.historyLimit, ctx.deadline)
  ]);
  absorb(state, current);
  state.history = executions;
  const [latest] = executions;
  // The latest execution is the step's own result only when its kind is known.
  if (latest?.kind) state.execution = { ...latest, kind: latest.kind };
  state.kind = latest?.kind;
  const completed = executions.filter((e) => e.status === 'COMPLETED');
  const durations = completed.map(executionDurationMs).filter((d): d is number => d !== undefined);
  const typical = durations.length ? ` Completed runs took ${formatDuration(Math.min(...durations))} to ${formatDuration(Math.max(...durations))}.` : '';
  return {
    conclusion: 'success',
    message: `Cache ${nameOf(state)}: the last ${executions.length} execution${executions.length === 1 ? '' : 's'}, ${completed.length} completed.${typical}`
  };
}

export async function cancel(ctx: OperationContext, state: RunState, kind: ExecutionKind): Promise<Outcome> {
  const cacheId = state.cacheId!;
  const label = KIND_LABEL[kind];
  state.kind = kind;
  const before = await readStatus(ctx, cacheId);
  absorb(state, before);
  const running = before.executions[kind];
  state.execution = running;
  if (!running || !isActive(running)) {
    const message = `No ${label} is running on cache ${cacheId}; nothing to cancel.${running ? ` The last one, ${running.id}, is ${running.status}.` : ''}`;
    ctx.log.notice(message);
    return { conclusion: 'success', message };
  }
  let sent = await ctx.client.cancel(kind, cacheId, ctx.deadline);
  if (sent === 'unknown') {
    // The retry's 404 may be the first attempt's doing: a read tells whether it cancelled the execution.
    ctx.log.info(`The cancel's first answer was lost and its retry found nothing running; reading the status to see what happened.`);
    sent = await cancelTookEffect(ctx.client, cacheId, running, ctx.deadline);
  }
  if (!sent) {
    const message = `The ${label} ${running.id} ended before the cancel arrived; nothing to cancel.`;
    ctx.log.notice(message);
    const after = await readStatus(ctx, cacheId);
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
