/**
 * Everything the user sees at the end: step outputs, the job summary (and the pull request
 * comment), and the final annotations, for one cache or many. Every value that came from the API
 * goes out through safe-text.ts; the summary and the comment stay within GitHub's size limits.
 */
import * as core from '@actions/core';
import { formatDuration, parseInstant } from './duration.js';
import { count, executionDurationMs, utc } from './format.js';
import { aggregateFreshness, freshnessFields } from './operations/freshness.js';
import { titleOf } from './operations/table.js';
import type { ExecutionKind, HistoryExecution } from './peaka/client.js';
import type { Conclusion, Known, Outcome } from './operations/context.js';
import { volumeFields, worstVolume, type Volume } from './operations/volume.js';
import { HTML_MESSAGE_MAX, HTML_TEXT_MAX, forComment, forHtml, forOutput, say } from './safe-text.js';

export interface Result {
  operation: string;
  'cache-id'?: string;
  table?: string;
  'execution-id'?: string;
  'execution-type'?: ExecutionKind | 'mixed';
  status?: string;
  'cache-status'?: string;
  'cached-records'?: number;
  'inserted-records'?: number;
  'updated-records'?: number;
  'deleted-records'?: number;
  'started-at'?: string;
  'finished-at'?: string;
  'duration-seconds'?: number;
  error?: string;
  'timed-out': boolean;
  /** With max-age (see freshness.ts). */
  fresh?: boolean;
  'last-success-at'?: string;
  'age-seconds'?: number;
  skipped?: boolean;
  /** With tables / tables-from: the patterns or migration statements that selected the cache. */
  pattern?: string;
  migrations?: { file: string; line: number; statement: string; table: string }[];
  stalled: boolean;
  /** After a trigger: another execution of the kind started in the same window, so which is the step's is not known. */
  ambiguous?: boolean;
  /** With `ambiguous`: the other executions, by id. */
  'other-execution-ids'?: string[];
  /** With min-records / max-drop (see operations/volume.ts). */
  volume?: Volume;
  'previous-cached-records'?: number;
  'records-change'?: string;
  conclusion: Conclusion;
  message: string;
}

export const OUTPUT_NAMES = [
  'cache-id',
  'execution-id',
  'execution-type',
  'status',
  'cache-status',
  'cached-records',
  'inserted-records',
  'updated-records',
  'deleted-records',
  'started-at',
  'finished-at',
  'duration-seconds',
  'error',
  'fresh',
  'last-success-at',
  'age-seconds',
  'skipped',
  'timed-out',
  'stalled',
  'ambiguous',
  'volume',
  'previous-cached-records',
  'records-change'
] as const;

const COUNTS = ['cached-records', 'inserted-records', 'updated-records', 'deleted-records'] as const;

/** One cache's result. */
export function buildResult(state: Known, outcome: Outcome): Result {
  const e = state.execution;
  return {
    operation: state.operation,
    'cache-id': state.cacheId,
    table: state.table,
    ...executionFields(e),
    'execution-type': e?.kind ?? state.kind,
    'cache-status': state.cacheStatus,
    'timed-out': state.timedOut,
    ...freshnessFields(state),
    stalled: state.stalled,
    ambiguous: (state.rivals?.length ?? 0) > 0,
    ...(state.rivals?.length ? { 'other-execution-ids': state.rivals.map((r) => r.id) } : {}),
    ...volumeFields(state.volume),
    conclusion: outcome.conclusion,
    message: outcome.message
  };
}

function executionFields(e: HistoryExecution | undefined) {
  const durationMs = executionDurationMs(e);
  return {
    'execution-id': e?.id,
    status: e?.status,
    'cached-records': e?.cachedRecords,
    'inserted-records': e?.insertedRecords,
    'updated-records': e?.updatedRecords,
    'deleted-records': e?.deletedRecords,
    'started-at': e?.createdAt,
    'finished-at': e?.finishedAt,
    'duration-seconds': durationMs === undefined ? undefined : Math.round(durationMs) / 1000,
    error: e?.error
  };
}

const CONCLUSION_RANK: Record<Conclusion, number> = { failure: 2, warning: 1, success: 0 };
const STATUS_RANK = ['FAILED', 'UNKNOWN', 'CANCELLED', 'CANCELED', 'CANCELLING', 'RUNNING', 'NOT_INITIALIZED', 'DELETED', 'COMPLETED'];
const worstStatus = (statuses: (string | undefined)[]) => statuses.filter((s): s is string => !!s).sort((a, b) => rank(a) - rank(b))[0];
const rank = (status: string) => (STATUS_RANK.includes(status) ? STATUS_RANK.indexOf(status) : 1);

