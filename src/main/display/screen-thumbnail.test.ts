import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { screenImage, screenThumbnail, shrink } from './screen-thumbnail.js';
import { ScreenCache } from './screen-cache.js';

/** A screen source with nothing but main's copy (there is no engine to ask); a subscriber gets the copy first, as from an engine session. */
function sourceOf(messages: DisplayMessage[]): { cache: ScreenCache; onDisplay(listener: (message: DisplayMessage) => void): () => void; screen(): DisplayMessage[] } {
  const cache = new ScreenCache();
  for (const message of messages) cache.apply(message);
  return {
    cache,
    onDisplay: (listener) => {
      for (const message of cache.replay()) listener(message);
      return () => undefined;
    },
    screen: () => cache.replay(),
  };
}

/**
 * An engine session's display as main sees it: nothing until the first subscriber attaches the
 * display, then the engine's messages one at a time (`deliver`), each into the copy first.
 */
function attachingSource(): { deliver(message: DisplayMessage): void; attached(): boolean; onDisplay(listener: (message: DisplayMessage) => void): () => void; screen(): DisplayMessage[] } {
  const cache = new ScreenCache();
  const listeners = new Set<(message: DisplayMessage) => void>();
  let attached = false;
  return {
    deliver(message) {
      cache.apply(message);
      for (const listener of listeners) listener(message);
    },
    attached: () => attached,
    onDisplay(listener) {
      if (attached) for (const message of cache.replay()) listener(message);
      attached = true;
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    screen: () => cache.replay(),
  };
}

/** Whether any pixel of a decoded PNG is not black. */
function lit(png: Buffer): boolean {
  const { data } = PNG.sync.read(png);
  for (let at = 0; at < data.length; at += 4) if ((data[at] ?? 0) + (data[at + 1] ?? 0) + (data[at + 2] ?? 0) > 0) return true;
  return false;
}

test('the first thumbnail after the display is attached waits for the screen, not the blank a mode starts as', async () => {
  const source = attachingSource();
  const cells = Uint32Array.from([0xdb, 0xffffff, 0x0000ff, 0xdb, 0xffffff, 0x0000ff]);
  const pending = screenThumbnail(source, 160, 10_000);
  assert.ok(source.attached(), 'asking for a thumbnail attaches the display');
  // The engine sends the mode, then (a moment later, as separate messages) the content.
  source.deliver({ type: 'mode', mode: 'text', cols: 2, rows: 2, width: 16, height: 32 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  source.deliver({ type: 'text', row: 0, rowCount: 1, cols: 2, cells });
  await new Promise((resolve) => setTimeout(resolve, 20));
  source.deliver({ type: 'text', row: 1, rowCount: 1, cols: 2, cells });
  const png = await pending;
  assert.ok(png);
  assert.ok(lit(png), 'the thumbnail shows the text, not a black screen');
  // Graphics: a mode switch, then the frame in two strips.
  const strip = (y: number): DisplayMessage => ({ type: 'rect', x: 0, y, width: 64, height: 16, pixels: new Uint8Array(64 * 16 * 4).fill(200) });
  source.deliver({ type: 'mode', mode: 'graphics', width: 64, height: 32 });
  const next = screenThumbnail(source, 160, 10_000);
  source.deliver(strip(0));
  await new Promise((resolve) => setTimeout(resolve, 20));
  source.deliver(strip(16));
  const frame = await next;
  assert.ok(frame);
  const decoded = PNG.sync.read(frame);
  assert.deepEqual([...decoded.data.subarray(decoded.data.length - 4, decoded.data.length - 1)], [200, 200, 200], 'the bottom strip is in the thumbnail');
});

test('a screen that never arrives in full: after the wait, what did arrive', async () => {
  const source = attachingSource();
  const pending = screenThumbnail(source, 160, 100);
  source.deliver({ type: 'mode', mode: 'graphics', width: 4, height: 4 });
  source.deliver({ type: 'rect', x: 0, y: 0, width: 4, height: 1, pixels: new Uint8Array(16).fill(255) });
  const png = await pending;
  assert.ok(png);
  assert.deepEqual([PNG.sync.read(png).width, PNG.sync.read(png).height], [4, 4]);
});

test('a thumbnail waiting for a first screen stops waiting when the engine ends', async () => {
  const source = attachingSource();
  const endListeners = new Set<() => void>();
  const ending = { ...source, onEnd: (listener: () => void) => (endListeners.add(listener), () => endListeners.delete(listener)) };
  const started = Date.now();
  const pending = screenThumbnail(ending, 160, 60_000);
  source.deliver({ type: 'mode', mode: 'graphics', width: 4, height: 4 });
  assert.equal(endListeners.size, 1, 'the wait follows the engine');
  for (const listener of endListeners) listener();
  const png = await pending;
  assert.ok(Date.now() - started < 5_000, 'answered when the engine ended, not after the wait');
  assert.ok(png, 'what arrived (the mode) is drawn');
  assert.equal(endListeners.size, 0, 'nothing is left subscribed');
});

test('graphics: the thumbnail is the frame buffer shrunk, aspect ratio and colours kept', async () => {
  const width = 720;
  const height = 400;
  const pixels = new Uint8Array(width * height * 4);
  for (let at = 0; at < pixels.length; at += 4) {
    const left = (at / 4) % width < width / 2;
    pixels.set(left ? [255, 0, 0, 255] : [0, 0, 255, 255], at);
  }
  const png = await screenThumbnail(sourceOf([{ type: 'mode', mode: 'graphics', width, height }, { type: 'rect', x: 0, y: 0, width, height, pixels }]), 160);
  assert.ok(png);
  const thumbnail = PNG.sync.read(png);
  assert.deepEqual([thumbnail.width, thumbnail.height], [160, 89]);
  assert.deepEqual([...thumbnail.data.subarray(0, 4)], [255, 0, 0, 255], 'left is red');
  const right = (10 * 160 + 150) * 4;
  assert.deepEqual([...thumbnail.data.subarray(right, right + 4)], [0, 0, 255, 255], 'right is blue');
});

test('text: rendered with the guest font, then shrunk; never enlarged', async () => {
  // Glyph 1: its top-left pixel set; 2 columns × 1 row of 8×2 cells.
  const font = { type: 'font', width: 8, height: 2, glyphCount: 2, bitmap: Uint8Array.from([0, 0, 0x80, 0]) } as const;
  const messages: DisplayMessage[] = [
    { type: 'mode', mode: 'text', cols: 2, rows: 1, width: 16, height: 2 },
    font,
    { type: 'text', row: 0, rowCount: 1, cols: 2, cells: Uint32Array.from([1, 0xff0000, 0x0000ff, 0, 0xffffff, 0x00ff00]) },
  ];
  const image = screenImage(sourceOf(messages).screen());
  assert.ok(image);
  assert.deepEqual([image.width, image.height], [16, 2]);
  assert.deepEqual([...image.pixels.subarray(0, 8)], [255, 0, 0, 255, 0, 0, 255, 255], 'glyph bit in the foreground, the rest background');
  const png = await screenThumbnail(sourceOf(messages), 160);
  assert.ok(png);
  const decoded = PNG.sync.read(png);
  assert.deepEqual([decoded.width, decoded.height], [16, 2], 'smaller than the thumbnail: drawn at its own size');
  assert.deepEqual([...decoded.data], [...image.pixels]);
  const half = shrink(image, 8);
  assert.deepEqual([half.width, half.height], [8, 1]);
});

test('no screen yet: undefined after the wait, never an error', async () => {
  assert.equal(screenImage([]), undefined);
  assert.equal(screenImage([{ type: 'mode', mode: 'off' }]), undefined);
  assert.equal(await screenThumbnail(sourceOf([]), 160, 50), undefined);
});
