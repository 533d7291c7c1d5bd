/**
 * Everything the user sees at the end: step outputs, the job summary, and the final annotation,
 * for one cache or many. Values that come from the API are escaped before they go into HTML.
 */
import * as core from '@actions/core';
import { formatDuration } from './duration.js';
import { executionDurationMs } from './execution-tracker.js';
import type { ExecutionKind, HistoryExecution } from './peaka-client.js';
import type { Conclusion, Outcome, RunState } from './run-state.js';

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
  stalled: boolean;
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
  'timed-out',
  'stalled'
] as const;

const COUNTS = ['cached-records', 'inserted-records', 'updated-records', 'deleted-records'] as const;

/** One cache's result. */
export function buildResult(state: RunState, outcome: Outcome): Result {
  const e = state.execution;
  return {
    operation: state.operation,
    'cache-id': state.cacheId,
    table: state.table,
    ...executionFields(e),
    'execution-type': e?.kind ?? state.kind,
    'cache-status': state.cacheStatus,
    'timed-out': state.timedOut,
    stalled: state.stalled,
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
const STATUS_RANK = ['FAILED', 'UNKNOWN', 'CANCELLED', 'CANCELED', 'RUNNING', 'NOT_INITIALIZED', 'DELETED', 'COMPLETED'];
const worstStatus = (statuses: (string | undefined)[]) =>
  statuses.filter((s): s is string => !!s).sort((a, b) => rank(a) - rank(b))[0];
const rank = (status: string) => (STATUS_RANK.includes(status) ? STATUS_RANK.indexOf(status) : 1);

/** Many caches as one: counts summed, the worst status and conclusion, the wall-clock span. */
export function aggregate(results: Result[]): Result {
  const sum = (name: (typeof COUNTS)[number]) => {
    const values = results.map((r) => r[name]).filter((v): v is number => v !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
  };
  const started = results.map((r) => r['started-at']).filter((s): s is string => !!s).sort();
  const finished = results.map((r) => r['finished-at']).filter((s): s is string => !!s).sort();
  const allFinished = finished.length === results.length && results.length > 0;
  const kinds = [...new Set(results.map((r) => r['execution-type']).filter(Boolean))];
  const conclusion = results.map((r) => r.conclusion).sort((a, b) => CONCLUSION_RANK[b] - CONCLUSION_RANK[a])[0] ?? 'success';
  const bad = results.filter((r) => r.conclusion !== 'success');
  const byStatus = new Map<string, number>();
  for (const r of results) {
    const status = r.status ?? r['cache-status'] ?? 'UNKNOWN';
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
  const tally = [...byStatus].map(([s, n]) => `${n} ${s}`).join(', ');
  const cached = sum('cached-records');
  const message =
    bad.length === 0
      ? `${results.length} caches: ${tally}${cached !== undefined ? `; ${cached.toLocaleString('en-US')} records cached` : ''}.`
      : `${bad.length} of ${results.length} caches did not succeed (${tally}).`;
  return {
    operation: results[0]?.operation ?? '',
    'cache-id': results.map((r) => r['cache-id']).filter(Boolean).join(','),
    'execution-id': results.map((r) => r['execution-id']).filter(Boolean).join(','),
    'execution-type': kinds.length === 1 ? kinds[0] : kinds.length ? 'mixed' : undefined,
    status: worstStatus(results.map((r) => r.status)),
    'cache-status': worstStatus(results.map((r) => r['cache-status'])),
    'cached-records': cached,
    'inserted-records': sum('inserted-records'),
    'updated-records': sum('updated-records'),
    'deleted-records': sum('deleted-records'),
    'started-at': started[0],
    'finished-at': allFinished ? finished.at(-1) : undefined,
    'duration-seconds': allFinished && started[0] ? (Date.parse(finished.at(-1)!) - Date.parse(started[0])) / 1000 : undefined,
    error: results.map((r) => r.error).filter(Boolean).join('; ') || undefined,
    'timed-out': results.some((r) => r['timed-out']),
    stalled: results.some((r) => r.stalled),
    conclusion,
    message
  };
}

/** For `history`: one object per execution, with its cache; a kind Peaka did not tell is 'unknown'. */
export function historyResults(states: RunState[]): (ReturnType<typeof executionFields> & { 'cache-id'?: string; 'execution-type': ExecutionKind | 'unknown' })[] {
  return states.flatMap((s) => (s.history ?? []).map((e) => ({ 'cache-id': s.cacheId, 'execution-type': e.kind ?? 'unknown', ...executionFields(e) })));
}

/** Removes the API key from any text we emit, whatever path it came by. */
export function redact(text: string, secret: string): string {
  return secret && secret.length >= 4 ? text.split(secret).join('***') : text;
}

/** Sets every output: from one cache's result, or from the aggregate of many (`result` then is an array). */
export function setOutputs(overall: Result, result: unknown, secret: string): void {
  for (const name of OUTPUT_NAMES) {
    const value = overall[name];
    if (value !== undefined && value !== '') core.setOutput(name, redact(String(value), secret));
  }
  core.setOutput('result', redact(JSON.stringify(result), secret));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`|\\[\]]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/\r?\n/g, ' ');
}

export const OPERATION_TITLE: Record<string, string> = {
  'full-refresh': 'Full refresh',
  incremental: 'Incremental sync',
  status: 'Status',
  'cancel-full-refresh': 'Cancel full refresh',
  'cancel-incremental': 'Cancel incremental sync',
  create: 'Create cache',
  wait: 'Wait',
  'update-schedule': 'Update schedule',
  delete: 'Delete cache',
  history: 'History'
};
const ICON: Record<Conclusion, string> = { success: '✅', warning: '⚠️', failure: '❌' };

/** 2026-11-22 10:00:00 UTC: an ISO time as people read it. */
const utc = (iso: string | undefined) => (iso && !Number.isNaN(Date.parse(iso)) ? `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC` : iso);
const count = (n: number | undefined) => (n === undefined ? '-' : n.toLocaleString('en-US'));
const seconds = (s: number | undefined) => (s === undefined ? '-' : formatDuration(s * 1000));

const tableHtml = (headers: string[], rows: string[][]) =>
  `<table><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;

/** The job summary as HTML: a heading, a table (one row per cache, and a total row for many), the outcome. */
export function renderSummary(results: Result[], overall: Result, secret: string, history?: ReturnType<typeof historyResults>): string {
  const clean = (text: string | undefined) => escapeHtml(redact(text ?? '-', secret));
  const title = clean(OPERATION_TITLE[overall.operation] ?? overall.operation);
  const lines = [`<h2>${ICON[overall.conclusion]} Peaka cache: ${title}</h2>`];
  if (history) {
    const tables = new Map(results.map((r) => [r['cache-id'], r.table]));
    lines.push(
      tableHtml(
        ['Cache', 'Execution', 'Type', 'Status', 'Started', 'Duration', 'Cached', 'Inserted', 'Updated', 'Deleted'],
        history.map((h) => [
          clean(tables.get(h['cache-id']) ?? h['cache-id']),
          `<code>${clean(h['execution-id'])}</code>`,
          clean(h['execution-type']),
          clean(h.status),
          clean(utc(h['started-at'])),
          seconds(h['duration-seconds']),
          ...COUNTS.map((c) => count(h[c]))
        ])
      )
    );
  } else {
    const row = (r: Result, cache: string) => [
      cache,
      clean(OPERATION_TITLE[r.operation] ?? r.operation),
      clean(r['timed-out'] || r.stalled ? `${r.status ?? 'UNKNOWN'} (${r.stalled ? 'stalled' : 'timed out'})` : (r.status ?? r['cache-status'] ?? '-')),
      ...COUNTS.map((c) => count(r[c])),
      seconds(r['duration-seconds'])
    ];
    const rows = results.map((r) => row(r, `${r.table ? `${clean(r.table)}<br>` : ''}<code>${clean(r['cache-id'])}</code>`));
    if (results.length > 1) rows.push(row(overall, `<strong>Total (${results.length} caches)</strong>`));
    lines.push(tableHtml(['Cache', 'Operation', 'Status', 'Cached', 'Inserted', 'Updated', 'Deleted', 'Duration'], rows));
  }
  lines.push(`<p>${clean(overall.message)}</p>`);
  const bad = results.length > 1 ? results.filter((r) => r.conclusion !== 'success') : [];
  if (bad.length) lines.push(`<ul>${bad.map((r) => `<li><strong>${clean(r.table ?? r['cache-id'])}</strong>: ${clean(r.message)}</li>`).join('')}</ul>`);
  if (results.length === 1 && !history) {
    const [r] = results;
    if (r.error && !r.message.includes(r.error)) lines.push(`<p><strong>Error from Peaka:</strong> ${clean(r.error)}</p>`);
    if (r['execution-id']) lines.push(`<p>Execution <code>${clean(r['execution-id'])}</code> (${clean(r['execution-type'])}).</p>`);
  }
  return lines.join('\n') + '\n';
}

export async function writeSummary(html: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(html).write();
  } catch (err) {
    core.warning(`Could not write the job summary: ${(err as Error).message}`);
  }
}

/** The final lines: for many caches an annotation per cache that did not succeed, then the step's own. */
export function announce(results: Result[], overall: Result, secret: string): void {
  const title = `Peaka ${OPERATION_TITLE[overall.operation] ?? overall.operation}`;
  if (results.length > 1) {
    for (const r of results.filter((x) => x.conclusion !== 'success')) {
      const line = redact(`${r.table ?? r['cache-id']}: ${r.message}`, secret);
      if (r.conclusion === 'failure') core.error(line, { title });
      else core.warning(line, { title });
    }
  }
  const message = redact(overall.message, secret);
  if (overall.conclusion === 'success') core.notice(message, { title });
  else if (overall.conclusion === 'warning') core.warning(message, { title });
  else core.setFailed(message);
}
