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
import { APPEARANCE_GRACE_MS, historyFrom, type Claim, type TrackResult } from '../tracker.js';
import {
  NO_WAIT_LOOKUP_MS,
  absorb,
  conclude,
  failLevel,
  followToEnd,
  knownOf,
  leaveUnseen,
  readStatus,
  record,
  tracker,
  withKnown,
  writeOptions,
  type CacheResult,
  type Known,
  type OperationContext,
  type Outcome
} from './context.js';
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
    known.freshness = refreshed(known.freshness, known.execution, ctx.client.clock.now());
    return outcome;
  });
}

/** max-age: a cache whose last success of this kind is fresh is skipped, with nothing sent. */
async function skipIfFresh(
  ctx: OperationContext,
  known: Known,
  cacheId: string,
  kind: ExecutionKind,
  maxAgeMs: number
): Promise<Outcome | undefined> {
  const status = await ctx.client.getStatus(cacheId, ctx.deadline);
  absorb(known, status);
  const last = await lastSuccess(ctx.client, cacheId, status, [kind], ctx.deadline);
  known.freshness = judge(maxAgeMs, [kind], last, ctx.client.clock.now());
  known.skipped = known.freshness.fresh;
  if (!known.freshness.fresh) {
    ctx.log.info(`${describeFreshness(known.freshness)} Starting ${KIND_LABEL[kind]} of cache ${cacheId}.`);
    return undefined;
  }
  // Its last run is not this step's: it shows in last-success-at, never in the execution outputs or the totals.
  const message = `Skipped cache ${known.table ?? cacheId}: ${describeFreshness(known.freshness).replace(/^Fresh: t/, 't')}`;
  ctx.log.notice(message);
  return { conclusion: 'success', message };
}

