/**
 * tables, max-age and tables-from end to end: the bundled action (dist/) run as the runner runs it,
 * against the simulator, a git repository built here and a fake of GitHub's API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { PARTNER_KEY, baseInputs, runAction } from './helpers/run-action.js';
import { createRepo, eventEnv } from './helpers/git-repo.js';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.js';
import { waitFor } from './helpers/wait-for.js';

const HOUR = 3_600_000;
let sim: PeakaSimulator;
let github: FakeGitHub;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [PARTNER_KEY], defaultPlan: { durationMs: 800, records: 1_000, appearDelayMs: 200 } });
  github = await startFakeGitHub();
});
afterAll(async () => {
  await sim.close();
  await github.close();
});
beforeEach(() => sim.clearFaults());

const triggered = (cacheId: string) =>
  sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`${cacheId}/fullRefreshUpdate`)).length;
const errorOf = (run: { annotations: { level: string; message: string }[] }) =>
  run.annotations.find((a) => a.level === 'error')?.message ?? '';

describe('tables', () => {
  test('patterns select caches of the catalog; result and summary show which pattern selected which cache', async () => {
    const [invoices, refunds] = ['invoices', 'refunds'].map((t) =>
      sim.addCache({ catalogId: 'cat-e2e', schemaName: 'billing', tableName: t })
    );
    const orders = sim.addCache({ catalogId: 'cat-e2e', schemaName: 'shop', tableName: 'orders' });
    sim.addCache({ catalogId: 'cat-other', schemaName: 'billing', tableName: 'invoices' });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', tables: 'billing.*\n*.orders', 'catalog-id': 'cat-e2e' }));
    expect(run.code).toBe(0);
    expect(sim.requests.some((r) => r.path.endsWith('/catalog/cat-e2e/cache/status'))).toBe(true);
    const result = JSON.parse(run.outputs.result) as { 'cache-id': string; pattern: string; status: string }[];
    expect(result.map((r) => [r['cache-id'], r.pattern, r.status])).toEqual([
      [invoices.id, 'billing.*', 'COMPLETED'],
      [refunds.id, 'billing.*', 'COMPLETED'],
      [orders.id, '*.orders', 'COMPLETED']
    ]);
    expect(run.summary).toContain('<h3>Caches chosen by table name</h3>');
    expect(run.summary).toContain(`<tr><td><code>*.orders</code></td><td>shop.orders <code>${orders.id}</code></td></tr>`);
  });

  test('a pattern that matches nothing fails before anything is triggered, naming it and the closest names', async () => {
    const cache = sim.addCache({ catalogId: 'cat-miss', schemaName: 'billing', tableName: 'payouts' });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', tables: 'billing.payout, billing.payouts', 'catalog-id': 'cat-miss' })
    );
    expect(run.code).toBe(1);
    expect(triggered(cache.id)).toBe(0);
    expect(errorOf(run)).toBe(
      `Input 'tables': "billing.payout" matches no cache of catalog cat-miss of project mtKDhe1U. The closest cached tables: billing.payouts. (Set allow-no-match: true to go on without it.)`
    );
  });

  test('a case-only difference is called out', async () => {
    sim.addCache({ catalogId: 'cat-case', schemaName: 'Sales', tableName: 'Orders' });
    const run = await runAction(baseInputs(sim.url, { operation: 'status', tables: 'sales.orders', 'catalog-id': 'cat-case' }));
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain(
      'It differs only in letter case from Sales.Orders: names are matched exactly as Peaka lists them, so write that name.'
    );
  });

  test('allow-no-match: a warning, and with nothing matched the step succeeds with nothing to do', async () => {
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', tables: 'nowhere.*', 'catalog-id': 'cat-empty', 'allow-no-match': 'true' })
    );
    expect(run.code).toBe(0);
    expect(run.annotations.map((a) => a.level)).toEqual(['warning', 'notice']);
    expect(run.annotations[1].message).toBe(
      "No cache of catalog cat-empty of project mtKDhe1U matches 'tables' (allow-no-match: true); nothing to do."
    );
  });

  test('delete by table name, confirmed by repeating it', async () => {
    const cache = sim.addCache({ catalogId: 'cat-del', schemaName: 'tmp', tableName: 'scratch' });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'delete', tables: 'tmp.scratch', 'confirm-delete': 'tmp.scratch', 'catalog-id': 'cat-del' })
    );
    expect(run.code).toBe(0);
    expect(cache.deleted).toBe(true);
  });
});

describe('max-age', () => {
  test('status as a deploy gate over several caches: the oldest last success, the stale ones in the summary', async () => {
    sim.addCache({ catalogId: 'cat-gate', schemaName: 'gate', tableName: 'fresh_one', previous: { 'full-refresh': { endedAgoMs: HOUR } } });
    sim.addCache({
      catalogId: 'cat-gate',
      schemaName: 'gate',
      tableName: 'stale_one',
      previous: { incremental: { endedAgoMs: 9 * HOUR } }
    });
    const run = await runAction(baseInputs(sim.url, { operation: 'status', tables: 'gate.*', 'catalog-id': 'cat-gate', 'max-age': '6h' }));
    expect(run.code).toBe(1);
    expect(run.outputs.fresh).toBe('false');
    expect(Number(run.outputs['age-seconds'])).toBeGreaterThanOrEqual(9 * 3600);
    expect(run.summary).toContain('<h3>Stale caches (max-age 6h)</h3>');
    expect(run.summary).toMatch(/<li><strong>gate\.stale_one<\/strong>: last success .*, 9h( \d+s)? ago<\/li>/);
    expect(run.summary).not.toContain('<strong>gate.fresh_one</strong>');
    expect(run.annotations.at(-1)?.message).toBe('1 of 2 caches did not succeed (2 COMPLETED; 1 stale).');
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)[0]).toMatch(
      /^gate\.stale_one: Stale: the last COMPLETED incremental sync finished 9h( \d+s)? ago/
    );

    const fresh = await runAction(
      baseInputs(sim.url, { operation: 'status', tables: 'gate.fresh_one', 'catalog-id': 'cat-gate', 'max-age': '6h' })
    );
    expect(fresh.code).toBe(0);
    expect(fresh.outputs).toMatchObject({ fresh: 'true' });
    expect(Math.abs(Date.parse(fresh.outputs['last-success-at']) - (Date.now() - HOUR))).toBeLessThan(60_000);
  });

  test('a nightly refresh skips the fresh caches and refreshes the stale ones', async () => {
    const fresh = sim.addCache({
      catalogId: 'cat-night',
      schemaName: 'payment',
      tableName: 'fresh',
      previous: { 'full-refresh': { endedAgoMs: 2 * HOUR } }
    });
    const stale = sim.addCache({
      catalogId: 'cat-night',
      schemaName: 'payment',
      tableName: 'stale',
      previous: { 'full-refresh': { endedAgoMs: 30 * HOUR } }
    });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', tables: 'payment.*', 'catalog-id': 'cat-night', 'max-age': '20h' })
    );
    expect(run.code).toBe(0);
    expect([triggered(fresh.id), triggered(stale.id)]).toEqual([0, 1]);
    const result = JSON.parse(run.outputs.result) as { table: string; skipped: boolean; fresh: boolean }[];
    expect(result.map((r) => [r.table, r.skipped, r.fresh])).toEqual([
      ['payment.fresh', true, true],
      ['payment.stale', false, true]
    ]);
    expect(run.outputs).toMatchObject({ skipped: 'false', fresh: 'true' });
    expect(
      run.annotations.some(
        (a) =>
          a.level === 'notice' &&
          /^\[payment\.fresh\] Skipped cache payment\.fresh: the last COMPLETED full refresh finished 2h( \d+s)? ago/.test(a.message)
      )
    ).toBe(true);
    expect(run.summary).toContain('<td>skipped (fresh)</td>');
  });
});

describe('tables-from', () => {
  const MIGRATIONS_V1 = 'CREATE TABLE payment.invoices (id bigint PRIMARY KEY);\nCREATE TABLE payment.legacy (id int);\n';
  const MIGRATION_V2 = [
    '-- add paid_at and backfill',
    'ALTER TABLE payment.invoices ADD COLUMN paid_at timestamptz;',
    'UPDATE payment.invoices SET paid_at = now() WHERE paid_at IS NULL;',
    'ALTER TABLE Payment.Refunds RENAME COLUMN amount TO total;',
    'DROP TABLE payment.legacy;',
    'COPY payment.imports (id) FROM stdin;',
    'CREATE TABLE audit.log (id int);'
  ].join('\n');

  test('a push: the tables the changed migrations touch select their caches; warnings for unreadable statements and dropped tables', async () => {
    const repo = createRepo();
    const before = repo.commit({ 'migrations/V1__init.sql': MIGRATIONS_V1, 'docs/notes.sql': 'DROP TABLE payment.invoices;' });
    const after = repo.commit({ 'migrations/V2__paid_at.sql': MIGRATION_V2, 'docs/notes.sql': 'TRUNCATE payment.invoices;' });
    const invoices = sim.addCache({ catalogId: 'cat-mig', schemaName: 'payment', tableName: 'invoices' });
    const refunds = sim.addCache({ catalogId: 'cat-mig', schemaName: 'payment', tableName: 'refunds' });
    const legacy = sim.addCache({ catalogId: 'cat-mig', schemaName: 'payment', tableName: 'legacy' });
    const untouched = sim.addCache({ catalogId: 'cat-mig', schemaName: 'payment', tableName: 'untouched' });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', 'tables-from': 'migrations/**/*.sql', 'catalog-id': 'cat-mig' }),
      {
        env: { ...eventEnv('push', { before, after }), GITHUB_WORKSPACE: repo.dir, GITHUB_API_URL: github.url }
      }
    );
    expect(run.code).toBe(0);
    expect([invoices, refunds, legacy, untouched].map((c) => triggered(c.id))).toEqual([1, 1, 0, 0]);
    const result = JSON.parse(run.outputs.result) as {
      table: string;
      migrations: { file: string; line: number; statement: string; table: string }[];
    }[];
    expect(result.map((r) => [r.table, r.migrations.map((m) => `${m.file}:${m.line} ${m.statement} ${m.table}`)])).toEqual([
      [
        'payment.invoices',
        ['migrations/V2__paid_at.sql:2 ALTER TABLE payment.invoices', 'migrations/V2__paid_at.sql:3 UPDATE payment.invoices']
      ],
      ['payment.refunds', ['migrations/V2__paid_at.sql:4 ALTER TABLE payment.refunds']]
    ]);
    const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^migrations\/V2__paid_at\.sql line 4: the SQL parser \(postgresql\) could not read this statement \(.*\); from its first words it touches payment\.refunds, which is counted\.$/
      ),
      expect.stringMatching(
        /^migrations\/V2__paid_at\.sql line 6: the SQL parser \(postgresql\) could not read this statement \(.*\); its tables are unknown/
      ),
      `migrations/V2__paid_at.sql line 5 drops payment.legacy, but its cache ${legacy.id} still exists: it will fail on its next refresh, so it is not refreshed now. Delete the cache (operation: delete, tables: payment.legacy) if the table is gone for good.`
    ]);
    expect(run.summary).toContain('<h3>Tables the migrations touched</h3>');
    expect(run.summary).toContain(
      `<tr><td>migrations/V2__paid_at.sql:2–3 (2 statements)</td><td>ALTER TABLE, UPDATE</td><td>payment.invoices</td><td>payment.invoices <code>${invoices.id}</code></td></tr>`
    );
    expect(run.summary).toContain('<tr><td>migrations/V2__paid_at.sql:7</td><td>CREATE TABLE</td><td>audit.log</td><td>no cache</td></tr>');
    expect(run.summary).toContain('not refreshed: the table is gone');
    expect(github.calls).toEqual([]);
  });

  test("a GitHub API that never answers ends with the step's timeout, and with the run's cancel", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const env = {
      ...eventEnv('pull_request', { pull_request: { number: 5 } }),
      GITHUB_WORKSPACE: createRepo().dir,
      GITHUB_API_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    };
    const inputs = baseInputs(sim.url, {
      operation: 'full-refresh',
      'tables-from': 'migrations/*.sql',
      'catalog-id': 'cat-hang',
      timeout: '6s'
    });
    try {
      const started = Date.now();
      const timedOut = await runAction(inputs, { env, timeoutMs: 40_000 });
      expect(timedOut.code).toBe(1);
      expect(errorOf(timedOut)).toMatch(
        /^tables-from: GitHub did not send the files of pull request #5 within [1-6]s \(what was left of the step's timeout\)\. Re-run the job/
      );
      // timeout is a promise about time: the step ends within it, plus starting and ending the
      // process. 6 s + 14 s is generous on a loaded machine and still below the 30 s request-timeout
      // that a GitHub request not bound by the step's timeout would wait.
      expect(Date.now() - started).toBeLessThan(6_000 + 14_000);
      let sentAt = 0;
      const connected = sockets.size;
      let signalled: Promise<void> | undefined;
      const cancelled = await runAction(
        { ...inputs, timeout: '10m' },
        {
          env,
          timeoutMs: 40_000,
          // Cancelled while it waits on GitHub: once its connection is open, not after a fixed delay.
          onStart: (child) => {
            signalled = waitFor(() => sockets.size > connected, 'the step connecting to the GitHub API').then(() => {
              sentAt = Date.now();
              child.kill('SIGINT');
            });
          }
        }
      );
      await signalled;
      expect(cancelled.code).toBe(1);
      expect(errorOf(cancelled)).toMatch(/^The workflow run was cancelled/);
      // The runner's own bound: it sends SIGTERM 7.5 s after SIGINT, then kills.
      expect(Date.now() - sentAt).toBeLessThan(7_500);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('a migration that is a link out of the workspace (a secret, /dev/zero) is never read', async () => {
    const repo = createRepo();
    const before = repo.commit({ 'README.md': 'x' });
    const outside = join(mkdtempSync(join(tmpdir(), 'outside-')), 'secret.sql');
    writeFileSync(outside, 'CREATE TABLE public.leak (id int);');
    mkdirSync(join(repo.dir, 'migrations'), { recursive: true });
    symlinkSync('/dev/zero', join(repo.dir, 'migrations', '002_zero.sql'));
    symlinkSync(outside, join(repo.dir, 'migrations', '003_outside.sql'));
    const after = repo.commit({ 'migrations/001_ok.sql': 'ALTER TABLE payment.linked ADD COLUMN x int;' });
    const cache = sim.addCache({ catalogId: 'cat-links', schemaName: 'payment', tableName: 'linked' });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', 'tables-from': 'migrations/*.sql', 'catalog-id': 'cat-links', timeout: '20s' }),
      {
        env: { ...eventEnv('push', { before, after }), GITHUB_WORKSPACE: repo.dir },
        timeoutMs: 30_000
      }
    );
    expect(run.code).toBe(0);
    expect(triggered(cache.id)).toBe(1);
    const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual(
      expect.arrayContaining([
        'migrations/002_zero.sql is a link out of the workspace or not a regular file; it is left out.',
        'migrations/003_outside.sql is a link out of the workspace or not a regular file; it is left out.'
      ])
    );
    expect(run.stdout + run.summary).not.toContain('leak');
  });

  test('a migration that touches no cached table: a notice, success, and nothing sent but the list', async () => {
    const repo = createRepo();
    const before = repo.commit({ 'README.md': 'x' });
    const after = repo.commit({ 'db/migrate/20261122_add_audit.sql': 'CREATE TABLE audit.events (id int);' });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', 'tables-from': 'db/migrate/*.sql', 'catalog-id': 'cat-none' }),
      {
        env: { ...eventEnv('push', { before, after }), GITHUB_WORKSPACE: repo.dir }
      }
    );
    expect(run.code).toBe(0);
    expect(run.annotations).toEqual([
      {
        level: 'notice',
        message:
          'The changed migrations touch 1 table (audit.events), none with a cache to refresh in catalog cat-none of project mtKDhe1U; nothing to do.'
      }
    ]);
  });

  test('no migration file changed: nothing to do, and Peaka is not asked', async () => {
    const repo = createRepo();
    const before = repo.commit({ 'README.md': 'x' });
    const after = repo.commit({ 'README.md': 'y' });
    const requests = sim.requests.length;
    const run = await runAction(baseInputs(sim.url, { operation: 'status', 'tables-from': 'migrations/**/*.sql' }), {
      env: { ...eventEnv('push', { before, after }), GITHUB_WORKSPACE: repo.dir }
    });
    expect(run.code).toBe(0);
    expect(sim.requests.length).toBe(requests);
    expect(run.annotations.at(-1)?.message).toMatch(
      /^No changed file matches tables-from \(migrations\/\*\*\/\*\.sql\) in git history of the workspace, .*; nothing to do\.$/
    );
  });

  test('a pull request: its files from the API (MySQL migrations, default-schema), with the job token', async () => {
    const repo = createRepo();
    repo.commit({ 'db/001_orders.sql': 'ALTER TABLE `Orders` ADD COLUMN note TEXT;\nRENAME TABLE carts TO baskets;' });
    github.pulls.set(77, [
      { filename: 'db/001_orders.sql', status: 'added' },
      { filename: 'db/000_removed.sql', status: 'removed' }
    ]);
    const orders = sim.addCache({ catalogId: 'cat-pr', schemaName: 'shop', tableName: 'Orders' });
    const baskets = sim.addCache({ catalogId: 'cat-pr', schemaName: 'shop', tableName: 'baskets' });
    const run = await runAction(
      baseInputs(sim.url, {
        operation: 'status',
        'tables-from': 'db/*.sql',
        'sql-dialect': 'mysql',
        'default-schema': 'shop',
        'catalog-id': 'cat-pr',
        'github-token': 'ghs_pr_token_9'
      }),
      { env: { ...eventEnv('pull_request', { pull_request: { number: 77 } }), GITHUB_WORKSPACE: repo.dir, GITHUB_API_URL: github.url } }
    );
    expect(run.code).toBe(0);
    expect(run.outputs['cache-id'].split(',').sort()).toEqual([orders.id, baskets.id].sort());
    expect(github.calls.map((c) => [c.path.split('?')[0], c.auth])).toEqual([
      ['/api/v3/repos/acme/data/pulls/77/files', 'token ghs_pr_token_9']
    ]);
  });

  test('a workflow_dispatch run is refused with what to do', async () => {
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'tables-from': 'migrations/*.sql' }), {
      env: eventEnv('workflow_dispatch', {})
    });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("this run was triggered by 'workflow_dispatch'");
  });
});
