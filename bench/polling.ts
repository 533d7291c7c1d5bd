/**
 * Polling on a virtual clock: how late each strategy notices the end of an execution, how many
 * status reads it sends, and the longest gap between two reads. Our schedule is driven through the
 * same PollPlanner the tracker uses, the way the tracker drives it (find the new execution, then
 * follow it). Every line of one run length uses the same runs and the same jitter (common random
 * numbers), so lines differ only by what they vary.
 */
import { PollPlanner, type History } from '../src/poll-schedule.js';

/** A small seeded generator, so that the figures are the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Trial {
  /** When the execution record appears and starts, and when it ends (ms after the trigger's answer). */
  appearMs: number;
  endMs: number;
  records: number;
  /** Progress curve exponent: records(t) = N * x^gamma, so the rate is not quite constant. */
  gamma: number;
  /** A similar previous run: within 10 % in duration and 3 % in records. */
  similar: History;
  /** Seed of the planner's jitter. */
  seed: number;
}

/** Runs of a nominal length: ±20 % around it, 500 records a second. */
export function makeTrials(nominalMs: number, count: number): Trial[] {
  const rand = mulberry32(nominalMs);
  return Array.from({ length: count }, () => {
    const durationMs = nominalMs * (0.8 + 0.4 * rand());
    const records = Math.round((durationMs / 1000) * 500);
    return {
      appearMs: 300,
      endMs: 300 + durationMs,
      records,
      gamma: 0.9 + 0.2 * rand(),
      similar: { durationMs: durationMs * (0.9 + 0.2 * rand()), records: Math.round(records * (0.97 + 0.06 * rand())) },
      seed: Math.floor(rand() * 2 ** 31)
    };
  });
}

export function recordsAt(trial: Trial, t: number): number {
  const x = Math.min(1, Math.max(0, (t - trial.appearMs) / (trial.endMs - trial.appearMs)));
  return Math.floor(trial.records * x ** trial.gamma);
}

export interface RunFigures {
  latencyMs: number;
  reads: number;
  maxGapMs: number;
}

/** Ours: the tracker's loop (find the new execution, then follow it) on a virtual clock. */
export function ours(trial: Trial, pollIntervalMs: number, history: History | undefined): RunFigures {
  const planner = new PollPlanner(pollIntervalMs, mulberry32(trial.seed));
  let t = 0;
  let reads = 0;
  let maxGapMs = 0;
  const step = (gap: number) => {
    t += gap;
    reads++;
    maxGapMs = Math.max(maxGapMs, gap);
  };
  // awaitNew: read until the execution is there.
  do step(planner.next({ sinceStartMs: t }));
  while (t < trial.appearMs && reads < 1_000_000);
  // follow: elapsed by Peaka's clock, records from the progress.
  while (t < trial.endMs && reads < 1_000_000) {
    step(planner.next({ sinceStartMs: t, history, observed: { elapsedMs: t - trial.appearMs, records: recordsAt(trial, t) } }));
  }
  return { latencyMs: t - trial.endMs, reads, maxGapMs };
}

export function fixed(trial: Trial, intervalMs: number): RunFigures {
  const reads = Math.max(1, Math.ceil(trial.endMs / intervalMs));
  return { latencyMs: reads * intervalMs - trial.endMs, reads, maxGapMs: intervalMs };
}

export const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

export interface LineFigures {
  medianLatencyS: number;
  p95LatencyS: number;
  medianReads: number;
  maxGapS: number;
}

export function summarise(runs: RunFigures[]): LineFigures {
  return {
    medianLatencyS:
      quantile(
        runs.map((r) => r.latencyMs),
        0.5
      ) / 1000,
    p95LatencyS:
      quantile(
        runs.map((r) => r.latencyMs),
        0.95
      ) / 1000,
    medianReads: quantile(
      runs.map((r) => r.reads),
      0.5
    ),
    maxGapS: Math.max(...runs.map((r) => r.maxGapMs)) / 1000
  };
}

/** What the history says, as a function of the run: none, similar, or one figure scaled. */
export type HistoryCase = { name: 'none' } | { name: 'similar' } | { name: 'duration' | 'records' | 'both'; factor: number };

export function historyFor(trial: Trial, which: HistoryCase): History | undefined {
  switch (which.name) {
    case 'none':
      return undefined;
    case 'similar':
      return trial.similar;
    case 'duration':
      return { ...trial.similar, durationMs: (trial.endMs - trial.appearMs) * which.factor };
    case 'records':
      return { ...trial.similar, records: Math.round(trial.records * which.factor) };
    case 'both':
      return { durationMs: (trial.endMs - trial.appearMs) * which.factor, records: Math.round(trial.records * which.factor) };
  }
}

export interface PollingLine extends LineFigures {
  lengthLabel: string;
  history: HistoryCase;
  fixed30: LineFigures;
  fixed5: LineFigures;
}

export function runPollingLine(lengthLabel: string, trials: Trial[], history: HistoryCase, pollIntervalMs = 30_000): PollingLine {
  return {
    lengthLabel,
    history,
    ...summarise(trials.map((t) => ours(t, pollIntervalMs, historyFor(t, history)))),
    fixed30: summarise(trials.map((t) => fixed(t, 30_000))),
    fixed5: summarise(trials.map((t) => fixed(t, 5_000)))
  };
}
