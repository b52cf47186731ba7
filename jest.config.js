// Test layers (STYLE.md §2.9). Every layer runs in `npm test`; only the integration layer needs servers,
// and its global setup provisions and starts them (no suite is skipped because a server is missing).
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'emulator', testMatch: ['<rootDir>/test/emulator/**/*.test.ts'] },
    { ...common, displayName: 'replay', testMatch: ['<rootDir>/test/replay/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
      setupFiles: ['<rootDir>/test/helpers/quiet-runtime.ts'],
    },
  ],
};
