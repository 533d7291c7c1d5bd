/**
 * What the summary and `result` say about caches chosen by table name (src/selection-report.ts):
 * which pattern or migration statement chose each cache, and, with max-age, the stale caches. Names
 * come from Peaka and from the repository's files: they are escaped and the key is redacted.
 */
import { describe, expect, test } from '@jest/globals';
import type { Touch } from '../src/migrations/touches.js';
import type { Result } from '../src/report.js';
import {
  RESULT_MIGRATIONS_BUDGET_BYTES,
  SELECTION_BUDGET_BYTES,
  renderFreshness,
  renderSelection,
  selectionFields
} from '../src/selection-report.js';
import type { TableSelection } from '../src/table-selection.js';

const SECRET = 'pk-selection-report-88d2f1';
const ID = {
  invoices: '11111111-1111-4111-8111-111111111111',
  refunds: '22222222-2222-4222-8222-222222222222',
  legacy: '33333333-3333-4333-8333-333333333333'
};

const touch = (line: number, statement: string, schema: string, table: string, extra: Partial<Touch> = {}): Touch => ({
  file: 'migrations/V2__paid_at.sql',
  line,
  statement,
  table: { schema, table },
  gone: false,
  ...extra
});

function byPatterns(): TableSelection {
  return {
    ids: [ID.invoices, ID.refunds],
    reasons: new Map([
      [ID.invoices, [{ pattern: 'payment.*' }, { pattern: '*.invoices' }]],
      [ID.refunds, [{ pattern: 'payment.*' }]]
    ]),
    tableOf: new Map([
      [ID.invoices, 'payment.invoices'],
      [ID.refunds, 'payment.refunds']
    ]),
    patterns: [
      { pattern: 'payment.*', cacheIds: [ID.invoices, ID.refunds] },
      { pattern: '*.invoices', cacheIds: [ID.invoices] },
      { pattern: 'audit.*', cacheIds: [] }
    ]
  };
}

function byMigrations(): TableSelection {
  const alter = touch(2, 'ALTER TABLE', 'payment', 'invoices');
  const update = touch(3, 'UPDATE', 'payment', 'invoices');
  const rename = touch(4, 'RENAME', 'payment', 'refunds', {
    renamedTo: { schema: 'payment', table: 'returns' },
    gone: true,
    fromHead: true
  });
  const drop = touch(5, 'DROP TABLE', 'payment', 'legacy', { gone: true });
  const create = touch(7, 'CREATE TABLE', 'audit', 'log');
  return {
    ids: [ID.invoices],
    reasons: new Map([[ID.invoices, [{ migration: alter }, { migration: update }]]]),
    tableOf: new Map([
      [ID.invoices, 'payment.invoices'],
      [ID.legacy, 'payment.legacy']
    ]),
    migrations: {
      scan: {
        source: 'git history of the workspace, 1a2b3c4...5d6e7f8',
        changed: 3,
        files: ['migrations/V2__paid_at.sql', 'migrations/V3__more.sql'],
        touches: [alter, update, rename, drop, create],
        unreadable: [{ file: 'migrations/V2__paid_at.sql', line: 6 }]
      },
      rows: [
        { touch: alter, cacheIds: [ID.invoices], gone: false },
        { touch: rename, cacheIds: [], gone: true },
        { touch: drop, cacheIds: [ID.legacy], gone: true },
        { touch: create, cacheIds: [], gone: false }
      ]
    }
  };
}

