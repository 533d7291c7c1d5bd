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

/** Every statement of one migration file: the tables touched, and the statements the parser rejected. */
export function readMigration(parser: Parser, sql: string, file: string, rules: NameRules): { touches: Touch[]; unreadable: { line: number; reason: string; touches: Touch[] }[] } {
  const touches: Touch[] = [];
  const unreadable: { line: number; reason: string; touches: Touch[] }[] = [];
  for (const statement of splitStatements(sql, rules.dialect)) {
    const result = readStatement(parser, statement.text, rules, { file, line: statement.line });
    touches.push(...result.touches);
    if (result.unreadable) unreadable.push({ line: statement.line, reason: result.unreadable, touches: result.touches });
  }
  return { touches, unreadable };
}
