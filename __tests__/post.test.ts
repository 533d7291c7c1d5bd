/**
 * The post step (src/post.ts) in this process: runPost with the main step's saved state as
 * STATE_started-<n> (one ledger page each) and the step's inputs, against the Peaka simulator on 127.0.0.1. What a killed main
 * step leaves is made here as Peaka would hold it: executions triggered (or a cache created) through
 * the API and still running. The post step after a real SIGKILL is in cancellation.e2e.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator, type Kind, type SimExecution } from '../simulator/peaka-simulator.js';
import { runPost } from '../src/post.js';
import { placesOf, runStep, waitFor, type StepRun } from './helpers/in-process-step.js';

const KEY = 'pk-post-in-process-3c9e81f0a6';
const PROJECT = 'mtKDhe1U';
let sim: PeakaSimulator;
beforeAll(async () => {
  // What the main step started runs for a minute: long past any test.
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 60_000, records: 500, appearDelayMs: 100 } });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

const inputs = (extra: Record<string, string>) => ({
  'api-key': KEY,
  'project-id': PROJECT,
  'api-url': sim.url,
  operation: 'full-refresh',
  timeout: '20s',
  'poll-interval': '1s',
  ...extra
});
/**
 * The state as main.ts saves it: one `started-<n>` per ledger page. A JSON list is split into its
 * pages; any other text is saved as one page, as it is (to test what the post step cannot read).
 */
function pagesOf(state: string | undefined): Record<string, string> {
  if (state === undefined) return {};
  let list: unknown;
  try {
    list = JSON.parse(state);
  } catch {
    return { 'started-0': state };
  }
  if (!Array.isArray(list)) return { 'started-0': state };
  return Object.fromEntries(list.map((page, i) => [`started-${i}`, JSON.stringify(page)]));
}
const post = async (state: string | undefined, extra: Record<string, string>): Promise<StepRun> => {
  const run = await runStep(runPost, inputs(extra), { state: pagesOf(state) });
  expect(placesOf(run, KEY)).toEqual([]);
  return run;
};

/** What the main step sent before it was killed: a trigger, answered, whose execution now runs. */
async function triggered(cacheId: string, kind: Kind): Promise<SimExecution> {
  const action = kind === 'full-refresh' ? 'fullRefreshUpdate' : 'incrementalUpdate';
  const answer = await fetch(`${sim.url}/data/projects/${PROJECT}/cache/${cacheId}/${action}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}` }
  });
  expect(answer.status).toBe(200);
  const execution = sim.startedExecutions(cacheId, kind).at(-1)!;
  await waitFor('the execution to run', () => sim.statusAt(execution, Date.now()) === 'RUNNING');
  return execution;
}

const cancelsOf = (cacheId: string) =>
  sim.requests.filter((r) => r.method === 'POST' && r.path.includes(`/cache/${cacheId}/cancel`)).map((r) => r.path.split('/').at(-1));
const warnings = (run: StepRun) => run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);

