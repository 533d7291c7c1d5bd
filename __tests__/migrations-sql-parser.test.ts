/**
 * Migration parsing on a corpus of real-looking PostgreSQL and MySQL migrations
 * (__tests__/fixtures/migrations): which table each statement creates, alters, renames, drops,
 * truncates or writes, and which statements node-sql-parser rejects.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemaSetBy, loadParser, readMigration, readStatement, MAX_PARSED_STATEMENT } from '../src/migrations/sql-parser.js';
import type { Touch } from '../src/migrations/touches.js';
import { ROOT } from '../scripts/action-runner.js';

const FIXTURES = join(ROOT, '__tests__', 'fixtures', 'migrations');
/** file line statement schema.table, with what else the touch tells. */
const show = (t: Touch) =>
  `${t.file}:${t.line} ${t.statement} ${t.table.schema}.${t.table.table}${t.gone ? ' (gone)' : ''}${t.renamedTo ? ` -> ${t.renamedTo.schema}.${t.renamedTo.table}` : ''}${t.fromHead ? ' [first words]' : ''}`;

async function read(dialect: 'postgresql' | 'mysql', file: string, defaultSchema: string) {
  const parser = await loadParser(dialect);
  return readMigration(parser, readFileSync(join(FIXTURES, dialect, file), 'utf8'), file, { dialect, defaultSchema });
}

describe('PostgreSQL migrations', () => {
  test('creates: schema-qualified, quoted (case kept) and unqualified (default schema, lower-cased); indexes are not tables', async () => {
    const { touches, unreadable } = await read('postgresql', 'V1__create_payment.sql', 'public');
    expect(touches.map(show)).toEqual([
      'V1__create_payment.sql:4 CREATE TABLE payment.invoices',
      'V1__create_payment.sql:14 CREATE TABLE Payment.Invoice Lines',
      'V1__create_payment.sql:19 CREATE TABLE public.customers'
    ]);
    expect(unreadable).toEqual([]);
  });

  test('alter, update, insert; a rejected RENAME COLUMN is read from its first words; a function and a DO block that write no table are no warning', async () => {
    const { touches, unreadable } = await read('postgresql', 'V2__paid_at_and_backfill.sql', 'public');
    expect(touches.map(show)).toEqual([
      'V2__paid_at_and_backfill.sql:1 ALTER TABLE payment.invoices',
      'V2__paid_at_and_backfill.sql:5 UPDATE payment.invoices',
      'V2__paid_at_and_backfill.sql:7 INSERT payment.currencies',
      'V2__paid_at_and_backfill.sql:11 ALTER TABLE payment.refunds [first words]'
    ]);
    expect(unreadable.map((u) => [u.line, u.touches.length])).toEqual([[11, 1]]);
    expect(unreadable[0].reason).toMatch(/^Expected .* but "a" found\.$/);
  });

  test('rename (the new name keeps the schema), drop of several, truncate, delete', async () => {
    const { touches } = await read('postgresql', 'V3__rename_and_drop.sql', 'public');
    expect(touches.map(show)).toEqual([
      'V3__rename_and_drop.sql:1 RENAME payment.invoices (gone) -> payment.bills',
      'V3__rename_and_drop.sql:1 RENAME payment.bills',
      'V3__rename_and_drop.sql:2 DROP TABLE payment.legacy_invoices (gone)',
      'V3__rename_and_drop.sql:2 DROP TABLE public.tmp_import (gone)',
      'V3__rename_and_drop.sql:3 TRUNCATE payment.sessions',
      'V3__rename_and_drop.sql:4 DELETE public.customers',
      'V3__rename_and_drop.sql:5 ALTER TABLE payment.bills [first words]'
    ]);
  });
});

