#!/usr/bin/env node
// Runs every test file (unit tests next to the code in src/, cross-module suites in test/)
// with Node's test runner, TypeScript loaded through tsx. Extra arguments filter files by
// substring, e.g. `npm test -- library`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function collect(folder) {
  const found = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...collect(path));
    else if (/\.test\.tsx?$/.test(entry.name)) found.push(relative(root, path));
  }
  return found;
}

const filters = process.argv.slice(2);
const files = [...collect(join(root, 'src')), ...collect(join(root, 'test'))]
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`No test files match ${filters.join(', ')}`);
  process.exit(1);
}

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    // Every test file fails when it leaves a socket, child, timer or watcher open (instead of
    // hanging the run): there is no --test-force-exit, each file must end on its own.
    '--import',
    pathToFileURL(join(root, 'test/support/leak-check.ts')).href,
    '--test',
    `--test-concurrency=${process.env.HANGAR_TEST_CONCURRENCY ?? '2'}`,
    // One test may take up to 10 minutes; a hung one fails instead of stalling the run.
    '--test-timeout=600000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/summary-reporter.js',
    '--test-reporter-destination=stdout',
    // The slowest files at the end (HANGAR_TEST_TIMES=PATH writes them all): where the time goes.
    '--test-reporter=./scripts/file-times-reporter.js',
    '--test-reporter-destination=stdout',
    ...files,
  ],
  // HANGAR_VALIDATE_API: the core checks every reply and event against the API schema, and a
  // mismatch fails the test that caused it (src/main/core/hangar-core.ts, apiValidationEnabled).
  { cwd: root, stdio: 'inherit', env: { ...process.env, HANGAR_VALIDATE_API: '1' } },
);
// About 25 minutes on a quiet 2-core machine; the stop is a safety net against a hang, with room
// for a slower or busier machine (CI allows 90 minutes for install and tests together).
const timeout = setTimeout(() => {
  console.error('The test run took over 45 minutes; stopping it.');
  child.kill('SIGTERM');
}, 45 * 60_000);
child.on('exit', (code, signal) => {
  clearTimeout(timeout);
  process.exit(code ?? (signal ? 1 : 0));
});
