/**
 * tables-from's scan (src/migrations/index.ts): the changed files that match the globs, read from
 * the workspace, and the tables their statements touch. A temporary git repository is the workspace
 * and its history the push; a fake GitHub on 127.0.0.1 gives a pull request's files. What is read is
 * only a regular file inside the workspace, of at most 5 MiB, and at most 500 of them.
 * End to end (the bundled action, the summary, the warnings of unreadable SQL): tables.e2e.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TablesFrom } from '../src/inputs.js';
import { MAX_FILES, MAX_FILE_BYTES, scanMigrations } from '../src/migrations/index.js';
import type { MigrationScan } from '../src/migrations/touches.js';
import type { Logger } from '../src/safe-text.js';
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.js';
import { createRepo, eventEnv, type TestRepo } from './helpers/git-repo.js';

const log: string[] = [];
const logger: Logger = {
  info: (l) => log.push(l),
  notice: (l) => log.push(`notice: ${l}`),
  warning: (l) => log.push(`warning: ${l}`),
  group: (_t, w) => w()
};
const warnings = () => log.filter((l) => l.startsWith('warning: ')).map((l) => l.slice('warning: '.length));
const options = (globs: string[], extra: Partial<TablesFrom> = {}): TablesFrom => ({
  globs,
  dialect: 'postgresql',
  defaultSchema: 'public',
  ...extra
});
const tables = (scan: MigrationScan) => scan.touches.map((t) => `${t.file}:${t.line} ${t.statement} ${t.table.schema}.${t.table.table}`);

let github: FakeGitHub;
const savedApiUrl = process.env.GITHUB_API_URL;
beforeAll(async () => {
  github = await startFakeGitHub();
  // Read by @actions/github when it loads (on the first pull request scan of this file).
  process.env.GITHUB_API_URL = github.url;
});
afterAll(async () => {
  await github.close();
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = savedApiUrl;
});
beforeEach(() => {
  log.length = 0;
});

/** A push of `files` onto a first commit, scanned from the workspace's git history. */
async function pushed(
  files: Record<string, string | null>,
  globs: string[],
  setup?: (repo: TestRepo) => void,
  first: Record<string, string> = { 'README.md': '# data' }
): Promise<{ scan: MigrationScan; repo: TestRepo }> {
  const repo = createRepo();
  const before = repo.commit(first);
  setup?.(repo);
  const after = repo.commit(files);
  const env = { ...eventEnv('push', { before, after }), GITHUB_WORKSPACE: repo.dir };
  return { scan: await scanMigrations(options(globs), 'ghs_unused', logger, env), repo };
}

describe('bounds on what a migration costs', () => {
  test("reading stops at the step's deadline with an error that names the file and says what to do, not one about Peaka", async () => {
    const repo = createRepo();
    const before = repo.commit({ 'README.md': '# data' });
    const after = repo.commit({ 'db/001_big.sql': Array.from({ length: 2_000 }, (_, i) => `CREATE TABLE s.t_${i} (id int);`).join('\n') });
    const env = { ...eventEnv('push', { before, after }), GITHUB_WORKSPACE: repo.dir };
    const scanning = scanMigrations(options(['db/*.sql']), 'ghs_unused', logger, env, { deadline: Date.now() - 1 });
    await expect(scanning).rejects.toThrow(
      /^tables-from: reading the changed migrations took until the step's timeout \(stopped at db\/001_big\.sql line 1, file 1 of 1\)\. .*raise timeout, or name the caches with 'tables' instead\.$/
    );
  });

  test('past 50 statements that cannot be read, they are counted in one line, not a warning each', async () => {
    const unreadable = Array.from({ length: 120 }, (_, i) => `FROBNICATE payment.t_${i} NOW;`).join('\n');
    await pushed({ 'db/001_odd.sql': unreadable }, ['db/*.sql']);
    const statementWarnings = warnings().filter((w) => / line \d+: /.test(w));
    expect(statementWarnings).toHaveLength(50);
    expect(warnings()).toContainEqual(
      expect.stringMatching(
        /^tables-from: 70 more statements could not be read or their tables cannot be known \(120 in all; the first 50 are named above\)\.$/
      )
    );
  });
});

