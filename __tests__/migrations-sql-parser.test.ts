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
    expect(touches.map(show)).toEqual(['001_create_shop.sql:1 CREATE TABLE shop.orders', '001_create_shop.sql:9 CREATE TABLE shop.Customers']);
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
  const result = readStatement(parser, `INSERT INTO payment.seed (id, name) VALUES ${values}`, { dialect: 'postgresql', defaultSchema: 'public' }, { file: 'seed.sql', line: 3 });
  expect(values.length).toBeGreaterThan(MAX_PARSED_STATEMENT);
  expect(result.unreadable).toContain('longer than');
  expect(result.touches.map(show)).toEqual(['seed.sql:3 INSERT payment.seed [first words]']);
});

describe('a USE or SET search_path in a migration sets the schema of the unqualified names after it', () => {
  test('MySQL: USE db changes the database of the names that follow it, in that file only', async () => {
    const parser = await loadParser('mysql');
    const sql = 'ALTER TABLE orders ADD COLUMN note TEXT;\nUSE `shop`;\nALTER TABLE orders ADD COLUMN tag TEXT;\n-- switch again\nuse billing;\nTRUNCATE TABLE invoices;\nUPDATE crm.accounts SET x = 1;';
    const { touches } = readMigration(parser, sql, 'm.sql', { dialect: 'mysql', defaultSchema: 'public' });
    expect(touches.map(show)).toEqual(['m.sql:1 ALTER TABLE public.orders', 'm.sql:3 ALTER TABLE shop.orders', 'm.sql:6 TRUNCATE billing.invoices', 'm.sql:7 UPDATE crm.accounts']);
    const next = readMigration(parser, 'ALTER TABLE orders ADD COLUMN x INT;', 'n.sql', { dialect: 'mysql', defaultSchema: 'public' });
    expect(next.touches.map(show)).toEqual(['n.sql:1 ALTER TABLE public.orders']);
  });

  test('PostgreSQL: SET search_path takes its first schema other than "$user", lower-cased unless quoted', async () => {
    const parser = await loadParser('postgresql');
    const sql = 'SET search_path TO "$user", Payment, public;\nCREATE TABLE invoices (id int);\nSET LOCAL search_path = "Audit";\nINSERT INTO log (id) VALUES (1);';
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
