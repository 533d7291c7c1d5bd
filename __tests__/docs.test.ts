/**
 * The README as the Marketplace shows it: short enough to read (the long material lives in docs/),
 * and every link from it and from docs/ leads to a file and heading that exist.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../scripts/action-runner.js';

const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`)
];
const read = (page: string): string => readFileSync(join(ROOT, page), 'utf8');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchors(page: string): Set<string> {
  const text = read(page).replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1])));
}

/** Relative links of a page, outside code blocks: [text](target). */
function links(page: string): string[] {
  const text = read(page).replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
}

describe('README', () => {
  test('is under 15 KB, with the long material in docs/', () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThan(15_000);
    for (const doc of [
      'docs/operations.md',
      'docs/reliability.md',
      'docs/performance.md',
      'docs/troubleshooting.md',
      'docs/development.md'
    ])
      expect({ doc, linked: links('README.md').some((l) => l.split('#')[0] === doc) }).toEqual({ doc, linked: true });
  });

  test('has a permissions table naming what comment-on-pr needs', () => {
    const section =
      read('README.md')
        .split(/^## /m)
        .find((s) => s.startsWith('Permissions\n')) ?? '';
    expect(section).toContain('`pull-requests: write`');
    expect(section).toMatch(/push.*`contents: read`/);
    expect(read('README.md')).not.toMatch(/needs no `GITHUB_TOKEN` permissions/);
  });
});

describe.each(pages)('%s', (page) => {
  test('every relative link leads to a file, and every #anchor to a heading of it', () => {
    for (const link of links(page)) {
      const [path, hash] = link.split('#');
      const target = path ? relative(ROOT, join(ROOT, dirname(page), path)) : page;
      expect({ link, exists: existsSync(join(ROOT, target)) }).toEqual({ link, exists: true });
      if (hash && target.endsWith('.md')) expect({ link, anchor: anchors(target).has(hash) }).toEqual({ link, anchor: true });
    }
  });
});

describe('docs/development.md says what the code is', () => {
  const page = read('docs/development.md');
  const section = (heading: string) => page.split(/^## /m).find((s) => s.startsWith(`${heading}\n`)) ?? '';
  const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]
    );

  test('the layout table names every file of src/ (or its folder), and only files that exist', () => {
    // The first cell of each row: `src/x.ts`, or `src/operations/cancel.ts`, `inspect.ts` (the same folder).
    const cells = section('Layout')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split(' | ')[0]);
    const named = cells.flatMap((cell) => {
      let folder = '';
      return [...cell.matchAll(/`([^`]+)`/g)].map((m) => {
        const name = m[1].includes('/') ? m[1] : `${folder}${m[1]}`;
        folder = name.slice(0, name.lastIndexOf('/') + 1);
        return name;
      });
    });
    for (const path of named) expect({ path, exists: existsSync(join(ROOT, path)) }).toEqual({ path, exists: true });
    for (const file of walk('src')) {
      const covered = named.some((n) => n === file || (n.endsWith('/') && file.startsWith(n)));
      expect({ file, covered }).toEqual({ file, covered: true });
    }
  });

  test('"How a full refresh runs" names files that exist, and counts them right', () => {
    const text = section('How a full refresh runs');
    const path = text.slice(0, text.indexOf('top to bottom'));
    const files = [...new Set([...path.matchAll(/`([\w/-]+\.ts)`/g)].map((m) => m[1]))];
    for (const file of files) expect({ file, exists: existsSync(join(ROOT, 'src', file)) }).toEqual({ file, exists: true });
    const count = /(\w+) files,\s+top to bottom/.exec(text)?.[1]?.toLowerCase();
    expect(count).toBe(WORDS[files.length]);
  });

  test('"Adding an operation" counts its steps right, and names the files the compiler checks', () => {
    const text = section('Adding an operation');
    const steps = text.match(/^\d+\. /gm) ?? [];
    expect(/(\w+) places:/.exec(text)?.[1]?.toLowerCase()).toBe(WORDS[steps.length]);
    for (const file of [
      'src/inputs.ts',
      'src/operations/table.ts',
      '__tests__/operations-table.test.ts',
      '__tests__/action-metadata.test.ts'
    ]) {
      expect(text).toContain(file);
      expect(existsSync(join(ROOT, file))).toBe(true);
    }
  });
});