describe('which files are read', () => {
  test('the changed files that match a glob, in path order; removed ones and others are not read', async () => {
    const { scan } = await pushed(
      {
        'db/b/002_orders.sql': 'ALTER TABLE shop.orders ADD COLUMN note text;',
        'db/a/001_invoices.sql': 'CREATE TABLE payment.invoices (id bigint);\nTRUNCATE payment.legacy;',
        'db/gone.sql': null,
        'docs/example.sql': 'DROP TABLE payment.invoices;',
        'db/notes.txt': 'DROP TABLE payment.invoices;'
      },
      ['db/**/*.sql'],
      undefined,
      { 'db/gone.sql': 'CREATE TABLE x.y (id int);' }
    );
    expect(scan.files).toEqual(['db/a/001_invoices.sql', 'db/b/002_orders.sql']);
    expect(scan.changed).toBe(5);
    expect(scan.source).toMatch(/^git history of the workspace, [0-9a-f]{7}\.\.\.[0-9a-f]{7}$/);
    expect(tables(scan)).toEqual([
      'db/a/001_invoices.sql:1 CREATE TABLE payment.invoices',
      'db/a/001_invoices.sql:2 TRUNCATE payment.legacy',
      'db/b/002_orders.sql:1 ALTER TABLE shop.orders'
    ]);
    expect(scan.nothingToDo).toBeUndefined();
    expect(log[0]).toMatch(
      /^tables-from: 5 files changed \(git history of the workspace, .*\); 2 match db\/\*\*\/\*\.sql: db\/a\/001_invoices\.sql, db\/b\/002_orders\.sql\.$/
    );
    expect(warnings()).toEqual([]);
  });

  test('several globs, a file matched by two of them read once, and dot-directories included', async () => {
    const { scan } = await pushed(
      { 'migrations/.hidden/001.sql': 'CREATE TABLE a.b (id int);', 'migrations/002.sql': 'CREATE TABLE a.c (id int);' },
      ['migrations/**/*.sql', 'migrations/*.sql']
    );
    expect(scan.files).toEqual(['migrations/.hidden/001.sql', 'migrations/002.sql']);
    expect(tables(scan)).toEqual(['migrations/.hidden/001.sql:1 CREATE TABLE a.b', 'migrations/002.sql:1 CREATE TABLE a.c']);
  });

  test('no changed file matches: nothing to do, and it says which globs and which change', async () => {
    const { scan } = await pushed({ 'README.md': '# changed' }, ['migrations/**/*.sql']);
    expect(scan.files).toEqual([]);
    expect(scan.touches).toEqual([]);
    expect(scan.nothingToDo).toMatch(
      /^No changed file matches tables-from \(migrations\/\*\*\/\*\.sql\) in git history of the workspace, [0-9a-f]{7}\.\.\.[0-9a-f]{7}; nothing to do\.$/
    );
  });

  test(`at most ${MAX_FILES} files, the first by path, with a warning`, async () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_FILES + 2 }, (_, i) => [`m/${String(i).padStart(4, '0')}.sql`, `CREATE TABLE s.t${i} (id int);`])
    );
    const { scan } = await pushed(many, ['m/*.sql']);
    expect(scan.files).toHaveLength(MAX_FILES);
    expect(scan.files.at(-1)).toBe(`m/${String(MAX_FILES - 1).padStart(4, '0')}.sql`);
    expect(scan.touches).toHaveLength(MAX_FILES);
    expect(warnings()).toEqual([`tables-from: ${MAX_FILES + 2} migration files changed; only the first ${MAX_FILES} (by path) are read.`]);
  });

  test('a changed path with control characters, from the API, is left out with a warning', async () => {
    const repo = createRepo();
    repo.commit({ 'migrations/ok.sql': 'ALTER TABLE a.ok ADD x int;' });
    github.pulls.set(31, [
      { filename: 'migrations/ok.sql', status: 'modified' },
      { filename: 'migrations/bad\u001b]8;;x.sql', status: 'added' }
    ]);
    const env = { ...eventEnv('pull_request', { pull_request: { number: 31 } }), GITHUB_WORKSPACE: repo.dir };
    const scan = await scanMigrations(options(['migrations/*.sql']), 'ghs_pr', logger, env);
    expect(scan.files).toEqual(['migrations/ok.sql']);
    expect(tables(scan)).toEqual(['migrations/ok.sql:1 ALTER TABLE a.ok']);
    expect(warnings()).toEqual(["tables-from: 1 changed path with control characters or '..' left out."]);
  });
});

