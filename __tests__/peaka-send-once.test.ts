/**
 * send-once.ts: the one path of every write. A refusal is believed (and told as "no effect"), a lost
 * answer is looked for before the write is sent again, load refusals are sent again after the wait
 * Peaka asks for, and nothing waits past the deadline. Sequences that need exact control run
 * against a scripted server; the effects of cancels and deletes against the simulator. The servers
 * and the client share a virtual clock: the waits between attempts take no real time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { PeakaClient } from '../src/peaka/client.js';
import { ActionError } from '../src/errors.js';
import { PeakaApiError } from '../src/peaka/errors.js';
import { cancelOnce, deleteOnce, sendOnce, type SendOnceOptions } from '../src/peaka/send-once.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { ScriptedServer, startScriptedServer } from './helpers/scripted-server.js';
import { VirtualClock } from '../src/virtual-clock.js';

const KEY = 'pk-send-once-test-3b8e';
const PROJECT = 'mtKDhe1U';
const clock = new VirtualClock(Date.now());
const soon = (ms = 20_000) => clock.now() + ms;

let server: ScriptedServer;
let sim: PeakaSimulator;
/** A simulator where a cancel takes a minute to stop the execution (it shows RUNNING meanwhile). */
let slowStop: PeakaSimulator;
beforeAll(async () => {
  [server, sim, slowStop] = await Promise.all([
    startScriptedServer(clock),
    startSimulator({ partnerKeys: [KEY], defaultPlan: { appearDelayMs: 0, durationMs: 120_000 }, cancelDelayMs: 0, clock }),
    startSimulator({ partnerKeys: [KEY], defaultPlan: { appearDelayMs: 0, durationMs: 120_000 }, cancelDelayMs: 60_000, clock })
  ]);
});
afterAll(() => Promise.all([server.close(), sim.close(), slowStop.close()]));
beforeEach(() => {
  server.reset();
  sim.clearFaults();
  slowStop.clearFaults();
});

const clientOf = (url: string, signal?: AbortSignal) =>
  new PeakaClient({ baseUrl: url, apiKey: KEY, requestTimeoutMs: 3_000, signal, clock }, PROJECT);

/** A write to the scripted server (a trigger: POST, answer ignored), with spies for every callback. */
function scriptedWrite(extra: Partial<SendOnceOptions<string>> = {}, signal?: AbortSignal) {
  const client = clientOf(server.url, signal);
  const calls = {
    findEffect: jest.fn<(failure: PeakaApiError) => Promise<string | undefined>>(async () => undefined),
    onNoEffect: jest.fn(),
    warn: jest.fn<(line: string) => void>()
  };
  const options: SendOnceOptions<string> = {
    send: async () => {
      await client.trigger('full-refresh', 'cache-1', soon());
      return 'sent';
    },
    findEffect: calls.findEffect,
    onNoEffect: calls.onNoEffect,
    warn: calls.warn,
    deadline: soon(),
    clock,
    ...extra
  };
  return { options, calls, run: () => clock.run(sendOnce(options)) };
}

describe('a refusal is believed: sent once, and told as no effect', () => {
  test.each([400, 401, 403, 404, 409])('HTTP %i: one request, onNoEffect called, the effect not looked for', async (status) => {
    server.answer({ status });
    const { run, calls } = scriptedWrite();
    await expect(run()).rejects.toMatchObject({ status });
    expect(server.requests).toHaveLength(1);
    expect(calls.onNoEffect).toHaveBeenCalledTimes(1);
    expect(calls.findEffect).not.toHaveBeenCalled();
  });

  test('a write that succeeds first time: its answer, not adopted, onNoEffect not called', async () => {
    const { run, calls } = scriptedWrite();
    await expect(run()).resolves.toEqual({ effect: 'sent', adopted: false });
    expect(server.requests).toHaveLength(1);
    expect(calls.onNoEffect).not.toHaveBeenCalled();
  });
});

