/**
 * The web shell over real HTTP and WebSockets, with a real library and a real v86 engine:
 * token, Host and Origin checks on requests and upgrades, API calls and events over /api, and
 * binary display frames over /display/<machine>.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { startWebShell } from '../../src/main/web/index.js';
import type { WebShell } from '../../src/main/web/index.js';
import { decodeDisplayMessage } from '../../src/shared/protocol/display-codec.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-web-'));
const rendererDir = join(home, 'renderer');
let core: HangarCore;
let shell: WebShell;

before(async () => {
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  mkdirSync(join(rendererDir, 'testing'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Hangar UI</title><script src="./assets/app.js"></script>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("ui")');
  writeFileSync(join(rendererDir, 'testing', 'harness.html'), 'harness');
  core = await HangarCore.open({ folder: join(home, 'library') });
  shell = await startWebShell({ core, rendererDir });
});

after(async () => {
  await shell?.close();
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: shell.port, path, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket; resolves with the socket or the HTTP status it was refused with. */
function openSocket(path: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${shell.port}${path}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, response) => resolve(response.statusCode ?? 0));
    ws.once('error', (error) => reject(error));
  });
}

class ApiSocket {
  private nextId = 1;
  readonly events: { event: string; data: Record<string, unknown> }[] = [];
  private readonly waiting = new Map<number, (result: unknown) => void>();
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; event?: string; data?: Record<string, unknown> };
      if (message.event) this.events.push({ event: message.event, data: message.data ?? {} });
      else if (typeof message.id === 'number') this.waiting.get(message.id)?.(message.result);
    });
  }
  call(name: string, args: unknown = {}): Promise<{ ok: boolean; value?: unknown; error?: { class: string; desc: string } }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} got no answer`)), 60_000);
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        resolve(result as never);
      });
      this.ws.send(JSON.stringify({ id, call: name, args }));
    });
  }
}

test('HTTP: missing token 401, wrong token 403, right token serves the UI (not the test harness)', async () => {
  assert.equal((await get('/')).status, 401);
  assert.equal((await get('/?token=wrong')).status, 403);
  const page = await get(`/?token=${shell.token}`);
  assert.equal(page.status, 200);
  assert.match(page.body, /Hangar UI/);
  const cookie = String((page.headers['set-cookie'] as string[] | undefined)?.[0] ?? '').split(';')[0] ?? '';
  assert.equal((await get('/assets/app.js', { cookie })).status, 200, 'assets load with the cookie the page set');
  assert.equal((await get('/testing/harness.html', { cookie })).status, 404);
  assert.equal((await get('/../../etc/passwd', { cookie })).status, 404);
});

test('HTTP: a non-loopback Host or a foreign Origin is refused even with the token', async () => {
  assert.equal((await get(`/?token=${shell.token}`, { host: `evil.example:${shell.port}` })).status, 403);
  assert.equal((await get(`/?token=${shell.token}`, { host: `127.0.0.1:${shell.port + 1}` })).status, 403);
  assert.equal((await get(`/?token=${shell.token}`, { origin: 'http://evil.example' })).status, 403);
});

test('WebSocket upgrades: no token, foreign Origin and foreign Host are refused', async () => {
  assert.equal(await openSocket('/api'), 401);
  assert.equal(await openSocket(`/api?token=${shell.token}`, { origin: 'http://evil.example' }), 403);
  assert.equal(await openSocket(`/api?token=${shell.token}`, { origin: `http://localhost.evil.example:${shell.port}` }), 403);
  assert.equal(await openSocket(`/api?token=${shell.token}`, { host: `attacker.example:${shell.port}` }), 403);
});

test('API over WebSocket: create, list, validation errors, events; display frames from a running v86 guest', async () => {
  const ws = await openSocket(`/api?token=${shell.token}`, { origin: `http://127.0.0.1:${shell.port}` });
  assert.ok(ws instanceof WebSocket);
  const api = new ApiSocket(ws);
  try {
    const created = await api.call('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, osId: 'grub', cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso' });
    assert.equal(created.ok, true, JSON.stringify(created));
    const list = await api.call('machines.list');
    assert.deepEqual((list.value as { name: string; state: string }[]).map((m) => [m.name, m.state]), [['grub', 'stopped']]);
    const bad = await api.call('machines.create', { name: 'x', engine: 'bochs', memoryMib: 32 });
    assert.equal(bad.error?.class, 'InvalidArgument');
    assert.match(bad.error?.desc ?? '', /engine/);
    assert.equal((await api.call('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32 })).error?.class, 'Conflict');
    assert.equal((await api.call('no.such.call')).error?.class, 'InvalidArgument');
    assert.equal((await api.call('vm.pause', { id: 'nobody' })).error?.class, 'NotFound');
    assert.equal((await api.call('vm.pause', { id: 'grub' })).error?.class, 'Unavailable');
    assert.ok(api.events.some((e) => e.event === 'LIBRARY_CHANGED' && e.data.entity === 'machine'));

    const started = await api.call('vm.start', { id: 'grub' });
    assert.equal(started.ok, true, JSON.stringify(started));
    assert.equal((await api.call('vm.status', { id: 'grub' })).ok, true);
    const display = await openSocket(`/display/grub?token=${shell.token}`);
    assert.ok(display instanceof WebSocket);
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no display frame in 60 s')), 60_000);
      display.once('message', (data: Buffer) => {
        clearTimeout(timer);
        resolve(data);
      });
    });
    const message = decodeDisplayMessage(new Uint8Array(frame));
    assert.equal(typeof (message as { type?: unknown }).type, 'string');
    // Input goes back to the engine: an unknown key is refused and the refusal comes back as text.
    const refusal = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no refusal for a bad key')), 30_000);
      display.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) {
          clearTimeout(timer);
          resolve(String(data));
        }
      });
    });
    display.send(JSON.stringify({ events: [{ type: 'key', data: { down: true, key: { type: 'qcode', data: 'no-such-key' } } }] }));
    const error = JSON.parse(await refusal) as { error: { class: string; desc: string } };
    assert.match(error.error.desc, /no-such-key|key/i);
    display.close();
    assert.equal((await api.call('machines.delete', { id: 'grub' })).error?.class, 'Conflict');
    assert.equal((await api.call('vm.poweroff', { id: 'grub' })).ok, true);
    const deadline = Date.now() + 10_000;
    while (!api.events.some((e) => e.event === 'MACHINE_STATE' && e.data.state === 'stopped') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(api.events.some((e) => e.event === 'MACHINE_STATE' && e.data.state === 'running'));
    assert.ok(api.events.some((e) => e.event === 'MACHINE_STATE' && e.data.state === 'stopped'));
    assert.equal((await api.call('machines.delete', { id: 'grub' })).ok, true);
  } finally {
    ws.close();
  }
});

test('without a built UI the page says how to build it', async () => {
  const bare = await startWebShell({ core, rendererDir: join(home, 'missing') });
  try {
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: bare.port, path: `/?token=${bare.token}` }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(response.status, 200);
    assert.match(response.body, /npm run build:renderer/);
  } finally {
    await bare.close();
  }
});
