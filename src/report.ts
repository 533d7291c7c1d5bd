/**
 * Everything the user sees at the end: step outputs, the job summary, and the final annotation.
 * Values that come from the API are escaped before they go into the summary's HTML.
 */
import * as core from '@actions/core';
import { formatDuration } from './duration.js';
import { executionDurationMs } from './execution-tracker.js';
import type { ExecutionKind } from './peaka-client.js';
import type { Outcome, RunState } from './run-state.js';

export interface Result {
  operation: string;
  'cache-id'?: string;
  table?: string;
  'execution-id'?: string;
  'execution-type'?: ExecutionKind;
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
  conclusion: Outcome['conclusion'];
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
  'timed-out'
] as const;

export function buildResult(state: RunState, outcome: Outcome): Result {
  const e = state.execution;
  const durationMs = executionDurationMs(e);
  return {
    operation: state.operation,
    'cache-id': state.cacheId,
    table: state.table,
    'execution-id': e?.id,
    'execution-type': e?.kind ?? state.kind,
    status: e?.status,
    'cache-status': state.cacheStatus,
    'cached-records': e?.cachedRecords,
    'inserted-records': e?.insertedRecords,
    'updated-records': e?.updatedRecords,
    'deleted-records': e?.deletedRecords,
    'started-at': e?.createdAt,
    'finished-at': e?.finishedAt,
    'duration-seconds': durationMs === undefined ? undefined : Math.round(durationMs) / 1000,
    error: e?.error,
    'timed-out': state.timedOut,
    conclusion: outcome.conclusion,
    message: outcome.message
  };
}

/** Removes the API key from any text we emit, whatever path it came by. */
export function redact(text: string, secret: string): string {
  return secret && secret.length >= 4 ? text.split(secret).join('***') : text;
}

export function setOutputs(result: Result, secret: string): void {
  for (const name of OUTPUT_NAMES) {
    const value = result[name];
    if (value !== undefined) core.setOutput(name, redact(String(value), secret));
  }
  core.setOutput('result', redact(JSON.stringify(result), secret));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`|\\[\]]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/\r?\n/g, ' ');
}

const OPERATION_TITLE: Record<string, string> = {
  'full-refresh': 'Full refresh',
  incremental: 'Incremental sync',
  status: 'Status',
  'cancel-full-refresh': 'Cancel full refresh',
  'cancel-incremental': 'Cancel incremental sync',
  create: 'Create cache'
};
const ICON: Record<Outcome['conclusion'], string> = { success: '✅', warning: '⚠️', failure: '❌' };

const count = (n: number | undefined) => (n === undefined ? '-' : n.toLocaleString('en-US'));

/** The job summary as HTML: a heading, one table row for the cache, and the outcome. */
export function renderSummary(result: Result, secret: string): string {
  const clean = (text: string | undefined) => escapeHtml(redact(text ?? '-', secret));
  const status = result['timed-out'] ? `${result.status ?? 'UNKNOWN'} (timed out)` : (result.status ?? result['cache-status'] ?? '-');
  const cache = `${result.table ? `${clean(result.table)}<br>` : ''}<code>${clean(result['cache-id'])}</code>`;
  const cells = [
    cache,
    clean(OPERATION_TITLE[result.operation] ?? result.operation),
    clean(status),
    count(result['cached-records']),
    count(result['inserted-records']),
    count(result['updated-records']),
    count(result['deleted-records']),
    result['duration-seconds'] === undefined ? '-' : formatDuration(result['duration-seconds'] * 1000)
  ];
  const headers = ['Cache', 'Operation', 'Status', 'Cached', 'Inserted', 'Updated', 'Deleted', 'Duration'];
  const rows = [
    `<tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr>`,
    `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`
  ];
  const lines = [
    `<h2>${ICON[result.conclusion]} Peaka cache: ${clean(OPERATION_TITLE[result.operation] ?? result.operation)}</h2>`,
    `<table>${rows.join('')}</table>`,
    `<p>${clean(result.message)}</p>`
  ];
  if (result.error && !result.message.includes(result.error)) lines.push(`<p><strong>Error from Peaka:</strong> ${clean(result.error)}</p>`);
  if (result['execution-id']) lines.push(`<p>Execution <code>${clean(result['execution-id'])}</code> (${clean(result['execution-type'])}).</p>`);
  return lines.join('\n') + '\n';
}

export async function writeSummary(result: Result, secret: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(renderSummary(result, secret)).write();
  } catch (err) {
    core.warning(`Could not write the job summary: ${(err as Error).message}`);
  }
}

/** The final line: a notice on success, a warning, or the step's failure. */
export function announce(result: Result, secret: string): void {
  const message = redact(result.message, secret);
  const title = `Peaka ${OPERATION_TITLE[result.operation] ?? result.operation}`;
  if (result.conclusion === 'success') core.notice(message, { title });
  else if (result.conclusion === 'warning') core.warning(message, { title });
  else core.setFailed(message);
}
