import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { DisplayStreamReader } from '../../shared/protocol/display-stream.js';
import { allocateSharedFrame } from '../display/shared-frame.js';
import { DisplayFanout } from './display-fanout.js';
import { DisplayOutlet } from './display-outlet.js';
import { Engine } from './engine.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-outlet-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let serial = 0;
const socketPath = (): string => join(folder, `d${serial++}.sock`);

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A real client on the socket, decoding what arrives. */
function client(path: string): { socket: Socket; received: DisplayMessage[]; closed: Promise<void> } {
  const socket = connect(path);
  const reader = new DisplayStreamReader();
  const received: DisplayMessage[] = [];
  socket.on('data', (chunk: Buffer) => received.push(...reader.push(chunk)));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  return { socket, received, closed };
}

test('a shared-frame rectangle and plain messages reach main in order; the frame is busy until the worker copied it', { timeout: 60_000 }, async () => {
  const path = socketPath();
  const { outlet, connected } = await DisplayOutlet.listen(path);
  try {
    const main = client(path);
    await connected;
    // One connection only: the path is gone once main is in.
    assert.equal(existsSync(path), false);
    const frame = allocateSharedFrame(4, 3);
    for (let index = 0; index < frame.pixels.length; index++) frame.pixels[index] = index;
    outlet.post({ type: 'mode', mode: 'graphics', width: 4, height: 3 });
    outlet.postFrame(frame, { x: 1, y: 1, width: 2, height: 2 });
    assert.equal(outlet.busy(), true);
    const cells = new Uint32Array([65, 7, 0]);
    outlet.post({ type: 'text', row: 0, rowCount: 1, cols: 1, cells });
    cells[0] = 66; // the message was copied when posted
    await until('three messages', 20_000, () => main.received.length >= 3);
    assert.equal(outlet.busy(), false);
    const [first, second, third] = main.received;
    assert.deepEqual(first, { type: 'mode', mode: 'graphics', width: 4, height: 3 });
    const expected = [20, 21, 22, 23, 24, 25, 26, 27, 36, 37, 38, 39, 40, 41, 42, 43];
    assert.ok(second?.type === 'rect');
    assert.deepEqual({ ...second, pixels: [...second.pixels] }, { type: 'rect', x: 1, y: 1, width: 2, height: 2, pixels: expected });
    assert.ok(third?.type === 'text' && third.cells[0] === 65);
    assert.equal(outlet.backlog(), 0);
    main.socket.destroy();
  } finally {
    await outlet.dispose();
  }
});

