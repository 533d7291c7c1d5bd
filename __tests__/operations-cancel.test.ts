/** cancel-full-refresh and cancel-incremental (operations/cancel.ts) in-process against the simulator. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { operationInputs, runOn } from './helpers/run-operation.js';

const KEY = 'pk-cancel-test-3c8a';
/** The simulator and the step share a virtual clock: their waits take no real time. */
const clock = new VirtualClock(Date.now());
const runOperationIn = runOn(clock);
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 800, appearDelayMs: 300 }, clock });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

const inputs = (extra: Record<string, string>) => operationInputs(sim.url, KEY, extra, '60s');

describe('cancel', () => {
  test("a cancel refused with the live API's 500 is retried", async () => {
    const cache = sim.addCache();
    sim.startScheduled(cache.id, 'incremental', { durationMs: 30_000 });
    sim.fault({ type: 'status', status: 500, body: 'html', path: `${cache.id}/cancelIncrementalUpdate` });
    const run = await runOperationIn(inputs({ operation: 'cancel-incremental', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(run.result.status).toBe('CANCELLED');
  });

  test("a cancel whose 502 hid that it took effect: the retry's 404 is checked by a read and reported as the cancel it was", async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 30_000 });
    sim.fault({ type: 'status', status: 502, afterEffect: true, path: `${cache.id}/cancelFullRefreshUpdate` });
    // The retry is handled once the first attempt's cancel has taken effect (the simulator's 200 ms).
    sim.fault({ type: 'slow', delayMs: 500, path: `${cache.id}/cancelFullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'cancel-full-refresh', 'cache-id': cache.id }));
    expect(sim.requests.filter((r) => r.path.endsWith(`${cache.id}/cancelFullRefreshUpdate`)).map((r) => r.outcome)).toEqual([502, 404]);
    expect(run.outcome.conclusion).toBe('success');
    expect(run.outcome.message).toMatch(new RegExp(`^Cancelled\\. Full refresh ${running.id}: CANCELLED`));
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
