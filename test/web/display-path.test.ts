/**
 * The display path from main's one copy of the screen, on a real v86 grub-rescue guest behind the
 * web shell: the one flow-control rule on the `/display` WebSocket (a viewer that acknowledges is
 * skipped while behind and then sent the whole current screen; one that does not gets every
 * message), and thumbnails drawn from main's copy without asking the engine (no `screendump`),
 * showing what the engine's own screendump shows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { PNG } from 'pngjs';
import { WebSocket } from 'ws';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { ScreenCache } from '../../src/main/display/screen-cache.js';
import { startWebShell } from '../../src/main/web/index.js';
import type { WebShell } from '../../src/main/web/index.js';
import { maxDisplayStreams } from '../../src/main/web/display-http-stream.js';
import { decodeDisplayMessage } from '../../src/shared/protocol/display-codec.js';
import { DisplayStreamReader } from '../../src/shared/protocol/display-stream.js';
import type { DisplayMessage } from '../../src/shared/protocol/display.js';
import { coreCalls } from '../support/core-calls.js';
import { until } from '../support/waiting.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const home = mkdtempSync(join(tmpdir(), 'hangar-display-path-'));
let core: HangarCore;
let shell: WebShell;
const { ok } = coreCalls(() => core);

/** A display WebSocket and every display message it got, decoded. */
class Viewer {
  readonly messages: DisplayMessage[] = [];
  /** Text frames (a stream's name, refusals). */
  readonly texts: string[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.messages.push(decodeDisplayMessage(new Uint8Array(data)));
      else this.texts.push(data.toString());
    });
  }

  static open(query = ''): Promise<Viewer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/display/grub?token=${shell.token}${query}`);
      const viewer = new Viewer(ws);
      ws.once('open', () => resolve(viewer));
      ws.once('error', reject);
    });
  }

  ack(): void {
    this.ws.send(JSON.stringify({ ack: this.messages.length }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** A viewer whose messages come on a display stream: its socket, and the stream's response once fetched. */
class StreamViewer {
  readonly messages: DisplayMessage[] = [];
  response: IncomingMessage | undefined;
  ended = false;
  private readonly reader = new DisplayStreamReader();

  constructor(
    readonly viewer: Viewer,
    readonly id: string,
  ) {}

  /** Opens a socket asking for a stream; resolves with the id its first text frame names. */
  static async open(): Promise<StreamViewer> {
    const viewer = await Viewer.open('&transport=stream');
    // The name may come with the upgrade's answer, before open() resolves: read it from the record.
    const first = await until(() => viewer.texts[0] ?? (viewer.messages.length > 0 ? '<binary>' : undefined), 'the stream\'s name', 10_000);
    const id = (JSON.parse(first) as { stream?: string }).stream;
    assert.match(id ?? '', /^[0-9a-f]{32}$/, `the first frame names a stream: ${first}`);
    return new StreamViewer(viewer, id as string);
  }

  /** Fetches the stream (with the session token); resolves with the HTTP status. */
  fetch(): Promise<number> {
    return new Promise((resolve, reject) => {
      get(`http://127.0.0.1:${shell.port}/display-stream/${this.id}?token=${shell.token}`, (response) => {
        if (response.statusCode === 200) {
          this.response = response;
          response.on('data', (chunk: Buffer) => this.messages.push(...this.reader.push(new Uint8Array(chunk))));
          response.on('end', () => (this.ended = true));
          response.on('error', () => (this.ended = true));
        } else response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject);
    });
  }
}

/** The whole screen a list of messages draws. */
function screenOf(messages: DisplayMessage[]): DisplayMessage[] {
  const cache = new ScreenCache();
  for (const message of messages) cache.apply(message);
  return cache.replay();
}

/** Waits until a viewer has received nothing new for `quietMs` (at most 20 s). */
async function settled(viewer: Viewer, quietMs: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let count = viewer.messages.length;
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error('the display did not settle within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (viewer.messages.length !== count) {
      count = viewer.messages.length;
      since = Date.now();
    }
  }
}

