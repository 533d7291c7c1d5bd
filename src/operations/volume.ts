/**
 * min-records and max-drop: a COMPLETED execution is not yet a good one. After the operation, the
 * execution it followed (triggers, create) or the last COMPLETED one (status, wait, a trigger
 * skipped by max-age) is judged on its cached records:
 * - min-records: fewer cached records than that fails the cache;
 * - max-drop, full refresh: cached records fell by more than that share from the previous
 *   COMPLETED full refresh of the cache;
 * - max-drop, incremental: the records it deleted exceed that share of the last COMPLETED full
 *   refresh's cached records (an upstream truncate arriving as a mass delete).
 * Nothing to compare with is a notice, never a failure. What the step already read (the status,
 * the slot seen before a trigger) is used first; at most one history read per cache is added.
 */
import { KIND_LABEL } from '../format.js';
import type { VolumeGate } from '../inputs.js';
import { EXECUTION_KINDS, type Execution, type ExecutionKind, type HistoryExecution, type PeakaClient } from '../peaka/client.js';
import { errorMessage } from '../errors.js';
import { failLevel, type CacheResult, type Conclusion, type OperationContext } from './context.js';

export type Volume = 'ok' | 'below-minimum' | 'dropped' | 'unknown';

/** What the gate found for one cache: the `volume`, `previous-cached-records` and `records-change` outputs. */
export interface VolumeVerdict {
  volume: Volume;
  /** The execution judged. */
  executionId?: string;
  kind?: ExecutionKind;
  /** After: the judged execution's cached records. */
  records?: number;
  /** Before: the previous full refresh's cached records (full refresh), or the last full refresh's (incremental). */
  previousRecords?: number;
  /** Signed percent: the change of cached records (full refresh), minus the share deleted (incremental). */
  changePercent?: number;
  /** One or two sentences for the message. */
  sentence: string;
}

/** How many executions the one history read asks for. */
export const VOLUME_HISTORY_PAGE = 100;

const n = (x: number) => x.toLocaleString('en-US');
/** -42.5%, +3.1%, 0.0%. */
/** 30.0%, or with the decimals a figure rounded to agree with its verdict has (30.0004%). */
const percentText = (p: number) => `${Number.isInteger(Math.round(p * 1e9) / 1e8) ? p.toFixed(1) : String(p)}%`;
export const signedPercent = (p: number) => `${p > 0 ? '+' : p < 0 ? '-' : ''}${percentText(Math.abs(p))}`;
const completed = (e: { status: string } | undefined) => e?.status === 'COMPLETED';
const createdMs = (e: { createdAt?: string }) => Date.parse(e.createdAt ?? '') || 0;
const RANK: Record<Volume, number> = { 'below-minimum': 3, dropped: 2, unknown: 1, ok: 0 };
const CONCLUSION_RANK: Record<Conclusion, number> = { failure: 2, warning: 1, success: 0 };

/** The worst of several caches' volumes (below-minimum, dropped, unknown, ok). */
export const worstVolume = (volumes: Volume[]): Volume | undefined => [...volumes].sort((a, b) => RANK[b] - RANK[a])[0];

/** The history the operation read (the tracker reads it after a trigger), kept for the gate. */
interface SeenHistory {
  executions: HistoryExecution[];
  /** A first page shorter than its limit was read: the whole history (then) is in `executions`. */
  whole: boolean;
}

/**
 * Runs one cache's operation, then its volume gate when min-records or max-drop is set. The history
 * the operation reads is kept, so that the gate reads it again only when it lacks what is needed.
 */
export async function withVolumeGate(ctx: OperationContext, work: (ctx: OperationContext) => Promise<CacheResult>): Promise<CacheResult> {
  if (!ctx.inputs.volume) return work(ctx);
  const seen: SeenHistory = { executions: [], whole: false };
  const client = Object.create(ctx.client) as PeakaClient;
  client.executionHistory = async (cacheId, limit, deadline, offset = 0) => {
    const page = await ctx.client.executionHistory(cacheId, limit, deadline, offset);
    seen.executions.push(...page.filter((e) => !seen.executions.some((s) => s.id === e.id)));
    if (offset === 0 && page.length < limit) seen.whole = true;
    return page;
  };
  return gateVolume(ctx, await work({ ...ctx, client }), seen);
}

/** Judges the cache's volume when min-records or max-drop is set, and makes a failing one fail the cache. */
export async function gateVolume(
  ctx: OperationContext,
  result: CacheResult,
  seen: SeenHistory = { executions: [], whole: false }
): Promise<CacheResult> {
  const gate = ctx.inputs.volume;
  if (!gate || !result.cacheId) return result;
  let verdict: VolumeVerdict;
  try {
    verdict = await judgeVolume(ctx, result, gate, seen);
  } catch (err) {
    // The gate could not be checked: it does not pass in silence.
    verdict = { volume: 'unknown', sentence: `Volume not judged: ${errorMessage(err)}` };
    const conclusion = worse(result.outcome.conclusion, failLevel(ctx.inputs));
    return { ...result, volume: verdict, outcome: { conclusion, message: `${result.outcome.message} ${verdict.sentence}` } };
  }
  const failed = verdict.volume === 'below-minimum' || verdict.volume === 'dropped';
  if (verdict.volume === 'unknown') ctx.log.notice(verdict.sentence);
  const outcome = failed
    ? { conclusion: worse(result.outcome.conclusion, failLevel(ctx.inputs)), message: `${verdict.sentence} ${result.outcome.message}` }
    : { ...result.outcome, message: `${result.outcome.message} ${verdict.sentence}` };
  return { ...result, volume: verdict, outcome };
}

