/**
 * full-refresh and incremental: start an execution and follow it, never adopting the previous one
 * and never starting two. `if-running` decides what happens when one of the same kind runs already.
 */
import { ActionError, PeakaApiError } from '../peaka/errors.js';
import { APPEARANCE_GRACE_MS, historyFrom, type TrackResult } from '../tracker.js';
import {
  NO_WAIT_LOOKUP_MS,
  WRITE_ATTEMPTS,
  absorb,
  conclude,
  readStatus,
  record,
  tracker,
  type OperationContext
} from './context.js';
import { A_KIND, KIND_LABEL, isActive, type ExecutionKind } from '../peaka/client.js';
import type { Outcome, RunState } from '../run-state.js';
import { sendOnce } from '../peaka/send-once.js';

export async function trigger(ctx: OperationContext, state: RunState, kind: ExecutionKind): Promise<Outcome> {
  const cacheId = state.cacheId!;
  const label = KIND_LABEL[kind];
  const watch = tracker(ctx, cacheId);
  const graceMs = ctx.appearanceGraceMs ?? APPEARANCE_GRACE_MS;
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
  // Whether an attempt may have reached Peaka (an answer lost, a 5xx, a request cut by the run's cancel).
  let maybeSent = false;
  const sent = await sendOnce<TrackResult>({
    send: async () => {
      // The trigger starts the phase: the first read within a second of it, whatever came before.
      watch.startPhase();
      await ctx.client.trigger(kind, cacheId, ctx.deadline).catch((err: unknown) => {
        if (err instanceof PeakaApiError && err.ambiguous) maybeSent = true;
        throw err;
      });
      return undefined;
    },
    // Looked for as long as a normal trigger waits for its execution to appear; a run ahead does not extend that.
    findEffect: async (failure) => {
      const look = await watch.awaitNew([kind], { [kind]: previous?.id }, graceMs, { queuedExtendsGrace: false });
      if (look.execution) return look;
      if (!look.queuedBehind) return undefined;
      // Sending it again could queue a second execution behind the first: say what is not known instead.
      const ahead = `${KIND_LABEL[look.queuedBehind.kind]} ${look.queuedBehind.id}`;
      throw new ActionError(
        `${failure.message.split('. ')[0]}. It may have taken effect anyway: the ${ahead} is running, and an execution this trigger started would be queued behind it, out of sight until it ends. ` +
          `The step did not send the trigger again, so as not to start two. Check cache ${cacheId} in Peaka after the ${ahead} ends, and trigger again only if no new ${label} follows it.`
      );
    },
    attempts: WRITE_ATTEMPTS,
    deadline: ctx.deadline,
    signal: ctx.signal,
    warn: (line) => ctx.log.warning(line)
  }).catch((err: unknown) => {
    // Only refusals (4xx, or a cancel before anything was sent) started nothing: nothing to clean up after them.
    if (!maybeSent) {
      state.startedByStep = false;
      ctx.checkpoint();
    }
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
    found ??= await watch.awaitNew([kind], { [kind]: previous?.id }, graceMs);
    record(ctx, state, found);
    if (!found.execution) {
      // A trigger that timed out before its execution appeared may still start: cancel-on-timeout leaves it to the post step.
      state.cancelInPost = found.timedOut && ctx.settings.cancelOnTimeout;
      const after = state.cancelInPost
        ? ' It could not be cancelled before it appeared: the post step will look for it and cancel it (cancel-on-timeout).'
        : ' When it starts, it runs unwatched; set cancel-on-timeout: true to have it cancelled.';
      const message = found.timedOut
        ? `Timed out before the ${label} appeared in the cache's status (it may be queued).${after} Raise timeout to wait longer.`
        : `Peaka accepted the ${label} trigger but no new execution appeared in the cache's status within a minute. Check the cache in Peaka; the trigger may have been dropped. Re-run the job to trigger again.`;
      return { conclusion: ctx.settings.failOnError ? 'failure' : 'warning', message };
    }
    const result = await watch.follow(found.execution, historyFrom(previous));
    record(ctx, state, result);
    return conclude(ctx, state, result);
  });
}