describe('what a file may be', () => {
  test(`up to ${MAX_FILE_BYTES / 1024 / 1024} MiB is read; one byte more is left out with a warning, and the rest still read`, async () => {
    const statement = 'CREATE TABLE big.exact (id int);\n';
    const padding = (bytes: number) => `${'-- padding\n'.repeat(Math.floor(bytes / 11))}${'-'.repeat(bytes % 11)}\n`;
    const exact = padding(MAX_FILE_BYTES - statement.length - 1) + statement;
    expect(Buffer.byteLength(exact)).toBe(MAX_FILE_BYTES);
    const { scan } = await pushed(
      { 'm/1_exact.sql': exact, 'm/2_over.sql': `${exact} `, 'm/3_small.sql': 'CREATE TABLE s.small (id int);' },
      ['m/*.sql']
    );
    expect(tables(scan).map((t) => t.replace(/:\d+/, ''))).toEqual([
      'm/1_exact.sql CREATE TABLE big.exact',
      'm/3_small.sql CREATE TABLE s.small'
    ]);
    expect(warnings()).toEqual([
      "m/2_over.sql: more than the 5 MiB tables-from reads; it is left out. Refresh the caches it touches with 'tables'."
    ]);
  });

  test('a link to a file inside the workspace is read', async () => {
    const { scan } = await pushed({}, ['m/*.sql'], (repo) => {
      mkdirSync(join(repo.dir, 'm'));
      writeFileSync(join(repo.dir, 'm', 'real.txt'), 'ALTER TABLE s.linked ADD x int;');
      symlinkSync('real.txt', join(repo.dir, 'm', '002_link.sql'));
    });
    expect(tables(scan)).toEqual(['m/002_link.sql:1 ALTER TABLE s.linked']);
    expect(warnings()).toEqual([]);
  });

  test('a relative link out of the workspace, and a link to a directory, are never read', async () => {
    const outside = join(mkdtempSync(join(tmpdir(), 'outside-')), 'secret.sql');
    writeFileSync(outside, 'CREATE TABLE public.leaked (id int);');
    const { scan } = await pushed({ 'm/001_ok.sql': 'ALTER TABLE s.ok ADD x int;' }, ['m/*.sql'], (repo) => {
      mkdirSync(join(repo.dir, 'm'));
      mkdirSync(join(repo.dir, 'docs'));
      writeFileSync(join(repo.dir, 'docs', 'x.txt'), 'x');
      symlinkSync(relative(join(repo.dir, 'm'), outside), join(repo.dir, 'm', '002_out.sql'));
      symlinkSync('../docs', join(repo.dir, 'm', '003_dir.sql'));
    });
    expect(scan.files).toEqual(['m/001_ok.sql', 'm/002_out.sql', 'm/003_dir.sql']);
    expect(tables(scan)).toEqual(['m/001_ok.sql:1 ALTER TABLE s.ok']);
    expect(warnings()).toEqual([
      'm/002_out.sql is a link out of the workspace or not a regular file; it is left out.',
      'm/003_dir.sql is a link out of the workspace or not a regular file; it is left out.'
    ]);
    expect(log.join('\n')).not.toContain('leaked');
  });

  test('a changed file missing from the workspace is left out, with what to check', async () => {
    const repo = createRepo();
    const before = repo.commit({ 'README.md': 'x' });
    const after = repo.commit({ 'm/001.sql': 'CREATE TABLE s.a (id int);', 'm/002.sql': 'CREATE TABLE s.b (id int);' });
    rmSync(join(repo.dir, 'm', '001.sql'));
    const env = { ...eventEnv('push', { before, after }), GITHUB_WORKSPACE: repo.dir };
    const scan = await scanMigrations(options(['m/*.sql']), 't', logger, env);
    expect(tables(scan)).toEqual(['m/002.sql:1 CREATE TABLE s.b']);
    expect(warnings()).toEqual([
      `m/001.sql changed but is not in the workspace (${repo.dir}); it is left out. Check out the repository (actions/checkout) before this step.`
    ]);
  });
});