/**
 * Many caches as one: counts summed, the worst status and conclusion, the wall-clock span. A cache
 * skipped as fresh (max-age) started nothing: it is counted as skipped, never in the executions' figures.
 */
export function aggregate(results: Result[]): Result {
  const acted = results.filter((r) => !r.skipped);
  const sum = (name: (typeof COUNTS)[number]) => {
    const values = acted.map((r) => r[name]).filter((v): v is number => v !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
  };
  // Instants compared as instants (offsets differ), never as strings.
  const instants = (name: 'started-at' | 'finished-at') =>
    acted
      .map((r) => ({ text: r[name], ms: parseInstant(r[name]) }))
      .filter((x): x is { text: string; ms: number } => x.ms !== undefined)
      .sort((a, b) => a.ms - b.ms);
  const started = instants('started-at');
  const finished = instants('finished-at');
  const allFinished = finished.length === acted.length && acted.length > 0;
  const allStarted = started.length === acted.length;
  const kinds = [...new Set(acted.map((r) => r['execution-type']).filter(Boolean))];
  const conclusion = results.map((r) => r.conclusion).sort((a, b) => CONCLUSION_RANK[b] - CONCLUSION_RANK[a])[0] ?? 'success';
  const bad = results.filter((r) => r.conclusion !== 'success');
  const byStatus = new Map<string, number>();
  for (const r of results) {
    // A cache whose operation failed before any execution is not counted under its cache's status.
    const status = r.skipped
      ? 'skipped (fresh)'
      : (r.status ?? (r.conclusion === 'success' ? r['cache-status'] : 'no execution') ?? 'UNKNOWN');
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
  const stale = results.filter((r) => r.fresh === false).length;
  const tally = [...byStatus].map(([s, n]) => `${n} ${s}`).join(', ') + (stale ? `; ${stale} stale` : '');
  const cached = sum('cached-records');
  const message =
    bad.length === 0
      ? `${results.length} caches: ${tally}${cached !== undefined ? `; ${cached.toLocaleString('en-US')} records cached` : ''}.`
      : `${bad.length} of ${results.length} caches did not succeed (${tally}).`;
  return {
    operation: results[0]?.operation ?? '',
    'cache-id': results
      .map((r) => r['cache-id'])
      .filter(Boolean)
      .join(','),
    'execution-id': results
      .map((r) => r['execution-id'])
      .filter(Boolean)
      .join(','),
    'execution-type': kinds.length === 1 ? kinds[0] : kinds.length ? 'mixed' : undefined,
    status: worstStatus(acted.map((r) => r.status)),
    'cache-status': worstStatus(results.map((r) => r['cache-status'])),
    'cached-records': cached,
    'inserted-records': sum('inserted-records'),
    'updated-records': sum('updated-records'),
    'deleted-records': sum('deleted-records'),
    'started-at': started[0]?.text,
    'finished-at': allFinished ? finished.at(-1)!.text : undefined,
    'duration-seconds': allFinished && allStarted ? (finished.at(-1)!.ms - started[0].ms) / 1000 : undefined,
    error:
      results
        .map((r) => r.error)
        .filter(Boolean)
        .join('; ') || undefined,
    'timed-out': results.some((r) => r['timed-out']),
    ...aggregateFreshness(results),
    stalled: results.some((r) => r.stalled),
    ambiguous: results.some((r) => r.ambiguous),
    ...aggregateVolume(results),
    conclusion,
    message
  };
}

/** Many caches: the worst volume, and the records before summed when every judged cache has them (records-change is per cache, in result). */
function aggregateVolume(results: Result[]): Pick<Result, 'volume' | 'previous-cached-records'> {
  const judged = results.filter((r) => r.volume);
  if (!judged.length) return {};
  const before = judged.map((r) => r['previous-cached-records']);
  const all = before.every((b): b is number => b !== undefined);
  return {
    volume: worstVolume(judged.map((r) => r.volume!)),
    ...(all ? { 'previous-cached-records': before.reduce((a, b) => a + b, 0) } : {})
  };
}

/** For `history`: one object per execution, with its cache; a kind Peaka did not tell is 'unknown'. */
export function historyResults(
  states: Known[]
): (ReturnType<typeof executionFields> & { 'cache-id'?: string; 'execution-type': ExecutionKind | 'unknown' })[] {
  return states.flatMap((s) =>
    (s.history ?? []).map((e) => ({ 'cache-id': s.cacheId, 'execution-type': e.kind ?? 'unknown', ...executionFields(e) }))
  );
}

/**
 * Values from the API that could not be read and were left out of the outputs, one line per cache:
 * for a warning, so that a missing figure is explained rather than silently absent.
 */
export function unreadableNotes(states: Known[]): string[] {
  return states.flatMap((s) => {
    const executions = [s.execution, ...(s.history ?? [])].filter(
      (e, i, all): e is HistoryExecution => !!e && all.findIndex((x) => x?.id === e.id) === i
    );
    const fields = executions.flatMap((e) => (e.unreadable ?? []).map((f) => (executions.length > 1 ? `${e.id}: ${f}` : f)));
    return fields.length
      ? [
          `Cache ${s.table ?? s.cacheId ?? ''}: Peaka sent values that could not be read; they are left out of the outputs: ${fields.join(', ')}.`
        ]
      : [];
  });
}

/** Sets every output: from one cache's result, or from the aggregate of many (`result` then is an array). */
export function setOutputs(overall: Result, result: unknown, secret: string): void {
  for (const name of OUTPUT_NAMES) {
    const value = overall[name];
    if (value !== undefined && value !== '') say.output(name, forOutput(String(value), secret));
  }
  say.output('result', forOutput(JSON.stringify(result), secret));
}

const ICON: Record<Conclusion, string> = { success: '✅', warning: '⚠️', failure: '❌' };

/** 2026-11-22 10:00:00 UTC: an ISO time as people read it. */
const utcOf = (iso: string | undefined) => {
  const ms = parseInstant(iso);
  return ms === undefined ? iso : utc(ms);
};
const seconds = (s: number | undefined) => (s === undefined ? '-' : formatDuration(s * 1000));

/** GitHub refuses a step summary over 1 MiB: the summary stays under this many bytes. */
export const SUMMARY_BUDGET_BYTES = 1_000_000;
/** A comment holds at most 65,536 characters: ours (its marker included) stays under this many. */
export const COMMENT_BUDGET_CHARS = 60_000;
/** Room kept for the lines that say how many rows were folded away. */
const FOLD_RESERVE = 300;
/** Per-cache annotations shown before the rest are folded into one (GitHub shows 10 per step). */
export const CACHE_ANNOTATIONS_MAX = 10;

export interface RenderOptions {
  /** For the pull request comment: mentions and references in API text broken, the comment's budget. */
  forComment?: boolean;
  /** Overrides the size budget (bytes for the summary, characters for the comment). */
  budget?: number;
}

const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
const headerRow = (headers: string[]) => `<tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr>`;

/** How many of `sizes`, from the first, fit in `budget`, and the room they take. */
function fit(sizes: number[], budget: number): { n: number; used: number } {
  let n = 0;
  let used = 0;
  while (n < sizes.length && used + sizes[n] <= budget) used += sizes[n++];
  return { n, used };
}

/**
 * The job summary as HTML: a heading, a table (one row per cache or execution, and a total row for
 * many), the outcome, and the caches that did not succeed. Past the size budget, table rows and
 * list items are folded into an "and N more" line; the `result` output keeps the full list.
 */
export function renderSummary(
  results: Result[],
  overall: Result,
  secret: string,
  history?: ReturnType<typeof historyResults>,
  options: RenderOptions = {}
): string {
  const comment = options.forComment ?? false;
  const budget = options.budget ?? (comment ? COMMENT_BUDGET_CHARS : SUMMARY_BUDGET_BYTES);
  const size = comment ? (t: string) => t.length : (t: string) => Buffer.byteLength(t);
  const safe = comment ? forComment : forHtml;
  const clean = (text: string | undefined, max = HTML_TEXT_MAX) => safe(text ?? '-', max, secret);
  const title = clean(titleOf(overall.operation));
  const heading = `<h2>${ICON[overall.conclusion]} Peaka cache: ${title}</h2>`;

  let headers: string[];
  let rows: string[];
  const footer: string[] = [];
  let what: string;
  if (history) {
    const tables = new Map(results.map((r) => [r['cache-id'], r.table]));
    headers = ['Cache', 'Execution', 'Type', 'Status', 'Started', 'Duration', 'Cached', 'Inserted', 'Updated', 'Deleted'];
    rows = history.map((h) =>
      row([
        clean(tables.get(h['cache-id']) ?? h['cache-id']),
        `<code>${clean(h['execution-id'])}</code>`,
        clean(h['execution-type']),
        clean(h.status),
        clean(utcOf(h['started-at'])),
        seconds(h['duration-seconds']),
        ...COUNTS.map((c) => count(h[c]))
      ])
    );
    what = 'executions';
  } else {
    const cells = (r: Result, cache: string) => [
      cache,
      clean(titleOf(r.operation)),
      clean(
        r.skipped
          ? 'skipped (fresh)'
          : r['timed-out'] || r.stalled
            ? `${r.status ?? 'UNKNOWN'} (${r.stalled ? 'stalled' : 'timed out'})`
            : (r.status ?? r['cache-status'] ?? '-')
      ),
      ...COUNTS.map((c) => count(r[c])),
      seconds(r['duration-seconds'])
    ];
    headers = ['Cache', 'Operation', 'Status', 'Cached', 'Inserted', 'Updated', 'Deleted', 'Duration'];
    rows = results.map((r) => row(cells(r, `${r.table ? `${clean(r.table)}<br>` : ''}<code>${clean(r['cache-id'])}</code>`)));
    if (results.length > 1) footer.push(row(cells(overall, `<strong>Total (${results.length} caches)</strong>`)));
    what = 'caches';
  }
  const message = `<p>${clean(overall.message, HTML_MESSAGE_MAX)}</p>`;
  const bad = results.length > 1 ? results.filter((r) => r.conclusion !== 'success') : [];
  const items = bad.map((r) => `<li><strong>${clean(r.table ?? r['cache-id'])}</strong>: ${clean(r.message, HTML_MESSAGE_MAX)}</li>`);
  const tail: string[] = [];
  if (results.length === 1 && !history) {
    const [r] = results;
    if (r.error && !r.message.includes(r.error)) tail.push(`<p><strong>Error from Peaka:</strong> ${clean(r.error, HTML_MESSAGE_MAX)}</p>`);
    if (r['execution-id']) tail.push(`<p>Execution <code>${clean(r['execution-id'])}</code> (${clean(r['execution-type'])}).</p>`);
  }

  // What always shows; rows and list items share what is left, and each may use the other's spare room.
  const fixed = [heading, '<table>', headerRow(headers), ...footer, '</table>', message, bad.length ? '<ul></ul>' : '', ...tail].join('\n');
  const left = Math.max(0, budget - size(fixed) - 2 * FOLD_RESERVE);
  const rowSizes = rows.map(size);
  const itemSizes = items.map(size);
  const sum = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0);
  const firstRows = fit(rowSizes, Math.max(left / 2, left - sum(itemSizes)));
  const shownItems = fit(itemSizes, left - firstRows.used);
  const shownRows = fit(rowSizes, left - shownItems.used);
  const more = (n: number, of: string) => `<em>and ${n} more ${of}; the result output lists every one</em>`;
  const tableRows = rows.slice(0, shownRows.n);
  if (shownRows.n < rows.length) tableRows.push(`<tr><td colspan="${headers.length}">${more(rows.length - shownRows.n, what)}</td></tr>`);
  const listItems = items.slice(0, shownItems.n);
  if (shownItems.n < items.length) listItems.push(`<li>${more(items.length - shownItems.n, 'caches that did not succeed')}</li>`);

  const lines = [heading, `<table>${headerRow(headers)}${tableRows.join('')}${footer.join('')}</table>`, message];
  if (listItems.length) lines.push(`<ul>${listItems.join('')}</ul>`);
  lines.push(...tail);
  return lines.join('\n') + '\n';
}

export async function writeSummary(html: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(html).write();
  } catch (err) {
    say.warning(`Could not write the job summary: ${(err as Error).message}`);
  }
}

