/**
 * Operations in-process against the simulator: the recovery of writes whose answers were lost,
 * so that one step never starts two executions or creates two caches.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { operationInputs, runOperationIn } from './helpers/run-operation.js';

const KEY = 'pk-ops-test-1f0e';
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 800, appearDelayMs: 300 } });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

const inputs = (extra: Record<string, string>) => operationInputs(sim.url, KEY, extra, '60s');
const triggers = (cacheId: string) => sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`${cacheId}/fullRefreshUpdate`));

describe('a trigger whose answer is lost is not sent twice for one execution', () => {
  test.each([
    ['a 502 after the trigger took effect', { type: 'status', status: 502, afterEffect: true }],
    ['a connection dropped after the trigger took effect', { type: 'drop', afterEffect: true }],
    ['a 500 HTML page after the trigger took effect', { type: 'status', status: 500, body: 'html', afterEffect: true }]
  ] as const)('%s: the execution is adopted', async (_name, fault) => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.fault({ ...fault, path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(triggers(cache.id)).toHaveLength(1);
    expect(sim.startedExecutions(cache.id)).toHaveLength(1);
    expect(run.log.join('\n')).toContain('did start; following it instead of triggering again');
  });

  test.each([
    ['a 503 before the trigger took effect', { type: 'status', status: 503 }],
    ['a dropped connection before the trigger took effect', { type: 'drop' }]
  ] as const)('%s: it is sent again, once', async (_name, fault) => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.fault({ ...fault, path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(triggers(cache.id)).toHaveLength(2);
    expect(sim.startedExecutions(cache.id)).toHaveLength(1);
  });

  test('429 with Retry-After: sent again after the wait, without looking first', async () => {
    const cache = sim.addCache();
    sim.fault({ type: 'status', status: 429, retryAfter: '1', path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    const sent = triggers(cache.id);
    expect(sent).toHaveLength(2);
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(950);
  });

  test('a trigger refused every time fails with the count of attempts and no execution', async () => {
    const cache = sim.addCache();
    sim.fault({ type: 'status', status: 503, times: 10, path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toMatch(/^Failed starting a full refresh of cache .*: Peaka answered HTTP 503/);
    expect(sim.startedExecutions(cache.id)).toHaveLength(0);
  });

  test('401 is not retried', async () => {
    const cache = sim.addCache();
    const run = await runOperationIn({ ...inputs({ operation: 'full-refresh', 'cache-id': cache.id }), 'api-key': 'wrong-key-123' });
    expect(run.outcome.message).toMatch(/HTTP 401: Invalid API key \(error code 100\)\. Check that api-key holds/);
    expect(run.requests).toBe(1);
  });
});

describe('a create whose answer is lost does not create twice', () => {
  test.each([
    ['a 500 after the cache was created', { type: 'status', status: 500, body: 'html', afterEffect: true }],
    ['a dropped connection after the cache was created', { type: 'drop', afterEffect: true }],
    ['a malformed answer', { type: 'malformed', afterEffect: true }]
  ] as const)('%s: the cache is found by its table and adopted', async (_name, fault) => {
    const table = `t_${Math.random().toString(36).slice(2, 8)}`;
    sim.fault({ ...fault, method: 'POST', path: /\/cache$/ });
    const run = await runOperationIn(inputs({ operation: 'create', 'catalog-id': 'c9', 'schema-name': 's', 'table-name': table }));
    const made = [...sim.caches.values()].filter((c) => c.tableName === table);
    expect(made).toHaveLength(1);
    expect(run.outcome.conclusion).toBe('success');
    expect(run.result['cache-id']).toBe(made[0].id);
  });
});

describe('cancel', () => {
  test('a cancel refused with the live API\'s 500 is retried', async () => {
    const cache = sim.addCache();
    sim.startScheduled(cache.id, 'incremental', { durationMs: 30_000 });
    sim.fault({ type: 'status', status: 500, body: 'html', path: `${cache.id}/cancelIncrementalUpdate` });
    const run = await runOperationIn(inputs({ operation: 'cancel-incremental', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(run.result.status).toBe('CANCELLED');
  });

  test('a run that ends before the cancel arrives is a notice, not an error', async () => {
    const cache = sim.addCache();
    sim.startScheduled(cache.id, 'full-refresh', { durationMs: 30_000 });
    sim.fault({ type: 'status', status: 404, path: `${cache.id}/cancelFullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'cancel-full-refresh', 'cache-id': cache.id }));
    expect(run.outcome).toMatchObject({ conclusion: 'success' });
    expect(run.outcome.message).toContain('ended before the cancel arrived');
  });
});
