/**
 * Routines in migrations, read as text: a PostgreSQL DO block's body, the body of a function or
 * procedure a migration creates (to credit its tables to the statement that calls it), the calls of
 * such routines, and dynamic SQL (EXECUTE, PREPARE) whose tables cannot be known. The body is split
 * into statements and the control flow around each (BEGIN, IF ... THEN, LOOP, EXCEPTION WHEN ...,
 * DECLARE ... HANDLER FOR) is stepped over, so the SQL statements inside are read as any other.
 */
import { splitStatements, withoutComments } from './sql-statements.js';
import { closingParen, pastWord } from './sql-scan.js';
import type { SqlDialect } from './touches.js';

const IDENT = String.raw`(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;

export interface Body {
  /** The body's SQL, and where it starts in the statement's text. */
  text: string;
  offset: number;
  /** The body's language: plpgsql, sql (MySQL's are always sql); undefined when the statement does not say. */
  language?: string;
}

export interface RoutineDefinition extends Body {
  /** The routine's name as a call names it: lower-cased (PostgreSQL keeps a quoted name), without its schema. */
  name: string;
  kind: 'FUNCTION' | 'PROCEDURE';
}

/** A statement inside a body: SQL to read, a PL/pgSQL or MySQL statement to look for calls in, or dynamic SQL. */
export type BodyStatement =
  | { kind: 'sql'; text: string; offset: number }
  | { kind: 'calls'; text: string; offset: number }
  | { kind: 'dynamic'; what: string; offset: number };

/** The key a routine's name is known by: its last part, unquoted; lower-cased unless PostgreSQL quotes it. */
export function routineKey(written: string, dialect: SqlDialect): string {
  const parts = written.match(new RegExp(IDENT, 'g')) ?? [];
  const last = parts[parts.length - 1] ?? '';
  if (last.startsWith('"')) return last.slice(1, -1).replace(/""/g, '"');
  if (last.startsWith('`')) return last.slice(1, -1).replace(/``/g, '`').toLowerCase();
  return dialect === 'mysql' ? last.toLowerCase() : last.toLowerCase();
}

/** A quoted body at `at`: `$tag$ ... $tag$` or `'...'` (with '' for '). */
function quotedBody(text: string, at: number): Body | undefined {
  const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(text.slice(at, at + 64))?.[0];
  if (tag) {
    const end = text.indexOf(tag, at + tag.length);
    return end < 0 ? undefined : { text: text.slice(at + tag.length, end), offset: at + tag.length };
  }
  if (text[at] === "'") {
    let k = at + 1;
    while (k < text.length && !(text[k] === "'" && text[k + 1] !== "'")) k += text[k] === "'" ? 2 : 1;
    // Doubled quotes become single ones; the offset stays that of the body's start (lines do not change).
    return { text: text.slice(at + 1, k).replace(/''/g, "'"), offset: at + 1 };
  }
  return undefined;
}

const languageOf = (text: string) => /\bLANGUAGE\s+'?"?([A-Za-z_]\w*)/i.exec(text)?.[1]?.toLowerCase();

/** A PostgreSQL `DO [LANGUAGE l] $$ body $$ [LANGUAGE l]`: its body. `text` has no comments outside the body. */
export function doBlock(text: string): Body | undefined {
  const m = /^DO\s+(?:LANGUAGE\s+'?"?\w+'?"?\s+)?/i.exec(text);
  if (!m) return undefined;
  const body = quotedBody(text, m[0].length);
  if (!body) return undefined;
  const outside = text.slice(0, body.offset) + text.slice(body.offset + body.text.length);
  return { ...body, language: languageOf(outside) ?? 'plpgsql' };
}

/**
 * `CREATE [OR REPLACE] FUNCTION|PROCEDURE name (...) ... AS $$ body $$` (PostgreSQL; also `BEGIN
 * ATOMIC ... END`), or MySQL's `CREATE [DEFINER = u] PROCEDURE|FUNCTION name (...) ... BEGIN ... END`.
 */
export function routineDefinition(text: string, dialect: SqlDialect): RoutineDefinition | undefined {
  const head = new RegExp(
    String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(FUNCTION|PROCEDURE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(${QUALIFIED})\s*\(`,
    'i'
  ).exec(text);
  if (!head) return undefined;
  const kind = (head[1] ?? '').toUpperCase() as RoutineDefinition['kind'];
  const name = routineKey(head[2] ?? '', dialect);
  const close = closingParen(text, head[0].length - 1);
  const after = close < 0 ? -1 : close + 1;
  if (after < 0) return undefined;
  if (dialect === 'postgresql') {
    const as = /\bAS\s+(?=\$|')/i.exec(text.slice(after));
    if (as) {
      const body = quotedBody(text, after + as.index + as[0].length);
      if (!body) return undefined;
      const outside = text.slice(0, body.offset) + text.slice(body.offset + body.text.length);
      return { ...body, name, kind, language: languageOf(outside) };
    }
    const atomic = /\bBEGIN\s+ATOMIC\b/i.exec(text.slice(after));
    return atomic ? { text: text.slice(after + atomic.index), offset: after + atomic.index, name, kind, language: 'sql' } : undefined;
  }
  const begin = /\bBEGIN\b/i.exec(text.slice(after));
  if (begin) return { text: text.slice(after + begin.index), offset: after + begin.index, name, kind, language: 'sql' };
  // A body of one statement after the characteristics.
  const characteristics =
    /^(?:\s*(?:RETURNS\s+\w+(?:\s*\([^)]*\))?(?:\s+(?:UNSIGNED|CHARSET\s+\w+|CHARACTER\s+SET\s+\w+|COLLATE\s+\w+))*|COMMENT\s+'(?:[^']|'')*'|LANGUAGE\s+SQL|NOT\s+DETERMINISTIC|DETERMINISTIC|CONTAINS\s+SQL|NO\s+SQL|READS\s+SQL\s+DATA|MODIFIES\s+SQL\s+DATA|SQL\s+SECURITY\s+\w+))*\s*/i.exec(
      text.slice(after)
    );
  const offset = after + (characteristics?.[0].length ?? 0);
  return { text: text.slice(offset), offset, name, kind, language: 'sql' };
}

