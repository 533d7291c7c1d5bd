/**
 * cancel-full-refresh and cancel-incremental: cancel the running execution of that kind, and with
 * `wait` follow it until it has stopped.
 */
import { KIND_LABEL } from '../format.js';
import type { CancelInputs } from '../inputs.js';
import { isActive, isQueued, type Execution, type ExecutionKind } from '../peaka/client.js';
import { cancelOnce } from '../peaka/send-once.js';
import { HISTORY_PAGE } from '../tracker.js';
import {
  absorb,
  followToEnd,
  knownOf,
  readStatus,
  record,
  withKnown,
  writeOptions,
  type CacheResult,
  type Known,
  type OperationContext
} from './context.js';

export async function cancel(ctx: OperationContext<CancelInputs>, cacheId: string): Promise<CacheResult> {
  const kind: ExecutionKind = ctx.inputs.operation === 'cancel-full-refresh' ? 'full-refresh' : 'incremental';
  const label = KIND_LABEL[kind];
  const known: Known = { ...knownOf(ctx.inputs.operation, cacheId), kind };
  return withKnown(known, async () => {
    const before = await readStatus(ctx, cacheId);
    absorb(known, before);
    const running = await whatRuns(ctx, cacheId, before.executions[kind]);
    known.execution = running;
    if (!running || !isActive(running)) {
      const message = `No ${label} is running on cache ${cacheId}; nothing to cancel.${running ? ` The last one, ${running.id}, is ${running.status}.` : ''}`;
      ctx.log.notice(message);
      return { conclusion: 'success', message };
    }
    const sent = await cancelOnce(ctx.client, cacheId, running, writeOptions(ctx));
    if (sent === 'ended') {
      const message = `The ${label} ${running.id} ended before the cancel arrived; nothing to cancel.`;
      ctx.log.notice(message);
      const after = await readStatus(ctx, cacheId);
      record(known, { status: after, execution: after.executions[kind] ?? running, timedOut: false });
      return { conclusion: 'success', message };
    }
    ctx.log.info(`Sent the cancel for the ${label} ${running.id}.`);
    if (!ctx.inputs.wait)
      return { conclusion: 'success', message: `Cancel sent for the ${label} ${running.id}; not waiting for it to end (wait: false).` };
    return ctx.log.group(`Waiting for the ${label} ${running.id} to stop`, () =>
      followToEnd(ctx, known, cacheId, running, { expectCancelled: true })
    );
  });
}

/**
 * What the cancel will stop: the slot's execution, or, when that one is queued (shown QUEUED behind
 * a running one), the running one, which has left the slot and is found in the history.
 */
async function whatRuns(ctx: OperationContext, cacheId: string, inSlot: Execution | undefined): Promise<Execution | undefined> {
  if (!inSlot || !isQueued(inSlot)) return inSlot;
  const history = await ctx.client.executionHistory(cacheId, HISTORY_PAGE, ctx.deadline);
  const running = history.find((e) => (e.kind ?? inSlot.kind) === inSlot.kind && isActive(e) && !isQueued(e));
  return running ? { ...running, kind: inSlot.kind } : inSlot;
}