describe('what the main step left running', () => {
  test('is cancelled: an execution the main step saw, and one it had only triggered', async () => {
    const seenCache = sim.addCache({ previous: { 'full-refresh': {} } });
    const unseenCache = sim.addCache({ previous: { incremental: {} } });
    const seen = await triggered(seenCache.id, 'full-refresh');
    const unseen = await triggered(unseenCache.id, 'incremental');
    const state = [
      { cacheId: seenCache.id, kind: 'full-refresh', previousId: seenCache.executions[0].id, executionId: seen.id },
      { cacheId: unseenCache.id, kind: 'incremental', previousId: unseenCache.executions[0].id }
    ];

    const run = await post(JSON.stringify(state), { 'cache-id': `${seenCache.id}\n${unseenCache.id}` });

    expect(cancelsOf(seenCache.id)).toEqual(['cancelFullRefreshUpdate']);
    expect(cancelsOf(unseenCache.id)).toEqual(['cancelIncrementalUpdate']);
    await waitFor('Peaka to show both cancelled', () => [seen, unseen].every((e) => sim.statusAt(e, Date.now()) === 'CANCELLED'));
    expect(warnings(run).sort()).toEqual(
      [
        `The main step did not finish. Cancelled the full refresh ${seen.id} that this step started.`,
        `The main step did not finish. Cancelled the incremental sync ${unseen.id} that this step started.`
      ].sort()
    );
    expect(run.failed).toBe(false);
  });

  test('that already ended is reported, and no cancel is sent', async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'full-refresh', { durationMs: 50, appearDelayMs: 0 });
    const answer = await fetch(`${sim.url}/data/projects/${PROJECT}/cache/${cache.id}/fullRefreshUpdate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}` }
    });
    expect(answer.status).toBe(200);
    const [execution] = sim.startedExecutions(cache.id);
    await waitFor('the execution to complete', () => sim.statusAt(execution, Date.now()) === 'COMPLETED');

    const run = await post(JSON.stringify([{ cacheId: cache.id, kind: 'full-refresh', executionId: execution.id }]), {
      'cache-id': cache.id
    });

    expect(cancelsOf(cache.id)).toEqual([]);
    expect(run.stdout).toContain(`The full refresh ${execution.id} that this step started had already ended (COMPLETED).`);
    expect(warnings(run)).toEqual([]);
  });

  test('after a create whose answer was lost: the cache is found by its table, and its first sync cancelled', async () => {
    const table = { catalogId: 'cat-post-create', schemaName: 'payment', tableName: 'created_then_killed' };
    const answer = await fetch(`${sim.url}/data/projects/${PROJECT}/cache`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(table)
    });
    expect(answer.status).toBe(200);
    const cache = [...sim.caches.values()].find((c) => c.tableName === table.tableName)!;
    const [firstSync] = sim.startedExecutions(cache.id);

    const run = await post(JSON.stringify([{ table, tableFree: true }]), {
      operation: 'create',
      'catalog-id': table.catalogId,
      'schema-name': table.schemaName,
      'table-name': table.tableName
    });

    expect(cancelsOf(cache.id)).toEqual(['cancelFullRefreshUpdate']);
    await waitFor('Peaka to show the first sync cancelled', () => sim.statusAt(firstSync, Date.now()) === 'CANCELLED');
    expect(warnings(run)).toEqual([
      `The main step did not finish. Table payment.created_then_killed now has cache ${cache.id}, most likely made by the create that this step sent when it was stopped (the table had no cache before it). Cancelled the full refresh ${firstSync.id} that this step started.`
    ]);
  });

  test("a refused cancel is a warning that names the cache and Peaka's answer, without the key", async () => {
    const cache = sim.addCache();
    const execution = await triggered(cache.id, 'full-refresh');
    const wrongKey = 'pk-rotated-away-0000000000';
    const run = await runStep(runPost, inputs({ 'cache-id': cache.id, 'api-key': wrongKey }), {
      state: pagesOf(JSON.stringify([{ cacheId: cache.id, kind: 'full-refresh', executionId: execution.id }]))
    });
    expect(placesOf(run, wrongKey)).toEqual([]);
    expect(cancelsOf(cache.id)).toEqual([]);
    expect(sim.statusAt(execution, Date.now())).toBe('RUNNING');
    expect(warnings(run)).toEqual([
      expect.stringMatching(new RegExp(`^The main step did not finish, and cancelling what it started on cache ${cache.id} failed: .*401`))
    ]);
  });
});

