/**
 * batch.ts in process: which caches, one slot each, at most max-parallel at once, each cache's
 * result kept whatever happens to the others, the ledger's pages settled at the end and left open
 * when the run is cancelled. (batch.e2e.test.ts runs the bundle with many caches end to end.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { resolveTargets, runAll, runPool, type BatchContext } from '../src/batch.js';
import type { Inputs, OnCachesInputs } from '../src/inputs.js';
import { ActionError } from '../src/errors.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { countingLedger, recordingLog, simClient, stepInputs, type CountingLedger, type RecordingLog } from './helpers/step-context.js';
import { stepBudget } from '../src/operations/context.js';

const KEY = 'pk-batch-test-6d20';
/** The simulator and the step share a virtual clock: polls and timeouts take no real time. */
const clock = new VirtualClock(Date.now());
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { appearDelayMs: 0, durationMs: 400 }, clock });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

interface Step {
  step: BatchContext;
  log: RecordingLog;
  ledger: CountingLedger;
}

/** A StepContext as main.ts builds it, by hand: parsed inputs, a client, the ledger, the deadline. */
function stepOf(
  extra: Record<string, string>,
  options: { deadlineMs?: number; controller?: AbortController; onSave?: (json: string) => void } = {}
): Step {
  const inputs = stepInputs(sim.url, KEY, extra);
  const log = recordingLog();
  const ledger = countingLedger(options.onSave);
  const budget = stepBudget({ ...inputs, timeoutMs: options.deadlineMs ?? inputs.timeoutMs }, clock.now());
  const step: BatchContext = {
    inputs,
    client: simClient(inputs, options.controller?.signal, clock),
    deadline: budget.deadline,
    budget,
    signal: options.controller?.signal,
    log,
    ledger: ledger.ledger
  };
  return { step, log, ledger };
}

