/**
 * node-sql-parser, one dialect's build at a time: each is its own chunk of the bundle, loaded only
 * when tables-from is set. Statements are parsed one by one so that one the parser rejects is named
 * and the rest are still read.
 */
import type { SqlDialect } from './touches.js';
import { splitStatements } from './sql-statements.js';
import { touchesFromHead, touchesOfAst, type NameRules, type Touch } from './touches.js';

export interface Parser {
  astify(sql: string, options?: { database?: string }): unknown;
}
type ParserModule = { Parser?: new () => Parser; default?: { Parser?: new () => Parser } };

/** Longer statements (a bulk INSERT of seed data, say) are read from their first words only. */
export const MAX_PARSED_STATEMENT = 200_000;

export async function loadParser(dialect: SqlDialect): Promise<Parser> {
  // Literal paths, so that the bundler makes one chunk per dialect and never bundles the others.
  const module = (dialect === 'mysql' ? await import('node-sql-parser/build/mysql.js') : await import('node-sql-parser/build/postgresql.js')) as ParserModule;
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
  if (text.length > MAX_PARSED_STATEMENT) return { touches: touchesFromHead(text, rules, at), unreadable: `it is longer than ${MAX_PARSED_STATEMENT.toLocaleString('en-US')} characters` };
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
  const bare = text.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '').replace(/;\s*$/, '').trim();
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

/**
 * Every statement of one migration file: the tables touched, and the statements the parser rejected.
 * Unqualified names take default-schema, or the schema a `USE`/`SET search_path` earlier in the file chose.
 */
export function readMigration(parser: Parser, sql: string, file: string, fileRules: NameRules): { touches: Touch[]; unreadable: { line: number; reason: string; touches: Touch[] }[] } {
  const touches: Touch[] = [];
  const unreadable: { line: number; reason: string; touches: Touch[] }[] = [];
  let rules = fileRules;
  for (const statement of splitStatements(sql, rules.dialect)) {
    const schema = defaultSchemaSetBy(statement.text, rules.dialect);
    if (schema !== undefined) {
      rules = { ...rules, defaultSchema: schema };
      continue;
    }
    const result = readStatement(parser, statement.text, rules, { file, line: statement.line });
    touches.push(...result.touches);
    if (result.unreadable) unreadable.push({ line: statement.line, reason: result.unreadable, touches: result.touches });
  }
  return { touches, unreadable };
}
