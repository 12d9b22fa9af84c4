/**
 * A whole-screen change is sent as the v86 screen's own frame buffer when the host copies pixels
 * inside `display` (the engine: its viewers serialize each message at once), so a guest that
 * repaints the whole screen costs no fresh frame-sized allocation per flush (at 1024×768 that
 * copy cost about as much as the structured clone itself). A host that keeps messages (no
 * `displayCopiesPixels`) still gets pixels of its own that later frames never change.
 * Real v86, a mode 13h guest repainting the whole screen in one colour per frame.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DisplayMessage, RectangleMessage } from '../../src/shared/protocol/display.js';
import { prepareV86Machine } from '../../src/emulator/v86/index.js';
import { RecordingHost, waitFor } from '../../src/emulator/v86/test-host.js';
import { repaintFloppy } from './repaint-guest.js';

const RECTS = 4;

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-lent-frame-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Whole-screen rectangles of a 320×200 mode 13h screen. */
const wholeScreen = (message: DisplayMessage): message is RectangleMessage =>
  message.type === 'rect' && message.x === 0 && message.y === 0 && message.width === 320 && message.height === 200;

/** Runs the repainting guest with `host` until it has been sent RECTS whole-screen rectangles. */
async function runUntilRects(host: RecordingHost, count: () => number): Promise<void> {
  const { machine } = await prepareV86Machine({ engine: 'v86', memoryMib: 16, floppy: repaintFloppy(dir, true), bootOrder: ['floppy'], runtimeDir: dir }, host);
  try {
    await machine.start();
    await waitFor(`${RECTS} whole-screen display rectangles`, () => (count() >= RECTS ? true : undefined), 120_000);
  } finally {
    await machine.dispose();
  }
}

/** Copies pixels inside `display`, as the engine's viewers do, and notes which buffer they came in. */
class CopyingHost extends RecordingHost {
  readonly displayCopiesPixels = true;
  readonly buffers: ArrayBufferLike[] = [];
  readonly copies: Uint8Array[] = [];

  override display(message: DisplayMessage): void {
    this.displayCount++;
    if (!wholeScreen(message)) return;
    this.buffers.push(message.pixels.buffer);
    this.copies.push(message.pixels.slice());
  }
}

test('whole-screen changes reach a copying host in the one frame buffer, not a copy per flush', async () => {
  const host = new CopyingHost();
  await runUntilRects(host, () => host.buffers.length);
  assert.equal(new Set(host.buffers).size, 1, `${host.buffers.length} whole-screen rectangles came in ${new Set(host.buffers).size} different buffers`);
  assert.equal(host.copies[0]?.byteLength, 320 * 200 * 4, 'the frame holds exactly the screen');
  // The lent buffer is live: the frames it carried differed (the guest changes colour each frame).
  assert.ok(host.copies.some((copy) => Buffer.compare(copy, host.copies[0] as Uint8Array) !== 0), 'the whole-screen rectangles all had the same pixels');
});

test('a host that keeps messages gets whole-screen pixels of its own, unchanged by later frames', async () => {
  const host = new RecordingHost();
  const kept: { pixels: Uint8Array; copy: Uint8Array }[] = [];
  const record = host.display.bind(host);
  host.display = (message: DisplayMessage): void => {
    record(message);
    if (wholeScreen(message)) kept.push({ pixels: message.pixels, copy: message.pixels.slice() });
  };
  await runUntilRects(host, () => kept.length);
  assert.equal(new Set(kept.map(({ pixels }) => pixels.buffer)).size, kept.length, 'whole-screen rectangles shared a buffer');
  for (const [index, { pixels, copy }] of kept.entries()) assert.equal(Buffer.compare(pixels, copy), 0, `rectangle ${index} changed after it was sent`);
});
