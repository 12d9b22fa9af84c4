/**
 * Compressed display frames end to end: the VM page in headless Chromium with the display
 * forced compressed (`?display-encoding=deflate`, what a viewer not on loopback gets by default)
 * paints the same pixels as a page on loopback's default (raw), on the display stream and on the
 * socket, on a real QEMU guest that draws full-screen 32-bit graphics (bench/display-guest.ts:
 * gradients, so every rectangle goes through the delta filter and DEFLATE) — and the compressed
 * page really was sent compressed envelopes. And a compressed viewer that falls behind is skipped and then sent the whole
 * current screen, like every viewer (flow control counts what it was sent before compression).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { displayGuestFloppy } from '../../bench/display-guest.js';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { DisplayInflater } from '../../src/renderer/platform/display-inflate.js';
import { decodeDisplayMessage, deflateEnvelopeCode } from '../../src/shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../src/shared/protocol/display.js';
import { canvasHash, openWebSession, until, type WebSession } from '../support/web-e2e.js';
import { buildRenderer } from '../ui/harness.js';


/** Where screenshots go when HANGAR_SHOTS names a folder (for a person to look at). */
const shots = process.env.HANGAR_SHOTS;

/** Binary display messages a page received, by kind, and their bytes on the wire. */
interface Received {
  envelopes: number;
  plain: number;
  bytes: number;
}

let work: string;
let core: HangarCore;
let session: WebSession;
let machineId: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'hangar-remote-display-'));
  const rendererDir = join(work, 'renderer');
  await buildRenderer(rendererDir);
  core = await HangarCore.open({ folder: join(work, 'home') });
  const floppy = displayGuestFloppy(work, 640, 480);
  const created = await core.call('machines.create', { name: 'gradients', engine: 'qemu', memoryMib: 16, floppy, bootOrder: ['floppy'] });
  assert.ok(created.ok, JSON.stringify(created));
  machineId = (created.value as { id: string }).id;
  const started = await core.call('vm.start', { id: machineId });
  assert.ok(started.ok, JSON.stringify(started));
  session = await openWebSession(core, rendererDir, { viewport: { width: 1000, height: 760 } });
});

after(async () => {
  await session?.close();
  await core?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Opens the VM page with `query` added to the shell's URL, counting the display socket's binary messages. */
async function openVmPage(query: string): Promise<{ page: Page; received: Received }> {
  const page = await session.context.newPage();
  const received: Received = { envelopes: 0, plain: 0, bytes: 0 };
  page.on('websocket', (socket) => {
    if (!socket.url().includes('/display/')) return;
    socket.on('framereceived', ({ payload }) => {
      if (typeof payload === 'string') return;
      received.bytes += payload.byteLength;
      if (payload[0] === deflateEnvelopeCode) received.envelopes++;
      else received.plain++;
    });
  });
  await page.goto(`${session.shell.url}${query}#/vm/${encodeURIComponent(machineId)}`, { timeout: 60_000 });
  try {
    await until('the guest on the canvas', () => canvasHash(page), (hash) => hash !== 'none' && Number(hash.split(':')[1]) > 10_000, 60_000);
  } catch (error) {
    // Seen once in CI (a black 640×480 canvas for 60 s), never here: say what the page and the engine show.
    const text = (await page.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText).catch(() => '')).slice(0, 600);
    const thumbnail = await core.call('vm.thumbnail', { id: machineId });
    const file = core.library.layout.logFile(machineId, 'engine');
    const log = existsSync(file) ? readFileSync(file, 'utf8').slice(-2500) : '(no engine log)';
    throw new Error(`${(error as Error).message}\npage (${query || 'raw'}): ${JSON.stringify(received)} ${text}\nthumbnail: ${thumbnail.ok ? 'ok' : JSON.stringify(thumbnail.error)}\nengine log (end):\n${log}`);
  }
  return { page, received };
}

test('a page sent compressed frames paints the same pixels as one sent raw pixels, on the display stream and on the socket', async () => {
  // The loopback default (no parameter: the page asks for `auto` and a display stream), forced
  // compression on the stream, and forced compression on the socket (where a test can count frames).
  const raw = await openVmPage('');
  const compressed = await openVmPage('&display-encoding=deflate');
  const counted = await openVmPage('&display-encoding=deflate&display-transport=socket');
  const pages = [raw, compressed, counted];
  // Stop the animation: all must then settle on the same final frame.
  const stopped = await core.call('vm.send-keys', { id: machineId, keys: ['spc'] });
  assert.ok(stopped.ok, JSON.stringify(stopped));
  const hashes = async (): Promise<string[]> => Promise.all(pages.map(({ page }) => canvasHash(page)));
  const settled = await until(
    'every page to show the same still frame',
    async () => {
      const first = await hashes();
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { first, second: await hashes() };
    },
    ({ first, second }) => first.every((hash, index) => hash === second[index] && hash === second[0]),
    60_000,
    0,
  );
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await raw.page.screenshot({ path: join(shots, 'remote-display-raw.png') });
    await compressed.page.screenshot({ path: join(shots, 'remote-display-deflate.png') });
  }
  assert.match(settled.second[0] as string, /^640x480:/);
  assert.equal(raw.received.bytes + compressed.received.bytes, 0, 'pages on the display stream get nothing binary on their sockets');
  assert.ok(counted.received.envelopes > 0, 'the compressed page was sent compressed envelopes');
  // Per message the compressed page needs a small fraction of a raw frame's bytes (gradients filter to constants).
  const perMessage = counted.received.bytes / Math.max(1, counted.received.envelopes + counted.received.plain);
  assert.ok(perMessage * 10 < 640 * 480 * 4, `bytes per message: compressed ${perMessage}, a raw frame ${640 * 480 * 4}`);
  for (const { page } of pages) await page.close();
});

