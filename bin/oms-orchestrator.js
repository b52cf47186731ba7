#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` produced it, otherwise the TypeScript source through tsx.
const path = require('node:path');
const fs = require('node:fs');

const compiled = path.join(__dirname, '..', 'lib', 'client', 'cli', 'index.js');
if (!fs.existsSync(compiled)) require('tsx/cjs');
const { runCli, exitQuietlyOnClosedOutput, hideTlsIpServerNameWarning } = require(
  fs.existsSync(compiled) ? compiled : path.join(__dirname, '..', 'client', 'cli', 'index.ts'),
);
// Output piped into a reader that stops early (`status X | head -2`): stop quietly, as Unix tools do.
exitQuietlyOnClosedOutput();
hideTlsIpServerNameWarning();
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Interrupted (Ctrl-C): a wait the CLI gave up (a long poll for the result) must not keep the process alive.
    if (code === 130) process.stdout.write('', () => process.exit(code));
  },
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
