/**
 * Mutation testing of the pure modules, each against its own unit test file (stryker.config.mjs),
 * one module at a time, and a table of their scores. Not part of `npm test`: it takes minutes.
 *   npm run mutate                      # every module below
 *   npm run mutate -- safe-text inputs  # only these
 *   npm run mutate -- --incremental     # re-test only the mutants whose code or tests changed since the last report
 * Stryker's own output goes to reports/mutation/<module>.log (the survivors are listed there),
 * its JSON report to reports/mutation/<module>.json. Exits 1 when a module is below its minimum.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './action-runner.js';

/** Each module and the score it must keep (docs/development.md, "Mutation testing"). */
const MINIMUM: Record<string, number> = {
  'stall-watch': 85,
  duration: 85,
  'safe-text': 90,
  ledger: 85,
  'table-selection': 85,
  inputs: 85,
  // Last: its property tests make it the slowest by far.
  'poll-schedule': 85
};

const incremental = process.argv.includes('--incremental');
const asked = process.argv.slice(2).filter((arg) => arg !== '--incremental');
const unknown = asked.filter((name) => !(name in MINIMUM));
if (unknown.length) {
  console.error(`Not a module mutation testing covers: ${unknown.join(', ')}. Use some of: ${Object.keys(MINIMUM).join(', ')}.`);
  process.exit(2);
}
const modules = asked.length ? asked : Object.keys(MINIMUM);
const reports = join(ROOT, 'reports', 'mutation');
mkdirSync(reports, { recursive: true });

interface Score {
  module: string;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  score: number;
  seconds: number;
}

/** Runs Stryker on one module; its output goes to a log file, not the terminal. */
function stryker(module: string): Promise<number | null> {
  const log = createWriteStream(join(reports, `${module}.log`));
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), 'run', ...(incremental ? [] : ['--force'])],
    {
      cwd: ROOT,
      env: { ...process.env, MUTATE_MODULE: module, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return new Promise((resolve) => child.on('close', (code) => log.end(() => resolve(code))));
}

/** Stryker's mutation score over every valid mutant: (killed + timed out) / (those + survived + not covered). */
function scoreOf(module: string, seconds: number): Score {
  const report = JSON.parse(readFileSync(join(reports, `${module}.json`), 'utf8')) as {
    files: Record<string, { mutants: { status: string }[] }>;
  };
  const count = (status: string) =>
    Object.values(report.files).reduce((n, file) => n + file.mutants.filter((m) => m.status === status).length, 0);
  const [killed, timeout, survived, noCoverage] = ['Killed', 'Timeout', 'Survived', 'NoCoverage'].map(count);
  const detected = killed + timeout;
  return { module, killed, timeout, survived, noCoverage, score: (100 * detected) / (detected + survived + noCoverage), seconds };
}

const scores: Score[] = [];
for (const module of modules) {
  const started = Date.now();
  process.stdout.write(`src/${module}.ts against __tests__/${module}.test.ts ... `);
  const code = await stryker(module);
  const seconds = Math.round((Date.now() - started) / 1000);
  if (code !== 0) {
    console.log(`Stryker failed (exit ${code}); see reports/mutation/${module}.log`);
    process.exitCode = 1;
    continue;
  }
  const score = scoreOf(module, seconds);
  scores.push(score);
  console.log(`${score.score.toFixed(2)} % in ${seconds} s`);
}

console.log('\nmodule            score   minimum  killed  timeout  survived  no-cov');
for (const s of scores) {
  const below = s.score < MINIMUM[s.module];
  if (below) process.exitCode = 1;
  console.log(
    `${s.module.padEnd(16)} ${s.score.toFixed(2).padStart(6)} % ${String(MINIMUM[s.module]).padStart(5)} %  ${String(s.killed).padStart(6)}  ${String(s.timeout).padStart(7)}  ${String(s.survived).padStart(8)}  ${String(s.noCoverage).padStart(6)}${below ? '  BELOW MINIMUM' : ''}`
  );
}
console.log('\nSurvivors: reports/mutation/<module>.log; why each one left is equivalent: docs/development.md, "Mutation testing".');
