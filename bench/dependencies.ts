/**
 * What each runtime dependency adds to the bundle and to start-up: each is bundled alone with ncc
 * (the same settings as dist/, including the lazy undici stand-in) and loaded repeatedly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../scripts/action-runner.js';

export interface DependencyFigure {
  name: string;
  bytes: number;
  medianLoadMs: number;
}

const PROBES: Record<string, string> = {
  'nothing (Node alone)': "console.log('');",
  '@actions/core': "import * as core from '@actions/core'; core.info('');",
  '@actions/http-client': "import { HttpClient } from '@actions/http-client'; console.log(typeof HttpClient);",
  'node-fetch': "import fetch from 'node-fetch'; console.log(typeof fetch);",
  '@actions/github (comment-on-pr only)': "import * as github from '@actions/github'; console.log(typeof github.getOctokit);"
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export function runDependencyBench(runs = 11, node = process.execPath): DependencyFigure[] {
  const dir = join(ROOT, '.bench', 'deps');
  mkdirSync(dir, { recursive: true });
  return Object.entries(PROBES).map(([name, code], i) => {
    const entry = join(dir, `probe${i}.ts`);
    const out = join(dir, `out${i}`);
    writeFileSync(entry, `${code}\nexport {};\n`);
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'), 'build', entry, '-o', out, '--minify', '--quiet'],
      { cwd: ROOT, stdio: 'ignore' }
    );
    const bytes = readdirSync(out).reduce((sum, f) => sum + statSync(join(out, f)).size, 0);
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const started = process.hrtime.bigint();
      spawnSync(node, [join(out, 'index.js')], { stdio: 'ignore' });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return { name, bytes, medianLoadMs: median(times) };
  });
}
