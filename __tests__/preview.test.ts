/**
 * The pull request preview (preview.ts): status with tables-from and comment-on-pr on a pull
 * request, end to end from dist/ against the simulator and a fake of GitHub's API (the pull
 * request's files, its comments). The comment is checked against a golden rendering, parsed by
 * parse5 and held to the comment's size budget; and which runs may comment at all.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFragment, type DefaultTreeAdapterMap } from 'parse5';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { renderPreview } from '../src/preview.js';
import { COMMENT_BUDGET_CHARS } from '../src/report.js';
import type { TableSelection } from '../src/table-selection.js';
import { PARTNER_KEY, baseInputs, runAction } from './helpers/run-action.js';
import { createRepo, eventEnv } from './helpers/git-repo.js';
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.js';
import { exampleInputs } from './helpers/example-step.js';

const HOUR = 3_600_000;
const FIXTURES = join(import.meta.dirname, 'fixtures');
const GOLDEN = join(FIXTURES, 'preview-comment.golden.html');
const CORPUS = ['V2__paid_at_and_backfill.sql', 'V3__rename_and_drop.sql'].map((name) => ({
  name,
  text: readFileSync(join(FIXTURES, 'migrations/postgresql', name), 'utf8')
}));

let sim: PeakaSimulator;
let github: FakeGitHub;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [PARTNER_KEY], defaultPlan: { durationMs: 500, records: 1_000, appearDelayMs: 100 } });
  github = await startFakeGitHub();
});
afterAll(async () => {
  await sim.close();
  await github.close();
});

/** A workspace holding the corpus's two migrations, and a pull request that changes them. */
function pullRequest(number: number) {
  const repo = createRepo();
  repo.commit(Object.fromEntries(CORPUS.map((f) => [`migrations/${f.name}`, f.text])));
  github.pulls.set(
    number,
    CORPUS.map((f) => ({ filename: `migrations/${f.name}`, status: 'added' }))
  );
  return (extra: Record<string, string> = {}) => ({
    ...eventEnv('pull_request', { pull_request: { number } }),
    GITHUB_WORKSPACE: repo.dir,
    GITHUB_API_URL: github.url,
    GITHUB_WORKFLOW: 'Preview',
    GITHUB_JOB: 'preview',
    GITHUB_ACTION: 'peaka',
    ...extra
  });
}

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** Ids, times and the leg's hash are what differ from run to run. */
const normalize = (html: string) =>
  html.replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, '<time>').replace(/<!-- leg:[0-9a-f]{12} -->/, '<!-- leg:… -->');

function parseErrors(html: string): string[] {
  const errors: string[] = [];
  parseFragment(html, { onParseError: (e) => errors.push(`${e.code} at ${e.startLine}:${e.startCol}`) });
  return errors;
}
const textOf = (node: DefaultTreeAdapterMap['parentNode']): string =>
  node.childNodes.map((c) => ('value' in c && c.nodeName === '#text' ? c.value : 'childNodes' in c ? textOf(c) : '')).join('');

