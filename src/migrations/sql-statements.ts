/**
 * A migration file as statements, each with the line it starts on, so that a statement the parser
 * cannot read is named by file and line and the others are still read. Semicolons inside strings,
 * quoted names, comments and PostgreSQL dollar-quoted bodies do not end a statement; MySQL's
 * DELIMITER lines change what does, read as the mysql client reads them: a line that starts with
 * DELIMITER ends the statement it holds (even one without its delimiter yet) and sets the next one.
 */
import type { SqlDialect } from './touches.js';

export interface Statement {
  text: string;
  line: number;
}

const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$/y;
const DELIMITER_LINE = /DELIMITER[ \t]+(\S+)[ \t]*(?:\r?\n|$)/iy;

export function splitStatements(sql: string, dialect: SqlDialect): Statement[] {
  const statements: Statement[] = [];
  let delimiter = ';';
  let start = -1;
  let startLine = 1;
  let line = 1;
  const finish = (end: number) => {
    if (start >= 0) {
      const text = sql.slice(start, end).trim();
      if (text) statements.push({ text, line: startLine });
    }
    start = -1;
  };
  const begin = (i: number) => {
    if (start < 0) {
      start = i;
      startLine = line;
    }
  };
  /** Skips to just past `end`, counting lines; returns the index after it (or the end of the text). */
  const skipTo = (from: number, end: string): number => {
    const at = sql.indexOf(end, from);
    const stop = at < 0 ? sql.length : at + end.length;
    for (let k = from; k < stop; k++) if (sql[k] === '\n') line++;
    return stop;
  };

  /** Only blanks between the line's start and `at`. */
  const atLineStart = (at: number): boolean => {
    for (let k = at - 1; k >= 0 && sql[k] !== '\n'; k--) if (sql[k] !== ' ' && sql[k] !== '\t' && sql[k] !== '\r') return false;
    return true;
  };

  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (dialect === 'mysql' && (c === 'd' || c === 'D')) {
      DELIMITER_LINE.lastIndex = i;
      const m = DELIMITER_LINE.exec(sql);
      if (m && atLineStart(i)) {
        finish(i);
        delimiter = m[1];
        if (m[0].endsWith('\n')) line++;
        i += m[0].length;
        continue;
      }
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if ((c === '-' && next === '-') || (c === '#' && dialect === 'mysql')) {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = blockCommentEnd(sql, i, dialect === 'postgresql');
      for (let k = i; k < end; k++) if (sql[k] === '\n') line++;
      i = end;
      continue;
    }
    if (sql.startsWith(delimiter, i)) {
      finish(i);
      i += delimiter.length;
      continue;
    }
    begin(i);
    if (c === "'" || c === '"' || c === '`') {
      const backslashes = dialect === 'mysql' ? c !== '`' : c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
      i = skipQuoted(i, c, backslashes);
      continue;
    }
    if (c === '$' && dialect === 'postgresql' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql)?.[0];
      if (tag) {
        i = skipTo(i + tag.length, tag);
        continue;
      }
    }
    i++;
  }
  finish(sql.length);
  return statements;

  function skipQuoted(from: number, quote: string, backslashes: boolean): number {
    let k = from + 1;
    while (k < sql.length) {
      const ch = sql[k];
      if (ch === '\n') line++;
      if (backslashes && ch === '\\') k += 2;
      else if (ch === quote && sql[k + 1] === quote) k += 2;
      else if (ch === quote) return k + 1;
      else k++;
    }
    return k;
  }
}

/**
 * The statement with its comments blanked out wherever they are (newlines kept, so that offsets and
 * lines still match), strings, quoted names and dollar-quoted bodies left as they are.
 */
export function withoutComments(sql: string, dialect: SqlDialect): string {
  let out = '';
  let from = 0;
  let i = 0;
  const blank = (end: number) => {
    out += sql.slice(from, i) + sql.slice(i, end).replace(/[^\n]/g, ' ');
    i = from = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if ((c === '-' && next === '-') || (c === '#' && dialect === 'mysql')) {
      const eol = sql.indexOf('\n', i);
      blank(eol < 0 ? sql.length : eol);
    } else if (c === '/' && next === '*') {
      blank(blockCommentEnd(sql, i, dialect === 'postgresql'));
    } else if (c === "'" || c === '"' || c === '`') {
      const backslashes = dialect === 'mysql' ? c !== '`' : c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
      let k = i + 1;
      while (k < sql.length) {
        if (backslashes && sql[k] === '\\') k += 2;
        else if (sql[k] === c && sql[k + 1] === c) k += 2;
        else if (sql[k] === c) break;
        else k++;
      }
      i = Math.min(k + 1, sql.length);
    } else if (c === '$' && dialect === 'postgresql' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql)?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? sql.length : end + tag.length;
      } else i++;
    } else i++;
  }
  return out + sql.slice(from);
}

/**
 * The index just past the block comment that starts at `from` (the end of the text if it never
 * closes). `nested`: PostgreSQL's comments nest; MySQL's end at the first `*\/`.
 */
function blockCommentEnd(sql: string, from: number, nested: boolean): number {
  let depth = 0;
  let k = from;
  while (k < sql.length) {
    if (sql[k] === '/' && sql[k + 1] === '*' && (nested || depth === 0)) {
      depth++;
      k += 2;
    } else if (sql[k] === '*' && sql[k + 1] === '/') {
      depth--;
      k += 2;
      if (depth === 0) return k;
    } else k++;
  }
  return sql.length;
}
