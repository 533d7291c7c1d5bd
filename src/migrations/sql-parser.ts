/**
 * node-sql-parser, one dialect's build at a time: each is its own chunk of the bundle, loaded only
 * when tables-from is set. Statements are parsed one by one so that one the parser rejects is named
 * and the rest are still read.
 */
import type { SqlDialect } from './touches.js';
import {
  bodyStatements,
  calledProcedure,
  callsIn,
  doBlock,
  routineDefinition,
  topLevelDynamic,
  type RoutineDefinition
} from './routines.js';
import { kindOf, touchesNoTable } from './statement-kinds.js';
import { splitStatements, withoutComments } from './sql-statements.js';
import { touchesFromHead, touchesOfAst, type NameRules, type Touch } from './touches.js';
import { realClock, type Clock } from '../clock.js';

export interface Parser {
  astify(sql: string, options?: { database?: string }): unknown;
}
type ParserModule = { Parser?: new () => Parser; default?: { Parser?: new () => Parser } };

/** Longer statements (a bulk INSERT of seed data, say) are read from their first words only. */
export const MAX_PARSED_STATEMENT = 200_000;

export async function loadParser(dialect: SqlDialect): Promise<Parser> {
  // Literal paths, so that the bundler makes one chunk per dialect and never bundles the others.
  const module = (
    dialect === 'mysql' ? await import('node-sql-parser/build/mysql.js') : await import('node-sql-parser/build/postgresql.js')
  ) as ParserModule;
  const Parser = module.Parser ?? module.default?.Parser;
  if (!Parser) throw new Error(`node-sql-parser's ${dialect} build has no Parser`);
  return new Parser();
}

export interface StatementResult {
  touches: Touch[];
  /** Why the parser could not read the statement (its touches then come from the first words, if any). */
  unreadable?: string;
}

export function readStatement(parser: Parser, text: string, rules: NameRules, at: { file: string; line: number }): StatementResult {
  if (text.length > MAX_PARSED_STATEMENT)
    return {
      touches: touchesFromHead(text, rules, at),
      unreadable: `it is longer than ${MAX_PARSED_STATEMENT.toLocaleString('en-US')} characters`
    };
  try {
    return { touches: touchesOfAst(parser.astify(text, { database: rules.dialect }), text, rules, at) };
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    return { touches: touchesFromHead(text, rules, at), unreadable: reason.length > 160 ? `${reason.slice(0, 157)}...` : reason };
  }
}

/**
 * The schema a statement makes the default for the statements after it in the same file: MySQL's
 * `USE db`, PostgreSQL's `SET [SESSION|LOCAL] search_path TO a, b` (its first schema other than
 * "$user", where unqualified names are looked up first and created). Undefined for other statements.
 */
export function defaultSchemaSetBy(text: string, dialect: SqlDialect): string | undefined {
  const bare = text
    .replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '')
    .replace(/;\s*$/, '')
    .trim();
  if (dialect === 'mysql') {
    const use = /^USE\s+(`(?:[^`]|``)+`|[A-Za-z0-9_$]+)$/i.exec(bare);
    return use ? use[1].replace(/^`|`$/g, '').replace(/``/g, '`') : undefined;
  }
  const set = /^SET\s+(?:SESSION\s+|LOCAL\s+)?search_path\s*(?:TO|=)\s*([\s\S]+)$/i.exec(bare);
  if (!set) return undefined;
  for (const part of set[1].split(',').map((p) => p.trim())) {
    const quoted = /^"((?:[^"]|"")+)"$/.exec(part) ?? /^'((?:[^']|'')+)'$/.exec(part);
    const name = quoted ? quoted[1].replace(/""/g, '"').replace(/''/g, "'") : part.toLowerCase();
    if (name && name !== '$user' && !/^default$/i.test(name)) return name;
  }
  return undefined;
}

/** A statement the parser could not read that may touch a table (a warning). `file` when it is not the file read. */
export interface Unreadable {
  line: number;
  reason: string;
  touches: Touch[];
  file?: string;
}

/** A statement whose tables cannot be known: dynamic SQL, a call of a procedure the migrations do not create (a warning). */
export interface Unknowable {
  line: number;
  reason: string;
}

export interface MigrationReading {
  touches: Touch[];
  unreadable: Unreadable[];
  unknowable: Unknowable[];
  /** Statements the parser could not read whose kind touches no table's data: no warning, one count. */
  passedOver: { line: number; kind: string }[];
}

