import { describe, expect, jest, test } from '@jest/globals';
import { aggregate, announce, buildResult, historyResults, renderSummary } from '../src/report.js';
import { escapeHtml, redact } from '../src/safe-text.js';
import { knownOf, type Outcome } from '../src/operations/context.js';

const execution = {
  id: 'exec-1',
  kind: 'full-refresh' as const,
  status: 'COMPLETED',
  cachedRecords: 12_345,
  insertedRecords: 12_345,
  updatedRecords: 0,
  deletedRecords: 0,
  createdAt: '2026-11-22T10:00:00.000Z',
  finishedAt: '2026-11-22T10:01:30.000Z'
};

const result = (extra = {}, outcome: Outcome = { conclusion: 'success', message: 'done' }) =>
  buildResult(
    { ...knownOf('full-refresh', 'cache-1'), table: 'payment.customers', cacheStatus: 'COMPLETED', execution, ...extra },
    outcome
  );

describe('result', () => {
  test('carries every output, with the duration from the execution timestamps', () => {
    expect(result()).toEqual({
      operation: 'full-refresh',
      'cache-id': 'cache-1',
      table: 'payment.customers',
      'execution-id': 'exec-1',
      'execution-type': 'full-refresh',
      status: 'COMPLETED',
      'cache-status': 'COMPLETED',
      'cached-records': 12_345,
      'inserted-records': 12_345,
      'updated-records': 0,
      'deleted-records': 0,
      'started-at': '2026-11-22T10:00:00.000Z',
      'finished-at': '2026-11-22T10:01:30.000Z',
      'duration-seconds': 90,
      error: undefined,
      'timed-out': false,
      stalled: false,
      ambiguous: false,
      conclusion: 'success',
      message: 'done'
    });
  });

  test('another execution in the same window: ambiguous, with the others named in result', () => {
    const known = { ...knownOf('full-refresh', 'c'), rivals: [{ id: 'theirs', kind: 'full-refresh' as const, status: 'RUNNING' }] };
    expect(buildResult(known, { conclusion: 'warning', message: 'x' })).toMatchObject({
      ambiguous: true,
      'other-execution-ids': ['theirs']
    });
  });

  test('several caches, some skipped as fresh: the figures count only what the step started', () => {
    const ran = {
      operation: 'full-refresh',
      'cache-id': 'a',
      'execution-id': 'e-a',
      status: 'COMPLETED',
      'cached-records': 500,
      'started-at': '2026-11-22T10:00:00Z',
      'finished-at': '2026-11-22T10:00:10Z',
      'timed-out': false,
      stalled: false,
      conclusion: 'success' as const,
      message: 'ok'
    };
    const skipped = {
      operation: 'full-refresh',
      'cache-id': 'b',
      skipped: true,
      fresh: true,
      'last-success-at': '2026-11-21T10:00:00Z',
      'timed-out': false,
      stalled: false,
      conclusion: 'success' as const,
      message: 'Skipped'
    };
    const all = aggregate([ran, skipped]);
    expect(all).toMatchObject({
      'cached-records': 500,
      'execution-id': 'e-a',
      status: 'COMPLETED',
      'duration-seconds': 10,
      skipped: false
    });
    expect(all.message).toContain('1 skipped (fresh)');
  });

  test('knows only what is known: no execution, no counts', () => {
    const r = buildResult(knownOf('status', 'c'), { conclusion: 'failure', message: 'x' });
    expect(r['execution-id']).toBeUndefined();
    expect(r['cached-records']).toBeUndefined();
  });
});

/** The summary's table as rows of cell texts (tags stripped, entities decoded), to check it as a reader sees it. */
function parseTable(html: string): string[][] {
  const table = /<table>([\s\S]*?)<\/table>/.exec(html)![1];
  const decode = (text: string) =>
    text
      .replace(/<[^>]*>/g, ' ')
      .replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))
      .replace(/\s+/g, ' ')
      .trim();
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map((cell) => decode(cell[1]))
  );
}

