/**
 * The real clock (src/clock.ts) the step waits on: its time is the system's, its sleep waits at
 * least as long as asked, the run's cancel (an aborted signal) ends a sleep at once, and a request's
 * timeout aborts at its time unless cleared.
 */
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { realClock } from '../src/clock.js';
import { ROOT } from '../scripts/action-runner.js';

const run = promisify(execFile);

/** Which settles first: `work`, or a guard timer of `ms` (so that no test waits unbounded). */
async function firstOf<T>(work: Promise<T>, ms: number): Promise<{ settled: 'work'; value?: T; error?: unknown } | { settled: 'guard' }> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<{ settled: 'guard' }>((resolve) => (timer = setTimeout(() => resolve({ settled: 'guard' }), ms)));
  try {
    return await Promise.race([
      work.then(
        (value) => ({ settled: 'work' as const, value }),
        (error: unknown) => ({ settled: 'work' as const, error })
      ),
      guard
    ]);
  } finally {
    clearTimeout(timer);
  }
}

test('now() is the system time', () => {
  const before = Date.now();
  const now = realClock.now();
  const after = Date.now();
  expect(now).toBeGreaterThanOrEqual(before);
  expect(now).toBeLessThanOrEqual(after);
});

describe('sleep', () => {
  test('waits for the time asked, not less', async () => {
    const start = Date.now();
    // A shorter timer started later still fires first: the sleep does not end early.
    const order: string[] = [];
    await Promise.all([
      realClock.sleep(80).then(() => order.push('sleep')),
      new Promise((r) => setTimeout(r, 10)).then(() => order.push('10ms timer'))
    ]);
    expect(order).toEqual(['10ms timer', 'sleep']);
    expect(Date.now() - start).toBeGreaterThanOrEqual(75);
  });

  test('a time already past (negative) resolves on the next turn instead of throwing', async () => {
    const result = await firstOf(realClock.sleep(-5_000), 5_000);
    expect(result).toEqual({ settled: 'work', value: undefined });
  });

  test('a time already past puts no warning in the log (Node 24, the runtime of action.yml, warns of a negative timeout)', async () => {
    // Node 23 and later write TimeoutNegativeWarning to stderr, which the runner shows in the log,
    // for a negative delay; CI runs this file on Node 24. The warning goes to the real process, so
    // the sleep runs in a node of its own, on the Node that runs the tests.
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const script = "import { realClock } from './src/clock.ts'; await realClock.sleep(-5000); console.log('slept');";
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env,
      timeout: 30_000
    });
    expect({ stdout, stderr }).toEqual({ stdout: 'slept\n', stderr: '' });
  });

  test("the run's cancel ends a long sleep at once, with an AbortError", async () => {
    const controller = new AbortController();
    const sleeping = realClock.sleep(60_000, controller.signal);
    controller.abort();
    const result = await firstOf(sleeping, 5_000);
    expect(result.settled).toBe('work');
    expect((result as { error?: Error }).error?.name).toBe('AbortError');
  });

  test('a signal aborted before the sleep starts rejects it without waiting', async () => {
    const result = await firstOf(realClock.sleep(60_000, AbortSignal.abort()), 5_000);
    expect((result as { error?: Error }).error?.name).toBe('AbortError');
  });

  test('a signal that never aborts does not end the sleep early', async () => {
    const controller = new AbortController();
    const sleeping = realClock.sleep(60_000, controller.signal);
    const result = await firstOf(sleeping, 100);
    expect(result).toEqual({ settled: 'guard' });
    // Ends the sleep: no timer outlives the test.
    controller.abort();
    await expect(sleeping).rejects.toThrow();
  });
});

describe('timeout', () => {
  test('aborts its signal with a TimeoutError once the time is up', async () => {
    const timeout = realClock.timeout(30);
    const reason = await firstOf(
      new Promise((resolve) => timeout.signal.addEventListener('abort', () => resolve(timeout.signal.reason), { once: true })),
      5_000
    );
    expect(reason).toMatchObject({ settled: 'work', value: { name: 'TimeoutError' } });
  });

  test('cleared, it never aborts', async () => {
    const timeout = realClock.timeout(20);
    timeout.clear();
    await new Promise((r) => setTimeout(r, 80));
    expect(timeout.signal.aborted).toBe(false);
  });
});