interface Routine extends RoutineDefinition {
  file: string;
  line: number;
  /** Line of the body's first character. */
  bodyLine: number;
  rules: NameRules;
  /** The body, read once, at its first call. */
  reading?: MigrationReading;
  warned?: boolean;
}

/** What the files read so far tell the next ones: the functions and procedures they created. */
export interface ReadContext {
  routines: Map<string, Routine>;
  /** Epoch ms: the reading stops there (TimeoutError), so that a huge migration cannot outlast the step's timeout. */
  deadline?: number;
  /** What the deadline is read on. */
  clock: Clock;
}

export const newReadContext = (deadline?: number, clock: Clock = realClock): ReadContext => ({ routines: new Map(), deadline, clock });

/** The reading of the migrations reached the step's deadline. */
export class ReadingTimeout extends Error {
  constructor(
    readonly file: string,
    readonly line: number
  ) {
    super(`tables-from: reading the migrations reached the step's timeout at ${file} line ${line}`);
    this.name = 'ReadingTimeout';
  }
}

/** How deep routines may call routines (and DO blocks hold DO-like bodies) before the reading stops. */
const MAX_DEPTH = 8;
const newlines = (text: string, end: number) => {
  let n = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < end; k = text.indexOf('\n', k + 1)) n++;
  return n;
};

/**
 * Every statement of one migration file: the tables touched, and the statements the parser rejected.
 * Unqualified names take default-schema, or the schema a `USE`/`SET search_path` earlier in the file chose.
 * `context` carries the routines created by the files read before (in the order the step reads them),
 * so that a call in this file credits the tables of a procedure created in an earlier one.
 */
export function readMigration(
  parser: Parser,
  sql: string,
  file: string,
  fileRules: NameRules,
  context: ReadContext = newReadContext()
): MigrationReading {
  const out: MigrationReading = { touches: [], unreadable: [], unknowable: [], passedOver: [] };
  let rules = fileRules;
  for (const statement of splitStatements(sql, rules.dialect)) {
    if (context.deadline !== undefined && context.clock.now() >= context.deadline) throw new ReadingTimeout(file, statement.line);
    const schema = defaultSchemaSetBy(statement.text, rules.dialect);
    if (schema !== undefined) {
      rules = { ...rules, defaultSchema: schema };
      continue;
    }
    readOne(parser, statement.text, { file, line: statement.line }, rules, context, out, { depth: 0, inBody: false, stack: [] });
  }
  return out;
}

interface Where {
  depth: number;
  /** Inside a routine's body: `SELECT ... INTO x` sets a variable there, and creates no table. */
  inBody: boolean;
  /** The routines being read, so that one calling itself is read once. */
  stack: string[];
}

function readOne(
  parser: Parser,
  text: string,
  at: { file: string; line: number },
  rules: NameRules,
  context: ReadContext,
  out: MigrationReading,
  where: Where
): void {
  const { dialect } = rules;
  const bare = withoutComments(text, dialect).trim();
  const definition = routineDefinition(bare, dialect);
  if (definition) {
    context.routines.set(definition.name, {
      ...definition,
      text: text.slice(definition.offset, definition.offset + definition.text.length),
      file: at.file,
      line: at.line,
      bodyLine: at.line + newlines(text, definition.offset),
      rules
    });
    return;
  }
  const block = dialect === 'postgresql' ? doBlock(bare) : undefined;
  if (block) {
    const body = text.slice(block.offset, block.offset + block.text.length);
    if (block.language !== 'plpgsql' && block.language !== 'sql') {
      out.unknowable.push({ line: at.line, reason: `this DO block is in LANGUAGE ${block.language}, which is not read` });
      return;
    }
    const inner = readBody(parser, body, at.file, at.line + newlines(text, block.offset), rules, context, out, where);
    out.touches.push(...inner.map((t) => ({ ...t, file: at.file, line: at.line, routine: t.routine ?? 'DO block' })));
    return;
  }
  const dynamic = topLevelDynamic(bare, dialect);
  if (dynamic?.kind === 'dynamic') {
    out.unknowable.push({ line: at.line, reason: `it runs dynamic SQL (${dynamic.what})` });
    return;
  }
  const sql = dynamic?.kind === 'sql' ? dynamic.text : text;
  const result = readStatement(parser, sql, rules, at);
  out.touches.push(...result.touches);
  // Only a statement that runs now runs the routines it names: not a trigger, a view or a default that names them.
  const runsNow = /^(?:SELECT|VALUES|CALL|PERFORM|WITH|INSERT|UPDATE|DELETE|MERGE|REPLACE)\b/i.test(bare);
  const calls = runsNow ? callsIn(bare, dialect, new Set(context.routines.keys())) : [];
  for (const name of calls) credit(parser, name, at, context, out, where);
  const procedure = calledProcedure(bare, dialect);
  if (procedure && !calls.includes(procedure))
    out.unknowable.push({ line: at.line, reason: `it calls procedure ${procedure}, which the changed migration files do not create` });
  if (!result.unreadable) return;
  // A SELECT that only calls routines (their tables are credited above), or sets variables in a body, writes nothing itself.
  const onlyCalls = (calls.length > 0 || where.inBody) && /^(?:SELECT|VALUES|CALL)\b/i.test(bare);
  if (!result.touches.length && (onlyCalls || procedure || touchesNoTable(bare, dialect))) {
    out.passedOver.push({ line: at.line, kind: kindOf(bare) });
    return;
  }
  out.unreadable.push({ line: at.line, reason: result.unreadable, touches: result.touches });
}

