/** create (if-exists, isCached), update-schedule and delete, in-process against the simulator. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { operationInputs, runOn } from './helpers/run-operation.js';

const KEY = 'pk-lifecycle-test-5e2a';
/** The simulator and the step share a virtual clock: their waits take no real time. */
const clock = new VirtualClock(Date.now());
const runOperationIn = runOn(clock);
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 600, appearDelayMs: 200 }, clock });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

const inputs = (extra: Record<string, string>) => operationInputs(sim.url, KEY, extra);
const posts = () => sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cache')).length;

describe('create', () => {
  test('if-exists: reuse outputs the existing cache and sends no create', async () => {
    const existing = sim.addCache({
      catalogId: 'c2',
      schemaName: 'crm',
      tableName: 'accounts',
      previous: { 'full-refresh': { records: 77 } }
    });
    const before = posts();
    const run = await runOperationIn(
      inputs({ operation: 'create', 'catalog-id': 'c2', 'schema-name': 'crm', 'table-name': 'accounts', 'if-exists': 'reuse' })
    );
    expect(run.outcome).toMatchObject({
      conclusion: 'success',
      message: `Table crm.accounts already has cache ${existing.id}; reusing it (if-exists: reuse).`
    });
    expect(run.result).toMatchObject({ 'cache-id': existing.id, status: 'COMPLETED', 'cached-records': 77 });
    expect(posts()).toBe(before);
  });

  test("if-exists: reuse follows the existing cache's running first sync", async () => {
    const existing = sim.addCache({ catalogId: 'c2', schemaName: 'crm', tableName: 'leads' });
    const running = sim.startScheduled(existing.id, 'full-refresh', { durationMs: 1_000 });
    const run = await runOperationIn(
      inputs({ operation: 'create', 'catalog-id': 'c2', 'schema-name': 'crm', 'table-name': 'leads', 'if-exists': 'reuse' })
    );
    expect(run.result).toMatchObject({ 'cache-id': existing.id, 'execution-id': running.id, status: 'COMPLETED' });
  });

  test("if-exists: reuse that loses the race to another creator waits for that cache's first sync and follows it, as the winner does", async () => {
    // The other creator's cache exists a moment before this step's create; its first sync appears 300 ms later.
    sim.fault({ type: 'reshape', path: '/isCached', reshape: (json) => ({ ...(json as object), isCached: false }) });
    const other = sim.addCache({ catalogId: 'c2', schemaName: 'crm', tableName: 'raced_first_sync' });
    const first = sim.actorTrigger(other.id, 'full-refresh', { appearDelayMs: 300, durationMs: 800, records: 42 });
    const run = await runOperationIn(
      inputs({ operation: 'create', 'catalog-id': 'c2', 'schema-name': 'crm', 'table-name': 'raced_first_sync', 'if-exists': 'reuse' })
    );
    expect(run.result).toMatchObject({ 'cache-id': other.id, 'execution-id': first.id, status: 'COMPLETED', 'cached-records': 42 });
    expect(run.outcome.conclusion).toBe('success');
  });

  test("if-exists: reuse also covers the 500 the live API gave for a duplicate during the first sync: the other creator's cache is reused, never taken for ours", async () => {
    const table = 'raced_500';
    sim.deviate('duplicate-create-500');
    // isCached says no (the other creator is not visible to it yet), then the create collides and Peaka answers 500.
    sim.fault({ type: 'reshape', path: '/isCached', reshape: (json) => ({ ...(json as object), isCached: false }) });
    const other = sim.addCache({ catalogId: 'c2', schemaName: 'crm', tableName: table });
    const sync = sim.startScheduled(other.id, 'full-refresh', { durationMs: 60_000 });
    const before = posts();
    // Its first sync outlasts timeout: with cancel-on-timeout, only a sync this step started would be cancelled.
    const run = await runOperationIn(
      inputs({
        operation: 'create',
        'catalog-id': 'c2',
        'schema-name': 'crm',
        'table-name': table,
        'if-exists': 'reuse',
        'cancel-on-timeout': 'true',
        timeout: '4s'
      })
    );
    // One create, answered 500; the look after it found the other's cache, so none was sent again.
    expect(posts() - before).toBe(1);
    const made = [...sim.caches.values()].filter((c) => c.tableName === table);
    expect(made).toHaveLength(1);
    expect(run.result).toMatchObject({ 'cache-id': other.id, 'execution-id': sync.id, 'timed-out': true, status: 'RUNNING' });
    // Never cancelled by this step, of either kind, though the step timed out with cancel-on-timeout.
    expect(sim.requests.filter((r) => r.path.includes(`${other.id}/cancel`))).toHaveLength(0);
    expect(sync.cancelledAt).toBeUndefined();
    const log = run.log.join('\n');
    expect(log).not.toContain('created by the earlier attempt');
    expect(log).toContain(
      `warning: The create's answer was lost, and table crm.${table} now has cache ${other.id}: this step's create may have made it, or another did; which one is not known. Reusing it (if-exists: reuse)`
    );
    // Reported as a reuse that timed out, not as a cache this step created, and with no cancel.
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toMatch(
      new RegExp(`^Table crm\\.${table} already has cache ${other.id}; reusing it \\(if-exists: reuse\\)\\. Timed out after \\d\\.\\ds`)
    );
    expect(run.outcome.message).not.toContain('cancel');
  });

  test('if-exists: fail after the 500 for a duplicate: the step fails saying what is known, and adopts nothing', async () => {
    const table = 'raced_500_fail';
    sim.deviate('duplicate-create-500');
    sim.fault({ type: 'reshape', path: '/isCached', reshape: (json) => ({ ...(json as object), isCached: false }) });
    const other = sim.addCache({ catalogId: 'c2', schemaName: 'crm', tableName: table });
    sim.startScheduled(other.id, 'full-refresh', { durationMs: 60_000 });
    const run = await runOperationIn(inputs({ operation: 'create', 'catalog-id': 'c2', 'schema-name': 'crm', 'table-name': table }));
    expect(run.outcome).toEqual({
      conclusion: 'failure',
      message: `The create's answer was lost, and table crm.${table} now has cache ${other.id}: this step's create may have made it, or another did; which one is not known. Set if-exists: reuse to use it, or refresh it with operation: full-refresh and cache-id: ${other.id}.`
    });
    expect(run.result['cache-id']).toBeUndefined();
  });

  test('a table Peaka cannot cache fails before the create, with the reason', async () => {
    sim.uncacheableTables.add('raw.events');
    const before = posts();
    const run = await runOperationIn(inputs({ operation: 'create', 'catalog-id': 'c2', 'schema-name': 'raw', 'table-name': 'events' }));
    expect(run.outcome).toEqual({
      conclusion: 'failure',
      message:
        "Table raw.events cannot be cached: Peaka reports it as not cacheable (supported cache types: none). Check the table's source connector in Peaka."
    });
    expect(posts()).toBe(before);
  });
});

