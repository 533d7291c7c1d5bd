/**
 * full-refresh and incremental: start an execution and follow it, never adopting the previous one
 * and never starting two. `if-running` decides what happens when one of the same kind runs already;
 * `max-age` skips a cache whose last success is fresh. Each phase (stopping the running one,
 * sending the trigger, following the new one) polls on a schedule of its own.
 */
import { A_KIND, KIND_LABEL } from '../format.js';
import type { TriggerInputs } from '../inputs.js';
import { isActive, type Execution, type ExecutionKind } from '../peaka/client.js';
import { ActionError } from '../errors.js';
import { cancelOnce, sendOnce } from '../peaka/send-once.js';
import { APPEARANCE_GRACE_MS, historyFrom, type TrackResult } from '../tracker.js';
import { NO_WAIT_LOOKUP_MS, absorb, conclude, failLevel, knownOf, readStatus, record, tracker, withKnown, type CacheResult, type Known, type OperationContext, type Outcome } from './context.js';
import { describeFreshness, judge, lastSuccess, refreshed } from './freshness.js';

/** How many runs if-running: cancel stops at most before giving up (others keep taking the slot). */
const STOP_ROUNDS = 3;

export async function trigger(ctx: OperationContext<TriggerInputs>, cacheId: string): Promise<CacheResult> {
  const kind: ExecutionKind = ctx.inputs.operation;
  const known: Known = { ...knownOf(ctx.inputs.operation, cacheId), kind };
  return withKnown(known, async () => {
    if (ctx.inputs.maxAgeMs !== undefined) {
      const skipped = await skipIfFresh(ctx, known, cacheId, kind, ctx.inputs.maxAgeMs);
      if (skipped) return skipped;
    }
    const outcome = await triggerAndFollow(ctx, known, cacheId, kind);
    known.freshness = refreshed(known.freshness, known.execution);
    return outcome;
  });
}

/** max-age: a cache whose last success of this kind is fresh is skipped, with nothing sent. */
async function skipIfFresh(ctx: OperationContext, known: Known, cacheId: string, kind: ExecutionKind, maxAgeMs: number): Promise<Outcome | undefined> {
  const status = await ctx.client.getStatus(cacheId, ctx.deadline);
  absorb(known, status);
  const last = await lastSuccess(ctx.client, cacheId, status, [kind], ctx.deadline);
  known.freshness = judge(maxAgeMs, [kind], last);
  known.skipped = known.freshness.fresh;
  if (!known.freshness.fresh) {
    ctx.log.info(`${describeFreshness(known.freshness)} Starting ${KIND_LABEL[kind]} of cache ${cacheId}.`);
    return undefined;
  }
  if (last) known.execution = { ...last, kind };
  const message = `Skipped cache ${known.table ?? cacheId}: ${describeFreshness(known.freshness).replace(/^Fresh: t/, 't')}`;
  ctx.log.notice(message);
  return { conclusion: 'success', message };
}