/**
 * The final lines: for many caches an annotation per cache that did not succeed (each with its own
 * message; past CACHE_ANNOTATIONS_MAX, one line for the rest), then the step's own.
 */
export function announce(results: Result[], overall: Result, secret: string): void {
  const title = `Peaka ${titleOf(overall.operation)}`;
  if (results.length > 1) {
    const bad = results.filter((x) => x.conclusion !== 'success');
    for (const r of bad.slice(0, CACHE_ANNOTATIONS_MAX)) {
      const line = forOutput(`${r.table ?? r['cache-id']}: ${r.message}`, secret);
      if (r.conclusion === 'failure') say.error(line, title);
      else say.warning(line, title);
    }
    const rest = bad.slice(CACHE_ANNOTATIONS_MAX);
    if (rest.length) {
      const line = `And ${rest.length} more caches did not succeed; the job summary and the result output list them all.`;
      if (rest.some((r) => r.conclusion === 'failure')) say.error(line, title);
      else say.warning(line, title);
    }
  }
  const message = forOutput(overall.message, secret);
  if (overall.conclusion === 'success') say.notice(message, title);
  else if (overall.conclusion === 'warning') say.warning(message, title);
  else {
    // core.setFailed takes no title: the same error annotation, titled as the notice is, and the step's failure.
    say.error(message, title);
    process.exitCode = core.ExitCode.Failure;
  }
}
