/**
 * How the action names Peaka's things to a user: the kinds of execution, and an execution in one
 * line. The client speaks Peaka (ids, kinds, statuses); these turn that into words.
 */
import { formatDuration } from './duration.js';
import { KIND_LABEL, isTerminal, type Execution, type ExecutionKind } from './peaka/client.js';
import { realClock } from './clock.js';

export { KIND_LABEL };
/** The label with its article: 'a full refresh', 'an incremental sync'. */
export const A_KIND: Record<ExecutionKind, string> = { 'full-refresh': 'a full refresh', incremental: 'an incremental sync' };

/** A count as people read it (1,200), or '-' when it is not known. */
export const count = (n: number | undefined): string => (n === undefined ? '-' : n.toLocaleString('en-US'));

/** 2026-11-22 10:00:00 UTC: an instant (epoch ms) as people read it. */
export const utc = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "Full refresh 42: COMPLETED, 1,200 cached in 3m 10s - error text". */
export function describeExecution(e: Execution): string {
  const counts = [
    e.cachedRecords !== undefined ? `${count(e.cachedRecords)} cached` : '',
    e.insertedRecords ? `${count(e.insertedRecords)} inserted` : '',
    e.updatedRecords ? `${count(e.updatedRecords)} updated` : '',
    e.deletedRecords ? `${count(e.deletedRecords)} deleted` : ''
  ].filter(Boolean);
  const took = executionDurationMs(e);
  return `${capitalise(KIND_LABEL[e.kind])} ${e.id}: ${e.status}${counts.length ? `, ${counts.join(', ')}` : ''}${
    took !== undefined && isTerminal(e.status) ? ` in ${formatDuration(took)}` : ''
  }${e.error ? ` - ${e.error}` : ''}`;
}

/** How long an execution ran (or has run so far), from its own times. */
export function executionDurationMs(
  e: Pick<Execution, 'status' | 'createdAt' | 'updatedAt' | 'finishedAt'> | undefined,
  now = realClock.now()
): number | undefined {
  if (!e?.createdAt) return undefined;
  const end = e.finishedAt ? Date.parse(e.finishedAt) : isTerminal(e.status) ? Date.parse(e.updatedAt ?? '') : now;
  const ms = end - Date.parse(e.createdAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
