/**
 * Throws a few thousand random, truncated, oversized and deeply nested inputs at the web shell
 * (a real core with a running v86 guest): API messages over `/api`, input messages over
 * `/display/<machine>`, raw WebSocket frames built by hand, and malformed HTTP requests and
 * upgrade requests. Every API message gets exactly one answer, no request is answered 500 (a
 * handler that threw), and after each batch the shell still serves the page (200 with the token),
 * answers an API call over a fresh WebSocket, and the guest runs on in the same engine session.
 *
 * The seed is fixed (printed with any failure); HANGAR_FUZZ_SEED=<n> replays or varies it.
 * Only read-only API commands are generated, so the guest is never stopped on purpose.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { apiMessageLimitBytes, displayMessageLimitBytes, startWebShell } from '../../src/main/web/index.js';
import type { WebShell } from '../../src/main/web/index.js';
import type { EngineSession } from '../../src/main/supervisor/index.js';
import { ApiClient, frame, httpStatus, rawHttp, rawUpgrade } from '../web/web-client.js';
import { fuzzSeed, random, withSeed } from './fuzz-random.js';

const seed = fuzzSeed();

/** Random helpers over one PRNG stream. */
function fuzzer(stream: number) {
  const next = random(seed ^ Math.imul(stream, 0x9e3779b1));
  const int = (max: number): number => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const strings = ['', 'a', 'grub', 'nobody', 'ret', 'qcode', 'key', 'down', '\u0000', '\u202e', '😀', '%E0%A4%A', '../..', 'x'.repeat(300)];
  const value = (depth: number): unknown => {
    switch (int(depth > 2 ? 5 : 8)) {
      case 0: return null;
      case 1: return next() < 0.5;
      case 2: return int(2 ** 31) - 2 ** 30;
      case 3: return next() * 1e6;
      case 4: return pick(strings);
      case 5: return Array.from({ length: int(4) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['id', 'type', 'data', 'events', 'key', 'down', 'slot', 'x', '__proto__']), value(depth + 1)]));
    }
  };
  const nested = (depth: number, inner = '1'): string => (next() < 0.5 ? `${'['.repeat(depth)}${inner}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`);
  const garbage = (length: number): string => Array.from({ length }, () => pick([...'{}[]":,\\ abcxyz019.-eE\t\u00e9\u20ac'])).join('');
  return { next, int, pick, value, nested, garbage };
}

/** Read-only commands (so the guest is never stopped on purpose), and names that are not commands. */
const readOnlyCalls = ['machines.list', 'machines.get', 'media.list', 'os.list', 'engines.query', 'vm.status', 'settings.get', 'snapshots.list', 'folders.list', 'vm.serial-backlog'];
const badCalls = ['', 'no.such', 'MACHINES.LIST', 'vm.status ', 'vm.status\u0000', '__proto__', 'constructor', 'toString', 'x'.repeat(5000)];

const home = mkdtempSync(join(tmpdir(), 'hangar-web-fuzz-'));
const rendererDir = join(home, 'renderer');
const logged: string[] = [];
let core: HangarCore;
let shell: WebShell;
let session: EngineSession;

before(async () => {
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Hangar UI</title>');
  core = await HangarCore.open({ folder: join(home, 'library') });
  shell = await startWebShell({ core, rendererDir, log: (line) => logged.push(line) });
  const created = await core.call('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, osId: 'grub', cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso' });
  assert.equal(created.ok, true, JSON.stringify(created));
  const started = await core.call('vm.start', { id: 'grub' });
  assert.equal(started.ok, true, JSON.stringify(started));
  session = core.engineSession('grub') as EngineSession;
  assert.ok(session);
});

