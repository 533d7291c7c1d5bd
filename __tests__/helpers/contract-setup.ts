/**
 * Runs in every test file (jest setupFilesAfterEnv): each answer the Peaka simulator gives is
 * checked against Peaka's published contract (simulator/contract.ts). A violation fails the test
 * during which the simulator gave it; the number of answers checked is summed over the run and
 * printed at the end (contract-global.js).
 */
import { afterAll, afterEach } from '@jest/globals';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { installContractLedger } from '../../simulator/contract.js';

const ledger = installContractLedger();

afterEach(() => {
  if (!ledger.violations.length) return;
  const violations = ledger.violations.splice(0);
  throw new Error(
    `The Peaka simulator broke the published contract (simulator/peaka-cache-openapi.json) in this test:\n  - ${[...new Set(violations)].join('\n  - ')}`
  );
});

afterAll(() => {
  const dir = process.env.PEAKA_CONTRACT_DIR;
  if (dir) appendFileSync(join(dir, 'checked'), `${ledger.checked}\n`);
});