describe('create: what the contract and the live API say about the table', () => {
  const create = (table: string, extra: Record<string, string> = {}) =>
    runOperationIn(inputs({ operation: 'create', 'catalog-id': 'c3', 'schema-name': 'sales', 'table-name': table, ...extra }));
  /** isCached answers the table is not cached yet: the create itself then meets the other cache (a race). */
  const isCachedSaysNo = () =>
    sim.fault({ type: 'reshape', path: '/isCached', reshape: (json) => ({ ...(json as object), isCached: false }) });

  test('a 409 names the existing cache from its body (if-exists: fail)', async () => {
    const existing = sim.addCache({ catalogId: 'c3', schemaName: 'sales', tableName: 'raced_409' });
    isCachedSaysNo();
    const run = await create('raced_409');
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toBe(
      `Table sales.raced_409 already has a cache (${existing.id}). Set if-exists: reuse to use it, or refresh it with operation: full-refresh and cache-id: ${existing.id}.`
    );
  });

  test('a 409 with if-exists: reuse takes the cache id from its body, not from a search by table', async () => {
    const existing = sim.addCache({
      catalogId: 'c3',
      schemaName: 'sales',
      tableName: 'raced_reuse',
      previous: { 'full-refresh': { records: 9 } }
    });
    isCachedSaysNo();
    const lists = () => sim.requests.filter((r) => r.path.endsWith('/cache/status')).length;
    const before = lists();
    const run = await create('raced_reuse', { 'if-exists': 'reuse' });
    expect(run.outcome.conclusion).toBe('success');
    expect(run.result).toMatchObject({ 'cache-id': existing.id, 'cached-records': 9 });
    expect(lists()).toBe(before);
  });

  test('a schedule of a type the table does not support is refused before the create, naming the supported types', async () => {
    sim.tableCacheTypes.set('sales.full_only', ['FULL_REFRESH']);
    const before = posts();
    const run = await create('full_only', { 'incremental-schedule': 'PT15M', 'full-refresh-schedule': 'P1D' });
    expect(run.outcome).toEqual({
      conclusion: 'failure',
      message:
        'Table sales.full_only does not support INCREMENTAL caching: Peaka lists its supported cache types as FULL_REFRESH. Remove incremental-schedule.'
    });
    expect(posts()).toBe(before);
    const allowed = await create('full_only', { 'full-refresh-schedule': 'P1D' });
    expect(allowed.outcome.conclusion).toBe('success');
  });

  test.each([
    ['a 404', { type: 'status', status: 404 }],
    ['a 500, every retry', { type: 'status', status: 503, times: 10 }],
    ['an unreadable answer', { type: 'malformed', times: 10 }]
  ] as const)('isCached failing with %s is a warning; the create goes on and its answer decides', async (_, fault) => {
    const table = `precheck_${posts()}`;
    sim.fault({ ...fault, path: '/isCached' });
    const run = await create(table);
    expect(run.outcome.conclusion).toBe('success');
    expect(run.log.find((l) => l.startsWith('warning: Could not check whether table'))).toMatch(
      new RegExp(
        `^warning: Could not check whether table sales\\.${table} can be cached \\(Failed checking .*\\); creating the cache anyway`
      )
    );
    expect([...sim.caches.values()].filter((c) => c.tableName === table)).toHaveLength(1);
  });

  test('an orphaned cache (isCached yes, no cache listed) is named, with what to do, and no create is sent', async () => {
    sim.orphanTable({ catalogId: 'c3', schemaName: 'sales', tableName: 'ghost' });
    const before = posts();
    for (const ifExists of ['fail', 'reuse']) {
      const run = await create('ghost', { 'if-exists': ifExists });
      expect(run.outcome.conclusion).toBe('failure');
      expect(run.outcome.message).toMatch(
        /^Table sales\.ghost has an orphaned cache on Peaka's side: .* No API call repairs this; ask Peaka support/
      );
    }
    expect(posts()).toBe(before);
  });

  test('the create meeting an orphaned location (400) says the same, when isCached could not tell', async () => {
    sim.orphanTable({ catalogId: 'c3', schemaName: 'sales', tableName: 'ghost2' });
    sim.fault({ type: 'status', status: 404, path: '/isCached' });
    const run = await create('ghost2');
    expect(run.outcome.message).toMatch(/^Table sales\.ghost2 has an orphaned cache on Peaka's side/);
  });
});

describe('update-schedule', () => {
  test('sends BASIC and NONE schedules and reports what Peaka kept', async () => {
    const cache = sim.addCache({
      fullRefreshCacheSchedule: { type: 'BASIC', expression: 'P1D' },
      incrementalCacheSchedule: { type: 'BASIC', expression: 'PT1H' }
    });
    const run = await runOperationIn(
      inputs({ operation: 'update-schedule', 'cache-id': cache.id, 'full-refresh-schedule': 'none', 'incremental-schedule': 'pt15m' })
    );
    expect(run.outcome).toEqual({
      conclusion: 'success',
      message: `Updated the schedules of cache ${cache.id}: full refresh off, incremental every PT15M.`
    });
    expect(cache.fullRefreshCacheSchedule).toEqual({ type: 'NONE' });
    expect(cache.incrementalCacheSchedule).toEqual({ type: 'BASIC', expression: 'PT15M' });
  });

  test.each([
    ['P1D', 'PT24H'],
    ['PT60M', 'PT1H'],
    ['P1DT12H', 'PT36H']
  ])('%s read back as %s is the same schedule: success', async (sent, kept) => {
    const cache = sim.addCache();
    const run = await runOperationIn(inputs({ operation: 'update-schedule', 'cache-id': cache.id, 'full-refresh-schedule': sent }));
    expect(cache.fullRefreshCacheSchedule).toEqual({ type: 'BASIC', expression: kept });
    expect(run.outcome).toEqual({
      conclusion: 'success',
      message: `Updated the schedules of cache ${cache.id}: full refresh every ${kept}, incremental off.`
    });
  });

  test('a schedule Peaka refuses fails the step with its message and names the inputs to check', async () => {
    const cache = sim.addCache({ incrementalCacheSchedule: { type: 'BASIC', expression: 'PT1H' } });
    // Valid ISO-8601 for us; the simulator, stricter, refuses fractions with the contract's 400.
    const run = await runOperationIn(inputs({ operation: 'update-schedule', 'cache-id': cache.id, 'incremental-schedule': 'PT0.5S' }));
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toMatch(
      /HTTP 400: .*Invalid schedule expression: PT0\.5S.*Check full-refresh-schedule and incremental-schedule/
    );
    expect(cache.incrementalCacheSchedule).toEqual({ type: 'BASIC', expression: 'PT1H' });
  });

  test('a schedule Peaka answered 200 for but dropped fails the step (live API)', async () => {
    const cache = sim.addCache({ incrementalCacheSchedule: { type: 'BASIC', expression: 'PT1H' } });
    // The live API answered 200 and silently dropped what it could not parse.
    sim.deviate('schedule-dropped');
    const run = await runOperationIn(inputs({ operation: 'update-schedule', 'cache-id': cache.id, 'incremental-schedule': 'PT0.5S' }));
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toContain(
      'did not apply incremental-schedule (the schedules are now: full refresh off, incremental every PT1H)'
    );
  });
});

describe('delete', () => {
  test('deletes the cache named twice', async () => {
    const cache = sim.addCache({ schemaName: 'old', tableName: 'stuff' });
    const run = await runOperationIn(inputs({ operation: 'delete', 'cache-id': cache.id, 'confirm-delete': cache.id }));
    expect(run.outcome).toEqual({ conclusion: 'success', message: `Deleted cache old.stuff (${cache.id}).` });
    expect(cache.deleted).toBe(true);
    expect(run.result['cache-status']).toBe('DELETED');
  });

  test('a delete whose 502 hid that it took effect: a read finds the cache gone before a second delete is sent, and reports the deletion it was', async () => {
    const cache = sim.addCache({ schemaName: 'old', tableName: 'lost_answer' });
    sim.fault({ type: 'status', status: 502, afterEffect: true, method: 'DELETE', path: cache.id });
    const run = await runOperationIn(inputs({ operation: 'delete', 'cache-id': cache.id, 'confirm-delete': cache.id }));
    expect(cache.deleted).toBe(true);
    expect(run.outcome).toEqual({
      conclusion: 'success',
      message: `Deleted cache old.lost_answer (${cache.id}). The first attempt's answer was lost; a status read found the cache gone.`
    });
    expect(sim.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith(cache.id))).toHaveLength(1);
    expect(run.result['cache-status']).toBe('DELETED');
  });

  test('a cache already gone is a notice, not an error', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const run = await runOperationIn(inputs({ operation: 'delete', 'cache-id': id, 'confirm-delete': id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(run.log.some((l) => l.startsWith('notice: ') && l.includes('nothing to delete'))).toBe(true);
  });

  test('without confirm-delete nothing is sent', async () => {
    const before = sim.requests.length;
    await expect(runOperationIn(inputs({ operation: 'delete', 'cache-id': '11111111-2222-4333-8444-555555555555' }))).rejects.toThrow(
      /confirm-delete/
    );
    expect(sim.requests.length).toBe(before);
  });
});

describe('a create whose answer is lost does not create twice', () => {
  test.each([
    ['a 500 after the cache was created', { type: 'status', status: 500, body: 'html', afterEffect: true }],
    ['a dropped connection after the cache was created', { type: 'drop', afterEffect: true }],
    ['a malformed answer', { type: 'malformed', afterEffect: true }]
  ] as const)('%s: the cache is found by its table and, under if-exists: reuse, reused', async (_name, fault) => {
    const table = `t_${Math.random().toString(36).slice(2, 8)}`;
    sim.fault({ ...fault, method: 'POST', path: /\/cache$/ });
    // Nothing ties the cache found to this step's create: it is reused only where reusing is asked for.
    const run = await runOperationIn(
      inputs({ operation: 'create', 'catalog-id': 'c9', 'schema-name': 's', 'table-name': table, 'if-exists': 'reuse' })
    );
    const made = [...sim.caches.values()].filter((c) => c.tableName === table);
    expect(made).toHaveLength(1);
    expect(run.outcome.conclusion).toBe('success');
    expect(run.result['cache-id']).toBe(made[0].id);
  });
});

describe('a created cache whose first sync has not appeared by the timeout', () => {
  test.each([
    [
      'true',
      'It could not be cancelled before it appeared: the post step will look for it and cancel it (cancel-on-timeout).',
      (cacheId: string) => [{ cacheId, onTimeout: true }]
    ],
    ['false', 'If it starts, it runs unwatched; set cancel-on-timeout: true to have it cancelled.', () => []]
  ])(
    "cancel-on-timeout: %s: the first sync is left for the post step only when asked, as a trigger's is",
    async (cancelOnTimeout, after, left) => {
      const late = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 600, appearDelayMs: 60_000 }, clock });
      try {
        const table = `late_${cancelOnTimeout}`;
        const run = await runOperationIn(
          operationInputs(
            late.url,
            KEY,
            { operation: 'create', 'catalog-id': 'c7', 'schema-name': 's', 'table-name': table, 'cancel-on-timeout': cancelOnTimeout },
            '6s'
          )
        );
        const [cache] = [...late.caches.values()].filter((c) => c.tableName === table);
        expect(run.outcome.conclusion).toBe('failure');
        expect(run.outcome.message).toBe(
          `Created cache ${cache.id} for s.${table}, but timed out before its first sync appeared. ${after} Raise timeout to wait longer.`
        );
        expect(run.result['timed-out']).toBe(true);
        expect(run.saved).toEqual(left(cache.id));
      } finally {
        await late.close();
      }
    },
    30_000
  );
});
