/**
 * max-age: how long ago a cache's last COMPLETED execution finished. With status and wait it is a
 * gate (a stale cache fails the step); with full-refresh and incremental a fresh cache is skipped.
 * The status shows only the last execution of each kind, so when that one did not complete the
 * history is searched for the last one that did.
 */
import { formatDuration } from '../duration.js';
import { KIND_LABEL } from '../format.js';
import {
  EXECUTION_KINDS,
  isTerminal,
  type CacheStatus,
  type Execution,
  type ExecutionKind,
  type HistoryExecution,
  type PeakaClient
} from '../peaka/client.js';

export interface Freshness {
  maxAgeMs: number;
  /** The kinds of execution judged (execution-type, or the trigger's kind). */
  kinds: readonly ExecutionKind[];
  /** When the last COMPLETED execution of those kinds finished; undefined when none did (that Peaka still keeps). */
  lastSuccessAt?: string;
  lastSuccessKind?: ExecutionKind;
  ageSeconds?: number;
  fresh: boolean;
  /** The last success's end lies in the future (past any clock skew): it cannot vouch for anything. */
  inFuture?: boolean;
}

/** How far in the future an end may lie and still count as now (clocks differ). */
const CLOCK_SKEW_MS = 5 * 60_000;

/** History pages read at most when the status does not show the last success (Peaka keeps 14 days of it). */
export const HISTORY_PAGES = 3;
const PAGE = 100;

const endOf = (e: Pick<Execution, 'finishedAt' | 'updatedAt' | 'status'>) =>
  e.finishedAt ?? (isTerminal(e.status) ? e.updatedAt : undefined);
const completed = (e: { status: string } | undefined) => e?.status === 'COMPLETED';

/** The last COMPLETED execution of `kinds`: from the status when its slots completed, else from the history. */
export async function lastSuccess(
  client: PeakaClient,
  cacheId: string,
  status: CacheStatus,
  kinds: readonly ExecutionKind[],
  deadline: number
): Promise<HistoryExecution | undefined> {
  const slots = kinds.map((k) => status.executions[k]).filter((e): e is Execution => e !== undefined);
  let best: HistoryExecution | undefined = latestEnded(slots.filter(completed));
  // A slot that did not complete may hide an older success of its kind that is newer than `best`;
  // a missing slot hides nothing (no execution of that kind).
  if (slots.every(completed)) return best;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const executions = await client.executionHistory(cacheId, PAGE, deadline, page * PAGE);
    const found = executions.find(
      (e) => completed(e) && (kinds.length === EXECUTION_KINDS.length || (e.kind !== undefined && kinds.includes(e.kind)))
    );
    if (found) {
      best = latestEnded([best, found].filter((e): e is HistoryExecution => e !== undefined));
      break;
    }
    if (executions.length < PAGE) break;
  }
  return best;
}

function latestEnded<T extends Pick<Execution, 'finishedAt' | 'updatedAt' | 'status'>>(executions: T[]): T | undefined {
  return executions.sort((a, b) => (Date.parse(endOf(b) ?? '') || 0) - (Date.parse(endOf(a) ?? '') || 0))[0];
}

export function judge(maxAgeMs: number, kinds: readonly ExecutionKind[], last: HistoryExecution | undefined, now: number): Freshness {
  const at = last && endOf(last);
  const ms = at ? now - Date.parse(at) : NaN;
  if (!at || !Number.isFinite(ms)) return { maxAgeMs, kinds, fresh: false };
  if (ms < -CLOCK_SKEW_MS) return { maxAgeMs, kinds, lastSuccessAt: at, lastSuccessKind: last.kind, fresh: false, inFuture: true };
  const ageMs = Math.max(0, ms);
  return { maxAgeMs, kinds, lastSuccessAt: at, lastSuccessKind: last.kind, ageSeconds: Math.round(ageMs / 1000), fresh: ageMs <= maxAgeMs };
}

const kindsText = (kinds: readonly ExecutionKind[]) => (kinds.length === 1 ? KIND_LABEL[kinds[0]] : 'execution');

/** One sentence: "Fresh: the last COMPLETED full refresh finished 2h 3m ago (max-age 6h)." */
export function describeFreshness(f: Freshness): string {
  const limit = `max-age ${formatDuration(f.maxAgeMs)}`;
  if (!f.lastSuccessAt) return `Stale: no COMPLETED ${kindsText(f.kinds)} in what Peaka keeps (14 days of history) (${limit}).`;
  if (f.inFuture)
    return `Stale: the last COMPLETED ${f.lastSuccessKind ? KIND_LABEL[f.lastSuccessKind] : kindsText(f.kinds)} says it finished at ${f.lastSuccessAt}, in the future; a time that has not come yet vouches for nothing (${limit}).`;
  const what = `the last COMPLETED ${f.lastSuccessKind ? KIND_LABEL[f.lastSuccessKind] : kindsText(f.kinds)} finished ${formatDuration((f.ageSeconds ?? 0) * 1000)} ago (${f.lastSuccessAt})`;
  return f.fresh ? `Fresh: ${what}, within ${limit}.` : `Stale: ${what}, longer than ${limit}.`;
}

/**
 * status and wait with max-age: the operation's own outcome, then the freshness decides. A stale
 * cache fails the step (a warning with fail-on-error: false); a fresh one passes even when the last
 * execution failed, with a warning that says so.
 */
/** After a trigger that was not skipped: the run it followed, if it completed, is the new last success. */
export function refreshed(freshness: Freshness | undefined, execution: Execution | undefined, now: number): Freshness | undefined {
  if (!freshness) return undefined;
  return execution && completed(execution) ? judge(freshness.maxAgeMs, freshness.kinds, execution, now) : freshness;
}

export function freshnessFields(known: { freshness?: Freshness; skipped?: boolean }): {
  fresh?: boolean;
  'last-success-at'?: string;
  'age-seconds'?: number;
  skipped?: boolean;
} {
  const { freshness, skipped } = known;
  if (!freshness) return {};
  return { fresh: freshness.fresh, 'last-success-at': freshness.lastSuccessAt, 'age-seconds': freshness.ageSeconds, skipped };
}

/** Several caches: fresh only if every one is; the oldest last success (none, if one never completed); skipped only if every one was. */
export function aggregateFreshness(results: ReturnType<typeof freshnessFields>[]): ReturnType<typeof freshnessFields> {
  const judged = results.filter((r) => r.fresh !== undefined);
  if (!judged.length) return {};
  const never = judged.some((r) => !r['last-success-at']);
  const oldest = never ? undefined : [...judged].sort((a, b) => (b['age-seconds'] ?? 0) - (a['age-seconds'] ?? 0))[0];
  const skips = results.filter((r) => r.skipped !== undefined);
  return {
    fresh: judged.length === results.length && judged.every((r) => r.fresh),
    'last-success-at': oldest?.['last-success-at'],
    'age-seconds': oldest?.['age-seconds'],
    skipped: skips.length ? skips.length === results.length && skips.every((r) => r.skipped) : undefined
  };
}
