/**
 * Writes dist/licenses.txt: the license of every package whose code ncc bundled into dist/.
 *
 * ncc's own `--license` drops the packages of the main chunk once a build has several chunks
 * (node-fetch and the lazy Octokit chunk make it so), so `npm run bundle` asks ncc for its webpack
 * stats instead and this script reads the module graph from them: every module webpack put into a
 * chunk, the package directory under node_modules it came from, and that package's own metadata
 * and license file. A package without a license text, or with a licence outside the allow-list in
 * scripts/license-allowlist.ts, stops the build.
 *
 * Usage (as `npm run bundle` does): tsx scripts/third-party-licenses.ts dist/stats.json dist/licenses.txt
 * The stats file is deleted once read: it is 5 MB of build detail that does not belong in dist/.
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { licenseViolations } from './license-allowlist.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');

interface StatsModule {
  name?: string;
  chunks?: (string | number)[];
  modules?: StatsModule[];
}
export interface Stats {
  modules: StatsModule[];
  chunks: { id: string | number; files: string[] }[];
}

interface BundledPackage {
  /** Directory relative to the project, e.g. node_modules/@actions/core */
  dir: string;
  name: string;
  version: string;
  license: string;
  repository?: string;
  /** The dist/ files its code is in. */
  files: string[];
  /** License text (and NOTICE, if the package has one). */
  text: string;
  /** Where the text came from, relative to the package directory. */
  source: string;
}

/** The package directory a bundled module's path lies in: node_modules/<name> or node_modules/@scope/<name>, nested installs kept apart. */
function packageDir(modulePath: string): string | undefined {
  const path = modulePath.replace(/\\/g, '/');
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const parts = path.slice(at + 'node_modules/'.length).split('/');
  const name = parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return `${path.slice(0, at)}node_modules/${name}`.replace(/^(?:\.\.?\/)+/, '');
}

/** Package directory -> the dist/ files that hold code of it, from webpack's stats. */
function bundledPackageDirs(stats: Stats): Map<string, Set<string>> {
  const fileOfChunk = new Map(stats.chunks.map((c) => [String(c.id), c.files.filter((f) => f.endsWith('.js'))]));
  const dirs = new Map<string, Set<string>>();
  const visit = (modules: StatsModule[] | undefined, chunks: (string | number)[]): void => {
    for (const m of modules ?? []) {
      const own = m.chunks?.length ? m.chunks : chunks;
      // A concatenated module is named after its first part ("x.js + 16 modules"); its parts are in m.modules.
      const dir = m.name && !m.modules ? packageDir(m.name) : undefined;
      if (dir) {
        const files = dirs.get(dir) ?? new Set<string>();
        for (const c of own) for (const f of fileOfChunk.get(String(c)) ?? []) files.add(f);
        dirs.set(dir, files);
      }
      visit(m.modules, own);
    }
  };
  visit(stats.modules, []);
  return dirs;
}

const LICENSE_FILE = /^(licen[cs]e|copying)(\.(md|txt|markdown))?$/i;
const LICENSE_FILE_LOOSE = /^(licen[cs]e|copying)/i;
const NOTICE_FILE = /^notice(\.(md|txt))?$/i;

/** The "License" section of a README, for packages that ship no license file. */
function readmeLicenseSection(readme: string): string | undefined {
  const lines = readme.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const atx = /^#{1,6}\s+licen[cs]e\s*#*\s*$/i.test(lines[i]);
    const setext = /^licen[cs]e\s*$/i.test(lines[i]) && /^(-{3,}|={3,})\s*$/.test(lines[i + 1] ?? '');
    if (!atx && !setext) continue;
    const body: string[] = [];
    for (let j = i + (setext ? 2 : 1); j < lines.length; j++) {
      if (/^#{1,6}\s/.test(lines[j]) || /^(-{3,}|={3,})\s*$/.test(lines[j + 1] ?? '')) break;
      body.push(lines[j]);
    }
    const text = body.join('\n').trim().replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    if (text.length > 0) return text;
  }
  return undefined;
}