const onCaches = (inputs: Inputs): OnCachesInputs => {
  if (inputs.operation === 'create') throw new Error('not an operation on caches');
  return inputs;
};
const triggersOf = (cacheId: string) =>
  sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/cache/${cacheId}/fullRefreshUpdate`));
const requestsFor = (cacheId: string) => sim.requests.filter((r) => r.path.includes(`/cache/${cacheId}`));

describe('runAll: one slot per cache, in the order given', () => {
  test('three caches by cache-id: three slots, keyed 0..2, each with its cache and its own outcome', async () => {
    const caches = [
      sim.addCache({ tableName: 'a' }),
      sim.addCache({ tableName: 'b', previous: { incremental: {} } }),
      sim.addCache({ tableName: 'c' })
    ];
    const { step, log } = stepOf({ operation: 'status', 'cache-id': caches.map((c) => c.id).join('\n') });
    const { slots } = await clock.run(runAll(step));
    expect(slots.map((s) => s.key)).toEqual(['0', '1', '2']);
    expect(slots.map((s) => s.known.cacheId)).toEqual(caches.map((c) => c.id));
    expect(slots.map((s) => s.outcome?.conclusion)).toEqual(['success', 'success', 'success']);
    expect(slots[1].outcome?.message).toContain(`payment.b (${caches[1].id}) is COMPLETED`);
    expect(slots[0].outcome?.message).toContain('has no executions yet');
    expect(log.lines).toContain('Operation status on 3 caches, at most 4 at a time.');
  });

  test('with max-parallel 1 the caches are worked one after the other, in the order given', async () => {
    const caches = [sim.addCache(), sim.addCache(), sim.addCache()];
    const { step } = stepOf({
      operation: 'full-refresh',
      wait: 'false',
      'max-parallel': '1',
      'cache-id': caches
        .map((c) => c.id)
        .reverse()
        .join(',')
    });
    const { slots } = await clock.run(runAll(step));
    const sent = sim.requests.filter((r) => r.method === 'POST' && caches.some((c) => r.path.endsWith(`/cache/${c.id}/fullRefreshUpdate`)));
    expect(sent.map((r) => r.path.split('/').at(-2))).toEqual(caches.map((c) => c.id).reverse());
    expect(slots.map((s) => s.outcome?.conclusion)).toEqual(['success', 'success', 'success']);
  });
});

describe('one cache failing does not stop the others', () => {
  test('a trigger refused for one cache: that cache fails, the others are triggered and succeed', async () => {
    const [a, b, c] = [sim.addCache(), sim.addCache(), sim.addCache()];
    sim.fault({ type: 'status', status: 400, method: 'POST', path: `/cache/${b.id}/fullRefreshUpdate` });
    const { step, ledger } = stepOf({
      operation: 'full-refresh',
      wait: 'false',
      'max-parallel': '1',
      'cache-id': [a.id, b.id, c.id].join('\n')
    });
    const { slots } = await clock.run(runAll(step));
    expect(slots.map((s) => s.outcome?.conclusion)).toEqual(['success', 'failure', 'success']);
    expect(slots[1].outcome?.message).toMatch(/^Failed starting a full refresh of cache .*: Peaka answered HTTP 400/);
    expect([a, b, c].map((x) => triggersOf(x.id).length)).toEqual([1, 1, 1]);
    expect(sim.startedExecutions(a.id)).toHaveLength(1);
    expect(sim.startedExecutions(c.id)).toHaveLength(1);
    expect(sim.startedExecutions(b.id)).toHaveLength(0);
    expect(ledger.ledger.open()).toEqual([]);
  });

  test("a cache that does not exist fails with Peaka's 404; the caches around it succeed", async () => {
    const [a, c] = [sim.addCache(), sim.addCache()];
    const missing = '7d3c0a9e-0000-4000-8000-00000000dead';
    const { step } = stepOf({ operation: 'status', 'cache-id': [a.id, missing, c.id].join('\n') });
    const { slots } = await clock.run(runAll(step));
    expect(slots.map((s) => s.outcome?.conclusion)).toEqual(['success', 'failure', 'success']);
    expect(slots[1].known.cacheId).toBe(missing);
    expect(slots[1].outcome?.message).toContain('HTTP 404');
  });
});

describe('a cache whose turn comes after the deadline is not started', () => {
  test.each([
    ['fail-on-error: true', 'true', 'failure'],
    ['fail-on-error: false', 'false', 'warning']
  ])('%s: "Not started", timed out, and nothing sent for it', async (_name, failOnError, conclusion) => {
    const [slow, late] = [sim.addCache(), sim.addCache()];
    // The first cache's update hangs until the deadline; the second's turn comes after it.
    sim.fault({ type: 'hang', method: 'PUT', path: `/cache/${slow.id}` });
    const { step } = stepOf(
      {
        operation: 'update-schedule',
        'full-refresh-schedule': 'PT6H',
        'max-parallel': '1',
        'fail-on-error': failOnError,
        'cache-id': `${slow.id},${late.id}`
      },
      { deadlineMs: 1_500 }
    );
    const { slots } = await clock.run(runAll(step));
    expect(slots[0].outcome?.conclusion).toBe('failure');
    expect(slots[1]).toMatchObject({
      known: { cacheId: late.id, timedOut: true },
      outcome: {
        conclusion,
        message: "Not started: the step's timeout was reached before this cache's turn (max-parallel 1). Raise timeout or max-parallel."
      }
    });
    expect(requestsFor(late.id)).toHaveLength(0);
  });
});

describe('an id that cannot go in a path fails that cache only', () => {
  // With status, the status comes from the shared list: no request would have refused the id.
  test.each(['status', 'full-refresh'])(
    '%s: a listed cache whose id is ".." fails with a clear message and no request; the other cache of the catalog succeeds',
    async (operation) => {
      const catalogId = `cat-dotdot-${operation}`;
      const good = sim.addCache({ catalogId });
      sim.addCache({ id: '..', catalogId });
      try {
        const { step } = stepOf({ operation, ...(operation === 'full-refresh' ? { wait: 'false' } : {}), 'catalog-id': catalogId });
        const before = sim.requests.length;
        const { slots } = await clock.run(runAll(step));
        const byId = new Map(slots.map((s) => [s.known.cacheId, s.outcome]));
        expect(byId.get('..')).toEqual({
          conclusion: 'failure',
          message:
            'The cache id ".." cannot be used in a request: as a path segment it would address another endpoint. Check the caches in Peaka.'
        });
        expect(byId.get(good.id)?.conclusion).toBe('success');
        expect(sim.startedExecutions(good.id)).toHaveLength(operation === 'full-refresh' ? 1 : 0);
        // Nothing but status lists and the good cache's own requests.
        expect(
          sim.requests.slice(before).filter((r) => !r.path.includes(good.id) && !(r.method === 'GET' && r.path.endsWith('/cache/status')))
        ).toEqual([]);
      } finally {
        sim.caches.delete('..');
      }
    }
  );
});

describe("the run's cancel", () => {
  test('cancelled while following the first cache: no slot gets an outcome, the second cache is never sent, and the page of the execution started stays open', async () => {
    const [first, second] = [sim.addCache({ previous: { 'full-refresh': {} } }), sim.addCache()];
    sim.planNext(first.id, 'full-refresh', { durationMs: 60_000 });
    const controller = new AbortController();
    // The run is cancelled as soon as the ledger saves the execution the trigger started.
    const { step, ledger } = stepOf(
      { operation: 'full-refresh', 'max-parallel': '1', 'cache-id': `${first.id}\n${second.id}` },
      { controller, onSave: (json) => json.includes('executionId') && controller.abort() }
    );
    const { slots } = await clock.run(runAll(step));
    const [started] = sim.startedExecutions(first.id);
    expect(controller.signal.aborted).toBe(true);
    expect(slots.map((s) => s.outcome)).toEqual([undefined, undefined]);
    expect(ledger.ledger.open()).toEqual([
      { key: '0', started: { cacheId: first.id, kind: 'full-refresh', previousId: first.executions[0].id, executionId: started.id } }
    ]);
    expect(JSON.parse(ledger.last())).toEqual([
      { cacheId: first.id, kind: 'full-refresh', previousId: first.executions[0].id, executionId: started.id }
    ]);
    expect(requestsFor(second.id)).toHaveLength(0);
    // Cancelling is the abort path's job (main.ts), not batch.ts's.
    expect(sim.statusAt(started, clock.now())).toBe('RUNNING');
  });

  test('cancelled before the run: nothing is sent, no slot has an outcome, the ledger saves nothing', async () => {
    const cache = sim.addCache();
    const controller = new AbortController();
    controller.abort();
    const { step, ledger } = stepOf({ operation: 'full-refresh', 'cache-id': cache.id }, { controller });
    const { slots } = await clock.run(runAll(step));
    expect(slots).toEqual([{ key: '0', known: expect.objectContaining({ cacheId: cache.id }) }]);
    expect(requestsFor(cache.id)).toHaveLength(0);
    expect(ledger.saves).toEqual([]);
  });
});

describe('the ledger after a normal end', () => {
  test('every page is settled: two caches triggered and followed to their end leave nothing for the post step', async () => {
    const caches = [sim.addCache(), sim.addCache()];
    const { step, ledger } = stepOf({ operation: 'full-refresh', 'cache-id': caches.map((c) => c.id).join('\n') });
    const { slots } = await clock.run(runAll(step));
    expect(slots.map((s) => s.outcome?.conclusion)).toEqual(['success', 'success']);
    // Each page was open (with its execution) while the step followed it, and closed at the end.
    for (const cache of caches) {
      const [execution] = sim.startedExecutions(cache.id);
      expect(ledger.saves.some((json) => JSON.parse(json).some((p: { executionId?: string }) => p.executionId === execution.id))).toBe(
        true
      );
    }
    expect(ledger.ledger.open()).toEqual([]);
    expect(ledger.last()).toBe('[]');
  });

  test('a page that cancel-on-timeout left for the post step stays open after the run', async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 60_000 });
    const { step, ledger } = stepOf(
      { operation: 'full-refresh', 'cancel-on-timeout': 'true', 'cache-id': cache.id },
      { deadlineMs: 2_000 }
    );
    const { slots } = await clock.run(runAll(step));
    expect(slots[0].outcome?.message).toContain('the post step will look for it and cancel it');
    expect(JSON.parse(ledger.last())).toEqual([{ cacheId: cache.id, kind: 'full-refresh', onTimeout: true }]);
  });
});

describe('runPool', () => {
  /** Lets other workers run: a few turns of the event loop, no timer. */
  const yieldTurns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  };

  test.each([
    [10, 3],
    [10, 1],
    [2, 5]
  ])('%i items, limit %i: never more at once than the limit (or the items), each item once', async (count, limit) => {
    let active = 0;
    let most = 0;
    const done: number[] = [];
    await runPool(
      Array.from({ length: count }, (_, i) => i),
      limit,
      async (item) => {
        active++;
        most = Math.max(most, active);
        await yieldTurns((item % 3) + 1);
        active--;
        done.push(item);
      }
    );
    expect(most).toBe(Math.min(limit, count));
    expect([...done].sort((x, y) => x - y)).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  test('a failing item does not stop the others; the first failure is thrown once all are done', async () => {
    const done: number[] = [];
    const run = runPool([0, 1, 2, 3, 4, 5], 2, async (item) => {
      await yieldTurns(1);
      if (item === 1 || item === 4) throw new Error(`item ${item} failed`);
      done.push(item);
    });
    await expect(run).rejects.toThrow('item 1 failed');
    expect(done.sort()).toEqual([0, 2, 3, 5]);
  });

  test('no items: no work', async () => {
    let calls = 0;
    await runPool([], 4, async () => void calls++);
    expect(calls).toBe(0);
  });
});

describe('resolveTargets', () => {
  const targets = (extra: Record<string, string>) => {
    const { step, log } = stepOf({ operation: 'status', ...extra });
    return { run: () => resolveTargets(onCaches(step.inputs), step.client, step.deadline, step.log), log };
  };

  test('cache-id: the ids as given, with no request', async () => {
    const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
    const before = sim.requests.length;
    await expect(targets({ 'cache-id': ids.join(',') }).run()).resolves.toEqual({ ids });
    expect(sim.requests.length).toBe(before);
  });

  test("catalog-id: the caches of that catalog, read from the catalog's own list", async () => {
    const mine = [sim.addCache({ catalogId: 'cat-pick' }), sim.addCache({ catalogId: 'cat-pick' })];
    sim.addCache({ catalogId: 'cat-other' });
    const { ids } = await targets({ 'catalog-id': 'cat-pick' }).run();
    expect(ids).toEqual(mine.map((c) => c.id));
    expect(sim.requests.at(-1)?.path).toBe('/api/v1/data/projects/mtKDhe1U/catalog/cat-pick/cache/status');
  });

  test("an entry of the catalog's list that names another catalog is left out", async () => {
    const mine = sim.addCache({ catalogId: 'cat-strict' });
    const stray = sim.addCache({ catalogId: 'cat-stray' });
    sim.fault({
      type: 'reshape',
      method: 'GET',
      path: '/catalog/cat-strict/cache/status',
      reshape: (json) => [
        ...(json as object[]),
        { id: stray.id, catalogId: 'cat-stray', schemaName: stray.schemaName, tableName: stray.tableName }
      ]
    });
    await expect(targets({ 'catalog-id': 'cat-strict' }).run()).resolves.toEqual({ ids: [mine.id] });
  });

  test('a cache the list names twice is worked on once (two triggers would start two executions)', async () => {
    const only = sim.addCache({ catalogId: 'cat-twice' });
    sim.fault({
      type: 'reshape',
      method: 'GET',
      path: '/catalog/cat-twice/cache/status',
      reshape: (json) => [...(json as object[]), ...(json as object[])]
    });
    await expect(targets({ 'catalog-id': 'cat-twice' }).run()).resolves.toEqual({ ids: [only.id] });
  });

  test('schema-name: the caches of that schema in the project; with catalog-id too, of both', async () => {
    const a = sim.addCache({ catalogId: 'cat-s1', schemaName: 'ledger_schema' });
    const b = sim.addCache({ catalogId: 'cat-s2', schemaName: 'ledger_schema' });
    sim.addCache({ catalogId: 'cat-s1', schemaName: 'other_schema' });
    await expect(targets({ 'schema-name': 'ledger_schema' }).run()).resolves.toEqual({ ids: [a.id, b.id] });
    await expect(targets({ 'schema-name': 'ledger_schema', 'catalog-id': 'cat-s2' }).run()).resolves.toEqual({ ids: [b.id] });
  });

  test('no cache matches: a clear error naming the selection and what the catalog holds', async () => {
    sim.addCache({ catalogId: 'cat-few', schemaName: 'kept' });
    const failure = await targets({ 'catalog-id': 'cat-few', 'schema-name': 'absent' })
      .run()
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ActionError);
    expect((failure as Error).message).toBe(
      'No cache in project mtKDhe1U matches catalog-id cat-few and schema-name absent (catalog cat-few has 1 cache). Check the ids, or name caches with cache-id.'
    );
  });

  test('no cache matches in runAll: it fails before any cache is worked, with nothing written', async () => {
    const { step, ledger } = stepOf({ operation: 'full-refresh', 'catalog-id': 'cat-empty' });
    const before = sim.requests.length;
    await expect(clock.run(runAll(step))).rejects.toThrow(
      'No cache in project mtKDhe1U matches catalog-id cat-empty (catalog cat-empty has 0 caches).'
    );
    expect(sim.requests.slice(before).map((r) => r.method)).toEqual(['GET']);
    expect(ledger.saves).toEqual([]);
  });
});
