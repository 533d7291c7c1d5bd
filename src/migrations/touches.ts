/**
 * The tables one migration statement touches, from node-sql-parser's syntax tree: what it creates,
 * alters, renames, drops, truncates or writes. Index, view, function, grant and other statements
 * touch no table's data and are passed over.
 */
import { withoutComments } from './sql-statements.js';
import { closingParen } from './sql-scan.js';

/** The SQL of the migrations (input sql-dialect): one node-sql-parser build each. */
export type SqlDialect = 'postgresql' | 'mysql';

export interface TableName {
  schema: string;
  table: string;
}

export interface Touch {
  /** The migration file, relative to the repository root. */
  file: string;
  /** Line of the statement's first word. */
  line: number;
  /** CREATE TABLE, ALTER TABLE, RENAME, DROP TABLE, TRUNCATE, INSERT, REPLACE, UPDATE, DELETE or MERGE. */
  statement: string;
  table: TableName;
  /** After this statement the table no longer exists under this name (dropped, or renamed away). */
  gone: boolean;
  renamedTo?: TableName;
  renamedFrom?: TableName;
  /** Read from the statement's first words, because the parser could not read the statement. */
  fromHead?: boolean;
  /** Run by a routine at this line: `DO block`, or `procedure p (created at file:line)`. */
  routine?: string;
}

/** What tables-from found: the changed files, the statements' tables, what could not be read. */
export interface MigrationScan {
  /** Where the list of changed files came from (git history, the compare API, the pull request's files). */
  source: string;
  /** How many files the event changed, and the migration files among them that were read. */
  changed: number;
  files: string[];
  touches: Touch[];
  /** Statements that may touch a table and that the parser could not read (each also a warning in the log). */
  unreadable: { file: string; line: number }[];
  /** Routines that run dynamic SQL (EXECUTE, PREPARE): their tables cannot be known (each also a warning). */
  dynamic?: { file: string; line: number }[];
  /** Statements the parser could not read whose kind touches no table's data (CREATE FUNCTION, COMMENT ON, ...), by kind. */
  passedOver?: Record<string, number>;
  /** Set when there is nothing to look up: no migration file changed. */
  nothingToDo?: string;
}

export interface NameRules {
  dialect: SqlDialect;
  defaultSchema: string;
}

type Ref = { db?: string | null; schema?: string | null; table?: string | null };
type Ast = Record<string, unknown> & { type?: string; keyword?: string | null };

/**
 * A name as the database stores it: PostgreSQL lower-cases names that are not in double quotes;
 * MySQL keeps them as written. Unqualified names take the default schema.
 */
export function resolveName(ref: Ref, statement: string, rules: NameRules, schemaOf?: string): TableName | undefined {
  const table = typeof ref.table === 'string' ? ref.table : undefined;
  if (!table) return undefined;
  const schema = (typeof ref.db === 'string' && ref.db) || (typeof ref.schema === 'string' && ref.schema) || schemaOf;
  const stored = (name: string) => (rules.dialect === 'postgresql' && !statement.includes(`"${name}"`) ? name.toLowerCase() : name);
  return { schema: schema ? (schemaOf && schema === schemaOf ? schema : stored(schema)) : rules.defaultSchema, table: stored(table) };
}

const refs = (value: unknown): Ref[] =>
  Array.isArray(value)
    ? value.filter((v): v is Ref => !!v && typeof v === 'object' && !Array.isArray(v))
    : value && typeof value === 'object'
      ? [value as Ref]
      : [];

/** The tables of one parsed statement (the parser may answer one tree or a list of them). */
export function touchesOfAst(ast: unknown, statement: string, rules: NameRules, at: { file: string; line: number }): Touch[] {
  const trees = (Array.isArray(ast) ? ast : [ast]).filter((a): a is Ast => !!a && typeof a === 'object');
  return trees.flatMap((tree) => [...withTouches(tree, statement, rules, at, 0), ...touchesOfTree(tree, statement, rules, at)]);
}

/** The writes of a statement's data-modifying WITH parts (`WITH x AS (INSERT INTO a ...) UPDATE b ...`). */
function withTouches(ast: Ast, statement: string, rules: NameRules, at: { file: string; line: number }, depth: number): Touch[] {
  if (!Array.isArray(ast.with) || depth > 8) return [];
  return ast.with.flatMap((part: unknown) => {
    const stmt = (part as { stmt?: Ast & { ast?: Ast } } | null)?.stmt;
    const tree = stmt && typeof stmt === 'object' ? (stmt.ast && typeof stmt.ast === 'object' ? stmt.ast : stmt) : undefined;
    return tree ? [...withTouches(tree, statement, rules, at, depth + 1), ...touchesOfTree(tree, statement, rules, at)] : [];
  });
}

