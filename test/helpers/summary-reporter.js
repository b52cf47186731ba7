// Prints the run's totals as one plain line, `N passed, N failed`, which CI reads. With OMS_TEST_SUMMARY_FILE set
// (as .ci/run does) the line is also written there, so CI can print it as the very last line of its output.
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed\n`;
    process.stdout.write(`\n${line}`);
    if (process.env.OMS_TEST_SUMMARY_FILE) fs.writeFileSync(process.env.OMS_TEST_SUMMARY_FILE, line);
  }
}
module.exports = SummaryReporter;
