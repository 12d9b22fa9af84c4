import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { screenImage, screenThumbnail, shrink } from './screen-thumbnail.js';
import { ScreenCache } from './screen-cache.js';

/** A screen source with nothing but main's copy: there is no engine to ask. */
function sourceOf(messages: DisplayMessage[]): { cache: ScreenCache; onDisplay(): () => void; screen(): DisplayMessage[] } {
  const cache = new ScreenCache();
  for (const message of messages) cache.apply(message);
  return { cache, onDisplay: () => () => undefined, screen: () => cache.replay() };
}

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
