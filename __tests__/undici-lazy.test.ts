/** The bundle's stand-in for undici must still hand out the real ProxyAgent when asked. */
import { expect, test } from '@jest/globals';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Constructor = new (url: string) => { close(): Promise<void> };
// Jest resolves 'undici' to the real package (the tsconfig mapping is for the bundle only).
const RealProxyAgent = (require('undici') as { ProxyAgent: Constructor }).ProxyAgent;

test('ProxyAgent from the lazy stand-in is undici\'s own', () => {
  const { ProxyAgent } = require('../src/vendor/undici-lazy.cjs') as { ProxyAgent: Constructor };
  const agent = new ProxyAgent('http://127.0.0.1:9');
  expect(agent).toBeInstanceOf(RealProxyAgent);
  void agent.close();
});
