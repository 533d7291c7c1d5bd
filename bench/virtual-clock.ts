/**
 * A virtual clock for the benchmark: time jumps to the next timer once everything else has
 * settled, so hours of polling run in milliseconds through the action's own async code.
 */
import type { Clock } from '../src/clock.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.timers.indexOf(timer);
          if (index >= 0) this.timers.splice(index, 1);
          reject(signal.reason);
        },
        { once: true }
      );
    });
  }

  /** Runs until `work` settles, moving time to each next timer whenever nothing else can run. */
  async run<T>(work: Promise<T>, maxSteps = 10_000_000): Promise<T> {
    let done = false;
    work.then(
      () => (done = true),
      () => (done = true)
    );
    for (let step = 0; step < maxSteps; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done) return work;
      if (!this.timers.length) throw new Error('VirtualClock: nothing left to wait for, but the work has not ended');
      let next = 0;
      for (let i = 1; i < this.timers.length; i++) {
        const a = this.timers[i];
        const b = this.timers[next];
        if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) next = i;
      }
      const [timer] = this.timers.splice(next, 1);
      this.t = Math.max(this.t, timer.at);
      timer.resolve();
    }
    throw new Error('VirtualClock: step limit reached');
  }
}
