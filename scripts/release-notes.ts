/**
 * The release notes of one version: its section of CHANGELOG.md, without the heading.
 * The release workflow runs it for the pushed tag with --release, and fails when the section is
 * missing, empty, or not dated yet ("## 1.2.3 - Unreleased" until the release pull request dates it).
 *
 *   tsx scripts/release-notes.ts [--release] 1.2.3 > notes.md
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Headings this accepts: "## 1.2.3", "## [1.2.3]", "## v1.2.3", each optionally followed by " - 2026-11-22" or similar. */
function headingVersion(line: string): string | undefined {
  return /^## \[?v?(\d+\.\d+\.\d+(?:-[\w.]+)?)\]?(?:\s|$)/.exec(line)?.[1];
}

function sectionStart(lines: string[], wanted: string): number {
  const start = lines.findIndex((l) => headingVersion(l) === wanted);
  if (start < 0)
    throw new Error(
      `CHANGELOG.md has no section for ${wanted}: add "## ${wanted} - <date>" with the changes of this release (move them from "Unreleased").`
    );
  return start;
}

/** The body of `version`'s section in a Keep-a-Changelog style file; throws when there is none. */
export function changelogSection(changelog: string, version: string): string {
  const wanted = version.replace(/^v/, '');
  const lines = changelog.split(/\r?\n/);
  const start = sectionStart(lines, wanted);
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const body = lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
  if (!body) throw new Error(`CHANGELOG.md's section for ${wanted} is empty: list the changes of this release under it.`);
  return body;
}

/**
 * The notes of a version being tagged: its section as changelogSection gives it, and its heading
 * dated "## 1.2.3 - YYYY-MM-DD" with a real date, not "Unreleased" (the mark a version's section
 * carries until the release pull request dates it).
 */
export function releaseNotes(changelog: string, version: string): string {
  const wanted = version.replace(/^v/, '');
  const body = changelogSection(changelog, wanted);
  const lines = changelog.split(/\r?\n/);
  const heading = lines[sectionStart(lines, wanted)];
  const day = /^## \[?v?[^\s\]]+\]?\s+-\s+(\d{4}-\d{2}-\d{2})\s*$/.exec(heading)?.[1];
  const time = day ? Date.parse(`${day}T00:00:00Z`) : NaN;
  // 2026-02-30 parses as 2026-03-02: only a day that reads back the same is a date.
  if (!day || Number.isNaN(time) || !new Date(time).toISOString().startsWith(day)) {
    const said = /unreleased/i.test(heading) ? 'is still marked "Unreleased"' : 'has no date';
    throw new Error(
      `CHANGELOG.md's heading for ${wanted} ${said} ("${heading.trim()}"): in the release pull request, make it "## ${wanted} - YYYY-MM-DD" with the day you tag, merge, and tag the merged commit.`
    );
  }
  return body;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const release = process.argv[2] === '--release';
  const version = process.argv[release ? 3 : 2];
  if (!version) {
    console.error('usage: tsx scripts/release-notes.ts [--release] <version, e.g. 1.2.3>');
    process.exit(2);
  }
  try {
    const changelog = readFileSync(join(fileURLToPath(import.meta.url), '..', '..', 'CHANGELOG.md'), 'utf8');
    console.log(release ? releaseNotes(changelog, version) : changelogSection(changelog, version));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