describe('a lost answer: the effect is looked for before the write is sent again', () => {
  test('a 502 after the trigger took effect: the new execution is found and adopted, and no second trigger is sent', async () => {
    const client = clientOf(sim.url);
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const previousId = cache.executions[0].id;
    sim.fault({ type: 'status', status: 502, afterEffect: true, method: 'POST', path: `${cache.id}/fullRefreshUpdate` });
    const onNoEffect = jest.fn();
    const warnings: string[] = [];
    const sent = await clock.run(
      sendOnce<string>({
        send: async () => {
          await client.trigger('full-refresh', cache.id, soon());
          return 'answered';
        },
        findEffect: async () => {
          const now = (await client.getStatus(cache.id, soon())).executions['full-refresh'];
          return now && now.id !== previousId ? now.id : undefined;
        },
        onNoEffect,
        deadline: soon(),
        clock,
        warn: (line) => warnings.push(line)
      })
    );
    const started = sim.startedExecutions(cache.id);
    expect(started).toHaveLength(1);
    expect(sent).toEqual({ effect: started[0].id, adopted: true });
    expect(sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`${cache.id}/fullRefreshUpdate`))).toHaveLength(1);
    expect(onNoEffect).not.toHaveBeenCalled();
    expect(warnings).toEqual([expect.stringMatching(/HTTP 502.*It may have taken effect anyway: looking before sending it again\.$/)]);
  });

  test.each([
    ['a dropped connection', 'drop' as const],
    ['a 503', { status: 503 }]
  ])('%s with no effect found: looked for first, then sent again (answer not adopted)', async (_name, lost) => {
    server.answer(lost, { status: 200, body: '{}' });
    const lookedAt: number[] = [];
    const { run, calls } = scriptedWrite({
      findEffect: async () => {
        lookedAt.push(clock.now());
        return undefined;
      }
    });
    await expect(run()).resolves.toEqual({ effect: 'sent', adopted: false });
    expect(server.requests).toHaveLength(2);
    expect(lookedAt).toHaveLength(1);
    expect(server.requests[1].at).toBeGreaterThanOrEqual(lookedAt[0]);
    expect(calls.onNoEffect).not.toHaveBeenCalled();
  });

  test('a lost answer with nothing to look with (no findEffect): sent again after the wait', async () => {
    server.answer({ status: 502 }, { status: 200 });
    const { run } = scriptedWrite({ findEffect: undefined });
    await expect(run()).resolves.toEqual({ effect: 'sent', adopted: false });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(950);
  });

  test('a write that may have taken effect and then fails for good does not call onNoEffect (the ledger keeps it)', async () => {
    server.answer({ status: 502, retryAfter: '0' }, { status: 400 });
    const { run, calls } = scriptedWrite();
    await expect(run()).rejects.toMatchObject({ status: 400 });
    expect(calls.onNoEffect).not.toHaveBeenCalled();
  });
});

describe('429 and 408 took no effect: sent again after Retry-After, without looking', () => {
  test.each([429, 408])('HTTP %i with Retry-After: 1', async (status) => {
    server.answer({ status, retryAfter: '1' }, { status: 200 });
    const { run, calls } = scriptedWrite();
    await expect(run()).resolves.toEqual({ effect: 'sent', adopted: false });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(950);
    expect(calls.findEffect).not.toHaveBeenCalled();
    expect(calls.warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`HTTP ${status}.*Sending it again in 1\\.0s\\.$`)));
  });

  test('429 refused every time: onNoEffect is called (nothing was taken)', async () => {
    server.answer(...Array.from({ length: 4 }, () => ({ status: 429, retryAfter: '0' })));
    const { run, calls } = scriptedWrite();
    await expect(run()).rejects.toMatchObject({ status: 429 });
    expect(calls.onNoEffect).toHaveBeenCalledTimes(1);
    expect(calls.findEffect).not.toHaveBeenCalled();
  });
});

