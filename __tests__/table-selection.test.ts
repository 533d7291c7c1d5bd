/**
 * Caches chosen by table name: patterns, the closest names for a pattern that matches nothing,
 * and the caches of the tables a migration touched (against a list of caches as Peaka gives it).
 */
import { describe, expect, test } from '@jest/globals';
import { ActionError } from '../src/errors.js';
import type { Logger } from '../src/safe-text.js';
import type { CacheStatus } from '../src/peaka/client.js';
import type { MigrationScan, Touch } from '../src/migrations/touches.js';
import {
  closestNames,
  globDistance,
  globMatch,
  matchesPattern,
  noMatchMessage,
  selectByPatterns,
  selectTouched
} from '../src/table-selection.js';

const cache = (id: string, schemaName: string, tableName: string, catalogId = 'c1'): CacheStatus => ({
  id,
  schemaName,
  tableName,
  catalogId,
  executions: {}
});
const CACHES = [
  cache('a1', 'payment', 'invoices'),
  cache('a2', 'payment', 'invoice_lines'),
  cache('a3', 'payment', 'refunds'),
  cache('b1', 'sales', 'orders'),
  cache('b2', 'crm', 'orders'),
  cache('b3', 'Payment', 'Invoices', 'c2')
];
const lines: string[] = [];
const log: Logger = {
  info: (l) => lines.push(l),
  notice: (l) => lines.push(`notice: ${l}`),
  warning: (l) => lines.push(`warning: ${l}`),
  group: (_t, w) => w()
};

describe('patterns', () => {
  test('* is any run of characters within the schema or the table; names match exactly, case included', () => {
    const matched = (pattern: string) => CACHES.filter((c) => matchesPattern(pattern, c)).map((c) => c.id);
    expect(matched('payment.invoices')).toEqual(['a1']);
    expect(matched('payment.*')).toEqual(['a1', 'a2', 'a3']);
    expect(matched('*.orders')).toEqual(['b1', 'b2']);
    expect(matched('payment.invoice*')).toEqual(['a1', 'a2']);
    expect(matched('Payment.*')).toEqual(['b3']);
    expect(matched('pay.ment')).toEqual([]);
    expect(matched('payment.invoices.x')).toEqual([]);
  });

  test('regular-expression characters in a pattern are literal', () => {
    expect(matchesPattern('a+b.(x)', { schemaName: 'a+b', tableName: '(x)' })).toBe(true);
    expect(matchesPattern('a+b.(x)', { schemaName: 'aab', tableName: 'x' })).toBe(false);
  });

  test('glob distance: * absorbs any run, every other character costs an edit', () => {
    expect(globDistance('payment', 'payment')).toBe(0);
    expect(globDistance('paymnt', 'payment')).toBe(1);
    expect(globDistance('inv*', 'invoices')).toBe(0);
    expect(globDistance('inx*', 'invoices')).toBe(1);
    expect(globDistance('*', '')).toBe(0);
  });

  test('closest names: a case-only difference first, else the nearest few', () => {
    expect(closestNames('PAYMENT.invoices', CACHES)).toEqual({ caseOnly: ['payment.invoices', 'Payment.Invoices'], close: [] });
    // Distances ignore case; ties are in name order.
    expect(closestNames('payment.invoice', CACHES)).toEqual({ caseOnly: [], close: ['payment.invoices', 'Payment.Invoices'] });
    expect(closestNames('paymnt.*', CACHES).close).toEqual(['payment.invoice_lines', 'payment.invoices', 'Payment.Invoices']);
    expect(closestNames('warehouse.stock', CACHES).close).toEqual([]);
  });

  test('the no-match message names the pattern and calls out a case-only difference', () => {
    expect(noMatchMessage('payment.INVOICES', CACHES, 'project p')).toBe(
      `Input 'tables': "payment.INVOICES" matches no cache of project p. It differs only in letter case from payment.invoices, Payment.Invoices: names are matched exactly as Peaka lists them, so write one of those.`
    );
    expect(noMatchMessage('sales.order', CACHES, 'project p')).toBe(
      `Input 'tables': "sales.order" matches no cache of project p. The closest cached tables: sales.orders.`
    );
    expect(noMatchMessage('x.y', [], 'catalog c of project p')).toBe(
      `Input 'tables': "x.y" matches no cache of catalog c of project p. catalog c of project p has no caches.`
    );
  });
});

