/**
 * The main step (src/main.ts) in this process: runMain called with the environment the runner
 * gives it, against the Peaka simulator on 127.0.0.1. The run's cancel is main's own SIGINT
 * handler, called by process.emit (no real signal). The bundled action's end-to-end runs are in
 * action.e2e.test.ts and cancellation.e2e.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator, type SimExecution } from '../simulator/peaka-simulator.js';
import { runMain } from '../src/main.js';
import { placesOf, runStep, startStep, waitFor, type StepRun } from './helpers/in-process-step.js';
import { openPages } from './helpers/run-action.js';

const KEY = 'pk-main-in-process-7d41c2e09b';
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 800, records: 1_000, appearDelayMs: 200 } });
});
afterAll(() => sim.close());

const listeners = { SIGINT: 0, SIGTERM: 0 };
beforeEach(() => {
  sim.clearFaults();
  listeners.SIGINT = process.listenerCount('SIGINT');
  listeners.SIGTERM = process.listenerCount('SIGTERM');
});

/** The inputs a workflow passes: the simulator, the key, a short budget and polls. */
const inputs = (extra: Record<string, string>) => ({
  'api-key': KEY,
  'project-id': 'mtKDhe1U',
  'api-url': sim.url,
  timeout: '20s',
  'poll-interval': '1s',
  ...extra
});

/** Every run: the key nowhere, and main's signal handlers gone with it. */
function checked(run: StepRun): StepRun {
  expect(placesOf(run, KEY)).toEqual([]);
  expect({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }).toEqual(listeners);
  return run;
}

/** The ledger's open pages in the saved state (one `started-<n>` each), as the post step reads them. */
const started = (run: Pick<StepRun, 'state'>) => openPages(run.state);
const errorOf = (run: StepRun) => run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
const cancelsOf = (cacheId: string) => sim.requests.filter((r) => r.method === 'POST' && r.path.includes(`/cache/${cacheId}/cancel`));

describe('a full refresh', () => {
  test('sets the outputs and the job summary from the execution it started, and ends with a notice', async () => {
    const cache = sim.addCache({ schemaName: 'payment', tableName: 'invoices', previous: { 'full-refresh': { records: 10 } } });
    sim.planNext(cache.id, 'full-refresh', { records: 4_321, durationMs: 600 });

    const run = checked(await runStep(runMain, inputs({ operation: 'full-refresh', 'cache-id': cache.id })));

    const [execution] = sim.startedExecutions(cache.id);
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({
      'cache-id': cache.id,
      'execution-id': execution.id,
      'execution-type': 'full-refresh',
      status: 'COMPLETED',
      'cached-records': '4321',
      'timed-out': 'false',
      stalled: 'false'
    });
    expect(JSON.parse(run.outputs.result)).toMatchObject({
      operation: 'full-refresh',
      table: 'payment.invoices',
      conclusion: 'success',
      'execution-id': execution.id
    });
    expect(run.summary).toContain('payment.invoices');
    expect(run.summary).toContain('4,321');
    expect(run.annotations.at(-1)?.level).toBe('notice');
    expect(started(run)).toEqual([]);
  });

  test("saves the ledger's entry while the trigger is in flight, and an empty ledger at the end", async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const previousId = cache.executions[0].id;
    // The trigger's answer takes a second: the post step must know of it before it leaves.
    sim.fault({ method: 'POST', path: `${cache.id}/fullRefreshUpdate`, type: 'slow', delayMs: 1_000 });
    const step = startStep(runMain, inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    await waitFor('the trigger to reach Peaka', () => sim.requests.some((r) => r.path.endsWith(`${cache.id}/fullRefreshUpdate`)));

    expect(openPages(step.state())).toEqual([{ cacheId: cache.id, kind: 'full-refresh', previousId }]);
    const run = checked(await step.done);
    expect(run.failed).toBe(false);
    expect(started(run)).toEqual([]);
  });

  test('several caches, one failing: the step fails, and the result output has each cache with its own outcome', async () => {
    const caches = ['alpha', 'beta', 'gamma'].map((tableName) => sim.addCache({ schemaName: 'multi', tableName }));
    sim.planNext(caches[1].id, 'full-refresh', { outcome: 'FAILED', error: 'Source table multi.beta is unreachable' });

    const run = checked(await runStep(runMain, inputs({ operation: 'full-refresh', 'cache-id': caches.map((c) => c.id).join('\n') })));

    expect(run.failed).toBe(true);
    const result = JSON.parse(run.outputs.result) as { 'cache-id': string; status: string; conclusion: string; error?: string }[];
    expect(result.map((r) => [r['cache-id'], r.status, r.conclusion])).toEqual([
      [caches[0].id, 'COMPLETED', 'success'],
      [caches[1].id, 'FAILED', 'failure'],
      [caches[2].id, 'COMPLETED', 'success']
    ]);
    expect(result[1].error).toBe('Source table multi.beta is unreachable');
    expect(run.outputs.status).toBe('FAILED');
    expect(run.outputs['cache-id']).toBe(caches.map((c) => c.id).join(','));
    expect(errorOf(run)).toEqual([
      expect.stringContaining('Source table multi.beta is unreachable'),
      '1 of 3 caches did not succeed (2 COMPLETED, 1 FAILED).'
    ]);
    expect(started(run)).toEqual([]);
  });
});

