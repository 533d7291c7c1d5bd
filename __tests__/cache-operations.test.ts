/** status, wait, history, cancel and the if-running policies, in-process against the simulator. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { latestExecution } from '../src/cache-operations.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { operationInputs, runOperationIn } from './helpers/run-operation.js';

const KEY = 'pk-cacheops-test-7b3d';
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 700, appearDelayMs: 200 } });
});
afterAll(() => sim.close());

const inputs = (extra: Record<string, string>) => operationInputs(sim.url, KEY, extra);
const triggers = (cacheId: string) => sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`${cacheId}/fullRefreshUpdate`)).length;

describe('if-running, when a full refresh already runs', () => {
  test('queue (default) triggers anyway and follows the new, queued one', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 1_000 });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    expect(triggers(cache.id)).toBe(1);
    expect(run.result['execution-id']).not.toBe(running.id);
    expect(run.result.status).toBe('COMPLETED');
  });

  test('attach follows the running one and triggers nothing', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 1_000 });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'attach' }));
    expect(triggers(cache.id)).toBe(0);
    expect(run.result).toMatchObject({ 'execution-id': running.id, status: 'COMPLETED' });
    expect(run.checkpoints).toBe(0);
  });

  test('skip does nothing, says so, and succeeds', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 30_000 });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'skip' }));
    expect(triggers(cache.id)).toBe(0);
    expect(run.outcome).toEqual({ conclusion: 'success', message: `Skipped: the full refresh ${running.id} is already running on cache ${cache.id} (if-running: skip).` });
    expect(run.result).toMatchObject({ 'execution-id': running.id, status: 'RUNNING' });
  });

  test('cancel cancels it, waits for it to end, then triggers and follows the new one', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 30_000 });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'cancel' }));
    expect(sim.statusAt(running, Date.now())).toBe('CANCELLED');
    expect(triggers(cache.id)).toBe(1);
    const cancelAt = sim.requests.find((r) => r.path.endsWith(`${cache.id}/cancelFullRefreshUpdate`))!.at;
    const triggerAt = sim.requests.find((r) => r.path.endsWith(`${cache.id}/fullRefreshUpdate`))!.at;
    expect(triggerAt).toBeGreaterThan(cancelAt);
    expect(run.result).toMatchObject({ status: 'COMPLETED' });
    expect(run.result['execution-id']).not.toBe(running.id);
  });

  test('with nothing running every policy triggers', async () => {
    for (const policy of ['attach', 'skip', 'cancel']) {
      const cache = sim.addCache({ previous: { 'full-refresh': {} } });
      const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'if-running': policy }));
      expect({ policy, triggers: triggers(cache.id), status: run.result.status }).toEqual({ policy, triggers: 1, status: 'COMPLETED' });
    }
  });
});

describe('wait', () => {
  test('follows the running execution of either kind to its end, sending no write', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const running = sim.startScheduled(cache.id, 'incremental', { durationMs: 1_000, records: 321 });
    const run = await runOperationIn(inputs({ operation: 'wait', 'cache-id': cache.id }));
    expect(run.result).toMatchObject({ 'execution-id': running.id, status: 'COMPLETED', 'cached-records': 321 });
    expect(sim.requests.filter((r) => r.path.includes(cache.id) && r.method !== 'GET')).toHaveLength(0);
  });

  test('execution-type narrows it to one kind', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.startScheduled(cache.id, 'incremental', { durationMs: 30_000 });
    const run = await runOperationIn(inputs({ operation: 'wait', 'cache-id': cache.id, 'execution-type': 'full-refresh' }));
    expect(run.result).toMatchObject({ 'execution-type': 'full-refresh', status: 'COMPLETED' });
    expect(run.outcome.message).toMatch(/^Nothing running; the last one ended\./);
  });

  test('with nothing running, a last execution that failed fails the gate', async () => {
    const cache = sim.addCache({ previous: { incremental: { outcome: 'FAILED', error: 'boom' } } });
    const run = await runOperationIn(inputs({ operation: 'wait', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.result).toMatchObject({ status: 'FAILED', error: 'boom' });
  });
});

describe('history', () => {
  test('lists the last executions, most recent first', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': { endedAgoMs: 90_000, records: 10 }, incremental: { endedAgoMs: 10_000, records: 5 } } });
    const run = await runOperationIn(inputs({ operation: 'history', 'cache-id': cache.id, 'history-limit': '5' }));
    expect(run.outcome.message).toMatch(/the last 2 executions, 2 completed/);
    expect(sim.requests.some((r) => r.path.endsWith(`${cache.id}/executionHistory?limit=5&offset=0`))).toBe(true);
  });
});

test('latestExecution picks the most recent of either kind', () => {
  const e = (kind: 'full-refresh' | 'incremental', createdAt: string) => ({ id: kind, kind, status: 'COMPLETED', createdAt });
  expect(latestExecution({ id: 'c', executions: { 'full-refresh': e('full-refresh', '2026-01-02T00:00:00Z'), incremental: e('incremental', '2026-01-01T00:00:00Z') } })!.kind).toBe('full-refresh');
  expect(latestExecution({ id: 'c', executions: {} })).toBeUndefined();
});
