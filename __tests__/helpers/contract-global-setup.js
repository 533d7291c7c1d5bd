/**
 * jest globalSetup: a directory where each test file adds how many Peaka simulator answers it
 * checked against the contract; contract-global-teardown.js prints the total.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function setup() {
  process.env.PEAKA_CONTRACT_DIR = mkdtempSync(join(tmpdir(), 'peaka-contract-'));
}
