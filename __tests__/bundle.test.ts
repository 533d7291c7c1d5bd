/**
 * The bundle as it is distributed: every package whose code is in dist/ has its license
 * in dist/licenses.txt, @actions/http-client is bundled once, and every file of dist/ (the main
 * bundle and the chunks loaded on demand) has a source map that leads back to the sources.
 * `npm test` rebuilds dist/ from the working tree first (pretest), so this checks what the sources
 * bundle to now; that the committed dist/ is the same bundle is CI's check (.ci/run, ci.yml).
 *
 * What is bundled is read from the source maps (webpack lists every module of a chunk in its map's
 * `sources`), not from the webpack stats that scripts/third-party-licenses.ts reads, so the two
 * checks do not share a mistake.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../scripts/action-runner.js';

interface RawMap {
  version: number;
  file: string;
  sources: string[];
  sourcesContent?: (string | null)[];
  mappings: string;
}

const DIST = join(ROOT, 'dist');
// dist/post.js is not ncc's: it is scripts/post-entry.js, copied (checked below).
const jsFiles = readdirSync(DIST).filter((f) => f.endsWith('.js') && f !== 'post.js');
const maps = new Map(
  jsFiles
    .filter((f) => existsSync(join(DIST, `${f}.map`)))
    .map((f) => [f, JSON.parse(readFileSync(join(DIST, `${f}.map`), 'utf8')) as RawMap])
);

/** A map's source path ("../node_modules/x/y.js", ".././src/z.ts") relative to the project. */
const projectPath = (source: string): string => source.replace(/^(?:\.\.?\/)+/, '');

/** Directory of the installed package a source lies in (nested installs kept apart), or undefined. */
function installDir(source: string): string | undefined {
  const path = projectPath(source);
  const m = /^((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path);
  return m?.[1];
}

/** Every installed package whose code is in dist/: install directory -> name and version. */
function bundledPackages(): Map<string, { name: string; version: string }> {
  const dirs = new Set([...maps.values()].flatMap((m) => m.sources.map(installDir).filter((d): d is string => !!d)));
  return new Map(
    [...dirs].map((dir) => {
      const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string; version: string };
      return [dir, { name: pkg.name, version: pkg.version }];
    })
  );
}

/** dist/licenses.txt as "name version" -> the section's lines after the heading. */
function noticeSections(): Map<string, string> {
  const text = readFileSync(join(DIST, 'licenses.txt'), 'utf8');
  const sections = text.split(/^-{80}$/m).slice(1);
  return new Map(sections.map((s) => s.trim().split('\n')).map(([heading, ...rest]) => [heading.trim(), rest.join('\n')]));
}

