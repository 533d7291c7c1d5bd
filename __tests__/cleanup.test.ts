/**
 * cleanup.ts (cancelStarted): what the abort path and the post step do with a page of the ledger.
 * It cancels what the step started, and only that, within its budget; against the simulator.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cancelStarted, cleanupGapMs, describeStarted } from '../src/cleanup.js';
import { PeakaClient } from '../src/peaka/client.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { VirtualClock } from '../src/virtual-clock.js';

const KEY = 'pk-cleanup-test-9a41';
/** The simulator and the cleanup share a virtual clock: the budgets and the gaps between looks take no real time. */
const clock = new VirtualClock(Date.now());
let sim: PeakaSimulator;
let client: PeakaClient;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { appearDelayMs: 0, durationMs: 120_000 }, cancelDelayMs: 0, clock });
  client = new PeakaClient({ baseUrl: sim.url, apiKey: KEY, requestTimeoutMs: 2_000, clock }, 'mtKDhe1U');
});
afterAll(() => sim.close());

const cancels = (cacheId: string) => sim.requests.filter((r) => r.method === 'POST' && r.path.includes(`/cache/${cacheId}/cancel`));
const statusNow = (e: Parameters<PeakaSimulator['statusAt']>[0]) => sim.statusAt(e, clock.now());
let tables = 0;
const newTable = () => ({ catalogId: 'cat-cleanup', schemaName: 'sales', tableName: `t${++tables}_${Date.now()}` });

describe('the execution the step started is cancelled', () => {
  test('named by its executionId', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh');
    const result = await clock.run(cancelStarted(client, { cacheId: cache.id, kind: 'full-refresh', executionId: running.id }, 2_000));
    expect(result).toMatchObject({ cacheId: cache.id, cancelled: { id: running.id, kind: 'full-refresh' } });
    expect(result.pending).toBeUndefined();
    expect(result.message).toBe(`Cancelled the full refresh ${running.id} that this step started.`);
    expect(cancels(cache.id)).toHaveLength(1);
    expect(statusNow(running)).toBe('CANCELLED');
  });

  test('not seen yet: the new execution in the slot (not previousId) is waited for and cancelled', async () => {
    const cache = sim.addCache({ previous: { incremental: {} } });
    const previousId = cache.executions[0].id;
    // The record trails the trigger: it is not there at the first look.
    sim.planNext(cache.id, 'incremental', { appearDelayMs: 1_200 });
    await client.trigger('incremental', cache.id, clock.now() + 5_000);
    const result = await clock.run(cancelStarted(client, { cacheId: cache.id, kind: 'incremental', previousId }, 3_000));
    const [started] = sim.startedExecutions(cache.id, 'incremental');
    expect(result.cancelled?.id).toBe(started.id);
    expect(result.message).toBe(`Cancelled the incremental sync ${started.id} that this step started.`);
    expect(statusNow(started)).toBe('CANCELLED');
    expect(cancels(cache.id)).toHaveLength(1);
  });

  test('a created cache (kind unknown): its first sync is found in either slot and cancelled', async () => {
    const table = newTable();
    const created = await client.createCache({ ...table, incrementalSchedule: 'PT1H' }, clock.now() + 5_000);
    const result = await clock.run(cancelStarted(client, { cacheId: created.id }, 2_000));
    const [firstSync] = sim.startedExecutions(created.id);
    expect(firstSync.kind).toBe('incremental');
    expect(result.cancelled).toMatchObject({ id: firstSync.id, kind: 'incremental' });
    expect(statusNow(firstSync)).toBe('CANCELLED');
  });
});

