/**
 * The virtual clock (src/virtual-clock.ts) the tests and the benchmark run on: time jumps to the next
 * timer once nothing else can run, stands still while a request is under way, and moves on past a
 * request that hangs, so that its timeout fires.
 */
import { describe, expect, test } from '@jest/globals';
import { setTimeout as realSleep } from 'node:timers/promises';
import { VirtualClock } from '../src/virtual-clock.js';

const START = Date.parse('2026-03-01T12:00:00Z');

describe('sleep and run', () => {
  test('timers fire in the order of their time, each at its time, and a minute takes no real minute', async () => {
    const clock = new VirtualClock(START);
    const fired: [string, number][] = [];
    const at = (name: string, ms: number) => clock.sleep(ms).then(() => void fired.push([name, clock.now() - START]));
    const realStart = Date.now();
    await clock.run(Promise.all([at('b', 60_000), at('a', 1_000), at('c', 60_000)]));
    expect(fired).toEqual([
      ['a', 1_000],
      ['b', 60_000],
      ['c', 60_000]
    ]);
    expect(Date.now() - realStart).toBeLessThan(5_000);
  });

  test('an aborted sleep rejects with the reason and leaves no timer behind', async () => {
    const clock = new VirtualClock(START);
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    expect(clock.pending).toBe(1);
    controller.abort(new Error('the run was cancelled'));
    await expect(sleeping).rejects.toThrow('the run was cancelled');
    expect(clock.pending).toBe(0);
    expect(clock.now()).toBe(START);
  });

  test('work that waits on nothing the clock knows of, and never ends, is an error, not a hang', async () => {
    const clock = new VirtualClock(START, { idleLimitMs: 50 });
    await expect(clock.run(new Promise(() => undefined))).rejects.toThrow('nothing left to wait for');
  });
});

describe('timeout: real requests on virtual time', () => {
  test('while a request is under way, time stands still: a shorter sleep beside it does not fire before its answer', async () => {
    const clock = new VirtualClock(START, { ioPatienceMs: 5_000 });
    const order: string[] = [];
    const request = async () => {
      const timeout = clock.timeout(30_000);
      try {
        // The answer takes real time (a socket), not virtual time.
        await realSleep(100);
        order.push(`answer at ${clock.now() - START}`);
      } finally {
        timeout.clear();
      }
    };
    const beside = clock.sleep(1_000).then(() => void order.push(`sleep at ${clock.now() - START}`));
    await clock.run(Promise.all([request(), beside]));
    expect(order).toEqual(['answer at 0', 'sleep at 1000']);
    expect(clock.pending).toBe(0);
  });

  test('a request that does not answer within the patience lets time move on: its timeout fires at its virtual time', async () => {
    const clock = new VirtualClock(START, { ioPatienceMs: 50 });
    const timeout = clock.timeout(2_000);
    const aborted = new Promise<unknown>((resolve) =>
      timeout.signal.addEventListener('abort', () => resolve(timeout.signal.reason), { once: true })
    );
    const realStart = Date.now();
    const reason = await clock.run(aborted);
    expect(reason).toMatchObject({ name: 'TimeoutError' });
    expect(clock.now() - START).toBe(2_000);
    expect(Date.now() - realStart).toBeGreaterThanOrEqual(45);
  });

  test('a cleared timeout never fires and holds nothing back', async () => {
    const clock = new VirtualClock(START);
    const timeout = clock.timeout(1_000);
    timeout.clear();
    await clock.run(clock.sleep(5_000));
    expect(timeout.signal.aborted).toBe(false);
    expect(clock.now() - START).toBe(5_000);
  });
});
