/** The endpoints against the simulator, and the normalisation of what Peaka answers. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaApiError } from '../src/peaka/errors.js';
import { PeakaClient, isActive, isTerminal, toCacheStatus, toExecution } from '../src/peaka/client.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';

const KEY = 'pk-client-test-29fd';
let sim: PeakaSimulator;
let client: PeakaClient;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { appearDelayMs: 0, durationMs: 5_000 } });
  client = new PeakaClient({ baseUrl: sim.url, apiKey: KEY, requestTimeoutMs: 2_000, maxAttempts: 1 }, 'mtKDhe1U');
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());
const soon = () => Date.now() + 10_000;

test('status: both slots, progress and timestamps', async () => {
  const cache = sim.addCache({ schemaName: 'payment', tableName: 'customers', previous: { 'full-refresh': { records: 1_234 } } });
  const status = await client.getStatus(cache.id, soon());
  expect(status).toMatchObject({ id: cache.id, status: 'COMPLETED', schemaName: 'payment', tableName: 'customers' });
  expect(status.executions['full-refresh']).toMatchObject({ kind: 'full-refresh', status: 'COMPLETED', cachedRecords: 1_234 });
  expect(status.executions.incremental).toBeUndefined();
  expect(sim.requests.at(-1)!.path).toContain('/status?excludeLogs=true');
});

test('trigger and cancel hit the documented paths; a cancel with nothing running is a 404, sent once (send-once.ts retries writes)', async () => {
  const cache = sim.addCache();
  await client.trigger('incremental', cache.id, soon());
  expect(sim.requests.at(-1)!.path).toMatch(/\/cache\/[^/]+\/incrementalUpdate$/);
  await expect(client.cancel('incremental', cache.id, soon())).resolves.toBeUndefined();
  const before = sim.requests.length;
  await expect(client.cancel('full-refresh', cache.id, soon())).rejects.toMatchObject({ status: 404 });
  expect(sim.requests.length).toBe(before + 1);
  expect(sim.requests.at(-1)!.path).toMatch(/cancelFullRefreshUpdate$/);
});

test('a cancel of an unknown cache is a 404, like nothing running (the API cannot tell them apart)', async () => {
  await expect(client.cancel('full-refresh', '00000000-0000-4000-8000-000000000000', soon())).rejects.toMatchObject({ status: 404 });
});

test('create sends schedules as {type: BASIC, expression}', async () => {
  const created = await client.createCache(
    { catalogId: 'c', schemaName: 's', tableName: 'new_table', incrementalSchedule: 'PT15M' },
    soon()
  );
  expect(sim.caches.get(created.id)!.incrementalCacheSchedule).toEqual({ type: 'BASIC', expression: 'PT15M' });
  expect(sim.caches.get(created.id)!.fullRefreshCacheSchedule).toBeUndefined();
});

test('an empty status answer is an invalid response, not a crash', async () => {
  sim.fault({ type: 'empty', path: '/status' });
  const cache = sim.addCache();
  await expect(client.getStatus(cache.id, soon())).rejects.toThrow(PeakaApiError);
});

/** A fault that changes a spec-valid answer into another spec-valid one (still checked against the contract). */
const reshape = (path: string, change: (json: unknown) => unknown, times = 1) =>
  sim.fault({ type: 'reshape', path, reshape: change, times });
const without = (json: unknown, key: string) => {
  const copy = { ...(json as Record<string, unknown>) };
  delete copy[key];
  return copy;
};

describe('every answer the contract allows (no field of CacheStatus is required)', () => {
  test('a status without an id is the status of the cache that was asked for', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': { records: 42 } } });
    reshape('/status', (json) => without(json, 'id'));
    const status = await client.getStatus(cache.id, soon());
    expect(status.id).toBe(cache.id);
    expect(status.executions['full-refresh']).toMatchObject({ status: 'COMPLETED', cachedRecords: 42 });
  });

  test('a project list entry without an id is reported by its table, not dropped in silence', async () => {
    const kept = sim.addCache({ projectId: 'listProj', schemaName: 'crm', tableName: 'kept' });
    sim.addCache({ projectId: 'listProj', schemaName: 'crm', tableName: 'nameless' });
    reshape('/cache/status', (json) =>
      (json as Record<string, unknown>[]).map((entry) => (entry.tableName === 'nameless' ? without(entry, 'id') : entry))
    );
    const list = await new PeakaClient({ baseUrl: sim.url, apiKey: KEY, requestTimeoutMs: 2_000, maxAttempts: 1 }, 'listProj').listStatuses(
      soon()
    );
    expect(list.caches.map((c) => c.id)).toEqual([kept.id]);
    expect(list.unidentified).toEqual(['crm.nameless']);
  });

  test('a history entry whose executionMode is missing or unknown has no kind, not full refresh', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {}, incremental: {} } });
    reshape('/executionHistory', (json) =>
      (json as Record<string, unknown>[]).map((e, i) => (i === 0 ? without(e, 'executionMode') : { ...e, executionMode: 'SNAPSHOT' }))
    );
    const history = await client.executionHistory(cache.id, 10, soon());
    expect(history).toHaveLength(2);
    expect(history.map((e) => e.kind)).toEqual([undefined, undefined]);
    const plain = await client.executionHistory(cache.id, 10, soon());
    expect(plain.map((e) => e.kind).sort()).toEqual(['full-refresh', 'incremental']);
  });

  test('the history is the newest executions, at most the limit, whatever order and length the server sends', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': { endedAgoMs: 120_000 }, incremental: { endedAgoMs: 10_000 } } });
    // Oldest first, and more than asked for: both within the contract's schema.
    reshape('/executionHistory', (json) => [...(json as unknown[])].reverse().concat(json as unknown[]));
    const history = await client.executionHistory(cache.id, 1, soon());
    expect(history.map((e) => e.kind)).toEqual(['incremental']);
  });

  test('progress: null on a RUNNING execution (seen live) means no counts yet', async () => {
    const cache = sim.addCache();
    sim.deviate('null-progress');
    sim.startScheduled(cache.id, 'incremental', { durationMs: 5_000 });
    const status = await client.getStatus(cache.id, soon());
    expect(status.executions.incremental).toMatchObject({ status: 'RUNNING', cachedRecords: undefined, insertedRecords: undefined });
  });

  test('a 409 on create carries the existing cache, and the error keeps it', async () => {
    const existing = sim.addCache({ catalogId: 'c9', schemaName: 'sales', tableName: 'dup' });
    const failure = await client
      .createCache({ catalogId: 'c9', schemaName: 'sales', tableName: 'dup' }, soon())
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(PeakaApiError);
    expect((failure as PeakaApiError).status).toBe(409);
    expect((failure as PeakaApiError).details.body).toMatchObject({ id: existing.id });
  });
});