function repositoryUrl(repository: unknown): string | undefined {
  const raw = typeof repository === 'string' ? repository : (repository as { url?: string } | undefined)?.url;
  if (!raw) return undefined;
  const short = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(raw);
  if (short) return `https://github.com/${short[1]}`;
  return raw
    .replace(/^git\+/, '')
    .replace(/^git:\/\//, 'https://')
    .replace(/^https:\/\/[^@/]+@/, 'https://')
    .replace(/\.git$/, '');
}

function readPackage(root: string, dir: string, files: string[]): BundledPackage {
  const abs = join(root, dir);
  const pkg = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license?: string | { type: string };
    licenses?: { type: string }[];
    repository?: unknown;
  };
  const license =
    typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? pkg.licenses?.map((l) => l.type).join(' OR ') ?? 'UNKNOWN');
  const entries = readdirSync(abs);
  const licenseFile = entries.find((f) => LICENSE_FILE.test(f)) ?? entries.find((f) => LICENSE_FILE_LOOSE.test(f));
  let text: string | undefined;
  let source = '';
  if (licenseFile) {
    text = readFileSync(join(abs, licenseFile), 'utf8').trim();
    source = licenseFile;
  } else {
    const readme = entries.find((f) => /^readme(\.(md|markdown|txt))?$/i.test(f));
    text = readme ? readmeLicenseSection(readFileSync(join(abs, readme), 'utf8')) : undefined;
    source = readme ? `${readme}, section "License"` : '';
  }
  if (!text)
    throw new Error(
      `${pkg.name}@${pkg.version} (${dir}) is bundled into dist/ but ships no license text (no LICENSE file, no License section in its README). Add its license by hand before bundling it.`
    );
  const notice = entries.find((f) => NOTICE_FILE.test(f));
  if (notice) text += `\n\n${readFileSync(join(abs, notice), 'utf8').trim()}`;
  return { dir, name: pkg.name, version: pkg.version, license, repository: repositoryUrl(pkg.repository), files, text, source };
}

function renderNotice(packages: BundledPackage[]): string {
  const rule = '-'.repeat(80);
  const head = [
    'Third-party software bundled into dist/',
    '',
    `dist/ contains code from the ${packages.length} packages below, each under its own license, reproduced`,
    'here as the package ships it. The action itself is under the MIT license in LICENSE.',
    "Generated by scripts/third-party-licenses.ts from the bundle's module graph (npm run bundle).",
    ''
  ];
  const body = packages.flatMap((p) => [
    rule,
    `${p.name} ${p.version}`,
    `License: ${p.license}`,
    ...(p.repository ? [`Repository: ${p.repository}`] : []),
    `Bundled into: ${p.files.map((f) => `dist/${f}`).join(', ')}`,
    `License text from: ${p.dir}/${p.source}`,
    '',
    p.text,
    ''
  ]);
  return [...head, ...body].join('\n').replace(/\r\n/g, '\n');
}

/** Every package whose code webpack's stats put into a chunk, read from `root`'s node_modules, sorted by name. */
export function bundledPackages(stats: Stats, root: string): BundledPackage[] {
  const dirs = bundledPackageDirs(stats);
  if (dirs.size === 0) throw new Error(`the stats name no module under node_modules: are they ncc's --stats-out?`);
  return [...dirs]
    .map(([dir, files]) => readPackage(root, dir, [...files].sort()))
    .sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name < b.name ? -1 : 1));
}

function main(statsPath: string, outPath: string): void {
  const packages = bundledPackages(JSON.parse(readFileSync(statsPath, 'utf8')) as Stats, ROOT);
  const refused = licenseViolations(packages);
  if (refused) {
    console.error(refused);
    process.exit(1);
  }
  writeFileSync(outPath, renderNotice(packages));
  rmSync(statsPath);
  console.log(
    `${relative(ROOT, outPath)}: ${packages.length} bundled packages (${packages.map((p) => `${p.name}@${p.version}`).join(', ')}), every licence in the allow-list`
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [statsPath, outPath] = process.argv.slice(2);
  if (!statsPath || !outPath || !existsSync(statsPath)) {
    console.error('usage: tsx scripts/third-party-licenses.ts <ncc --stats-out file> <notice to write>');
    process.exit(2);
  }
  main(statsPath, outPath);
}
