/** Jest runs the TypeScript sources as native ESM (the @actions packages are ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['**/__tests__/**/*.test.ts'],
  // Every answer of the Peaka simulator is checked against Peaka's published contract.
  setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/contract-setup.ts'],
  globalSetup: '<rootDir>/__tests__/helpers/contract-global-setup.js',
  globalTeardown: '<rootDir>/__tests__/helpers/contract-global-teardown.js',
  testTimeout: 60000,
  // The suites mostly wait on timers and child processes, so they overlap well even on 2 cores.
  maxWorkers: 4,
  verbose: false
};
