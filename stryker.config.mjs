/**
 * StrykerJS for one pure module at a time, against its own unit test file only:
 * `MUTATE_MODULE=duration npx stryker run` mutates src/duration.ts and runs __tests__/duration.test.ts.
 * `npm run mutate` (scripts/mutate.ts) runs every module this way and prints the scores.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const module = process.env.MUTATE_MODULE;
if (!module || !/^[a-z-]+$/.test(module))
  throw new Error('Set MUTATE_MODULE to a module of src/ (e.g. duration); npm run mutate runs them all.');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  mutate: [`src/${module}.ts`],
  testRunner: 'jest',
  // Jest runs the sources as native ESM (jest.config.js), which needs the VM modules flag.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    configFile: 'jest.config.js',
    // Only the module's own unit tests decide whether a mutant is killed.
    config: {
      testMatch: [`<rootDir>/__tests__/${module}.test.ts`],
      maxWorkers: 1,
      // The pure modules start no Peaka simulator: no contract ledger, and properties that fail are not shrunk.
      setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/mutation-setup.ts'],
      globalSetup: undefined,
      globalTeardown: undefined
    },
    enableFindRelatedTests: false
  },
  coverageAnalysis: 'perTest',
  // The machine is shared: one or two test processes at a time.
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  // A mutant's tests may take this much longer than in the initial run before it counts as timed out
  // (an endless loop): the machine is shared, so the margin is wide.
  timeoutFactor: 2,
  timeoutMS: 10_000,
  reporters: ['progress-append-only', 'clear-text', 'json'],
  jsonReporter: { fileName: `reports/mutation/${module}.json` },
  // Every run records its results here; npm run mutate passes --force (test every mutant) unless
  // asked for --incremental: then the mutants whose code and tests did not change keep their result.
  incremental: true,
  incrementalFile: `reports/mutation/${module}.incremental.json`,
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  // Outside the work tree: jest and eslint would otherwise find the sandbox's copies of the tests.
  tempDirName: join(tmpdir(), 'peaka-stryker', module),
  cleanTempDir: true,
  ignoreStatic: false
};