describe('cancel-on-abort: false', () => {
  test('leaves what the main step started running, but cancels what cancel-on-timeout left for this step', async () => {
    const kept = sim.addCache();
    const timedOut = sim.addCache();
    const keptRun = await triggered(kept.id, 'full-refresh');
    const timedOutRun = await triggered(timedOut.id, 'full-refresh');
    const state = [
      { cacheId: kept.id, kind: 'full-refresh', executionId: keptRun.id },
      { cacheId: timedOut.id, kind: 'full-refresh', onTimeout: true }
    ];

    const run = await post(JSON.stringify(state), { 'cache-id': `${kept.id},${timedOut.id}`, 'cancel-on-abort': 'false' });

    expect(cancelsOf(kept.id)).toEqual([]);
    expect(sim.statusAt(keptRun, Date.now())).toBe('RUNNING');
    expect(cancelsOf(timedOut.id)).toEqual(['cancelFullRefreshUpdate']);
    expect(run.stdout).toContain('The main step did not finish; what it started is left running (cancel-on-abort: false).');
    expect(warnings(run)).toEqual([
      `The main step timed out (cancel-on-timeout). Cancelled the full refresh ${timedOutRun.id} that this step started.`
    ]);
  });

  test('with nothing left by cancel-on-timeout, sends no request', async () => {
    const cache = sim.addCache();
    const execution = await triggered(cache.id, 'full-refresh');
    const before = sim.requests.length;
    const run = await post(JSON.stringify([{ cacheId: cache.id, kind: 'full-refresh', executionId: execution.id }]), {
      'cache-id': cache.id,
      'cancel-on-abort': 'false'
    });
    expect(sim.requests.length).toBe(before);
    expect(run.annotations).toEqual([]);
  });
});

describe('a state that cannot be read', () => {
  const unreadable: [string, string, string][] = [
    ['not JSON', '{"cacheId": "abc"', 'an entry is not JSON'],
    ['not an object', '["b1e5b0d2-54a8-4a0e-9d4e-2c4f1d0c9e11"]', 'an entry is not an object'],
    [
      'an entry with neither cache id nor table',
      '{"kind": "full-refresh", "executionId": "e1"}',
      'an entry has neither a cache id nor a table, or an unknown kind'
    ],
    [
      'an entry with part of a table',
      '{"table": {"catalogId": "c", "schemaName": "payment"}}',
      'an entry has neither a cache id nor a table, or an unknown kind'
    ],
    [
      'an entry of an unknown kind',
      '{"cacheId": "b1e5b0d2-54a8-4a0e-9d4e-2c4f1d0c9e11", "kind": "snapshot"}',
      'an entry has neither a cache id nor a table, or an unknown kind'
    ]
  ];

  test.each(unreadable)('%s: a warning that names the caches to check, and no request', async (_what, state, reason) => {
    const before = sim.requests.length;
    const ids = ['5d0e8f6a-1b2c-4d3e-8f9a-0b1c2d3e4f50', '6e1f9a7b-2c3d-4e4f-9a0b-1c2d3e4f5061'];
    const run = await post(state, { 'cache-id': ids.join('\n') });
    expect(sim.requests.length).toBe(before);
    expect(run.failed).toBe(false);
    expect(warnings(run)).toEqual([
      `The post step could not read 1 of the 1 entries the main step saved (${reason}), so it cannot cancel what those may name: check ${ids.join(', ')} in Peaka and cancel any execution that should not keep running.`
    ]);
  });

  test('without cache-id the warning points at the caches the step selected', async () => {
    const run = await post('"oops"', { 'cache-id': '', tables: 'payment.*' });
    expect(warnings(run)).toEqual([
      'The post step could not read 1 of the 1 entries the main step saved (an entry is not an object), so it cannot cancel what those may name: check the caches the step selected in Peaka and cancel any execution that should not keep running.'
    ]);
  });
});

describe('nothing left', () => {
  test.each([
    ['an empty ledger', '[]'],
    ['no saved state (the main step ended before it saved one)', undefined]
  ])('%s: no request and nothing said', async (_what, state) => {
    const before = sim.requests.length;
    const run = await post(state, { 'cache-id': sim.addCache().id });
    expect(sim.requests.length).toBe(before);
    expect(run.annotations).toEqual([]);
    expect(run.failed).toBe(false);
  });
});
