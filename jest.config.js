// Test layers (docs/house-style.md §2.9). Every layer runs in `npm test`; only the integration layer needs servers,
// and its global setup provisions and starts them (no suite is skipped because a server is missing).
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

const servers = {
  ...common,
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  setupFiles: ['<rootDir>/test/helpers/quiet-runtime.ts'],
};
const integration = { ...servers, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] };
// `npm run test:cluster` (OMS_TEST_SERVER=cluster): the same setup on the Temporal server on PostgreSQL, running a
// subset of the integration layer (migration, batch, schedules, pause/resume/cancel) and test/cluster/ (several
// workers, server kill -9 and restart).
const cluster = {
  ...servers,
  displayName: 'cluster',
  testMatch: [
    ...['migration', 'batch', 'batch-schedule', 'migration-control'].map(
      (f) => `<rootDir>/test/integration/${f}.test.ts`,
    ),
    '<rootDir>/test/cluster/**/*.test.ts',
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'emulator', testMatch: ['<rootDir>/test/emulator/**/*.test.ts'] },
    { ...common, displayName: 'replay', testMatch: ['<rootDir>/test/replay/**/*.test.ts'] },
    process.env.OMS_TEST_SERVER === 'cluster' ? cluster : integration,
  ],
};