describe('selectByPatterns', () => {
  test('each cache once, with every pattern that selected it', () => {
    const selection = selectByPatterns(['payment.invoice*', '*.invoices'], CACHES, 'project p', false, log);
    expect(selection.ids).toEqual(['a1', 'a2']);
    expect(selection.reasons.get('a1')).toEqual([{ pattern: 'payment.invoice*' }, { pattern: '*.invoices' }]);
    expect(selection.patterns).toEqual([
      { pattern: 'payment.invoice*', cacheIds: ['a1', 'a2'] },
      { pattern: '*.invoices', cacheIds: ['a1'] }
    ]);
  });

  test('a pattern that matches nothing fails, unless allow-no-match: then a warning, and nothing to do if nothing is left', () => {
    expect(() => selectByPatterns(['payment.*', 'sales.ordres'], CACHES, 'project p', false, log)).toThrow(ActionError);
    expect(() => selectByPatterns(['sales.ordres'], CACHES, 'project p', false, log)).toThrow(
      /"sales.ordres" matches no cache of project p\. The closest cached tables: sales\.orders\. \(Set allow-no-match: true/
    );
    lines.length = 0;
    const selection = selectByPatterns(['sales.ordres'], CACHES, 'project p', true, log);
    expect(selection.ids).toEqual([]);
    expect(selection.nothingToDo).toBe("No cache of project p matches 'tables' (allow-no-match: true); nothing to do.");
    expect(lines).toEqual([
      expect.stringMatching(/^warning: Input 'tables': "sales.ordres" matches no cache.*Going on without it \(allow-no-match: true\)\.$/)
    ]);
  });

  test('delete takes one cache: a name that two catalogs cache is refused', () => {
    const twice = [...CACHES, cache('z9', 'payment', 'invoices', 'c9')];
    expect(() => selectByPatterns(['payment.invoices'], twice, 'project p', false, log, true)).toThrow(
      "Operation 'delete' takes one cache, but payment.invoices matches 2 caches of project p (a1, z9). Set catalog-id"
    );
  });
});

describe('selectTouched', () => {
  const t = (line: number, statement: string, schema: string, table: string, extra: Partial<Touch> = {}): Touch => ({
    file: 'migrations/V7.sql',
    line,
    statement,
    table: { schema, table },
    gone: false,
    ...extra
  });
  const scan = (touches: Touch[]): MigrationScan => ({ source: 'git', changed: 3, files: ['migrations/V7.sql'], touches, unreadable: [] });

  test('touched tables with caches are selected with their statements; tables without caches are listed', () => {
    lines.length = 0;
    const selection = selectTouched(
      scan([
        t(1, 'ALTER TABLE', 'payment', 'invoices'),
        t(4, 'UPDATE', 'payment', 'invoices'),
        t(9, 'CREATE TABLE', 'payment', 'new_table')
      ]),
      CACHES,
      'project p',
      log
    );
    expect(selection.ids).toEqual(['a1']);
    expect(selection.reasons.get('a1')!.map((r) => r.migration!.line)).toEqual([1, 4]);
    expect(selection.migrations!.rows.map((r) => [r.touch.line, r.cacheIds, r.gone])).toEqual([
      [1, ['a1'], false],
      [4, ['a1'], false],
      [9, [], false]
    ]);
  });

  test('a table dropped or renamed away keeps its cache out, with a warning; dropped then re-created is refreshed', () => {
    lines.length = 0;
    const selection = selectTouched(
      scan([
        t(1, 'DROP TABLE', 'payment', 'refunds', { gone: true }),
        t(2, 'RENAME', 'sales', 'orders', { gone: true, renamedTo: { schema: 'sales', table: 'purchases' } }),
        t(2, 'RENAME', 'sales', 'purchases', { renamedFrom: { schema: 'sales', table: 'orders' } }),
        t(5, 'DROP TABLE', 'crm', 'orders', { gone: true }),
        t(6, 'CREATE TABLE', 'crm', 'orders')
      ]),
      CACHES,
      'project p',
      log
    );
    expect(selection.ids).toEqual(['b2']);
    expect(lines.filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: migrations/V7.sql line 1 drops payment.refunds, but its cache a3 still exists: it will fail on its next refresh, so it is not refreshed now. Delete the cache (operation: delete, tables: payment.refunds) if the table is gone for good.',
      'warning: migrations/V7.sql line 2 renames sales.orders to sales.purchases, but its cache b1 still exists: it will fail on its next refresh, so it is not refreshed now. Create a cache for sales.purchases (operation: create) and delete the old one.'
    ]);
  });

  test('no touched table has a cache: nothing to do, and a case-only difference is pointed out', () => {
    const selection = selectTouched(
      scan([t(3, 'ALTER TABLE', 'payment', 'INVOICE_LINES'), t(4, 'INSERT', 'audit', 'log')]),
      CACHES,
      'project p',
      log
    );
    expect(selection.ids).toEqual([]);
    expect(selection.nothingToDo).toBe(
      'The changed migrations touch 2 tables (payment.INVOICE_LINES, audit.log), none with a cache to refresh in project p; nothing to do. Names differ only in letter case: payment.INVOICE_LINES (cached as payment.invoice_lines); unquoted PostgreSQL names are lower-cased, and names are matched exactly.'
    );
  });
});