describe('summary', () => {
  test('parsed as a reader sees it: the columns, one row for the cache, the values', () => {
    const rows = parseTable(renderSummary([result({ table: 'sales.<b>orders</b>' })], result({ table: 'sales.<b>orders</b>' }), 'secret'));
    expect(rows).toEqual([
      ['Cache', 'Operation', 'Status', 'Cached', 'Inserted', 'Updated', 'Deleted', 'Duration'],
      ['sales.<b>orders</b> cache-1', 'Full refresh', 'COMPLETED', '12,345', '12,345', '0', '0', '1m 30s']
    ]);
  });

  test("Peaka's error is shown once, even when the message already carries it", () => {
    const failed = { ...execution, status: 'FAILED', error: 'Source unreachable' };
    expect(
      renderSummary(
        [result({ execution: failed }, { conclusion: 'failure', message: 'x' })],
        result({ execution: failed }, { conclusion: 'failure', message: 'x' }),
        's'
      ).match(/Source unreachable/g)
    ).toHaveLength(1);
    expect(
      renderSummary(
        [result({ execution: failed }, { conclusion: 'failure', message: 'FAILED - Source unreachable' })],
        result({ execution: failed }, { conclusion: 'failure', message: 'FAILED - Source unreachable' }),
        's'
      ).match(/Source unreachable/g)
    ).toHaveLength(1);
  });

  test('one table with the cache, operation, status, four counts and duration', () => {
    const html = renderSummary([result()], result(), 'secret');
    expect(html).toContain(
      '<th>Cache</th><th>Operation</th><th>Status</th><th>Cached</th><th>Inserted</th><th>Updated</th><th>Deleted</th><th>Duration</th>'
    );
    expect(html).toContain(
      '<td>payment.customers<br><code>cache-1</code></td><td>Full refresh</td><td>COMPLETED</td><td>12,345</td><td>12,345</td><td>0</td><td>0</td><td>1m 30s</td>'
    );
    expect(html).toMatch(/^<h2>✅ Peaka cache: Full refresh<\/h2>/);
  });

  test('text from the API is escaped, and a timeout is marked', () => {
    const html = renderSummary(
      [result({ table: 's.<script>x</script>', timedOut: true, execution: { ...execution, status: 'RUNNING', error: '<b>|pipe|</b>' } })],
      result({ table: 's.<script>x</script>', timedOut: true, execution: { ...execution, status: 'RUNNING', error: '<b>|pipe|</b>' } }),
      'secret'
    );
    expect(html).not.toMatch(/<script>|<b>/);
    expect(html).toContain('&#60;script&#62;');
    expect(html).toContain('RUNNING (timed out)');
    expect(html).toContain('&#124;pipe&#124;');
  });

  test('a stall is marked, and the stalled output says it for one cache and for many', () => {
    const stalled = result(
      { stalled: true, execution: { ...execution, status: 'RUNNING', finishedAt: undefined } },
      { conclusion: 'failure', message: 'looks stalled' }
    );
    expect(renderSummary([stalled], stalled, 'secret')).toContain('RUNNING (stalled)');
    expect(stalled.stalled).toBe(true);
    expect(aggregate([result(), stalled]).stalled).toBe(true);
    expect(aggregate([result(), result()]).stalled).toBe(false);
  });

  test('the API key never reaches the summary, even inside an API message', () => {
    const html = renderSummary(
      [result({}, { conclusion: 'failure', message: 'Peaka said: bad key sk-live-123456' })],
      result({}, { conclusion: 'failure', message: 'Peaka said: bad key sk-live-123456' }),
      'sk-live-123456'
    );
    expect(html).not.toContain('sk-live-123456');
    expect(html).toContain('***');
  });
});

test('history: one row per execution with its cache, a readable start time, duration and counts', () => {
  const state = {
    ...knownOf('history', 'cache-1'),
    table: 'crm.accounts',
    history: [execution, { ...execution, id: 'exec-0', kind: 'incremental' as const, status: 'FAILED' }]
  };
  const results = [buildResult(state, { conclusion: 'success', message: 'two' })];
  const rows = parseTable(renderSummary(results, results[0], 's', historyResults([state])));
  expect(rows).toEqual([
    ['Cache', 'Execution', 'Type', 'Status', 'Started', 'Duration', 'Cached', 'Inserted', 'Updated', 'Deleted'],
    ['crm.accounts', 'exec-1', 'full-refresh', 'COMPLETED', '2026-11-22 10:00:00 UTC', '1m 30s', '12,345', '12,345', '0', '0'],
    ['crm.accounts', 'exec-0', 'incremental', 'FAILED', '2026-11-22 10:00:00 UTC', '1m 30s', '12,345', '12,345', '0', '0']
  ]);
});

test('several caches: a row each and a total row with the sums and the worst status', () => {
  const a = buildResult({ ...knownOf('full-refresh', 'c-a'), table: 's.a', execution }, { conclusion: 'success', message: 'ok' });
  const b = buildResult(
    { ...knownOf('full-refresh', 'c-b'), table: 's.b', execution: { ...execution, id: 'e-b', status: 'FAILED', cachedRecords: 5 } },
    { conclusion: 'failure', message: 'bad' }
  );
  const overall = aggregate([a, b]);
  expect(overall).toMatchObject({ 'cache-id': 'c-a,c-b', status: 'FAILED', 'cached-records': 12_350, conclusion: 'failure' });
  expect(overall.message).toBe('1 of 2 caches did not succeed (1 COMPLETED, 1 FAILED).');
  const html = renderSummary([a, b], overall, 's');
  expect(html).toContain('<li><strong>s.b</strong>: bad</li>');
  expect(html).not.toContain('<strong>s.a</strong>');
  const rows = parseTable(html);
  expect(rows.map((r) => [r[0], r[2], r[3]])).toEqual([
    ['Cache', 'Status', 'Cached'],
    ['s.a c-a', 'COMPLETED', '12,345'],
    ['s.b c-b', 'FAILED', '5'],
    ['Total (2 caches)', 'FAILED', '12,350']
  ]);
});