describe("what is not the step's is left alone", () => {
  test('another execution runs in the slot, not the one the step started: nothing is cancelled, and it says so', async () => {
    const cache = sim.addCache();
    const someoneElses = sim.startScheduled(cache.id, 'full-refresh');
    const started = clock.now();
    const result = await clock.run(
      cancelStarted(client, { cacheId: cache.id, kind: 'full-refresh', executionId: 'an-execution-long-gone' }, 2_000)
    );
    expect(result.cancelled).toBeUndefined();
    expect(result.pending).toBeUndefined();
    expect(result.message).toBe('No execution started by this step was found running; nothing to cancel.');
    expect(cancels(cache.id)).toHaveLength(0);
    expect(statusNow(someoneElses)).toBe('RUNNING');
    // Looked for the whole budget (the record may trail), and no longer.
    expect(clock.now() - started).toBeLessThan(2_000 + 2_000);
  });

  test("an execution of the other kind is not the step's", async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const incremental = sim.startScheduled(cache.id, 'incremental');
    const result = await clock.run(
      cancelStarted(client, { cacheId: cache.id, kind: 'full-refresh', previousId: cache.executions[0].id }, 1_000)
    );
    expect(result.cancelled).toBeUndefined();
    expect(cancels(cache.id)).toHaveLength(0);
    expect(statusNow(incremental)).toBe('RUNNING');
  });

  test("the step's execution had already ended: reported with its status, no cancel sent", async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': { outcome: 'FAILED' } } });
    const ended = cache.executions[0];
    const result = await clock.run(cancelStarted(client, { cacheId: cache.id, kind: 'full-refresh', executionId: ended.id }, 2_000));
    expect(result.cancelled).toBeUndefined();
    expect(result.message).toBe(`The full refresh ${ended.id} that this step started had already ended (FAILED).`);
    // The outputs of the aborted step take it from here: how it ended, not the RUNNING it showed before.
    expect(result.seen).toMatchObject({ id: ended.id, status: 'FAILED' });
    expect(cancels(cache.id)).toHaveLength(0);
  });

  test('the cancel finds nothing running (404): the message says it ended before the cancel arrived, and nothing is called cancelled', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 60_000 });
    // Peaka answers the cancel 404: nothing of the kind runs any more, as far as it knows.
    sim.fault({ type: 'status', status: 404, method: 'POST', path: `${cache.id}/cancelFullRefreshUpdate` });
    const result = await cancelStarted(client, { cacheId: cache.id, kind: 'full-refresh', executionId: running.id }, 2_000);
    expect(result.message).toMatch(new RegExp(`^The full refresh ${running.id} ended( \\(\\w+\\))? before the cancel arrived\\.$`));
    expect(result.cancelled).toBeUndefined();
  });
});

describe('a create whose answer was not seen (the page holds only the table)', () => {
  test('the cache is found by its table, its first sync cancelled, and the message says how it was tied to the step', async () => {
    const table = newTable();
    const created = await client.createCache(table, clock.now() + 5_000);
    const result = await clock.run(cancelStarted(client, { table, tableFree: true }, 2_000));
    const [firstSync] = sim.startedExecutions(created.id);
    expect(result.cacheId).toBe(created.id);
    expect(result.cancelled?.id).toBe(firstSync.id);
    expect(result.message).toBe(
      `Table ${table.schemaName}.${table.tableName} now has cache ${created.id}, most likely made by the create that this step sent when it was stopped (the table had no cache before it). ` +
        `Cancelled the full refresh ${firstSync.id} that this step started.`
    );
    expect(statusNow(firstSync)).toBe('CANCELLED');
  });

  test('a cache of the same table name in another catalog is not taken for it', async () => {
    const table = newTable();
    const elsewhere = await client.createCache({ ...table, catalogId: 'another-catalog' }, clock.now() + 5_000);
    const result = await clock.run(cancelStarted(client, { table, tableFree: true }, 1_000));
    expect(result.cacheId).toBeUndefined();
    expect(cancels(elsewhere.id)).toHaveLength(0);
  });

  test('a table that was not known to be free before the create: the cache found is named, and nothing of it is cancelled', async () => {
    // The isCached check could not answer, so the table may have had someone else's cache, with a sync running.
    const table = newTable();
    const theirs = await client.createCache(table, clock.now() + 5_000);
    const [sync] = sim.startedExecutions(theirs.id);
    const result = await clock.run(cancelStarted(client, { table }, 2_000));
    expect(result).toEqual({
      cacheId: theirs.id,
      message: `Table ${table.schemaName}.${table.tableName} has cache ${theirs.id}. This step's create may have made it, but whether the table had a cache before the create was not known, so nothing of it was cancelled: check it in Peaka.`
    });
    expect(cancels(theirs.id)).toHaveLength(0);
    expect(statusNow(sync)).not.toBe('CANCELLED');
  });

  test('no cache for the table yet: pending (Peaka may still make it, so the post step looks again), and nothing cancelled', async () => {
    const table = newTable();
    const lists = () => sim.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/cache/status')).length;
    const listsBefore = lists();
    const cancelsBefore = sim.requests.filter((r) => r.path.includes('/cancel')).length;
    const started = clock.now();
    const result = await clock.run(cancelStarted(client, { table, tableFree: true }, 2_000));
    expect(result).toEqual({
      pending: true,
      message: `No cache for table ${table.schemaName}.${table.tableName} has appeared yet: the create that this step sent when it was stopped may not have taken effect, or not yet, so nothing was cancelled.`
    });
    expect(sim.requests.filter((r) => r.path.includes('/cancel')).length).toBe(cancelsBefore);
    // Looked again about once a second within the budget, and no longer.
    expect(lists() - listsBefore).toBeGreaterThanOrEqual(2);
    expect(lists() - listsBefore).toBeLessThanOrEqual(3);
    expect(clock.now() - started).toBeLessThan(2_000 + 2_000);
  });
});

