/**
 * Polling on a virtual clock: how late each strategy notices the end of an execution, and how
 * many status reads it sends. Our schedule is driven through the same PollPlanner the tracker uses.
 */
import { PollPlanner, type History } from '../src/poll-schedule.js';

export interface PollingRow {
  durationLabel: string;
  history: boolean;
  strategy: string;
  medianLatencyS: number;
  p95LatencyS: number;
  medianReads: number;
}

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

interface Trial {
  /** When the execution record appears and starts, and when it ends (ms after the trigger's answer). */
  appearMs: number;
  endMs: number;
  records: number;
  /** Progress curve exponent: records(t) = N * x^gamma, so the rate is not quite constant. */
  gamma: number;
  history?: History;
}

function makeTrial(nominalMs: number, withHistory: boolean, rand: () => number): Trial {
  const durationMs = nominalMs * (0.8 + 0.4 * rand());
  const records = Math.round((durationMs / 1000) * 500);
  const appearMs = 300;
  return {
    appearMs,
    endMs: appearMs + durationMs,
    records,
    gamma: 0.9 + 0.2 * rand(),
    // "A previous run of similar length": within 10% in duration and 3% in records.
    history: withHistory ? { durationMs: durationMs * (0.9 + 0.2 * rand()), records: Math.round(records * (0.97 + 0.06 * rand())) } : undefined
  };
}

function recordsAt(trial: Trial, t: number): number {
  const x = Math.min(1, Math.max(0, (t - trial.appearMs) / (trial.endMs - trial.appearMs)));
  return Math.floor(trial.records * x ** trial.gamma);
}

/** Ours: the tracker's loop (find the new execution, then follow it) on a virtual clock. */
function ours(trial: Trial, pollIntervalMs: number, rand: () => number): { latency: number; reads: number } {
  const planner = new PollPlanner(pollIntervalMs, rand);
  let t = 0;
  let reads = 0;
  // awaitNew: read until the execution is there.
  do {
    t += planner.next();
    reads++;
  } while (t < trial.appearMs);
  const startedAt = t - (t - trial.appearMs); // the tracker derives it from createdAt/updatedAt
  let records = recordsAt(trial, t);
  while (t < trial.endMs && reads < 1_000_000) {
    t += planner.next(trial.history, { elapsedMs: t - startedAt, records });
    reads++;
    records = recordsAt(trial, t);
  }
  return { latency: t - trial.endMs, reads };
}

function fixed(trial: Trial, intervalMs: number): { latency: number; reads: number } {
  const reads = Math.max(1, Math.ceil(trial.endMs / intervalMs));
  return { latency: reads * intervalMs - trial.endMs, reads };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

export const DURATIONS: [string, number][] = [
  ['10 s', 10_000],
  ['1 min', 60_000],
  ['10 min', 600_000],
  ['1 h', 3_600_000],
  ['6 h', 21_600_000]
];

export function runPollingBench(trials = 400, pollIntervalMs = 30_000): PollingRow[] {
  const rows: PollingRow[] = [];
  for (const [label, nominal] of DURATIONS) {
    for (const withHistory of [false, true]) {
      const rand = mulberry32(nominal + (withHistory ? 1 : 0));
      const results: Record<string, { latency: number; reads: number }[]> = { ours: [], 'fixed 30 s': [], 'fixed 5 s': [] };
      for (let i = 0; i < trials; i++) {
        const trial = makeTrial(nominal, withHistory, rand);
        results.ours.push(ours(trial, pollIntervalMs, rand));
        results['fixed 30 s'].push(fixed(trial, 30_000));
        results['fixed 5 s'].push(fixed(trial, 5_000));
      }
      for (const [strategy, list] of Object.entries(results)) {
        rows.push({
          durationLabel: label,
          history: withHistory,
          strategy,
          medianLatencyS: quantile(list.map((r) => r.latency), 0.5) / 1000,
          p95LatencyS: quantile(list.map((r) => r.latency), 0.95) / 1000,
          medianReads: quantile(list.map((r) => r.reads), 0.5)
        });
      }
    }
  }
  return rows;
}
