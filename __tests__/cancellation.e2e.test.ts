/**
 * Cancelling the workflow run while the step waits: a real child process running dist/index.js,
 * sent SIGINT and SIGTERM as the runner sends them, and the post step run from the saved state.
 * The tests that touch only their own cache (no deviation, no fault on every create, no count of all
 * requests) run at once: they wait on real time, mostly.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { PARTNER_KEY, baseInputs, openPages, runAction } from './helpers/run-action.js';

let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [PARTNER_KEY], defaultPlan: { durationMs: 120_000, appearDelayMs: 300 } });
});
afterAll(() => sim.close());

const cancels = (cacheId: string) =>
  sim.requests.filter((r) => r.method === 'POST' && r.path.includes(cacheId) && r.path.includes('/cancel'));

/** Sends `signals` once the log shows the execution running; records when each went. */
function signalWhenRunning(signals: { signal: NodeJS.Signals; afterMs: number }[], sent: { at: number }[]) {
  return (child: ChildProcess, stdout: () => string) => {
    const timer = setInterval(() => {
      if (!/: RUNNING/.test(stdout())) return;
      clearInterval(timer);
      const start = Date.now();
      sent.push({ at: start });
      for (const { signal, afterMs } of signals) setTimeout(() => child.exitCode === null && child.kill(signal), afterMs);
    }, 50);
    child.on('close', () => clearInterval(timer));
  };
}

test("SIGINT: the execution this step started is cancelled within the runner's window and the step fails", async () => {
  const cache = sim.addCache({ previous: { 'full-refresh': { durationMs: 1_000 } } });
  const sent: { at: number }[] = [];
  const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), {
    onStart: signalWhenRunning(
      [
        { signal: 'SIGINT', afterMs: 0 },
        { signal: 'SIGTERM', afterMs: 7_500 }
      ],
      sent
    )
  });
  const started = sim.startedExecutions(cache.id);
  expect(started).toHaveLength(1);
  const cancel = cancels(cache.id);
  expect(cancel).toHaveLength(1);
  expect(cancel[0].at - sent[0].at).toBeLessThan(7_500);
  expect(run.code).toBe(1);
  expect(run.annotations.find((a) => a.level === 'error')!.message).toBe(
    `The workflow run was cancelled. Cancelled the full refresh ${started[0].id} that this step started.`
  );
  expect(run.outputs).toMatchObject({ 'execution-id': started[0].id, status: 'CANCELLED' });
  expect(openPages(run.state)).toEqual([]);
  // The simulator ends a cancelled execution a moment after the cancel: its status then, not after a sleep.
  expect(started[0].cancelledAt).toBeDefined();
  expect(sim.statusAt(started[0], started[0].cancelledAt!)).toBe('CANCELLED');
});

test.concurrent('SIGTERM alone is handled the same way', async () => {
  const cache = sim.addCache();
  const run = await runAction(baseInputs(sim.url, { operation: 'incremental', 'cache-id': cache.id }), {
    onStart: signalWhenRunning([{ signal: 'SIGTERM', afterMs: 0 }], [])
  });
  expect(run.code).toBe(1);
  expect(cancels(cache.id)).toHaveLength(1);
  expect(cancels(cache.id)[0].path).toMatch(/cancelIncrementalUpdate$/);
});

test.concurrent('cancel-on-abort: false leaves the execution running and says so', async () => {
  const cache = sim.addCache();
  const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, 'cancel-on-abort': 'false' }), {
    onStart: signalWhenRunning([{ signal: 'SIGINT', afterMs: 0 }], [])
  });
  expect(run.code).toBe(1);
  expect(cancels(cache.id)).toHaveLength(0);
  expect(run.annotations.find((a) => a.level === 'error')!.message).toContain('keeps running in Peaka (cancel-on-abort: false)');
});

test.concurrent('the post step cancels what a killed main step started, and only that', async () => {
  const cache = sim.addCache({ previous: { 'full-refresh': { durationMs: 1_000 } } });
  const main = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), {
    onStart: signalWhenRunning([{ signal: 'SIGKILL', afterMs: 0 }], [])
  });
  expect(main.signal).toBe('SIGKILL');
  expect(openPages(main.state)).toEqual([
    expect.objectContaining({ cacheId: cache.id, kind: 'full-refresh', previousId: cache.executions[0].id })
  ]);
  expect(cancels(cache.id)).toHaveLength(0);

  const post = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), { state: main.stateFile });
  expect(post.code).toBe(0);
  expect(cancels(cache.id)).toHaveLength(1);
  const ours = sim.startedExecutions(cache.id)[0];
  expect(post.annotations[0]).toEqual({
    level: 'warning',
    message: `The main step did not finish. Cancelled the full refresh ${ours.id} that this step started.`
  });
});

