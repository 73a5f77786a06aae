// ESM all the way: lowdb is ESM-only, so jest runs with --experimental-vm-modules (see the npm test script).
// Two projects: everything on the embedded lowdb store, then the end-to-end suite (test/e2e) again with
// every server on PostgreSQL, with the reliability suites named *.e2e.test.ts (a schema per test data directory, all dropped at the end of the run).
const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
};

/** @type {import('jest').Config} */
export default {
  testTimeout: 20000,
  testSequencer: '<rootDir>/test/helpers/sequencer.mjs',
  // Jest's summary, then one plain closing line: passed, failed, skipped and why (scripts/test-deps.mjs).
  reporters: ['default', '<rootDir>/test/helpers/closing-line.mjs'],
  projects: [
    { ...base, displayName: 'lowdb', testMatch: ['**/*.test.ts'] },
    {
      ...base,
      displayName: 'postgres',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/reliability/**/*.e2e.test.ts', '<rootDir>/test/security/**/*.e2e.test.ts'],
      setupFiles: ['<rootDir>/test/helpers/postgres-project.ts'],
      // Every test of this project needs the server: skipped, with the reason, when it is not there.
      setupFilesAfterEnv: ['<rootDir>/test/helpers/postgres-needed.ts'],
      globalSetup: '<rootDir>/test/helpers/postgres-global-setup.mjs',
      globalTeardown: '<rootDir>/test/helpers/postgres-global-teardown.mjs',
    },
  ],
};
