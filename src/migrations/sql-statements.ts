/**
 * A migration file as statements, each with the line it starts on, so that a statement the parser
 * cannot read is named by file and line and the others are still read. Semicolons inside strings,
 * quoted names, comments and PostgreSQL dollar-quoted bodies do not end a statement; MySQL's
 * DELIMITER lines change what does.
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

  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (start < 0 && dialect === 'mysql' && (i === 0 || sql[i - 1] === '\n')) {
      DELIMITER_LINE.lastIndex = i;
      const m = DELIMITER_LINE.exec(sql);
      if (m) {
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
      i = skipBlockComment(i, dialect === 'postgresql');
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

  function skipBlockComment(from: number, nested: boolean): number {
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
      } else {
        if (sql[k] === '\n') line++;
        k++;
      }
    }
    return k;
  }
}
