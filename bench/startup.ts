/**
 * Start-up: `node dist/index.js` (status operation) against the simulator, next to a minimal
 * script sending the same request with Node's fetch; the bundle's size; the action's peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../simulator/peaka-simulator.js';
import { DIST, ROOT } from '../scripts/action-runner.js';

export interface StartupFigures {
  runs: number;
  actionMedianMs: number;
  /** The same status operation choosing its cache with tables-from (a one-statement migration in a push). */
  tablesFromMedianMs: number;
  /** BENCH_BASELINE=<git ref>: the status operation with that commit's dist/, measured alongside. */
  baseline?: { ref: string; medianMs: number };
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
  const time = async (args: string[], runEnv: Record<string, string> = env): Promise<number> => {
    for (const f of files) writeFileSync(f, '');
    const started = process.hrtime.bigint();
    const { spawn } = await import('node:child_process');
    const code = await new Promise<number | null>((resolve) => spawn(node, args, { env: runEnv, stdio: 'ignore' }).on('close', resolve));
    if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const migrated = sim.addCache({ schemaName: 'payment', tableName: 'invoices', previous: { 'full-refresh': {} } });
  const tablesFromEnv = { ...env, ...tablesFromRun(dir, cache.projectId) };
  delete (tablesFromEnv as Record<string, string>)['INPUT_CACHE-ID'];
  const baselineRef = process.env.BENCH_BASELINE;
  const baselineDist = baselineRef ? extractDist(baselineRef) : undefined;
  const action: number[] = [];
  const withTablesFrom: number[] = [];
  const baseline: number[] = [];
  const minimal: number[] = [];
  const rss: number[] = [];
  await time([DIST]); // warm the file cache
  await time([DIST], tablesFromEnv);
  for (let i = 0; i < runs; i++) {
    // The runs alternate their order: whichever goes first in a round was seen to be slower.
    const pair = [async () => action.push(await time([DIST])), async () => baselineDist && baseline.push(await time([baselineDist]))];
    for (const run of i % 2 ? pair.reverse() : pair) await run();
    withTablesFrom.push(await time([DIST], tablesFromEnv));
    minimal.push(await time([join(ROOT, 'bench', 'minimal-status.mjs')]));
    await time(['--import', join(ROOT, 'bench', 'rss-hook.mjs'), DIST]);
    rss.push(Number(readFileSync(rssFile, 'utf8')));
  }
  await sim.close();
  if (!sim.startedExecutions(migrated.id).length && !sim.requests.some((r) => r.path.includes(`${migrated.id}/status`)))
    throw new Error('the tables-from run did not reach the cache of the migrated table');
  const distDir = join(ROOT, 'dist');
  // What the runner loads, and the notice; the source maps (*.map) are read only when debugging.
  const distFiles = Object.fromEntries(
    readdirSync(distDir)
      .filter((f) => !f.endsWith('.map'))
      .map((f) => [f, statSync(join(distDir, f)).size])
  );
  return {
    runs,
    actionMedianMs: median(action),
    tablesFromMedianMs: median(withTablesFrom),
    baseline: baselineRef ? { ref: baselineRef, medianMs: median(baseline) } : undefined,
    minimalMedianMs: median(minimal),
    ratio: median(action) / median(minimal),
    distBytes: Object.values(distFiles).reduce((a, b) => a + b, 0),
    distFiles,
    peakRssBytes: Math.max(...rss),
    node: execFileSync(node, ['--version']).toString().trim()
  };
}

/** A push that changed one migration (ALTER TABLE payment.invoices), in a git repository made here. */
function tablesFromRun(dir: string, projectId: string): Record<string, string> {
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'migrations'), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-C', repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args],
      { encoding: 'utf8' }
    ).trim();
  git('init', '-q');
  writeFileSync(join(repo, 'README.md'), 'bench');
  git('add', '-A');
  git('commit', '-q', '-m', 'one');
  const before = git('rev-parse', 'HEAD');
  writeFileSync(join(repo, 'migrations', 'V2__paid_at.sql'), 'ALTER TABLE payment.invoices ADD COLUMN paid_at timestamptz;\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'two');
  const after = git('rev-parse', 'HEAD');
  writeFileSync(join(dir, 'event.json'), JSON.stringify({ before, after }));
  return {
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_REPOSITORY: 'bench/repo',
    GITHUB_WORKSPACE: repo,
    'INPUT_TABLES-FROM': 'migrations/**/*.sql',
    'INPUT_PROJECT-ID': projectId
  };
}

/** dist/ of another commit, to measure start-up before and after a change on the same machine. */
function extractDist(ref: string): string {
  const out = join(ROOT, '.bench', 'baseline');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files = execFileSync('git', ['-C', ROOT, 'ls-tree', '--name-only', ref, 'dist/'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const file of files)
    writeFileSync(
      join(out, file.replace(/^dist\//, '')),
      execFileSync('git', ['-C', ROOT, 'show', `${ref}:${file}`], { maxBuffer: 256 * 1024 * 1024 })
    );
  return join(out, 'index.js');
}

/** The chunks of dist/ that only tables-from loads, by what they hold. */
export function tablesFromChunks(): Record<string, number> {
  const dir = join(ROOT, 'dist');
  const chunks: Record<string, number> = {};
  for (const file of readdirSync(dir).filter((f) => /^\d+\.index\.js$/.test(f))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const size = statSync(join(dir, file)).size;
    const count = (word: string) => text.split(word).length - 1;
    if (text.includes('astify')) {
      if (text.includes('scanMigrations')) chunks[`tables-from module (${file})`] = size;
      else chunks[`node-sql-parser ${count('postgresql') > count('mysql') ? 'postgresql' : 'mysql'} build (${file})`] = size;
    } else if (text.includes('var bigInt = (function')) chunks[`big-integer, the parsers' dependency (${file})`] = size;
    else if (text.includes('function picomatch(')) chunks[`picomatch (${file})`] = size;
  }
  return chunks;
}
