/** Names as the database stores them, and tables read from a rejected statement's first words. */
import { expect, test } from '@jest/globals';
import { resolveName, touchesFromHead } from '../src/migrations/touches.js';

const pg = { dialect: 'postgresql' as const, defaultSchema: 'public' };
const my = { dialect: 'mysql' as const, defaultSchema: 'shop' };
const at = { file: 'm.sql', line: 7 };

test('PostgreSQL lower-cases names not in double quotes; MySQL keeps them; unqualified names take the default schema', () => {
  expect(resolveName({ db: 'Payment', table: 'Invoices' }, 'ALTER TABLE Payment.Invoices', pg)).toEqual({
    schema: 'payment',
    table: 'invoices'
  });
  expect(resolveName({ db: 'Payment', table: 'Invoices' }, 'ALTER TABLE "Payment"."Invoices"', pg)).toEqual({
    schema: 'Payment',
    table: 'Invoices'
  });
  expect(resolveName({ db: null, table: 'Orders' }, 'ALTER TABLE Orders', pg)).toEqual({ schema: 'public', table: 'orders' });
  expect(resolveName({ db: null, table: 'Orders' }, 'ALTER TABLE `Orders`', my)).toEqual({ schema: 'shop', table: 'Orders' });
  expect(resolveName({ table: null }, '', pg)).toBeUndefined();
});

test.each([
  ['ALTER TABLE IF EXISTS ONLY "Pay"."Inv" DROP CONSTRAINT IF EXISTS c', pg, ['ALTER TABLE Pay.Inv']],
  [
    '-- lead comment\nCREATE UNLOGGED TABLE IF NOT EXISTS payment.refunds (LIKE payment.invoices INCLUDING ALL)',
    pg,
    ['CREATE TABLE payment.refunds']
  ],
  ['DROP TABLE IF EXISTS legacy CASCADE', pg, ['DROP TABLE public.legacy gone']],
  ['TRUNCATE ONLY payment.sessions RESTART IDENTITY', pg, ['TRUNCATE payment.sessions']],
  ['INSERT IGNORE INTO `shop`.`countries` SELECT 1', my, ['INSERT shop.countries']],
  ['UPDATE ONLY payment.invoices SET x = 1 FROM y', pg, ['UPDATE payment.invoices']],
  ['DELETE FROM payment.invoices USING y', pg, ['DELETE payment.invoices']],
  ['ALTER TABLE payment.invoices RENAME TO bills, ADD COLUMN x int', pg, ['RENAME payment.invoices gone', 'RENAME payment.bills']],
  ['CREATE MATERIALIZED VIEW payment.mv AS SELECT 1', pg, []],
  ['GRANT SELECT ON payment.invoices TO reporting', pg, []]
])('%s', (sql, rules, expected) => {
  expect(touchesFromHead(sql, rules, at).map((t) => `${t.statement} ${t.table.schema}.${t.table.table}${t.gone ? ' gone' : ''}`)).toEqual(
    expected
  );
});

test.each([
  ['CREATE TABLE /* TEMPLATE: schema */river_job(\n  id bigserial -- 8 bytes\n)', pg, ['CREATE TABLE public.river_job']],
  ['DROP /* old */ TABLE -- both\n IF EXISTS a, "B" CASCADE', pg, ['DROP TABLE public.a gone', 'DROP TABLE public.B gone']],
  ['TRUNCATE TABLE ONLY a, s.b * RESTART IDENTITY', pg, ['TRUNCATE public.a', 'TRUNCATE s.b']],
  ['ALTER TABLE payment.invoices SET SCHEMA "Archive"', pg, ['RENAME payment.invoices gone', 'RENAME Archive.invoices']],
  ['MERGE INTO payment.totals t USING x ON t.id = x.id WHEN MATCHED THEN UPDATE SET n = x.n', pg, ['MERGE payment.totals']],
  [
    'WITH a AS (UPDATE s.x SET n = 1 RETURNING id), b AS MATERIALIZED (SELECT 1) DELETE FROM s.y WHERE id IN (SELECT id FROM a)',
    pg,
    ['UPDATE s.x', 'DELETE s.y']
  ],
  ['DROP TEMPORARY TABLE IF EXISTS `a`, # one\n b', my, ['DROP TABLE shop.a gone', 'DROP TABLE shop.b gone']],
  ['RENAME TABLE a TO b, /* and */ c TO `x`.d', my, ['RENAME shop.a gone', 'RENAME shop.b', 'RENAME shop.c gone', 'RENAME x.d']],
  ['REPLACE LOW_PRIORITY INTO countries VALUES (1)', my, ['REPLACE shop.countries']],
  ['INSERT /* hint */ IGNORE orders VALUES (1)', my, ['INSERT shop.orders']],
  ['WITH old AS (SELECT id FROM o) UPDATE LOW_PRIORITY orders SET a = 1', my, ['UPDATE shop.orders']]
])('first words, comments anywhere, lists, WITH: %s', (sql, rules, expected) => {
  expect(touchesFromHead(sql, rules, at).map((t) => `${t.statement} ${t.table.schema}.${t.table.table}${t.gone ? ' gone' : ''}`)).toEqual(
    expected
  );
});
