/** The endpoints against the simulator, and the normalisation of what Peaka answers. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PeakaApiError } from '../src/api-error.js';
import { PeakaClient, isTerminal, toCacheStatus, toExecution } from '../src/peaka-client.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';

const KEY = 'pk-client-test-29fd';
let sim: PeakaSimulator;
let client: PeakaClient;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { appearDelayMs: 0, durationMs: 5_000 } });
  client = new PeakaClient({ baseUrl: sim.url, apiKey: KEY, requestTimeoutMs: 2_000, maxAttempts: 1 }, 'mtKDhe1U');
});
afterAll(() => sim.close());
const soon = () => Date.now() + 10_000;

test('status: both slots, progress and timestamps', async () => {
  const cache = sim.addCache({ schemaName: 'payment', tableName: 'customers', previous: { 'full-refresh': { records: 1_234 } } });
  const status = await client.getStatus(cache.id, soon());
  expect(status).toMatchObject({ id: cache.id, status: 'COMPLETED', schemaName: 'payment', tableName: 'customers' });
  expect(status.executions['full-refresh']).toMatchObject({ kind: 'full-refresh', status: 'COMPLETED', cachedRecords: 1_234 });
  expect(status.executions.incremental).toBeUndefined();
  expect(sim.requests.at(-1)!.path).toContain('/status?excludeLogs=true');
});

test('trigger and cancel hit the documented paths; a cancel with nothing running resolves false', async () => {
  const cache = sim.addCache();
  await client.trigger('incremental', cache.id, soon());
  expect(sim.requests.at(-1)!.path).toMatch(/\/cache\/[^/]+\/incrementalUpdate$/);
  expect(await client.cancel('incremental', cache.id, soon())).toBe(true);
  expect(await client.cancel('full-refresh', cache.id, soon())).toBe(false);
  expect(sim.requests.at(-1)!.path).toMatch(/cancelFullRefreshUpdate$/);
});

test('a cancel of an unknown cache is a 404 false, like nothing running (the API cannot tell them apart)', async () => {
  expect(await client.cancel('full-refresh', '00000000-0000-4000-8000-000000000000', soon())).toBe(false);
});

test('create sends schedules as {type: BASIC, expression}', async () => {
  const created = await client.createCache({ catalogId: 'c', schemaName: 's', tableName: 'new_table', incrementalSchedule: 'PT15M' }, soon());
  expect(sim.caches.get(created.id)!.incrementalCacheSchedule).toEqual({ type: 'BASIC', expression: 'PT15M' });
  expect(sim.caches.get(created.id)!.fullRefreshCacheSchedule).toBeUndefined();
});

test('an answer without a cache id is an invalid response, not a crash', async () => {
  sim.fault({ type: 'empty', path: '/status' });
  const cache = sim.addCache();
  await expect(client.getStatus(cache.id, soon())).rejects.toThrow(PeakaApiError);
});

describe('normalisation', () => {
  test('missing and mistyped fields become undefined', () => {
    const status = toCacheStatus({ id: 'c', status: 7, lastFullRefreshCacheExecution: { id: 'e', progress: 'x', error: {} }, lastIncrementalCacheExecution: {} });
    expect(status).toEqual({ id: 'c', status: undefined, catalogId: undefined, schemaName: undefined, tableName: undefined, executions: { 'full-refresh': expect.objectContaining({ id: 'e', status: 'UNKNOWN', error: undefined, cachedRecords: undefined }) } });
    expect(toCacheStatus(null)).toBeUndefined();
    expect(toCacheStatus({ status: 'RUNNING' })).toBeUndefined();
  });

  test('the error object becomes one message', () => {
    expect(toExecution({ id: 'e', status: 'FAILED', error: { message: 'boom' } }, 'incremental')!.error).toBe('boom');
    expect(toExecution({ id: 'e', status: 'FAILED', error: { code: 7 } }, 'incremental')!.error).toBe('{"code":7}');
    expect(toExecution({ id: 'e', status: 'failed', error: 'plain' }, 'incremental')).toMatchObject({ status: 'FAILED', error: 'plain' });
  });

  test('terminal statuses, both spellings of cancelled', () => {
    expect(['COMPLETED', 'FAILED', 'CANCELLED', 'CANCELED'].every(isTerminal)).toBe(true);
    expect(isTerminal('RUNNING')).toBe(false);
    expect(isTerminal(undefined)).toBe(false);
  });
});
