/**
 * Owned children with real processes: an owner Node process starts a child, is killed with
 * SIGKILL, and the child must be gone within seconds. A plain `spawn` child in the same setup
 * survives (the control case shows the check can fail).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { GuardMissingError, findGuard, killTree, orphanedExitCode, ownedCommandLine, spawnOwned } from './owned-child.js';

const moduleUrl = new URL('./owned-child.ts', import.meta.url).href;
const folder = mkdtempSync(join(tmpdir(), 'hangar-owned-'));
const leftovers: number[] = [];
after(() => {
  for (const pid of leftovers) killTree(pid);
  rmSync(folder, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    // A zombie still answers kill(0) until reaped; count it as gone.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Runs an owner process executing `body` (ESM, `owned` is this module); resolves with it and the first line it prints. */
async function owner(body: string): Promise<{ process: ChildProcess; line: string }> {
  const script = join(folder, `owner-${Date.now()}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, `import * as owned from '${moduleUrl}';\nimport { spawn, fork } from 'node:child_process';\n${body}\nsetInterval(() => {}, 1000);\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  leftovers.push(child.pid ?? -1);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  const printed = await until(() => output.includes('\n'), 30_000);
  assert.ok(printed, 'the owner printed its child pid');
  return { process: child, line: output.split('\n')[0] as string };
}

test('a spawned child dies when its owner is SIGKILLed; a plain spawn child does not', async () => {
  const { process: ownerProcess, line } = await owner(
    "const guarded = owned.spawnOwned('sleep', ['600'], { stdio: 'ignore' });\n" +
      "const plain = spawn('sleep', ['601'], { stdio: 'ignore' });\n" +
      'console.log(`${guarded.pid} ${plain.pid}`);',
  );
  const [guarded, plain] = line.split(' ').map(Number) as [number, number];
  leftovers.push(guarded, plain);
  await until(() => readFileSync(`/proc/${guarded}/comm`, 'utf8').trim() === 'sleep', 10_000);
  assert.equal(readFileSync(`/proc/${guarded}/comm`, 'utf8').trim(), 'sleep', 'the guard execs: the pid is the program\'s own');
  ownerProcess.kill('SIGKILL');
  assert.ok(await until(() => !alive(guarded), 5000), 'the owned child is gone within 5 s of its owner\'s SIGKILL');
  assert.equal(alive(plain), true, 'control: a plain child outlives its killed owner');
  process.kill(plain, 'SIGKILL');
});

test('a forked Node child keeps its IPC channel and dies with its owner', async () => {
  const childScript = join(folder, 'ipc-child.mjs');
  writeFileSync(childScript, "process.on('message', (m) => process.send({ echo: m }));\nsetInterval(() => {}, 1000);\n");
  const { process: ownerProcess, line } = await owner(
    `const child = owned.forkOwned('${childScript}', [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });\n` +
      "child.on('message', (m) => console.log(`${child.pid} ${m.echo}`));\n" +
      "child.send('ping');",
  );
  const [pid, echo] = line.split(' ');
  assert.equal(echo, 'ping', 'messages pass through the guard');
  leftovers.push(Number(pid));
  ownerProcess.kill('SIGKILL');
  assert.ok(await until(() => !alive(Number(pid)), 5000), 'the forked child is gone within 5 s');
});

test('a child whose owner is no longer its parent does not run the command', () => {
  const line = ownedCommandLine('sh', ['-c', 'echo ran']);
  // Replace the expected parent pid by one that is not ours: as if the owner died before the guard.
  const index = line.args.indexOf(String(process.pid));
  line.args[index] = '1';
  const result = spawnSync(line.file, line.args, { encoding: 'utf8' });
  assert.equal(result.status, orphanedExitCode);
  assert.equal(result.stdout, '');
});

test('detached children lead a process group that killTree ends with every descendant', async () => {
  const child = spawnOwned('sh', ['-c', 'sleep 600 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  leftovers.push(child.pid ?? -1);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  assert.ok(await until(() => output.includes('\n'), 10_000));
  const grandchild = Number(output.trim());
  leftovers.push(grandchild);
  killTree(child.pid);
  assert.ok(await until(() => !alive(grandchild), 5000), 'the grandchild died with the group');
});

test('a missing guard tool is a clear error naming the package, and nothing starts', () => {
  assert.throws(() => findGuard(join(folder, 'no-such-folder')), (error: Error) => error instanceof GuardMissingError && /util-linux/.test(error.message) && /apt install/.test(error.message));
  assert.throws(() => spawnOwned('true', [], { guardSearchPath: '' }), GuardMissingError);
});
