/**
 * The pull request comment of `status` with `tables-from`: a preview of what merging would do,
 * read from the migrations and the caches' current status, with nothing written to Peaka. Each
 * migration statement, its table and the cache that the merge's refresh would select, with the
 * cache's status, last success and size; then the tables with no cache, the caches that will fail
 * on their next refresh (their table dropped or renamed away), and the statements the parser could
 * not read. Stays within the comment's size budget: past it, rows are folded into one line.
 */
import type { CacheStatus, Execution } from './peaka/client.js';
import { parseInstant } from './duration.js';
import { COMMENT_BUDGET_CHARS } from './report.js';
import { forComment } from './safe-text.js';
import type { TableSelection } from './table-selection.js';
import type { TableName, Touch } from './migrations/touches.js';

const qualified = (t: TableName) => `${t.schema}.${t.table}`;
const utc = (iso: string | undefined) => {
  const ms = parseInstant(iso);
  return ms === undefined ? undefined : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};
/** Room kept for the fold lines and the closing tags. */
const RESERVE = 1_000;

/** The last COMPLETED execution the status shows (the latest end of the two slots). */
function lastSuccessOf(status: CacheStatus | undefined): Execution | undefined {
  const done = Object.values(status?.executions ?? {}).filter((e): e is Execution => e?.status === 'COMPLETED');
  return done.sort((a, b) => (parseInstant(b.finishedAt) ?? 0) - (parseInstant(a.finishedAt) ?? 0))[0];
}

/** Where a statement is: file:line and what it does. */
const where = (t: Touch) => `${t.file}:${t.line} ${t.statement}${t.fromHead ? ' (read from its first words)' : ''}`;

