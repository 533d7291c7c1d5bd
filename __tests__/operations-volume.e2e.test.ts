/**
 * min-records and max-drop end to end: the bundled action (dist/) as the runner runs it, against the
 * simulator, whose caches are given past executions (addPast) and planned next ones (planNext).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { PARTNER_KEY, baseInputs, runAction } from './helpers/run-action.js';
import { exampleInputs } from './helpers/example-step.js';
import { createRepo, eventEnv } from './helpers/git-repo.js';

const HOUR = 3_600_000;
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [PARTNER_KEY], defaultPlan: { durationMs: 600, records: 1_000, appearDelayMs: 150 } });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

type Run = Awaited<ReturnType<typeof runAction>>;
/** A followed trigger reads the history once of itself (looking for rival executions): the gate reuses it. */
const TRIGGER_READS = 1;
const historyReads = (cacheId: string) =>
  sim.requests.filter((r) => r.method === 'GET' && r.path.includes(`${cacheId}/executionHistory`)).length;
const errors = (run: Run) => run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
const last = (run: Run) => run.annotations.at(-1)!;

/** A cache whose last full refresh completed an hour ago with `records`. */
function cacheWithFullRefresh(records: number, table?: string) {
  const cache = sim.addCache({ catalogId: 'cat-volume', schemaName: 'volume', tableName: table });
  sim.addPast(cache.id, 'full-refresh', { records, endedAgoMs: HOUR });
  return cache;
}

describe('full refresh', () => {
  test('max-drop: a fall of 40% from the previous COMPLETED full refresh fails the step, naming before and after', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.planNext(cache.id, 'full-refresh', { records: 600 });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'max-drop': '30%' }));
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'COMPLETED',
      volume: 'dropped',
      'previous-cached-records': '1000',
      'records-change': '-40.0%',
      'cached-records': '600'
    });
    expect(last(run)).toMatchObject({ level: 'error' });
    expect(last(run).message).toMatch(
      /^Volume dropped: the full refresh \S+ cached 600 records, -40\.0% from 1,000 at the previous COMPLETED full refresh \S+ \(max-drop 30%\)\. /
    );
    // The slot seen before the trigger was the previous run: no history read was added.
    expect(historyReads(cache.id)).toBe(TRIGGER_READS);
    expect(run.summary).toContain('<h3>Volume (max-drop 30%)</h3>');
  });

  test('max-drop: a fall just over the limit is shown with the decimals that make it over, never as the limit itself', async () => {
    const cache = cacheWithFullRefresh(1_000_000);
    sim.planNext(cache.id, 'full-refresh', { records: 699_999 });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'max-drop': '30%' }));
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ volume: 'dropped', 'records-change': '-30.0001%' });
    expect(last(run).message).toContain('-30.0001% from 1,000,000');
  });

  test('wait: false: the execution is not followed to its end, so the volume is not judged, however fast it ends', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.planNext(cache.id, 'full-refresh', { records: 10, durationMs: 200 });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'max-drop': '30%', wait: 'false' }));
    expect(run.code).toBe(0);
    expect(run.outputs.volume).toBe('unknown');
  });

  test('a negative count from Peaka is no count: left out, and the drop is not judged from it', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.planNext(cache.id, 'full-refresh', { records: 700 });
    // The previous full refresh's count, wherever an answer carries it, is -1,000.
    const negative = (json: unknown): unknown =>
      Array.isArray(json)
        ? json.map(negative)
        : json && typeof json === 'object'
          ? Object.fromEntries(
              Object.entries(json).map(([k, v]) => [k, k === 'numberOfCachedRecords' && v === 1_000 ? -1_000 : negative(v)])
            )
          : json;
    sim.fault({ type: 'reshape', path: cache.id, times: 1_000, reshape: negative });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'max-drop': '30%' }));
    expect(run.outputs.volume).toBe('unknown');
    expect(run.outputs['previous-cached-records']).toBeUndefined();
    expect(last(run).message).toContain('the full refreshes reported no cached records, so max-drop 30% was not judged');
  });

  test('max-drop: a fall of 20% passes, with the change in the outputs', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.planNext(cache.id, 'full-refresh', { records: 800 });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'max-drop': '30%' }));
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ volume: 'ok', 'previous-cached-records': '1000', 'records-change': '-20.0%' });
    expect(last(run).message).toMatch(/Volume ok: -20\.0% from 1,000 at the previous COMPLETED full refresh \S+ \(max-drop 30%\)\.$/);
  });

  test('the previous full refresh failed: the one COMPLETED before it is found in the history the step read', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.addPast(cache.id, 'full-refresh', { records: 10, outcome: 'FAILED', endedAgoMs: HOUR / 2 });
    sim.planNext(cache.id, 'full-refresh', { records: 100 });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'max-drop': '50%' }));
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ volume: 'dropped', 'previous-cached-records': '1000', 'records-change': '-90.0%' });
    expect(historyReads(cache.id)).toBe(TRIGGER_READS);
  });

  test('min-records: both sides of the line', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.planNext(cache.id, 'full-refresh', { records: 499 });
    sim.planNext(cache.id, 'full-refresh', { records: 500 });
    const below = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'min-records': '500' }));
    expect(below.code).toBe(1);
    expect(below.outputs.volume).toBe('below-minimum');
    expect(last(below).message).toMatch(/^Volume below-minimum: the full refresh \S+ cached 499 records, below min-records 500\./);
    const at = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'min-records': '500' }));
    expect(at.code).toBe(0);
    expect(at.outputs.volume).toBe('ok');
    expect(last(at).message).toMatch(/Volume ok: 500 records cached \(min-records 500\)\.$/);
    // min-records alone needs no history.
    expect(historyReads(cache.id)).toBe(2 * TRIGGER_READS);
  });

  test('no previous run: a notice, not a failure, and volume unknown', async () => {
    const cache = sim.addCache({ catalogId: 'cat-volume', schemaName: 'volume' });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'max-drop': '30%' }));
    expect(run.code).toBe(0);
    expect(run.outputs.volume).toBe('unknown');
    expect(run.outputs['previous-cached-records']).toBeUndefined();
    expect(
      run.annotations.some(
        (a) =>
          a.level === 'notice' &&
          a.message.startsWith('Volume not fully judged: no earlier COMPLETED full refresh of the cache to compare with')
      )
    ).toBe(true);
    expect(errors(run)).toEqual([]);
  });

  test('fail-on-error: false turns a drop into a warning, and the step passes', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.planNext(cache.id, 'full-refresh', { records: 100 });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'max-drop': '30%', 'fail-on-error': 'false' })
    );
    expect(run.code).toBe(0);
    expect(run.outputs.volume).toBe('dropped');
    expect(last(run)).toMatchObject({ level: 'warning' });
    expect(last(run).message).toMatch(/^Volume dropped: /);
  });
});