describe('the SQL', () => {
  test('a statement the parser cannot read is listed with its file and line, and the scan goes on', async () => {
    const { scan } = await pushed({ 'm/1.sql': 'CREATE TABLE s.a (id int);\nCOPY s.c (id) FROM stdin;\nCREATE TABLE s.b (id int);' }, [
      'm/*.sql'
    ]);
    expect(scan.unreadable).toEqual([{ file: 'm/1.sql', line: 2 }]);
    expect(tables(scan)).toEqual(['m/1.sql:1 CREATE TABLE s.a', 'm/1.sql:3 CREATE TABLE s.b']);
    expect(warnings()).toEqual([
      expect.stringMatching(
        /^m\/1\.sql line 2: the SQL parser \(postgresql\) could not read this statement \(.+\); its tables are unknown: if it changes a cached table, refresh that cache with 'tables'\.$/
      )
    ]);
  });

  test('a procedure created in one changed file and called in a later one credits its tables to the call', async () => {
    const { scan } = await pushed(
      {
        'm/001_procs.sql':
          'CREATE PROCEDURE archive_orders() LANGUAGE plpgsql AS $$\nBEGIN\n  INSERT INTO shop.orders_archive SELECT * FROM shop.orders;\n  DELETE FROM shop.orders;\nEND $$;',
        'm/002_run.sql': '-- move the old orders\nCALL archive_orders();'
      },
      ['m/*.sql']
    );
    expect(tables(scan)).toEqual(['m/002_run.sql:2 INSERT shop.orders_archive', 'm/002_run.sql:2 DELETE shop.orders']);
    expect(scan.touches.map((t) => t.routine)).toEqual([
      'procedure archive_orders (created at m/001_procs.sql:1)',
      'procedure archive_orders (created at m/001_procs.sql:1)'
    ]);
    expect(warnings()).toEqual([]);
  });

  test('statements of kinds that touch no table are one count, not a warning each; dynamic SQL is one warning naming file and line', async () => {
    const sql = [
      'CREATE OR REPLACE VIEW s.v AS SELECT 1;',
      "COMMENT ON TABLE s.a IS 'x';",
      'ALTER TYPE s.mood ADD VALUE $v$sad$v$;',
      'DROP TRIGGER IF EXISTS t ON s.a;',
      'DO $$ BEGIN',
      "  EXECUTE format('TRUNCATE %I', 'a');",
      'END $$;'
    ].join('\n');
    const { scan } = await pushed({ 'm/1.sql': sql }, ['m/*.sql']);
    expect(scan.unreadable).toEqual([]);
    expect(scan.passedOver).toEqual({ 'ALTER TYPE': 1, 'DROP TRIGGER': 1 });
    expect(log).toContain(
      "tables-from: 2 statements the SQL parser could not read touch no table's data (ALTER TYPE 1, DROP TRIGGER 1); passed over without a warning."
    );
    expect(scan.dynamic).toEqual([{ file: 'm/1.sql', line: 6 }]);
    expect(warnings()).toEqual([
      "m/1.sql line 6: it runs dynamic SQL (EXECUTE), so the tables it touches cannot be known; if it changes a cached table, refresh that cache with 'tables'."
    ]);
  });
});
