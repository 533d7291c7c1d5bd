/**
 * npm run bench: the polling benchmark on a virtual clock and the start-up benchmark against the
 * simulator, printed as Markdown tables (docs/performance.md copies them).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../scripts/action-runner.js';
import { runPollingBench, type PollingRow } from './polling.js';
import { runDependencyBench } from './dependencies.js';
import { runHostileBench } from './hostile.js';
import { runStartupBench, tablesFromChunks } from './startup.js';

const table = (header: string[], rows: (string | number)[][]) =>
  [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
const s = (n: number) => `${n.toFixed(2)} s`;

const trials = Number(process.env.BENCH_TRIALS ?? 2_000);
const rows = runPollingBench(trials);
const find = (label: string, history: boolean, strategy: string) => rows.find((r) => r.durationLabel === label && r.history === history && r.strategy === strategy)!;

console.log(`## Polling (virtual clock, ${trials} runs per line, poll-interval 30s)\n`);
console.log('Detection latency is the time from the execution\'s end to the read that sees it. Reads count every status read after the trigger.\n');
const labels = [...new Set(rows.map((r) => r.durationLabel))];
const pollRows: (string | number)[][] = [];
for (const label of labels) {
  for (const history of [false, true]) {
    const [o, f30, f5] = ['ours', 'fixed 30 s', 'fixed 5 s'].map((st) => find(label, history, st)) as PollingRow[];
    pollRows.push([label, history ? 'similar previous run' : 'none', `${s(o.medianLatencyS)} / ${s(o.p95LatencyS)}`, o.medianReads, `${s(f30.medianLatencyS)} / ${s(f30.p95LatencyS)}`, f30.medianReads, `${s(f5.medianLatencyS)} / ${s(f5.p95LatencyS)}`, f5.medianReads]);
  }
}
console.log(table(['run', 'history', 'ours: latency median / p95', 'ours: reads', 'fixed 30 s: latency', 'fixed 30 s: reads', 'fixed 5 s: latency', 'fixed 5 s: reads'], pollRows));

console.log('\n### Targets\n');
const checks: [string, boolean, string][] = [];
for (const label of ['10 s', '1 min']) {
  for (const history of [false, true]) {
    const o = find(label, history, 'ours');
    checks.push([`${label}, ${history ? 'history' : 'no history'}: median latency <= 1 s`, o.medianLatencyS <= 1, s(o.medianLatencyS)]);
  }
}
for (const label of ['10 min', '1 h', '6 h']) {
  const o = find(label, true, 'ours');
  const f = find(label, true, 'fixed 30 s');
  checks.push([`${label}, history: latency <= fixed-30 s / 5 (${s(f.medianLatencyS / 5)})`, o.medianLatencyS <= f.medianLatencyS / 5, s(o.medianLatencyS)]);
  checks.push([`${label}, history: reads <= fixed-30 s / 2 (${f.medianReads / 2})`, o.medianReads <= f.medianReads / 2, String(o.medianReads)]);
}
for (const label of ['10 min', '1 h', '6 h']) {
  const o = find(label, false, 'ours');
  const f = find(label, false, 'fixed 30 s');
  checks.push([`${label}, no history: latency within 10% of fixed-30 s (${s(f.medianLatencyS * 1.1)})`, o.medianLatencyS <= f.medianLatencyS * 1.1, s(o.medianLatencyS)]);
  checks.push([`${label}, no history: reads within 10% of fixed-30 s (${Math.floor(f.medianReads * 1.1)})`, o.medianReads <= f.medianReads * 1.1, String(o.medianReads)]);
}

if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run npm run bundle first');
const startup = await runStartupBench(Number(process.env.BENCH_RUNS ?? 21));
checks.push([`start-up <= 1.5x the minimal fetch script`, startup.ratio <= 1.5, `${startup.ratio.toFixed(2)}x`]);
const lazyChunks = tablesFromChunks();
const lazyBytes = Object.values(lazyChunks).reduce((a, b) => a + b, 0);
checks.push([`dist/ without source maps <= 1.5 MB, without the chunks only tables-from loads (${(lazyBytes / 1e6).toFixed(2)} MB)`, startup.distBytes - lazyBytes <= 1_500_000, `${((startup.distBytes - lazyBytes) / 1e6).toFixed(2)} MB`]);
if (startup.baseline) checks.push([`start-up without tables-from within 10% of ${startup.baseline.ref}`, startup.actionMedianMs <= startup.baseline.medianMs * 1.1, `${startup.actionMedianMs.toFixed(0)} ms vs ${startup.baseline.medianMs.toFixed(0)} ms`]);
checks.push([`peak RSS <= 80 MB`, startup.peakRssBytes <= 80e6, `${(startup.peakRssBytes / 1e6).toFixed(1)} MB`]);
const hostile = await runHostileBench();
for (const row of hostile.rows) checks.push([`${row.name}: peak RSS < 150 MB`, row.peakRssBytes < 150e6, `${(row.peakRssBytes / 1e6).toFixed(1)} MB`]);
checks.push([`100,000-'<' HTML page to a message: linear (< 100 ms)`, hostile.stripMedianMs < 100, `${hostile.stripMedianMs.toFixed(1)} ms`]);
console.log(table(['target', 'met', 'measured'], checks.map(([t, ok, m]) => [t, ok ? 'yes' : '**no**', m])));

console.log(`\n## Start-up (${startup.node}, median of ${startup.runs} runs, status operation against the simulator)\n`);
console.log(
  table(
    ['what', 'figure'],
    [
      ['node dist/index.js', `${startup.actionMedianMs.toFixed(0)} ms`],
      ...(startup.baseline ? [[`node dist/index.js at ${startup.baseline.ref} (BENCH_BASELINE)`, `${startup.baseline.medianMs.toFixed(0)} ms`]] : []),
      ['node dist/index.js with tables-from (one changed migration, git, parser loaded)', `${startup.tablesFromMedianMs.toFixed(0)} ms`],
      ['minimal script (Node fetch, same request)', `${startup.minimalMedianMs.toFixed(0)} ms`],
      ['ratio', `${startup.ratio.toFixed(2)}x`],
      ['dist/ without source maps', `${(startup.distBytes / 1024).toFixed(0)} KiB (${Object.entries(startup.distFiles).map(([f, b]) => `${f} ${(b / 1024).toFixed(0)} KiB`).join(', ')})`],
      ['peak RSS of the action', `${(startup.peakRssBytes / 1e6).toFixed(1)} MB`]
    ]
  )
);
console.log(`\n### Chunks loaded only with tables-from (${(lazyBytes / 1024).toFixed(0)} KiB in all)\n`);
console.log(table(['chunk', 'size'], Object.entries(lazyChunks).map(([name, bytes]) => [name, `${(bytes / 1024).toFixed(0)} KiB`])));

console.log(`\n## Hostile answers (${hostile.node}, status operation, timeout 5s, request-timeout 2s)\n`);
console.log(
  table(
    ['answer', 'peak RSS', 'step took', 'requests', 'the step\'s message'],
    hostile.rows.map((r) => [r.name, `${(r.peakRssBytes / 1e6).toFixed(1)} MB`, `${r.seconds.toFixed(1)} s`, r.requests, (r.message.length > 120 ? `${r.message.slice(0, 117)}...` : r.message).replace(/\|/g, '\\|')])
  )
);
console.log(`\nAn HTML error page of 100,000 '<' in its title is reduced to a message in ${hostile.stripMedianMs.toFixed(1)} ms (median of 7; whole page, no cap).`);

if (process.env.BENCH_DEPS !== '0') {
  const deps = runDependencyBench();
  const base = deps[0].medianLoadMs;
  console.log(`\n## What each dependency adds (bundled alone with ncc --minify, median of 11 loads)\n`);
  console.log(
    table(
      ['bundle of', 'size', 'load time', 'over Node alone'],
      deps.map((d) => [d.name, `${(d.bytes / 1024).toFixed(0)} KiB`, `${d.medianLoadMs.toFixed(0)} ms`, `${(d.medianLoadMs - base).toFixed(0)} ms`])
    )
  );
}