describe('incremental', () => {
  // The simulator's incremental deletes a tenth of the records it processes.
  test('max-drop: deletes over 30% of the last full refresh fail; under it pass', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.planNext(cache.id, 'incremental', { records: 5_000 });
    sim.planNext(cache.id, 'incremental', { records: 1_000 });
    const mass = await runAction(baseInputs(sim.url, { operation: 'incremental', 'cache-id': cache.id, 'max-drop': '30%' }));
    expect(mass.code).toBe(1);
    expect(mass.outputs).toMatchObject({
      volume: 'dropped',
      'deleted-records': '500',
      'previous-cached-records': '1000',
      'records-change': '-50.0%'
    });
    expect(last(mass).message).toMatch(
      /^Volume dropped: the incremental sync \S+ deleted 500 records, 50\.0% of the 1,000 the last full refresh \S+ cached \(max-drop 30%\); an upstream truncate/
    );
    const normal = await runAction(baseInputs(sim.url, { operation: 'incremental', 'cache-id': cache.id, 'max-drop': '30%' }));
    expect(normal.code).toBe(0);
    expect(normal.outputs).toMatchObject({ volume: 'ok', 'records-change': '-10.0%' });
    // The status showed the COMPLETED full refresh: nothing more was read.
    expect(historyReads(cache.id)).toBe(2 * TRIGGER_READS);
  });

  test('min-records: an incremental that cached too few records fails', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.planNext(cache.id, 'incremental', { records: 20 });
    const run = await runAction(baseInputs(sim.url, { operation: 'incremental', 'cache-id': cache.id, 'min-records': '50' }));
    expect(run.code).toBe(1);
    expect(run.outputs.volume).toBe('below-minimum');
  });

  test('no full refresh ever completed: a notice, not a failure', async () => {
    const cache = sim.addCache({ catalogId: 'cat-volume', schemaName: 'volume' });
    const run = await runAction(baseInputs(sim.url, { operation: 'incremental', 'cache-id': cache.id, 'max-drop': '30%' }));
    expect(run.code).toBe(0);
    expect(run.outputs.volume).toBe('unknown');
    // The history the trigger read was the whole of it: no full refresh, and nothing read again.
    expect(historyReads(cache.id)).toBe(TRIGGER_READS);
  });
});

