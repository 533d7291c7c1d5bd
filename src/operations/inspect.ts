/**
 * Operations that only read: status and wait (with max-age, a freshness gate), and history.
 */
import { formatDuration } from '../duration.js';
import { KIND_LABEL, describeExecution, executionDurationMs } from '../format.js';
import type { HistoryInputs, InspectInputs } from '../inputs.js';
import { EXECUTION_KINDS, isActive, type CacheStatus, type Execution, type ExecutionKind } from '../peaka/client.js';
import { HISTORY_PAGE } from '../tracker.js';
import {
  absorb,
  conclude,
  failLevel,
  followToEnd,
  knownOf,
  readStatus,
  record,
  tracker,
  withKnown,
  type CacheResult,
  type Known,
  type OperationContext,
  type Outcome
} from './context.js';
import { describeFreshness, judge, lastSuccess } from './freshness.js';

/** The most recent execution of the given kinds, by creation time. */
export function latestExecution(
  status: CacheStatus,
  kinds: readonly ExecutionKind[] = EXECUTION_KINDS,
  filter = (_: Execution) => true
): Execution | undefined {
  const all = kinds.map((k) => status.executions[k]).filter((e): e is Execution => e !== undefined && filter(e));
  return all.sort((a, b) => (Date.parse(b.createdAt ?? '') || 0) - (Date.parse(a.createdAt ?? '') || 0))[0];
}

const nameOf = (known: Known, cacheId: string) => (known.table ? `${known.table} (${cacheId})` : cacheId);

/** status or wait, then the freshness gate when max-age is set. */
export async function inspect(ctx: OperationContext<InspectInputs>, cacheId: string): Promise<CacheResult> {
  const known = knownOf(ctx.inputs.operation, cacheId);
  return withKnown(known, async () => {
    const outcome = ctx.inputs.operation === 'status' ? await status(ctx, known, cacheId) : await waitFor(ctx, known, cacheId);
    return gateOnFreshness(ctx, known, cacheId, outcome);
  });
}

async function status(ctx: OperationContext<InspectInputs>, known: Known, cacheId: string): Promise<Outcome> {
  const current = await readStatus(ctx, cacheId);
  absorb(known, current);
  const latest = latestExecution(current);
  known.execution = latest;
  known.kind = latest?.kind;
  const message = latest
    ? `Cache ${nameOf(known, cacheId)} is ${current.status ?? 'UNKNOWN'}. Latest: ${describeExecution(latest)}`
    : `Cache ${nameOf(known, cacheId)} is ${current.status ?? 'UNKNOWN'}; it has no executions yet.`;
  return { conclusion: 'success', message };
}

/** Follows the running execution (of `execution-type`, or either kind) to its end; with none running, judges the last one. */
async function waitFor(ctx: OperationContext<InspectInputs>, known: Known, cacheId: string): Promise<Outcome> {
  const type = ctx.inputs.executionType;
  const kinds = type ? [type] : EXECUTION_KINDS;
  if (ctx.inputs.executionId) return waitForOne(ctx, known, cacheId, kinds, ctx.inputs.executionId);
  const current = await readStatus(ctx, cacheId);
  absorb(known, current);
  const running = latestExecution(current, kinds, isActive);
  if (!running) {
    const last = latestExecution(current, kinds);
    known.execution = last;
    known.kind = last?.kind;
    if (!last) {
      // A gate has nothing to pass on: no execution (of that type) has ever run.
      const what = type ? `no ${KIND_LABEL[type]}` : 'no execution';
      return {
        conclusion: failLevel(ctx.inputs),
        message: `Nothing to wait for or judge: cache ${nameOf(known, cacheId)} has had ${what} yet. Trigger one (operation: full-refresh or incremental) before gating on it.`
      };
    }
    const outcome = await conclude(ctx, known, cacheId, last, { timedOut: false });
    return { ...outcome, message: `Nothing running; the last one ended. ${outcome.message}` };
  }
  known.kind = running.kind;
  ctx.log.info(`Waiting for the running ${KIND_LABEL[running.kind]} ${running.id} of cache ${nameOf(known, cacheId)}.`);
  return ctx.log.group(`Waiting for the ${KIND_LABEL[running.kind]} of cache ${cacheId}`, () => followToEnd(ctx, known, cacheId, running));
}

/**
 * wait with execution-id: that execution and no other. Not in the status yet, it may be queued
 * behind a running one (it appears when that ends); already replaced by a newer one, the history
 * still has it.
 */