function touchesOfTree(ast: Ast, statement: string, rules: NameRules, at: { file: string; line: number }): Touch[] {
  const touch = (kind: string, ref: Ref, extra: Partial<Touch> = {}): Touch[] => {
    const table = resolveName(ref, statement, rules);
    return table ? [{ ...at, statement: kind, table, gone: false, ...extra }] : [];
  };
  const keyword = String(ast.keyword ?? '').toLowerCase();
  switch (ast.type) {
    case 'create':
      return keyword === 'table' ? refs(ast.table).flatMap((r) => touch('CREATE TABLE', r)) : [];
    case 'alter': {
      if (keyword && keyword !== 'table') return [];
      const [target] = refs(ast.table);
      if (!target) return [];
      const actions = Array.isArray(ast.expr) ? (ast.expr as Record<string, unknown>[]) : [];
      const renames = actions.filter((a) => a?.action === 'rename' && a.resource === 'table' && typeof a.table === 'string');
      const touches = renames.length === actions.length && actions.length ? [] : touch('ALTER TABLE', target);
      for (const rename of renames) {
        const from = resolveName(target, statement, rules)!;
        touches.push(...renameTouches(from, resolveName({ table: rename.table as string }, statement, rules, from.schema)!, at));
      }
      return touches;
    }
    case 'rename':
      return (Array.isArray(ast.table) ? ast.table : []).flatMap((pair: unknown) => {
        const [fromRef, toRef] = refs(pair);
        const from = fromRef && resolveName(fromRef, statement, rules);
        const to = toRef && resolveName(toRef, statement, rules);
        return from && to ? renameTouches(from, to, at) : [];
      });
    case 'drop':
      return keyword === 'table' ? refs(ast.name).flatMap((r) => touch('DROP TABLE', r, { gone: true })) : [];
    case 'truncate':
      return refs(ast.name).flatMap((r) => touch('TRUNCATE', r));
    case 'insert':
    case 'replace':
      return refs(ast.table)
        .slice(0, 1)
        .flatMap((r) => touch(ast.type === 'insert' ? 'INSERT' : 'REPLACE', r));
    case 'update':
      // Joined tables are read, not written: the first is the target.
      return refs(ast.table)
        .slice(0, 1)
        .flatMap((r) => touch('UPDATE', r));
    case 'delete':
      return refs(ast.table).flatMap((r) => touch('DELETE', r));
    default:
      return [];
  }
}

function renameTouches(from: TableName, to: TableName, at: { file: string; line: number }): Touch[] {
  return [
    { ...at, statement: 'RENAME', table: from, gone: true, renamedTo: to },
    { ...at, statement: 'RENAME', table: to, gone: false, renamedFrom: from }
  ];
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`;
const NAME = `(${IDENT}(?:\\s*\\.\\s*${IDENT})?)`;
const HEADS: [string, RegExp][] = [
  ['ALTER TABLE', new RegExp(String.raw`^ALTER\s+(?:ONLINE\s+|OFFLINE\s+|IGNORE\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${NAME}`, 'i')],
  [
    'CREATE TABLE',
    new RegExp(
      String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`,
      'i'
    )
  ],
  ['TRUNCATE', new RegExp(String.raw`^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?${NAME}`, 'i')],
  ['INSERT', new RegExp(String.raw`^INSERT\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*(?:INTO\s+)?${NAME}`, 'i')],
  ['REPLACE', new RegExp(String.raw`^REPLACE\s+(?:(?:LOW_PRIORITY|DELAYED)\s+)?(?:INTO\s+)?${NAME}`, 'i')],
  ['UPDATE', new RegExp(String.raw`^UPDATE\s+(?:(?:LOW_PRIORITY|IGNORE|ONLY)\s+)*${NAME}`, 'i')],
  ['DELETE', new RegExp(String.raw`^DELETE\s+(?:(?:LOW_PRIORITY|QUICK|IGNORE)\s+)*FROM\s+(?:ONLY\s+)?${NAME}`, 'i')],
  ['MERGE', new RegExp(String.raw`^MERGE\s+INTO\s+(?:ONLY\s+)?${NAME}`, 'i')]
];
/** Statements that name a list of tables: DROP TABLE a, b; TRUNCATE a, b; MySQL's RENAME TABLE a TO b, c TO d. */
const DROP_LIST = /^DROP\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?/i;
const TRUNCATE_LIST = /^TRUNCATE\s+(?:TABLE\s+)?/i;
const RENAME_LIST = /^RENAME\s+TABLES?\s+/i;
const LIST_NAME = new RegExp(String.raw`\s*(?:ONLY\s+)?${NAME}\s*\*?\s*`, 'iy');
const CTE_HEAD = new RegExp(String.raw`\s*${IDENT}\s*(?:\([^()]*\)\s*)?AS\s+(?:(?:NOT\s+)?MATERIALIZED\s+)?\(`, 'iy');

