/**
 * What a volume gate (min-records + max-drop) costs in requests to Peaka: the same operation on the
 * same kind of cache run with and without the gate, through dist/ against the simulator.
 */
import { startSimulator, type Kind, type PeakaSimulator } from '../simulator/peaka-simulator.js';
import { runAction } from '../scripts/action-runner.js';

export interface VolumeLine {
  name: string;
  without: number;
  with: number;
  historyWithout: number;
  historyWith: number;
}

const HOUR = 3_600_000;

interface Case {
  name: string;
  operation: string;
  /** The cache's past before the run. */
  past: { kind: Kind; records: number; outcome?: 'COMPLETED' | 'FAILED'; endedAgoMs: number }[];
  extra?: Record<string, string>;
}

const CASES: Case[] = [
  {
    name: 'full refresh, previous one COMPLETED',
    operation: 'full-refresh',
    past: [{ kind: 'full-refresh', records: 1_000, endedAgoMs: HOUR }]
  },
  {
    name: 'full refresh, previous one FAILED (an older one COMPLETED)',
    operation: 'full-refresh',
    past: [
      { kind: 'full-refresh', records: 1_000, endedAgoMs: 2 * HOUR },
      { kind: 'full-refresh', records: 10, outcome: 'FAILED', endedAgoMs: HOUR }
    ]
  },
  {
    name: 'incremental, last full refresh COMPLETED',
    operation: 'incremental',
    past: [
      { kind: 'full-refresh', records: 1_000, endedAgoMs: 2 * HOUR },
      { kind: 'incremental', records: 50, endedAgoMs: HOUR }
    ]
  },
  {
    name: 'status (execution-type full-refresh): the previous full refresh is only in the history',
    operation: 'status',
    past: [
      { kind: 'full-refresh', records: 1_000, endedAgoMs: 2 * HOUR },
      { kind: 'full-refresh', records: 900, endedAgoMs: HOUR }
    ],
    // Only with a gate: execution-type on status is refused without one.
    extra: { 'execution-type': 'full-refresh' }
  }
];

async function requestsOf(sim: PeakaSimulator, key: string, c: Case, gated: boolean): Promise<{ all: number; history: number }> {
  const cache = sim.addCache();
  for (const p of c.past)
    sim.addPast(cache.id, p.kind, { records: p.records, outcome: p.outcome ?? 'COMPLETED', endedAgoMs: p.endedAgoMs });
  const before = sim.requests.length;
  const gate: Record<string, string> = gated ? { 'min-records': '1', 'max-drop': '50%' } : {};
  const run = await runAction({
    operation: c.operation,
    'api-key': key,
    'project-id': cache.projectId,
    'cache-id': cache.id,
    'api-url': sim.url,
    'poll-interval': '1s',
    ...(gated ? c.extra : {}),
    ...gate
  });
  if (run.code !== 0) throw new Error(`${c.name}: the step failed: ${run.stdout.slice(-500)}`);
  const sent = sim.requests.slice(before).filter((r) => r.path.includes(cache.id) || r.path.endsWith('/cache/status'));
  return { all: sent.length, history: sent.filter((r) => r.path.includes('/executionHistory')).length };
}

export async function runVolumeBench(): Promise<VolumeLine[]> {
  const key = 'bench-key-volume';
  const sim = await startSimulator({ partnerKeys: [key], defaultPlan: { durationMs: 1_200, records: 1_000, appearDelayMs: 200 } });
  try {
    const lines: VolumeLine[] = [];
    for (const c of CASES) {
      const without = await requestsOf(sim, key, c, false);
      const gated = await requestsOf(sim, key, c, true);
      lines.push({ name: c.name, without: without.all, with: gated.all, historyWithout: without.history, historyWith: gated.history });
    }
    return lines;
  } finally {
    await sim.close();
  }
}
