/**
 * Cancelling the execution this step started when the step cannot see it to its end:
 * the workflow run was cancelled (main step, within the runner's grace period), or the main
 * step died before it could (post step).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EXECUTION_KINDS, KIND_LABEL, isActive, type Execution, type ExecutionKind, type PeakaClient } from './peaka-client.js';
import type { RunState } from './run-state.js';

export interface Started {
  cacheId: string;
  /** Unknown only for a create whose first sync had not appeared yet. */
  kind?: ExecutionKind;
  /** The id in the slot before the trigger: anything else there is ours. */
  previousId?: string;
  executionId?: string;
}

/** What the post step needs for each cache whose execution this step started and has not seen through. */
export function pendingCleanups(states: RunState[]): Started[] {
  return states
    .filter((s) => s.startedByStep && !s.settled && s.cacheId)
    .map((s) => ({ cacheId: s.cacheId!, kind: s.kind, previousId: s.previousId, executionId: s.execution?.id }));
}

export interface CleanupResult {
  cancelled?: Execution;
  message: string;
}

/**
 * Finds the execution the step started (waiting briefly for its record, which trails the trigger)
 * and cancels it if it still runs. Bounded by `budgetMs` in all.
 */
export async function cancelStarted(client: PeakaClient, started: Started, budgetMs: number): Promise<CleanupResult> {
  const deadline = Date.now() + budgetMs;
  const kinds = started.kind ? [started.kind] : EXECUTION_KINDS;
  for (let look = 0; look < 3; look++) {
    const status = await client.getStatus(started.cacheId, deadline);
    const ours = kinds
      .map((k) => status.executions[k])
      .find((e) => e && (started.executionId ? e.id === started.executionId : e.id !== (started.previousId || undefined)));
    if (ours && isActive(ours)) {
      const sent = await client.cancel(ours.kind, started.cacheId, deadline);
      return sent
        ? { cancelled: ours, message: `Cancelled the ${KIND_LABEL[ours.kind]} ${ours.id} that this step started.` }
        : { message: `The ${KIND_LABEL[ours.kind]} ${ours.id} ended before the cancel arrived.` };
    }
    if (ours) return { message: `The ${KIND_LABEL[ours.kind]} ${ours.id} that this step started had already ended (${ours.status}).` };
    if (Date.now() + 1_000 >= deadline) break;
    await sleep(1_000);
  }
  return { message: 'No execution started by this step was found running; nothing to cancel.' };
}