test('the post step does nothing after a main step that finished', async () => {
  const cache = sim.addCache();
  sim.planNext(cache.id, 'full-refresh', { durationMs: 500 });
  const main = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }));
  expect(main.code).toBe(0);
  const before = sim.requests.length;
  const post = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), { state: main.stateFile });
  expect(post.code).toBe(0);
  expect(sim.requests.length).toBe(before);
  // Nothing but the mask command (the runner shows no line for it).
  expect(post.stdout.split('\n').filter((line) => line && !line.startsWith('::add-mask::'))).toEqual([]);
});

test('when the cancel on abort cannot get through, the post step finishes the job', async () => {
  const cache = sim.addCache();
  sim.fault({ type: 'hang', path: `${cache.id}/cancel`, times: 5 });
  const main = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), {
    onStart: signalWhenRunning([{ signal: 'SIGINT', afterMs: 0 }], [])
  });
  expect(main.code).toBe(1);
  expect(openPages(main.state)).toHaveLength(1);
  expect(main.annotations.find((a) => a.level === 'error')!.message).toContain('The post step will try again');
  sim.clearFaults();
  const post = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), { state: main.stateFile });
  expect(post.annotations[0].message).toContain('Cancelled the full refresh');
  const [ours] = sim.startedExecutions(cache.id);
  expect(ours.cancelledAt).toBeDefined();
  expect(sim.statusAt(ours, ours.cancelledAt!)).toBe('CANCELLED');
});

test.concurrent('with several caches, SIGINT cancels every execution the step started', async () => {
  const caches = [sim.addCache(), sim.addCache(), sim.addCache()];
  const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': caches.map((c) => c.id).join(',') }), {
    onStart: (child, stdout) => {
      const timer = setInterval(() => {
        if ((stdout().match(/: RUNNING/g) ?? []).length < 3) return;
        clearInterval(timer);
        child.kill('SIGINT');
      }, 50);
      child.on('close', () => clearInterval(timer));
    }
  });
  expect(run.code).toBe(1);
  for (const cache of caches) expect(cancels(cache.id)).toHaveLength(1);
  expect(openPages(run.state)).toEqual([]);
  const result = JSON.parse(run.outputs.result) as { status: string }[];
  expect(result.map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
  // Each cache's annotation tells its own cancellation only; the step's sums them up.
  const ids = caches.map((c) => sim.startedExecutions(c.id)[0].id);
  const errors = run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
  expect(errors).toHaveLength(4);
  errors.slice(0, 3).forEach((message, i) => {
    expect(message).toMatch(
      new RegExp(`^\\S+: The workflow run was cancelled\\. Cancelled the full refresh ${ids[i]} that this step started\\.$`)
    );
  });
  expect(errors[3]).toBe(
    'The workflow run was cancelled. Of the 3 executions this step started, 3 were cancelled and 0 had already ended.'
  );
});

/** Sends SIGINT as soon as the simulator has received the request: it is in flight when the step is cancelled. */
function signalOnRequest(path: string | RegExp, signal: NodeJS.Signals = 'SIGINT') {
  const from = sim.requests.length;
  return (child: ChildProcess) => {
    const timer = setInterval(() => {
      if (
        !sim.requests.slice(from).some((r) => r.method === 'POST' && (typeof path === 'string' ? r.path.includes(path) : path.test(r.path)))
      )
        return;
      clearInterval(timer);
      child.kill(signal);
    }, 20);
    child.on('close', () => clearInterval(timer));
  };
}

test.concurrent(
  'SIGINT while the trigger is in flight: the trigger may have been sent, so its execution is looked for and cancelled',
  async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': { durationMs: 1_000 } } });
    // The trigger takes effect 800 ms after it arrived, long after the step stopped waiting for its answer.
    sim.fault({ type: 'slow', delayMs: 800, method: 'POST', path: `${cache.id}/fullRefreshUpdate` });
    const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), {
      onStart: signalOnRequest(`${cache.id}/fullRefreshUpdate`)
    });
    const started = sim.startedExecutions(cache.id);
    expect(started).toHaveLength(1);
    expect(run.code).toBe(1);
    expect(cancels(cache.id)).toHaveLength(1);
    expect(run.annotations.find((a) => a.level === 'error')!.message).toBe(
      `The workflow run was cancelled. Cancelled the full refresh ${started[0].id} that this step started.`
    );
    expect(openPages(run.state)).toEqual([]);
  }
);