describe('a trigger queued behind a running execution', () => {
  test('not appeared within the budget: pending, the running one is left alone, and nothing is cancelled', async () => {
    const cache = sim.addCache();
    const ahead = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 60_000 });
    await client.trigger('full-refresh', cache.id, clock.now() + 5_000);
    const started = clock.now();
    const result = await clock.run(cancelStarted(client, { cacheId: cache.id, kind: 'full-refresh', previousId: ahead.id }, 2_000));
    expect(result).toEqual({
      cacheId: cache.id,
      pending: true,
      message: `The full refresh this step triggered on cache ${cache.id} has not appeared yet (it may be queued behind a running one), so it could not be cancelled.`
    });
    expect(cancels(cache.id)).toHaveLength(0);
    expect(statusNow(ahead)).toBe('RUNNING');
    expect(clock.now() - started).toBeLessThan(2_000 + 2_000);
  });

  test('a created cache whose first sync has not appeared: pending, named "the first sync"', async () => {
    const table = newTable();
    const cache = sim.addCache(table);
    const result = await clock.run(cancelStarted(client, { cacheId: cache.id }, 1_000));
    expect(result.pending).toBe(true);
    expect(result.message).toBe(
      `The first sync on cache ${cache.id} has not appeared yet (it may be queued behind a running one), so it could not be cancelled.`
    );
  });
});

describe('a cancel is confirmed by the status, not by its answer alone', () => {
  test('answered 200 but the execution keeps running: pending (the post step checks again), never called cancelled', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh');
    // Peaka's contract: the cancel only sends a signal ("check cache status to confirm"). This one is lost.
    sim.fault({ type: 'status', status: 200, times: 10, path: `${cache.id}/cancelFullRefreshUpdate` });
    try {
      const result = await clock.run(cancelStarted(client, { cacheId: cache.id, kind: 'full-refresh', executionId: running.id }, 2_000));
      expect(result).toEqual({
        cacheId: cache.id,
        pending: true,
        message: `Sent the cancel for the full refresh ${running.id} that this step started, but it still showed RUNNING at the last read, so it is not known to have stopped.`
      });
      expect(statusNow(running)).toBe('RUNNING');
    } finally {
      sim.clearFaults();
    }
  });
});

describe('describeStarted', () => {
  test('names the cache by its id, or by the table of a create not answered', () => {
    expect(describeStarted({ cacheId: 'c-1' })).toBe('cache c-1');
    expect(describeStarted({ table: { catalogId: 'x', schemaName: 's', tableName: 't' } })).toBe('the cache for table s.t');
  });
});

test('many pages cleaned up at once space their reads: about 50 status reads a second in all, never more than one a second per cache', () => {
  expect(cleanupGapMs(1)).toBe(1_000);
  expect(cleanupGapMs(50)).toBe(1_000);
  expect(cleanupGapMs(256)).toBe(5_120);
  expect(256 / (cleanupGapMs(256) / 1_000)).toBeLessThanOrEqual(50);
});
