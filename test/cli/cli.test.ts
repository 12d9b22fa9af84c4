/**
 * The real `hangar` command (node bin/hangar.js) against a library in a temp HANGAR_HOME:
 * create / list / show / delete with exit codes, usage errors, and `gui` falling back to the
 * web shell (no Electron binary here) until SIGTERM.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { spawnOwned } from '../../src/node/owned-child.js';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { WebSocket } from 'ws';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'hangar-cli-'));
/** Outside the library folder: Hangar makes every file in its library private (0600, no exec bit). */
const scratch = mkdtempSync(join(tmpdir(), 'hangar-cli-scratch-'));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
after(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, HANGAR_HOME: home }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('create, list, show and delete a machine, with exit codes', async () => {
  const created = await hangar('create', 'Grub Box', '--engine', 'v86', '--memory', '32', '--cdrom', cdrom);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Created "Grub Box"/);
  const duplicate = await hangar('create', 'grub box', '--engine', 'v86', '--memory', '32');
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /Conflict/);

  const listed = await hangar('list', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const machines = JSON.parse(listed.stdout) as { name: string; engine: string; memoryMib: number; state: string; drives: { cd0: string | null } }[];
  assert.equal(machines.length, 1);
  assert.deepEqual([machines[0]?.name, machines[0]?.engine, machines[0]?.memoryMib, machines[0]?.state], ['Grub Box', 'v86', 32, 'stopped']);
  assert.ok(machines[0]?.drives.cd0, 'the ISO is in the CD drive');
  assert.match((await hangar('list')).stdout, /Grub Box\s+v86\s+32 MiB\s+stopped/);

  const shown = await hangar('show', 'Grub Box', '--json');
  assert.equal(shown.code, 0);
  assert.equal((JSON.parse(shown.stdout) as { name: string }).name, 'Grub Box');
  const missing = await hangar('show', 'nobody');
  assert.equal(missing.code, 3, 'not found exits 3');
  assert.match(missing.stderr, /NotFound/);

  assert.equal((await hangar('delete', 'Grub Box')).code, 0);
  assert.deepEqual(JSON.parse((await hangar('list', '--json')).stdout), []);
});

test('usage errors exit 2 with a message', async () => {
  for (const args of [['create', 'x', '--memory', '32'], ['create', 'x', '--engine', 'v86', '--memory', 'lots'], ['frobnicate'], ['list', '--bogus'], []]) {
    const result = await hangar(...args);
    assert.equal(result.code, 2, `hangar ${args.join(' ')}`);
  }
  assert.match((await hangar('create', 'x', '--engine', 'v86')).stderr, /--memory MIB is required/);
});

/**
 * A stand-in browser: $BROWSER pointing at a script that records the URL it was given, and a
 * DISPLAY so the CLI believes a desktop session exists. No real browser ever starts.
 */
