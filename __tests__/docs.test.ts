/**
 * The README as the Marketplace shows it: short enough to read (the long material lives in docs/),
 * and every link from it and from docs/ leads to a file and heading that exist.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../scripts/action-runner.js';

const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
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
    for (const doc of ['docs/operations.md', 'docs/reliability.md', 'docs/performance.md', 'docs/troubleshooting.md', 'docs/development.md']) expect({ doc, linked: links('README.md').some((l) => l.split('#')[0] === doc) }).toEqual({ doc, linked: true });
  });

  test('has a permissions table naming what comment-on-pr needs', () => {
    const section = read('README.md').split(/^## /m).find((s) => s.startsWith('Permissions\n')) ?? '';
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
