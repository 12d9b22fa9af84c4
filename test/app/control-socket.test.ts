/**
 * The control socket a core serves in its library folder: 0600, newline-delimited JSON with the
 * API's validation, events pushed, bad lines answered (never a crash), a stale socket from a
 * killed owner replaced, the socket removed on close; and the CLI's connection falling back to
 * opening the library when nothing listens.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { ControlClient } from '../../src/main/control/control-client.js';
import { ControlServer } from '../../src/main/control/control-server.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-ctlsock-'));
const socketPath = join(home, 'control.sock');
after(() => rmSync(home, { recursive: true, force: true }));

/** A raw client: send lines, read parsed lines. */
function rawClient(path: string): Promise<{ socket: Socket; next: (match: (message: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const received: Record<string, unknown>[] = [];
    let buffer = '';
    socket.setEncoding('utf8').on('data', (text: string) => {
      buffer += text;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        received.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>);
        buffer = buffer.slice(newline + 1);
      }
    });
    const next = async (match: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const index = received.findIndex(match);
        if (index >= 0) return received.splice(index, 1)[0] as Record<string, unknown>;
        if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    socket.once('connect', () => resolve({ socket, next }));
    socket.once('error', reject);
  });
}

/** The process umask, read without leaving it changed. */
function currentUmask(): number {
  const mask = process.umask(0o022);
  process.umask(mask);
  return mask;
}

test('listening sets the 0600 umask only while the socket is bound, never across an await (other code runs meanwhile)', async () => {
  const path = join(home, 'umask.sock');
  const before = currentUmask();
  const endpoint = { call: () => Promise.resolve({ ok: true as const, value: null }), subscribe: () => () => undefined };
  const listening = ControlServer.listen(path, endpoint);
  // listen() has reached its first await: code that runs now, e.g. another call writing a file,
  // must see the process's own umask, not the socket's.
  assert.equal(currentUmask().toString(8), before.toString(8));
  const server = await listening;
  try {
    assert.equal(lstatSync(path).mode & 0o777, 0o600);
    assert.equal(currentUmask().toString(8), before.toString(8));
  } finally {
    await server.close();
  }
  assert.equal(existsSync(path), false);
});

test('a stale socket is replaced, calls are validated, bad lines answered, events pushed, the socket removed on close', async () => {
  // A socket left behind by a process killed without cleaning up.
  const stale = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((resolve) => stale.once('exit', resolve));
  assert.ok(lstatSync(socketPath).isSocket(), 'a stale socket is there');
  assert.equal(await ControlClient.connect(socketPath), undefined, 'nothing answers on a stale socket');

  const core = await HangarCore.open({ folder: home });
  try {
    assert.equal(core.controlSocket, socketPath);
    assert.equal(lstatSync(socketPath).mode & 0o777, 0o600);
    const { socket, next } = await rawClient(socketPath);
    socket.write('this is not json\n');
    assert.equal(((await next((m) => m.id === null)).result as { error: { class: string } }).error.class, 'InvalidArgument');
    socket.write('[1,2]\n');
    assert.equal(((await next((m) => m.id === null)).result as { error: { class: string } }).error.class, 'InvalidArgument');
    socket.write(`${JSON.stringify({ id: 1, call: 'no.such.call', args: {} })}\n`);
    assert.match(((await next((m) => m.id === 1)).result as { error: { desc: string } }).error.desc, /Unknown command/);
    socket.write(`${JSON.stringify({ id: 2, call: 'machines.create', args: { name: 'x', engine: 'v86', memoryMib: 'lots' } })}\n`);
    assert.equal(((await next((m) => m.id === 2)).result as { error: { class: string } }).error.class, 'InvalidArgument');
    // Two requests in one write, and a request split over two writes.
    socket.write(`${JSON.stringify({ id: 'a', call: 'settings.set', args: { key: 'k', value: 1 } })}\n${JSON.stringify({ id: 'b', call: 'settings.get', args: { key: 'k' } })}\n{"id":3,"call":"machines`);
    socket.write('.list","args":{}}\n');
    assert.deepEqual((await next((m) => m.id === 'b')).result, { ok: true, value: { key: 'k', value: 1 } });
    assert.deepEqual((await next((m) => m.id === 3)).result, { ok: true, value: [] });
    assert.deepEqual(await next((m) => m.event === 'LIBRARY_CHANGED'), { event: 'LIBRARY_CHANGED', data: { entity: 'setting', action: 'updated', id: 'k' } });

    const client = await ControlClient.connect(socketPath);
    assert.ok(client);
    assert.deepEqual(await client.call('settings.get', { key: 'k' }), { ok: true, value: { key: 'k', value: 1 } });
    // The first os.list parses the osinfo database (hundreds of ms): far longer than 1 ms.
    const slow = await client.call('os.list', {}, 1);
    assert.equal(slow.ok ? '' : slow.error.class, 'Timeout', 'every call has a timeout');
    client.close();
    socket.destroy();
  } finally {
    await core.close();
  }
  assert.equal(existsSync(socketPath), false, 'removed on close');
  assert.equal(await ControlClient.connect(socketPath), undefined, 'nothing listens after close');
});

test('hostile lines (100k-deep args or call, incomplete lines, control characters, oversized lines) are answered and the connection keeps serving', { timeout: 120_000 }, async () => {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-ctlsock-hostile-'));
  const core = await HangarCore.open({ folder });
  try {
    const path = core.controlSocket;
    assert.ok(path, 'the core serves a control socket');
    const { socket, next } = await rawClient(path);
    const refusal = async (): Promise<string> => ((await next((m) => m.id === null)).result as { error: { class: string; desc: string } }).error.desc;
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    socket.write(`{"id":1,"call":"settings.get","args":${deep}}\n`);
    assert.match(await refusal(), /JSON nesting depth limit exceeded/);
    socket.write(`{"id":2,"call":${deep},"args":{}}\n`);
    assert.match(await refusal(), /JSON nesting depth limit exceeded/);
    socket.write(`{"id":3,"call":"settings.get","args":{"key":"k"}}\n`);
    assert.deepEqual((await next((m) => m.id === 3)).result, { ok: true, value: { key: 'k', value: null } });
    // An incomplete line does not swallow the next one.
    socket.write('{"id":4,"call":"settings.get","args":{"key":\n{"id":5,"call":"settings.get","args":{"key":"k"}}\n');
    assert.match(await refusal(), /line ended before the message was complete/);
    assert.equal(((await next((m) => m.id === 5)).result as { ok: boolean }).ok, true);
    // QMP's recovery rule: a control character resynchronises mid-line.
    socket.write('{"id":6,"call":"settings.get","args":{"key":"unterminated\x1b{"id":7,"call":"settings.get","args":{"key":"k"}}\n');
    assert.match(await refusal(), /stray/);
    assert.equal(((await next((m) => m.id === 7)).result as { ok: boolean }).ok, true);
    // An oversized line is refused and skipped; the connection stays open.
    socket.write(`{"id":8,"call":"settings.get","args":{"key":"${'x'.repeat(9 << 20)}"}}\n{"id":9,"call":"settings.get","args":{"key":"k"}}\n`);
    assert.match(await refusal(), /exceeds 8388608 bytes/);
    assert.equal(((await next((m) => m.id === 9)).result as { ok: boolean }).ok, true);
    socket.destroy();
    const client = await ControlClient.connect(path);
    assert.ok(client);
    assert.equal((await client.call('settings.get', { key: 'k' })).ok, true, 'a fresh connection is served');
    client.close();
  } finally {
    await core.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