describe('normalisation', () => {
  test('missing and mistyped fields become undefined', () => {
    const status = toCacheStatus({
      id: 'c',
      status: 7,
      lastFullRefreshCacheExecution: { id: 'e', progress: 'x', error: {} },
      lastIncrementalCacheExecution: {}
    });
    expect(status).toEqual({
      id: 'c',
      status: undefined,
      catalogId: undefined,
      schemaName: undefined,
      tableName: undefined,
      executions: { 'full-refresh': expect.objectContaining({ id: 'e', status: 'UNKNOWN', error: undefined, cachedRecords: undefined }) }
    });
    expect(toCacheStatus(null)).toBeUndefined();
    expect(toCacheStatus({ status: 'RUNNING' })).toBeUndefined();
  });

  test('an error object nested thousands of levels deep becomes a short message, not a stack overflow', () => {
    let deep: unknown = 'boom';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const e = toExecution({ id: 'e', status: 'FAILED', error: { detail: deep } }, 'full-refresh')!;
    expect(e.error).toBe('{"detail":[[["..."]]]}');
  });

  test('an id with white space or control characters is no id: it never reaches an output as lines of its own', () => {
    expect(toExecution({ id: 'e1\n::add-mask::x', status: 'RUNNING' }, 'full-refresh')).toBeUndefined();
    expect(toExecution({ id: 'e 1', status: 'RUNNING' }, 'full-refresh')).toBeUndefined();
    expect(toCacheStatus({ id: 'c\r\n::error::x' })).toBeUndefined();
    expect(toCacheStatus({ id: 'c\u0085' }, 'asked')!.id).toBe('asked');
    expect(toExecution({ id: 'b1f0-42', status: 'RUNNING' }, 'full-refresh')!.id).toBe('b1f0-42');
  });

  test('the error object becomes one message', () => {
    expect(toExecution({ id: 'e', status: 'FAILED', error: { message: 'boom' } }, 'incremental')!.error).toBe('boom');
    expect(toExecution({ id: 'e', status: 'FAILED', error: { code: 7 } }, 'incremental')!.error).toBe('{"code":7}');
    expect(toExecution({ id: 'e', status: 'failed', error: 'plain' }, 'incremental')).toMatchObject({ status: 'FAILED', error: 'plain' });
  });

  test('a cache status CANCELED is CANCELLED too', () => {
    expect(toCacheStatus({ id: 'c', status: 'canceled' })?.status).toBe('CANCELLED');
  });

  test('CANCELED, in any letter case, is output as CANCELLED: one spelling for a gate to compare with', () => {
    expect(['CANCELED', 'canceled', 'Cancelled'].map((status) => toExecution({ id: 'e', status }, 'incremental')!.status)).toEqual([
      'CANCELLED',
      'CANCELLED',
      'CANCELLED'
    ]);
  });

  test('terminal statuses, both spellings of cancelled, in any letter case; anything else has not ended', () => {
    expect(['COMPLETED', 'FAILED', 'CANCELLED', 'CANCELED', 'completed', 'Cancelled'].every(isTerminal)).toBe(true);
    expect(isTerminal('RUNNING')).toBe(false);
    expect(isTerminal(undefined)).toBe(false);
    expect(['RUNNING', 'QUEUED', 'pending', 'Scheduled', 'UNKNOWN'].map((status) => isActive({ status }))).toEqual([
      true,
      true,
      true,
      true,
      true
    ]);
    expect(isActive(undefined)).toBe(false);
  });
});
