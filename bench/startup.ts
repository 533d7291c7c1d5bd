/**
 * Start-up: `node dist/index.js` (status operation) against the simulator, next to a minimal
 * script sending the same request with Node's fetch; the bundle's size; the action's peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../simulator/peaka-simulator.js';
import { DIST, ROOT } from '../scripts/action-runner.js';

export interface StartupFigures {
  runs: number;
  actionMedianMs: number;
  minimalMedianMs: number;
  ratio: number;
  distBytes: number;
  distFiles: Record<string, number>;
  peakRssBytes: number;
  node: string;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function runStartupBench(runs = 21, node = process.execPath): Promise<StartupFigures> {
  const key = 'bench-key-5d1a';
  const sim = await startSimulator({ partnerKeys: [key] });
  const cache = sim.addCache({ previous: { 'full-refresh': {} } });
  const dir = mkdtempSync(join(tmpdir(), 'peaka-bench-'));
  const files = ['output', 'state', 'summary'].map((f) => join(dir, f));
  const rssFile = join(dir, 'rss');
  const env = {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: files[0],
    GITHUB_STATE: files[1],
    GITHUB_STEP_SUMMARY: files[2],
    INPUT_OPERATION: 'status',
    'INPUT_API-KEY': key,
    'INPUT_PROJECT-ID': cache.projectId,
    'INPUT_CACHE-ID': cache.id,
    'INPUT_API-URL': sim.url,
    API_URL: sim.url,
    API_KEY: key,
    PROJECT_ID: cache.projectId,
    CACHE_ID: cache.id,
    RSS_FILE: rssFile
  };
  // Child processes must not block on the simulator living in this process: run them asynchronously.
  const time = async (args: string[]): Promise<number> => {
    for (const f of files) writeFileSync(f, '');
    const started = process.hrtime.bigint();
    const { spawn } = await import('node:child_process');
    const code = await new Promise<number | null>((resolve) => spawn(node, args, { env, stdio: 'ignore' }).on('close', resolve));
    if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const action: number[] = [];
  const minimal: number[] = [];
  const rss: number[] = [];
  await time([DIST]); // warm the file cache
  for (let i = 0; i < runs; i++) {
    action.push(await time([DIST]));
    minimal.push(await time([join(ROOT, 'bench', 'minimal-status.mjs')]));
    await time(['--import', join(ROOT, 'bench', 'rss-hook.mjs'), DIST]);
    rss.push(Number(readFileSync(rssFile, 'utf8')));
  }
  await sim.close();
  const distDir = join(ROOT, 'dist');
  // What the runner loads, and the notice; the source maps (*.map) are read only when debugging.
  const distFiles = Object.fromEntries(readdirSync(distDir).filter((f) => !f.endsWith('.map')).map((f) => [f, statSync(join(distDir, f)).size]));
  return {
    runs,
    actionMedianMs: median(action),
    minimalMedianMs: median(minimal),
    ratio: median(action) / median(minimal),
    distBytes: Object.values(distFiles).reduce((a, b) => a + b, 0),
    distFiles,
    peakRssBytes: Math.max(...rss),
    node: execFileSync(node, ['--version']).toString().trim()
  };
}


