/**
 * The end-of-file leak check (leak-check.ts) on real test files run by a real `node --test` in a
 * child process, as scripts/run-tests.js runs them: a file that leaves a timer or a listening
 * server fails with a message naming it (and ends instead of hanging), a file that closes what it
 * opened — in its tests or its own `after` hooks — passes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const leakCheck = fileURLToPath(new URL('./leak-check.ts', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'hangar-leak-'));
after(() => rmSync(folder, { recursive: true, force: true }));

// NODE_TEST_CONTEXT would make the child's `node --test` think it runs inside this file's runner
// (and run nothing).
const { NODE_TEST_CONTEXT: _ignored, ...inherited } = process.env;
const childEnv = { ...inherited, HANGAR_LEAK_SETTLE_MS: '300' };

/** Runs `source` as a test file under the leak check; resolves with its exit code and output. */
async function runTestFile(name: string, source: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const file = join(folder, name);
  writeFileSync(file, source);
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', leakCheck, '--test', '--test-reporter=spec', file], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not end within 60 s (the leak check let it hang):\n${output}`));
      }, 60_000);
    }),
  ]).finally(() => clearTimeout(timer));
  return { code, output };
}

test('a file that leaves an interval running fails, naming the timer, and still ends', async () => {
  const { code, output } = await runTestFile(
    'leaves-timer.test.ts',
    `import { test } from 'node:test';\ntest('starts an interval and forgets it', () => { setInterval(() => undefined, 1000); });\n`,
  );
  assert.notEqual(code, 0, output);
  assert.match(output, /Leak check: this test file left [^\n]*\bTimeout\b[^\n]* open/);
  assert.match(output, /HANGAR_LEAK_TRACE=1 shows where/);
});

test('with HANGAR_LEAK_TRACE=1 the failure says where the leftover timer was created', async () => {
  const { code, output } = await runTestFile(
    'leaves-traced-timer.test.ts',
    `import { test } from 'node:test';
test('starts a timeout and forgets it', () => {
  setTimeout(() => undefined, 60_000);
});
`,
    { HANGAR_LEAK_TRACE: '1' },
  );
  assert.notEqual(code, 0, output);
  assert.match(output, /timer still running: setTimeout\(…, 60000\)\s+at [^\n]*leaves-traced-timer\.test\.ts:3:/);
});

test('a file that leaves a server listening fails, naming the server', async () => {
  const { code, output } = await runTestFile(
    'leaves-server.test.ts',
    `import { createServer } from 'node:net';\nimport { test } from 'node:test';\n` +
      `test('listens and forgets', async () => { const server = createServer(); await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)); });\n`,
  );
  assert.notEqual(code, 0, output);
  assert.match(output, /Leak check: this test file left [^\n]*\bTCPServerWrap\b[^\n]* open/);
});

test('a file that closes what it opened, in a test or in its own after hook, passes', async () => {
  const { code, output } = await runTestFile(
    'closes.test.ts',
    `import { createServer } from 'node:net';\nimport { after, test } from 'node:test';\n` +
      `const server = createServer();\n` +
      `after(async () => { await new Promise((resolve) => setTimeout(resolve, 200)); await new Promise((resolve) => server.close(resolve)); });\n` +
      `test('listens; the after hook closes it', async () => { await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)); });\n` +
      `test('a timer cleared in the test', () => { clearInterval(setInterval(() => undefined, 1000)); });\n`,
    // The default settle time: on a loaded machine the loader's own file requests (FSReqCallback)
    // were seen still in flight 300 ms after the hooks; nothing this file opened is left.
    { HANGAR_LEAK_SETTLE_MS: '5000' },
  );
  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /Leak check/);
});

test('something still closing when the tests end (a child exiting) gets the settle time, and the file passes', async () => {
  const { code, output } = await runTestFile(
    'closing.test.ts',
    `import { spawn } from 'node:child_process';\nimport { test } from 'node:test';\n` +
      `test('starts a short child and does not wait for it', () => { spawn('sleep', ['0.2'], { stdio: 'ignore' }); });\n`,
    { HANGAR_LEAK_SETTLE_MS: '5000' },
  );
  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /Leak check|still pending/);
});