describe('selectionFields: what result says chose a cache', () => {
  test('the patterns that matched it, in order', () => {
    expect(selectionFields(byPatterns(), ID.invoices)).toEqual({ pattern: 'payment.*, *.invoices' });
    expect(selectionFields(byPatterns(), ID.refunds)).toEqual({ pattern: 'payment.*' });
  });

  test('the migration statements that touched its table, with file, line and table', () => {
    expect(selectionFields(byMigrations(), ID.invoices)).toEqual({
      migrations: [
        { file: 'migrations/V2__paid_at.sql', line: 2, statement: 'ALTER TABLE', table: 'payment.invoices' },
        { file: 'migrations/V2__paid_at.sql', line: 3, statement: 'UPDATE', table: 'payment.invoices' }
      ]
    });
  });

  test('nothing for a cache the selection did not choose, for an unknown cache, or without a selection', () => {
    expect(selectionFields(byPatterns(), ID.legacy)).toEqual({});
    expect(selectionFields(byPatterns(), undefined)).toEqual({});
    expect(selectionFields(undefined, ID.invoices)).toEqual({});
  });
});

describe('renderSelection: the summary section', () => {
  test('for patterns: each pattern with the caches it chose, and one that chose none under allow-no-match', () => {
    expect(renderSelection(byPatterns(), SECRET)).toBe(
      '<h3>Caches chosen by table name</h3>\n' +
        '<table><tr><th>Pattern</th><th>Caches</th></tr>' +
        `<tr><td><code>payment.*</code></td><td>payment.invoices <code>${ID.invoices}</code><br>payment.refunds <code>${ID.refunds}</code></td></tr>` +
        `<tr><td><code>*.invoices</code></td><td>payment.invoices <code>${ID.invoices}</code></td></tr>` +
        '<tr><td><code>audit.*</code></td><td>no cache (allow-no-match)</td></tr></table>\n'
    );
  });

  test('for migrations: the files read, each statement and its table, renames, gone tables and unreadable statements', () => {
    const html = renderSelection(byMigrations(), SECRET);
    expect(html.split('\n')).toEqual([
      '<h3>Tables the migrations touched</h3>',
      '<p>2 migration files of 3 changed files (git history of the workspace, 1a2b3c4...5d6e7f8).</p>',
      '<table><tr><th>Migration file</th><th>Statement</th><th>Table</th><th>Cache</th></tr>' +
        `<tr><td>migrations/V2__paid_at.sql:2</td><td>ALTER TABLE</td><td>payment.invoices</td><td>payment.invoices <code>${ID.invoices}</code></td></tr>` +
        '<tr><td>migrations/V2__paid_at.sql:4</td><td>RENAME (read from its first words)</td><td>payment.refunds (to payment.returns)</td><td>no cache</td></tr>' +
        `<tr><td>migrations/V2__paid_at.sql:5</td><td>DROP TABLE</td><td>payment.legacy</td><td>⚠️ payment.legacy <code>${ID.legacy}</code><br>not refreshed: the table is gone, so its cache will fail on its next refresh</td></tr>` +
        '<tr><td>migrations/V2__paid_at.sql:7</td><td>CREATE TABLE</td><td>audit.log</td><td>no cache</td></tr></table>',
      '<p>⚠️ Statements the SQL parser could not read: migrations/V2__paid_at.sql:6.</p>',
      ''
    ]);
  });

  test('one file of one changed, a rename seen from its new name, and no table when no statement touched one', () => {
    const selection = byMigrations();
    const renamed = touch(1, 'RENAME', 'payment', 'returns', { renamedFrom: { schema: 'payment', table: 'refunds' } });
    selection.migrations = {
      scan: { source: 'the files of pull request #7', changed: 1, files: ['m.sql'], touches: [renamed], unreadable: [] },
      rows: [{ touch: renamed, cacheIds: [], gone: false }]
    };
    expect(renderSelection(selection, SECRET)).toContain('<p>1 migration file of 1 changed file (the files of pull request #7).</p>');
    expect(renderSelection(selection, SECRET)).toContain('<td>payment.returns (from payment.refunds)</td>');
    selection.migrations = { scan: { source: 'git', changed: 4, files: [], touches: [], unreadable: [] }, rows: [] };
    expect(renderSelection(selection, SECRET)).toBe(
      '<h3>Tables the migrations touched</h3>\n<p>0 migration files of 4 changed files (git).</p>\n'
    );
  });

  test('nothing without a selection, or for caches chosen by id', () => {
    expect(renderSelection(undefined, SECRET)).toBe('');
    expect(renderSelection({ ids: [ID.invoices], reasons: new Map(), tableOf: new Map() }, SECRET)).toBe('');
  });

  test('hostile names from Peaka and from the repository are escaped, and the key is redacted', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const patterns = byPatterns();
    patterns.tableOf.set(ID.invoices, `payment.${hostile}`);
    patterns.tableOf.set(ID.refunds, `payment.${SECRET}`);
    patterns.patterns = [{ pattern: `payment.*|${SECRET}`, cacheIds: [ID.invoices, ID.refunds] }];

    const migrations = byMigrations();
    const evil = touch(9, 'INSERT', 'public', `"</td><script>alert(1)</script>`, {
      file: `migrations/${SECRET}/[x](javascript:alert(1)).sql`
    });
    migrations.migrations!.rows = [{ touch: evil, cacheIds: [ID.invoices], gone: false }];
    migrations.migrations!.scan.source = `the files of pull request #1 ${SECRET}`;

    for (const html of [renderSelection(patterns, SECRET), renderSelection(migrations, SECRET)]) {
      expect(html).not.toContain(SECRET);
      expect(html).not.toMatch(/<img|<script|<\/td><script|\[x\]\(/);
    }
    expect(renderSelection(patterns, SECRET)).toContain('payment.&#60;img src=x onerror=alert(1)&#62; <code>');
    expect(renderSelection(patterns, SECRET)).toContain('<code>payment.*&#124;***</code>');
    expect(renderSelection(migrations, SECRET)).toContain('<td>migrations/***/&#91;x&#93;(javascript:alert(1)).sql:9</td>');
  });
});