describe('MySQL migrations', () => {
  test('backtick names, # comments; names keep their case; unqualified names take default-schema', async () => {
    const { touches, unreadable } = await read('mysql', '001_create_shop.sql', 'shop');
    expect(touches.map(show)).toEqual([
      '001_create_shop.sql:1 CREATE TABLE shop.orders',
      '001_create_shop.sql:9 CREATE TABLE shop.Customers'
    ]);
    expect(unreadable).toEqual([]);
  });

  test('RENAME TABLE pairs, REPLACE, a multi-table UPDATE writes its first table, a DELIMITER trigger, a cross-schema rename', async () => {
    const { touches, unreadable } = await read('mysql', '002_changes.sql', 'shop');
    expect(touches.map(show)).toEqual([
      '002_changes.sql:1 ALTER TABLE shop.orders',
      '002_changes.sql:2 ALTER TABLE shop.Orders',
      '002_changes.sql:3 RENAME shop.carts (gone) -> shop.baskets',
      '002_changes.sql:3 RENAME shop.baskets',
      '002_changes.sql:3 RENAME shop.wishlist (gone) -> shop.wishes',
      '002_changes.sql:3 RENAME shop.wishes',
      '002_changes.sql:4 DROP TABLE shop.legacy_orders (gone)',
      '002_changes.sql:5 REPLACE shop.countries',
      '002_changes.sql:6 UPDATE shop.orders',
      '002_changes.sql:15 TRUNCATE shop.sessions',
      '002_changes.sql:16 RENAME shop.orders (gone) -> archive.orders [first words]',
      '002_changes.sql:16 RENAME archive.orders [first words]'
    ]);
    // The trigger (line 9) is rejected but touches no table's data: no warning; the cross-schema rename is rejected but read from its first words.
    expect(unreadable.map((u) => u.line)).toEqual([16]);
  });
});

test('a statement too long to parse (bulk seed data) is read from its first words', async () => {
  const parser = await loadParser('postgresql');
  const values = Array.from({ length: 20_000 }, (_, i) => `(${i}, 'row ${i}')`).join(', ');
  const result = readStatement(
    parser,
    `INSERT INTO payment.seed (id, name) VALUES ${values}`,
    { dialect: 'postgresql', defaultSchema: 'public' },
    { file: 'seed.sql', line: 3 }
  );
  expect(values.length).toBeGreaterThan(MAX_PARSED_STATEMENT);
  expect(result.unreadable).toContain('longer than');
  expect(result.touches.map(show)).toEqual(['seed.sql:3 INSERT payment.seed [first words]']);
});

describe('a USE or SET search_path in a migration sets the schema of the unqualified names after it', () => {
  test('MySQL: USE db changes the database of the names that follow it, in that file only', async () => {
    const parser = await loadParser('mysql');
    const sql =
      'ALTER TABLE orders ADD COLUMN note TEXT;\nUSE `shop`;\nALTER TABLE orders ADD COLUMN tag TEXT;\n-- switch again\nuse billing;\nTRUNCATE TABLE invoices;\nUPDATE crm.accounts SET x = 1;';
    const { touches } = readMigration(parser, sql, 'm.sql', { dialect: 'mysql', defaultSchema: 'public' });
    expect(touches.map(show)).toEqual([
      'm.sql:1 ALTER TABLE public.orders',
      'm.sql:3 ALTER TABLE shop.orders',
      'm.sql:6 TRUNCATE billing.invoices',
      'm.sql:7 UPDATE crm.accounts'
    ]);
    const next = readMigration(parser, 'ALTER TABLE orders ADD COLUMN x INT;', 'n.sql', { dialect: 'mysql', defaultSchema: 'public' });
    expect(next.touches.map(show)).toEqual(['n.sql:1 ALTER TABLE public.orders']);
  });

  test('PostgreSQL: SET search_path takes its first schema other than "$user", lower-cased unless quoted', async () => {
    const parser = await loadParser('postgresql');
    const sql =
      'SET search_path TO "$user", Payment, public;\nCREATE TABLE invoices (id int);\nSET LOCAL search_path = "Audit";\nINSERT INTO log (id) VALUES (1);';
    const { touches } = readMigration(parser, sql, 'p.sql', { dialect: 'postgresql', defaultSchema: 'public' });
    expect(touches.map(show)).toEqual(['p.sql:2 CREATE TABLE payment.invoices', 'p.sql:4 INSERT Audit.log']);
  });

  test.each([
    ['mysql', 'USE shop', 'shop'],
    ['mysql', '/* c */ USE `my``db`;', 'my`db'],
    ['mysql', 'USE shop; DROP TABLE x', undefined],
    ['mysql', 'SET search_path TO x', undefined],
    ['postgresql', "SET SESSION search_path TO 'sales'", 'sales'],
    ['postgresql', 'SET search_path TO DEFAULT', undefined],
    ['postgresql', 'SET statement_timeout = 0', undefined],
    ['postgresql', 'USE shop', undefined]
  ] as const)('%s: %j sets %j', (dialect, text, schema) => {
    expect(defaultSchemaSetBy(text, dialect)).toBe(schema);
  });
});