async function triggerAndFollow(ctx: OperationContext<TriggerInputs>, known: Known, cacheId: string, kind: ExecutionKind): Promise<Outcome> {
  const label = KIND_LABEL[kind];
  const graceMs = ctx.appearanceGraceMs ?? APPEARANCE_GRACE_MS;
  const before = await readStatus(ctx, cacheId);
  absorb(known, before);
  let previous = before.executions[kind];

  const running = previous && isActive(previous) ? previous : undefined;
  if (running && ctx.inputs.ifRunning === 'skip') {
    known.execution = running;
    const message = `Skipped: the ${label} ${running.id} is already running on cache ${cacheId} (if-running: skip).`;
    ctx.log.notice(message);
    return { conclusion: 'success', message };
  }
  if (running && ctx.inputs.ifRunning === 'attach') {
    known.execution = running;
    ctx.log.info(`The ${label} ${running.id} is already running; following it instead of starting another (if-running: attach).`);
    if (!ctx.inputs.wait) return { conclusion: 'success', message: `Attached to the running ${label} ${running.id}; not waiting for it (wait: false).` };
    return ctx.log.group(`Waiting for the running ${label} of cache ${cacheId}`, async () => {
      const result = await tracker(ctx, cacheId).follow(running);
      record(known, result);
      return conclude(ctx, cacheId, result.execution ?? running, result);
    });
  }
  // if-running: cancel. Stopping it is a phase of its own, with its own poll schedule. Another run
  // may take the slot meanwhile (the scheduler, another job): it is stopped too, a few times at most.
  for (let round = 1; previous && isActive(previous) && ctx.inputs.ifRunning === 'cancel'; round++) {
    const stopping: Execution = previous;
    if (round > STOP_ROUNDS)
      throw new ActionError(
        `Another ${label} (${stopping.id}) started on cache ${cacheId} each time this step cancelled the running one (if-running: cancel, ${STOP_ROUNDS} times); not triggering, so as not to queue behind it. Check the cache's schedules and other workflows in Peaka.`
      );
    ctx.log.info(`Cancelling the running ${label} ${stopping.id} before starting a new one (if-running: cancel).`);
    await cancelOnce(ctx.client, cacheId, stopping, { deadline: ctx.deadline, signal: ctx.signal, warn: (line) => ctx.log.warning(line) });
    const stopped = await tracker(ctx, cacheId).follow(stopping);
    if (stopped.timedOut || stopped.stalled) {
      record(known, stopped);
      return conclude(ctx, cacheId, stopped.execution ?? stopping, stopped, true);
    }
    // What holds the slot now: the one stopped, or one that started meanwhile. A new execution is one that is neither.
    previous = stopped.status.executions[kind] ?? stopped.execution;
    if (previous && previous.id !== stopping.id && isActive(previous)) ctx.log.info(`Another ${label}, ${previous.id}, started while ${stopping.id} was being cancelled.`);
  }

  // From here until the operation is over, a new execution in the slot is this step's (the ledger says so).
  ctx.page.triggering(cacheId, kind, previous?.id);
  const sent = await sendOnce<TrackResult | undefined>({
    send: async () => {
      await ctx.client.trigger(kind, cacheId, ctx.deadline);
      return undefined;
    },
    // Looked for as long as a normal trigger waits for its execution to appear; a run ahead does not extend that.
    findEffect: async (failure) => {
      const look = await tracker(ctx, cacheId).awaitNew([kind], { [kind]: previous?.id }, graceMs, { queuedExtendsGrace: false });
      if (look.execution) return look;
      if (look.timedOut) {
        // The step's time is up and what the lost answer did is not known: say so, never "re-run", and leave it to the post step if asked.
        known.timedOut = true;
        if (ctx.inputs.cancelOnTimeout) ctx.page.leaveForPost();
        const after = ctx.inputs.cancelOnTimeout
          ? ' The post step will look for it and cancel it (cancel-on-timeout).'
          : ' If it starts, it runs unwatched; set cancel-on-timeout: true to have it cancelled.';
        throw new ActionError(
          `${failure.message.split('. ')[0]}. It may have taken effect anyway, but no new ${label} appeared before the step's timeout.${after} Check cache ${cacheId} in Peaka before triggering again, so as not to start two.`
        );
      }
      if (!look.queuedBehind) return undefined;
      // Sending it again could queue a second execution behind the first: say what is not known instead.
      const ahead = `${KIND_LABEL[look.queuedBehind.kind]} ${look.queuedBehind.id}`;
      throw new ActionError(
        `${failure.message.split('. ')[0]}. It may have taken effect anyway: the ${ahead} is running, and an execution this trigger started would be queued behind it, out of sight until it ends. ` +
          `The step did not send the trigger again, so as not to start two. Check cache ${cacheId} in Peaka after the ${ahead} ends, and trigger again only if no new ${label} follows it.`
      );
    },
    // Refused (4xx, or stopped before it left): nothing was started, nothing to clean up.
    onNoEffect: () => ctx.page.refused(),
    deadline: ctx.deadline,
    signal: ctx.signal,
    warn: (line) => ctx.log.warning(line)
  });
  // Following starts its own phase once the trigger is sent (or its effect found): the first read within a second.
  const watch = tracker(ctx, cacheId);
  let found = sent.effect;
  ctx.log.info(`Triggered ${A_KIND[kind]} of cache ${cacheId}${known.table ? ` (${known.table})` : ''}.`);
  if (found?.execution) {
    ctx.page.seen(found.execution.id, kind);
    ctx.log.info(`The ${label} ${found.execution.id} did start; following it instead of triggering again.`);
  }

  if (!ctx.inputs.wait) {
    found ??= await tracker(ctx, cacheId, Math.min(ctx.deadline, Date.now() + NO_WAIT_LOOKUP_MS)).awaitNew([kind], { [kind]: previous?.id }, NO_WAIT_LOOKUP_MS);
    if (found.execution) {
      ctx.page.seen(found.execution.id, kind);
      record(known, { ...found, timedOut: false });
      return { conclusion: 'success', message: `Started ${label} ${found.execution.id} of cache ${cacheId}; not waiting for it (wait: false).` };
    }
    // Without its id, a later wait cannot tell this execution from another run's: say so, not a plain success.
    return {
      conclusion: 'warning',
      message: `Triggered ${A_KIND[kind]} of cache ${cacheId}, but its execution did not appear within ${NO_WAIT_LOOKUP_MS / 1000}s (it may be queued behind a running one), so there is no execution-id for a later wait to follow. Not waiting for it (wait: false).`
    };
  }

  return ctx.log.group(`Waiting for the ${label} of cache ${cacheId}`, async () => {
    found ??= await watch.awaitNew([kind], { [kind]: previous?.id }, graceMs);
    record(known, found);
    const execution = found.execution;
    if (!execution) {
      // A trigger that timed out before its execution appeared may still start: cancel-on-timeout leaves it to the post step.
      const leave = found.timedOut && ctx.inputs.cancelOnTimeout;
      if (leave) ctx.page.leaveForPost();
      const after = leave
        ? ' It could not be cancelled before it appeared: the post step will look for it and cancel it (cancel-on-timeout).'
        : ' When it starts, it runs unwatched; set cancel-on-timeout: true to have it cancelled.';
      const message = found.timedOut
        ? `Timed out before the ${label} appeared in the cache's status (it may be queued).${after} Raise timeout to wait longer.`
        : `Peaka accepted the ${label} trigger but no new execution appeared in the cache's status within a minute. Check the cache in Peaka; the trigger may have been dropped. Re-run the job to trigger again.`;
      return { conclusion: failLevel(ctx.inputs), message };
    }
    ctx.page.seen(execution.id, kind);
    const result = await watch.follow(execution, historyFrom(previous));
    record(known, result);
    return conclude(ctx, cacheId, result.execution ?? execution, result);
  });
}