const THEN = /THEN\b/iy;
const LOOP_OR_DO = /(?:LOOP|DO)\b/iy;
const WHEN = /WHEN\b/iy;
const HANDLER = /^DECLARE\s+(?:CONTINUE|EXIT|UNDO)\s+HANDLER\s+FOR\s+/i;
const CONDITION = /^(?:SQLEXCEPTION|SQLWARNING|NOT\s+FOUND|SQLSTATE\s+(?:VALUE\s+)?'[^']*'|\d+|[A-Za-z_]\w*)\s*/i;
/** PL/pgSQL and MySQL routine statements that run no SQL of their own (calls in them are still looked for). */
const PROCEDURAL =
  /^(?:PERFORM|RETURN|RAISE|NULL|GET|OPEN|FETCH|CLOSE|EXIT|CONTINUE|LEAVE|ITERATE|ASSERT|SET|SIGNAL|RESIGNAL|MOVE|COMMIT|ROLLBACK|CALL|SELECT|VALUES|DEALLOCATE|(?:[A-Za-z_][\w$]*(?:\s*\.\s*[A-Za-z_][\w$]*)?(?:\s*\[[^\]]*\])?\s*:?=(?!=)))/i;

/**
 * Where the statement inside one piece of a body starts, past the control flow around it; undefined
 * when the piece holds none (END IF, a declaration, UNTIL ... END REPEAT).
 */
function pastControlFlow(piece: string): number | undefined {
  let k = 0;
  for (let n = 0; n < 100; n++) {
    while (k < piece.length && /\s/.test(piece[k] ?? '')) k++;
    const rest = piece.slice(k);
    let m: RegExpExecArray | null;
    if ((m = /^<<\s*\w+\s*>>/.exec(rest)) || (m = /^[A-Za-z_]\w*\s*:(?!=)\s*(?=BEGIN|LOOP|WHILE|REPEAT|FOR)/i.exec(rest))) k += m[0].length;
    else if ((m = HANDLER.exec(rest))) {
      k += m[0].length;
      for (let c = 0; c < 100; c++) {
        const cond = CONDITION.exec(piece.slice(k));
        if (!cond) break;
        k += cond[0].length;
        if (piece[k] !== ',') break;
        k++;
        while (/\s/.test(piece[k] ?? '')) k++;
      }
    } else if ((m = /^DECLARE\s+(?=BEGIN\b)/i.exec(rest))) k += m[0].length;
    else if (/^(?:DECLARE|END|UNTIL)\b/i.test(rest)) return undefined;
    else if ((m = /^(?:BEGIN(?:\s+(?:NOT\s+)?ATOMIC)?|ELSE|EXCEPTION|LOOP|REPEAT|THEN)\b/i.exec(rest))) k += m[0].length;
    else if (/^(?:IF|ELSIF|ELSEIF|WHEN)\b/i.test(rest)) {
      const past = pastWord(piece, k + 2, THEN);
      if (past < 0) return undefined;
      k = past;
    } else if (/^CASE\b/i.test(rest)) {
      const past = pastWord(piece, k + 4, WHEN);
      if (past < 0) return undefined;
      k = past - 4;
    } else if (/^(?:WHILE|FOR|FOREACH)\b/i.test(rest)) {
      const past = pastWord(piece, k + 3, LOOP_OR_DO);
      if (past < 0) return undefined;
      // FOR r IN EXECUTE '...' LOOP runs dynamic SQL: the piece is kept whole for the dynamic check.
      if (/^FOR\b[\s\S]*\bIN\s+EXECUTE\b/i.test(piece.slice(k, past))) return k;
      k = past;
    } else break;
  }
  return k < piece.length ? k : undefined;
}

