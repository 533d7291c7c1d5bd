/**
 * The tables one migration statement touches, from node-sql-parser's syntax tree: what it creates,
 * alters, renames, drops, truncates or writes. Index, view, function, grant and other statements
 * touch no table's data and are passed over.
 */
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
  /** CREATE TABLE, ALTER TABLE, RENAME, DROP TABLE, TRUNCATE, INSERT, REPLACE, UPDATE or DELETE. */
  statement: string;
  table: TableName;
  /** After this statement the table no longer exists under this name (dropped, or renamed away). */
  gone: boolean;
  renamedTo?: TableName;
  renamedFrom?: TableName;
  /** Read from the statement's first words, because the parser could not read the statement. */
  fromHead?: boolean;
}

/** What tables-from found: the changed files, the statements' tables, what could not be read. */
export interface MigrationScan {
  /** Where the list of changed files came from (git history, the compare API, the pull request's files). */
  source: string;
  /** How many files the event changed, and the migration files among them that were read. */
  changed: number;
  files: string[];
  touches: Touch[];
  /** Statements the parser could not read (each also a warning in the log). */
  unreadable: { file: string; line: number }[];
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

const refs = (value: unknown): Ref[] => (Array.isArray(value) ? value.filter((v): v is Ref => !!v && typeof v === 'object' && !Array.isArray(v)) : value && typeof value === 'object' ? [value as Ref] : []);

/** The tables of one parsed statement (the parser may answer one tree or a list of them). */
export function touchesOfAst(ast: unknown, statement: string, rules: NameRules, at: { file: string; line: number }): Touch[] {
  const trees = (Array.isArray(ast) ? ast : [ast]).filter((a): a is Ast => !!a && typeof a === 'object');
  return trees.flatMap((tree) => touchesOfTree(tree, statement, rules, at));
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
      return refs(ast.table).slice(0, 1).flatMap((r) => touch(ast.type === 'insert' ? 'INSERT' : 'REPLACE', r));
    case 'update':
      // Joined tables are read, not written: the first is the target.
      return refs(ast.table).slice(0, 1).flatMap((r) => touch('UPDATE', r));
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

const IDENT = String.raw`(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|[A-Za-z_][\w$]*)`;
const NAME = `(${IDENT}(?:\\s*\\.\\s*${IDENT})?)`;
const HEADS: [string, RegExp][] = [
  ['ALTER TABLE', new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${NAME}`, 'i')],
  ['CREATE TABLE', new RegExp(String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`, 'i')],
  ['DROP TABLE', new RegExp(String.raw`^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?${NAME}`, 'i')],
  ['TRUNCATE', new RegExp(String.raw`^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?${NAME}`, 'i')],
  ['INSERT', new RegExp(String.raw`^INSERT\s+(?:IGNORE\s+)?INTO\s+${NAME}`, 'i')],
  ['UPDATE', new RegExp(String.raw`^UPDATE\s+(?:ONLY\s+)?${NAME}`, 'i')],
  ['DELETE', new RegExp(String.raw`^DELETE\s+FROM\s+(?:ONLY\s+)?${NAME}`, 'i')]
];

/** Splits `schema.table` as written, unquoting each part. */
function nameFromText(text: string): Ref {
  const parts = text.match(new RegExp(IDENT, 'g')) ?? [];
  const unquote = (p: string) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.startsWith('`') ? p.slice(1, -1) : p);
  return parts.length > 1 ? { db: unquote(parts[0] ?? ''), table: unquote(parts[1] ?? '') } : { table: unquote(parts[0] ?? '') };
}

/**
 * For a statement the parser rejects: its table, from its first words (ALTER TABLE x ..., DROP
 * TABLE x, INSERT INTO x, ...). Only the first table of a list is read this way.
 */
export function touchesFromHead(statement: string, rules: NameRules, at: { file: string; line: number }): Touch[] {
  const text = statement.replace(/^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '');
  for (const [kind, pattern] of HEADS) {
    const m = pattern.exec(text);
    if (!m) continue;
    const table = resolveName(nameFromText(m[1] ?? ''), statement, rules);
    if (!table) return [];
    if (kind === 'ALTER TABLE') {
      const rename = new RegExp(String.raw`\bRENAME\s+TO\s+${NAME}`, 'i').exec(text.slice(m[0].length));
      if (rename) {
        const to = resolveName(nameFromText(rename[1] ?? ''), statement, rules, rules.dialect === 'postgresql' ? table.schema : undefined)!;
        return renameTouches(table, to, at).map((t) => ({ ...t, fromHead: true }));
      }
    }
    return [{ ...at, statement: kind, table, gone: kind === 'DROP TABLE', fromHead: true }];
  }
  return [];
}
