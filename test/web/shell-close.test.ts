/**
 * Closing the web shell: close() ends within 2 s with every client socket destroyed, whatever
 * state the clients left them in (a refused upgrade kept open, a request cut off mid-headers, an
 * idle keep-alive connection, open WebSockets). And `hangar web` on SIGTERM closes the shell
 * before the core: an API client sees its socket end before any machine is powered off, then
 * the process exits 0 and no engine is left.
 */
import assert from 'node:assert/strict';
import { spawnOwned } from '../../src/node/owned-child.js';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { WebSocket } from 'ws';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { startWebShell } from '../../src/main/web/index.js';
import { ApiClient, rawUpgrade } from './web-client.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-web-close-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** Awaits `promise` for at most `ms` (a cleanup that must not hang a failed test). */
async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function openTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    const timer = setTimeout(() => reject(new Error('no TCP connection in 10 s')), 10_000);
    socket.once('connect', () => (clearTimeout(timer), resolve(socket)));
    socket.once('error', (error) => (clearTimeout(timer), reject(error)));
  });
}

function closedWithin(socket: Socket, timeoutMs: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('close', () => (clearTimeout(timer), resolve(true)));
  });
}

test('close() finishes within 2 s and destroys every socket, whatever the clients left open', async () => {
  const core = await HangarCore.open({ folder: join(home, 'library') });
  const shell = await startWebShell({ core, rendererDir: join(home, 'no-ui'), log: () => undefined });
  let closeStarted = 0;
  const clientSockets: Socket[] = [];
  try {
    // A refused upgrade (no token) whose client never closes its side.
    const refused = await rawUpgrade(shell.port, '/api');
    clientSockets.push(refused.socket);
    assert.equal(refused.status, 401);
    // A request cut off in the middle of its headers.
    const midRequest = await openTcp(shell.port);
    clientSockets.push(midRequest);
    midRequest.write(`GET /?token=${shell.token} HTTP/1.1\r\nhost: 127.0.0.1:${shell.port}\r\nx-partial: `);
    // An idle keep-alive connection after a complete response.
    const keepAlive = await openTcp(shell.port);
    clientSockets.push(keepAlive);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response in 10 s')), 10_000);
      keepAlive.once('data', () => (clearTimeout(timer), resolve()));
      keepAlive.write(`GET /?token=${shell.token} HTTP/1.1\r\nhost: 127.0.0.1:${shell.port}\r\n\r\n`);
    });
    // An upgrade accepted at the HTTP level whose client sends nothing more, and a live API socket.
    const silentWebSocket = await rawUpgrade(shell.port, `/api?token=${shell.token}`);
    clientSockets.push(silentWebSocket.socket);
    assert.equal(silentWebSocket.status, 101);
    const api = await ApiClient.open(shell.port, shell.token);
    assert.equal((await api.call('machines.list')).ok, true);
    const apiClosed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 2_000);
      api.ws.once('close', () => (clearTimeout(timer), resolve(true)));
    });
    // Give the refused socket time to be closed by the server on its own (it must not wait for the client).
    await new Promise((resolve) => setTimeout(resolve, 200));

    closeStarted = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([shell.close().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2_000)))]);
    clearTimeout(timer);
    assert.ok(finished, `close() did not finish within 2 s`);
    const sockets = { refused: refused.socket, midRequest, keepAlive, silentWebSocket: silentWebSocket.socket };
    for (const [name, socket] of Object.entries(sockets)) assert.ok(await closedWithin(socket, 2_000 - (Date.now() - closeStarted)), `the ${name} socket was destroyed`);
    assert.ok(await apiClosed, 'the API WebSocket was closed');
    assert.ok(Date.now() - closeStarted < 2_000, `everything closed within 2 s (took ${Date.now() - closeStarted} ms)`);
    // Nothing listens any more.
    await assert.rejects(openTcp(shell.port));
  } finally {
    // Should the shell have failed to, the test ends the clients so the file does not hang.
    for (const socket of clientSockets) socket.destroy();
    await atMost(shell.close(), 5_000);
    await core.close();
  }
});

test('a refused upgrade is closed by the server even when the client keeps its side open', async () => {
  const core = await HangarCore.open({ folder: join(home, 'library-2') });
  const shell = await startWebShell({ core, rendererDir: join(home, 'no-ui'), log: () => undefined });
  const clientSockets: Socket[] = [];
  try {
    for (const path of ['/api', '/api?token=wrong', `/nowhere?token=${shell.token}`, `/display/nobody?token=${shell.token}`]) {
      const refused = await rawUpgrade(shell.port, path);
      clientSockets.push(refused.socket);
      assert.ok([401, 403, 404].includes(refused.status), `${path}: ${refused.status}`);
      assert.ok(await refused.closed(5_000), `the server closed the refused upgrade of ${path}`);
    }
  } finally {
    for (const socket of clientSockets) socket.destroy();
    await atMost(shell.close(), 5_000);
    await core.close();
  }
});

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));

function engineChildPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('emulator/host/entry')) found.push(Number(entry));
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

test('hangar web on SIGTERM: the shell closes before the core, despite a refused upgrade held open; exit 0, no engine left', { timeout: 180_000 }, async () => {
  const child = spawnOwned(process.execPath, [bin, 'web'], { cwd: tmpdir(), env: { ...process.env, HANGAR_HOME: join(home, 'cli'), HANGAR_NO_BROWSER: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let enginePids: number[] = [];
  try {
    const deadline = Date.now() + 60_000;
    while (!/Hangar web UI: (\S+)/.test(stdout)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no web URL within 60 s: ${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = new URL(/Hangar web UI: (\S+)/.exec(stdout)?.[1] ?? 'http://invalid');
    const port = Number(url.port);
    const token = url.searchParams.get('token') ?? '';
    const api = await ApiClient.open(port, token);
    const events: { event: string; data: { state?: string } }[] = [];
    api.ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { event?: string; data?: { state?: string } };
      if (message.event) events.push({ event: message.event, data: message.data ?? {} });
    });
    const created = await api.call('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso' });
    assert.equal(created.ok, true, JSON.stringify(created));
    assert.equal((await api.call('vm.start', { id: 'grub' }, 60_000)).ok, true);
    enginePids = engineChildPids(child.pid ?? -1);
    assert.equal(enginePids.length, 1, 'one engine runs');
    const refused = await rawUpgrade(port, '/api');
    assert.equal(refused.status, 401);
    const apiClosed = new Promise<void>((resolve) => api.ws.once('close', () => resolve()));
    const eventsBeforeStop = events.length;

    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 60_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, `hangar web exits 0 on SIGTERM (stdout: ${stdout}, stderr: ${stderr})`);
    await apiClosed;
    const during = events.slice(eventsBeforeStop).filter((event) => event.event === 'MACHINE_STATE');
    assert.deepEqual(during, [], 'the API socket was closed before the core powered the machine off');
    for (const pid of enginePids) assert.equal(alive(pid), false, `engine ${pid} stopped with the shell`);
    assert.equal(api.ws.readyState === WebSocket.CLOSED, true);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    for (const pid of enginePids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});
