/**
 * Caches chosen by the name of their table: `tables` (schema.table patterns with `*`) and
 * `tables-from` (the tables that changed migration files touch; the parsing lives in
 * migrations/, loaded only then). Names are matched exactly as Peaka lists them; a pattern that
 * matches nothing is explained with the closest names that exist.
 */
import { ActionError } from './errors.js';
import type { MigrationScan, Touch } from './migrations/touches.js';
import type { Logger } from './safe-text.js';
import type { CacheList, CacheStatus, PeakaClient } from './peaka/client.js';
import type { OnCachesInputs, TablePatterns, TablesFrom } from './inputs.js';

/** What selected a cache: a pattern of `tables`, or a statement of a migration. */
export interface SelectionReason {
  pattern?: string;
  migration?: Touch;
}

/** A row of the migration table in the summary: a statement's table and what became of its cache. */
export interface MigrationRow {
  touch: Touch;
  /** Caches of the table (selected unless the table is gone at the end of the migrations). */
  cacheIds: string[];
  /** The table is dropped or renamed away by the end of the migrations: its caches are not refreshed. */
  gone: boolean;
}

export interface TableSelection {
  ids: string[];
  reasons: Map<string, SelectionReason[]>;
  /** schema.table of every listed cache, by id. */
  tableOf: Map<string, string>;
  /** tables-from: the listed status of every cache, by id (the pull request preview shows those that are not refreshed too). */
  statusOf?: Map<string, CacheStatus>;
  /** tables: each pattern and the caches it matched. */
  patterns?: { pattern: string; cacheIds: string[] }[];
  /** tables-from: the files read, and each table a statement touched. */
  migrations?: { scan: MigrationScan; rows: MigrationRow[] };
  /** Set when nothing is selected and that is not an error: the step succeeds with nothing to do. */
  nothingToDo?: string;
}

const nameOf = (c: Pick<CacheStatus, 'schemaName' | 'tableName'>) => `${c.schemaName ?? ''}.${c.tableName ?? ''}`;

/** Splits a pattern at its first dot: schema, table. */
export function splitPattern(pattern: string): { schema: string; table: string } {
  const dot = pattern.indexOf('.');
  return { schema: pattern.slice(0, dot), table: pattern.slice(dot + 1) };
}

/**
 * Whether `text` matches `glob` (`*`: any run of characters; the rest literal). Greedy, going back
 * only to the last `*`: at most len(glob) × len(text) steps, where a regular expression with several
 * `.*` backtracks for ever on a long name that does not match.
 */