describe('status and several caches', () => {
  test('status judges the last COMPLETED execution of execution-type', async () => {
    const cache = cacheWithFullRefresh(1_000);
    sim.addPast(cache.id, 'full-refresh', { records: 200, endedAgoMs: HOUR / 2 });
    sim.addPast(cache.id, 'incremental', { records: 10, endedAgoMs: HOUR / 4 });
    const run = await runAction(
      baseInputs(sim.url, {
        operation: 'status',
        'cache-id': cache.id,
        'execution-type': 'full-refresh',
        'max-drop': '50%',
        'min-records': '100'
      })
    );
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ volume: 'dropped', 'previous-cached-records': '1000', 'records-change': '-80.0%' });
    // The previous full refresh is only in the history: one read.
    expect(historyReads(cache.id)).toBe(1);
  });

  test('three caches, one dropping: each judged on its own, the step fails, the failing one is listed first with before and after', async () => {
    const caches = ['a_ok', 'b_drop', 'c_ok'].map((t) => cacheWithFullRefresh(1_000, t));
    sim.planNext(caches[0].id, 'full-refresh', { records: 1_100 });
    sim.planNext(caches[1].id, 'full-refresh', { records: 300 });
    sim.planNext(caches[2].id, 'full-refresh', { records: 950 });
    const run = await runAction(
      baseInputs(sim.url, {
        operation: 'full-refresh',
        'cache-id': caches.map((c) => c.id).join(','),
        'max-drop': '30%',
        'min-records': '10'
      })
    );
    expect(run.code).toBe(1);
    const result = JSON.parse(run.outputs.result) as { table: string; volume: string; 'records-change': string; conclusion: string }[];
    expect(result.map((r) => [r.table, r.volume, r['records-change'], r.conclusion])).toEqual([
      ['volume.a_ok', 'ok', '+10.0%', 'success'],
      ['volume.b_drop', 'dropped', '-70.0%', 'failure'],
      ['volume.c_ok', 'ok', '-5.0%', 'success']
    ]);
    expect(run.outputs).toMatchObject({ volume: 'dropped', 'previous-cached-records': '3000' });
    expect(errors(run)[0]).toMatch(/^volume\.b_drop: Volume dropped: the full refresh \S+ cached 300 records, -70\.0% from 1,000/);
    const section = run.summary.slice(run.summary.indexOf('<h3>Volume (min-records 10, max-drop 30%)</h3>'));
    expect(section).toMatch(
      /^<h3>Volume \(min-records 10, max-drop 30%\)<\/h3>\n<table><tr><th>Cache<\/th><th>Volume<\/th><th>Before<\/th><th>After<\/th><th>Change<\/th><\/tr><tr><td>volume\.b_drop<\/td><td>❌ dropped<\/td><td>1,000<\/td><td>300<\/td><td>-70\.0%<\/td><\/tr>/
    );
    expect(caches.map((c) => historyReads(c.id))).toEqual([TRIGGER_READS, TRIGGER_READS, TRIGGER_READS]);
  });

  test('bad values of both inputs are reported together, before any request', async () => {
    const before = sim.requests.length;
    const run = await runAction(
      baseInputs(sim.url, {
        operation: 'full-refresh',
        'cache-id': '960bd651-7b3c-4511-9a88-18e14ac7742a',
        'max-drop': '0.3',
        'min-records': 'many'
      })
    );
    expect(run.code).toBe(1);
    expect(errors(run)[0]).toBe(
      '2 inputs need fixing:\n  - Input \'min-records\' is "many"; use a whole number of records from 0 up, such as 1000.\n  - Input \'max-drop\' is "0.3"; use a percentage from 0% to 100% with its % sign, such as 30%.'
    );
    expect(sim.requests.length).toBe(before);
  });
});

test('examples/refresh-on-merge-with-volume-gate.yml works as written: the merge refreshes the touched caches, and a drop fails the step', async () => {
  // The example's catalog is the simulator's default one.
  const kept = sim.addCache({ schemaName: 'gate', tableName: 'orders' });
  const lost = sim.addCache({ schemaName: 'gate', tableName: 'customers' });
  sim.addPast(kept.id, 'full-refresh', { records: 1_000, endedAgoMs: HOUR });
  sim.addPast(lost.id, 'full-refresh', { records: 1_000, endedAgoMs: HOUR });
  sim.planNext(kept.id, 'full-refresh', { records: 990 });
  sim.planNext(lost.id, 'full-refresh', { records: 100 });
  const repo = createRepo();
  const before = repo.commit({ 'migrations/V1__init.sql': 'CREATE TABLE gate.orders (id int);\nCREATE TABLE gate.customers (id int);\n' });
  const after = repo.commit({
    'migrations/V2__note.sql': 'ALTER TABLE gate.orders ADD COLUMN note text;\nDELETE FROM gate.customers WHERE id < 0;\n'
  });
  const run = await runAction(exampleInputs('refresh-on-merge-with-volume-gate.yml', PARTNER_KEY, sim.url), {
    env: { ...eventEnv('push', { before, after }), GITHUB_WORKSPACE: repo.dir }
  });
  expect(run.code).toBe(1);
  const result = JSON.parse(run.outputs.result) as { table: string; volume: string }[];
  expect(result.map((r) => [r.table, r.volume])).toEqual([
    ['gate.orders', 'ok'],
    ['gate.customers', 'dropped']
  ]);
  expect(run.outputs.volume).toBe('dropped');
});
