/**
 * What the job summary and `result` add for caches chosen by table name (which pattern or which
 * migration statement selected which cache) and for max-age (the stale caches).
 */
import { formatDuration } from './duration.js';
import type { Result } from './report.js';
import { forHtml } from './safe-text.js';
import type { TableSelection } from './table-selection.js';
import type { TableName, Touch } from './migrations/touches.js';

const qualified = (t: TableName) => `${t.schema}.${t.table}`;

/** Room the migrations section of the job summary may take (GitHub refuses a summary over 1 MiB, and the caches' table comes first). */
export const SELECTION_BUDGET_BYTES = 40_000;
/** Room the `migrations` lists of all caches' results may take together in the `result` output. */
export const RESULT_MIGRATIONS_BUDGET_BYTES = 200_000;
/** Statements the parser could not read, named one by one in the summary before the rest are counted. */
const NAMED_MAX = 20;

type MigrationEntry = NonNullable<Result['migrations']>[number] & { statements?: number; 'last-line'?: number };

/**
 * Touches folded by file and table (and statement, or rename): 20,000 INSERTs into one table in one
 * file are one entry, with their count and their first and last line.
 */
function foldTouches<T>(items: T[], touchOf: (item: T) => Touch, key: (touch: Touch) => string): { first: T; touches: Touch[] }[] {
  const groups = new Map<string, { first: T; touches: Touch[] }>();
  for (const item of items) {
    const t = touchOf(item);
    const k = key(t);
    const group = groups.get(k);
    if (group) group.touches.push(t);
    else groups.set(k, { first: item, touches: [t] });
  }
  return [...groups.values()];
}
const renameOf = (t: Touch) => (t.renamedTo ? `>${qualified(t.renamedTo)}` : t.renamedFrom ? `<${qualified(t.renamedFrom)}` : '');

/** The `pattern` / `migrations` fields of one cache's result; the migrations folded by file, statement and table, within the result's budget. */
export function selectionFields(
  selection: TableSelection | undefined,
  cacheId: string | undefined
): Pick<Result, 'pattern' | 'migrations'> {
  const reasons = (cacheId && selection?.reasons.get(cacheId)) || [];
  const patterns = reasons.flatMap((r) => (r.pattern ? [r.pattern] : []));
  const touches = reasons.flatMap((r) => (r.migration ? [r.migration] : []));
  const groups = foldTouches(
    touches,
    (t) => t,
    (t) => JSON.stringify([t.file, t.statement, qualified(t.table), renameOf(t)])
  );
  const caches = [...(selection?.reasons.values() ?? [])].filter((r) => r.some((x) => x.migration)).length || 1;
  const budget = Math.max(2_000, Math.floor(RESULT_MIGRATIONS_BUDGET_BYTES / caches));
  const migrations: MigrationEntry[] = [];
  let used = 0;
  for (const [i, { touches: group }] of groups.entries()) {
    const first = group[0];
    const entry: MigrationEntry = { file: first.file, line: first.line, statement: first.statement, table: qualified(first.table) };
    if (group.length > 1) Object.assign(entry, { statements: group.length, 'last-line': group[group.length - 1].line });
    const size = JSON.stringify(entry).length + 1;
    if (used + size > budget - 200 && i < groups.length - 1) {
      const rest = groups.slice(i);
      const count = rest.reduce((n, g) => n + g.touches.length, 0);
      const files = new Set(rest.map((g) => g.touches[0].file)).size;
      migrations.push({
        file: `(${files} more file${files === 1 ? '' : 's'})`,
        line: 0,
        statement: `${count} more statement${count === 1 ? '' : 's'}, left out of this output`,
        table: qualified(first.table),
        statements: count
      });
      break;
    }
    used += size;
    migrations.push(entry);
  }
  return { ...(patterns.length ? { pattern: patterns.join(', ') } : {}), ...(migrations.length ? { migrations } : {}) };
}

const table = (headers: string[], rows: string[][]) =>
  `<table><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;

/** `INSERT ×19,999, UPDATE`: the statements of one folded row, in the order they first appear. */
function statementsLabel(touches: Touch[]): string {
  const counts = new Map<string, number>();
  for (const t of touches) {
    const label = `${t.statement}${t.fromHead ? ' (read from its first words)' : ''}${t.routine ? ` (in ${t.routine})` : ''}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => (n > 1 ? `${label} ×${n.toLocaleString('en-US')}` : label)).join(', ');
}

const places = (list: { file: string; line: number }[]) =>
  `${list
    .slice(0, NAMED_MAX)
    .map((u) => `${u.file}:${u.line}`)
    .join(
      ', '
    )}${list.length > NAMED_MAX ? ` and ${(list.length - NAMED_MAX).toLocaleString('en-US')} more (see the warnings in the log)` : ''}`;

