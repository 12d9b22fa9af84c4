/**
 * The engine entry as a real process: under child_process.fork (parent channel, typed arrays
 * through 'advanced' serialization) and as the `hangar engine` command (socket printed and
 * removed, SIGTERM, usage errors, a non-private socket folder).
 */
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { engineEntry } from '../../../test/support/engine-process.js';
import { QmpClient } from '../../../test/support/qmp-client.js';
import { assertAllGone, describeProcesses, processTree } from '../../../test/support/processes.js';

const grub = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const hangarBin = fileURLToPath(new URL('../../../bin/hangar.js', import.meta.url));
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-entry-'));
  dirs.push(dir);
  return dir;
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('under child_process.fork the parent channel speaks QMP and carries display messages', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const child = fork(engineEntry, ['--engine', 'v86', '--memory', '32', '--cdrom', grub, '--runtime-dir', dir], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const received: { kind: string; message: Record<string, unknown> }[] = [];
    child.on('message', (message) => received.push(message as (typeof received)[number]));
    await until('the greeting', 60_000, () => received.find((item) => item.kind === 'qmp' && 'QMP' in item.message));
    child.send({ kind: 'qmp', message: { execute: 'qmp_capabilities', id: 1 } });
    child.send({ kind: 'qmp', message: { execute: 'query-status', id: 2 } });
    child.send({ kind: 'qmp', message: 'not an object' });
    const status = await until('query-status', 60_000, () => received.find((item) => item.message.id === 2));
    assert.deepEqual(status.message.return, { status: 'running', running: true });
    await until('an error for a bad message', 10_000, () => received.find((item) => item.kind === 'qmp' && 'error' in item.message && !('id' in item.message)));
    child.send({ kind: 'attach-display' });
    const cells = await until('text cells', 60_000, () => received.find((item) => item.kind === 'display' && item.message.type === 'text'));
    assert.ok(cells.message.cells instanceof Uint32Array, 'typed arrays survive the channel');
    child.send({ kind: 'qmp', message: { execute: 'quit', id: 3 } });
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('hangar engine prints its socket, exits 0 on SIGTERM and removes the socket', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const socket = join(dir, 'qmp.sock');
  const child = spawn(process.execPath, [hangarBin, 'engine', '--engine', 'v86', '--memory', '32', '--cdrom', grub, '--qmp', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.resume();
  try {
    await until('the socket path on stdout', 60_000, () => (out.includes(`QMP socket: ${socket}`) ? true : undefined));
    assert.ok(existsSync(socket));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(existsSync(socket), false);
  } finally {
    child.kill('SIGKILL');
  }
});

test('hangar engine exits 0 when the guest powers off', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const socket = join(dir, 'qmp.sock');
  const child = spawn(process.execPath, [hangarBin, 'engine', '--engine', 'v86', '--memory', '32', '--cdrom', grub, '--qmp', socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  try {
    await until('the socket', 60_000, () => (existsSync(socket) ? true : undefined));
    let client: QmpClient | undefined;
    for (const deadline = Date.now() + 30_000; !client; ) {
      try {
        client = await QmpClient.connect(socket);
      } catch (error) {
        // The engine may still be between creating the socket file and accepting; say why if it never does.
        assert.ok(Date.now() < deadline && child.exitCode === null, `cannot connect to the engine (${(error as Error).message}); engine stderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const screenHas = async (pattern: RegExp): Promise<true | undefined> => {
      const { lines } = (await client.execute('query-screen-text')) as { lines: string[] };
      return lines.some((line) => pattern.test(line)) ? true : undefined;
    };
    const poll = async (pattern: RegExp): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (!(await screenHas(pattern))) {
        assert.ok(Date.now() < deadline, `the screen shows ${pattern}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    await poll(/GNU\/Linux/);
    await client.execute('input-type-text', { text: 'c' });
    await poll(/^grub>/);
    await client.execute('input-type-text', { text: 'halt\n', 'delay-ms': 20 });
    assert.equal(await exited, 0);
    assert.equal(existsSync(socket), false);
    client.close();
  } finally {
    child.kill('SIGKILL');
  }
});

test('a standalone engine whose starter is killed with SIGKILL stops, with its QEMU', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const socket = join(dir, 'qmp.sock');
  // A shell starts the engine in the background and waits: killing the shell with SIGKILL leaves
  // the engine without the process that started it (nothing else would ever stop it).
  const starter = spawn('sh', ['-c', `"$0" "$1" engine --engine qemu --memory 32 --cdrom "$2" --options '{"accelerator":"tcg"}' --qmp "$3" >/dev/null 2>&1 & echo $!; wait`, process.execPath, hangarBin, grub, socket], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  starter.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  try {
    const enginePid = await until('the engine pid', 10_000, () => (/^\d+\n/.test(out) ? Number.parseInt(out, 10) : undefined));
    await until('the socket', 60_000, () => (existsSync(socket) ? true : undefined));
    const engineTree = processTree(enginePid);
    assert.ok(engineTree.some((info) => info.name.startsWith('qemu-system')), `the engine runs a QEMU:\n${describeProcesses(engineTree)}`);
    starter.kill('SIGKILL');
    await assertAllGone(engineTree, 'the engine and its QEMU after their starter was killed', 15_000);
    assert.equal(existsSync(socket), false, 'the engine stopped in order (its socket removed)');
  } finally {
    starter.kill('SIGKILL');
  }
});

async function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [hangarBin, 'engine', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

test('bad usage exits 2; a socket folder others can enter exits 1 with the reason', { timeout: 60_000 }, async () => {
  const usage = await run(['--memory', 'lots', '--qmp', join(tempDir(), 'q.sock')]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--memory/);
  const open = tempDir();
  chmodSync(open, 0o755);
  const refused = await run(['--engine', 'v86', '--memory', '32', '--cdrom', grub, '--qmp', join(open, 'q.sock')]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /must be 0700/);
});
