/**
 * Other actors on the same cache (Peaka's scheduler, a user in Peaka's UI, another workflow run),
 * with the bundled action run as the runner runs it. Peaka's pages leave open what a trigger does
 * while one of its kind runs, so the core scenarios run under each reading the simulator offers:
 * queued out of sight, queued in sight, and run side by side. Each test has caches of its own, and
 * the steps mostly wait on real time, so the tests of a model run at once (jest's maxConcurrency).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import {
  CONCURRENCY_MODELS,
  PeakaSimulator,
  startSimulator,
  type ConcurrencyModel,
  type SimExecution
} from '../simulator/peaka-simulator.js';
import { PARTNER_KEY, baseInputs, openPages, runAction } from './helpers/run-action.js';

/** Calls `act` once the step's log shows an execution RUNNING (and `afterMs` more). */
const whenRunning =
  (act: (child: ChildProcess) => void, afterMs = 0) =>
  (child: ChildProcess, stdout: () => string) => {
    const timer = setInterval(() => {
      if (!/: RUNNING/.test(stdout())) return;
      clearInterval(timer);
      setTimeout(() => child.exitCode === null && act(child), afterMs);
    }, 50);
    child.on('close', () => clearInterval(timer));
  };

describe.each(CONCURRENCY_MODELS)('under the %s model', (model: ConcurrencyModel) => {
  let sim: PeakaSimulator;
  beforeAll(async () => {
    sim = await startSimulator({
      partnerKeys: [PARTNER_KEY],
      model,
      defaultPlan: { appearDelayMs: 300, durationMs: 2_000, records: 1_000 }
    });
  });
  afterAll(() => sim.close());

  const cancels = (cacheId: string) =>
    sim.requests.filter((r) => r.method === 'POST' && r.path.includes(cacheId) && r.path.includes('/cancel'));
  const theirs = (cacheId: string, durationMs: number): SimExecution =>
    sim.actorTrigger(cacheId, 'full-refresh', { appearDelayMs: 0, durationMs });

  test.concurrent('trigger and wait: the step follows the execution it started', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }));
    const [ours] = sim.startedExecutions(cache.id);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'execution-id': ours.id, status: 'COMPLETED', ambiguous: 'false' });
  });

  test.concurrent(
    "another actor's refresh runs when the step triggers (if-running: queue): the step follows its own to its end, and leaves theirs alone",
    async () => {
      const cache = sim.addCache();
      const other = theirs(cache.id, 3_000);
      const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }));
      const [ours] = sim.startedExecutions(cache.id);
      expect(run.code).toBe(0);
      expect(run.outputs).toMatchObject({ 'execution-id': ours.id, status: 'COMPLETED' });
      expect(other.cancelledAt).toBeUndefined();
      expect(cancels(cache.id)).toHaveLength(0);
    }
  );

  test.concurrent('another actor triggers while the step follows its own: the step still reports its own end, not UNKNOWN', async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'full-refresh', { durationMs: 6_000, records: 700 });
    let other: SimExecution | undefined;
    // Seconds after the step's own appeared: a trigger that cannot be the step's (one just after it is a rival, below).
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), {
      onStart: whenRunning(() => (other = theirs(cache.id, 8_000)), 2_500)
    });
    const [ours] = sim.startedExecutions(cache.id);
    expect(other).toBeDefined();
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'execution-id': ours.id, status: 'COMPLETED', 'cached-records': '700', ambiguous: 'false' });
  });

  test("another actor's trigger lands just after the step's, and its execution appears first: the step does not take it for its own without saying so, and a cancel of the run stops neither", async () => {
    const cache = sim.addCache();
    // The step's execution is slow to appear (a second after the answer); the other actor's appears at once.
    sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 1_000, durationMs: 30_000 });
    let other: SimExecution | undefined;
    const poll = setInterval(() => {
      if (!other && sim.requests.some((r) => r.method === 'POST' && r.path.endsWith(`${cache.id}/fullRefreshUpdate`)))
        other = theirs(cache.id, 30_000);
    }, 20);
    let main;
    try {
      main = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), {
        // Both have appeared by then.
        onStart: whenRunning((child) => setTimeout(() => child.kill('SIGINT'), 2_000))
      });
    } finally {
      clearInterval(poll);
    }
    await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), { state: main.stateFile });
    const [ours] = sim.startedExecutions(cache.id);
    expect(other).toBeDefined();
    // Neither is cancelled: which one is the step's is not known (or, out of sight behind it, theirs waits).
    expect(other!.cancelledAt).toBeUndefined();
    if (model !== 'queued-hidden') {
      expect(ours.cancelledAt).toBeUndefined();
      expect(main.stdout + main.annotations.map((a) => a.message).join('\n')).toMatch(
        /cannot be told|which one is this step's is not known/
      );
    }
  });

  // Not at once with the others: it races Peaka's scheduler against the trigger on real time, which the load of the others would skew.
  test("Peaka's scheduler starts syncs on the cache the whole time: the step follows its own to its end", async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'full-refresh', { durationMs: 3_000 });
    sim.schedule(cache.id, 'full-refresh', 1_000, { appearDelayMs: 0, durationMs: 2_500 });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }));
    const [ours] = sim.startedExecutions(cache.id);
    expect(run.outputs.status).toBe('COMPLETED');
    // A scheduled start can land in the same moment as the trigger: then the step says it cannot tell, never claims silently.
    if (run.outputs.ambiguous === 'true')
      expect([run.outputs['execution-id'], ...JSON.parse(run.outputs.result)['other-execution-ids']]).toContain(ours.id);
    else expect(run.outputs['execution-id']).toBe(ours.id);
  });

  test.concurrent(
    'wait with execution-id on an execution another has pushed out of its slot, still running: the gate follows it to its end',
    async () => {
      const cache = sim.addCache();
      const first = theirs(cache.id, 3_000);
      await new Promise((r) => setTimeout(r, 200));
      theirs(cache.id, 3_000);
      const run = await runAction(baseInputs(sim.url, { operation: 'wait', 'cache-id': cache.id, 'execution-id': first.id }));
      expect(run.code).toBe(0);
      expect(run.outputs).toMatchObject({ 'execution-id': first.id, status: 'COMPLETED' });
    }
  );

  test.concurrent(
    "cancel-on-timeout while the step's trigger waits behind another actor's refresh: no cancel is sent (it would stop theirs), and the step says what it left",
    async () => {
      const cache = sim.addCache();
      const other = theirs(cache.id, 30_000);
      const main = await runAction(
        baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, timeout: '4s', 'cancel-on-timeout': 'true' })
      );
      const post = await runAction(
        baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, timeout: '4s', 'cancel-on-timeout': 'true' }),
        { state: main.stateFile }
      );
      expect(main.code).toBe(1);
      expect(main.outputs['timed-out']).toBe('true');
      expect(cancels(cache.id)).toHaveLength(0);
      expect(other.cancelledAt).toBeUndefined();
      const said = main.annotations.map((a) => a.message).join('\n') + post.stdout;
      expect(said).toMatch(
        model === 'queued-hidden' ? /has not appeared|could not be cancelled before it appeared/ : /Not cancelled: .*not this step's/
      );
    }
  );

  test.concurrent(
    "cancel-on-timeout with the step's own execution the only one running: cancelled, CANCELLED in the outputs, and the time the step really waited",
    async () => {
      const cache = sim.addCache();
      sim.planNext(cache.id, 'full-refresh', { durationMs: 30_000 });
      const run = await runAction(
        baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, timeout: '4s', 'cancel-on-timeout': 'true' })
      );
      const [ours] = sim.startedExecutions(cache.id);
      expect(run.code).toBe(1);
      expect(cancels(cache.id)).toHaveLength(1);
      expect(run.outputs).toMatchObject({ 'execution-id': ours.id, status: 'CANCELLED', 'timed-out': 'true' });
      const waited = Number(/Timed out after ([\d.]+)s/.exec(run.outputs.result)?.[1]);
      expect(waited).toBeGreaterThan(1);
      expect(waited).toBeLessThan(4);
    }
  );

  test.concurrent(
    "SIGINT while the step's trigger waits behind another actor's refresh: neither the main step nor the post step cancels theirs",
    async () => {
      const cache = sim.addCache();
      const other = theirs(cache.id, 30_000);
      const main = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), {
        onStart: (child, stdout) => {
          const timer = setInterval(() => {
            if (!/Waiting for the running|Triggered/.test(stdout())) return;
            clearInterval(timer);
            setTimeout(() => child.kill('SIGINT'), 800);
          }, 50);
          child.on('close', () => clearInterval(timer));
        }
      });
      await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), { state: main.stateFile });
      expect(main.code).toBe(1);
      expect(cancels(cache.id)).toHaveLength(0);
      expect(other.cancelledAt).toBeUndefined();
    }
  );

  test.concurrent("if-running: attach follows the other actor's run, and sends no trigger", async () => {
    const cache = sim.addCache();
    // Long enough to be running when the step (a new process) reads the status, on a loaded machine too.
    const other = theirs(cache.id, 6_000);
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'attach' }));
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'execution-id': other.id, status: 'COMPLETED' });
    expect(sim.startedExecutions(cache.id)).toHaveLength(0);
  });

  test.concurrent('if-running: cancel stops what runs (the user asked), says whose it is, and follows its own new one', async () => {
    const cache = sim.addCache();
    const other = theirs(cache.id, 30_000);
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'cancel' }));
    const [ours] = sim.startedExecutions(cache.id);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${other.id} before starting a new one (if-running: cancel). It is not this step's`);
    expect(sim.statusAt(other, Date.now())).toBe('CANCELLED');
    expect(run.outputs).toMatchObject({ 'execution-id': ours.id, status: 'COMPLETED' });
  });

  test.concurrent('several caches, another actor on one of them: each cache reports the execution the step started', async () => {
    const caches = [sim.addCache(), sim.addCache()];
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': caches.map((c) => c.id).join(',') }), {
      onStart: whenRunning(() => theirs(caches[1].id, 6_000), 400)
    });
    const ours = caches.map((c) => sim.startedExecutions(c.id)[0].id);
    expect(run.code).toBe(0);
    expect(run.outputs['execution-id']).toBe(ours.join(','));
    expect(run.outputs.status).toBe('COMPLETED');
  });

  test.concurrent('create follows the first sync of the cache it made', async () => {
    const run = await runAction(
      baseInputs(sim.url, {
        operation: 'create',
        'catalog-id': '627249916703408649',
        'schema-name': 'payment',
        'table-name': `actors_${model.replace('-', '_')}`
      })
    );
    expect(run.code).toBe(0);
    expect(run.outputs.status).toBe('COMPLETED');
    expect(openPages(run.state)).toEqual([]);
  });
});

