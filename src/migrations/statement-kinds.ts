/**
 * Kinds of statements that touch no table's data: a function, a view, a type, a comment, a grant, a
 * session setting. When the parser cannot read one of these, there is nothing to warn about: the
 * statement is counted in one summary line instead. Every other statement the parser cannot read
 * may touch a table, and stays a warning.
 */
import type { SqlDialect } from './touches.js';

const OBJECTS = [
  'FUNCTION',
  'PROCEDURE',
  'ROUTINE',
  'VIEW',
  'MATERIALIZED VIEW',
  'TRIGGER',
  'CONSTRAINT TRIGGER',
  'EVENT TRIGGER',
  'TYPE',
  'DOMAIN',
  'EXTENSION',
  'SCHEMA',
  'DATABASE',
  'SEQUENCE',
  'INDEX',
  'UNIQUE INDEX',
  'FULLTEXT INDEX',
  'SPATIAL INDEX',
  'POLICY',
  'ROLE',
  'USER',
  'USER MAPPING',
  'GROUP',
  'RULE',
  'AGGREGATE',
  'OPERATOR',
  'OPERATOR CLASS',
  'OPERATOR FAMILY',
  'CAST',
  'COLLATION',
  'CONVERSION',
  'PUBLICATION',
  'SUBSCRIPTION',
  'EVENT',
  'SERVER',
  'FOREIGN DATA WRAPPER',
  'FOREIGN TABLE',
  'TEXT SEARCH',
  'LANGUAGE',
  'STATISTICS',
  'ACCESS METHOD',
  'TRANSFORM',
  'TABLESPACE',
  'DEFAULT PRIVILEGES',
  'LARGE OBJECT',
  'OWNED BY',
  'LOGFILE GROUP',
  'RESOURCE GROUP',
  'SYSTEM',
  'INSTANCE'
];
const OBJECT = `(?:${OBJECTS.map((o) => o.replace(/ /g, '\\s+')).join('|')})\\b`;
/** `CREATE [OR REPLACE] [DEFINER = x] [ALGORITHM = y] [SQL SECURITY z] [TEMP] [RECURSIVE] [TRUSTED] [PROCEDURAL] [CONCURRENTLY] <object>` */
const CREATE = new RegExp(
  String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:DEFINER\s*=\s*(?:\S+)|ALGORITHM\s*=\s*\w+|SQL\s+SECURITY\s+\w+|TEMP|TEMPORARY|RECURSIVE|TRUSTED|PROCEDURAL|DEFAULT|AGGREGATE)\s+)*${OBJECT}`,
  'i'
);
const ALTER = new RegExp(String.raw`^ALTER\s+${OBJECT}`, 'i');
const DROP = new RegExp(String.raw`^DROP\s+${OBJECT}`, 'i');
const OTHER = new RegExp(
  String.raw`^(?:COMMENT\s+ON|GRANT|REVOKE|SET|RESET|SHOW|BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|LOCK|UNLOCK|ANALYZE|ANALYSE|VACUUM|REINDEX|CLUSTER|REFRESH\s+MATERIALIZED\s+VIEW|NOTIFY|LISTEN|UNLISTEN|EXPLAIN|EXECUTE|DEALLOCATE|DISCARD|CHECKPOINT|SECURITY\s+LABEL|FLUSH|OPTIMIZE|CHECK|CHECKSUM|REPAIR|USE|DESCRIBE|DESC|HELP|DECLARE|FETCH|CLOSE|MOVE|INSTALL|UNINSTALL|PURGE|KILL|SIGNAL|RESIGNAL|XA|HANDLER|CACHE\s+INDEX|LOAD\s+INDEX)\b`,
  'i'
);

/** The statement's kind as its first words say it, for the count: `CREATE FUNCTION`, `COMMENT ON`, `SET`. */
export function kindOf(text: string): string {
  const words = text
    .replace(/^CREATE\s+OR\s+REPLACE\s+/i, 'CREATE ')
    .replace(/^(CREATE)\s+(?:DEFINER\s*=\s*\S+\s+|ALGORITHM\s*=\s*\w+\s+|SQL\s+SECURITY\s+\w+\s+)+/i, '$1 ')
    .split(/[\s(;]+/)
    .filter(Boolean);
  const first = (words[0] ?? '').toUpperCase();
  const two = ['CREATE', 'ALTER', 'DROP', 'COMMENT', 'START', 'REFRESH', 'SECURITY'].includes(first);
  return (two ? `${first} ${(words[1] ?? '').toUpperCase()}` : first).replace(/[^A-Z_ ]/g, '').trim() || 'statement';
}

/**
 * Whether a statement, by its kind alone, changes no table's data, so that not reading it loses
 * nothing. `text` has no comments. A plain SELECT reads; PostgreSQL's `SELECT ... INTO t` creates a
 * table, and a WITH may hide a write, so neither counts as touching nothing.
 */
export function touchesNoTable(text: string, dialect: SqlDialect): boolean {
  if (CREATE.test(text) || ALTER.test(text) || DROP.test(text) || OTHER.test(text))
    return !/^(?:DROP|CREATE|ALTER)\s+(?:TEMPORARY\s+)?TABLE\b/i.test(text);
  if (/^(?:SELECT|VALUES|TABLE)\b/i.test(text)) return dialect === 'mysql' || !/\bINTO\b/i.test(text);
  return false;
}