const worse = (a: Conclusion, b: Conclusion): Conclusion => (CONCLUSION_RANK[a] >= CONCLUSION_RANK[b] ? a : b);

async function judgeVolume(ctx: OperationContext, result: CacheResult, gate: VolumeGate, seen: SeenHistory): Promise<VolumeVerdict> {
  const cacheId = result.cacheId!;
  let history: Promise<HistoryExecution[]> | undefined;
  // What the step read first; the one history read this cache may add only when that does not tell.
  const search: Search = async (find) => {
    const known = find(seen.executions);
    if (known || seen.whole) return known;
    history ??= ctx.client.executionHistory(cacheId, VOLUME_HISTORY_PAGE, ctx.deadline);
    return find(await history);
  };
  const followed =
    (result.operation === 'full-refresh' || result.operation === 'incremental' || result.operation === 'create') && !result.skipped;
  let judged: HistoryExecution;
  // Without wait the step does not follow the execution to its end: whether it has ended by then is chance, so it is not judged.
  if (followed && 'wait' in ctx.inputs && !ctx.inputs.wait)
    return { volume: 'unknown', sentence: 'Volume not judged: with wait: false the step does not follow the execution to its end.' };
  if (followed) {
    const e = result.execution;
    if (!e || !completed(e))
      return {
        volume: 'unknown',
        executionId: e?.id,
        sentence: `Volume not judged: ${e ? `the ${KIND_LABEL[e.kind]} ${e.id} is ${e.status}, not COMPLETED` : 'no execution was followed'}.`
      };
    judged = e;
  } else {
    const type = 'executionType' in ctx.inputs ? ctx.inputs.executionType : undefined;
    const kinds: readonly ExecutionKind[] = type ? [type] : result.skipped && result.kind ? [result.kind] : EXECUTION_KINDS;
    const last = await lastCompleted(result.lastStatus?.executions ?? {}, kinds, search);
    if (!last)
      return {
        volume: 'unknown',
        sentence: `Volume not judged: cache ${result.table ?? cacheId} has no COMPLETED ${kinds.length === 1 ? KIND_LABEL[kinds[0]] : 'execution'} in its recent history.`
      };
    judged = last;
  }
  const kind = judged.kind ?? 'full-refresh';
  const label = `${KIND_LABEL[kind]} ${judged.id}`;
  const verdict: VolumeVerdict = { volume: 'ok', executionId: judged.id, kind, records: judged.cachedRecords, sentence: '' };
  const fails: string[] = [];
  const unknown: string[] = [];
  const passes: string[] = [];

  if (gate.minRecords !== undefined) {
    if (judged.cachedRecords === undefined) unknown.push(`the ${label} reported no cached records, so min-records was not judged`);
    else if (judged.cachedRecords < gate.minRecords) {
      verdict.volume = 'below-minimum';
      fails.push(`the ${label} cached ${n(judged.cachedRecords)} records, below min-records ${n(gate.minRecords)}`);
    } else passes.push(`${n(judged.cachedRecords)} records cached (min-records ${n(gate.minRecords)})`);
  }

  const limit = gate.maxDropPercent;
  if (limit !== undefined) {
    const max = `max-drop ${limit}%`;
    if (kind === 'full-refresh') {
      const before = await previousFullRefresh(judged, result.previous, search);
      if (!before) unknown.push(`no earlier COMPLETED full refresh of the cache to compare with, so ${max} was not judged`);
      else if (before.cachedRecords === undefined || judged.cachedRecords === undefined)
        unknown.push(`the full refreshes reported no cached records, so ${max} was not judged`);
      else {
        verdict.previousRecords = before.cachedRecords;
        const from = `${n(before.cachedRecords)} at the previous COMPLETED full refresh ${before.id}`;
        if (before.cachedRecords === 0) passes.push(`${n(judged.cachedRecords)} records, from 0 at the previous full refresh ${before.id}`);
        else {
          const change = ((judged.cachedRecords - before.cachedRecords) / before.cachedRecords) * 100;
          const dropped = -change > limit;
          verdict.changePercent = roundAgreeing(change, (r) => -r > limit === dropped);
          if (dropped) {
            if (verdict.volume === 'ok') verdict.volume = 'dropped';
            fails.push(
              `the ${label} cached ${n(judged.cachedRecords)} records, ${signedPercent(verdict.changePercent)} from ${from} (${max})`
            );
          } else passes.push(`${signedPercent(verdict.changePercent)} from ${from} (${max})`);
        }
      }
    } else {
      const base = await lastFullRefresh(judged, result.lastStatus?.executions['full-refresh'], search);
      if (!base || !base.cachedRecords)
        unknown.push(`no COMPLETED full refresh with cached records to measure the deletes against, so ${max} was not judged`);
      else if (judged.deletedRecords === undefined) unknown.push(`the ${label} reported no deleted records, so ${max} was not judged`);
      else {
        verdict.previousRecords = base.cachedRecords;
        const share = (judged.deletedRecords / base.cachedRecords) * 100;
        const dropped = share > limit;
        verdict.changePercent = roundAgreeing(-share, (r) => -r > limit === dropped);
        const what = `deleted ${n(judged.deletedRecords)} records, ${percentText(-verdict.changePercent)} of the ${n(base.cachedRecords)} the last full refresh ${base.id} cached (${max})`;
        if (dropped) {
          if (verdict.volume === 'ok') verdict.volume = 'dropped';
          fails.push(`the ${label} ${what}; an upstream truncate or an emptied source looks like this`);
        } else passes.push(what);
      }
    }
  }
  if (verdict.volume === 'ok' && unknown.length) verdict.volume = 'unknown';
  const parts = [
    fails.length ? `Volume ${verdict.volume}: ${fails.join('; ')}.` : '',
    unknown.length ? `Volume ${fails.length ? 'also ' : ''}not fully judged: ${unknown.join('; ')}.` : '',
    !fails.length && passes.length ? `Volume ${unknown.length ? 'so far ' : ''}ok: ${passes.join('; ')}.` : ''
  ];
  verdict.sentence = parts.filter(Boolean).join(' ');
  return verdict;
}

