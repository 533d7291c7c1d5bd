/** status, wait and history (operations/inspect.ts) in-process against the simulator. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { latestExecution } from '../src/operations/inspect.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { operationInputs, runOn } from './helpers/run-operation.js';
import { waitFor } from './helpers/wait-for.js';

const KEY = 'pk-cacheops-test-7b3d';
/** The simulator and the step share a virtual clock: their waits take no real time. */
const clock = new VirtualClock(Date.now());
const runOperationIn = runOn(clock);
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 700, appearDelayMs: 200 }, clock });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

const inputs = (extra: Record<string, string>) => operationInputs(sim.url, KEY, extra);
const triggers = (cacheId: string) =>
  sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`${cacheId}/fullRefreshUpdate`)).length;

describe('wait', () => {
  test('with no execution of that type ever, the gate fails (warns with fail-on-error: false), naming what is missing', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const gate = await runOperationIn(inputs({ operation: 'wait', 'cache-id': cache.id, 'execution-type': 'incremental' }));
    expect(gate.outcome).toEqual({
      conclusion: 'failure',
      message: `Nothing to wait for or judge: cache payment.${cache.tableName} (${cache.id}) has had no incremental sync yet. Trigger one (operation: full-refresh or incremental) before gating on it.`
    });
    const soft = await runOperationIn(
      inputs({ operation: 'wait', 'cache-id': cache.id, 'execution-type': 'incremental', 'fail-on-error': 'false' })
    );
    expect(soft.outcome.conclusion).toBe('warning');
  });

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

describe('a status other than COMPLETED, FAILED or CANCELLED, in any letter case, has not ended', () => {
  /** Every execution status in the status answers, lower-cased (the contract's status is a free string). */
  const lowerCaseStatuses = () =>
    sim.fault({
      type: 'reshape',
      path: '/status',
      times: 1_000,
      reshape: (json) => {
        const status = { ...(json as Record<string, Record<string, unknown> | undefined>) };
        for (const slot of ['lastFullRefreshCacheExecution', 'lastIncrementalCacheExecution']) {
          const e = status[slot];
          if (e) status[slot] = { ...e, status: String(e.status).toLowerCase() };
        }
        return status;
      }
    });

  test('wait follows a QUEUED execution through RUNNING to its end', async () => {
    const cache = sim.addCache();
    const queued = sim.startScheduled(cache.id, 'incremental', { queuedMs: 800, durationMs: 400, records: 12 });
    const run = await runOperationIn(inputs({ operation: 'wait', 'cache-id': cache.id }));
    expect(run.result).toMatchObject({ 'execution-id': queued.id, status: 'COMPLETED', 'cached-records': 12 });
  });

  test('wait follows a "queued" (lower case) execution to its "completed" end', async () => {
    const cache = sim.addCache();
    const queued = sim.startScheduled(cache.id, 'full-refresh', { queuedMs: 500, durationMs: 500 });
    lowerCaseStatuses();
    const run = await runOperationIn(inputs({ operation: 'wait', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(run.result).toMatchObject({ 'execution-id': queued.id, status: 'COMPLETED' });
  });

  test('if-running: skip sees a QUEUED one as running', async () => {
    const cache = sim.addCache();
    const queued = sim.startScheduled(cache.id, 'full-refresh', { queuedMs: 5_000 });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'skip' }));
    expect(run.outcome.message).toBe(`Skipped: the full refresh ${queued.id} is already running on cache ${cache.id} (if-running: skip).`);
    expect(triggers(cache.id)).toBe(0);
  });

  test('cancel-full-refresh cancels a QUEUED one', async () => {
    const cache = sim.addCache();
    const queued = sim.startScheduled(cache.id, 'full-refresh', { queuedMs: 5_000 });
    const run = await runOperationIn(inputs({ operation: 'cancel-full-refresh', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(run.result).toMatchObject({ 'execution-id': queued.id, status: 'CANCELLED' });
  });

  test('cancel-on-timeout cancels the step\'s execution that is still "pending"', async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'full-refresh', { queuedMs: 60_000 });
    sim.fault({
      type: 'reshape',
      path: '/status',
      times: 1_000,
      reshape: (json) => {
        const e = (json as Record<string, Record<string, unknown> | undefined>).lastFullRefreshCacheExecution;
        return e?.status === 'QUEUED' ? { ...(json as object), lastFullRefreshCacheExecution: { ...e, status: 'pending' } } : json;
      }
    });
    const run = await runOperationIn(
      operationInputs(sim.url, KEY, { operation: 'full-refresh', 'cache-id': cache.id, 'cancel-on-timeout': 'true' }, '3s')
    );
    expect(run.result).toMatchObject({ 'timed-out': true, status: 'CANCELLED' });
    expect(run.outcome.message).toContain('It was cancelled (cancel-on-timeout).');
    expect(sim.requests.filter((r) => r.path.endsWith(`${cache.id}/cancelFullRefreshUpdate`))).toHaveLength(1);
  });
});

describe('wait with execution-id: that execution, and no other', () => {
  const triggerNow = async (cacheId: string) => {
    const answer = await fetch(`${sim.url}/data/projects/mtKDhe1U/cache/${cacheId}/incrementalUpdate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}` }
    });
    expect(answer.status).toBe(200);
    return sim.startedExecutions(cacheId, 'incremental').at(-1)!;
  };

  test('not in the status yet (queued): waits for it to appear, then follows it to its end, not the run ahead of it', async () => {
    const cache = sim.addCache({ previous: { incremental: {} } });
    const ahead = sim.startScheduled(cache.id, 'incremental', { durationMs: 2_000 });
    sim.planNext(cache.id, 'incremental', { appearDelayMs: 2_500, durationMs: 800 });
    const mine = await triggerNow(cache.id);
    const run = await runOperationIn(inputs({ operation: 'wait', 'cache-id': cache.id, 'execution-id': mine.id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(run.result).toMatchObject({ 'execution-id': mine.id, status: 'COMPLETED' });
    expect(run.log.join('\n')).toContain(`Execution ${mine.id} is not in the status of cache`);
    expect(sim.statusAt(ahead, clock.now())).toBe('COMPLETED');
  });

  test('already ended and replaced by a newer run: judged from the history (a failure fails the gate, whatever the newer one did)', async () => {
    const cache = sim.addCache({ previous: { incremental: {} } });
    sim.planNext(cache.id, 'incremental', { appearDelayMs: 0, durationMs: 200, outcome: 'FAILED', error: 'source table locked' });
    const mine = await triggerNow(cache.id);
    await clock.run(waitFor(() => sim.statusAt(mine, clock.now()) === 'FAILED', 'the execution to fail', { clock }));
    const newer = sim.startScheduled(cache.id, 'incremental', { durationMs: 200 });
    await clock.run(waitFor(() => sim.statusAt(newer, clock.now()) === 'COMPLETED', 'the newer run to complete', { clock }));
    const run = await runOperationIn(inputs({ operation: 'wait', 'cache-id': cache.id, 'execution-id': mine.id }));
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toMatch(new RegExp(`^Execution ${mine.id} has ended\\. Incremental sync ${mine.id}: FAILED`));
    expect(run.result['execution-id']).toBe(mine.id);
  });

  test('replaced by a newer run while it is followed: its end is read from the history, not reported as unknown', async () => {
    const cache = sim.addCache({ previous: { incremental: {} } });
    sim.planNext(cache.id, 'incremental', { appearDelayMs: 0, durationMs: 1_500 });
    const mine = await triggerNow(cache.id);
    // Its end is never seen in the status: until the newer run takes the slot, it still shows RUNNING there.
    sim.fault({
      type: 'reshape',
      path: `${cache.id}/status`,
      times: 1_000,
      reshape: (json) => {
        const e = (json as Record<string, Record<string, unknown> | undefined>).lastIncrementalCacheExecution;
        return e?.id === mine.id && e.status !== 'RUNNING'
          ? { ...(json as object), lastIncrementalCacheExecution: { ...e, status: 'RUNNING' } }
          : json;
      }
    });
    void waitFor(() => sim.statusAt(mine, clock.now()) === 'COMPLETED', 'my execution to complete', { clock }).then(() =>
      sim.startScheduled(cache.id, 'incremental', { durationMs: 60_000 })
    );
    const run = await runOperationIn(inputs({ operation: 'wait', 'cache-id': cache.id, 'execution-id': mine.id }));
    sim.clearFaults();
    expect(run.outcome.conclusion).toBe('success');
    expect(run.result).toMatchObject({ 'execution-id': mine.id, status: 'COMPLETED' });
  });

  test('an id that is nowhere, with nothing running ahead of it: fails after the appearance grace, not at the timeout', async () => {
    const cache = sim.addCache({ previous: { incremental: {} } });
    const run = await runOperationIn(
      inputs({ operation: 'wait', 'cache-id': cache.id, 'execution-id': 'another-cache-s-execution' }),
      {},
      { appearanceGraceMs: 1_500 }
    );
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toMatch(
      /^Execution another-cache-s-execution is neither in the status of cache .* nor in its recent history, and did not appear within a minute while nothing ran ahead of it\. Check execution-id/
    );
    expect(run.result['timed-out']).toBe(false);
  });

  test('an id that never appears: fails at the timeout, saying to check execution-id', async () => {
    const cache = sim.addCache({ previous: { incremental: {} } });
    const run = await runOperationIn(
      operationInputs(sim.url, KEY, { operation: 'wait', 'cache-id': cache.id, 'execution-id': 'no-such-execution' }, '3s')
    );
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toMatch(
      /^Execution no-such-execution did not appear in the status of cache .* before the timeout, and is not in its recent history\. Check execution-id/
    );
    expect(run.result['timed-out']).toBe(true);
  });
});

describe('history', () => {
  test('lists the last executions, most recent first', async () => {
    const cache = sim.addCache({
      previous: { 'full-refresh': { endedAgoMs: 90_000, records: 10 }, incremental: { endedAgoMs: 10_000, records: 5 } }
    });
    const run = await runOperationIn(inputs({ operation: 'history', 'cache-id': cache.id, 'history-limit': '5' }));
    expect(run.outcome.message).toMatch(/the last 2 executions, 2 completed/);
    expect(sim.requests.some((r) => r.path.endsWith(`${cache.id}/executionHistory?limit=5&offset=0`))).toBe(true);
  });
});

test('latestExecution picks the most recent of either kind', () => {
  const e = (kind: 'full-refresh' | 'incremental', createdAt: string) => ({ id: kind, kind, status: 'COMPLETED', createdAt });
  expect(
    latestExecution({
      id: 'c',
      executions: { 'full-refresh': e('full-refresh', '2026-01-02T00:00:00Z'), incremental: e('incremental', '2026-01-01T00:00:00Z') }
    })!.kind
  ).toBe('full-refresh');
  expect(latestExecution({ id: 'c', executions: {} })).toBeUndefined();
});