describe('many caches', () => {
  const at = (createdAt: string, finishedAt: string, extra = {}) =>
    buildResult(
      { ...knownOf('status', createdAt), execution: { ...execution, createdAt, finishedAt, ...extra } },
      { conclusion: 'success', message: 'ok' }
    );

  test('the span is taken from instants, whatever their offsets', () => {
    const overall = aggregate([
      at('2026-01-01T10:00:00+01:00', '2026-01-01T09:10:00Z'),
      at('2026-01-01T09:05:00Z', '2026-01-01T10:20:00+01:00')
    ]);
    expect(overall['started-at']).toBe('2026-01-01T10:00:00+01:00');
    expect(overall['finished-at']).toBe('2026-01-01T10:20:00+01:00');
    expect(overall['duration-seconds']).toBe(1_200);
  });

  test('a cache without a readable end leaves the end and the span out, never NaN', () => {
    const overall = aggregate([at('2026-01-01T09:00:00Z', '2026-01-01T09:10:00Z'), at('2026-01-01T09:05:00Z', 'soon')]);
    expect(overall['finished-at']).toBeUndefined();
    expect(overall['duration-seconds']).toBeUndefined();
  });

  const many = (n: number, name: string) =>
    Array.from({ length: n }, (_, i) =>
      buildResult(
        { ...knownOf('wait', `cache-${i}`), table: `${name}${i}`, execution: { ...execution, status: 'FAILED', error: 'e'.repeat(500) } },
        { conclusion: 'failure', message: `failed ${i} ${'m'.repeat(900)}` }
      )
    );

  test('the summary stays under 1 MiB: past it, rows and list items fold into "and N more"', () => {
    const results = many(3_000, `schema.${'t'.repeat(300)}`);
    const html = renderSummary(results, aggregate(results), 's');
    expect(Buffer.byteLength(html)).toBeLessThan(1 << 20);
    expect(html).toMatch(/<tr><td colspan="8"><em>and \d+ more caches; the result output lists every one<\/em><\/td><\/tr>/);
    expect(html).toMatch(/<li><em>and \d+ more caches that did not succeed; the result output lists every one<\/em><\/li><\/ul>/);
    expect(html).toContain('<strong>Total (3000 caches)</strong>');
  });

  test('the comment stays under 65,536 characters; a few caches are not folded', () => {
    const results = many(200, '@team/t');
    const html = renderSummary(results, aggregate(results), 's', undefined, { forComment: true });
    expect(html.length).toBeLessThan(65_536);
    expect(html).toContain('more caches');
    const few = many(3, 's.t');
    expect(renderSummary(few, aggregate(few), 's')).not.toContain('more caches');
  });

  test('one long text is cut in its cell', () => {
    const [r] = many(1, 'x'.repeat(100_000));
    expect(renderSummary([r], r, 's').length).toBeLessThan(5_000);
  });
});

test('escapeHtml and redact', () => {
  expect(escapeHtml('a<b>&"\'`\n[x]')).toBe('a&#60;b&#62;&#38;&#34;&#39;&#96; &#91;x&#93;');
  expect(redact('key=abcd1234 abcd1234', 'abcd1234')).toBe('key=*** ***');
  expect(redact('short', 'ab')).toBe('short');
});

test('several caches: one whose operation failed before any execution is tallied as "no execution", not under its cache status', () => {
  const ok = {
    operation: 'full-refresh',
    'cache-id': 'a',
    status: 'COMPLETED',
    'cache-status': 'COMPLETED',
    'timed-out': false,
    stalled: false,
    conclusion: 'success' as const,
    message: 'done'
  };
  const refused = {
    operation: 'full-refresh',
    'cache-id': 'b',
    'cache-status': 'COMPLETED',
    'timed-out': false,
    stalled: false,
    conclusion: 'failure' as const,
    message: 'HTTP 404'
  };
  expect(aggregate([ok, refused]).message).toBe('1 of 2 caches did not succeed (1 COMPLETED, 1 no execution).');
});

describe("announce: the step's final annotation", () => {
  /** What announce prints (workflow commands on stdout) and the exit code it leaves. */
  function announced(outcome: Outcome): { lines: string[]; exitCode: typeof process.exitCode } {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    const before = process.exitCode;
    try {
      announce([result({}, outcome)], result({}, outcome), 'sk-secret-1');
      return { lines, exitCode: process.exitCode };
    } finally {
      write.mockRestore();
      process.exitCode = before;
    }
  }

  test('a failure is an error annotation titled like the success notice, and fails the step', () => {
    const failed = announced({ conclusion: 'failure', message: 'Full refresh e-1 FAILED (key sk-secret-1)' });
    expect(failed.lines).toEqual(['::error title=Peaka Full refresh::Full refresh e-1 FAILED (key ***)']);
    expect(failed.exitCode).toBe(1);
    const succeeded = announced({ conclusion: 'success', message: 'done' });
    expect(succeeded.lines).toEqual(['::notice title=Peaka Full refresh::done']);
    expect(succeeded.exitCode).not.toBe(1);
  });
});