describe('license notice', () => {
  test('dist/licenses.txt lists exactly the packages bundled into dist/, each with its license text', () => {
    const bundled = bundledPackages();
    // The main chunk alone holds @actions/core, node-fetch and undici: a notice that misses them is ncc's.
    expect([...bundled.values()].map((p) => p.name)).toEqual(
      expect.arrayContaining(['@actions/core', '@actions/http-client', 'undici', 'node-fetch', 'fetch-blob', '@actions/github'])
    );
    const sections = noticeSections();
    const expected = [...new Set([...bundled.values()].map((p) => `${p.name} ${p.version}`))].sort();
    expect([...sections.keys()].sort()).toEqual(expected);
    for (const [dir, { name, version }] of bundled) {
      const section = sections.get(`${name} ${version}`)!;
      const declared = (JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { license: string }).license;
      const licenseText = section
        .split('\n')
        .slice(section.split('\n').findIndex((l) => l === '') + 1)
        .join('\n');
      expect({
        name,
        license: /^License: (.*)$/m.exec(section)?.[1],
        hasText: licenseText.length >= 300 && /copyright/i.test(licenseText)
      }).toEqual({ name, license: declared, hasText: true });
    }
  });

  test('the notice says which dist/ file holds each package', () => {
    for (const [heading, section] of noticeSections()) {
      const files = /^Bundled into: (.*)$/m.exec(section)?.[1].split(', ') ?? [];
      expect({ heading, files: files.length > 0 && files.every((f) => jsFiles.includes(f.replace(/^dist\//, ''))) }).toEqual({
        heading,
        files: true
      });
    }
  });
});

describe('dependencies in the bundle', () => {
  test('one copy of @actions/http-client, shared by @actions/core and the Octokit chunk', () => {
    const copies = [...bundledPackages()].filter(([, p]) => p.name === '@actions/http-client');
    expect(copies.map(([dir]) => dir)).toEqual(['node_modules/@actions/http-client']);
    const declared = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
      .dependencies['@actions/http-client'];
    expect(copies[0][1].version).toBe(declared);
  });
});

describe('source maps', () => {
  test('every .js file in dist/ names its own map, and the map is a v3 map of that file', () => {
    expect(jsFiles.length).toBeGreaterThan(1);
    for (const file of jsFiles) {
      const code = readFileSync(join(DIST, file), 'utf8');
      expect({ file, comment: code.trimEnd().endsWith(`//# sourceMappingURL=${file}.map`) }).toEqual({ file, comment: true });
      const map = maps.get(file);
      expect({ file, version: map?.version, mapFile: map?.file, sources: (map?.sources.length ?? 0) > 0 }).toEqual({
        file,
        version: 3,
        mapFile: file,
        sources: true
      });
    }
  });

  test('a string of each src/ file maps back to its line in that file, in the main bundle and in the chunks', () => {
    const checked: string[] = [];
    for (const [file, raw] of maps) {
      const code = readFileSync(join(DIST, file), 'utf8');
      const sourceMap = new SourceMap(raw as ConstructorParameters<typeof SourceMap>[0]);
      raw.sources.forEach((source, i) => {
        const path = projectPath(source);
        if (!path.startsWith('src/')) return;
        const content = raw.sourcesContent?.[i] ?? readFileSync(join(ROOT, path), 'utf8');
        // The first long string literal that occurs once in the generated file.
        for (const m of content.matchAll(/'([^'\\\n]{25,})'/g)) {
          const at = code.indexOf(m[1]);
          if (at < 0 || code.indexOf(m[1], at + 1) >= 0) continue;
          const line = code.slice(0, at).split('\n').length - 1;
          const column = at - (code.lastIndexOf('\n', at - 1) + 1);
          const entry = sourceMap.findEntry(line, column) as { originalSource?: string; originalLine?: number };
          const expectedLine = content.slice(0, m.index).split('\n').length - 1;
          expect({ file, path, source: projectPath(entry.originalSource ?? ''), line: entry.originalLine }).toEqual({
            file,
            path,
            source: path,
            line: expectedLine
          });
          checked.push(`${file}:${path}`);
          break;
        }
      });
    }
    // The main bundle and the pull-request-comment chunk both carry our sources.
    expect(checked.some((c) => c.startsWith('index.js:src/'))).toBe(true);
    expect(checked.some((c) => !c.startsWith('index.js:') && c.endsWith('src/pr-comment.ts'))).toBe(true);
  });

  test('Node finds the map of each chunk when it loads the chunk as the bundle does (dynamic import)', () => {
    const chunks = jsFiles.filter((f) => f !== 'index.js');
    expect(chunks.length).toBeGreaterThan(0);
    const script = `
      import { findSourceMap } from 'node:module';
      import { pathToFileURL } from 'node:url';
      const out = {};
      for (const path of JSON.parse(process.argv[1])) {
        const url = pathToFileURL(path).href;
        await import(url);
        const map = findSourceMap(url) ?? findSourceMap(path);
        out[path] = map ? map.payload.sources.length : 0;
      }
      console.log(JSON.stringify(out));`;
    const paths = chunks.map((c) => join(DIST, c));
    const out = JSON.parse(
      execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script, JSON.stringify(paths)], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' }
      })
    ) as Record<string, number>;
    for (const path of paths) expect({ path, sources: out[path] > 0 }).toEqual({ path, sources: true });
  });
});

test("the post step's entry, dist/post.js, is scripts/post-entry.js, and action.yml runs it as post", () => {
  expect(readFileSync(join(DIST, 'post.js'), 'utf8')).toBe(readFileSync(join(ROOT, 'scripts', 'post-entry.js'), 'utf8'));
  expect(readFileSync(join(ROOT, 'action.yml'), 'utf8')).toMatch(/^\s+main: dist\/index\.js\n\s+post: dist\/post\.js$/m);
});
