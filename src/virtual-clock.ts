/**
 * A virtual clock for the tests and the benchmark: time jumps to the next timer once everything
 * else has settled, so hours of polling run in milliseconds through the action's own async code.
 *
 * Requests may still go over real sockets (to the simulator on 127.0.0.1): while a request's
 * timeout is pending (Clock.timeout), time stands still and the clock waits in real time for the
 * answer. A request still unanswered after `ioPatienceMs` of real time (a hanging server) no longer
 * holds time back, so that its timeout can fire.
 */
import { setTimeout as realSleep } from 'node:timers/promises';
import type { Clock, Timeout } from './clock.js';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
  /** For a request's timeout (real I/O under way): the real time it was set. */
  realStart?: number;
}

export interface VirtualClockOptions {
  /** Real ms a request holds time back; after that, time moves on without its answer. */
  ioPatienceMs?: number;
  /** Real ms the work may wait with no timer at all (real I/O with no timeout) before `run` gives up. */
  idleLimitMs?: number;
}

export class VirtualClock implements Clock {
  private seq = 0;
  private readonly timers: Timer[] = [];
  private readonly ioPatienceMs: number;
  private readonly idleLimitMs: number;

  constructor(
    private t = 0,
    options: VirtualClockOptions = {}
  ) {
    this.ioPatienceMs = options.ioPatienceMs ?? 2_000;
    this.idleLimitMs = options.idleLimitMs ?? 10_000;
  }

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
      const timer = this.add(ms, resolve);
      signal?.addEventListener(
        'abort',
        () => {
          this.remove(timer);
          reject(signal.reason);
        },
        { once: true }
      );
    });
  }

  timeout(ms: number): Timeout {
    const controller = new AbortController();
    const timer = this.add(
      ms,
      () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      Date.now()
    );
    return { signal: controller.signal, clear: () => this.remove(timer) };
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
      const heldUntil = this.heldUntil();
      if (heldUntil !== undefined) {
        await this.awaitChange(() => done, heldUntil - Date.now());
        continue;
      }
      if (!this.timers.length) {
        if (!(await this.awaitAny(() => done))) throw new Error('VirtualClock: nothing left to wait for, but the work has not ended');
        continue;
      }
      this.fire(this.earliest()!);
    }
    throw new Error('VirtualClock: step limit reached');
  }

  private add(ms: number, fire: () => void, realStart?: number): Timer {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fire, realStart };
    this.timers.push(timer);
    return timer;
  }

  private remove(timer: Timer): void {
    const index = this.timers.indexOf(timer);
    if (index >= 0) this.timers.splice(index, 1);
  }

  private earliest(): Timer | undefined {
    let next: Timer | undefined;
    for (const timer of this.timers) if (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)) next = timer;
    return next;
  }

  private fire(timer: Timer): void {
    this.remove(timer);
    this.t = Math.max(this.t, timer.at);
    timer.fire();
  }

  /** While requests younger than ioPatienceMs are under way, time stands still: until when (real ms), or undefined. */
  private heldUntil(): number | undefined {
    const now = Date.now();
    let until: number | undefined;
    for (const t of this.timers) {
      if (t.realStart === undefined || now - t.realStart >= this.ioPatienceMs) continue;
      until = Math.min(until ?? Infinity, t.realStart + this.ioPatienceMs);
    }
    return until;
  }

  /** No timer at all: waits in real time for the work's real I/O to make one, or to end. */
  private async awaitAny(done: () => boolean): Promise<boolean> {
    return this.awaitChange(done, this.idleLimitMs);
  }

  /** Waits in real time, at most `limitMs`: true once something changed (a timer came or went, or the work ended). */
  private async awaitChange(done: () => boolean, limitMs: number): Promise<boolean> {
    const seen = this.signature();
    const end = Date.now() + limitMs;
    while (Date.now() < end) {
      await realSleep(1);
      if (done() || this.signature() !== seen) return true;
    }
    return false;
  }

  private signature(): string {
    return `${this.seq}:${this.timers.length}`;
  }
}