/**
 * A percentage to one decimal, or to as many more as it takes for the rounded figure to give the
 * same verdict as the exact one: a drop of 30.0004% fails max-drop 30%, so it is not shown as 30.0%.
 */
function roundAgreeing(x: number, verdict: (rounded: number) => boolean): number {
  for (const digits of [1, 2, 3, 4, 6, 9]) {
    const r = Math.round(x * 10 ** digits) / 10 ** digits;
    if (verdict(r)) return r;
  }
  return x;
}

/** Finds an execution in what the step read, else in the one history read. */
type Search = (find: (history: HistoryExecution[]) => HistoryExecution | undefined) => Promise<HistoryExecution | undefined>;

/** The last COMPLETED execution of `kinds`: from the status when its slots tell, else from the history. */
async function lastCompleted(
  slots: Partial<Record<ExecutionKind, Execution>>,
  kinds: readonly ExecutionKind[],
  search: Search
): Promise<HistoryExecution | undefined> {
  const shown = kinds.map((k) => slots[k]).filter((e): e is Execution => e !== undefined);
  const best = shown.filter(completed).sort((a, b) => createdMs(b) - createdMs(a))[0];
  // A slot that did not complete may hide an older COMPLETED execution of its kind newer than `best`.
  if (shown.every(completed)) return best;
  const found = await search((history) => history.find((e) => completed(e) && e.kind !== undefined && kinds.includes(e.kind)));
  return [best, found].filter((e): e is HistoryExecution => e !== undefined).sort((a, b) => createdMs(b) - createdMs(a))[0];
}

/** The COMPLETED full refresh before `judged`: the slot seen before the trigger when it completed, else from the history. */
async function previousFullRefresh(
  judged: HistoryExecution,
  seenBefore: Execution | undefined,
  search: Search
): Promise<HistoryExecution | undefined> {
  if (completed(seenBefore) && seenBefore!.id !== judged.id && seenBefore!.kind === 'full-refresh') return seenBefore;
  return search((history) => {
    const at = history.findIndex((e) => e.id === judged.id);
    const older = at >= 0 ? history.slice(at + 1) : history.filter((e) => createdMs(e) < createdMs(judged));
    return older.find((e) => e.kind === 'full-refresh' && completed(e) && e.id !== judged.id);
  });
}

/** The last COMPLETED full refresh before the incremental `judged`: the status's slot when it completed, else from the history. */
async function lastFullRefresh(
  judged: HistoryExecution,
  slot: Execution | undefined,
  search: Search
): Promise<HistoryExecution | undefined> {
  if (completed(slot) && createdMs(slot!) <= createdMs(judged)) return slot;
  return search((history) => history.find((e) => e.kind === 'full-refresh' && completed(e) && createdMs(e) <= createdMs(judged)));
}

/** The result fields (and outputs) of one cache's verdict. */
export function volumeFields(verdict: VolumeVerdict | undefined): {
  volume?: Volume;
  'previous-cached-records'?: number;
  'records-change'?: string;
} {
  if (!verdict) return {};
  return {
    volume: verdict.volume,
    ...(verdict.previousRecords !== undefined ? { 'previous-cached-records': verdict.previousRecords } : {}),
    ...(verdict.changePercent !== undefined ? { 'records-change': signedPercent(verdict.changePercent) } : {})
  };
}