describe('the report', () => {
  test('summary: false writes no job summary, and the outputs still tell', async () => {
    const cache = sim.addCache({ previous: { incremental: {} } });
    const run = checked(await runStep(runMain, inputs({ operation: 'status', 'cache-id': cache.id, summary: 'false' })));
    expect(run.failed).toBe(false);
    expect(run.summary).toBe('');
    expect(run.outputs).toMatchObject({ 'cache-id': cache.id, status: 'COMPLETED', 'execution-type': 'incremental' });
  });

  test('tables that select nothing, with allow-no-match: the step succeeds and says why, with nothing triggered', async () => {
    const before = sim.requests.filter((r) => r.method === 'POST').length;
    const run = checked(
      await runStep(
        runMain,
        inputs({ operation: 'full-refresh', tables: 'nowhere.*', 'allow-no-match': 'true', 'catalog-id': 'cat-empty' })
      )
    );
    expect(run.failed).toBe(false);
    expect(sim.requests.filter((r) => r.method === 'POST').length).toBe(before);
    const result = JSON.parse(run.outputs.result) as { conclusion: string; message: string };
    expect(result.conclusion).toBe('success');
    expect(run.annotations.at(-1)).toEqual({ level: 'notice', message: result.message });
    expect(result.message).toMatch(/nothing to do/);
    // Nothing was started, so the ledger never saved: the post step reads no state as nothing to cancel.
    expect(Object.keys(run.state).filter((name) => name.startsWith('started-'))).toEqual([]);
  });
});

describe('bad inputs', () => {
  test('fail the step with every problem named, before any request', async () => {
    const before = sim.requests.length;
    const run = checked(await runStep(runMain, inputs({ operation: 'full-refresh', 'cache-id': 'not-a-uuid', 'poll-interval': 'often' })));

    expect(run.failed).toBe(true);
    expect(errorOf(run)).toEqual([
      [
        '2 inputs need fixing:',
        `  - Input 'cache-id' has "not-a-uuid", which is not a cache id; a cache id is a UUID such as 960bd651-7b3c-4511-9a88-18e14ac7742a (several: one per line or comma-separated).`,
        `  - Input 'poll-interval' is "often", which is not a duration. Use seconds (90), units (90s, 15m, 2h, 1h30m) or ISO-8601 (PT1H30M).`
      ].join('\n')
    ]);
    expect(sim.requests.length).toBe(before);
    expect(run.outputs).toEqual({});
    expect(Object.keys(run.state).filter((name) => name.startsWith('started-'))).toEqual([]);
  });

  test('a key with white space is refused without echoing it', async () => {
    const before = sim.requests.length;
    const run = await runStep(runMain, inputs({ operation: 'status', 'cache-id': sim.addCache().id, 'api-key': `${KEY} extra` }));
    expect(run.failed).toBe(true);
    expect(errorOf(run)).toEqual([
      "Input 'api-key' contains white space or control characters; an API key is one word. Check the secret's value."
    ]);
    expect(placesOf(run, KEY)).toEqual([]);
    expect(sim.requests.length).toBe(before);
  });
});

