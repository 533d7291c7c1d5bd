/** Finding the new execution and following it, against the simulator on a virtual clock shared with the tracker. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ExecutionTracker, historyFrom, recordsOf } from '../src/tracker.js';
import { describeExecution } from '../src/format.js';
import { PeakaClient, type CacheStatus, type Execution } from '../src/peaka/client.js';
import { DirectStatusSource } from '../src/status-source.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { waitFor } from './helpers/wait-for.js';

const KEY = 'pk-tracker-test-77aa';
const clock = new VirtualClock(Date.now());
let sim: PeakaSimulator;
let client: PeakaClient;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { appearDelayMs: 200, durationMs: 800, records: 1_000 }, clock });
  client = new PeakaClient({ baseUrl: sim.url, apiKey: KEY, requestTimeoutMs: 2_000, clock }, 'mtKDhe1U');
});
afterAll(() => sim.close());

/** Status reads of a cache the simulator has answered: the wait has seen what they showed. */
const answeredReads = (cacheId: string) =>
  sim.requests.filter((r) => r.method === 'GET' && r.path.includes(`${cacheId}/status`) && r.outcome !== 0).length;
const tracker = (cacheId: string, timeoutMs = 10_000, lines: string[] = []) =>
  new ExecutionTracker({
    client,
    source: new DirectStatusSource(client, clock),
    cacheId,
    deadline: clock.now() + timeoutMs,
    pollIntervalMs: 1_000,
    log: (l) => lines.push(l),
    random: () => 0.5
  });

describe('awaitNew', () => {
  test('ignores the previous execution still in the slot and returns the new one', async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const previousId = cache.executions[0].id;
    sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 1_200 });
    await client.trigger('full-refresh', cache.id, clock.now() + 5_000);
    const found = await clock.run(tracker(cache.id).awaitNew(['full-refresh'], { 'full-refresh': previousId }));
    expect(found.execution!.id).toBe(sim.startedExecutions(cache.id)[0].id);
  });

  test('gives up after the grace period when nothing new appears', async () => {
    const cache = sim.addCache({ previous: { incremental: {} } });
    const started = clock.now();
    const found = await clock.run(tracker(cache.id).awaitNew(['incremental'], { incremental: cache.executions[0].id }, 1_500));
    expect(found.execution).toBeUndefined();
    // Not a timeout: it gave up at the grace, not at the deadline 10 s away; and not before the grace.
    expect(found.timedOut).toBe(false);
    expect(clock.now() - started).toBeGreaterThan(1_500);
  });

  test('waits past the grace period while the previous run still runs (the new one is queued)', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'incremental', { durationMs: 2_500 });
    await client.trigger('incremental', cache.id, clock.now() + 5_000);
    const lines: string[] = [];
    const found = await clock.run(tracker(cache.id, 10_000, lines).awaitNew(['incremental'], { incremental: running.id }, 500));
    expect(found.execution!.id).toBe(sim.startedExecutions(cache.id, 'incremental')[0].id);
    expect(lines[0]).toContain('queued behind it');
  });

  test('a deadline before anything appears is a timeout', async () => {
    const cache = sim.addCache();
    sim.planNext(cache.id, 'full-refresh', { appearDelayMs: 5_000 });
    await client.trigger('full-refresh', cache.id, clock.now() + 5_000);
    const found = await clock.run(tracker(cache.id, 1_000).awaitNew(['full-refresh'], {}));
    expect(found).toMatchObject({ timedOut: true, execution: undefined });
  });
});

