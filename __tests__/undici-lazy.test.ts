/** The bundle's stand-in for undici must still hand out the real ProxyAgent when asked. */
import { expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../scripts/action-runner.js';

const require = createRequire(import.meta.url);
type Constructor = new (url: string) => { close(): Promise<void> };
// Jest resolves 'undici' to the real package (the tsconfig mapping is for the bundle only).
const RealProxyAgent = (require('undici') as { ProxyAgent: Constructor }).ProxyAgent;

/** Names the bundled @actions packages import from undici (a new one would be undefined in the bundle). */
function importedNames(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .flatMap((f) =>
      [...readFileSync(join(dir, f), 'utf8').matchAll(/import \{([^}]+)\} from 'undici'/g)].flatMap((m) =>
        m[1].split(',').map((n) => n.trim())
      )
    );
}

test('every name the bundled @actions packages import from undici is in the stand-in', () => {
  const shim = require('../src/vendor/undici-lazy.cjs') as Record<string, unknown>;
  const names = new Set(['http-client', 'github'].flatMap((p) => importedNames(join(ROOT, 'node_modules', '@actions', p, 'lib'))));
  expect(names.size).toBeGreaterThan(0);
  for (const name of names) expect({ name, exported: typeof shim[name] }).toEqual({ name, exported: 'function' });
});

test("ProxyAgent from the lazy stand-in is undici's own", () => {
  const { ProxyAgent } = require('../src/vendor/undici-lazy.cjs') as { ProxyAgent: Constructor };
  const agent = new ProxyAgent('http://127.0.0.1:9');
  expect(agent).toBeInstanceOf(RealProxyAgent);
  void agent.close();
});