describe('a refusal that follows an ambiguous attempt is looked at, not believed (lookOn)', () => {
  test('502 then 409 to a create: the effect is looked for with the 409 and adopted', async () => {
    server.answer({ status: 502, retryAfter: '0' }, { status: 409 });
    const { run, calls } = scriptedWrite({ lookOn: [409] });
    calls.findEffect.mockResolvedValueOnce(undefined).mockResolvedValueOnce('the cache the first attempt made');
    await expect(run()).resolves.toEqual({ effect: 'the cache the first attempt made', adopted: true });
    expect(server.requests).toHaveLength(2);
    expect(calls.findEffect.mock.calls.map(([failure]) => failure.status)).toEqual([502, 409]);
  });

  test('502 then 409, and no effect found: the 409 is thrown, and onNoEffect is not called', async () => {
    server.answer({ status: 502, retryAfter: '0' }, { status: 409 });
    const { run, calls } = scriptedWrite({ lookOn: [409] });
    await expect(run()).rejects.toMatchObject({ status: 409 });
    expect(calls.findEffect).toHaveBeenCalledTimes(2);
    expect(calls.onNoEffect).not.toHaveBeenCalled();
    expect(server.requests).toHaveLength(2);
  });

  test('a 409 with no ambiguous attempt before it is believed: not looked for', async () => {
    server.answer({ status: 409 });
    const { run, calls } = scriptedWrite({ lookOn: [409] });
    await expect(run()).rejects.toMatchObject({ status: 409 });
    expect(calls.findEffect).not.toHaveBeenCalled();
    expect(calls.onNoEffect).toHaveBeenCalledTimes(1);
  });
});

describe('a refusal that is the answer (refusalMeans) is believed only when no earlier attempt was ambiguous', () => {
  const ended = (failure: PeakaApiError) => (failure.status === 404 ? 'ended' : undefined);

  test('a 404 first time: the answer, sent once', async () => {
    server.answer({ status: 404 });
    const { run, calls } = scriptedWrite({ refusalMeans: ended });
    await expect(run()).resolves.toEqual({ effect: 'ended', adopted: false });
    expect(server.requests).toHaveLength(1);
    expect(calls.onNoEffect).not.toHaveBeenCalled();
  });

  test('a 404 after a 429 (which took no effect) is still believed', async () => {
    server.answer({ status: 429, retryAfter: '0' }, { status: 404 });
    const { run } = scriptedWrite({ refusalMeans: ended });
    await expect(run()).resolves.toEqual({ effect: 'ended', adopted: false });
  });

  test('a 404 after a 502 is not believed: with nothing to look at, it is thrown', async () => {
    server.answer({ status: 502, retryAfter: '0' }, { status: 404 });
    const { run } = scriptedWrite({ refusalMeans: ended });
    await expect(run()).rejects.toMatchObject({ status: 404 });
    expect(server.requests).toHaveLength(2);
  });
});