/** The tables a body (DO block, function, procedure) writes; what it cannot read goes to `out` at its own lines. */
function readBody(
  parser: Parser,
  body: string,
  file: string,
  bodyLine: number,
  rules: NameRules,
  context: ReadContext,
  out: MigrationReading,
  where: Where
): Touch[] {
  if (where.depth >= MAX_DEPTH) return [];
  const inner: MigrationReading = { touches: [], unreadable: [], unknowable: [], passedOver: [] };
  const lineOf = (offset: number) => bodyLine + newlines(body, offset);
  const deeper: Where = { ...where, depth: where.depth + 1, inBody: true };
  for (const statement of bodyStatements(body, rules.dialect)) {
    const at = { file, line: lineOf(statement.offset) };
    if (statement.kind === 'dynamic') inner.unknowable.push({ line: at.line, reason: `it runs dynamic SQL (${statement.what})` });
    else if (statement.kind === 'calls')
      for (const name of callsIn(statement.text, rules.dialect, new Set(context.routines.keys())))
        credit(parser, name, at, context, inner, deeper);
    else readOne(parser, statement.text, at, rules, context, inner, deeper);
  }
  out.unreadable.push(...inner.unreadable);
  out.unknowable.push(...inner.unknowable);
  out.passedOver.push(...inner.passedOver);
  return inner.touches;
}

/** A call of a routine the migrations created: its body's tables, credited to the call. */
function credit(
  parser: Parser,
  name: string,
  at: { file: string; line: number },
  context: ReadContext,
  out: MigrationReading,
  where: Where
): void {
  const routine = context.routines.get(name);
  if (!routine || where.stack.includes(name) || where.depth >= MAX_DEPTH) return;
  const label = `${routine.kind.toLowerCase()} ${name} (created at ${routine.file}:${routine.line})`;
  if (!routine.reading) {
    routine.reading = { touches: [], unreadable: [], unknowable: [], passedOver: [] };
    if (routine.language === 'sql' || routine.language === 'plpgsql' || routine.language === undefined)
      routine.reading.touches = readBody(parser, routine.text, routine.file, routine.bodyLine, routine.rules, context, routine.reading, {
        depth: where.depth + 1,
        inBody: true,
        stack: [...where.stack, name]
      });
    else routine.reading.unknowable.push({ line: routine.line, reason: `its LANGUAGE ${routine.language} is not read` });
  }
  const reading = routine.reading;
  out.touches.push(
    ...reading.touches.map((t) => ({
      ...t,
      file: at.file,
      line: at.line,
      routine: t.routine && t.routine !== 'DO block' ? t.routine : label
    }))
  );
  for (const u of reading.unknowable)
    out.unknowable.push({ line: at.line, reason: `it calls ${label}, which at ${routine.file}:${u.line} ${u.reason.replace(/^it /, '')}` });
  if (!routine.warned) {
    routine.warned = true;
    out.unreadable.push(...reading.unreadable.map((u) => ({ ...u, file: u.file ?? routine.file })));
  }
}
