/** The release workflow's notes: one version's section of CHANGELOG.md, or an error that says what to add. */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { changelogSection } from '../scripts/release-notes.js';
import { ROOT } from '../scripts/action-runner.js';

const changelog = ['# Changelog', '', '## Unreleased', '', '## [1.1.0] - 2026-12-01', '', '### Fixed', '- b', '', '## 1.0.0 - 2026-11-22', '', '### Added', '- a', ''].join('\n');

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
