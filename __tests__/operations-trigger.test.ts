/**
 * full-refresh and incremental (operations/trigger.ts) in-process against the simulator: a trigger
 * whose answer was lost is never sent twice for one execution, if-running, and stalled executions.
 * The simulator and the step share a virtual clock: the waits (grace, backoff, polls) take no real time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { PeakaSimulator, startSimulator, type SimExecution } from '../simulator/peaka-simulator.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { operationInputs, runOn } from './helpers/run-operation.js';

const KEY = 'pk-ops-test-1f0e';
const clock = new VirtualClock(Date.now());
const runOperationIn = runOn(clock);
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 800, appearDelayMs: 300 }, clock });
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

const inputs = (extra: Record<string, string>) => operationInputs(sim.url, KEY, extra, '60s');
const triggers = (cacheId: string) => sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`${cacheId}/fullRefreshUpdate`));

describe('a trigger whose answer is lost is not sent twice for one execution', () => {
  test.each([
    ['a 502 after the trigger took effect', { type: 'status', status: 502, afterEffect: true }],
    ['a connection dropped after the trigger took effect', { type: 'drop', afterEffect: true }],
    ['a 500 HTML page after the trigger took effect', { type: 'status', status: 500, body: 'html', afterEffect: true }]
  ] as const)('%s: the execution is adopted', async (_name, fault) => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.fault({ ...fault, path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(triggers(cache.id)).toHaveLength(1);
    expect(sim.startedExecutions(cache.id)).toHaveLength(1);
    expect(run.log.join('\n')).toContain('did start; following it instead of triggering again');
  });

  test.each([
    ['a 503 before the trigger took effect', { type: 'status', status: 503 }],
    ['a dropped connection before the trigger took effect', { type: 'drop' }]
  ] as const)('%s: it is sent again, once, after the execution did not appear in the grace', async (_name, fault) => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.fault({ ...fault, path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }), {}, { appearanceGraceMs: 2_000 });
    expect(run.outcome.conclusion).toBe('success');
    expect(triggers(cache.id)).toHaveLength(2);
    expect(sim.startedExecutions(cache.id)).toHaveLength(1);
  });

  test('an ambiguous trigger whose execution appears 7 s later is followed, not sent again: it is looked for as long as a normal trigger waits', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 7_000 });
    sim.fault({ type: 'status', status: 502, afterEffect: true, path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    expect(triggers(cache.id)).toHaveLength(1);
    expect(sim.startedExecutions(cache.id)).toHaveLength(1);
    expect(run.log.join('\n')).toContain('did start; following it instead of triggering again');
  });

  test('an ambiguous trigger behind a long run is looked for only for the appearance grace, then reported as unknown and never sent again', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 600_000 });
    sim.fault({ type: 'status', status: 502, afterEffect: true, path: `${cache.id}/fullRefreshUpdate` });
    // The timeout is far past the grace: the step must end on the grace, not wait for the running one.
    const run = await runOperationIn(
      inputs({ operation: 'full-refresh', 'cache-id': cache.id, timeout: '25s' }),
      {},
      { appearanceGraceMs: 2_000 }
    );
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toContain(`It may have taken effect anyway: the full refresh ${running.id} is running`);
    expect(run.outcome.message).toContain('The step did not send the trigger again, so as not to start two.');
    expect(run.result['timed-out']).toBe(false);
    expect(run.log.join('\n')).not.toContain('the new one may be queued behind it');
    expect(triggers(cache.id)).toHaveLength(1);
  });

  test('429 with Retry-After: sent again after the wait, without looking first', async () => {
    const cache = sim.addCache();
    sim.fault({ type: 'status', status: 429, retryAfter: '1', path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('success');
    const sent = triggers(cache.id);
    expect(sent).toHaveLength(2);
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(950);
  });

  test('a trigger refused every time fails with the count of attempts and no execution', async () => {
    const cache = sim.addCache();
    sim.fault({ type: 'status', status: 503, times: 10, path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }), {}, { appearanceGraceMs: 1_000 });
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toMatch(/^Failed starting a full refresh of cache .*: Peaka answered HTTP 503/);
    expect(sim.startedExecutions(cache.id)).toHaveLength(0);
  });

  test('401 is not retried', async () => {
    const cache = sim.addCache();
    const run = await runOperationIn({ ...inputs({ operation: 'full-refresh', 'cache-id': cache.id }), 'api-key': 'wrong-key-123' });
    expect(run.outcome.message).toMatch(/HTTP 401: Invalid API key \(error code 100\)\. Check that api-key holds/);
    expect(run.requests).toBe(1);
  });
});

describe('a stalled execution (the live API: RUNNING, no progress, updatedAt never moving) is named, not waited on to the timeout', () => {
  const stalled = (extra: Record<string, string> = {}) =>
    inputs({ operation: 'full-refresh', 'poll-interval': '1s', 'stall-timeout': '2s', ...extra });
  const cancels = (cacheId: string) =>
    sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`${cacheId}/cancelFullRefreshUpdate`));

  test('the step fails saying it looks stalled, since when, and what to check in Peaka; stalled is set, timed-out is not', async () => {
    sim.deviate('stalled-execution');
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const run = await runOperationIn(stalled({ 'cache-id': cache.id }));
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toMatch(
      /^The full refresh \S+ looks stalled: it is still RUNNING with no progress reported, and neither its progress nor its updatedAt has changed since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(this step saw no change for \d+\.\ds; stall-timeout: 2\.0s\), so the step stopped waiting\./
    );
    expect(run.outcome.message).toContain(
      "It keeps running in Peaka; set cancel-on-timeout: true to cancel it instead. Peaka may never have picked it up: check the cache's executions in Peaka"
    );
    expect(run.result).toMatchObject({ stalled: true, 'timed-out': false, status: 'RUNNING' });
    expect(cancels(cache.id)).toHaveLength(0);
  });

  test('with fail-on-error: false it warns; with cancel-on-timeout it cancels the execution the step started', async () => {
    sim.deviate('stalled-execution');
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const run = await runOperationIn(stalled({ 'cache-id': cache.id, 'fail-on-error': 'false', 'cancel-on-timeout': 'true' }));
    expect(run.outcome.conclusion).toBe('warning');
    expect(run.outcome.message).toContain('looks stalled');
    expect(run.outcome.message).toContain('It was cancelled (cancel-on-timeout).');
    expect(cancels(cache.id)).toHaveLength(1);
    expect(sim.statusAt(sim.startedExecutions(cache.id)[0], clock.now() + 1_000)).toBe('CANCELLED');
  });

  test('wait names a stalled execution too, and never cancels what it did not start', async () => {
    sim.deviate('stalled-execution');
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 0 });
    await fetch(`${sim.url}/data/projects/mtKDhe1U/cache/${cache.id}/fullRefreshUpdate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}` }
    });
    const run = await runOperationIn(stalled({ operation: 'wait', 'cache-id': cache.id, 'cancel-on-timeout': 'true' }));
    expect(run.outcome.conclusion).toBe('failure');
    expect(run.outcome.message).toContain('looks stalled');
    expect(run.outcome.message).not.toMatch(/cancel-on-timeout|It was cancelled/);
    expect(cancels(cache.id)).toHaveLength(0);
  });

  test('stall-timeout: 0 turns the check off: the step waits until its timeout', async () => {
    sim.deviate('stalled-execution');
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const run = await runOperationIn(
      operationInputs(sim.url, KEY, { operation: 'full-refresh', 'cache-id': cache.id, 'stall-timeout': '0' }, '4s')
    );
    expect(run.result).toMatchObject({ stalled: false, 'timed-out': true });
    expect(run.outcome.message).toMatch(/^Timed out after \d\.\ds/);
  });
});

describe('if-running, when a full refresh already runs', () => {
  test('queue (default) triggers anyway and follows the new, queued one', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 1_000 });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id }));
    expect(triggers(cache.id)).toHaveLength(1);
    expect(run.result['execution-id']).not.toBe(running.id);
    expect(run.result.status).toBe('COMPLETED');
  });

  test('attach follows the running one and triggers nothing', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 1_000 });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'attach' }));
    expect(triggers(cache.id)).toHaveLength(0);
    expect(run.result).toMatchObject({ 'execution-id': running.id, status: 'COMPLETED' });
    expect(run.saves).toBe(0);
  });

  test('skip does nothing, says so, and succeeds', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 30_000 });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'skip' }));
    expect(triggers(cache.id)).toHaveLength(0);
    expect(run.outcome).toEqual({
      conclusion: 'success',
      message: `Skipped: the full refresh ${running.id} is already running on cache ${cache.id} (if-running: skip).`
    });
    expect(run.result).toMatchObject({ 'execution-id': running.id, status: 'RUNNING' });
  });

  test('cancel cancels it, waits for it to end, then triggers and follows the new one', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 30_000 });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'cancel' }));
    expect(sim.statusAt(running, clock.now())).toBe('CANCELLED');
    expect(triggers(cache.id)).toHaveLength(1);
    const cancelAt = sim.requests.find((r) => r.path.endsWith(`${cache.id}/cancelFullRefreshUpdate`))!.at;
    const triggerAt = sim.requests.find((r) => r.path.endsWith(`${cache.id}/fullRefreshUpdate`))!.at;
    expect(triggerAt).toBeGreaterThan(cancelAt);
    expect(run.result).toMatchObject({ status: 'COMPLETED' });
    expect(run.result['execution-id']).not.toBe(running.id);
  });

  test("cancel: the trigger after a long stop starts its own poll schedule, so the new execution is read sooner than the stop's spread-out reads", async () => {
    // A stop that takes 8 s with poll-interval 10s: the stop phase's reads have spread out by its end.
    const slow = await startSimulator({
      partnerKeys: [KEY],
      cancelDelayMs: 8_000,
      defaultPlan: { durationMs: 700, appearDelayMs: 200 },
      clock
    });
    try {
      const cache = slow.addCache();
      slow.startScheduled(cache.id, 'full-refresh', { durationMs: 60_000 });
      const run = await runOperationIn(
        operationInputs(slow.url, KEY, { operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'cancel', 'poll-interval': '10s' })
      );
      expect(run.outcome.conclusion).toBe('success');
      const trigger = slow.requests.findIndex((r) => r.method === 'POST' && r.path.endsWith(`${cache.id}/fullRefreshUpdate`));
      const stopReads = slow.requests.slice(0, trigger).filter((r) => r.path.includes(`${cache.id}/status`));
      const firstAfter = slow.requests.slice(trigger + 1).find((r) => r.path.includes(`${cache.id}/status`))!;
      // The stop phase's last gap is the schedule a reused tracker would have carried on with (its
      // gaps only grow). 'Within a second' itself is checked on a virtual clock (tracker.test.ts).
      const lastStopGap = stopReads.at(-1)!.at - stopReads.at(-2)!.at;
      expect(lastStopGap).toBeGreaterThan(1_500);
      expect(firstAfter.at - slow.requests[trigger].at).toBeLessThan(lastStopGap);
    } finally {
      await slow.close();
    }
  }, 40_000);

  test('with nothing running every policy triggers', async () => {
    for (const policy of ['attach', 'skip', 'cancel']) {
      const cache = sim.addCache({ previous: { 'full-refresh': {} } });
      const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'if-running': policy }));
      expect({ policy, triggers: triggers(cache.id).length, status: run.result.status }).toEqual({
        policy,
        triggers: 1,
        status: 'COMPLETED'
      });
    }
  });
});

describe('the trigger phase and the follow phase each start their own schedule', () => {
  test('if-running: cancel, when another run takes the slot while the running one stops: that one is stopped too, and the step follows only its own', async () => {
    const slow = await startSimulator({
      partnerKeys: [KEY],
      defaultPlan: { durationMs: 2_000, appearDelayMs: 300 },
      cancelDelayMs: 1_000,
      clock
    });
    try {
      const cache = slow.addCache({ previous: { 'full-refresh': {} } });
      const running = slow.startScheduled(cache.id, 'full-refresh', { durationMs: 600_000 });
      // Someone else's run (the scheduler, another job) starts as soon as this step's cancel is answered.
      let other: SimExecution | undefined;
      slow.requestListeners.push((r) => {
        if (!other && r.method === 'POST' && r.path.endsWith(`${cache.id}/cancelFullRefreshUpdate`))
          other = slow.startScheduled(cache.id, 'full-refresh', { durationMs: 600_000 });
      });
      const run = await runOperationIn(
        operationInputs(
          slow.url,
          KEY,
          { operation: 'full-refresh', 'cache-id': cache.id, 'if-running': 'cancel', 'cancel-on-timeout': 'true' },
          '30s'
        )
      );
      const theirs = other!;
      expect(theirs).toBeDefined();
      const mine = slow.startedExecutions(cache.id).filter((e) => e.id !== running.id && e.id !== theirs.id);
      expect(mine).toHaveLength(1);
      expect(run.outcome.conclusion).toBe('success');
      expect(run.result['execution-id']).toBe(mine[0].id);
      expect(slow.statusAt(theirs, clock.now())).toBe('CANCELLED');
      expect(run.log).toContain(`Another full refresh, ${theirs.id}, started while ${running.id} was being cancelled.`);
    } finally {
      await slow.close();
    }
  }, 40_000);

  test('a trigger sent again after a 429 starts following on a fresh schedule: the first read comes within about a second of the send', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    sim.fault({ type: 'status', status: 429, retryAfter: '8', path: `${cache.id}/fullRefreshUpdate` });
    const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'poll-interval': '30s' }));
    expect(run.outcome.conclusion).toBe('success');
    const posts = sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`${cache.id}/fullRefreshUpdate`));
    expect(posts.map((r) => r.outcome)).toEqual([429, 200]);
    const firstRead = sim.requests.find((r) => r.method === 'GET' && r.path.includes(`${cache.id}/status`) && r.at > posts[1].at)!;
    // A schedule that began before the 8 s wait would space its reads at a share of those 8 s.
    expect(firstRead.at - posts[1].at).toBeLessThan(2_000);
  }, 40_000);
});

describe('a trigger whose answer was lost and whose execution has not appeared by the timeout', () => {
  test.each([
    [
      'true',
      'It could not be cancelled before it appeared: the post step will look for it and cancel it (cancel-on-timeout).',
      [expect.objectContaining({ kind: 'full-refresh', onTimeout: true })]
    ],
    ['false', 'If it starts, it runs unwatched; set cancel-on-timeout: true to have it cancelled.', []]
  ])(
    'cancel-on-timeout: %s: says it may have taken effect, sets timed-out, and never says re-run',
    async (cancelOnTimeout, after, left) => {
      const cache = sim.addCache({ previous: { 'full-refresh': {} } });
      sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 60_000 });
      sim.fault({ type: 'status', status: 502, afterEffect: true, path: `${cache.id}/fullRefreshUpdate` });
      const run = await runOperationIn(
        inputs({ operation: 'full-refresh', 'cache-id': cache.id, 'cancel-on-timeout': cancelOnTimeout, timeout: '8s' })
      );
      expect(triggers(cache.id)).toHaveLength(1);
      expect(run.outcome.conclusion).toBe('failure');
      expect(run.outcome.message).toMatch(
        /^Failed starting a full refresh of cache .*: Peaka answered HTTP 502.*\. It may have taken effect anyway, but no new full refresh appeared before the step's timeout\./
      );
      expect(run.outcome.message).toContain(after);
      expect(run.outcome.message).not.toMatch(/re-run/i);
      expect(run.result['timed-out']).toBe(true);
      expect(run.saved).toEqual(left);
    },
    40_000
  );
});

test('wait: false whose execution does not appear within 10 s: a warning that there is no execution-id to wait for, not a plain success', async () => {
  const cache = sim.addCache({ previous: { 'full-refresh': {} } });
  sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 30_000 });
  const run = await runOperationIn(inputs({ operation: 'full-refresh', 'cache-id': cache.id, wait: 'false' }));
  expect(run.outcome).toEqual({
    conclusion: 'warning',
    message: `Triggered a full refresh of cache ${cache.id}, but its execution did not appear within 10s (it may be queued behind a running one), so there is no execution-id for a later wait to follow. Not waiting for it (wait: false).`
  });
  expect(run.result['execution-id']).toBeUndefined();
}, 30_000);
