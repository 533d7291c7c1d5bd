/**
 * The bundled action end to end, run as the runner runs it, against the Peaka simulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { PARTNER_KEY, baseInputs, runAction } from './helpers/run-action.js';

let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({
    partnerKeys: [PARTNER_KEY],
    projectKeys: { 'project-key-other-4411': 'otherProj' },
    defaultPlan: { durationMs: 1_200, records: 5_000, appearDelayMs: 300 }
  });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

const posts = (cacheId: string) => sim.requests.filter((r) => r.method === 'POST' && r.path.includes(cacheId));

describe('full-refresh', () => {
  test('follows the execution it started, not the previous one, and reports its counts', async () => {
    const cache = sim.addCache({ schemaName: 'payment', tableName: 'customers', previous: { 'full-refresh': { records: 4_000 } } });
    const previousId = cache.executions[0].id;
    // The new record appears 1.5 s after the trigger answers: until then the slot shows the previous, COMPLETED run.
    sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 1_500, durationMs: 1_000, records: 7_321 });

    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }));

    expect(run.code).toBe(0);
    const started = sim.startedExecutions(cache.id);
    expect(started).toHaveLength(1);
    expect(run.outputs['execution-id']).toBe(started[0].id);
    expect(run.outputs['execution-id']).not.toBe(previousId);
    expect(run.outputs).toMatchObject({
      'cache-id': cache.id,
      'execution-type': 'full-refresh',
      status: 'COMPLETED',
      'cache-status': 'COMPLETED',
      'cached-records': '7321',
      'inserted-records': '7321',
      'timed-out': 'false',
      stalled: 'false'
    });
    expect(Number(run.outputs['duration-seconds'])).toBeCloseTo(1, 0);
    const result = JSON.parse(run.outputs.result);
    expect(result).toMatchObject({ 'execution-id': started[0].id, status: 'COMPLETED', conclusion: 'success', table: 'payment.customers' });
    expect(run.summary).toContain('<td>payment.customers<br>');
    expect(run.summary).toContain('<td>7,321</td>');
    expect(run.annotations.at(-1)).toMatchObject({ level: 'notice' });
    expect(run.stdout).toMatch(/::group::Waiting for the full refresh/);
  });

  test('logs state changes, not every status read', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.planNext(cache.id, 'full-refresh', { durationMs: 4_000 });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }));
    const reads = sim.requests.filter((r) => r.path.includes(`${cache.id}/status`)).length;
    const executionLines = run.stdout.split('\n').filter((l) => l.startsWith('Full refresh ')).length;
    expect(reads).toBeGreaterThan(4);
    expect(executionLines).toBeLessThanOrEqual(3);
  });

  test("an execution that fails fails the step with Peaka's error, and the outputs still tell", async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'incremental', { outcome: 'FAILED', error: 'Source table payment.customers is unreachable' });
    const run = await runAction(baseInputs(sim.url, { operation: 'incremental', 'cache-id': cache.id }));
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'FAILED',
      'execution-type': 'incremental',
      error: 'Source table payment.customers is unreachable'
    });
    expect(run.annotations.find((a) => a.level === 'error')?.message).toContain('Source table payment.customers is unreachable');
    expect(run.summary).toContain('❌');
  });

  test('with fail-on-error: false a failed execution is a warning', async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'full-refresh', { outcome: 'FAILED' });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'fail-on-error': 'false' }));
    expect(run.code).toBe(0);
    expect(run.outputs.status).toBe('FAILED');
    expect(run.annotations.some((a) => a.level === 'warning')).toBe(true);
  });

  test('wait: false returns once the execution exists, with its id', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.planNext(cache.id, 'full-refresh', { durationMs: 30_000 });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, wait: 'false' }));
    expect(run.code).toBe(0);
    expect(run.outputs['execution-id']).toBe(sim.startedExecutions(cache.id)[0].id);
    expect(run.outputs.status).toBe('RUNNING');
  });

  test('timeout: the outputs say timed-out, the step fails, and cancel-on-timeout cancels the run', async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'full-refresh', { durationMs: 60_000 });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, timeout: '3s', 'cancel-on-timeout': 'true' })
    );
    expect(run.code).toBe(1);
    expect(run.outputs['timed-out']).toBe('true');
    // The cancel is confirmed by a read within the budget: the outputs say what became of it.
    expect(run.outputs.status).toBe('CANCELLED');
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /Timed out after [12]\.\ds waiting .*timeout: 3\.0s\)\. It was cancelled \(cancel-on-timeout\)/
    );
    expect(posts(cache.id).filter((r) => r.path.endsWith('cancelFullRefreshUpdate'))).toHaveLength(1);
    // The simulator ends a cancelled execution a moment after the cancel: its status then, not after a sleep.
    const [ours] = sim.startedExecutions(cache.id);
    expect(ours.cancelledAt).toBeDefined();
    expect(sim.statusAt(ours, ours.cancelledAt!)).toBe('CANCELLED');
  });

  test('a timeout without cancel-on-timeout leaves the run going and says so', async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'full-refresh', { durationMs: 60_000 });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, timeout: '2s', 'fail-on-error': 'false' })
    );
    expect(run.code).toBe(0);
    expect(run.outputs['timed-out']).toBe('true');
    expect(run.annotations.find((a) => a.level === 'warning')?.message).toContain('keeps running in Peaka');
    expect(posts(cache.id).filter((r) => r.path.includes('cancel'))).toHaveLength(0);
  });

  test("a stalled execution (the live API's): the step fails naming it, stalled is true, and the summary says so", async () => {
    sim.deviate('stalled-execution');
    const cache = sim.addCache({ schemaName: 'payment', tableName: 'stuck', previous: { 'full-refresh': {} } });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'poll-interval': '1s', 'stall-timeout': '2s' })
    );
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ stalled: 'true', 'timed-out': 'false', status: 'RUNNING' });
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /looks stalled: .* since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC .*check the cache's executions in Peaka/
    );
    expect(run.summary).toContain('RUNNING (stalled)');
  });
});

describe('status', () => {
  test('reports the cache and its most recent execution without writing anything', async () => {
    const cache = sim.addCache({
      schemaName: 'sales',
      tableName: 'orders',
      previous: { 'full-refresh': { endedAgoMs: 600_000, records: 900 }, incremental: { endedAgoMs: 5_000, records: 42 } }
    });
    const run = await runAction(baseInputs(sim.url, { operation: 'status', 'cache-id': cache.id }));
    expect(run.code).toBe(0);
    expect(posts(cache.id)).toHaveLength(0);
    expect(run.outputs).toMatchObject({
      'cache-status': 'COMPLETED',
      'execution-type': 'incremental',
      status: 'COMPLETED',
      'cached-records': '42'
    });
    expect(run.annotations.at(-1)?.message).toContain('Cache sales.orders');
  });
});

describe('cancels', () => {
  test('cancel-full-refresh stops the running refresh and waits for CANCELLED', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 60_000 });
    const run = await runAction(baseInputs(sim.url, { operation: 'cancel-full-refresh', 'cache-id': cache.id }));
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'execution-id': running.id, status: 'CANCELLED' });
    expect(run.annotations.at(-1)?.message).toMatch(/^Cancelled\./);
  });

  test('nothing running is not an error: a notice, and no cancel is sent', async () => {
    const cache = sim.addCache({ previous: { incremental: {} } });
    const run = await runAction(baseInputs(sim.url, { operation: 'cancel-incremental', 'cache-id': cache.id }));
    expect(run.code).toBe(0);
    expect(posts(cache.id)).toHaveLength(0);
    expect(run.annotations[0]).toMatchObject({ level: 'notice' });
    expect(run.annotations[0].message).toContain('No incremental sync is running');
  });
});

describe('create', () => {
  test('creates the cache with BASIC schedules, outputs its id and follows the first sync', async () => {
    const run = await runAction(
      baseInputs(sim.url, {
        operation: 'create',
        'catalog-id': '627249916703408649',
        'schema-name': 'payment',
        'table-name': 'invoices',
        'full-refresh-schedule': 'P1D',
        'incremental-schedule': 'pt6h'
      })
    );
    expect(run.code).toBe(0);
    const cache = [...sim.caches.values()].find((c) => c.tableName === 'invoices')!;
    // Peaka keeps durations as Java prints them: P1D reads back as PT24H.
    expect(cache.fullRefreshCacheSchedule).toEqual({ type: 'BASIC', expression: 'PT24H' });
    expect(cache.incrementalCacheSchedule).toEqual({ type: 'BASIC', expression: 'PT6H' });
    expect(run.outputs).toMatchObject({ 'cache-id': cache.id, 'execution-type': 'full-refresh', status: 'COMPLETED' });
  });

  test('a table that already has a cache is refused before creating, with its id and what to do', async () => {
    const existing = sim.addCache({ catalogId: 'c1', schemaName: 's1', tableName: 'dup' });
    const before = sim.requests.length;
    const run = await runAction(baseInputs(sim.url, { operation: 'create', 'catalog-id': 'c1', 'schema-name': 's1', 'table-name': 'dup' }));
    expect(run.code).toBe(1);
    expect(sim.requests.slice(before).filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(run.annotations.find((a) => a.level === 'error')?.message).toBe(
      `Table s1.dup already has a cache (${existing.id}). Set if-exists: reuse to use it, or refresh it with operation: full-refresh and cache-id: ${existing.id}.`
    );
  });

  test('a 409 from the create itself (a race) says the table already has a cache, and what to do', async () => {
    // A 409 whose body is not the existing cache (a proxy's, say): the message cannot name the cache.
    sim.fault({ type: 'status', status: 409, method: 'POST', path: /\/cache$/ });
    const run = await runAction(
      baseInputs(sim.url, { operation: 'create', 'catalog-id': 'c1', 'schema-name': 's1', 'table-name': 'raced' })
    );
    expect(run.code).toBe(1);
    expect(run.annotations.find((a) => a.level === 'error')?.message).toBe(
      'Table s1.raced already has a cache. Set if-exists: reuse to use it, or refresh it with operation: full-refresh.'
    );
  });
});

describe('errors', () => {
  test('bad inputs are refused before any request, all at once, naming each input', async () => {
    const before = sim.requests.length;
    const run = await runAction(baseInputs(sim.url, { operation: 'refresh', 'cache-id': 'abc', timeout: 'soon', wait: 'yes' }));
    expect(run.code).toBe(1);
    expect(sim.requests.length).toBe(before);
    const message = run.annotations.find((a) => a.level === 'error')!.message;
    for (const input of ['operation', 'timeout', 'wait']) expect(message).toContain(`Input '${input}'`);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  });

  test('a key of another project gets 403 and a message about key scope', async () => {
    const cache = sim.addCache();
    const run = await runAction(baseInputs(sim.url, { operation: 'status', 'cache-id': cache.id, 'api-key': 'project-key-other-4411' }));
    expect(run.code).toBe(1);
    const message = run.annotations.find((a) => a.level === 'error')!.message;
    expect(message).toContain('HTTP 403');
    expect(message).toContain('Project API key of this very project');
  });

  test('an unknown cache gets 404 and a message naming cache-id and project-id', async () => {
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': '00000000-0000-4000-8000-000000000000' }));
    expect(run.code).toBe(1);
    expect(run.annotations.find((a) => a.level === 'error')!.message).toMatch(/HTTP 404.*Check cache-id and project-id/);
  });

  test('a table name from the API cannot inject markup into the summary', async () => {
    const cache = sim.addCache({ schemaName: 'x', tableName: '<img src=x onerror=alert(1)>|`|' });
    const run = await runAction(baseInputs(sim.url, { operation: 'status', 'cache-id': cache.id }));
    expect(run.summary).not.toContain('<img');
    expect(run.summary).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });
});
