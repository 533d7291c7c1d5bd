/**
 * What the job summary and `result` add for caches chosen by table name (which pattern or which
 * migration statement selected which cache) and for max-age (the stale caches).
 */
import { formatDuration } from './duration.js';
import type { Result } from './report.js';
import { forHtml } from './safe-text.js';
import type { TableSelection } from './table-selection.js';
import type { TableName } from './migrations/touches.js';

const qualified = (t: TableName) => `${t.schema}.${t.table}`;

/** The `pattern` / `migrations` fields of one cache's result. */
export function selectionFields(selection: TableSelection | undefined, cacheId: string | undefined): Pick<Result, 'pattern' | 'migrations'> {
  const reasons = (cacheId && selection?.reasons.get(cacheId)) || [];
  const patterns = reasons.flatMap((r) => (r.pattern ? [r.pattern] : []));
  const migrations = reasons.flatMap((r) => (r.migration ? [{ file: r.migration.file, line: r.migration.line, statement: r.migration.statement, table: qualified(r.migration.table) }] : []));
  return { ...(patterns.length ? { pattern: patterns.join(', ') } : {}), ...(migrations.length ? { migrations } : {}) };
}

const table = (headers: string[], rows: string[][]) =>
  `<table><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;

/** The summary's section on how the caches were chosen. */
export function renderSelection(selection: TableSelection | undefined, secret: string): string {
  if (!selection) return '';
  const clean = (text: string) => forHtml(text, Infinity, secret);
  const cache = (id: string) => `${clean(selection.tableOf.get(id) ?? '')} <code>${clean(id)}</code>`;
  if (selection.patterns) {
    const rows = selection.patterns.map((p) => [`<code>${clean(p.pattern)}</code>`, p.cacheIds.length ? p.cacheIds.map(cache).join('<br>') : 'no cache (allow-no-match)']);
    return `<h3>Caches chosen by table name</h3>\n${table(['Pattern', 'Caches'], rows)}\n`;
  }
  const migrations = selection.migrations;
  if (!migrations) return '';
  const { scan } = migrations;
  const lines = [`<h3>Tables the migrations touched</h3>`, `<p>${clean(`${scan.files.length} migration file${scan.files.length === 1 ? '' : 's'} of ${scan.changed} changed file${scan.changed === 1 ? '' : 's'} (${scan.source}).`)}</p>`];
  const rows = migrations.rows.map(({ touch, cacheIds, gone }) => {
    const renamed = touch.renamedTo ? ` (to ${qualified(touch.renamedTo)})` : touch.renamedFrom ? ` (from ${qualified(touch.renamedFrom)})` : '';
    const caches = !cacheIds.length ? 'no cache' : gone ? `⚠️ ${cacheIds.map(cache).join('<br>')}<br>not refreshed: the table is gone, so its cache will fail on its next refresh` : cacheIds.map(cache).join('<br>');
    return [`${clean(touch.file)}:${touch.line}`, clean(`${touch.statement}${touch.fromHead ? ' (read from its first words)' : ''}`), clean(qualified(touch.table) + renamed), caches];
  });
  if (rows.length) lines.push(table(['Migration file', 'Statement', 'Table', 'Cache'], rows));
  if (scan.unreadable.length) lines.push(`<p>⚠️ ${clean(`Statements the SQL parser could not read: ${scan.unreadable.map((u) => `${u.file}:${u.line}`).join(', ')}.`)}</p>`);
  return lines.join('\n') + '\n';
}

/** With max-age and several caches: the stale ones, with how old their last success is. */
export function renderFreshness(results: Result[], maxAgeMs: number | undefined, secret: string): string {
  if (maxAgeMs === undefined || results.length < 2) return '';
  const stale = results.filter((r) => r.fresh === false && !r.skipped);
  const clean = (text: string) => forHtml(text, Infinity, secret);
  if (!stale.length) return `<p>${clean(`Every cache's last success is within max-age ${formatDuration(maxAgeMs)}.`)}</p>\n`;
  const items = stale.map(
    (r) =>
      `<li><strong>${clean(r.table ?? r['cache-id'] ?? '-')}</strong>: ${clean(
        r['last-success-at'] ? `last success ${r['last-success-at']}, ${formatDuration((r['age-seconds'] ?? 0) * 1000)} ago` : 'no COMPLETED execution'
      )}</li>`
  );
  return `<h3>${clean(`Stale caches (max-age ${formatDuration(maxAgeMs)})`)}</h3>\n<ul>${items.join('')}</ul>\n`;
}