/** What one body statement is: SQL, procedural (calls only), or dynamic SQL (with the literal it runs, when it is one). */
function classify(text: string, offset: number, dialect: SqlDialect): BodyStatement[] {
  if (dialect === 'postgresql') {
    const literal = /^EXECUTE\s+('(?:[^']|'')*'|\$(?:[A-Za-z_]\w*)?\$[\s\S]*\$(?:[A-Za-z_]\w*)?\$)\s*(?:$|USING\b|INTO\b)/i.exec(text);
    if (literal) {
      const body = quotedBody(literal[1] ?? '', 0);
      if (body) return [{ kind: 'sql', text: body.text.trim(), offset: offset + 'EXECUTE '.length }];
    }
    if (/^(?:EXECUTE|RETURN\s+QUERY\s+EXECUTE|FOR\b[\s\S]*\bIN\s+EXECUTE)\b/i.test(text))
      return [{ kind: 'dynamic', what: 'EXECUTE', offset }];
  } else {
    const literal = /^PREPARE\s+\w+\s+FROM\s+'((?:[^'\\]|''|\\.)*)'\s*$/i.exec(text);
    if (literal) return [{ kind: 'sql', text: (literal[1] ?? '').replace(/''/g, "'").replace(/\\(.)/g, '$1'), offset }];
    if (/^PREPARE\b/i.test(text)) return [{ kind: 'dynamic', what: 'PREPARE', offset }];
    if (/^EXECUTE\b/i.test(text)) return [];
  }
  if (PROCEDURAL.test(text)) return [{ kind: 'calls', text, offset }];
  return [{ kind: 'sql', text, offset }];
}

/** The statements of a routine's body (DO block, function, procedure), each with its offset in the body. */
export function bodyStatements(body: string, dialect: SqlDialect): BodyStatement[] {
  const out: BodyStatement[] = [];
  const lineStarts = [0];
  for (let k = body.indexOf('\n'); k >= 0; k = body.indexOf('\n', k + 1)) lineStarts.push(k + 1);
  // PL/pgSQL declares its variables between DECLARE and BEGIN, one per statement: none of them is SQL.
  let declaring = false;
  for (const statement of splitStatements(body, dialect)) {
    const piece = withoutComments(statement.text, dialect);
    if (dialect === 'postgresql') {
      if (/^(?:<<\s*\w+\s*>>\s*)?DECLARE\b/i.test(piece)) declaring = !/\bBEGIN\b/i.test(piece);
      else if (declaring && !/^(?:<<\s*\w+\s*>>\s*)?BEGIN\b/i.test(piece)) continue;
      else declaring = false;
    }
    const start = pastControlFlow(piece);
    if (start === undefined) continue;
    // The piece's offset in the body: its first line's start plus its indentation there.
    const lineStart = lineStarts[statement.line - 1] ?? 0;
    const offset = body.indexOf(statement.text.slice(0, 40), lineStart) + start;
    out.push(...classify(piece.slice(start).trim(), Math.max(0, offset), dialect));
  }
  return out;
}

/** A top-level statement that runs dynamic SQL: MySQL's `PREPARE s FROM @sql` (a literal is read instead), PostgreSQL's `EXECUTE` of a prepared name is not. */
export function topLevelDynamic(text: string, dialect: SqlDialect): BodyStatement | undefined {
  if (dialect !== 'mysql' || !/^PREPARE\b/i.test(text)) return undefined;
  return classify(text, 0, dialect)[0];
}

/**
 * The routines of `known` a statement calls: `CALL p(...)`, `CALL p`, `SELECT f(...)`, `PERFORM
 * f(...)`, `x := f(...)`. `text` has no comments; string literals are not calls.
 */
export function callsIn(text: string, dialect: SqlDialect, known: ReadonlySet<string>): string[] {
  if (!known.size) return [];
  const bare = text.replace(/'(?:[^']|'')*'/g, "''");
  const found = new Set<string>();
  const call = new RegExp(String.raw`^CALL\s+(${QUALIFIED})`, 'i').exec(bare);
  if (call) {
    const key = routineKey(call[1] ?? '', dialect);
    if (known.has(key)) found.add(key);
  }
  for (const m of bare.matchAll(new RegExp(String.raw`(?<![\w$."\x60])(${QUALIFIED})\s*\(`, 'g'))) {
    const key = routineKey(m[1] ?? '', dialect);
    if (known.has(key)) found.add(key);
  }
  return [...found];
}

/** The name a `CALL` names, whether or not the migrations create it (MySQL and PostgreSQL procedures). */
export function calledProcedure(text: string, dialect: SqlDialect): string | undefined {
  const call = new RegExp(String.raw`^CALL\s+(${QUALIFIED})`, 'i').exec(text);
  return call ? routineKey(call[1] ?? '', dialect) : undefined;
}