test('a compressed viewer that is behind is skipped, then sent the whole current screen (coalesced, never queued)', async (t) => {
  const { shell } = session;
  shell.displays.maxBehindBytes = 1;
  t.after(() => (shell.displays.maxBehindBytes = 16 << 20));
  // The first test stopped the animation: start it again, so frames keep coming.
  const animating = await core.call('vm.send-keys', { id: machineId, keys: ['spc'] });
  assert.ok(animating.ok, JSON.stringify(animating));
  const decoded: DisplayMessage[] = [];
  let received = 0;
  let envelopes = 0;
  const inflater = new DisplayInflater((bytes) => decoded.push(decodeDisplayMessage(bytes)));
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/display/${encodeURIComponent(machineId)}?token=${shell.token}&encoding=deflate`);
  t.after(() => {
    inflater.close();
    ws.terminate();
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    received++;
    if (data[0] === deflateEnvelopeCode) envelopes++;
    inflater.push(new Uint8Array(data));
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the display socket did not open within 10 s')), 10_000);
    ws.once('open', () => (clearTimeout(timer), resolve(undefined)));
    ws.once('error', reject);
  });
  // Acknowledging nothing yet: from here the viewer is behind by all it was sent.
  ws.send(JSON.stringify({ ack: 0 }));
  await until('the whole screen', async () => decoded.length, (count) => count > 0 && decoded.some((message) => message.type === 'rect'), 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const skippedFrom = received;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  assert.ok(received <= skippedFrom + 1, `a viewer that is behind got ${received - skippedFrom} more messages while the guest animated`);
  // Its only viewer far behind, main stops reading the engine's display socket (sampling one
  // message every 250 ms), so the engine holds its frames back instead of sending them to be dropped.
  await until('main to pause reading the display', async () => core.engineSession(machineId)?.displayReadPaused === true, (paused) => paused, 5_000, 20);
  // Caught up: the whole current screen (its mode first), then frames again as it keeps acknowledging.
  await until('every message inflated', async () => decoded.length, (count) => count === received, 30_000);
  const caughtUpAt = decoded.length;
  const acknowledge = setInterval(() => ws.send(JSON.stringify({ ack: decoded.length })), 50);
  t.after(() => clearInterval(acknowledge));
  await until('the whole screen after catching up, and frames after it', async () => decoded.slice(caughtUpAt).map((message) => message.type), (types) => types[0] === 'mode' && types.filter((type) => type === 'rect').length > 5, 30_000);
  assert.ok(envelopes > 0, 'the viewer was sent compressed envelopes');
});
