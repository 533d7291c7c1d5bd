/**
 * Many caches in one step, run as the runner runs dist/index.js, against the simulator.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator, type SimExecution } from '../simulator/peaka-simulator.js';
import { PARTNER_KEY, baseInputs, runAction } from './helpers/run-action.js';

let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [PARTNER_KEY], defaultPlan: { appearDelayMs: 300 } });
});
afterAll(() => sim.close());

/** Status requests of a step: the cache's own status endpoint, and the lists (project- or catalog-level). */
const statusRequests = (since: number, cacheId?: string) =>
  sim.requests
    .slice(since)
    .filter((r) => r.method === 'GET' && (cacheId ? r.path.includes(`${cacheId}/status`) : /\/cache\/(?:[^/]+\/)?status/.test(r.path)));
const rowsOf = (summary: string) => [...summary.matchAll(/<tr>/g)].length;
/** The most executions running at the same moment. */
const mostAtOnce = (executions: SimExecution[]) => {
  const spans = executions.map((e) => [e.startAt, e.startAt + e.durationMs]);
  return Math.max(...spans.map(([start]) => spans.filter(([a, b]) => a <= start && start < b).length));
};

/** Status requests of one cache alone running `durationMs`, the worst of two runs (reads carry random jitter). */
async function oneCacheAlone(durationMs: number): Promise<number> {
  let most = 0;
  for (let i = 0; i < 2; i++) {
    const single = sim.addCache({ schemaName: 'ref', previous: { 'full-refresh': { durationMs, records: 1_000 } } });
    sim.planNext(single.id, 'full-refresh', { durationMs, records: 1_000 });
    const from = sim.requests.length;
    const alone = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': single.id }));
    expect(alone.code).toBe(0);
    most = Math.max(most, statusRequests(from).length);
  }
  return most;
}

test('50 caches of a schema: wall time near the slowest run, their statuses read through one list, outputs summed', async () => {
  const singleReads = await oneCacheAlone(4_000);
  const caches = Array.from({ length: 50 }, (_, i) => {
    // 2 s to 4 s: long enough that all 50 overlap even when a loaded machine is slow to start them.
    const durationMs = 2_000 + (i % 5) * 500;
    const cache = sim.addCache({
      schemaName: 'warehouse',
      tableName: `t${i}`,
      previous: { 'full-refresh': { durationMs, records: 100 + i } }
    });
    sim.planNext(cache.id, 'full-refresh', { durationMs, records: 100 + i });
    return cache;
  });
  const from = sim.requests.length;
  const started = Date.now();
  const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'schema-name': 'warehouse', 'max-parallel': '50' }));
  const wallMs = Date.now() - started;
  const sumMs = caches.reduce((a, c) => a + sim.startedExecutions(c.id)[0].durationMs, 0);
  const reads = statusRequests(from);
  const perCache = caches.reduce((n, c) => n + statusRequests(from, c.id).length, 0);
  process.stdout.write(
    `\n50 caches, max-parallel 50: wall ${(wallMs / 1000).toFixed(1)} s (slowest run 4.0 s, sum of runs ${(sumMs / 1000).toFixed(0)} s); ` +
      `status requests: ${reads.length} (${perCache} of single caches; one cache alone, 4 s run: ${singleReads}); requests in all: ${sim.requests.length - from}\n`
  );

  expect(run.code).toBe(0);
  expect(caches.every((c) => sim.startedExecutions(c.id).length === 1)).toBe(true);
  // Parallel, not one after another: shown by the runs' overlap in the simulator, not by a timing.
  expect(mostAtOnce(caches.map((c) => sim.startedExecutions(c.id)[0]))).toBe(50);
  expect(reads.length).toBeLessThanOrEqual(3 * singleReads);
  expect(perCache).toBe(0);
  expect(run.stdout).toMatch(/Status reads for 50 caches: \d+ rounds, \d+ list reads and 0 single-cache reads\./);
  const result = JSON.parse(run.outputs.result) as { 'cache-id': string; status: string }[];
  expect(result).toHaveLength(50);
  expect(new Set(result.map((r) => r['cache-id']))).toEqual(new Set(caches.map((c) => c.id)));
  expect(run.outputs.status).toBe('COMPLETED');
  expect(Number(run.outputs['cached-records'])).toBe(caches.reduce((a, _, i) => a + 100 + i, 0));
  expect(rowsOf(run.summary)).toBe(1 + 50 + 1);
  expect(run.summary).toContain('<strong>Total (50 caches)</strong>');
});

