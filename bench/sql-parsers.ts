/**
 * Should tables-from read PostgreSQL with the real PostgreSQL parser (libpg-query, WASM) instead of
 * node-sql-parser? Each parser is loaded in fresh Node processes (load time: import until it can
 * parse), then parses the same PostgreSQL migration statements (written here, the shapes real
 * migrations have); sizes are what a bundle would carry.
 *
 * libpg-query is not a dependency of the action: the bench uses it from LIBPG_QUERY_DIR (a directory
 * where `npm install libpg-query@18.1.5` was run), or from the migrations oracle's install
 * (/tmp/migrations-oracle-v1), and says so when neither has it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../scripts/action-runner.js';

export interface ParserFigure {
  name: string;
  /** What a bundle would carry for it (JavaScript and WASM). */
  bytes: number;
  medianLoadMs: number;
  /** Time to parse the sample, statement by statement, once loaded (median of the runs). */
  medianParseMs: number;
  rejected: number;
}

export interface SqlParserBench {
  statements: number;
  figures: ParserFigure[];
  /** Why libpg-query was not measured, when it was not. */
  missing?: string;
}

const TEMPLATES = [
  'CREATE TABLE IF NOT EXISTS payment.invoices_{i} (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE, total numeric(12,2) DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now())',
  'ALTER TABLE "Invoice_{i}" ADD COLUMN "paidAt" TIMESTAMP(3), ADD CONSTRAINT "Invoice_{i}_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE',
  'ALTER TABLE payment.refunds_{i} RENAME COLUMN amount TO total',
  "ALTER TABLE payment.refunds_{i} ALTER COLUMN state SET DEFAULT 'available'::job_state",
  "INSERT INTO settings_{i} (key, value) VALUES ('a', '{\"x\": 1}'::jsonb), ('b', NULL) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
  "UPDATE accounts_{i} a SET plan = p.name FROM plans p WHERE p.id = a.plan_id AND a.created_at < now() - interval '30 days'",
  'DELETE FROM sessions_{i} WHERE expires_at < now() RETURNING id',
  'WITH moved AS (DELETE FROM queue_{i} WHERE done RETURNING *) INSERT INTO queue_archive SELECT * FROM moved',
  'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_{i} ON events USING gin (payload jsonb_path_ops) WHERE deleted_at IS NULL',
  'CREATE OR REPLACE FUNCTION touch_{i}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$',
  'CREATE TRIGGER t_{i} BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()',
  "COMMENT ON COLUMN accounts.plan_{i} IS 'the plan'",
  "ALTER TYPE mood_{i} ADD VALUE IF NOT EXISTS 'sad'",
  'DROP TABLE IF EXISTS legacy_{i}, legacy_more CASCADE',
  'GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA reporting TO analyst_{i}',
  "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood_{i}') THEN CREATE TYPE mood AS ENUM ('ok'); END IF; END $$"
];
export const SAMPLE_STATEMENTS = Array.from({ length: 1_600 }, (_, n) =>
  TEMPLATES[n % TEMPLATES.length].replace(/\{i\}/g, String(Math.floor(n / TEMPLATES.length)))
);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);

/** The probe each run executes: load, then parse every statement; prints {loadMs, parseMs, rejected}. */
function probe(kind: 'node-sql-parser' | 'libpg-query', libpgDir: string): string {
  const load =
    kind === 'node-sql-parser'
      ? "const m = await import('node-sql-parser/build/postgresql.js'); const P = m.Parser ?? m.default.Parser; const p = new P(); const parse = (s) => p.astify(s, { database: 'postgresql' });"
      : `const m = await import(${JSON.stringify(pathToFileURL(join(libpgDir, 'wasm', 'index.js')).href)}); await m.loadModule(); const parse = (s) => m.parseSync(s);`;
  return [
    "import { readFileSync } from 'node:fs';",
    'const statements = JSON.parse(readFileSync(process.argv[2], "utf8"));',
    'const t0 = performance.now();',
    load,
    'const loadMs = performance.now() - t0;',
    'let rejected = 0;',
    'const t1 = performance.now();',
    'for (const s of statements) { try { parse(s); } catch { rejected++; } }',
    'console.log(JSON.stringify({ loadMs, parseMs: performance.now() - t1, rejected }));'
  ].join('\n');
}

export function findLibpgQuery(): string | undefined {
  for (const dir of [process.env.LIBPG_QUERY_DIR, '/tmp/migrations-oracle-v1'].filter((d): d is string => !!d)) {
    const pkg = existsSync(join(dir, 'wasm', 'index.js')) ? dir : join(dir, 'node_modules', 'libpg-query');
    if (existsSync(join(pkg, 'wasm', 'index.js'))) return pkg;
  }
  return undefined;
}

export function runSqlParserBench(runs = 7, node = process.execPath): SqlParserBench {
  const dir = join(ROOT, '.bench', 'sql-parsers');
  mkdirSync(dir, { recursive: true });
  const sample = join(dir, 'statements.json');
  writeFileSync(sample, JSON.stringify(SAMPLE_STATEMENTS));
  const libpg = findLibpgQuery();
  const kinds: ('node-sql-parser' | 'libpg-query')[] = libpg ? ['node-sql-parser', 'libpg-query'] : ['node-sql-parser'];
  const figures = kinds.map((kind) => {
    const script = join(dir, `${kind}.mjs`);
    writeFileSync(script, probe(kind, libpg ?? ''));
    const runsOut = Array.from({ length: runs }, () => {
      const run = spawnSync(node, [script, sample], { cwd: ROOT, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${kind} probe failed: ${run.stderr.slice(0, 500)}`);
      return JSON.parse(run.stdout) as { loadMs: number; parseMs: number; rejected: number };
    });
    const bytes =
      kind === 'node-sql-parser'
        ? size(join(ROOT, 'node_modules', 'node-sql-parser', 'build', 'postgresql.js'))
        : readdirSync(join(libpg!, 'wasm'))
            .filter((f) => /\.(js|wasm)$/.test(f))
            .reduce((sum, f) => sum + size(join(libpg!, 'wasm', f)), 0);
    return {
      name: kind === 'node-sql-parser' ? 'node-sql-parser 5 (postgresql build)' : 'libpg-query 18 (PostgreSQL 18 parser, WASM)',
      bytes,
      medianLoadMs: median(runsOut.map((r) => r.loadMs)),
      medianParseMs: median(runsOut.map((r) => r.parseMs)),
      rejected: runsOut[0].rejected
    };
  });
  return {
    statements: SAMPLE_STATEMENTS.length,
    figures,
    ...(libpg
      ? {}
      : { missing: 'libpg-query is not installed: set LIBPG_QUERY_DIR to a directory where `npm install libpg-query@18.1.5` was run' })
  };
}
