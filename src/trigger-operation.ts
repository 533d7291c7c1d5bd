/**
 * full-refresh and incremental: start an execution and follow it, never adopting the previous one
 * and never starting two. `if-running` decides what happens when one of the same kind runs already.
 */
import { PeakaApiError } from './api-error.js';
import { historyFrom, type TrackResult } from './execution-tracker.js';
import {
  AMBIGUOUS_WATCH_MS,
  NO_WAIT_LOOKUP_MS,
  WRITE_ATTEMPTS,
  absorb,
  conclude,
  readStatus,
  record,
  tracker,
  type OperationContext
} from './operation-helpers.js';
import { A_KIND, KIND_LABEL, isActive, type ExecutionKind } from './peaka-client.js';
import type { Outcome, RunState } from './run-state.js';
import { sendOnce } from './write-helper.js';

export async function trigger(ctx: OperationContext, state: RunState, kind: ExecutionKind): Promise<Outcome> {
  const cacheId = state.cacheId!;
  const label = KIND_LABEL[kind];
  const watch = tracker(ctx, cacheId);
  const before = await readStatus(ctx, cacheId);
  absorb(state, before);
  state.kind = kind;
  let previous = before.executions[kind];

  if (previous && isActive(previous) && ctx.settings.ifRunning !== 'queue') {
    const running = previous;
    if (ctx.settings.ifRunning === 'skip') {
      state.execution = running;
      const message = `Skipped: the ${label} ${running.id} is already running on cache ${cacheId} (if-running: skip).`;
      ctx.log.notice(message);
      return { conclusion: 'success', message };
    }
    if (ctx.settings.ifRunning === 'attach') {
      state.execution = running;
      ctx.log.info(`The ${label} ${running.id} is already running; following it instead of starting another (if-running: attach).`);
      if (!ctx.settings.wait) return { conclusion: 'success', message: `Attached to the running ${label} ${running.id}; not waiting for it (wait: false).` };
      return ctx.log.group(`Waiting for the running ${label} of cache ${cacheId}`, async () => {
        const result = await watch.follow(running);
        record(ctx, state, result);
        return conclude(ctx, state, result);
      });
    }
    // if-running: cancel
    ctx.log.info(`Cancelling the running ${label} ${running.id} before starting a new one (if-running: cancel).`);
    await ctx.client.cancel(kind, cacheId, ctx.deadline);
    // Stopping it is a phase of its own: reads start dense again, whatever the running one's age.
    watch.startPhase();
    const stopped = await watch.follow(running);
    if (stopped.timedOut || stopped.stalled) {
      record(ctx, state, stopped);
      return conclude(ctx, state, stopped, true);
    }
    previous = stopped.execution;
  }

  state.previousId = previous?.id;
  state.startedByStep = true;
  ctx.checkpoint();
  const sent = await sendOnce<TrackResult>({
    send: async () => {
      // The trigger starts the phase: the first read within a second of it, whatever came before.
      watch.startPhase();
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
    // A refusal (4xx) started nothing: there is nothing to clean up after it.
    if (err instanceof PeakaApiError && !err.ambiguous) state.startedByStep = false;
    throw err;
  });
  let found = sent.effect;
  if (found) ctx.log.info(`The ${label} ${found.execution!.id} did start; following it instead of triggering again.`);
  ctx.log.info(`Triggered ${A_KIND[kind]} of cache ${cacheId}${state.table ? ` (${state.table})` : ''}.`);

  if (!ctx.settings.wait) {
    found ??= await tracker(ctx, cacheId, Math.min(ctx.deadline, Date.now() + NO_WAIT_LOOKUP_MS)).awaitNew([kind], { [kind]: previous?.id }, NO_WAIT_LOOKUP_MS);
    if (found.execution) {
      record(ctx, state, { ...found, timedOut: false });
      return { conclusion: 'success', message: `Started ${label} ${found.execution.id} of cache ${cacheId}; not waiting for it (wait: false).` };
    }
    return { conclusion: 'success', message: `Triggered ${A_KIND[kind]} of cache ${cacheId}; not waiting for it (wait: false).` };
  }

  return ctx.log.group(`Waiting for the ${label} of cache ${cacheId}`, async () => {
    found ??= await watch.awaitNew([kind], { [kind]: previous?.id });
    record(ctx, state, found);
    if (!found.execution) {
      const message = found.timedOut
        ? `Timed out before the ${label} appeared in the cache's status (it may be queued). Raise timeout to wait longer.`
        : `Peaka accepted the ${label} trigger but no new execution appeared in the cache's status within a minute. Check the cache in Peaka; the trigger may have been dropped. Re-run the job to trigger again.`;
      return { conclusion: ctx.settings.failOnError ? 'failure' : 'warning', message };
    }
    const result = await watch.follow(found.execution, historyFrom(previous));
    record(ctx, state, result);
    return conclude(ctx, state, result);
  });
}