before(async () => {
  core = await HangarCore.open({ folder: join(home, 'library') });
  shell = await startWebShell({ core, rendererDir: join(home, 'no-renderer') });
  await ok('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, osId: 'grub', cdrom });
  await ok('vm.start', { id: 'grub' });
  await until(async () => {
    const text = await core.call('vm.execute', { id: 'grub', command: 'query-screen-text' });
    return text.ok && JSON.stringify(text.value).includes('GNU GRUB') ? true : undefined;
  }, 'the GRUB menu', 120_000);
});

after(async () => {
  await shell?.close();
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

test('thumbnails come from main\'s copy of the screen: no engine command, the same picture as screendump', async () => {
  const session = core.engineSession('grub');
  assert.ok(session);
  // Watch every command main sends this engine while thumbnails are made.
  const commands: string[] = [];
  const execute = session.execute.bind(session);
  const thumbnail = async (maxWidth?: number): Promise<PNG> => {
    session.execute = (name, args, timeoutMs) => {
      // The supervisor's watchdog asks query-status every 5 s whatever else happens; any command
      // that could fetch pixels (screendump, query-screen…) still counts.
      if (name !== 'query-status') commands.push(name);
      return execute(name, args, timeoutMs);
    };
    try {
      return PNG.sync.read(Buffer.from((await ok('vm.thumbnail', { id: 'grub', ...(maxWidth ? { maxWidth } : {}) })).png, 'base64'));
    } finally {
      session.execute = execute;
    }
  };
  const dump = async (): Promise<PNG> => {
    const file = join(home, 'screen.png');
    await ok('vm.execute', { id: 'grub', command: 'screendump', arguments: { filename: file } });
    return PNG.sync.read(readFileSync(file));
  };
  // The menu may still be drawing or its countdown ticking: compare when the engine's screen is
  // the same just before and just after the thumbnail (main's copy follows within a display flush).
  let compared: { engine: PNG; full: PNG } | undefined;
  for (let attempt = 0; attempt < 10 && !compared; attempt++) {
    const before = await dump();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const full = await thumbnail(4096);
    const after = await dump();
    if (before.data.equals(after.data)) compared = { engine: after, full };
  }
  assert.ok(compared, 'the guest screen never held still for a second');
  const { engine, full } = compared;
  assert.deepEqual(commands, [], 'a thumbnail asks the engine nothing');
  assert.deepEqual([full.width, full.height], [engine.width, engine.height], 'full size: the size of the guest screen');
  assert.ok(full.data.equals(engine.data), 'the same pixels as the engine\'s screendump');
  const small = await thumbnail();
  assert.equal(small.width, 160, 'the default thumbnail is 160 wide');
  assert.equal(small.height, Math.round((engine.height * 160) / engine.width), 'aspect ratio kept');
  assert.deepEqual(commands, []);
});

test('display WebSocket: a viewer that acknowledges is skipped while behind, then gets the whole current screen; others get every message', async (t) => {
  shell.displays.maxBehindBytes = 1;
  t.after(() => (shell.displays.maxBehindBytes = 16 << 20));
  const slow = await Viewer.open();
  const plain = await Viewer.open();
  t.after(() => Promise.all([slow.close(), plain.close()]));
  await until(() => (slow.messages.some((m) => m.type === 'text' || m.type === 'rect') ? true : undefined), 'the screen on the slow viewer', 30_000);
  await settled(slow, 300);
  slow.ack();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const slowBefore = slow.messages.length;
  const plainBefore = plain.messages.length;
  for (const key of ['down', 'up', 'down', 'up', 'down']) {
    await ok('vm.send-keys', { id: 'grub', keys: [key] });
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await until(() => (plain.messages.length >= plainBefore + 2 ? true : undefined), 'screen changes on the plain viewer', 30_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(slow.messages.length <= slowBefore + 1, `the viewer that is behind got ${slow.messages.length - slowBefore} messages, the plain one ${plain.messages.length - plainBefore}`);

  await settled(plain, 700);
  const caughtUpAt = slow.messages.length;
  slow.ack();
  await until(() => (slow.messages.slice(caughtUpAt).some((m) => m.type === 'mode') ? true : undefined), 'the whole screen after catching up', 10_000);
  // From here the slow viewer acknowledges all it gets: it must converge on what the plain one shows.
  const acknowledge = setInterval(() => slow.ack(), 50);
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      await settled(slow, 300);
      await settled(plain, 300);
      if (isDeepStrictEqual(screenOf(slow.messages), screenOf(plain.messages)) || Date.now() > deadline) break;
    }
  } finally {
    clearInterval(acknowledge);
  }
  assert.deepEqual(screenOf(slow.messages), screenOf(plain.messages), 'the catch-up shows the latest screen');
  const input = await new Promise<string>((resolve) => {
    slow.ws.once('message', (data: Buffer, isBinary: boolean) => resolve(isBinary ? '' : data.toString()));
    slow.ws.send(JSON.stringify({ ack: -1 }));
  });
  assert.match(input, /InvalidArgument.*ack/, 'a bad acknowledgement is refused, the socket stays open');
});

test('display stream: the socket names a one-time HTTP stream that carries the screen, follows acknowledgements and ends with the socket', async (t) => {
  const plain = await Viewer.open();
  const streamed = await StreamViewer.open();
  t.after(() => Promise.all([plain.close(), streamed.viewer.close()]));
  await until(() => (plain.messages.some((m) => m.type === 'text' || m.type === 'rect') ? true : undefined), 'the screen on the plain viewer', 30_000);
  assert.equal(streamed.viewer.messages.length, 0, 'a viewer waiting for its stream is sent nothing on its socket');
  assert.equal(await streamed.fetch(), 200);
  assert.equal(streamed.response?.headers['content-type'], 'application/octet-stream');
  assert.equal(await new StreamViewer(streamed.viewer, streamed.id).fetch(), 404, 'a stream is served once');
  assert.equal(await new StreamViewer(streamed.viewer, 'f'.repeat(32)).fetch(), 404, 'an id never offered is refused');
  await until(() => (streamed.messages.some((m) => m.type === 'mode') ? true : undefined), 'the whole screen on the stream', 10_000);
  // Input still goes on the socket: the menu moves on both viewers, and they agree.
  for (const key of ['down', 'up']) {
    await ok('vm.send-keys', { id: 'grub', keys: [key] });
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const deadline = Date.now() + 15_000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (isDeepStrictEqual(screenOf(streamed.messages), screenOf(plain.messages)) || Date.now() > deadline) break;
  }
  assert.deepEqual(screenOf(streamed.messages), screenOf(plain.messages), 'the stream draws what the socket viewer sees');
  assert.equal(streamed.viewer.messages.length, 0, 'nothing binary came on the streamed viewer\'s socket');

  // Flow control counts the stream: acknowledging nothing while behind stops it.
  shell.displays.maxBehindBytes = 1;
  t.after(() => (shell.displays.maxBehindBytes = 16 << 20));
  streamed.viewer.ws.send(JSON.stringify({ ack: 0 }));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = streamed.messages.length;
  const plainBefore = plain.messages.length;
  for (const key of ['down', 'up', 'down']) {
    await ok('vm.send-keys', { id: 'grub', keys: [key] });
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await until(() => (plain.messages.length >= plainBefore + 2 ? true : undefined), 'screen changes on the plain viewer', 30_000);
  assert.ok(streamed.messages.length <= before + 1, `a stream viewer behind got ${streamed.messages.length - before} more messages`);
  shell.displays.maxBehindBytes = 16 << 20;

  await streamed.viewer.close();
  await until(() => (streamed.ended ? true : undefined), 'the stream ending with its socket', 5_000);
});

test('display stream: past the limit viewers stay on their sockets; an abandoned stream closes its socket and makes room', async (t) => {
  const viewers: StreamViewer[] = [];
  t.after(() => Promise.all(viewers.map((viewer) => viewer.viewer.close())));
  for (let index = 0; index < maxDisplayStreams; index++) {
    const viewer = await StreamViewer.open();
    viewers.push(viewer);
    assert.equal(await viewer.fetch(), 200);
  }
  const extra = await Viewer.open('&transport=stream');
  t.after(() => extra.close());
  await until(() => extra.texts[0], 'the answer to a stream request past the limit', 10_000);
  assert.equal(extra.texts[0], '{"stream":null}', 'past the limit no stream is offered');
  await until(() => (extra.messages.some((m) => m.type === 'mode') ? true : undefined), 'the whole screen on the socket of a viewer past the limit', 10_000);
  // Ending one stream (the page gave up on it) closes its socket too and makes room again.
  const closed = new Promise<number>((resolve) => viewers[0]?.viewer.ws.once('close', (code) => resolve(code)));
  viewers[0]?.response?.destroy();
  assert.equal(await closed, 1001, 'the socket of an abandoned stream is closed');
  const again = await StreamViewer.open();
  viewers.push(again);
  assert.equal(await again.fetch(), 200);
});