/** Splits `schema.table` as written, unquoting each part. */
function nameFromText(text: string): Ref {
  const parts = text.match(new RegExp(IDENT, 'g')) ?? [];
  const unquote = (p: string) =>
    p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.startsWith('`') ? p.slice(1, -1).replace(/``/g, '`') : p;
  return parts.length > 1 ? { db: unquote(parts[0] ?? ''), table: unquote(parts[1] ?? '') } : { table: unquote(parts[0] ?? '') };
}

/** The names of a comma-separated list at `from` (`a, b.c, ONLY d *`), and where the list ends. */
function nameList(text: string, from: number, separator = ','): { names: string[]; end: number } {
  const names: string[] = [];
  let at = from;
  for (let n = 0; n < 10_000; n++) {
    LIST_NAME.lastIndex = at;
    const m = LIST_NAME.exec(text);
    if (!m) break;
    names.push(m[1] ?? '');
    at = LIST_NAME.lastIndex;
    if (text[at] !== separator) break;
    at++;
  }
  return { names, end: at };
}

/**
 * For a statement the parser rejects: its tables, from its first words (ALTER TABLE x ..., DROP
 * TABLE a, b, INSERT INTO x, RENAME TABLE a TO b, c TO d, ...), with comments anywhere left out. A
 * leading `WITH x AS (...)` is stepped over to the statement inside, and each of its parts that
 * writes (`x AS (INSERT INTO a ...)`) is read the same way.
 */
export function touchesFromHead(statement: string, rules: NameRules, at: { file: string; line: number }): Touch[] {
  const text = withoutComments(statement, rules.dialect).trim();
  return headTouches(text, statement, rules, at, 0).map((t) => ({ ...t, fromHead: true }));
}

function headTouches(text: string, statement: string, rules: NameRules, at: { file: string; line: number }, depth: number): Touch[] {
  const name = (written: string, schemaOf?: string) => resolveName(nameFromText(written), statement, rules, schemaOf);
  const cte = /^WITH\s+(?:RECURSIVE\s+)?/i.exec(text);
  if (cte && depth < 8) {
    const found: Touch[] = [];
    let k = cte[0].length;
    for (let n = 0; n < 1_000; n++) {
      CTE_HEAD.lastIndex = k;
      const head = CTE_HEAD.exec(text);
      if (!head) return found;
      const open = CTE_HEAD.lastIndex - 1;
      const close = closingParen(text, open);
      if (close < 0) return found;
      found.push(...headTouches(text.slice(open + 1, close).trim(), statement, rules, at, depth + 1));
      k = close + 1;
      const comma = /^\s*,/.exec(text.slice(k, k + 200));
      if (!comma) break;
      k += comma[0].length;
    }
    return [...found, ...headTouches(text.slice(k).trim(), statement, rules, at, depth + 1)];
  }
  const drop = DROP_LIST.exec(text);
  if (drop)
    return nameList(text, drop[0].length)
      .names.flatMap((n) => name(n) ?? [])
      .map((table) => ({ ...at, statement: 'DROP TABLE', table, gone: true }));
  const truncate = TRUNCATE_LIST.exec(text);
  if (truncate)
    return nameList(text, truncate[0].length)
      .names.flatMap((n) => name(n) ?? [])
      .map((table) => ({ ...at, statement: 'TRUNCATE', table, gone: false }));
  const rename = RENAME_LIST.exec(text);
  if (rename) {
    const touches: Touch[] = [];
    let k = rename[0].length;
    for (let n = 0; n < 10_000; n++) {
      const pair = new RegExp(String.raw`\s*${NAME}\s+TO\s+${NAME}\s*`, 'iy');
      pair.lastIndex = k;
      const m = pair.exec(text);
      if (!m) break;
      const from = name(m[1] ?? '');
      const to = name(m[2] ?? '');
      if (from && to) touches.push(...renameTouches(from, to, at));
      k = pair.lastIndex;
      if (text[k] !== ',') break;
      k++;
    }
    return touches;
  }
  for (const [kind, pattern] of HEADS) {
    const m = pattern.exec(text);
    if (!m) continue;
    const table = name(m[1] ?? '');
    if (!table) return [];
    if (kind === 'ALTER TABLE') {
      const rest = text.slice(m[0].length);
      const renamed = new RegExp(String.raw`\bRENAME\s+(?:TO|AS)\s+${NAME}`, 'i').exec(rest);
      if (renamed) return renameTouches(table, name(renamed[1] ?? '', rules.dialect === 'postgresql' ? table.schema : undefined)!, at);
      const moved = new RegExp(String.raw`^\s*SET\s+SCHEMA\s+(${IDENT})\s*$`, 'i').exec(rest);
      if (moved && rules.dialect === 'postgresql') {
        const movedTo = resolveName({ db: nameFromText(moved[1] ?? '').table, table: table.table }, statement, rules);
        if (movedTo) return renameTouches(table, movedTo, at);
      }
    }
    return [{ ...at, statement: kind, table, gone: false }];
  }
  return [];
}