function fakeBrowser(): { env: Record<string, string>; opened: () => string | undefined } {
  const folder = mkdtempSync(join(scratch, 'browser-'));
  const marker = join(folder, 'opened.txt');
  const script = join(folder, 'browser.sh');
  writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > '${marker}'\n`, { mode: 0o755 });
  return { env: { DISPLAY: ':99', BROWSER: script }, opened: () => (existsSync(marker) ? readFileSync(marker, 'utf8') : undefined) };
}

test('gui falls back to the web shell without Electron, serves with the token, and stops on SIGTERM', async () => {
  const browser = fakeBrowser();
  const child = spawnOwned(process.execPath, [bin, 'gui'], { env: { ...process.env, HANGAR_HOME: home, HANGAR_NO_BROWSER: '1', ...browser.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!/Hangar web UI: (\S+)/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(stdout, /Electron is not available: .*binary/);
    const url = new URL(/Hangar web UI: (\S+)/.exec(stdout)?.[1] ?? 'http://invalid');
    assert.equal(url.hostname, '127.0.0.1');
    const status = (path: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal(await status(`/${url.search}`), 200);
    assert.equal(await status('/'), 401);
    assert.doesNotMatch(stdout, /Opened it in your browser/, 'HANGAR_NO_BROWSER=1 keeps the browser closed');
    assert.equal(browser.opened(), undefined, 'no browser was started');
    // While the web shell holds the library, other commands reach it over the control socket.
    assert.match(stdout, /Control socket: \S+control\.sock/);
    const listed = await hangar('list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), []);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    // The library lock was released: another command can open it.
    assert.equal((await hangar('list')).code, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('web --compress-display prints a URL whose page asks for compressed display frames', async () => {
  const child = spawnOwned(process.execPath, [bin, 'web', '--compress-display'], { env: { ...process.env, HANGAR_HOME: home, HANGAR_NO_BROWSER: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!/Press Ctrl\+C/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = new URL(/Hangar web UI: (\S+)/.exec(stdout)?.[1] ?? 'http://invalid');
    assert.equal(url.searchParams.get('display-encoding'), 'deflate', stdout);
    assert.ok(url.searchParams.get('token'), 'the token is still there');
    assert.match(stdout, /sent compressed/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('gui\'s web fallback opens the page in the browser of a desktop session', async () => {
  const browser = fakeBrowser();
  const env: NodeJS.ProcessEnv = { ...process.env, HANGAR_HOME: home, ...browser.env };
  delete env.HANGAR_NO_BROWSER;
  const child = spawnOwned(process.execPath, [bin, 'gui'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    while ((!/Opened it in your browser/.test(stdout) || browser.opened() === undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /Hangar web UI: (\S+)/.exec(stdout)?.[1];
    assert.ok(url, stdout);
    assert.match(stdout, /Opened it in your browser\./);
    assert.equal(browser.opened(), url, 'the browser got the URL with its token');
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

/**
 * Pids of the engine processes among the direct children of `pid` (from /proc). Other children
 * (tsx's esbuild service on a cold cache, for one) are not engines and are left out.
 */
function engineChildPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (commandLine.includes('emulator/host/entry')) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `hangar web`, starts a v86 machine through the API socket, returns the engine pid. */
async function webWithRunningMachine(name: string): Promise<{ child: ChildProcess; exited: Promise<number | null>; enginePid: number }> {
  // Run from outside the checkout: engines must still find their loader.
  const child = spawnOwned(process.execPath, [bin, 'web'], { cwd: tmpdir(), env: { ...process.env, HANGAR_HOME: home, HANGAR_NO_BROWSER: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    return await startMachineThroughShell(child, () => stdout, exited, name);
  } catch (error) {
    // A failed setup must not leave the shell (and its engine) holding the test file open.
    for (const pid of engineChildPids(child.pid ?? -1)) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
    throw error;
  }
}

async function startMachineThroughShell(
  child: ChildProcess,
  output: () => string,
  exited: Promise<number | null>,
  name: string,
): Promise<{ child: ChildProcess; exited: Promise<number | null>; enginePid: number }> {
  const stdout = (): string => output();
  await until(() => /Hangar web UI: (\S+)/.test(stdout()), 'the web URL', 60_000);
  const url = new URL(/Hangar web UI: (\S+)/.exec(stdout())?.[1] ?? 'http://invalid');
  const ws = new WebSocket(`ws://127.0.0.1:${url.port}/api${url.search}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let nextId = 1;
  const call = (command: string, args: unknown): Promise<{ ok: boolean }> =>
    new Promise((resolve) => {
      const id = nextId++;
      const onMessage = (data: unknown): void => {
        const message = JSON.parse(String(data)) as { id?: number; result?: { ok: boolean } };
        if (message.id === id && message.result) {
          ws.off('message', onMessage);
          resolve(message.result);
        }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, call: command, args }));
    });
  assert.equal((await call('machines.create', { name, engine: 'v86', memoryMib: 32, cdrom })).ok, true);
  assert.equal((await call('vm.start', { id: name })).ok, true);
  ws.close();
  const engines = engineChildPids(child.pid ?? -1);
  assert.equal(engines.length, 1, 'one engine process');
  return { child, exited, enginePid: engines[0] as number };
}

test('web: SIGTERM powers off running machines and exits 0; a killed shell leaves no engine behind', async () => {
  const first = await webWithRunningMachine('term');
  try {
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.equal(alive(first.enginePid), false, 'the engine stopped with the shell');
  } finally {
    first.child.kill('SIGKILL');
  }
  const second = await webWithRunningMachine('kill');
  try {
    second.child.kill('SIGKILL');
    await second.exited;
    await until(() => !alive(second.enginePid), 'the orphaned engine to exit', 10_000);
  } finally {
    if (alive(second.enginePid)) process.kill(second.enginePid, 'SIGKILL');
  }
});