describe('follow', () => {
  test('follows to the end and returns the final counts', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 1_000, records: 3_000 });
    const status = await client.getStatus(cache.id, clock.now() + 5_000);
    const result = await clock.run(tracker(cache.id).follow(status.executions['full-refresh']!));
    expect(result).toMatchObject({ timedOut: false, execution: { id: running.id, status: 'COMPLETED', cachedRecords: 3_000 } });
  });

  test('at the deadline it reads once more, so a run that ended just in time is no timeout', async () => {
    const cache = sim.addCache();
    sim.startScheduled(cache.id, 'full-refresh', { durationMs: 1_000 });
    const status = await client.getStatus(cache.id, clock.now() + 5_000);
    // poll-interval far beyond the deadline: the only read after the start is the final one.
    const t = new ExecutionTracker({
      client,
      source: new DirectStatusSource(client, clock),
      cacheId: cache.id,
      deadline: clock.now() + 1_300,
      pollIntervalMs: 60_000,
      log: () => {},
      random: () => 0.5
    });
    const result = await clock.run(t.follow(status.executions['full-refresh']!, { durationMs: 600_000 }));
    expect(result).toMatchObject({ timedOut: false, execution: { status: 'COMPLETED' } });
  });

  test('a run still going at the deadline is a timeout with the last status', async () => {
    const cache = sim.addCache();
    sim.startScheduled(cache.id, 'incremental', { durationMs: 30_000 });
    const status = await client.getStatus(cache.id, clock.now() + 5_000);
    const result = await clock.run(tracker(cache.id, 1_500).follow(status.executions.incremental!));
    expect(result).toMatchObject({ timedOut: true, execution: { status: 'RUNNING' } });
  });

  test('an execution another takes the slot of is followed through the history to its own end', async () => {
    const cache = sim.addCache();
    sim.startScheduled(cache.id, 'full-refresh', { durationMs: 2_500, records: 700 });
    const status = await client.getStatus(cache.id, clock.now() + 5_000);
    const first = status.executions['full-refresh']!;
    const before = answeredReads(cache.id);
    const lines: string[] = [];
    const following = tracker(cache.id, 10_000, lines).follow(first);
    // Replaced once the wait has read the slot, not after a fixed delay.
    await clock.run(waitFor(() => answeredReads(cache.id) > before, 'the first status read of the wait', { clock, everyMs: 1 }));
    const newer = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 30_000 });
    const result = await clock.run(following);
    // Its own end, not UNKNOWN and not the newer one's RUNNING.
    expect(result).toMatchObject({ timedOut: false, execution: { id: first.id, status: 'COMPLETED', cachedRecords: 700 } });
    expect(lines.join('\n')).toContain(`shows the full refresh ${newer.id} (RUNNING) in place of the full refresh ${first.id}`);
    expect(sim.requests.some((r) => r.path.includes(`${cache.id}/executionHistory`))).toBe(true);
  });

  test('a status answer over the size cap during a wait is one failed read: the wait goes on and sees the end', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 2_500 });
    const status = await client.getStatus(cache.id, clock.now() + 5_000);
    // The next answer carries 2 MiB of logs (over the 1 MiB cap): the transport refuses it, and does not ask again at once.
    sim.fault({
      type: 'reshape',
      path: `${cache.id}/status`,
      reshape: (json) => ({ ...(json as object), cacheActionLogs: [{ message: 'x'.repeat(2 << 20) }] })
    });
    const lines: string[] = [];
    const result = await clock.run(tracker(cache.id, 10_000, lines).follow(status.executions['full-refresh']!));
    expect(result).toMatchObject({ timedOut: false, execution: { id: running.id, status: 'COMPLETED' } });
    expect(lines.filter((l) => l.startsWith('Could not read the status (')).length).toBe(1);
  });

  test('an execution the history no longer lists, once out of its slot, has an unknown outcome that says why', async () => {
    const running: Execution = { id: 'ours', kind: 'full-refresh', status: 'RUNNING', createdAt: new Date().toISOString() };
    const other: Execution = { id: 'theirs', kind: 'full-refresh', status: 'RUNNING', createdAt: new Date().toISOString() };
    const fake = {
      getStatus: async (): Promise<CacheStatus> => ({ id: 'c', executions: { 'full-refresh': other } }),
      listStatuses: async () => ({ caches: [], unidentified: [] }),
      executionHistory: async () => [other]
    };
    const result = await new ExecutionTracker({
      client: fake,
      cacheId: 'c',
      deadline: Date.now() + 5_000,
      pollIntervalMs: 1_000,
      log: () => undefined
    }).follow(running);
    expect(result.execution).toMatchObject({ id: 'ours', status: 'UNKNOWN' });
    expect(result.execution!.error).toContain('is not among the 50 most recent executions of its history');
  });
});

