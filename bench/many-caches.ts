/**
 * Many caches in one step, on a virtual clock, through the action's own ExecutionTracker and
 * status sources: how many status requests a step sends, at most per tick, and the longest gap
 * between two reads of one cache, against an in-memory Peaka whose runs follow bench/polling.ts.
 */
import { ExecutionTracker } from '../src/tracker.js';
import type { CacheList, CacheStatus } from '../src/peaka/client.js';
import type { History } from '../src/poll-schedule.js';
import { DirectStatusSource, SharedStatusSource, type StatusSource } from '../src/status-source.js';
import { makeTrials, mulberry32, quantile, recordsAt, type Trial } from './polling.js';
import { VirtualClock } from '../src/virtual-clock.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** An in-memory Peaka: each cache's previous run, then the run its trigger starts. */
class FakePeaka {
  statusRequests = 0;
  /** Read times of each cache (every status it was part of). */
  readonly readTimes = new Map<string, number[]>();
  private readonly triggeredAt = new Map<string, number>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly trials: Map<string, Trial>
  ) {}

  trigger(cacheId: string): void {
    this.triggeredAt.set(cacheId, this.clock.now());
  }

  private statusOf(cacheId: string): CacheStatus {
    const now = this.clock.now();
    const times = this.readTimes.get(cacheId) ?? [];
    times.push(now);
    this.readTimes.set(cacheId, times);
    const trial = this.trials.get(cacheId)!;
    const start = this.triggeredAt.get(cacheId);
    const previous = {
      id: `${cacheId}-previous`,
      kind: 'full-refresh' as const,
      status: 'COMPLETED',
      createdAt: iso(0),
      finishedAt: iso(1),
      updatedAt: iso(1)
    };
    if (start === undefined || now < start + trial.appearMs)
      return { id: cacheId, catalogId: 'catalog-1', executions: { 'full-refresh': previous } };
    const ended = now >= start + trial.endMs;
    const execution = {
      id: `${cacheId}-new`,
      kind: 'full-refresh' as const,
      status: ended ? 'COMPLETED' : 'RUNNING',
      cachedRecords: recordsAt(trial, now - start),
      createdAt: iso(start + trial.appearMs),
      updatedAt: iso(Math.min(now, start + trial.endMs)),
      finishedAt: ended ? iso(start + trial.endMs) : undefined
    };
    return { id: cacheId, catalogId: 'catalog-1', executions: { 'full-refresh': execution } };
  }

  async getStatus(cacheId: string): Promise<CacheStatus> {
    this.statusRequests++;
    return this.statusOf(cacheId);
  }

  async listStatuses(): Promise<CacheList> {
    this.statusRequests++;
    return { caches: [...this.trials.keys()].map((id) => this.statusOf(id)), unidentified: [] };
  }
}

export interface StepFigures {
  statusRequests: number;
  maxRequestsPerTick: number;
  /** The longest gap between two reads of one cache while its execution was followed. */
  maxGapMs: number;
  latenciesMs: number[];
}

/**
 * One step on `trials.length` caches, all at once (max-parallel = their number), each as the
 * trigger operation does: read the status, trigger, find the new execution, follow it.
 */
export async function runStep(trials: Trial[], pollIntervalMs: number, history: (t: Trial) => History | undefined): Promise<StepFigures> {
  const clock = new VirtualClock();
  const ids = trials.map((_, i) => `cache-${i}`);
  const peaka = new FakePeaka(clock, new Map(ids.map((id, i) => [id, trials[i]])));
  const shared = trials.length > 1 ? new SharedStatusSource(peaka, { clock }) : undefined;
  const source: StatusSource = shared ?? new DirectStatusSource(peaka, clock);
  const latenciesMs: number[] = [];
  const followedFrom = new Map<string, number>();
  const work = Promise.all(
    trials.map(async (trial, i) => {
      const cacheId = ids[i];
      const before = (await source.read(cacheId, clock.now(), 1e15)).status;
      // The follow phase's tracker is made as the trigger is sent, as operations/trigger.ts does.
      const tracker = new ExecutionTracker({
        client: peaka,
        source,
        cacheId,
        deadline: 1e15,
        pollIntervalMs,
        log: () => {},
        random: mulberry32(trial.seed)
      });
      peaka.trigger(cacheId);
      followedFrom.set(cacheId, clock.now());
      const found = await tracker.awaitNew(['full-refresh'], { 'full-refresh': before.executions['full-refresh']?.id });
      const result = await tracker.follow(found.execution!, history(trial));
      if (result.execution?.status !== 'COMPLETED') throw new Error(`bench: ${cacheId} ended ${result.execution?.status}`);
      latenciesMs.push(clock.now() - (followedFrom.get(cacheId)! + trial.endMs));
    })
  );
  await clock.run(work);
  let maxGapMs = 0;
  for (const [id, times] of peaka.readTimes) {
    const from = followedFrom.get(id)!;
    const followed = times.filter((t) => t >= from);
    for (let i = 1; i < followed.length; i++) maxGapMs = Math.max(maxGapMs, followed[i] - followed[i - 1]);
  }
  return { statusRequests: peaka.statusRequests, maxRequestsPerTick: shared?.stats.maxRequestsPerTick ?? 1, maxGapMs, latenciesMs };
}

export interface ManyCachesLine {
  caches: number;
  steps: number;
  medianRequests: number;
  /** Median status requests of one cache alone, with the same kind of runs. */
  oneCacheRequests: number;
  maxRequestsPerTick: number;
  maxGapS: number;
  medianLatencyS: number;
}

/** `caches` caches per step, steps enough for `runs` cache runs; one cache alone as the reference. */
export async function runManyCachesLine(
  caches: number,
  runs: number,
  nominalMs: number,
  pollIntervalMs: number,
  history: (t: Trial) => History | undefined
): Promise<ManyCachesLine> {
  const trials = makeTrials(nominalMs, runs);
  const steps = Math.max(1, Math.floor(runs / caches));
  const results: StepFigures[] = [];
  for (let s = 0; s < steps; s++) results.push(await runStep(trials.slice(s * caches, (s + 1) * caches), pollIntervalMs, history));
  const alone: number[] = [];
  for (const trial of trials) alone.push((await runStep([trial], pollIntervalMs, history)).statusRequests);
  return {
    caches,
    steps,
    medianRequests: quantile(
      results.map((r) => r.statusRequests),
      0.5
    ),
    oneCacheRequests: quantile(alone, 0.5),
    maxRequestsPerTick: Math.max(...results.map((r) => r.maxRequestsPerTick)),
    maxGapS: Math.max(...results.map((r) => r.maxGapMs)) / 1000,
    medianLatencyS:
      quantile(
        results.flatMap((r) => r.latenciesMs),
        0.5
      ) / 1000
  };
}