/** The summary's section on how the caches were chosen; the migrations table folded by file and table, within SELECTION_BUDGET_BYTES. */
export function renderSelection(selection: TableSelection | undefined, secret: string, budget = SELECTION_BUDGET_BYTES): string {
  if (!selection) return '';
  const clean = (text: string) => forHtml(text, Infinity, secret);
  const cache = (id: string) => `${clean(selection.tableOf.get(id) ?? '')} <code>${clean(id)}</code>`;
  if (selection.patterns) {
    const rows = selection.patterns.map((p) => [
      `<code>${clean(p.pattern)}</code>`,
      p.cacheIds.length ? p.cacheIds.map(cache).join('<br>') : 'no cache (allow-no-match)'
    ]);
    return `<h3>Caches chosen by table name</h3>\n${table(['Pattern', 'Caches'], rows)}\n`;
  }
  const migrations = selection.migrations;
  if (!migrations) return '';
  const { scan } = migrations;
  const lines = [
    `<h3>Tables the migrations touched</h3>`,
    `<p>${clean(`${scan.files.length} migration file${scan.files.length === 1 ? '' : 's'} of ${scan.changed} changed file${scan.changed === 1 ? '' : 's'} (${scan.source}).`)}</p>`
  ];
  const notes: string[] = [];
  if (scan.unreadable.length) notes.push(`<p>⚠️ ${clean(`Statements the SQL parser could not read: ${places(scan.unreadable)}.`)}</p>`);
  if (scan.dynamic?.length)
    notes.push(
      `<p>⚠️ ${clean(`Statements whose tables cannot be known (dynamic SQL, or a procedure the changed files do not create): ${places(scan.dynamic)}.`)}</p>`
    );
  const passed = Object.entries(scan.passedOver ?? {});
  if (passed.length) {
    const total = passed.reduce((n, [, k]) => n + k, 0);
    const kinds = passed
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    notes.push(
      `<p>${clean(`${total.toLocaleString('en-US')} statement${total === 1 ? '' : 's'} the SQL parser could not read touch no table's data (${kinds}${passed.length > 8 ? ', ...' : ''}): passed over.`)}</p>`
    );
  }
  const groups = foldTouches(
    migrations.rows,
    (r) => r.touch,
    (t) => JSON.stringify([t.file, qualified(t.table), renameOf(t)])
  );
  const rows = groups.map(({ first: { touch, cacheIds, gone }, touches }) => {
    const renamed = touch.renamedTo
      ? ` (to ${qualified(touch.renamedTo)})`
      : touch.renamedFrom
        ? ` (from ${qualified(touch.renamedFrom)})`
        : '';
    const caches = !cacheIds.length
      ? 'no cache'
      : gone
        ? `⚠️ ${cacheIds.map(cache).join('<br>')}<br>not refreshed: the table is gone, so its cache will fail on its next refresh`
        : cacheIds.map(cache).join('<br>');
    const last = touches[touches.length - 1].line;
    const where =
      touches.length > 1
        ? `${touch.file}:${touch.line}${last !== touch.line ? `–${last}` : ''} (${touches.length.toLocaleString('en-US')} statements)`
        : `${touch.file}:${touch.line}`;
    return [clean(where), clean(statementsLabel(touches)), clean(qualified(touch.table) + renamed), caches];
  });
  if (rows.length) {
    const headers = ['Migration file', 'Statement', 'Table', 'Cache'];
    const fixed = Buffer.byteLength([...lines, ...notes].join('\n')) + Buffer.byteLength(table(headers, [])) + 400;
    let used = fixed;
    let shown = 0;
    for (const r of rows) {
      const size = Buffer.byteLength(`<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`);
      if (used + size > budget) break;
      used += size;
      shown++;
    }
    lines.push(table(headers, rows.slice(0, shown)));
    if (shown < rows.length) {
      const rest = groups.slice(shown);
      const statements = rest.reduce((n, g) => n + g.touches.length, 0);
      lines.push(
        `<p>${clean(`And ${(rows.length - shown).toLocaleString('en-US')} more rows (${statements.toLocaleString('en-US')} statements on ${new Set(rest.map((g) => qualified(g.first.touch.table))).size.toLocaleString('en-US')} tables), left out to keep the summary within GitHub's size limit; each cache's result lists its statements.`)}</p>`
      );
    }
  }
  lines.push(...notes);
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
        r['last-success-at']
          ? `last success ${r['last-success-at']}, ${formatDuration((r['age-seconds'] ?? 0) * 1000)} ago`
          : 'no COMPLETED execution'
      )}</li>`
  );
  return `<h3>${clean(`Stale caches (max-age ${formatDuration(maxAgeMs)})`)}</h3>\n<ul>${items.join('')}</ul>\n`;
}
