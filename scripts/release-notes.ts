/**
 * The release notes of one version: its section of CHANGELOG.md, without the heading.
 * The release workflow runs it for the pushed tag and fails when the section is missing or empty.
 *
 *   tsx scripts/release-notes.ts 1.2.3 > notes.md
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Headings this accepts: "## 1.2.3", "## [1.2.3]", "## v1.2.3", each optionally followed by " - 2026-11-22" or similar. */
function headingVersion(line: string): string | undefined {
  return /^## \[?v?(\d+\.\d+\.\d+(?:-[\w.]+)?)\]?(?:\s|$)/.exec(line)?.[1];
}

/** The body of `version`'s section in a Keep-a-Changelog style file; throws when there is none. */
export function changelogSection(changelog: string, version: string): string {
  const wanted = version.replace(/^v/, '');
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((l) => headingVersion(l) === wanted);
  if (start < 0) throw new Error(`CHANGELOG.md has no section for ${wanted}: add "## ${wanted} - <date>" with the changes of this release (move them from "Unreleased").`);
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const body = lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
  if (!body) throw new Error(`CHANGELOG.md's section for ${wanted} is empty: list the changes of this release under it.`);
  return body;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const version = process.argv[2];
  if (!version) {
    console.error('usage: tsx scripts/release-notes.ts <version, e.g. 1.2.3>');
    process.exit(2);
  }
  try {
    console.log(changelogSection(readFileSync(join(fileURLToPath(import.meta.url), '..', '..', 'CHANGELOG.md'), 'utf8'), version));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