async function waitForOne(
  ctx: OperationContext<InspectInputs>,
  known: Known,
  cacheId: string,
  kinds: readonly ExecutionKind[],
  id: string
): Promise<Outcome> {
  const current = await readStatus(ctx, cacheId);
  absorb(known, current);
  let execution = kinds.map((k) => current.executions[k]).find((e) => e?.id === id);
  if (!execution) {
    // Out of its slot (another execution took it): the history has it, ended or still running.
    const past = (await ctx.client.executionHistory(cacheId, HISTORY_PAGE, ctx.deadline)).find((e) => e.id === id);
    if (past) execution = { ...past, kind: past.kind ?? kinds[0] };
  }
  if (!execution) {
    ctx.log.info(
      `Execution ${id} is not in the status of cache ${nameOf(known, cacheId)} yet (it may be queued behind a running one); waiting for it to appear.`
    );
    const found = await tracker(ctx, cacheId).awaitExecution(kinds, id, ctx.appearanceGraceMs);
    record(known, found);
    if (!found.execution)
      return {
        conclusion: failLevel(ctx.inputs),
        message: found.timedOut
          ? `Execution ${id} did not appear in the status of cache ${nameOf(known, cacheId)} before the timeout, and is not in its recent history. Check execution-id (the execution-id output of the step that started it)${type(kinds)}, or raise timeout if it is queued behind a long run.`
          : `Execution ${id} is neither in the status of cache ${nameOf(known, cacheId)} nor in its recent history, and did not appear within a minute while nothing ran ahead of it. Check execution-id (the execution-id output of the step that started it, for this cache)${type(kinds)}.`
      };
    execution = found.execution;
  }
  known.kind = execution.kind;
  known.execution = execution;
  if (!isActive(execution)) {
    const outcome = await conclude(ctx, known, cacheId, execution, { timedOut: false });
    return { ...outcome, message: `Execution ${id} has ended. ${outcome.message}` };
  }
  const running = execution;
  ctx.log.info(`Waiting for the ${KIND_LABEL[running.kind]} ${running.id} of cache ${nameOf(known, cacheId)} (execution-id).`);
  return ctx.log.group(`Waiting for the ${KIND_LABEL[running.kind]} of cache ${cacheId}`, () => followToEnd(ctx, known, cacheId, running));
}
const type = (kinds: readonly ExecutionKind[]) => (kinds.length === 1 ? ` and execution-type (${kinds[0]})` : '');

/** max-age on status and wait: a stale cache fails the gate, a fresh one passes with the age said. */
async function gateOnFreshness(ctx: OperationContext<InspectInputs>, known: Known, cacheId: string, outcome: Outcome): Promise<Outcome> {
  const maxAgeMs = ctx.inputs.maxAgeMs;
  if (maxAgeMs === undefined || !known.lastStatus) return outcome;
  const kinds = ctx.inputs.executionType ? [ctx.inputs.executionType] : EXECUTION_KINDS;
  known.freshness = judge(
    maxAgeMs,
    kinds,
    await lastSuccess(ctx.client, cacheId, known.lastStatus, kinds, ctx.deadline),
    ctx.client.clock.now()
  );
  const sentence = describeFreshness(known.freshness);
  if (!known.freshness.fresh) return { conclusion: failLevel(ctx.inputs), message: `${sentence} ${outcome.message}` };
  return { conclusion: outcome.conclusion === 'success' ? 'success' : 'warning', message: `${sentence} ${outcome.message}` };
}

export async function history(ctx: OperationContext<HistoryInputs>, cacheId: string): Promise<CacheResult> {
  const known = knownOf('history', cacheId);
  return withKnown(known, async () => {
    const [current, executions] = await Promise.all([
      readStatus(ctx, cacheId),
      ctx.client.executionHistory(cacheId, ctx.inputs.historyLimit, ctx.deadline)
    ]);
    absorb(known, current);
    known.history = executions;
    const [latest] = executions;
    // The latest execution is the step's own result only when its kind is known.
    if (latest?.kind) known.execution = { ...latest, kind: latest.kind };
    known.kind = latest?.kind;
    const completed = executions.filter((e) => e.status === 'COMPLETED');
    const durations = completed.map((e) => executionDurationMs(e)).filter((d): d is number => d !== undefined);
    const typical = durations.length
      ? ` Completed runs took ${formatDuration(Math.min(...durations))} to ${formatDuration(Math.max(...durations))}.`
      : '';
    return {
      conclusion: 'success',
      message: `Cache ${nameOf(known, cacheId)}: the last ${executions.length} execution${executions.length === 1 ? '' : 's'}, ${completed.length} completed.${typical}`
    };
  });
}