test("200 caches, max-parallel 200: status requests stay near one cache's, through one list read per round", async () => {
  const singleReads = await oneCacheAlone(4_000);
  const caches = Array.from({ length: 200 }, (_, i) => {
    const durationMs = 2_000 + (i % 5) * 500;
    const cache = sim.addCache({
      catalogId: 'cat-200',
      schemaName: 'lake',
      tableName: `t${i}`,
      previous: { 'full-refresh': { durationMs, records: 10 + i } }
    });
    sim.planNext(cache.id, 'full-refresh', { durationMs, records: 10 + i });
    return cache;
  });
  const from = sim.requests.length;
  const started = Date.now();
  const run = await runAction(
    baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': caches.map((c) => c.id).join(','), 'max-parallel': '200' }),
    { timeoutMs: 120_000 }
  );
  const wallMs = Date.now() - started;
  const reads = statusRequests(from);
  const lists = reads.filter((r) => /\/cache\/status$/.test(r.path));
  process.stdout.write(
    `\n200 caches, max-parallel 200: wall ${(wallMs / 1000).toFixed(1)} s (slowest run 4.0 s); total status requests ${reads.length} ` +
      `(${lists.length} list reads, ${lists.filter((r) => r.path.includes('/catalog/cat-200/')).length} of them catalog-level; one cache alone: ${singleReads}); requests in all: ${sim.requests.length - from}\n`
  );

  expect(run.code).toBe(0);
  expect(caches.every((c) => sim.startedExecutions(c.id).length === 1)).toBe(true);
  expect(JSON.parse(run.outputs.result)).toHaveLength(200);
  expect(reads.length).toBeLessThanOrEqual(3 * singleReads);
  // After the first round has told each cache's catalog, every list is the catalog's.
  expect(lists.slice(1).every((r) => r.path.includes('/catalog/cat-200/cache/status'))).toBe(true);
  expect(sim.requests.slice(from).some((r) => r.path.includes('/schema/'))).toBe(false);
});

test('max-parallel bounds the executions followed at once', async () => {
  const caches = Array.from({ length: 6 }, () => sim.addCache({ schemaName: 'bounded' }));
  for (const c of caches) sim.planNext(c.id, 'incremental', { durationMs: 1_000 });
  const run = await runAction(
    baseInputs(sim.url, { operation: 'incremental', 'cache-id': caches.map((c) => c.id).join('\n'), 'max-parallel': '2' })
  );
  expect(run.code).toBe(0);
  expect(mostAtOnce(caches.map((c) => sim.startedExecutions(c.id)[0]))).toBe(2);
});

test('one failing cache fails the step after every cache has finished, with an annotation naming it', async () => {
  const [good1, bad, good2] = ['ok_a', 'broken', 'ok_b'].map((t) => sim.addCache({ schemaName: 'mixed', tableName: t }));
  sim.planNext(bad.id, 'full-refresh', { outcome: 'FAILED', error: 'Source is unreachable', durationMs: 300 });
  sim.planNext(good1.id, 'full-refresh', { durationMs: 2_000 });
  sim.planNext(good2.id, 'full-refresh', { durationMs: 2_000 });
  const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': `${good1.id}, ${bad.id}, ${good2.id}` }));
  expect(run.code).toBe(1);
  const result = JSON.parse(run.outputs.result) as { 'cache-id': string; status: string }[];
  expect(result.map((r) => r.status)).toEqual(['COMPLETED', 'FAILED', 'COMPLETED']);
  expect(run.outputs.status).toBe('FAILED');
  const errors = run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
  expect(errors[0]).toMatch(/^mixed\.broken: Full refresh .*FAILED.*Source is unreachable/);
  expect(errors.at(-1)).toBe('1 of 3 caches did not succeed (2 COMPLETED, 1 FAILED).');
});