describe("the run's cancel", () => {
  test('a write aborted in flight is not sent again and does not call onNoEffect (it may have reached Peaka)', async () => {
    const controller = new AbortController();
    server.answer('hang');
    const { run, calls } = scriptedWrite({ signal: controller.signal }, controller.signal);
    const outcome = run();
    await server.nextRequest();
    controller.abort();
    const failure = await outcome.then(
      () => undefined,
      (err: unknown) => err
    );
    expect(failure).toBeInstanceOf(PeakaApiError);
    expect(failure).toMatchObject({ kind: 'aborted', details: { inFlight: true } });
    expect(server.requests).toHaveLength(1);
    expect(calls.findEffect).not.toHaveBeenCalled();
    expect(calls.onNoEffect).not.toHaveBeenCalled();
  });

  test('a write aborted before it left: nothing is sent, and onNoEffect is called', async () => {
    const controller = new AbortController();
    controller.abort();
    const { run, calls } = scriptedWrite({ signal: controller.signal }, controller.signal);
    await expect(run()).rejects.toMatchObject({ kind: 'aborted' });
    expect(server.requests).toHaveLength(0);
    expect(calls.onNoEffect).toHaveBeenCalledTimes(1);
  });

  test.each([
    ['a 429 (no effect): onNoEffect is called', 429, 1],
    ['a 502 (maybe an effect): onNoEffect is not called', 502, 0]
  ])('aborted in the wait before sending again, after %s', async (_name, status, noEffectCalls) => {
    const controller = new AbortController();
    server.answer({ status, retryAfter: '30' });
    // The wait starts right after the warning: the run is cancelled there.
    const { run, calls } = scriptedWrite(
      { signal: controller.signal, findEffect: undefined, warn: () => controller.abort(), deadline: soon(60_000) },
      controller.signal
    );
    const started = clock.now();
    await expect(run()).rejects.toBeDefined();
    expect(clock.now() - started).toBeLessThan(5_000);
    expect(server.requests).toHaveLength(1);
    expect(calls.onNoEffect).toHaveBeenCalledTimes(noEffectCalls);
  });
});

describe('attempts are bounded', () => {
  test('answers lost every time: sent `attempts` times, then the last failure is thrown', async () => {
    server.answer(...Array.from({ length: 6 }, () => ({ status: 502, retryAfter: '0' })));
    const { run } = scriptedWrite({ attempts: 3 });
    await expect(run()).rejects.toMatchObject({ status: 502 });
    expect(server.requests).toHaveLength(3);
  });

  // A lost answer on the last attempt may still have taken effect: it is looked for before the write is reported as failed.
  test("the last attempt's lost answer is looked for before the write is reported as failed", async () => {
    server.answer(...Array.from({ length: 3 }, () => ({ status: 502, retryAfter: '0' })));
    const { run, calls } = scriptedWrite({ attempts: 3 });
    calls.findEffect
      .mockResolvedValueOnce(undefined)
      .mockResolvedValueOnce(undefined)
      .mockResolvedValueOnce('the third attempt took effect');
    await expect(run()).resolves.toEqual({ effect: 'the third attempt took effect', adopted: true });
    expect(server.requests).toHaveLength(3);
  });

  test('rate-limited every time: sent at most WRITE_ATTEMPTS (4) times by default', async () => {
    server.answer(...Array.from({ length: 6 }, () => ({ status: 429, retryAfter: '0' })));
    const { run } = scriptedWrite();
    await expect(run()).rejects.toMatchObject({ status: 429 });
    expect(server.requests).toHaveLength(4);
  });
});

describe('the deadline is respected: no wait extends past it', () => {
  test('a Retry-After that ends past the deadline: the refusal is thrown at once, not waited out', async () => {
    server.answer({ status: 429, retryAfter: '5' }, { status: 200 });
    const deadline = soon(2_000);
    const { run } = scriptedWrite({ deadline });
    await expect(run()).rejects.toMatchObject({ status: 429 });
    expect(clock.now()).toBeLessThan(deadline);
    expect(server.requests).toHaveLength(1);
  });

  // A request the transport never sent (the deadline had passed) is a refusal, not a lost answer.
  test('a write not sent because the deadline had passed took no effect: nothing is looked for, onNoEffect is called', async () => {
    const client = clientOf(server.url);
    // The step's deadline, spent by an earlier phase (e.g. stopping a run with if-running: cancel).
    const deadline = clock.now() - 1;
    const { run, calls } = scriptedWrite({
      send: async () => {
        await client.trigger('full-refresh', 'cache-1', deadline);
        return 'sent';
      },
      deadline
    });
    await expect(run()).rejects.toMatchObject({ kind: 'timeout' });
    expect(server.requests).toHaveLength(0);
    expect(calls.findEffect).not.toHaveBeenCalled();
    expect(calls.onNoEffect).toHaveBeenCalledTimes(1);
  });

  test('lost answers with growing waits (1 s, then 2 s): the attempt whose wait would pass the deadline is not made', async () => {
    server.answer({ status: 502 }, { status: 502 }, { status: 200 });
    const deadline = soon(2_500);
    const { run } = scriptedWrite({ deadline, findEffect: undefined });
    await expect(run()).rejects.toMatchObject({ status: 502 });
    expect(clock.now()).toBeLessThan(deadline);
    expect(server.requests).toHaveLength(2);
  });
});