test('history comes only from a completed previous run', () => {
  const base = {
    id: 'e',
    kind: 'full-refresh' as const,
    createdAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:10:00Z',
    cachedRecords: 500
  };
  expect(historyFrom({ ...base, status: 'COMPLETED' })).toEqual({ durationMs: 600_000, records: 500 });
  expect(historyFrom({ ...base, status: 'FAILED' })).toBeUndefined();
  expect(historyFrom(undefined)).toBeUndefined();
});

test('records and log lines', () => {
  expect(recordsOf({ id: 'e', kind: 'incremental', status: 'RUNNING', insertedRecords: 3, updatedRecords: 2 })).toBe(5);
  expect(
    describeExecution({
      id: 'e1',
      kind: 'incremental',
      status: 'FAILED',
      cachedRecords: 1_500,
      deletedRecords: 2,
      error: 'boom',
      createdAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:05Z'
    })
  ).toBe('Incremental sync e1: FAILED, 1,500 cached, 2 deleted in 5.0s - boom');
});

describe('the schedule, on a virtual clock', () => {
  const iso = (ms: number) => new Date(ms).toISOString();
  /** A cache whose execution is whatever `show(now)` says; every read's send time is kept. */
  const fakeCache = (clock: VirtualClock, show: (now: number) => Execution | undefined, answerMs = 0) => {
    const reads: number[] = [];
    const client = {
      getStatus: async (): Promise<CacheStatus> => {
        reads.push(clock.now());
        if (answerMs) await clock.sleep(answerMs);
        const execution = show(clock.now());
        return { id: 'c', executions: execution ? { [execution.kind]: execution } : {} };
      },
      listStatuses: async () => ({ caches: [], unidentified: [] })
    };
    return { reads, client };
  };
  const watch = (
    clock: VirtualClock,
    client: ReturnType<typeof fakeCache>['client'],
    options: { pollIntervalMs?: number; stallTimeoutMs?: number; deadline?: number } = {}
  ) =>
    new ExecutionTracker({
      client,
      source: new DirectStatusSource(client, clock),
      cacheId: 'c',
      deadline: options.deadline ?? 10 * 3_600_000,
      pollIntervalMs: options.pollIntervalMs ?? 30_000,
      stallTimeoutMs: options.stallTimeoutMs,
      log: () => {},
      random: () => 0.5
    });
  const running = (id: string, now: number, extra: Partial<Execution> = {}): Execution => ({
    id,
    kind: 'full-refresh',
    status: 'RUNNING',
    createdAt: iso(0),
    updatedAt: iso(now),
    cachedRecords: Math.floor(now / 10),
    ...extra
  });
  const gaps = (reads: number[]) => reads.slice(1).map((t, i) => t - reads[i]);

  test('a wait of days at poll-interval 1s runs to the deadline, not to a count of reads (2 days: about 170,000 reads)', async () => {
    const clock = new VirtualClock();
    const DAY = 86_400_000;
    // Ends after 1.5 days: well past the 100,000 reads an earlier loop stopped at.
    const { reads, client } = fakeCache(clock, (now) =>
      now < 1.5 * DAY ? running('long', now) : { ...running('long', 1.5 * DAY), status: 'COMPLETED', finishedAt: iso(1.5 * DAY) }
    );
    const result = await clock.run(
      watch(clock, client, { pollIntervalMs: 1_000, deadline: 2 * DAY }).follow(running('long', 0)),
      20_000_000
    );
    expect(result).toMatchObject({ timedOut: false, execution: { id: 'long', status: 'COMPLETED' } });
    expect(reads.length).toBeGreaterThan(120_000);
    expect(Math.max(...gaps(reads.slice(-1_000)))).toBeLessThanOrEqual(1_000);
  }, 180_000);

  test('each phase has a tracker of its own: after a long wait, the first read after the trigger comes within a second', async () => {
    const clock = new VirtualClock();
    let triggeredAt = Infinity;
    const { reads, client } = fakeCache(clock, (now) =>
      now < triggeredAt
        ? now < 600_000
          ? running('old', now)
          : { ...running('old', 600_000), status: 'CANCELLED' }
        : running('new', now - triggeredAt)
    );
    const tracker = watch(clock, client);
    const stopped = await clock.run(tracker.follow(running('old', 0)));
    expect(stopped.execution!.status).toBe('CANCELLED');
    expect(Math.max(...gaps(reads))).toBe(30_000);
    triggeredAt = clock.now();
    const found = await clock.run(watch(clock, client).awaitNew(['full-refresh'], { 'full-refresh': 'old' }));
    expect(found.execution!.id).toBe('new');
    expect(reads.find((t) => t > triggeredAt)! - triggeredAt).toBeLessThanOrEqual(1_000);
  });

  test('looking for the effect of an ambiguous trigger: a run ahead does not extend the grace, which ends with that run named', async () => {
    const clock = new VirtualClock();
    // The one ahead runs for ten hours: a wait that a running one extends would last until the deadline.
    const { reads, client } = fakeCache(clock, (now) => running('ahead', now));
    const look = await clock.run(
      watch(clock, client).awaitNew(['full-refresh'], { 'full-refresh': 'ahead' }, 60_000, { queuedExtendsGrace: false })
    );
    expect(look).toMatchObject({ execution: undefined, timedOut: false, queuedBehind: { id: 'ahead' } });
    expect(reads.at(-1)!).toBeGreaterThan(60_000);
    expect(reads.at(-1)!).toBeLessThanOrEqual(60_000 + 30_000);
    const waited = await clock.run(
      watch(clock, client, { deadline: clock.now() + 3 * 3_600_000 }).awaitNew(['full-refresh'], { 'full-refresh': 'ahead' }, 60_000)
    );
    expect(waited).toMatchObject({ execution: undefined, timedOut: true });
  });

  test('the next read is planned from when the previous one was sent, so slow answers do not stretch gaps past poll-interval', async () => {
    const clock = new VirtualClock();
    const { reads, client } = fakeCache(
      clock,
      (now) => (now < 900_000 ? running('e', now) : { ...running('e', now), status: 'COMPLETED' }),
      5_000
    );
    const result = await clock.run(watch(clock, client).follow(running('e', 0)));
    expect(result.execution!.status).toBe('COMPLETED');
    expect(reads.length).toBeGreaterThan(30);
    expect(Math.max(...gaps(reads))).toBeLessThanOrEqual(30_000);
  });

  test('stops at once when the workflow run is cancelled: the wait for the next read ends with the abort, not at the read', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const { reads, client } = fakeCache(clock, (now) => {
      // Cancelled 1 ms after the third read, while the wait sleeps towards the fourth (at least 500 ms on).
      if (reads.length === 3) void clock.sleep(1).then(() => controller.abort());
      return running('e', now);
    });
    const t = new ExecutionTracker({
      client,
      source: new DirectStatusSource(client, clock),
      cacheId: 'c',
      deadline: 10 * 3_600_000,
      pollIntervalMs: 600_000,
      signal: controller.signal,
      log: () => {},
      random: () => 0.5
    });
    await expect(clock.run(t.follow(running('e', 0)))).rejects.toMatchObject({ name: 'AbortError' });
    expect(reads).toHaveLength(3);
    // No time passed after the abort: the wait did not sleep on to its next read.
    expect(clock.now()).toBe(reads[2] + 1);
  });

  test('an execution whose progress and updatedAt stop changing is called stalled once stall-timeout has passed', async () => {
    const clock = new VirtualClock();
    const stuck = { ...running('stuck', 0), cachedRecords: undefined };
    const { reads, client } = fakeCache(clock, () => stuck);
    const result = await clock.run(watch(clock, client, { stallTimeoutMs: 1_800_000 }).follow(stuck));
    expect(result).toMatchObject({
      timedOut: false,
      stalled: { sinceMs: 0, updatedAt: stuck.updatedAt },
      execution: { status: 'RUNNING' }
    });
    expect(reads.at(-1)).toBe(1_800_000);
  });

  test('progress resets the stall clock, a queued execution never stalls, and stall-timeout 0 waits until the timeout', async () => {
    const clock = new VirtualClock();
    // Progress every 20 minutes for 2 hours, then done: never 30 minutes without a change.
    const slow = fakeCache(clock, (now) =>
      now < 7_200_000 ? running('slow', Math.floor(now / 1_200_000) * 1_200_000) : { ...running('slow', now), status: 'COMPLETED' }
    );
    const slowResult = await clock.run(watch(clock, slow.client, { stallTimeoutMs: 1_800_000 }).follow(running('slow', 0)));
    expect(slowResult.stalled).toBeUndefined();
    expect(slowResult.execution!.status).toBe('COMPLETED');

    const queuedClock = new VirtualClock();
    const queued = fakeCache(queuedClock, (now) => ({ ...running('q', 0), status: now < 7_200_000 ? 'QUEUED' : 'COMPLETED' }));
    const queuedResult = await queuedClock.run(
      watch(queuedClock, queued.client, { stallTimeoutMs: 1_800_000 }).follow({ ...running('q', 0), status: 'QUEUED' })
    );
    expect(queuedResult.stalled).toBeUndefined();
    expect(queuedResult.execution!.status).toBe('COMPLETED');

    const offClock = new VirtualClock();
    const stuck = { ...running('stuck', 0), cachedRecords: undefined };
    const off = fakeCache(offClock, () => stuck);
    const offResult = await offClock.run(watch(offClock, off.client, { stallTimeoutMs: 0, deadline: 3 * 3_600_000 }).follow(stuck));
    expect(offResult.timedOut).toBe(true);
    expect(offResult.stalled).toBeUndefined();
  });
});

