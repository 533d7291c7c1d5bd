/**
 * max-age against the simulator, in-process: the freshness gate of status and wait on both sides
 * of the boundary, the history searched when the last execution did not complete, and triggers
 * that skip fresh caches.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { aggregateFreshness, describeFreshness, judge } from '../src/operations/freshness.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { operationInputs, runOn } from './helpers/run-operation.js';

const KEY = 'pk-fresh-test-7c21';
const MIN = 60_000;
/** The simulator and the step share a virtual clock: their waits take no real time. */
const clock = new VirtualClock(Date.now());
const runOperationIn = runOn(clock);
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 800, appearDelayMs: 200 }, clock });
});
afterAll(() => sim.close());

const run = (extra: Record<string, string>) => runOperationIn(operationInputs(sim.url, KEY, extra));
const posts = (cacheId: string) => sim.requests.filter((r) => r.method === 'POST' && r.path.includes(cacheId));
const historyReads = (cacheId: string) => sim.requests.filter((r) => r.path.includes(`${cacheId}/executionHistory`)).length;

describe('status with max-age', () => {
  test.each([
    ['59 minutes ago, max-age 1h: fresh', 59 * MIN, 'success', true],
    ['61 minutes ago, max-age 1h: stale, the step fails', 61 * MIN, 'failure', false]
  ] as const)('last success %s', async (_name, endedAgoMs, conclusion, fresh) => {
    const cache = sim.addCache({ schemaName: 'payment', tableName: 'invoices', previous: { 'full-refresh': { endedAgoMs } } });
    const { outcome, result } = await run({ operation: 'status', 'cache-id': cache.id, 'max-age': '1h' });
    expect(outcome.conclusion).toBe(conclusion);
    expect(result.fresh).toBe(fresh);
    expect(result['age-seconds']).toBeGreaterThanOrEqual(endedAgoMs / 1000);
    expect(result['age-seconds']).toBeLessThan(endedAgoMs / 1000 + 30);
    expect(Date.parse(result['last-success-at']!)).toBeCloseTo(clock.now() - endedAgoMs, -5);
    expect(outcome.message).toMatch(
      fresh
        ? /^Fresh: the last COMPLETED full refresh finished 59m( \d+s)? ago .*, within max-age 1h\./
        : /^Stale: the last COMPLETED full refresh finished 1h 1m( \d+s)? ago .*, longer than max-age 1h\./
    );
    expect(historyReads(cache.id)).toBe(0);
  });

  test('with fail-on-error: false a stale cache is a warning', async () => {
    const cache = sim.addCache({ previous: { incremental: { endedAgoMs: 3 * 60 * MIN } } });
    expect((await run({ operation: 'status', 'cache-id': cache.id, 'max-age': '2h', 'fail-on-error': 'false' })).outcome.conclusion).toBe(
      'warning'
    );
  });

  test('execution-type chooses which kind counts', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': { endedAgoMs: 5 * MIN }, incremental: { endedAgoMs: 3 * 60 * MIN } } });
    expect((await run({ operation: 'status', 'cache-id': cache.id, 'max-age': '1h' })).result.fresh).toBe(true);
    const incremental = await run({ operation: 'status', 'cache-id': cache.id, 'max-age': '1h', 'execution-type': 'incremental' });
    expect(incremental.result.fresh).toBe(false);
    expect(incremental.outcome.message).toMatch(/^Stale: the last COMPLETED incremental sync finished 3h/);
  });

  test('the last run failed: the history gives the last one that completed', async () => {
    const cache = sim.addCache({ schemaName: 'payment', tableName: 'refunds' });
    const completed = sim.addPast(cache.id, 'full-refresh', { endedAgoMs: 3 * 60 * MIN });
    sim.addPast(cache.id, 'full-refresh', { endedAgoMs: 10 * MIN, outcome: 'FAILED', error: 'source down' });
    const fresh = await run({ operation: 'status', 'cache-id': cache.id, 'max-age': '4h' });
    expect(fresh.outcome.conclusion).toBe('success');
    expect(fresh.result['last-success-at']).toBe(new Date(completed.startAt + completed.durationMs).toISOString());
    expect(fresh.result.status).toBe('FAILED');
    expect(historyReads(cache.id)).toBe(1);
    expect((await run({ operation: 'status', 'cache-id': cache.id, 'max-age': '2h' })).outcome.conclusion).toBe('failure');
  });

  test('never completed: stale, and said so', async () => {
    const cache = sim.addCache();
    sim.addPast(cache.id, 'incremental', { endedAgoMs: MIN, outcome: 'FAILED' });
    const { outcome, result } = await run({ operation: 'status', 'cache-id': cache.id, 'max-age': '30d' });
    expect(outcome.conclusion).toBe('failure');
    expect(result).toMatchObject({ fresh: false, 'last-success-at': undefined });
    expect(outcome.message).toMatch(/^Stale: no COMPLETED execution in what Peaka keeps/);
  });
});

