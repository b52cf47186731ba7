/** Names of the environment variables the integration global setup hands to the test files. */
export const TEST_ENV = {
  address: 'OMS_TEST_TEMPORAL_ADDRESS',
  namespace: 'OMS_TEST_TEMPORAL_NAMESPACE',
  workflowBundle: 'OMS_TEST_WORKFLOW_BUNDLE',
  tmpDir: 'OMS_TEST_TMP_DIR',
} as const;

/** Reads a variable set by the global setup; a missing one means the setup did not run. */
export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) throw new Error(`${TEST_ENV[name]} is not set: run integration tests through jest's global setup`);
  return value;
}