describe('status with tables-from on a pull request', () => {
  const catalogId = 'cat-preview';
  const caches: Record<string, string> = {};
  beforeAll(() => {
    const add = (n: number, schemaName: string, tableName: string) => {
      const cache = sim.addCache({ id: ID(n), catalogId, schemaName, tableName });
      caches[`${schemaName}.${tableName}`] = cache.id;
      return cache;
    };
    sim.addPast(add(1, 'payment', 'invoices').id, 'full-refresh', { records: 120_000, endedAgoMs: 2 * HOUR });
    sim.addPast(add(2, 'payment', 'refunds').id, 'incremental', { records: 800, endedAgoMs: HOUR });
    sim.addPast(add(3, 'payment', 'currencies').id, 'full-refresh', { records: 2, endedAgoMs: 30 * HOUR });
    const sessions = add(4, 'payment', 'sessions');
    sim.addPast(sessions.id, 'full-refresh', { records: 5_000, endedAgoMs: 3 * HOUR });
    sim.addPast(sessions.id, 'full-refresh', { records: 0, outcome: 'FAILED', endedAgoMs: HOUR });
    add(5, 'payment', 'legacy_invoices');
    add(6, 'public', 'customers');
  });

  test('one comment reads as a preview of the merge, matches the golden rendering, parses cleanly and fits the budget; nothing is written to Peaka', async () => {
    const env = pullRequest(31);
    const inputs = baseInputs(sim.url, {
      operation: 'status',
      'tables-from': 'migrations/*.sql',
      'catalog-id': catalogId,
      'comment-on-pr': 'true',
      'github-token': 'ghs_preview_1'
    });
    const before = sim.requests.length;
    const run = await runAction(inputs, { env: env() });
    expect(run.code).toBe(0);
    expect(sim.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    const [comment, ...more] = github.comments.get(31) ?? [];
    expect(more).toEqual([]);
    const body = normalize(comment.body);
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, body);
    expect(body).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(parseErrors(comment.body)).toEqual([]);
    expect(comment.body.length).toBeLessThan(COMMENT_BUDGET_CHARS);
    // What a reviewer reads: file -> statement -> table -> cache, and what will break.
    const text = textOf(parseFragment(comment.body));
    expect(text).toContain(
      'migrations/V2__paid_at_and_backfill.sql:7INSERTpayment.currenciespayment.currencies 00000000-0000-4000-8000-000000000003COMPLETED'
    );
    expect(text).toContain(
      'payment.invoices 00000000-0000-4000-8000-000000000001: migrations/V3__rename_and_drop.sql:1 RENAME renames the table to payment.bills'
    );
    expect(text).toContain(
      'payment.legacy_invoices 00000000-0000-4000-8000-000000000005: migrations/V3__rename_and_drop.sql:2 DROP TABLE drops the table'
    );
    expect(text).toContain('public.tmp_import: migrations/V3__rename_and_drop.sql:2 DROP TABLE');
    expect(text).toContain('migrations/V3__rename_and_drop.sql:5: from its first words it touches payment.bills');

    // A new push to the pull request: the same comment, updated.
    const again = await runAction(inputs, { env: env() });
    expect(again.code).toBe(0);
    expect(github.comments.get(31)).toHaveLength(1);
    expect(github.calls.some((c) => c.method === 'PATCH' && c.path === `/api/v3/repos/acme/data/issues/comments/${comment.id}`)).toBe(true);
  });

  test('two matrix legs (same workflow, job and step) keep a comment each; a re-run of one updates only its own', async () => {
    sim.addCache({ catalogId: 'cat-eu', schemaName: 'payment', tableName: 'refunds' });
    const env = pullRequest(32);
    const leg = (catalog: string) =>
      baseInputs(sim.url, { operation: 'status', 'tables-from': 'migrations/*.sql', 'catalog-id': catalog, 'comment-on-pr': 'true' });
    expect((await runAction(leg(catalogId), { env: env() })).code).toBe(0);
    expect((await runAction(leg('cat-eu'), { env: env() })).code).toBe(0);
    const [us, eu] = github.comments.get(32)!;
    expect(github.comments.get(32)).toHaveLength(2);
    expect(us.body).toContain(ID(1));
    expect(eu.body).not.toContain(ID(1));
    const euBody = eu.body;
    expect((await runAction(leg(catalogId), { env: env() })).code).toBe(0);
    expect(github.comments.get(32)).toHaveLength(2);
    expect(eu.body).toBe(euBody);
  });
});

test('examples/preview-migration-caches-on-pull-request.yml works as written: a preview comment, nothing written to Peaka', async () => {
  const cache = sim.addCache({ schemaName: 'payment', tableName: 'refunds' });
  const env = pullRequest(33);
  const before = sim.requests.length;
  const run = await runAction(exampleInputs('preview-migration-caches-on-pull-request.yml', PARTNER_KEY, sim.url), { env: env() });
  expect(run.code).toBe(0);
  expect(sim.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  const [comment, ...more] = github.comments.get(33) ?? [];
  expect(more).toEqual([]);
  expect(comment.body).toContain('<h3>Caches the merge will refresh</h3>');
  expect(comment.body).toContain(`payment.refunds <code>${cache.id}</code>`);
});

describe('runs that belong to no pull request write no comment, and say why', () => {
  test.each(['schedule', 'workflow_dispatch'])('%s', async (event) => {
    const cache = sim.addCache();
    const calls = github.calls.length;
    const run = await runAction(baseInputs(sim.url, { operation: 'status', 'cache-id': cache.id, 'comment-on-pr': 'true' }), {
      env: { ...eventEnv(event, {}), GITHUB_API_URL: github.url, GITHUB_SHA: 'abc123' }
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `comment-on-pr: this run was triggered by '${event}', which belongs to no pull request; no comment written.`
    );
    expect(github.calls.length).toBe(calls);
  });
});

test('a preview of thousands of statements stays within the comment budget, saying how many rows were left out', () => {
  const touches = Array.from({ length: 3_000 }, (_, i) => ({
    file: `migrations/V${i}__x.sql`,
    line: 1,
    statement: 'ALTER TABLE',
    table: { schema: 's', table: `t${i}` },
    gone: false
  }));
  const selection: TableSelection = {
    ids: touches.map((_, i) => ID(i)),
    reasons: new Map(),
    tableOf: new Map(touches.map((t, i) => [ID(i), `s.${t.table.table}`])),
    migrations: {
      scan: {
        source: 'the pull request #1 files',
        changed: 3_000,
        files: touches.map((t) => t.file),
        touches,
        unreadable: [{ file: 'migrations/V7__x.sql', line: 3 }]
      },
      rows: touches.map((touch, i) => ({ touch, cacheIds: [ID(i)], gone: false }))
    }
  };
  const html = renderPreview(selection, new Map(), 'secret');
  expect(html.length).toBeLessThanOrEqual(COMMENT_BUDGET_CHARS);
  expect(parseErrors(html)).toEqual([]);
  const shown = (html.match(/<tr><td>migrations\//g) ?? []).length;
  expect(shown).toBeGreaterThan(100);
  expect(html).toContain(`and ${3_000 - shown} more; the job summary and the result output list every one`);
  // A section after the folded table keeps its title and its line.
  expect(html).toContain('<li>migrations/V7__x.sql:3: its tables are not known: check it by hand.</li>');
});