describe('wait with max-age', () => {
  test('the running execution that completes makes the cache fresh', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': { endedAgoMs: 10 * 60 * MIN } } });
    sim.startScheduled(cache.id, 'full-refresh', { durationMs: 1_500 });
    const { outcome, result } = await run({ operation: 'wait', 'cache-id': cache.id, 'max-age': '1h' });
    expect(outcome.conclusion).toBe('success');
    expect(result).toMatchObject({ fresh: true, status: 'COMPLETED' });
    expect(result['age-seconds']).toBeLessThan(30);
  });

  test('fresh data but a failed last run: passes, as a warning', async () => {
    const cache = sim.addCache();
    sim.addPast(cache.id, 'full-refresh', { endedAgoMs: 20 * MIN });
    sim.addPast(cache.id, 'full-refresh', { endedAgoMs: MIN, outcome: 'FAILED' });
    const { outcome } = await run({ operation: 'wait', 'cache-id': cache.id, 'max-age': '1h' });
    expect(outcome.conclusion).toBe('warning');
    expect(outcome.message).toMatch(/^Fresh: .* Nothing running; the last one ended\. Full refresh .*FAILED/);
  });
});

describe('triggers with max-age', () => {
  test('a cache refreshed within max-age is skipped: no trigger, a notice, outputs say skipped', async () => {
    const cache = sim.addCache({ schemaName: 'payment', tableName: 'fx_rates', previous: { 'full-refresh': { endedAgoMs: 30 * MIN } } });
    const { outcome, result, log } = await run({ operation: 'full-refresh', 'cache-id': cache.id, 'max-age': '6h' });
    expect(outcome).toMatchObject({ conclusion: 'success' });
    expect(outcome.message).toMatch(
      /^Skipped cache payment\.fx_rates: the last COMPLETED full refresh finished 30m( \d+s)? ago .*, within max-age 6h\.$/
    );
    expect(log.filter((l) => l.startsWith('notice: Skipped'))).toHaveLength(1);
    expect(posts(cache.id)).toEqual([]);
    expect(result).toMatchObject({ skipped: true, fresh: true });
    // The last run is not this step's: it shows as the last success, never as the step's execution or in its counts.
    expect(result['last-success-at']).toBe(new Date(cache.executions[0].startAt + cache.executions[0].durationMs).toISOString());
    expect(result['execution-id']).toBeUndefined();
    expect(result['cached-records']).toBeUndefined();
  });

  test('another kind does not count: a recent incremental sync does not skip a stale full refresh', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': { endedAgoMs: 7 * 60 * MIN }, incremental: { endedAgoMs: MIN } } });
    const { outcome, result, log } = await run({ operation: 'full-refresh', 'cache-id': cache.id, 'max-age': '6h' });
    expect(outcome.conclusion).toBe('success');
    expect(posts(cache.id)).toHaveLength(1);
    expect(log.join('\n')).toMatch(/Stale: the last COMPLETED full refresh finished 7h.* Starting full refresh/);
    expect(result).toMatchObject({ skipped: false, fresh: true, status: 'COMPLETED' });
  });

  test('an incremental with max-age and no completed incremental yet is triggered', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': { endedAgoMs: MIN } } });
    const { result } = await run({ operation: 'incremental', 'cache-id': cache.id, 'max-age': '1d' });
    expect(posts(cache.id)).toHaveLength(1);
    expect(result.skipped).toBe(false);
  });
});

test('several caches: fresh only if all are, the oldest last success, skipped only if every one was', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const a = judge(
    3_600_000,
    ['full-refresh'],
    { id: 'x', kind: 'full-refresh', status: 'COMPLETED', finishedAt: new Date(now - 600_000).toISOString() },
    now
  );
  const b = judge(
    3_600_000,
    ['full-refresh'],
    { id: 'y', kind: 'full-refresh', status: 'COMPLETED', finishedAt: new Date(now - 7_200_000).toISOString() },
    now
  );
  const fields = (f: typeof a, skipped: boolean) => ({
    fresh: f.fresh,
    'last-success-at': f.lastSuccessAt,
    'age-seconds': f.ageSeconds,
    skipped
  });
  expect(aggregateFreshness([fields(a, true), fields(b, false)])).toEqual({
    fresh: false,
    'last-success-at': b.lastSuccessAt,
    'age-seconds': 7200,
    skipped: false
  });
  expect(aggregateFreshness([fields(a, true), { fresh: false, skipped: false }])).toMatchObject({
    fresh: false,
    'last-success-at': undefined
  });
  expect(aggregateFreshness([{}, {}])).toEqual({});
  expect(describeFreshness(b)).toMatch(/^Stale: the last COMPLETED full refresh finished 2h ago \(.*\), longer than max-age 1h\.$/);
});

test('a last success that ends in the future (past clock skew) is not fresh: it vouches for nothing', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const ahead = judge(
    6 * 3_600_000,
    ['full-refresh'],
    { id: 'f', kind: 'full-refresh', status: 'COMPLETED', finishedAt: '2026-11-22T22:00:00Z' },
    now
  );
  expect(ahead).toMatchObject({ fresh: false, inFuture: true });
  expect(describeFreshness(ahead)).toBe(
    'Stale: the last COMPLETED full refresh says it finished at 2026-11-22T22:00:00Z, in the future; a time that has not come yet vouches for nothing (max-age 6h).'
  );
  // A minute ahead is a clock that differs, not a bad time: it counts as now.
  expect(
    judge(6 * 3_600_000, ['full-refresh'], { id: 'g', kind: 'full-refresh', status: 'COMPLETED', finishedAt: '2026-11-22T12:01:00Z' }, now)
  ).toMatchObject({ fresh: true, ageSeconds: 0 });
});