test('SIGINT while the create is in flight: the cache it made is found by its table, its first sync cancelled, and its id output', async () => {
  const table = `aborted_${Math.random().toString(36).slice(2, 8)}`;
  sim.fault({ type: 'slow', delayMs: 800, method: 'POST', path: /\/cache$/ });
  const run = await runAction(baseInputs(sim.url, { operation: 'create', 'catalog-id': 'c9', 'schema-name': 's', 'table-name': table }), {
    onStart: signalOnRequest(/\/cache$/)
  });
  const made = [...sim.caches.values()].filter((c) => c.tableName === table);
  expect(made).toHaveLength(1);
  const [sync] = sim.startedExecutions(made[0].id);
  expect(run.code).toBe(1);
  expect(cancels(made[0].id)).toHaveLength(1);
  expect(run.annotations.find((a) => a.level === 'error')!.message).toBe(
    `The workflow run was cancelled. Table s.${table} now has cache ${made[0].id}, most likely made by the create that this step sent when it was stopped (the table had no cache before it). Cancelled the full refresh ${sync.id} that this step started.`
  );
  expect(run.outputs['cache-id']).toBe(made[0].id);
  expect(openPages(run.state)).toEqual([]);
});

test('a main step killed while its create is in flight: the post step finds the cache by its table and cancels its first sync', async () => {
  const table = `killed_${Math.random().toString(36).slice(2, 8)}`;
  sim.fault({ type: 'slow', delayMs: 800, method: 'POST', path: /\/cache$/ });
  const inputs = baseInputs(sim.url, { operation: 'create', 'catalog-id': 'c9', 'schema-name': 's', 'table-name': table });
  const main = await runAction(inputs, { onStart: signalOnRequest(/\/cache$/, 'SIGKILL') });
  expect(main.signal).toBe('SIGKILL');
  expect(openPages(main.state)).toEqual([{ table: { catalogId: 'c9', schemaName: 's', tableName: table }, tableFree: true }]);
  const post = await runAction(inputs, { state: main.stateFile });
  const made = [...sim.caches.values()].filter((c) => c.tableName === table);
  expect(made).toHaveLength(1);
  expect(post.code).toBe(0);
  expect(cancels(made[0].id)).toHaveLength(1);
  expect(post.annotations[0].message).toMatch(
    new RegExp(
      `^The main step did not finish\\. Table s\\.${table} now has cache ${made[0].id}, most likely made by the create that this step sent when it was stopped`
    )
  );
});

test.concurrent(
  'SIGINT while a trigger is queued behind a running one: it is kept in the saved state, and the post step cancels it once it appears',
  async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 12_000 });
    const main = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), {
      onStart: (child, stdout) => {
        const timer = setInterval(() => {
          if (!/the new one may be queued behind it/.test(stdout())) return;
          clearInterval(timer);
          child.kill('SIGINT');
        }, 20);
        child.on('close', () => clearInterval(timer));
      }
    });
    expect(main.code).toBe(1);
    expect(cancels(cache.id)).toHaveLength(0);
    expect(main.annotations.find((a) => a.level === 'error')!.message).toBe(
      `The workflow run was cancelled. The full refresh this step triggered on cache ${cache.id} has not appeared yet (it may be queued behind a running one), so it could not be cancelled. The post step will look for it again and cancel it.`
    );
    expect(openPages(main.state)).toEqual([{ cacheId: cache.id, kind: 'full-refresh', previousId: running.id }]);

    const post = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), { state: main.stateFile });
    const ours = sim.startedExecutions(cache.id).filter((e) => e.id !== running.id);
    expect(ours).toHaveLength(1);
    expect(cancels(cache.id)).toHaveLength(1);
    expect(post.annotations[0]).toEqual({
      level: 'warning',
      message: `The main step did not finish. Cancelled the full refresh ${ours[0].id} that this step started.`
    });
  },
  60_000
);