// Two triggers that land at once: under the models that show a second execution (in sight or side by
// side), each step sees both and says it cannot tell which is its own, unless they told them apart.
// Under queued-hidden the second is out of sight until the first ends, so neither step can see it:
// the README's concurrency group is the remedy there (docs/reliability.md, other actors).
describe.each(CONCURRENCY_MODELS.filter((m) => m !== 'queued-hidden'))('two steps trigger one cache at once, under %s', (model) => {
  let sim: PeakaSimulator;
  beforeAll(async () => {
    sim = await startSimulator({
      partnerKeys: [PARTNER_KEY],
      model,
      defaultPlan: { appearDelayMs: 300, durationMs: 2_000, records: 1_000 }
    });
  });
  afterAll(() => sim.close());

  test("no step claims the other's execution without saying it cannot tell", async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const inputs = baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id });
    const [a, b] = await Promise.all([runAction(inputs), runAction(inputs)]);
    const started = sim.startedExecutions(cache.id).map((e) => e.id);
    expect(started).toHaveLength(2);
    for (const [run, other] of [
      [a, b],
      [b, a]
    ]) {
      expect(started).toContain(run.outputs['execution-id']);
      if (run.outputs.ambiguous !== 'true') expect(run.outputs['execution-id']).not.toBe(other.outputs['execution-id']);
      else expect(run.annotations.some((x) => x.level === 'warning' && /cannot be told/.test(x.message))).toBe(true);
    }
  });
});
