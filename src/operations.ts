/**
 * One operation on one cache. Each reads what it needs, sends at most one write (a trigger or a
 * create is never sent twice for one effect), optionally follows the execution, and records what
 * it learns in the run state.
 */
import { cancel, history, status, waitFor } from './operations/inspect.js';
import { gateOnFreshness, refreshedFreshness, skipIfFresh } from './operations/freshness.js';
import { create, deleteCache, updateSchedule } from './operations/lifecycle.js';
import type { OperationContext } from './operations/context.js';
import type { Outcome, RunState } from './run-state.js';
import { trigger } from './operations/trigger.js';
import type { ExecutionKind } from './peaka/client.js';

export async function runOperation(ctx: OperationContext, state: RunState): Promise<Outcome> {
  switch (ctx.settings.operation) {
    case 'full-refresh':
      return triggerUnlessFresh(ctx, state, 'full-refresh');
    case 'incremental':
      return triggerUnlessFresh(ctx, state, 'incremental');
    case 'cancel-full-refresh':
      return cancel(ctx, state, 'full-refresh');
    case 'cancel-incremental':
      return cancel(ctx, state, 'incremental');
    case 'status':
      return gateOnFreshness(ctx, state, await status(ctx, state));
    case 'wait':
      return gateOnFreshness(ctx, state, await waitFor(ctx, state));
    case 'history':
      return history(ctx, state);
    case 'create':
      return create(ctx, state);
    case 'update-schedule':
      return updateSchedule(ctx, state);
    case 'delete':
      return deleteCache(ctx, state);
  }
}

/** max-age on a trigger: a cache whose last success of that kind is fresh is skipped. */
async function triggerUnlessFresh(ctx: OperationContext, state: RunState, kind: ExecutionKind): Promise<Outcome> {
  const skipped = await skipIfFresh(ctx, state, kind);
  if (skipped) return skipped;
  try {
    return await trigger(ctx, state, kind);
  } finally {
    refreshedFreshness(state);
  }
}