async function triggerAndFollow(
  ctx: OperationContext<TriggerInputs>,
  known: Known,
  cacheId: string,
  kind: ExecutionKind
): Promise<Outcome> {
  const label = KIND_LABEL[kind];
  const graceMs = ctx.appearanceGraceMs ?? APPEARANCE_GRACE_MS;
  const before = await readStatus(ctx, cacheId);
  absorb(known, before);
  known.previous = before.executions[kind];
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
    if (!ctx.inputs.wait)
      return { conclusion: 'success', message: `Attached to the running ${label} ${running.id}; not waiting for it (wait: false).` };
    return ctx.log.group(`Waiting for the running ${label} of cache ${cacheId}`, () => followToEnd(ctx, known, cacheId, running));
  }
  // if-running: cancel. Stopping it is a phase of its own, with its own poll schedule. Another run
  // may take the slot meanwhile (the scheduler, another job): it is stopped too, a few times at most.
  for (let round = 1; previous && isActive(previous) && ctx.inputs.ifRunning === 'cancel'; round++) {
    const stopping: Execution = previous;
    if (round > STOP_ROUNDS)
      throw new ActionError(
        `Another ${label} (${stopping.id}) started on cache ${cacheId} each time this step cancelled the running one (if-running: cancel, ${STOP_ROUNDS} times); not triggering, so as not to queue behind it. Check the cache's schedules and other workflows in Peaka.`
      );
    // The user asked for it: the cancel stops what runs of the kind, which is not this step's (it has started nothing yet).
    ctx.log.info(
      `Cancelling the ${stopping.status} ${label} ${stopping.id} before starting a new one (if-running: cancel). It is not this step's: Peaka's schedule, a user in Peaka or another run started it; the cancel stops whatever runs of the kind.`
    );
    await cancelOnce(ctx.client, cacheId, stopping, writeOptions(ctx));
    const stopped = await tracker(ctx, cacheId).follow(stopping);
    if (stopped.timedOut || stopped.stalled) {
      record(known, stopped);
      return conclude(ctx, known, cacheId, stopped.execution ?? stopping, stopped, true);
    }
    // What holds the slot now: the one stopped, or one that started meanwhile. A new execution is one that is neither.
    previous = stopped.status.executions[kind] ?? stopped.execution;
    if (previous && previous.id !== stopping.id && isActive(previous))
      ctx.log.info(`Another ${label}, ${previous.id}, started while ${stopping.id} was being cancelled.`);
  }

  // From here until the operation is over, a new execution in the slot is this step's (the ledger says so).
  ctx.page.triggering(cacheId, kind, previous?.id);
  // An execution that had run longer than the time since this moment is another actor's (tracker.ts).
  const clock = ctx.client.clock;
  const claim: Claim = { sentAt: clock.now() };
  const sent = await sendOnce<TrackResult | undefined>({
    send: async () => {
      await ctx.client.trigger(kind, cacheId, ctx.deadline);
      return undefined;
    },
    // Looked for as long as a normal trigger waits for its execution to appear; a run ahead does not extend that.
    findEffect: async (failure) => {
      const look = await tracker(ctx, cacheId).awaitNew([kind], { [kind]: previous?.id }, graceMs, { queuedExtendsGrace: false, claim });
      if (look.execution) return look;
      if (look.timedOut) {
        // The step's time is up and what the lost answer did is not known: say so, never "re-run", and leave it to the post step if asked.
        known.timedOut = true;
        const after = leaveUnseen(ctx);
        throw new ActionError(
          `${failure.short}. It may have taken effect anyway, but no new ${label} appeared before the step's timeout.${after} Check cache ${cacheId} in Peaka before triggering again, so as not to start two.`
        );
      }
      if (!look.queuedBehind) return undefined;
      // Sending it again could queue a second execution behind the first: say what is not known instead.
      const ahead = `${KIND_LABEL[look.queuedBehind.kind]} ${look.queuedBehind.id}`;
      throw new ActionError(
        `${failure.short}. It may have taken effect anyway: the ${ahead} is running, and an execution this trigger started would be queued behind it, out of sight until it ends. ` +
          `The step did not send the trigger again, so as not to start two. Check cache ${cacheId} in Peaka after the ${ahead} ends, and trigger again only if no new ${label} follows it.`
      );
    },
    // Refused (4xx, or stopped before it left): nothing was started, nothing to clean up.
    onNoEffect: () => ctx.page.refused(),
    ...writeOptions(ctx)
  });
  // Following starts its own phase once the trigger is sent (or its effect found): the first read within a second.
  // Its execution is created soon after the answer (or was already found): rivals are judged from here.
  claim.answeredAt = clock.now();
  const watch = tracker(ctx, cacheId);
  let found = sent.effect;
  ctx.log.info(`Triggered ${A_KIND[kind]} of cache ${cacheId}${known.table ? ` (${known.table})` : ''}.`);
  if (found?.execution) {
    ctx.page.seen(found.execution.id, kind);
    ctx.log.info(`The ${label} ${found.execution.id} did start; following it instead of triggering again.`);
  }

  if (!ctx.inputs.wait) {
    found ??= await tracker(ctx, cacheId, Math.min(ctx.deadline, ctx.client.clock.now() + NO_WAIT_LOOKUP_MS)).awaitNew(
      [kind],
      { [kind]: previous?.id },
      NO_WAIT_LOOKUP_MS,
      { claim }
    );
    if (found.execution) {
      ctx.page.seen(found.execution.id, kind);
      record(known, { ...found, timedOut: false });
      const doubt = sayRivals(ctx, known, cacheId, found.execution);
      return {
        conclusion: doubt ? 'warning' : 'success',
        message: `Started ${label} ${found.execution.id} of cache ${cacheId}; not waiting for it (wait: false).${doubt}`
      };
    }
    // Without its id, a later wait cannot tell this execution from another run's: say so, not a plain success.
    return {
      conclusion: 'warning',
      message: `Triggered ${A_KIND[kind]} of cache ${cacheId}, but its execution did not appear within ${NO_WAIT_LOOKUP_MS / 1000}s (it may be queued behind a running one), so there is no execution-id for a later wait to follow. Not waiting for it (wait: false).`
    };
  }

  return ctx.log.group(`Waiting for the ${label} of cache ${cacheId}`, async () => {
    found ??= await watch.awaitNew([kind], { [kind]: previous?.id }, graceMs, { claim });
    record(known, found);
    const execution = found.execution;
    if (!execution) {
      // A trigger that timed out before its execution appeared may still start: cancel-on-timeout leaves it to the post step.
      const message = found.timedOut
        ? `Timed out before the ${label} appeared in the cache's status (it may be queued).${leaveUnseen(ctx)} Raise timeout to wait longer.`
        : `Peaka accepted the ${label} trigger but no new execution appeared in the cache's status within a minute. Check the cache in Peaka; the trigger may have been dropped. Re-run the job to trigger again.`;
      return { conclusion: failLevel(ctx.inputs), message };
    }
    ctx.page.seen(execution.id, kind);
    if (known.rivals?.length) ctx.page.doubt();
    // A newer one that may equally have come from this trigger is a rival too (its record may trail the claim).
    const outcome = await followToEnd(ctx, known, cacheId, execution, {
      watch,
      history: historyFrom(previous),
      claim,
      onRival: () => ctx.page.doubt()
    });
    if (known.rivals?.length) ctx.page.doubt();
    const doubt = sayRivals(ctx, known, cacheId, known.execution ?? execution);
    return doubt && outcome.conclusion === 'success'
      ? { conclusion: 'warning', message: `${outcome.message}${doubt}` }
      : { ...outcome, message: `${outcome.message}${doubt}` };
  });
}

/**
 * Another new execution of the kind appeared in the same window as the one followed: a trigger
 * carries no id, so the step says it cannot tell which is its own (a warning naming both, and the
 * `ambiguous` output) instead of claiming one. Returns the sentence for the message ('' without rivals).
 */
function sayRivals(ctx: OperationContext, known: Known, cacheId: string, followed: Execution): string {
  const rivals = known.rivals ?? [];
  if (!rivals.length) return '';
  const label = KIND_LABEL[followed.kind];
  const names = rivals.map((r) => `${r.id} (${r.status})`).join(', ');
  const line =
    ` Another ${label} started on cache ${cacheId} in the same window as this step's trigger: ${names}. A trigger carries no execution id, so which of it and ${followed.id} is this step's cannot be told;` +
    ` the outputs describe ${followed.id} (ambiguous: true), and neither is cancelled by this step. Put the workflows that trigger this cache in one concurrency group to avoid this.`;
  ctx.log.warning(line.trim());
  return line;
}
