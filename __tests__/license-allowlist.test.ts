/** The licence gate of `npm run bundle`: what may be bundled into dist/, read from the bundle's module graph. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALLOWED_LICENSES, licenseAllowed, licenseViolations } from '../scripts/license-allowlist.js';
import { bundledPackages, type Stats } from '../scripts/third-party-licenses.js';
import { ROOT } from '../scripts/action-runner.js';

describe('licenseAllowed', () => {
  test('an allowed identifier, in any letter case', () => {
    expect(licenseAllowed('MIT')).toBe(true);
    expect(licenseAllowed('apache-2.0')).toBe(true);
  });

  test('a licence outside the list is refused, as is a package that names none', () => {
    expect(licenseAllowed('GPL-3.0-only')).toBe(false);
    expect(licenseAllowed('UNKNOWN')).toBe(false);
    expect(licenseAllowed('SEE LICENSE IN LICENSE.md')).toBe(false);
  });

  test('OR needs one allowed alternative, AND needs all, parentheses group', () => {
    expect(licenseAllowed('(MIT OR GPL-3.0-only)')).toBe(true);
    expect(licenseAllowed('MIT AND GPL-3.0-only')).toBe(false);
    expect(licenseAllowed('(GPL-2.0-only OR MIT) AND ISC')).toBe(true);
    expect(licenseAllowed('(GPL-2.0-only OR LGPL-3.0-only) AND ISC')).toBe(false);
  });
});

test('licenseViolations names each refused package, its licence and what to change', () => {
  const message = licenseViolations([
    { name: 'ok', version: '1.0.0', license: 'MIT' },
    { name: 'copyleft', version: '2.1.0', license: 'AGPL-3.0-only' }
  ]);
  expect(message).toContain('copyleft@2.1.0: AGPL-3.0-only');
  expect(message).not.toContain('ok@1.0.0');
  expect(message).toContain('scripts/license-allowlist.ts');
  expect(licenseViolations([{ name: 'ok', version: '1.0.0', license: 'ISC' }])).toBeUndefined();
});

describe("the bundle's module graph", () => {
  const root = mkdtempSync(join(tmpdir(), 'licenses-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const addPackage = (name: string, license: string): void => {
    mkdirSync(join(root, 'node_modules', name), { recursive: true });
    writeFileSync(join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.2.3', license }));
    writeFileSync(join(root, 'node_modules', name, 'LICENSE'), `${license} licence text of ${name}`);
  };

  test('a package that a new dependency brings into a chunk, with a new licence, is refused', () => {
    addPackage('plain', 'MIT');
    addPackage('@scope/newcomer', 'GPL-3.0-or-later');
    addPackage('unbundled', 'GPL-3.0-or-later'); // installed, but in no chunk: not dist/'s concern
    const stats: Stats = {
      chunks: [{ id: 179, files: ['index.js'] }],
      modules: [
        {
          name: './src/index.ts + 3 modules',
          chunks: [179],
          modules: [{ name: './node_modules/plain/index.js' }, { name: './node_modules/@scope/newcomer/lib/a.js' }]
        },
        { name: './src/main.ts', chunks: [179] }
      ]
    };
    const packages = bundledPackages(stats, root);
    expect(packages.map((p) => `${p.name} ${p.license}`)).toEqual(['@scope/newcomer GPL-3.0-or-later', 'plain MIT']);
    expect(licenseViolations(packages)).toMatch(
      /^1 package\(s\) bundled into dist\/ have a licence outside the allow-list[^]*@scope\/newcomer@1\.2\.3: GPL-3\.0-or-later/
    );
  });
});

test('every package in the committed dist/licenses.txt has an allowed licence, and the list is not wider than it needs', () => {
  const licences = [...readFileSync(join(ROOT, 'dist', 'licenses.txt'), 'utf8').matchAll(/^License: (.+)$/gm)].map((m) => m[1]);
  expect(licences.length).toBeGreaterThan(10);
  expect(licences.filter((l) => !licenseAllowed(l))).toEqual([]);
  expect(ALLOWED_LICENSES.filter((l) => /GPL|SSPL|BUSL|CC-BY-NC|EUPL|MPL/i.test(l))).toEqual([]);
});