test('a selection that matches nothing says what it looked for', async () => {
  const run = await runAction(baseInputs(sim.url, { operation: 'status', 'catalog-id': 'nope', 'schema-name': 'none' }));
  expect(run.code).toBe(1);
  expect(run.annotations.find((a) => a.level === 'error')!.message).toMatch(
    /^No cache in project mtKDhe1U matches catalog-id nope and schema-name none/
  );
});

test('a listed cache without an id (the contract allows it) is named in a warning; the others are worked on', async () => {
  const caches = ['alpha', 'beta'].map((tableName) => sim.addCache({ schemaName: 'idless', tableName, previous: { 'full-refresh': {} } }));
  sim.addCache({ schemaName: 'idless', tableName: 'gamma' });
  sim.fault({
    type: 'reshape',
    path: /\/cache\/status$/,
    reshape: (json) => (json as Record<string, unknown>[]).map(({ id, ...rest }) => (rest.tableName === 'gamma' ? rest : { id, ...rest }))
  });
  const run = await runAction(baseInputs(sim.url, { operation: 'status', 'schema-name': 'idless' }));
  expect(run.code).toBe(0);
  expect(run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toContainEqual(
    expect.stringMatching(/^Peaka listed 1 cache without an id \(idless\.gamma\); no operation can act on it/)
  );
  expect(run.outputs['cache-id'].split(',').sort()).toEqual(caches.map((c) => c.id).sort());
});

test('a status list over 1 MiB (each cache carries its action logs; lists have no excludeLogs) is still read', async () => {
  const caches = Array.from({ length: 5 }, (_, i) =>
    sim.addCache({ catalogId: 'logged-catalog', schemaName: 'logged', tableName: `t${i}`, previous: { 'full-refresh': {} } })
  );
  const logs = Array.from({ length: 1_500 }, (_, i) => ({
    timestamp: '2026-11-20T10:00:00Z',
    action: 'FULL_REFRESH_COMPLETED',
    message: `run ${i} `.padEnd(120, '.'),
    cacheType: 'FULL_REFRESH',
    isScheduled: true
  }));
  sim.fault({
    type: 'reshape',
    path: /\/cache\/status$/,
    times: 1_000,
    reshape: (json) => (json as object[]).map((entry) => ({ ...entry, cacheActionLogs: logs }))
  });
  // With catalog-id, the catalog's list is read (1.7 MB here), not the whole project's.
  const run = await runAction(baseInputs(sim.url, { operation: 'status', 'catalog-id': 'logged-catalog', 'schema-name': 'logged' }));
  expect(sim.requests.some((r) => r.path.includes('/catalog/logged-catalog/cache/status'))).toBe(true);
  sim.clearFaults();
  expect(run.code).toBe(0);
  expect(run.outputs['cache-id'].split(',').sort()).toEqual(caches.map((c) => c.id).sort());
});

test('caches whose turn comes after the timeout are reported as not started, and nothing is sent for them', async () => {
  const caches = Array.from({ length: 3 }, (_, i) =>
    sim.addCache({ catalogId: 'late-catalog', schemaName: 'late', tableName: `t${i}`, previous: { 'full-refresh': {} } })
  );
  for (const c of caches) sim.planNext(c.id, 'full-refresh', { durationMs: 60_000 });
  const run = await runAction(
    baseInputs(sim.url, {
      operation: 'full-refresh',
      'catalog-id': 'late-catalog',
      'schema-name': 'late',
      'max-parallel': '1',
      timeout: '4s',
      'poll-interval': '1s'
    })
  );
  const results = JSON.parse(run.outputs.result) as { 'cache-id': string; message: string; 'timed-out': boolean }[];
  const notStarted = results.filter((r) =>
    r.message.startsWith("Not started: the step's timeout was reached before this cache's turn (max-parallel 1)")
  );
  expect(notStarted).toHaveLength(2);
  for (const r of notStarted) {
    expect(r['timed-out']).toBe(true);
    expect(sim.requests.filter((q) => q.path.includes(r['cache-id']))).toEqual([]);
  }
  expect(run.outputs['timed-out']).toBe('true');
});