test('for a reader that does not read, shared frames are coalesced at the source, never queued; the last one arrives', { timeout: 60_000 }, async () => {
  const path = socketPath();
  const { outlet, connected } = await DisplayOutlet.listen(path);
  try {
    const main = client(path);
    await connected;
    main.socket.pause();
    const frame = allocateSharedFrame(512, 512); // 1 MiB: more than the socket buffers hold
    const words = new Uint32Array(frame.pixels.buffer);
    let posted = 0;
    let skipped = 0;
    for (let step = 1; step <= 300; step++) {
      if (outlet.busy()) skipped++;
      else {
        words.fill(step);
        outlet.postFrame(frame, { x: 0, y: 0, width: 512, height: 512 });
        posted++;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // Stuck behind the paused reader: a few frames fill the socket buffers, the rest were never made.
    assert.ok(posted <= 6, `${posted} frames posted to a reader that does not read`);
    assert.ok(skipped >= 290, `${skipped} flushes skipped`);
    assert.equal(outlet.backlog(), 0, 'no frame bytes queue in the worker');
    // The frame waiting in the worker is copied once the socket takes it, and the reader gets
    // every frame that was posted, the last with the pixels of the last post.
    words.fill(999);
    main.socket.resume();
    await until('the posted frames', 20_000, () => main.received.length >= posted);
    await until('the frame to be free', 20_000, () => !outlet.busy());
    assert.equal(main.received.length, posted);
    const last = main.received.at(-1);
    assert.ok(last?.type === 'rect');
    const lastWord = new Uint32Array(last.pixels.buffer, last.pixels.byteOffset, 4)[0];
    assert.ok(lastWord === 999 || lastWord === posted, `last frame holds ${lastWord}`);
    main.socket.destroy();
  } finally {
    await outlet.dispose();
  }
});

test('plain messages for a stalled reader count as backlog; the fanout stops sending and replays once drained', { timeout: 60_000 }, async () => {
  const path = socketPath();
  const { outlet, connected } = await DisplayOutlet.listen(path);
  const replays: number[] = [];
  const fanout = new DisplayFanout((send) => {
    replays.push(Date.now());
    send({ type: 'mode', mode: 'graphics', width: 256, height: 256 });
  }, 4 * 1024 * 1024);
  try {
    const main = client(path);
    await connected;
    fanout.attach(outlet);
    main.socket.pause();
    const pixels = new Uint8Array(256 * 256 * 4);
    for (let index = 0; index < 200; index++) {
      fanout.post({ type: 'rect', x: 0, y: 0, width: 256, height: 256, pixels });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until('a backlog over the limit', 20_000, () => outlet.backlog() > 4 * 1024 * 1024);
    // 200 × 256 KiB were posted; the worker holds only what came before the viewer stalled.
    assert.ok(outlet.backlog() < 8 * 1024 * 1024, `backlog ${outlet.backlog()}`);
    main.socket.resume();
    await until('the backlog to drain', 20_000, () => outlet.backlog() === 0);
    fanout.post({ type: 'text-cursor', row: 0, col: 0, start: 0, end: 1, visible: true });
    assert.equal(replays.length, 2, 'the drained viewer got the whole screen again');
    await until('the replay', 20_000, () => main.received.at(-1)?.type === 'mode');
    main.socket.destroy();
  } finally {
    await outlet.dispose();
  }
});

test('dispose ends the worker, closes main\'s connection and leaves no socket file', { timeout: 60_000 }, async () => {
  const path = socketPath();
  const { outlet, connected } = await DisplayOutlet.listen(path);
  const main = client(path);
  await connected;
  const closedReasons: string[] = [];
  outlet.onClosed((reason) => closedReasons.push(reason));
  assert.ok(outlet.threadId > 0);
  await outlet.dispose();
  assert.equal(outlet.threadId, -1, 'the worker thread has ended');
  await main.closed;
  assert.equal(existsSync(path), false);

  // Disposed before main ever connected: the listening socket goes with it.
  const unused = socketPath();
  const second = await DisplayOutlet.listen(unused);
  assert.equal(existsSync(unused), true);
  await second.outlet.dispose();
  await assert.rejects(second.connected);
  assert.equal(existsSync(unused), false);
  assert.equal(second.outlet.threadId, -1);
});

test('main closing the socket or never connecting is reported as closed, with the socket file removed', { timeout: 60_000 }, async () => {
  const path = socketPath();
  const { outlet, connected } = await DisplayOutlet.listen(path);
  try {
    const closed = new Promise<string>((resolve) => outlet.onClosed(resolve));
    const main = client(path);
    await connected;
    main.socket.destroy();
    assert.match(await closed, /main closed the display socket/);
  } finally {
    await outlet.dispose();
  }
  const late = socketPath();
  const waiting = await DisplayOutlet.listen(late, 200);
  try {
    await assert.rejects(waiting.connected, /did not connect to the display socket within 200 ms/);
    assert.equal(existsSync(late), false);
  } finally {
    await waiting.outlet.dispose();
  }
});

test('the engine owns the display socket: disposing the engine ends the worker and removes the socket file', { timeout: 60_000 }, async () => {
  const engine = new Engine({ engine: 'v86', memoryMib: 16, runtimeDir: folder }, () => undefined);
  const path = socketPath();
  const { outlet, connected } = await DisplayOutlet.listen(path);
  connected.catch(() => undefined);
  engine.addCleanup(() => outlet.dispose());
  assert.equal(existsSync(path), true);
  await engine.dispose();
  assert.equal(outlet.threadId, -1, 'the worker thread has ended');
  assert.equal(existsSync(path), false);
});