test('many patterns that match nothing among many caches: the closest names are searched for the first five only, and the search is bounded', () => {
  const caches = Array.from({ length: 5_000 }, (_, i) => ({ id: `c${i}`, schemaName: 'sales', tableName: `orders_${i}` })) as CacheStatus[];
  const patterns = Array.from({ length: 8 }, (_, i) => `sales.ordres_${i}`);
  const quiet: Logger = { info: () => undefined, notice: () => undefined, warning: () => undefined, group: (_t, work) => work() };
  const failure = (() => {
    try {
      selectByPatterns(patterns, caches, 'project p', false, quiet);
    } catch (err) {
      return (err as Error).message.split('\n');
    }
    return [];
  })();
  expect(failure.slice(0, 8).filter((line) => line.includes('The closest cached tables'))).toHaveLength(5);
  expect(failure[7]).toBe(`Input 'tables': "sales.ordres_7" matches no cache of project p.`);
});

describe('globMatch', () => {
  test.each([
    ['payment.*', 'payment.invoices', true],
    ['*', '', true],
    ['in*ces', 'invoices', true],
    ['in*ces', 'invoice', false],
    ['*q*q*', 'aqbqc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['*.orders', 'x.orders', true],
    ['**', 'anything', true]
  ])('%j against %j: %j (as a regular expression would say)', (glob, text, expected) => {
    expect(globMatch(glob, text)).toBe(expected);
    expect(globMatch(glob, text)).toBe(
      new RegExp(
        `^${glob
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        's'
      ).test(text)
    );
  });

  test('many stars against a long name that does not match: answered (a regular expression backtracks for minutes and blocks the step)', () => {
    const name = `t1${'q'.repeat(240)}`;
    expect(globMatch('*q*q*q*q*q*q*X', name)).toBe(false);
    expect(matchesPattern('s0.*q*q*q*q*q*q*X', { schemaName: 's0', tableName: name })).toBe(false);
    expect(matchesPattern('s0.*q*q*q*q*q*q*', { schemaName: 's0', tableName: name })).toBe(true);
  });
});

describe('what the log and the step say about a selection', () => {
  const logged = () => {
    const out: string[] = [];
    const into: Logger = {
      info: (l) => out.push(l),
      notice: (l) => out.push(`notice: ${l}`),
      warning: (l) => out.push(`warning: ${l}`),
      group: (_t, w) => w()
    };
    return { out, into };
  };

  test('tables: how many caches each pattern selected, and the table of every listed cache', () => {
    const { out, into } = logged();
    const selection = selectByPatterns(['payment.invoice*', '*.invoices'], CACHES, 'project p', false, into);
    expect(out).toEqual(["'tables' selected 2 caches of project p: payment.invoice* -> 2, *.invoices -> 1."]);
    expect(selection.nothingToDo).toBeUndefined();
    expect(selection.tableOf.get('b3')).toBe('Payment.Invoices');
    const one = logged();
    selectByPatterns(['sales.orders'], CACHES, 'project p', false, one.into);
    expect(one.out).toEqual(["'tables' selected 1 cache of project p: sales.orders -> 1."]);
  });

  test('delete with a name that one cache has is accepted', () => {
    expect(selectByPatterns(['payment.refunds'], CACHES, 'project p', false, logged().into, true).ids).toEqual(['a3']);
  });

  test('tables-from: how many tables were touched and caches selected; more than ten tables are elided', () => {
    const touch = (line: number, schema: string, table: string): Touch => ({
      file: 'V1.sql',
      line,
      statement: 'UPDATE',
      table: { schema, table },
      gone: false
    });
    const scanOf = (touches: Touch[]): MigrationScan => ({ source: 'git', changed: 1, files: ['V1.sql'], touches, unreadable: [] });
    const { out, into } = logged();
    const selected = selectTouched(
      scanOf([touch(1, 'payment', 'invoices'), touch(2, 'sales', 'orders'), touch(3, 'x', 'y')]),
      CACHES,
      'project p',
      into
    );
    expect(out).toEqual(['The changed migrations touch 3 tables; 2 caches of project p selected.']);
    expect(selected.nothingToDo).toBeUndefined();
    expect(selected.tableOf.get('a1')).toBe('payment.invoices');
    const single = logged();
    selectTouched(scanOf([touch(1, 'payment', 'invoices')]), CACHES, 'project p', single.into);
    expect(single.out).toEqual(['The changed migrations touch 1 table; 1 cache of project p selected.']);
    const many = selectTouched(
      scanOf(Array.from({ length: 11 }, (_, i) => touch(i, 'audit', `t${i}`))),
      CACHES,
      'project p',
      logged().into
    );
    expect(many.nothingToDo).toBe(
      'The changed migrations touch 11 tables (audit.t0, audit.t1, audit.t2, audit.t3, audit.t4, audit.t5, audit.t6, audit.t7, audit.t8, audit.t9, ...), none with a cache to refresh in project p; nothing to do.'
    );
    expect(selectTouched(scanOf([touch(1, 'audit', 'log')]), CACHES, 'project p', logged().into).nothingToDo).toBe(
      'The changed migrations touch 1 table (audit.log), none with a cache to refresh in project p; nothing to do.'
    );
  });

  test('a dropped table with two caches names both in its warning', () => {
    const { out, into } = logged();
    const twice = [...CACHES, cache('z9', 'payment', 'refunds', 'c9')];
    selectTouched(
      {
        source: 'git',
        changed: 1,
        files: ['V1.sql'],
        touches: [{ file: 'V1.sql', line: 3, statement: 'DROP TABLE', table: { schema: 'payment', table: 'refunds' }, gone: true }],
        unreadable: []
      },
      twice,
      'project p',
      into
    );
    expect(out[0]).toContain('but its cache a3, z9 still exists');
  });

  test('no match: a single case-only name is "that name"; nothing close names how many caches there are and a few of them', () => {
    expect(noMatchMessage('SALES.orders', CACHES, 'project p')).toContain(
      'from sales.orders: names are matched exactly as Peaka lists them, so write that name.'
    );
    expect(noMatchMessage('warehouse.stock', CACHES, 'project p')).toBe(
      `Input 'tables': "warehouse.stock" matches no cache of project p. No cached table is close; project p has 6 caches, e.g. payment.invoices, payment.invoice_lines, payment.refunds.`
    );
    expect(noMatchMessage('warehouse.stock', [CACHES[0]], 'project p')).toContain('project p has 1 cache, e.g. payment.invoices.');
  });
});

describe('closest names and glob matching, at their edges', () => {
  test('at most `limit` case-only names; a long name is close within a third of its length', () => {
    const variants = ['Payment', 'PAYMENT', 'payment', 'PayMent'].map((s, i) => cache(`v${i}`, s, 'x'));
    expect(closestNames('paYment.x', variants).caseOnly).toHaveLength(3);
    // A third of the letters may differ (never fewer than 2).
    expect(closestNames('paymentsx.invoicez', CACHES).close).toContain('payment.invoices');
    expect(closestNames('pymnt.invoices', CACHES).close).toContain('payment.invoices');
  });

  test('globMatch: case counts unless asked otherwise, and a pattern without * matches the whole name only', () => {
    expect(globMatch('Payment', 'payment')).toBe(false);
    expect(globMatch('Payment', 'payment', true)).toBe(true);
    expect(globMatch('abc', 'xabc')).toBe(false);
    expect(globMatch('abc', 'abcx')).toBe(false);
  });
});

test('a cache Peaka lists without a schema or table name is shown and matched with that part empty', () => {
  const sheets = [
    { id: 'n1', tableName: 'sheet1', executions: {} },
    { id: 'n2', schemaName: 'files', executions: {} }
  ] as unknown as CacheStatus[];
  const selection = selectByPatterns(['*.sheet1', 'files.*'], sheets, 'project p', false, {
    info: () => undefined,
    notice: () => undefined,
    warning: () => undefined,
    group: (_t, w) => w()
  });
  expect(selection.ids).toEqual(['n1', 'n2']);
  expect([...selection.tableOf]).toEqual([
    ['n1', '.sheet1'],
    ['n2', 'files.']
  ]);
  expect(closestNames('x.sheet2', sheets).close).toEqual(['.sheet1']);
  expect(closestNames('files.x', sheets).close).toEqual(['files.']);
});

test('tables-from: a dropped table without a cache warns of nothing; a dropped cached table is no case-only difference; ten tables are listed whole', () => {
  const touch = (line: number, schema: string, table: string, gone = false): Touch => ({
    file: 'V2.sql',
    line,
    statement: gone ? 'DROP TABLE' : 'UPDATE',
    table: { schema, table },
    gone
  });
  const scanOf = (touches: Touch[]): MigrationScan => ({ source: 'git', changed: 1, files: ['V2.sql'], touches, unreadable: [] });
  const warnings: string[] = [];
  const into: Logger = { info: () => undefined, notice: () => undefined, warning: (l) => warnings.push(l), group: (_t, w) => w() };
  const selection = selectTouched(
    scanOf([touch(1, 'audit', 'old', true), touch(2, 'payment', 'refunds', true)]),
    CACHES,
    'project p',
    into
  );
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('drops payment.refunds, but its cache a3 still exists');
  expect(selection.nothingToDo).toBe(
    'The changed migrations touch 2 tables (audit.old, payment.refunds), none with a cache to refresh in project p; nothing to do.'
  );
  const ten = selectTouched(scanOf(Array.from({ length: 10 }, (_, i) => touch(i, 'audit', `t${i}`))), CACHES, 'project p', into);
  expect(ten.nothingToDo).toContain(
    '(audit.t0, audit.t1, audit.t2, audit.t3, audit.t4, audit.t5, audit.t6, audit.t7, audit.t8, audit.t9), none'
  );
});