describe('a migration of thousands of statements stays within the summary and output budgets', () => {
  function seeded(inserts: number, tables: number): TableSelection {
    const selection = byMigrations();
    const rows = Array.from({ length: inserts }, (_, i) => ({
      touch: touch(3 + i, 'INSERT', 'payment', 'invoices', { file: 'migrations/V9__seed.sql' }),
      cacheIds: [ID.invoices],
      gone: false
    }));
    for (let i = 0; i < tables; i++)
      rows.push({
        touch: touch(1, 'CREATE TABLE', 'audit', `log_${i}`, { file: `migrations/V${10 + i}__audit.sql` }),
        cacheIds: [],
        gone: false
      });
    selection.migrations!.rows = rows;
    selection.migrations!.scan.touches = rows.map((r) => r.touch);
    selection.migrations!.scan.unreadable = Array.from({ length: 5_000 }, (_, i) => ({ file: 'migrations/V9__seed.sql', line: i + 1 }));
    selection.migrations!.scan.dynamic = [{ file: 'migrations/V3__dyn.sql', line: 4 }];
    selection.migrations!.scan.passedOver = { 'CREATE FUNCTION': 12, 'COMMENT ON': 3 };
    selection.reasons.set(
      ID.invoices,
      rows.filter((r) => r.cacheIds.length).map((r) => ({ migration: r.touch }))
    );
    return selection;
  }

  test('20,000 INSERTs into one table are one row of the summary and one entry of the result', () => {
    const selection = seeded(20_000, 0);
    const html = renderSelection(selection, SECRET);
    expect(Buffer.byteLength(html)).toBeLessThan(SELECTION_BUDGET_BYTES);
    expect(html).toContain(
      '<tr><td>migrations/V9__seed.sql:3–20002 (20,000 statements)</td><td>INSERT ×20,000</td><td>payment.invoices</td>'
    );
    expect(html).toContain('Statements the SQL parser could not read: migrations/V9__seed.sql:1, ');
    expect(html).toContain('and 4,980 more (see the warnings in the log).');
    expect(html).toContain(
      'Statements whose tables cannot be known (dynamic SQL, or a procedure the changed files do not create): migrations/V3__dyn.sql:4.'
    );
    expect(html).toContain(
      '15 statements the SQL parser could not read touch no table&#39;s data (CREATE FUNCTION 12, COMMENT ON 3): passed over.'
    );
    const fields = selectionFields(selection, ID.invoices);
    expect(fields.migrations).toEqual([
      { file: 'migrations/V9__seed.sql', line: 3, statement: 'INSERT', table: 'payment.invoices', statements: 20_000, 'last-line': 20_002 }
    ]);
  });

  test('thousands of tables: the rows past the budget are counted in one line, and the result is cut within its budget too', () => {
    const selection = seeded(10, 3_000);
    const html = renderSelection(selection, SECRET);
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(SELECTION_BUDGET_BYTES);
    expect(html).toMatch(
      /<p>And [\d,]+ more rows \([\d,]+ statements on [\d,]+ tables\), left out to keep the summary within GitHub&#39;s size limit/
    );

    const many = byMigrations();
    const touches = Array.from({ length: 5_000 }, (_, i) =>
      touch(1, 'ALTER TABLE', 'payment', 'invoices', { file: `migrations/V${i}__x.sql` })
    );
    many.reasons.set(
      ID.invoices,
      touches.map((t) => ({ migration: t }))
    );
    const entries = selectionFields(many, ID.invoices).migrations!;
    expect(JSON.stringify(entries).length).toBeLessThanOrEqual(RESULT_MIGRATIONS_BUDGET_BYTES);
    expect(entries.at(-1)).toMatchObject({
      line: 0,
      table: 'payment.invoices',
      statement: expect.stringMatching(/^\d+ more statements, left out of this output$/)
    });
    expect(entries.length).toBeLessThan(5_000);
  });
});