test.concurrent(
  "a timeout before a queued trigger's execution appears, with cancel-on-timeout: the trigger is kept for the post step, which cancels it",
  async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 10_000 });
    const inputs = baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id, timeout: '4s', 'cancel-on-timeout': 'true' });
    const main = await runAction(inputs);
    expect(main.code).toBe(1);
    expect(main.outputs['timed-out']).toBe('true');
    expect(main.annotations.find((a) => a.level === 'error')!.message).toContain(
      "Timed out before the full refresh appeared in the cache's status (it may be queued). It could not be cancelled before it appeared: the post step will look for it and cancel it (cancel-on-timeout)."
    );
    expect(openPages(main.state)).toEqual([{ cacheId: cache.id, kind: 'full-refresh', previousId: running.id, onTimeout: true }]);

    const post = await runAction(inputs, { state: main.stateFile });
    const ours = sim.startedExecutions(cache.id).filter((e) => e.id !== running.id);
    expect(ours).toHaveLength(1);
    expect(cancels(cache.id)).toHaveLength(1);
    expect(post.annotations[0]).toEqual({
      level: 'warning',
      message: `The main step timed out (cancel-on-timeout). Cancelled the full refresh ${ours[0].id} that this step started.`
    });
  },
  60_000
);

test("SIGINT before the new execution's record exists: the cancel waits for the record, so the live API's 500 is never met", async () => {
  sim.deviate('cancel-before-record-500');
  const cache = sim.addCache({ previous: { 'full-refresh': { durationMs: 1_000 } } });
  sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 1_500 });
  const run = await runAction(baseInputs(sim.url, { operation: 'full-refresh', 'cache-id': cache.id }), {
    onStart: (child, stdout) => {
      const timer = setInterval(() => {
        if (!/Triggered a full refresh/.test(stdout())) return;
        clearInterval(timer);
        child.kill('SIGINT');
      }, 20);
      child.on('close', () => clearInterval(timer));
    }
  });
  sim.clearFaults();
  const [started] = sim.startedExecutions(cache.id);
  expect(run.code).toBe(1);
  expect(cancels(cache.id).map((c) => c.outcome)).toEqual([200]);
  expect(cancels(cache.id)[0].at).toBeGreaterThanOrEqual(started.appearAt);
  expect(run.annotations.find((a) => a.level === 'error')!.message).toBe(
    `The workflow run was cancelled. Cancelled the full refresh ${started.id} that this step started.`
  );
});

// After a lost create answer the step reuses a cache found by its table (if-exists: reuse): the ledger
// closes its page at once, so the post step never takes the other creator's first sync for this step's.
test('a main step killed while following a cache it reused after a lost create answer: the post step cancels nothing', async () => {
  const table = `adopted_${Math.random().toString(36).slice(2, 8)}`;
  sim.deviate('duplicate-create-500');
  // isCached says no (the other creator is not visible to it yet), then the create collides and Peaka answers 500.
  sim.fault({ type: 'reshape', path: '/isCached', reshape: (json) => ({ ...(json as object), isCached: false }) });
  const other = sim.addCache({ catalogId: 'c9', schemaName: 's', tableName: table });
  const sync = sim.startScheduled(other.id, 'full-refresh', { durationMs: 60_000 });
  const inputs = baseInputs(sim.url, {
    operation: 'create',
    'catalog-id': 'c9',
    'schema-name': 's',
    'table-name': table,
    'if-exists': 'reuse'
  });
  try {
    const main = await runAction(inputs, { onStart: signalWhenRunning([{ signal: 'SIGKILL', afterMs: 0 }], []) });
    expect(main.signal).toBe('SIGKILL');
    expect(main.stdout).toContain(
      `this step's create may have made it, or another did; which one is not known. Reusing it (if-exists: reuse)`
    );
    expect(openPages(main.state)).toEqual([]);
    const post = await runAction(inputs, { state: main.stateFile });
    expect(post.code).toBe(0);
    expect(cancels(other.id)).toHaveLength(0);
    expect(sync.cancelledAt).toBeUndefined();
  } finally {
    sim.clearFaults();
  }
});

test.each([
  ['delete', (id: string) => ({ operation: 'delete', 'cache-id': id, 'confirm-delete': id })],
  ['full-refresh', (id: string) => ({ operation: 'full-refresh', 'cache-id': id })]
])(
  'a main step killed before it saved anything (%s): the post step sends nothing, and never runs the operation itself',
  async (_operation, own) => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const before = sim.requests.length;
    // What the runner gives the post step after a main step killed at once: an empty state file.
    const post = await runAction(baseInputs(sim.url, own(cache.id)), { state: '' });
    expect(post.code).toBe(0);
    expect(post.annotations).toEqual([]);
    expect(sim.requests.length).toBe(before);
    expect(cache.deleted).toBeFalsy();
    expect(sim.startedExecutions(cache.id)).toHaveLength(0);
  }
);