export function renderPreview(
  selection: TableSelection,
  statuses: ReadonlyMap<string, CacheStatus>,
  secret: string,
  budget = COMMENT_BUDGET_CHARS
): string {
  const clean = (text: string) => forComment(text, 300, secret);
  const migrations = selection.migrations;
  const scan = migrations?.scan;
  const rows = (migrations?.rows ?? []).filter((r) => r.cacheIds.length && !r.gone);
  // A table with no cache: one line, with every statement that touches it.
  const noCache = new Map<string, Touch[]>();
  for (const r of migrations?.rows ?? [])
    if (!r.cacheIds.length) noCache.set(qualified(r.touch.table), [...(noCache.get(qualified(r.touch.table)) ?? []), r.touch]);
  // A cache whose table is gone: the statement that drops or renames it away.
  const failing = (migrations?.rows ?? []).filter((r) => r.cacheIds.length && r.gone && r.touch.gone);
  const caches = new Set(rows.flatMap((r) => r.cacheIds));

  const head = [
    `<h2>🔎 Peaka cache preview: what merging this pull request refreshes</h2>`,
    `<p>${clean(
      scan
        ? `${scan.files.length} migration file${scan.files.length === 1 ? '' : 's'} of ${scan.changed} changed file${scan.changed === 1 ? '' : 's'} (${scan.source}); ${caches.size} cache${caches.size === 1 ? '' : 's'} to refresh on merge. Read only: nothing was written to Peaka.`
        : 'No migration file changed: merging refreshes no cache. Read only: nothing was written to Peaka.'
    )}</p>`
  ];
  const sections: { title: string; header?: string; lines: string[]; wrap: [string, string] }[] = [];
  sections.push({
    title: 'Caches the merge will refresh',
    header:
      '<tr><th>Migration file</th><th>Statement</th><th>Table</th><th>Cache</th><th>Status</th><th>Last success</th><th>Cached records</th></tr>',
    wrap: ['<table>', '</table>'],
    lines: rows.flatMap((r) =>
      r.cacheIds.map((id) => {
        const status = statuses.get(id);
        const last = lastSuccessOf(status);
        const cells = [
          `${r.touch.file}:${r.touch.line}`,
          `${r.touch.statement}${r.touch.fromHead ? ' (read from its first words)' : ''}`,
          qualified(r.touch.table),
          `${selection.tableOf.get(id) ?? ''} ${id}`.trim(),
          status?.status ?? 'UNKNOWN',
          last ? (utc(last.finishedAt) ?? 'COMPLETED, end not reported') : 'none shown',
          last?.cachedRecords === undefined ? '-' : last.cachedRecords.toLocaleString('en-US')
        ];
        return `<tr>${cells.map((c, i) => `<td>${i === 3 ? cacheCell(clean, selection.tableOf.get(id), id) : clean(c)}</td>`).join('')}</tr>`;
      })
    )
  });
  sections.push({
    title: 'Tables touched that have no cache',
    wrap: ['<ul>', '</ul>'],
    lines: [...noCache].map(([table, touches]) => `<li>${clean(table)}: ${clean(touches.map(where).join('; '))}</li>`)
  });
  sections.push({
    title: '⚠️ Caches that will fail on their next refresh',
    wrap: ['<ul>', '</ul>'],
    lines: failing.map((r) => {
      const how = r.touch.renamedTo ? `renames the table to ${qualified(r.touch.renamedTo)}` : 'drops the table';
      const todo = r.touch.renamedTo
        ? `create a cache for ${qualified(r.touch.renamedTo)} and delete the old one`
        : 'delete the cache if the table is gone for good';
      return `<li>${r.cacheIds.map((id) => cacheCell(clean, selection.tableOf.get(id), id)).join(', ')}: ${clean(`${where(r.touch)} ${how}; the merge will not refresh it, and its next refresh will fail. After merging, ${todo}.`)}</li>`;
    })
  });
  sections.push({
    title: '⚠️ Statements the SQL parser could not read',
    wrap: ['<ul>', '</ul>'],
    lines: (scan?.unreadable ?? []).map((u) => {
      const guessed = (scan?.touches ?? [])
        .filter((t) => t.fromHead && t.file === u.file && t.line === u.line)
        .map((t) => qualified(t.table));
      const what = guessed.length
        ? `from its first words it touches ${guessed.join(', ')}, which is counted above`
        : 'its tables are not known: check it by hand';
      return `<li>${clean(`${u.file}:${u.line}: ${what}.`)}</li>`;
    })
  });

  // Every section's title shows. The short lists (no cache, will fail, unread) are laid out first,
  // each within a sixth of the budget, so a long table cannot crowd out what will break; the table
  // of caches to refresh takes what is left. Lines that do not fit are folded into one line.
  let left = budget - RESERVE - head.join('\n').length;
  const shownOf = new Map<number, string[]>();
  for (const i of [1, 2, 3, 0]) {
    const s = sections[i];
    if (!s.lines.length) continue;
    const frame = `<h3>${s.title}</h3>\n${s.wrap[0]}${s.header ?? ''}${s.wrap[1]}`;
    left -= frame.length;
    let room = i === 0 ? left : Math.min(left, Math.floor(budget / 6));
    const shown: string[] = [];
    for (const line of s.lines) {
      if (line.length > room) break;
      shown.push(line);
      room -= line.length;
      left -= line.length;
    }
    const rest = s.lines.length - shown.length;
    if (rest)
      shown.push(
        s.wrap[0] === '<table>'
          ? `<tr><td colspan="7"><em>and ${rest} more; the job summary and the result output list every one</em></td></tr>`
          : `<li><em>and ${rest} more</em></li>`
      );
    shownOf.set(i, shown);
  }
  const out = [...head];
  sections.forEach((s, i) => {
    const shown = shownOf.get(i);
    if (shown) out.push(`<h3>${s.title}</h3>`, `${s.wrap[0]}${s.header ?? ''}${shown.join('')}${s.wrap[1]}`);
  });
  return out.join('\n') + '\n';
}

function cacheCell(clean: (t: string) => string, table: string | undefined, id: string): string {
  return `${table ? `${clean(table)} ` : ''}<code>${clean(id)}</code>`;
}