describe('cancelOnce', () => {
  const client = () => clientOf(sim.url);
  const cancelsOf = (s: PeakaSimulator, cacheId: string) =>
    s.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`${cacheId}/cancelFullRefreshUpdate`));

  test("a running execution: 'cancelled', one cancel, and it ends CANCELLED", async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh');
    await expect(clock.run(cancelOnce(client(), cache.id, { id: running.id, kind: 'full-refresh' }, { deadline: soon() }))).resolves.toBe(
      'cancelled'
    );
    expect(cancelsOf(sim, cache.id)).toHaveLength(1);
    expect(sim.statusAt(running, clock.now())).toBe('CANCELLED');
  });

  test("nothing running (Peaka answers 404): 'ended', sent once", async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    await expect(
      clock.run(cancelOnce(client(), cache.id, { id: cache.executions[0].id, kind: 'full-refresh' }, { deadline: soon() }))
    ).resolves.toBe('ended');
    expect(cancelsOf(sim, cache.id)).toHaveLength(1);
  });

  test("a lost answer, and the status shows the execution CANCELLED: 'cancelled', not sent again", async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh');
    sim.fault({ type: 'status', status: 502, afterEffect: true, method: 'POST', path: `${cache.id}/cancelFullRefreshUpdate` });
    const warnings: string[] = [];
    await expect(clock.run(cancelOnce(client(), cache.id, running, { deadline: soon(), warn: (l) => warnings.push(l) }))).resolves.toBe(
      'cancelled'
    );
    expect(cancelsOf(sim, cache.id)).toHaveLength(1);
    expect(warnings.join('\n')).toContain('looking before sending it again');
  });

  test('a lost answer, and the execution still runs: the cancel is sent again', async () => {
    const cache = sim.addCache();
    const running = sim.startScheduled(cache.id, 'full-refresh');
    sim.fault({ type: 'status', status: 502, method: 'POST', path: `${cache.id}/cancelFullRefreshUpdate` });
    await expect(clock.run(cancelOnce(client(), cache.id, running, { deadline: soon() }))).resolves.toBe('cancelled');
    expect(cancelsOf(sim, cache.id)).toHaveLength(2);
    expect(sim.statusAt(running, clock.now())).toBe('CANCELLED');
  });

  test("a 404 after a lost answer while the execution still runs (stopping): 'cancelled', the earlier cancel is taking effect", async () => {
    const stopping = clientOf(slowStop.url);
    const cache = slowStop.addCache();
    const running = slowStop.startScheduled(cache.id, 'full-refresh');
    const path = `${cache.id}/cancelFullRefreshUpdate`;
    slowStop.fault({ type: 'status', status: 502, afterEffect: true, method: 'POST', path });
    slowStop.fault({ type: 'status', status: 404, method: 'POST', path });
    await expect(clock.run(cancelOnce(stopping, cache.id, running, { deadline: soon() }))).resolves.toBe('cancelled');
    expect(cancelsOf(slowStop, cache.id)).toHaveLength(2);
    expect(running.cancelledAt).toBeDefined();
    expect(slowStop.statusAt(running, clock.now())).toBe('RUNNING');
  });

  test("a lost answer, and the execution had COMPLETED: 'ended', not sent again", async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const completed = cache.executions[0];
    sim.fault({ type: 'status', status: 502, method: 'POST', path: `${cache.id}/cancelFullRefreshUpdate` });
    await expect(clock.run(cancelOnce(client(), cache.id, { id: completed.id, kind: 'full-refresh' }, { deadline: soon() }))).resolves.toBe(
      'ended'
    );
    expect(cancelsOf(sim, cache.id)).toHaveLength(1);
  });

  test("a lost answer, and another execution is in the slot: 'ended' (the one to cancel is over), the other is left alone", async () => {
    const cache = sim.addCache({ previous: { 'full-refresh': {} } });
    const old = cache.executions[0];
    const other = sim.startScheduled(cache.id, 'full-refresh');
    sim.fault({ type: 'status', status: 502, method: 'POST', path: `${cache.id}/cancelFullRefreshUpdate` });
    await expect(clock.run(cancelOnce(client(), cache.id, { id: old.id, kind: 'full-refresh' }, { deadline: soon() }))).resolves.toBe(
      'ended'
    );
    expect(cancelsOf(sim, cache.id)).toHaveLength(1);
    expect(sim.statusAt(other, clock.now())).toBe('RUNNING');
  });
});

