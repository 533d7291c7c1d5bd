/**
 * The contract checker (simulator/contract.ts) that every simulator answer in the suite goes
 * through, and the simulator endpoints the action does not call yet, checked through it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { checkAnswer, contractLedger } from '../simulator/contract.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';

const STATUS = '/api/v1/data/projects/p1/cache/960bd651-7b3c-4511-9a88-18e14ac7742a/status?excludeLogs=true';
const json = (body: unknown) => ({ contentType: 'application/json', body: JSON.stringify(body) });

describe('checkAnswer', () => {
  test('accepts a status with every field optional left out', () => {
    expect(checkAnswer({ method: 'GET', path: STATUS, status: 200, ...json({}) })).toEqual([]);
    expect(
      checkAnswer({
        method: 'GET',
        path: STATUS,
        status: 200,
        ...json({ id: 'c', status: 'RUNNING', lastFullRefreshCacheExecution: { id: 'e', status: 'QUEUED' } })
      })
    ).toEqual([]);
  });

  test('refuses null where the contract has no nullable, and a top-level status outside its enum', () => {
    const problems = checkAnswer({
      method: 'GET',
      path: STATUS,
      status: 200,
      ...json({
        status: 'PENDING',
        lastIncrementalCacheExecution: null,
        lastFullRefreshCacheExecution: { finishedAt: null, progress: { lastCacheTxId: null } }
      })
    });
    expect(problems.join('\n')).toMatch(/\/status must be equal to one of the allowed values/);
    expect(problems.join('\n')).toMatch(/\/lastIncrementalCacheExecution must be object/);
    expect(problems.join('\n')).toMatch(/\/lastFullRefreshCacheExecution\/finishedAt must be string/);
    expect(problems.join('\n')).toMatch(/lastCacheTxId must be string/);
  });

  test('an answer without content: no body, and no JSON content type for an empty one', () => {
    const cancel = '/api/v1/data/projects/p1/cache/c1/cancelFullRefreshUpdate';
    expect(checkAnswer({ method: 'POST', path: cancel, status: 200, body: '' })).toEqual([]);
    expect(checkAnswer({ method: 'POST', path: cancel, status: 200, contentType: 'application/json', body: '' })).toEqual([
      'POST /data/projects/{projectId}/cache/{cacheId}/cancelFullRefreshUpdate answered 200 with an empty body but Content-Type application/json'
    ]);
    expect(checkAnswer({ method: 'POST', path: cancel, status: 200, ...json({ ok: true }) })[0]).toMatch(
      /with a body, where the contract documents none/
    );
  });

  test('a schema answer must be JSON; generic errors pass; an undocumented 4xx does not', () => {
    expect(checkAnswer({ method: 'GET', path: STATUS, status: 200, contentType: 'application/json', body: '{"id": ' })[0]).toMatch(
      /not JSON/
    );
    expect(checkAnswer({ method: 'GET', path: STATUS, status: 401, ...json({ errorCode: 100, message: 'Invalid API key' }) })).toEqual([]);
    expect(checkAnswer({ method: 'GET', path: STATUS, status: 418, ...json({}) })[0]).toMatch(/a status the contract does not document/);
  });

  test('the literal path wins over a parameter: /cache/status is the project list', () => {
    expect(checkAnswer({ method: 'GET', path: '/api/v1/data/projects/p1/cache/status', status: 200, ...json({ id: 'x' }) })[0]).toMatch(
      /\(body\) must be array/
    );
  });
});

describe('the simulator endpoints beyond what the action calls, within the contract', () => {
  let sim: PeakaSimulator;
  const KEY = 'contract-key-1';
  beforeAll(async () => {
    sim = await startSimulator({ partnerKeys: [KEY] });
  });
  afterAll(() => sim.close());
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}/data/projects/mtKDhe1U/${path}`, {
      method,
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    return { status: response.status, json: (await response.json()) as unknown };
  };

  test('catalog- and schema-level status lists filter the project list', async () => {
    const a = sim.addCache({ catalogId: 'cat-a', schemaName: 'sales', tableName: 'orders' });
    sim.addCache({ catalogId: 'cat-a', schemaName: 'hr', tableName: 'people' });
    sim.addCache({ catalogId: 'cat-b', schemaName: 'sales', tableName: 'orders' });
    const before = contractLedger()!.checked;
    expect(((await call('GET', 'catalog/cat-a/cache/status')).json as unknown[]).length).toBe(2);
    expect((await call('GET', 'catalog/cat-a/schema/sales/cache/status')).json).toEqual([
      expect.objectContaining({ id: a.id, status: 'NOT_INITIALIZED' })
    ]);
    expect(contractLedger()!.checked - before).toBe(2);
    sim.deviate('schema-list-500');
    expect((await call('GET', 'catalog/cat-a/schema/sales/cache/status').catch(() => ({ status: 500 }))).status).toBe(500);
    sim.clearFaults();
  });

  test('batch create: one result per item, a failure beside a success', async () => {
    sim.uncacheableTables.add('raw.blob');
    const { status, json: results } = await call('POST', 'cache/batch', [
      { catalogId: 'cat-c', schemaName: 'sales', tableName: 'refunds', incrementalCacheSchedule: { type: 'BASIC', expression: 'PT6H' } },
      { catalogId: 'cat-c', schemaName: 'raw', tableName: 'blob' }
    ]);
    expect(status).toBe(200);
    expect(results).toEqual([
      {
        success: true,
        cache: expect.objectContaining({ tableName: 'refunds', incrementalCacheSchedule: { type: 'BASIC', expression: 'PT6H' } })
      },
      { success: false, error: 'Table raw.blob is not cacheable' }
    ]);
  });

  test('a duplicate create answers 409 with the existing cache, as the contract says', async () => {
    const existing = sim.addCache({ catalogId: 'cat-d', schemaName: 'sales', tableName: 'leads' });
    const { status, json: body } = await call('POST', 'cache', { catalogId: 'cat-d', schemaName: 'sales', tableName: 'leads' });
    expect(status).toBe(409);
    expect(body).toMatchObject({ id: existing.id, tableName: 'leads' });
  });
});