describe('an outage of the status endpoint during the wait', () => {
  test('reads that fail after their retries do not end the wait: the execution is followed to its end', async () => {
    const quick = new PeakaClient(
      { baseUrl: sim.url, apiKey: KEY, requestTimeoutMs: 2_000, maxAttempts: 2, backoffBaseMs: 50, backoffCapMs: 100, clock },
      'mtKDhe1U'
    );
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh', { durationMs: 4_000, records: 500 });
    const lines: string[] = [];
    const watch = new ExecutionTracker({
      client: quick,
      source: new DirectStatusSource(quick, clock),
      cacheId: cache.id,
      deadline: clock.now() + 20_000,
      pollIntervalMs: 1_000,
      log: (l) => lines.push(l),
      random: () => 0.5
    });
    const first = (await quick.getStatus(cache.id, clock.now() + 5_000)).executions['full-refresh']!;
    const before = answeredReads(cache.id);
    const followed = watch.follow(first);
    // After the first read of the wait, every read fails for a while (each read's 2 attempts included).
    await clock.run(waitFor(() => answeredReads(cache.id) > before, 'the first status read of the wait', { clock, everyMs: 1 }));
    sim.fault({ type: 'status', status: 502, body: 'html', path: `${cache.id}/status`, times: 8 });
    const result = await clock.run(followed);
    expect(result).toMatchObject({ timedOut: false, execution: { id: running.id, status: 'COMPLETED', cachedRecords: 500 } });
    // One line for the outage, not one per failed read.
    expect(lines.filter((l) => l.startsWith('Could not read the status (Failed reading the status'))).toHaveLength(1);
  });

  test('a refusal (401/404) still ends the wait at once', async () => {
    const cache = sim.addCache();
    sim.startScheduled(cache.id, 'full-refresh', { durationMs: 4_000 });
    const first = (await client.getStatus(cache.id, clock.now() + 5_000)).executions['full-refresh']!;
    const watch = tracker(cache.id);
    const before = answeredReads(cache.id);
    const followed = watch.follow(first);
    await clock.run(waitFor(() => answeredReads(cache.id) > before, 'the first status read of the wait', { clock, everyMs: 1 }));
    sim.fault({ type: 'status', status: 404, path: `${cache.id}/status`, times: 3 });
    await expect(clock.run(followed)).rejects.toThrow(/HTTP 404/);
  });
});