describe('deleteOnce', () => {
  const client = () => clientOf(sim.url);
  const deletesOf = (cacheId: string) => sim.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith(`/cache/${cacheId}`));
  const options = (existed = true) => ({ deadline: soon(), warn: () => undefined, existed });

  test("an existing cache: 'deleted', one DELETE", async () => {
    const cache = sim.addCache();
    await expect(clock.run(deleteOnce(client(), cache.id, options()))).resolves.toEqual({ effect: 'deleted', adopted: false });
    expect(cache.deleted).toBe(true);
    expect(deletesOf(cache.id)).toHaveLength(1);
  });

  test("a cache that does not exist (404): 'absent'", async () => {
    const id = '0b0e5a2c-1111-4222-8333-444455556666';
    await expect(clock.run(deleteOnce(client(), id, options(false)))).resolves.toEqual({ effect: 'absent', adopted: false });
    expect(deletesOf(id)).toHaveLength(1);
  });

  test("a lost answer, and a read finds the cache gone: 'deleted', adopted, not sent again", async () => {
    const cache = sim.addCache();
    sim.fault({ type: 'status', status: 502, afterEffect: true, method: 'DELETE', path: `/cache/${cache.id}` });
    await expect(clock.run(deleteOnce(client(), cache.id, options()))).resolves.toEqual({ effect: 'deleted', adopted: true });
    expect(deletesOf(cache.id)).toHaveLength(1);
  });

  test('a lost answer, and the cache is still there: sent again', async () => {
    const cache = sim.addCache();
    sim.fault({ type: 'drop', method: 'DELETE', path: `/cache/${cache.id}` });
    await expect(clock.run(deleteOnce(client(), cache.id, options()))).resolves.toEqual({ effect: 'deleted', adopted: false });
    expect(deletesOf(cache.id)).toHaveLength(2);
    expect(cache.deleted).toBe(true);
  });

  test('a 404 after a lost answer while the cache still exists: a clear error, not "absent"', async () => {
    const cache = sim.addCache();
    sim.fault({ type: 'status', status: 502, method: 'DELETE', path: `/cache/${cache.id}` });
    sim.fault({ type: 'status', status: 404, method: 'DELETE', path: `/cache/${cache.id}` });
    const failure = await clock.run(deleteOnce(client(), cache.id, options())).then(
      () => undefined,
      (err: unknown) => err
    );
    expect(failure).toBeInstanceOf(ActionError);
    expect((failure as Error).message).toBe(
      `Deleting cache ${cache.id}: Peaka answered 404 to the delete, yet the cache still exists. Check it in Peaka and re-run.`
    );
    expect(cache.deleted).toBe(false);
    expect(deletesOf(cache.id)).toHaveLength(2);
  });
});
