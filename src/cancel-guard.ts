/**
 * Whose execution a cancel would stop. The cancel endpoints take no execution id: they stop what
 * runs of their kind. Other actors (Peaka's scheduler, a user in Peaka's UI, another workflow run)
 * start executions of the same kind on the same cache, queued behind the step's or running beside
 * it. So before any cancel the step sends on its own behalf (cancel-on-timeout, a stall, the run's
 * cancel, the post step), it reads the cache's status and history, and sends the cancel only when
 * its own execution is the one running of that kind, with nothing else running beside it.
 */
import { KIND_LABEL } from './format.js';
import { isActive, isQueued, type CacheStatus, type Execution, type ExecutionKind, type PeakaClient } from './peaka/client.js';
import { PeakaApiError } from './peaka/errors.js';
import { HISTORY_PAGE } from './tracker.js';

export type CancelVerdict =
  /** Only the step's execution runs of its kind: a cancel stops it and nothing else. */
  | { send: true; execution: Execution }
  /** Not sent: `why` says what was left and why; `execution` is the step's as last seen, if it was found. */
  | { send: false; execution?: Execution; why: string };

type GuardClient = Pick<PeakaClient, 'getStatus' | 'executionHistory'>;

/**
 * Reads what runs of `kind` on the cache (its status, and one page of its history, where executions
 * that left the slot are) and says whether a cancel would stop only the step's execution.
 * `isOurs` picks the step's execution; `status` spares a read when one was just made.
 */
export async function mayCancel(
  client: GuardClient,
  cacheId: string,
  kind: ExecutionKind,
  isOurs: (e: Execution) => boolean,
  deadline: number,
  status?: CacheStatus
): Promise<CancelVerdict> {
  const now = status ?? (await client.getStatus(cacheId, deadline));
  const inSlot = now.executions[kind];
  const history = await client.executionHistory(cacheId, HISTORY_PAGE, deadline).catch((err: unknown) => {
    // Without the history, what runs beside the slot's execution is not known: nothing is cancelled.
    if (err instanceof PeakaApiError && err.kind !== 'aborted') return undefined;
    throw err;
  });
  if (!history)
    return {
      send: false,
      execution: inSlot && isOurs(inSlot) ? inSlot : undefined,
      why: 'the execution history could not be read, so what else runs of the kind is not known'
    };
  // The slot's read is the fresher; an entry of unknown kind counts as this kind (the cautious side).
  const seen = new Map<string, Execution>();
  for (const e of history) if ((e.kind ?? kind) === kind) seen.set(e.id, { ...e, kind });
  if (inSlot) seen.set(inSlot.id, inSlot);
  const all = [...seen.values()];
  const ours = all.find(isOurs);
  const others = all.filter((e) => e !== ours && isActive(e));
  const running = others.filter((e) => !isQueued(e));
  const names = (list: Execution[]) => list.map((e) => `${e.id} (${e.status})`).join(', ');
  const label = KIND_LABEL[kind];
  if (!ours) {
    const ahead = running.length ? `; the ${label} ${names(running)} runs, and it may be queued behind it` : '';
    return { send: false, why: `this step's ${label} has not appeared in the cache's status or history${ahead}` };
  }
  if (!isActive(ours)) return { send: false, execution: ours, why: `this step's ${label} ${ours.id} has already ended (${ours.status})` };
  // Queued with nothing running ahead of it, a cancel can only reach it.
  if (isQueued(ours) && running.length)
    return {
      send: false,
      execution: ours,
      why: `this step's ${label} ${ours.id} is ${ours.status}, behind the ${label} ${names(running)}, which is not this step's: a cancel would stop that one, not this step's. It will run after that one ends unless it is cancelled in Peaka`
    };
  if (running.length)
    return {
      send: false,
      execution: ours,
      why: `the ${label} ${names(running)}, which is not this step's, runs beside this step's ${ours.id}, and a cancel stops whatever runs of the kind. Cancel ${ours.id} in Peaka if it must stop`
    };
  return { send: true, execution: ours };
}