export function globMatch(glob: string, text: string, ignoreCase = false): boolean {
  const g = ignoreCase ? glob.toLowerCase() : glob;
  const t = ignoreCase ? text.toLowerCase() : text;
  let gi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (gi < g.length && g[gi] === '*') {
      star = gi++;
      mark = ti;
    } else if (gi < g.length && g[gi] === t[ti]) {
      gi++;
      ti++;
    } else if (star >= 0) {
      gi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (gi < g.length && g[gi] === '*') gi++;
  return gi === g.length;
}

export function matchesPattern(pattern: string, cache: Pick<CacheStatus, 'schemaName' | 'tableName'>, ignoreCase = false): boolean {
  const { schema, table } = splitPattern(pattern);
  return globMatch(schema, cache.schemaName ?? '', ignoreCase) && globMatch(table, cache.tableName ?? '', ignoreCase);
}

/** Fewest single-character edits that turn `text` into a string the glob matches (`*` absorbs any run). */
export function globDistance(glob: string, text: string): number {
  const g = glob.toLowerCase();
  const t = text.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= g.length; i++) {
    const current = [g[i - 1] === '*' ? previous[0] : previous[0] + 1];
    for (let j = 1; j <= t.length; j++) {
      current[j] =
        g[i - 1] === '*'
          ? Math.min(previous[j], current[j - 1])
          : Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (g[i - 1] === t[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[t.length];
}

/** How many cells of edit distance one pattern's search may compute. */
const CELL_BUDGET = 20_000_000;

/** The names that exist closest to a pattern that matched nothing: those that differ only in case, else the nearest few. */
export function closestNames(
  pattern: string,
  caches: Pick<CacheStatus, 'schemaName' | 'tableName'>[],
  limit = 3
): { caseOnly: string[]; close: string[] } {
  const caseOnly = [...new Set(caches.filter((c) => matchesPattern(pattern, c, true)).map(nameOf))];
  if (caseOnly.length) return { caseOnly: caseOnly.slice(0, limit), close: [] };
  const { schema, table } = splitPattern(pattern);
  const within = Math.max(2, Math.floor(pattern.replace(/\*/g, '').length / 3));
  const wild = pattern.includes('*');
  const scored = new Map<string, number>();
  // The search is bounded (a hint is not worth seconds of a blocked step): about 0.1 s of work at most.
  let cells = CELL_BUDGET;
  for (const c of caches) {
    const s = c.schemaName ?? '';
    const t = c.tableName ?? '';
    // Without a wildcard the distance is at least the difference in length: most names are passed over unscored.
    if (!wild && Math.abs(schema.length - s.length) + Math.abs(table.length - t.length) > within) continue;
    cells -= (schema.length + 1) * (s.length + 1) + (table.length + 1) * (t.length + 1);
    if (cells < 0) break;
    scored.set(nameOf(c), globDistance(schema, s) + globDistance(table, t));
  }
  const close = [...scored]
    .filter(([, distance]) => distance <= within)
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .map(([name]) => name);
  return { caseOnly: [], close: close.slice(0, limit) };
}

export function noMatchMessage(pattern: string, caches: CacheStatus[], where: string): string {
  const { caseOnly, close } = closestNames(pattern, caches);
  const names = (list: string[]) => list.join(', ');
  let hint = '';
  if (caseOnly.length)
    hint = ` It differs only in letter case from ${names(caseOnly)}: names are matched exactly as Peaka lists them, so write ${caseOnly.length === 1 ? 'that name' : 'one of those'}.`;
  else if (close.length) hint = ` The closest cached tables: ${names(close)}.`;
  else if (caches.length)
    hint = ` No cached table is close; ${where} has ${caches.length} cache${caches.length === 1 ? '' : 's'}, e.g. ${names([...new Set(caches.map(nameOf))].slice(0, 3))}.`;
  else hint = ` ${where} has no caches.`;
  return `Input 'tables': ${JSON.stringify(pattern)} matches no cache of ${where}.${hint}`;
}

/** The caches of `tables`, or of `tables-from`: listed once, matched by name. */
export async function selectByTables(
  inputs: OnCachesInputs,
  by: TablePatterns | TablesFrom,
  client: PeakaClient,
  deadline: number,
  log: Logger,
  warnUnidentified: (list: CacheList) => void,
  signal?: AbortSignal
): Promise<TableSelection> {
  const catalogId = by.catalogId;
  const where = `${catalogId ? `catalog ${catalogId} of ` : ''}project ${inputs.projectId}`;
  if ('globs' in by) {
    // The migration files are read before the list: a run with nothing to do asks Peaka nothing.
    const { scanMigrations } = await import('./migrations/index.js');
    const scan = await scanMigrations(by, inputs.githubToken, log, process.env, { deadline, signal });
    if (!scan.touches.length)
      return {
        ids: [],
        reasons: new Map(),
        tableOf: new Map(),
        migrations: { scan, rows: [] },
        nothingToDo: scan.nothingToDo ?? 'The changed migrations touch no table; nothing to do.'
      };
    const list = await client.listStatuses(deadline, catalogId);
    warnUnidentified(list);
    return selectTouched(scan, list.caches, where, log);
  }
  const list = await client.listStatuses(deadline, catalogId);
  warnUnidentified(list);
  return selectByPatterns(by.patterns, list.caches, where, by.allowNoMatch, log, inputs.operation === 'delete');
}

/** How many patterns that match nothing get the closest names in their message. */
const HINTED_PATTERNS = 5;

export function selectByPatterns(
  patterns: string[],
  caches: CacheStatus[],
  where: string,
  allowNoMatch: boolean,
  log: Logger,
  single = false
): TableSelection {
  const chosen: NonNullable<TableSelection['patterns']> = [];
  const selection: TableSelection = {
    ids: [],
    reasons: new Map(),
    tableOf: new Map(caches.map((c) => [c.id, nameOf(c)])),
    patterns: chosen
  };
  const failures: string[] = [];
  for (const pattern of patterns) {
    const matched = caches.filter((c) => matchesPattern(pattern, c));
    chosen.push({ pattern, cacheIds: matched.map((c) => c.id) });
    // The closest names are searched for the first few patterns only: with many caches, each search costs.
    if (!matched.length)
      failures.push(
        failures.length < HINTED_PATTERNS
          ? noMatchMessage(pattern, caches, where)
          : `Input 'tables': ${JSON.stringify(pattern)} matches no cache of ${where}.`
      );
    for (const cache of matched) addReason(selection, cache.id, { pattern });
  }
  if (failures.length && !allowNoMatch)
    throw new ActionError(
      failures.length === 1
        ? `${failures[0]} (Set allow-no-match: true to go on without it.)`
        : `${failures.join('\n')}\n(Set allow-no-match: true to go on without them.)`
    );
  for (const failure of failures) log.warning(`${failure} Going on without it (allow-no-match: true).`);
  if (single && selection.ids.length > 1)
    throw new ActionError(
      `Operation 'delete' takes one cache, but ${patterns[0]} matches ${selection.ids.length} caches of ${where} (${selection.ids.join(', ')}). Set catalog-id to the catalog of the one to delete.`
    );
  if (!selection.ids.length) selection.nothingToDo = `No cache of ${where} matches 'tables' (allow-no-match: true); nothing to do.`;
  else
    log.info(
      `'tables' selected ${selection.ids.length} cache${selection.ids.length === 1 ? '' : 's'} of ${where}: ${chosen.map((p) => `${p.pattern} -> ${p.cacheIds.length}`).join(', ')}.`
    );
  return selection;
}

function addReason(selection: TableSelection, cacheId: string, reason: SelectionReason): void {
  const reasons = selection.reasons.get(cacheId);
  if (reasons) reasons.push(reason);
  else {
    selection.reasons.set(cacheId, [reason]);
    selection.ids.push(cacheId);
  }
}

const keyOf = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;

/**
 * The caches of the tables the migrations touched. A table dropped or renamed away by the end of
 * the migrations (in file order) is not refreshed: its cache would fail, and a warning says so.
 */
export function selectTouched(scan: MigrationScan, caches: CacheStatus[], where: string, log: Logger): TableSelection {
  const selection: TableSelection = {
    ids: [],
    reasons: new Map(),
    tableOf: new Map(caches.map((c) => [c.id, nameOf(c)])),
    statusOf: new Map(caches.map((c) => [c.id, c]))
  };
  const byName = new Map<string, CacheStatus[]>();
  for (const c of caches) byName.set(nameOf(c), [...(byName.get(nameOf(c)) ?? []), c]);
  const lastTouch = new Map<string, Touch>();
  for (const touch of scan.touches) lastTouch.set(keyOf(touch.table), touch);

  const rows: MigrationRow[] = scan.touches.map((touch) => {
    const key = keyOf(touch.table);
    return { touch, cacheIds: (byName.get(key) ?? []).map((c) => c.id), gone: lastTouch.get(key)!.gone };
  });
  for (const row of rows) {
    if (!row.gone) for (const id of row.cacheIds) addReason(selection, id, { migration: row.touch });
  }
  for (const [key, touch] of lastTouch) {
    const left = byName.get(key) ?? [];
    if (!touch.gone || !left.length) continue;
    const how = touch.renamedTo ? `renames ${key} to ${keyOf(touch.renamedTo)}` : `drops ${key}`;
    const todo = touch.renamedTo
      ? `Create a cache for ${keyOf(touch.renamedTo)} (operation: create) and delete the old one.`
      : `Delete the cache (operation: delete, tables: ${key}) if the table is gone for good.`;
    log.warning(
      `${touch.file} line ${touch.line} ${how}, but its cache ${left.map((c) => c.id).join(', ')} still exists: it will fail on its next refresh, so it is not refreshed now. ${todo}`
    );
  }
  selection.migrations = { scan, rows };
  const touched = [...new Set(scan.touches.map((t) => keyOf(t.table)))];
  if (!selection.ids.length) {
    const cased = touched.flatMap((key) =>
      byName.has(key) ? [] : [...byName.keys()].filter((n) => n.toLowerCase() === key.toLowerCase()).map((n) => `${key} (cached as ${n})`)
    );
    const caseNote = cased.length
      ? ` Names differ only in letter case: ${cased.join(', ')}; unquoted PostgreSQL names are lower-cased, and names are matched exactly.`
      : '';
    selection.nothingToDo = `The changed migrations touch ${touched.length} table${touched.length === 1 ? '' : 's'} (${touched.slice(0, 10).join(', ')}${touched.length > 10 ? ', ...' : ''}), none with a cache to refresh in ${where}; nothing to do.${caseNote}`;
  } else {
    log.info(
      `The changed migrations touch ${touched.length} table${touched.length === 1 ? '' : 's'}; ${selection.ids.length} cache${selection.ids.length === 1 ? '' : 's'} of ${where} selected.`
    );
  }
  return selection;
}