after(async () => {
  await shell?.close();
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

/** The page loads, a fresh API socket answers, and the guest runs in the same engine session. */
async function stillServing(after: string): Promise<void> {
  assert.equal(await httpStatus(shell.port, `/?token=${shell.token}`), 200, `the page after ${after}`);
  const api = await ApiClient.open(shell.port, shell.token);
  try {
    const status = await api.call('vm.status', { id: 'grub' });
    assert.equal(status.ok, true, `vm.status after ${after}: ${JSON.stringify(status)}`);
    assert.equal((status.value as { status?: string }).status, 'running', `the guest after ${after}`);
  } finally {
    api.close();
  }
  assert.equal(core.engineSession('grub'), session, `the same engine session after ${after}`);
}

test('API socket: 2000 random, broken, deep and oversized messages each get one answer; the shell keeps serving', { timeout: 120_000 }, () =>
  withSeed(seed, 'web API socket', async (where) => {
    const f = fuzzer(1);
    /** One text message; `answered` false for those closed by the protocol (over the size limit). */
    const message = (): { text: string; answered: boolean } => {
      switch (f.int(10)) {
        case 0: return { text: JSON.stringify({ id: f.int(1e6), call: f.pick(readOnlyCalls), args: f.value(0) }), answered: true };
        case 1: return { text: JSON.stringify({ id: f.value(2), call: f.pick([...badCalls, ...readOnlyCalls]), args: f.value(1) }), answered: true };
        case 2: return { text: JSON.stringify({ id: f.int(100), call: f.value(1), args: f.value(1) }), answered: true };
        case 3: return { text: JSON.stringify(f.value(0)), answered: true };
        case 4: { // truncated JSON
          const whole = JSON.stringify({ id: 1, call: f.pick(readOnlyCalls), args: f.value(0) });
          return { text: whole.slice(0, f.int(whole.length)), answered: true };
        }
        case 5: return { text: f.garbage(1 + f.int(80)), answered: true };
        case 6: { // nested around the limit, in the call, the args or the id
          const inner = f.nested(900 + f.int(300));
          return { text: f.pick([`{"id":7,"call":${inner}}`, `{"id":7,"call":"vm.status","args":${inner}}`, `{"id":${inner},"call":"machines.list"}`, inner]), answered: true };
        }
        case 7: return { text: `{"id":8,"call":"vm.status","args":${f.nested(1 + f.int(f.next() < 0.1 ? 100_000 : 5_000))}}`, answered: true };
        case 8: return { text: `{"id":9,"call":"machines.list","args":{"pad":"${'p'.repeat(f.int(64 * 1024))}"}}`, answered: true };
        default: return f.next() < 0.02 ? { text: `{"id":10,"call":"machines.list","pad":"${'o'.repeat(apiMessageLimitBytes)}"}`, answered: false } : { text: JSON.stringify({ id: 11, call: 'vm.status', args: { id: 'grub' } }), answered: true };
      }
    };
    let api = await ApiClient.open(shell.port, shell.token);
    let answers = 0;
    const countAnswers = (ws: WebSocket): void => {
      ws.on('message', (data) => {
        if (!('event' in (JSON.parse(String(data)) as object))) answers++;
      });
    };
    countAnswers(api.ws);
    try {
      for (let batch = 0; batch < 20; batch++) {
        where(`API batch ${batch}`);
        let expected = 0;
        answers = 0;
        for (let index = 0; index < 100; index++) {
          const { text, answered } = message();
          if (!answered) {
            // Over the limit: this connection is closed with 1009; the next batch uses a fresh one.
            const closed = new Promise<number>((resolve) => api.ws.once('close', (code) => resolve(code)));
            api.ws.send(text);
            assert.equal(await closed, 1009, 'an oversized API message closes with 1009');
            api = await ApiClient.open(shell.port, shell.token);
            countAnswers(api.ws);
            answers = 0;
            expected = 0;
            continue;
          }
          api.ws.send(text);
          expected++;
        }
        const deadline = Date.now() + 30_000;
        while (answers < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.equal(answers, expected, `batch ${batch}: one answer per message`);
        assert.equal(api.ws.readyState, WebSocket.OPEN, `batch ${batch}: the connection stays open`);
        await stillServing(`API batch ${batch}`);
      }
    } finally {
      api.close();
    }
  }));

test('display socket: 600 random input messages; the viewer stays connected and the guest runs', { timeout: 120_000 }, () =>
  withSeed(seed, 'web display socket', async (where) => {
    const f = fuzzer(2);
    const open = async (): Promise<WebSocket> => {
      const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/display/grub?token=${shell.token}`);
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the display socket did not open in 10 s')), 10_000);
        ws.once('open', () => (clearTimeout(timer), resolve(undefined)));
        ws.once('error', reject);
      });
      return ws;
    };
    let ws = await open();
    try {
      for (let batch = 0; batch < 6; batch++) {
        where(`display batch ${batch}`);
        for (let index = 0; index < 100; index++) {
          switch (f.int(7)) {
            case 0: ws.send(JSON.stringify({ events: f.value(1) })); break;
            case 1: ws.send(JSON.stringify(f.value(0))); break;
            case 2: ws.send(f.garbage(1 + f.int(60))); break;
            case 3: ws.send(`{"events":${f.nested(1 + f.int(5000))}}`); break;
            case 4: ws.send(Buffer.from(Array.from({ length: f.int(100) }, () => f.int(256))), { binary: true }); break;
            case 5: ws.send(JSON.stringify({ events: [{ type: f.pick(['btn', 'rel', 'abs', 'key', 'nope']), data: f.value(1) }] })); break;
            default: {
              if (f.next() < 0.1) {
                const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
                ws.send(`{"events":"${'e'.repeat(displayMessageLimitBytes)}"}`);
                assert.equal(await closed, 1009, 'an oversized display message closes with 1009');
                ws = await open();
              } else ws.send(JSON.stringify({ events: [] }).slice(0, f.int(14)));
            }
          }
        }
        assert.equal(ws.readyState, WebSocket.OPEN, `display batch ${batch}: the viewer stays connected`);
        await stillServing(`display batch ${batch}`);
      }
    } finally {
      ws.terminate();
    }
  }));

test('raw WebSocket frames: 400 connections of random, truncated and malformed frames; the shell keeps serving', { timeout: 120_000 }, () =>
  withSeed(seed, 'web raw frames', async (where) => {
    const f = fuzzer(3);
    const randomFrame = (): Buffer => {
      const payload = Buffer.from(Array.from({ length: f.int(f.next() < 0.1 ? 70_000 : 200) }, () => (f.next() < 0.7 ? 0x20 + f.int(95) : f.int(256))));
      const built = frame({
        opcode: f.pick([0x0, 0x1, 0x1, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb, 0xf]),
        payload,
        fin: f.next() < 0.8,
        rsv: f.next() < 0.1 ? f.int(8) : 0,
        mask: f.next() < 0.95,
        ...(f.next() < 0.05 ? { declaredLength: f.pick([126, 65_536, displayMessageLimitBytes + 1, apiMessageLimitBytes + 1, 2 ** 40]) } : {}),
      });
      return f.next() < 0.1 ? built.subarray(0, f.int(built.length)) : built;
    };
    for (let batch = 0; batch < 8; batch++) {
      where(`raw frame batch ${batch}`);
      const connections = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const raw = await rawUpgrade(shell.port, f.next() < 0.5 ? `/api?token=${shell.token}` : `/display/grub?token=${shell.token}`);
          assert.equal(raw.status, 101);
          return raw;
        }),
      );
      for (const raw of connections) for (let count = 1 + f.int(4); count > 0; count--) raw.write(randomFrame());
      // Let the shell read it all, then hang up (a close frame may or may not have come: both are fine).
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const raw of connections) raw.socket.destroy();
      await stillServing(`raw frame batch ${batch}`);
    }
  }));

test('malformed HTTP requests and upgrades: 1000 random requests, never a 500; the shell keeps serving', { timeout: 120_000 }, () =>
  withSeed(seed, 'web HTTP', async (where) => {
    const f = fuzzer(4);
    const host = `127.0.0.1:${shell.port}`;
    const path = (): string => {
      // Half plausible targets (so the guard, the file server and the upgrades are reached), half random pieces.
      if (f.next() < 0.5) return f.pick(['/', '/', '/api', '/display/grub', '/display/nobody', '/index.html', '/missing.js', '//', '//x']) + f.pick(['', `?token=${shell.token}`, `?token=${shell.token}`, '?token=wrong']);
      const pieces = ['/', '//', '/api', '/display/', 'grub', '%', '%E0%A4%A', '%2F', '%00', '..', '?', '&', `token=${shell.token}`, 'token=', '#', ';', '\\', '@', ':', 'x'.repeat(f.int(3000)), '\u00e9', '\u202e'];
      return Array.from({ length: 1 + f.int(6) }, () => f.pick(pieces)).join('');
    };
    const request = (): string => {
      const method = f.next() < 0.7 ? 'GET' : f.pick(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'get', 'G\u00c9T', '']);
      const target = f.next() < 0.9 ? path() : f.pick(['*', `http://${host}/`, `ws://${host}/api`, '', ' ']);
      const version = f.next() < 0.8 ? 'HTTP/1.1' : f.pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/1.1 extra', '']);
      const headers = [`host: ${f.next() < 0.7 ? host : f.pick([host, 'localhost', '', 'evil.example', `${host}:${host}`])}`];
      if (f.next() < 0.4) headers.push('upgrade: websocket', 'connection: Upgrade', `sec-websocket-key: ${f.next() < 0.7 ? 'dGhlIHNhbXBsZSBub25jZQ==' : f.pick(['', 'short'])}`, `sec-websocket-version: ${f.next() < 0.7 ? '13' : f.pick(['8', 'x'])}`);
      if (f.next() < 0.3) headers.push(f.pick([`origin: ${f.pick(['http://evil.example', `http://${host}`, 'null', '::'])}`, `cookie: hangar-token=${f.pick([shell.token, 'x', ''])}`, `authorization: Bearer ${shell.token}`, 'content-length: -1', 'transfer-encoding: chunked', `x-long: ${'l'.repeat(f.int(20_000))}`, 'bad header', f.garbage(30)]));
      const text = `${method} ${target} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`;
      return f.next() < 0.1 ? text.slice(0, f.int(text.length)) : text;
    };
    const statuses = new Map<string, number>();
    for (let batch = 0; batch < 10; batch++) {
      where(`HTTP batch ${batch}`);
      const results = await Promise.all(Array.from({ length: 100 }, async () => {
        const sent = request();
        const { status } = await rawHttp(shell.port, sent, 5_000);
        return { sent, status };
      }));
      for (const { sent, status } of results) {
        statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
        assert.ok(status === undefined || status < 500, `no handler threw: ${status} for ${JSON.stringify(sent.slice(0, 300))}`);
      }
      await stillServing(`HTTP batch ${batch}`);
    }
    // The mix reached the guard, the file server and the socket upgrades, not just the parser.
    for (const status of ['101', '200', '400', '401', '404']) assert.ok((statuses.get(status) ?? 0) > 0, `some requests got ${status}: ${JSON.stringify([...statuses])}`);
  }));
