/** The release workflow's notes: one version's section of CHANGELOG.md, or an error that says what to add. */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { changelogSection, releaseNotes } from '../scripts/release-notes.js';
import { ROOT } from '../scripts/action-runner.js';

const changelog = [
  '# Changelog',
  '',
  '## Unreleased',
  '',
  '## [1.1.0] - 2026-12-01',
  '',
  '### Fixed',
  '- b',
  '',
  '## 1.0.0 - 2026-11-22',
  '',
  '### Added',
  '- a',
  ''
].join('\n');

describe('changelogSection', () => {
  test('returns the body of the version, without its heading or the next version', () => {
    expect(changelogSection(changelog, '1.0.0')).toBe('### Added\n- a');
    expect(changelogSection(changelog, '1.1.0')).toBe('### Fixed\n- b');
  });

  test('takes the tag as well as the version', () => {
    expect(changelogSection(changelog, 'v1.1.0')).toBe('### Fixed\n- b');
  });

  test('a version without a section, or with an empty one, is an error that says what to add', () => {
    expect(() => changelogSection(changelog, '1.2.0')).toThrow('CHANGELOG.md has no section for 1.2.0: add "## 1.2.0 - <date>"');
    expect(() => changelogSection('## 2.0.0\n\n## 1.0.0\n- a', '2.0.0')).toThrow("CHANGELOG.md's section for 2.0.0 is empty");
  });

  test('does not take 1.0.0 for 1.0.01 or 11.0.0', () => {
    expect(() => changelogSection('## 11.0.0\n- x\n## 1.0.01\n- y', '1.0.0')).toThrow('no section for 1.0.0');
  });

  test("the repository's CHANGELOG.md has a section for package.json's version", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(changelogSection(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8'), version)).toMatch(/^### /);
  });
});

describe('releaseNotes (the release workflow, for the pushed tag)', () => {
  test('gives the notes of a section dated YYYY-MM-DD', () => {
    expect(releaseNotes(changelog, 'v1.1.0')).toBe('### Fixed\n- b');
    expect(releaseNotes('## 2.0.0 - 2027-02-28\n- c\n', '2.0.0')).toBe('- c');
  });

  test('refuses a section still marked Unreleased, and says how to date it', () => {
    expect(() => releaseNotes('## 1.0.0 - Unreleased\n\n### Added\n- a\n', '1.0.0')).toThrow(
      'CHANGELOG.md\'s heading for 1.0.0 is still marked "Unreleased" ("## 1.0.0 - Unreleased"): in the release pull request, make it "## 1.0.0 - YYYY-MM-DD"'
    );
  });

  test('refuses a section without a date, or with a day that does not exist', () => {
    expect(() => releaseNotes('## 1.0.0\n- a\n', '1.0.0')).toThrow("CHANGELOG.md's heading for 1.0.0 has no date");
    expect(() => releaseNotes('## 1.0.0 - 2027-02-30\n- a\n', '1.0.0')).toThrow('has no date');
    expect(() => releaseNotes('## 1.0.0 - 2027-13-01\n- a\n', '1.0.0')).toThrow('has no date');
  });

  test('a missing version is still the error that says what to add', () => {
    expect(() => releaseNotes(changelog, '3.0.0')).toThrow('CHANGELOG.md has no section for 3.0.0');
  });

  test("the repository's CHANGELOG.md: package.json's version is dated, or marked Unreleased until its release pull request with no bare Unreleased beside it", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const text = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    const heading = text.split('\n').find((l) => l.startsWith(`## ${version} `)) ?? '';
    expect(heading).toMatch(/^## \S+ - (Unreleased|\d{4}-\d{2}-\d{2})$/);
    if (heading.endsWith('Unreleased')) {
      expect(() => releaseNotes(text, version)).toThrow('is still marked "Unreleased"');
      expect(text).not.toMatch(/^## Unreleased\s*$/m);
    } else {
      expect(releaseNotes(text, version)).toMatch(/^### /);
    }
  });
});