describe("the run's cancel (SIGINT)", () => {
  /** A full refresh that runs for a minute, and the step following it: SIGINT is sent once the step has seen it. */
  async function interrupted(extra: Record<string, string>): Promise<{ run: StepRun; execution: SimExecution; cacheId: string }> {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.planNext(cache.id, 'full-refresh', { durationMs: 60_000 });
    const step = startStep(runMain, inputs({ operation: 'full-refresh', 'cache-id': cache.id, ...extra }));
    await waitFor('the step to follow its execution', () => /"executionId"/.test(JSON.stringify(openPages(step.state()))));
    const [execution] = sim.startedExecutions(cache.id);
    expect(sim.statusAt(execution, Date.now())).toBe('RUNNING');
    process.emit('SIGINT', 'SIGINT');
    return { run: checked(await step.done), execution, cacheId: cache.id };
  }

  test('cancels the execution the step started, and the outputs say so', async () => {
    const { run, execution, cacheId } = await interrupted({});

    expect(cancelsOf(cacheId).map((r) => r.path)).toEqual([`/api/v1/data/projects/mtKDhe1U/cache/${cacheId}/cancelFullRefreshUpdate`]);
    await waitFor('Peaka to show the execution cancelled', () => sim.statusAt(execution, Date.now()) === 'CANCELLED');
    expect(run.failed).toBe(true);
    expect(errorOf(run)).toEqual([`The workflow run was cancelled. Cancelled the full refresh ${execution.id} that this step started.`]);
    expect(run.outputs).toMatchObject({ 'execution-id': execution.id, status: 'CANCELLED' });
    expect(JSON.parse(run.outputs.result)).toMatchObject({ conclusion: 'failure', status: 'CANCELLED' });
    expect(run.stdout).toContain('Received SIGINT: the workflow run is being cancelled.');
    expect(started(run)).toEqual([]);
  });

  test('with cancel-on-abort: false, the execution keeps running, and nothing is left for the post step', async () => {
    const { run, execution, cacheId } = await interrupted({ 'cancel-on-abort': 'false' });

    expect(cancelsOf(cacheId)).toEqual([]);
    expect(execution.cancelledAt).toBeUndefined();
    expect(sim.statusAt(execution, Date.now())).toBe('RUNNING');
    expect(run.failed).toBe(true);
    expect(errorOf(run)).toEqual([
      'The workflow run was cancelled; what this step started keeps running in Peaka (cancel-on-abort: false).'
    ]);
    expect(started(run)).toEqual([]);
  });

  test('before anything was triggered: nothing is sent after the cancel, and the step says nothing was started', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    // The status read before the trigger hangs until the cancel ends it.
    sim.fault({ method: 'GET', path: `${cache.id}/status`, type: 'hang' });
    const step = startStep(runMain, inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    await waitFor('the first status read to reach Peaka', () => sim.requests.some((r) => r.path.includes(`${cache.id}/status`)));
    process.emit('SIGINT', 'SIGINT');
    const run = checked(await step.done);

    expect(sim.requests.filter((r) => r.method === 'POST' && r.path.includes(cache.id))).toEqual([]);
    expect(run.failed).toBe(true);
    expect(errorOf(run)).toEqual(['The workflow run was cancelled before this step started anything.']);
    expect(started(run)).toEqual([]);
  });

  test('several caches: each started execution is cancelled, and the step sums them up', async () => {
    const caches = [sim.addCache({ schemaName: 'many' }), sim.addCache({ schemaName: 'many' })];
    for (const c of caches) sim.planNext(c.id, 'incremental', { durationMs: 60_000 });
    const step = startStep(runMain, inputs({ operation: 'incremental', 'cache-id': caches.map((c) => c.id).join(',') }));
    await waitFor(
      'the step to follow both executions',
      () => (JSON.stringify(openPages(step.state())).match(/"executionId"/g) ?? []).length === 2
    );
    process.emit('SIGINT', 'SIGINT');
    const run = checked(await step.done);

    for (const c of caches) expect(cancelsOf(c.id).map((r) => r.path.split('/').at(-1))).toEqual(['cancelIncrementalUpdate']);
    expect(run.failed).toBe(true);
    expect(errorOf(run).at(-1)).toBe(
      'The workflow run was cancelled. Of the 2 executions this step started, 2 were cancelled and 0 had already ended.'
    );
    const result = JSON.parse(run.outputs.result) as { status: string; message: string }[];
    expect(result.map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(started(run)).toEqual([]);
  });
});