describe('shapes that hid tables or drowned the warnings (issue 22)', () => {
  const pg = { dialect: 'postgresql' as const, defaultSchema: 'public' };
  const my = { dialect: 'mysql' as const, defaultSchema: 'shop' };
  const readPg = async (sql: string) => readMigration(await loadParser('postgresql'), sql, 'm.sql', pg);
  const readMy = async (sql: string) => readMigration(await loadParser('mysql'), sql, 'm.sql', my);
  const where = (t: Touch) => `${show(t)}${t.routine ? ` <${t.routine}>` : ''}`;

  test('PostgreSQL: the writes of WITH parts count, whether the parser reads the statement or not', async () => {
    const sql = [
      'WITH moved AS (INSERT INTO audit.log (id) VALUES (1) RETURNING id) UPDATE orders SET logged = true;',
      'WITH gone AS (DELETE FROM sessions WHERE expired RETURNING *) INSERT INTO audit.sessions SELECT * FROM gone;'
    ].join('\n');
    const { touches } = await readPg(sql);
    expect(touches.map(show)).toEqual([
      'm.sql:1 INSERT audit.log',
      'm.sql:1 UPDATE public.orders',
      'm.sql:2 DELETE public.sessions [first words]',
      'm.sql:2 INSERT audit.sessions [first words]'
    ]);
  });

  test('MySQL: a statement after a leading WITH is read', async () => {
    const { touches } = await readMy(
      'WITH old AS (SELECT id FROM orders WHERE year < 2000)\nDELETE orders FROM orders JOIN old USING (id);\nWITH x AS (SELECT 1) UPDATE /* all */ `Orders` SET a = 1 ORDER BY 2 FOR SHARE SKIP;'
    );
    expect(touches.map(show)).toEqual(['m.sql:1 DELETE shop.orders', 'm.sql:3 UPDATE shop.Orders [first words]']);
  });

  test('comments between the words of a statement the parser rejects do not hide its table', async () => {
    const pgRead = await readPg(
      'ALTER TABLE /* TEMPLATE: schema */ river_job -- why\n  ALTER COLUMN state SET DEFAULT $$available$$::river_job_state;'
    );
    expect(pgRead.touches.map(show)).toEqual(['m.sql:1 ALTER TABLE public.river_job [first words]']);
    const myRead = await readMy(
      'ALTER /* online */ TABLE # why\n `orders` ADD COLUMN note TEXT, ALGORITHM = INSTANT, LOCK = DEFAULT, FORCE, WHATEVER;'
    );
    expect(myRead.touches.map(show)).toEqual(['m.sql:1 ALTER TABLE shop.orders [first words]']);
  });

  test('a rejected statement that names a list of tables names them all', async () => {
    const pgRead = await readPg(
      'DROP TABLE IF EXISTS legacy, "Audit"."Old" CASCADE RESTRICT NOW;\nTRUNCATE ONLY a, b * RESTART IDENTITY OOPS;'
    );
    expect(pgRead.touches.map(show)).toEqual([
      'm.sql:1 DROP TABLE public.legacy (gone) [first words]',
      'm.sql:1 DROP TABLE Audit.Old (gone) [first words]',
      'm.sql:2 TRUNCATE public.a [first words]',
      'm.sql:2 TRUNCATE public.b [first words]'
    ]);
    const myRead = await readMy('RENAME TABLE a TO b, billing.c TO billing.d WAIT 5;\nDROP TEMPORARY TABLE IF EXISTS t1, t2 NOWHERE;');
    expect(myRead.touches.map(show)).toEqual([
      'm.sql:1 RENAME shop.a (gone) -> shop.b [first words]',
      'm.sql:1 RENAME shop.b [first words]',
      'm.sql:1 RENAME billing.c (gone) -> billing.d [first words]',
      'm.sql:1 RENAME billing.d [first words]',
      'm.sql:2 DROP TABLE shop.t1 (gone) [first words]',
      'm.sql:2 DROP TABLE shop.t2 (gone) [first words]'
    ]);
  });

  test('MySQL: a DELIMITER line inside a statement ends it, as the mysql client does', async () => {
    const sql = [
      'DELIMITER //',
      'CREATE PROCEDURE p() BEGIN SELECT 1; END//',
      "UPDATE users SET tenant = -1 WHERE name = 'admin';",
      '',
      'DELIMITER ;',
      'INSERT INTO tenants VALUES (1);'
    ].join('\n');
    const { touches, unreadable } = await readMy(sql);
    expect(touches.map(show)).toEqual(['m.sql:3 UPDATE shop.users', 'm.sql:6 INSERT shop.tenants']);
    expect(unreadable).toEqual([]);
  });

  test('PostgreSQL: the statements of a DO block are read, through IF, LOOP and EXCEPTION', async () => {
    const sql = [
      'DO $$',
      'DECLARE r record; total int := 0;',
      'BEGIN',
      '  IF NOT EXISTS (SELECT 1 FROM "User" WHERE email = \'x;y\') THEN',
      '    INSERT INTO "User" (email) VALUES (\'deleted@example.com\');',
      '  END IF;',
      '  FOR r IN SELECT id FROM jobs LOOP',
      '    UPDATE payment.runs SET job = r.id; -- one by one',
      '  END LOOP;',
      '  ALTER TABLE payment.runs RENAME COLUMN job TO job_id;',
      'EXCEPTION WHEN duplicate_object THEN NULL;',
      'END $$;'
    ].join('\n');
    const { touches, unreadable, unknowable } = await readPg(sql);
    expect(touches.map(where)).toEqual([
      'm.sql:1 INSERT public.User <DO block>',
      'm.sql:1 UPDATE payment.runs <DO block>',
      'm.sql:1 ALTER TABLE payment.runs [first words] <DO block>'
    ]);
    // RENAME COLUMN is rejected by the parser: a warning at its own line, its table counted.
    expect(unreadable.map((u) => u.line)).toEqual([10]);
    expect(unknowable).toEqual([]);
  });

  test('MySQL: a procedure created and then CALLed credits its tables to the CALL', async () => {
    const sql = [
      'DROP PROCEDURE IF EXISTS add_uk;',
      'DELIMITER d//',
      'CREATE PROCEDURE add_uk()',
      'BEGIN',
      "  DECLARE CONTINUE HANDLER FOR SQLSTATE '42000', NOT FOUND BEGIN END;",
      "  IF NOT EXISTS (SELECT * FROM information_schema.STATISTICS WHERE TABLE_NAME = 't_project') THEN",
      '    ALTER TABLE t_project ADD UNIQUE KEY uk_name (name);',
      '  END IF;',
      '  label1: WHILE done = 0 DO',
      '    INSERT INTO t_log VALUES (1);',
      '  END WHILE label1;',
      'END;',
      'd//',
      'DELIMITER ;',
      'CALL add_uk();',
      'DROP PROCEDURE add_uk;'
    ].join('\n');
    const { touches, unreadable, unknowable, passedOver } = await readMy(sql);
    expect(touches.map(where)).toEqual([
      'm.sql:15 ALTER TABLE shop.t_project <procedure add_uk (created at m.sql:3)>',
      'm.sql:15 INSERT shop.t_log <procedure add_uk (created at m.sql:3)>'
    ]);
    expect([unreadable, unknowable]).toEqual([[], []]);
    expect(passedOver.map((p) => p.kind)).toEqual(['DROP PROCEDURE', 'DROP PROCEDURE']);
  });

  test('PostgreSQL: a function or procedure created and then called by SELECT, CALL or PERFORM credits its tables', async () => {
    const sql = [
      'CREATE OR REPLACE FUNCTION fix_rules() RETURNS void AS $f$',
      'BEGIN',
      "  UPDATE dq_rule SET kind = 'x' WHERE kind IS NULL;",
      'END; $f$ LANGUAGE plpgsql;',
      'CREATE PROCEDURE "Purge"() LANGUAGE sql AS $$ DELETE FROM sessions; $$;',
      'SELECT fix_rules();',
      'CALL "Purge"();',
      'DO $$ BEGIN PERFORM fix_rules(); END $$;',
      'CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION fix_rules();'
    ].join('\n');
    const { touches, unreadable, unknowable } = await readPg(sql);
    expect(touches.map(where)).toEqual([
      'm.sql:6 UPDATE public.dq_rule <function fix_rules (created at m.sql:1)>',
      'm.sql:7 DELETE public.sessions <procedure Purge (created at m.sql:5)>',
      'm.sql:8 UPDATE public.dq_rule <function fix_rules (created at m.sql:1)>'
    ]);
    expect([unreadable, unknowable]).toEqual([[], []]);
  });

  test('PostgreSQL: dynamic SQL is one warning at its line; an EXECUTE of a plain string is read', async () => {
    const sql = [
      'DO $$',
      'BEGIN',
      "  EXECUTE 'TRUNCATE audit.log';",
      "  EXECUTE format('ALTER TABLE %I ADD COLUMN x int', 'orders');",
      'END $$;',
      "CREATE FUNCTION add_col(t text) RETURNS void AS $$ BEGIN EXECUTE 'ALTER TABLE ' || t || ' ADD y int'; END $$ LANGUAGE plpgsql;",
      "SELECT add_col('orders');"
    ].join('\n');
    const { touches, unknowable } = await readPg(sql);
    expect(touches.map(where)).toEqual(['m.sql:1 TRUNCATE audit.log <DO block>']);
    expect(unknowable).toEqual([
      { line: 4, reason: 'it runs dynamic SQL (EXECUTE)' },
      { line: 7, reason: 'it calls function add_col (created at m.sql:6), which at m.sql:6 runs dynamic SQL (EXECUTE)' }
    ]);
  });

  test('MySQL: PREPARE of a variable is a warning; PREPARE of a string is read; CALL of a procedure not in the migrations is a warning', async () => {
    const sql = [
      "SET @s = CONCAT('DROP TABLE ', @t);",
      'PREPARE stmt FROM @s;',
      'EXECUTE stmt;',
      "PREPARE two FROM 'DELETE FROM `queue` WHERE done = 1';",
      'CALL elsewhere(1);'
    ].join('\n');
    const { touches, unknowable, unreadable } = await readMy(sql);
    expect(touches.map(show)).toEqual(['m.sql:4 DELETE shop.queue']);
    expect(unknowable).toEqual([
      { line: 2, reason: 'it runs dynamic SQL (PREPARE)' },
      { line: 5, reason: 'it calls procedure elsewhere, which the changed migration files do not create' }
    ]);
    expect(unreadable).toEqual([]);
  });

  test.each([
    [
      'postgresql',
      [
        'CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql',
        "ALTER TYPE mood ADD VALUE 'sad' BEFORE 'ok'",
        'DROP TRIGGER IF EXISTS t ON orders',
        'REVOKE ALL ON SCHEMA s FROM PUBLIC CASCADE',
        'CREATE POLICY p ON orders USING (true)',
        'ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO r'
      ]
    ],
    [
      'mysql',
      [
        'SET NAMES utf8mb4 COLLATE utf8mb4_bin',
        'CREATE DEFINER=`root`@`%` TRIGGER t BEFORE INSERT ON o FOR EACH ROW SET NEW.a = 1',
        'DROP PROCEDURE IF EXISTS p',
        'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM o',
        'ALTER EVENT e DISABLE'
      ]
    ]
  ] as const)('%s: statements whose kind touches no table are counted, not warned about', async (dialect, statements) => {
    const parser = await loadParser(dialect);
    const result = readMigration(parser, statements.map((s) => `${s};`).join('\n'), 'm.sql', dialect === 'mysql' ? my : pg);
    expect(result.unreadable).toEqual([]);
    expect(result.touches).toEqual([]);
    expect(result.passedOver.length).toBeGreaterThan(0);
    // And a statement that may write a table, but cannot be read, stays a warning.
    const writes = dialect === 'mysql' ? "IMPORT TABLE FROM '/tmp/o.sdi'" : 'COPY orders (id) FROM stdin';
    expect(readMigration(parser, writes, 'm.sql', dialect === 'mysql' ? my : pg).unreadable.map((u) => u.line)).toEqual([1]);
  });
});
