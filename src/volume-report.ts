/**
 * The job summary's section for min-records / max-drop: every judged cache with its records before
 * and after, the failing ones first.
 */
import type { VolumeGate } from './inputs.js';
import type { Result } from './report.js';
import { forHtml } from './safe-text.js';

/** Rows shown before the rest are folded into one line (the result output keeps them all). */
export const VOLUME_ROWS_MAX = 200;
const ORDER = ['below-minimum', 'dropped', 'unknown', 'ok'];
const count = (n: number | undefined) => (n === undefined ? '-' : n.toLocaleString('en-US'));

export function renderVolume(results: Result[], gate: VolumeGate | undefined, secret: string): string {
  const judged = results.filter((r) => r.volume);
  if (!gate || !judged.length) return '';
  const clean = (text: string) => forHtml(text, Infinity, secret);
  const sorted = [...judged].sort((a, b) => ORDER.indexOf(a.volume!) - ORDER.indexOf(b.volume!));
  const limits = [
    gate.minRecords !== undefined ? `min-records ${count(gate.minRecords)}` : '',
    gate.maxDropPercent !== undefined ? `max-drop ${gate.maxDropPercent}%` : ''
  ]
    .filter(Boolean)
    .join(', ');
  const icon = (v: string) => (v === 'ok' ? '✅' : v === 'unknown' ? '❔' : '❌');
  const rows = sorted
    .slice(0, VOLUME_ROWS_MAX)
    .map(
      (r) =>
        `<tr><td>${clean(r.table ?? r['cache-id'] ?? '-')}</td><td>${icon(r.volume!)} ${clean(r.volume!)}</td><td>${count(r['previous-cached-records'])}</td><td>${count(r['cached-records'])}</td><td>${clean(r['records-change'] ?? '-')}</td></tr>`
    );
  if (sorted.length > VOLUME_ROWS_MAX)
    rows.push(
      `<tr><td colspan="5"><em>and ${sorted.length - VOLUME_ROWS_MAX} more caches; the result output lists every one</em></td></tr>`
    );
  const header = '<tr><th>Cache</th><th>Volume</th><th>Before</th><th>After</th><th>Change</th></tr>';
  return `<h3>${clean(`Volume (${limits})`)}</h3>\n<table>${header}${rows.join('')}</table>\n`;
}
