/** jest globalTeardown: prints how many simulator answers were validated against Peaka's contract. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export default async function teardown() {
  const dir = process.env.PEAKA_CONTRACT_DIR;
  if (!dir) return;
  let counts = [];
  try {
    counts = readFileSync(join(dir, 'checked'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    // no test file started a simulator
  }
  const total = counts.reduce((a, b) => a + b, 0);
  process.stdout.write(
    `\nPeaka contract: ${total.toLocaleString('en-US')} simulator answers validated against simulator/peaka-cache-openapi.json (${counts.filter((n) => n > 0).length} test files); any violation fails its test.\n`
  );
  rmSync(dir, { recursive: true, force: true });
}