describe('renderFreshness: the stale caches under max-age', () => {
  const result = (extra: Partial<Result>): Result => ({
    operation: 'status',
    'timed-out': false,
    stalled: false,
    conclusion: 'success',
    message: '',
    ...extra
  });
  const HOUR = 3_600_000;

  test('lists each stale cache with its last success and age, or that it never completed; skipped ones are not stale', () => {
    const results = [
      result({ table: 'payment.fresh', fresh: true, 'last-success-at': '2026-01-01T09:00:00Z', 'age-seconds': 3_600 }),
      result({
        table: 'payment.old',
        fresh: false,
        'last-success-at': '2026-01-01T02:00:00Z',
        'age-seconds': 8 * 3_600,
        conclusion: 'failure'
      }),
      result({ 'cache-id': ID.legacy, fresh: false, conclusion: 'failure' }),
      result({ table: 'payment.skipped', fresh: false, skipped: true })
    ];
    expect(renderFreshness(results, 6 * HOUR, SECRET)).toBe(
      '<h3>Stale caches (max-age 6h)</h3>\n' +
        '<ul><li><strong>payment.old</strong>: last success 2026-01-01T02:00:00Z, 8h ago</li>' +
        `<li><strong>${ID.legacy}</strong>: no COMPLETED execution</li></ul>\n`
    );
  });

  test('says every cache is fresh when none is stale', () => {
    const results = [result({ table: 'a.b', fresh: true }), result({ table: 'a.c', fresh: true })];
    expect(renderFreshness(results, 90 * 60_000, SECRET)).toBe('<p>Every cache&#39;s last success is within max-age 1h 30m.</p>\n');
  });

  test('nothing without max-age or for a single cache (its own row says it)', () => {
    const stale = result({ table: 'a.b', fresh: false });
    expect(renderFreshness([stale, stale], undefined, SECRET)).toBe('');
    expect(renderFreshness([stale], HOUR, SECRET)).toBe('');
  });

  test('a hostile table name is escaped and the key redacted', () => {
    const results = [result({ table: `<b>${SECRET}</b>`, fresh: false }), result({ table: 'a.b', fresh: true })];
    const html = renderFreshness(results, HOUR, SECRET);
    expect(html).toContain('<li><strong>&#60;b&#62;***&#60;/b&#62;</strong>: no COMPLETED execution</li>');
    expect(html).not.toContain(SECRET);
  });
});
