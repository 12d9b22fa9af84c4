import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScreenCache } from './screen-cache.js';

test('text mode: replay is the mode, font, every row as last written, and the cursor', () => {
  const cache = new ScreenCache();
  assert.deepEqual(cache.replay(), [], 'nothing before the first mode');
  cache.apply({ type: 'mode', mode: 'text', cols: 2, rows: 3, width: 16, height: 48 });
  cache.apply({ type: 'font', width: 8, height: 16, glyphCount: 1, bitmap: new Uint8Array(16) });
  cache.apply({ type: 'text', row: 1, rowCount: 1, cols: 2, cells: Uint32Array.from([65, 7, 0, 66, 7, 0]) });
  cache.apply({ type: 'text', row: 2, rowCount: 5, cols: 2, cells: Uint32Array.from([67, 7, 0, 68, 7, 0, 1, 1, 1, 1, 1, 1]) });
  cache.apply({ type: 'text', row: 0, rowCount: 1, cols: 80, cells: new Uint32Array(240) });
  cache.apply({ type: 'text-cursor', row: 1, col: 1, start: 14, end: 15, visible: true });
  const replay = cache.replay();
  assert.deepEqual(replay.map((m) => m.type), ['mode', 'font', 'text', 'text-cursor']);
  const text = replay[2];
  assert.ok(text?.type === 'text');
  assert.equal(text.rowCount, 3);
  assert.deepEqual([...text.cells], [0, 0, 0, 0, 0, 0, 65, 7, 0, 66, 7, 0, 67, 7, 0, 68, 7, 0], 'rows past the screen and rows of another width are ignored');
});

test('graphics mode: rectangles are composed into one full-screen rectangle; a mode change starts over', () => {
  const cache = new ScreenCache();
  cache.apply({ type: 'mode', mode: 'graphics', width: 4, height: 2 });
  cache.apply({ type: 'pointer-mode', absolute: true });
  cache.apply({ type: 'rect', x: 1, y: 1, width: 2, height: 1, pixels: Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255]) });
  cache.apply({ type: 'rect', x: 3, y: 0, width: 2, height: 2, pixels: new Uint8Array(16).fill(9) });
  cache.apply({ type: 'cursor-sprite', visible: true, width: 1, height: 1, hotX: 0, hotY: 0, pixels: Uint8Array.from([0, 0, 0, 255]) });
  const replay = cache.replay();
  assert.deepEqual(replay.map((m) => m.type), ['mode', 'pointer-mode', 'rect', 'cursor-sprite']);
  const rect = replay[2];
  assert.ok(rect?.type === 'rect');
  assert.deepEqual([rect.x, rect.y, rect.width, rect.height], [0, 0, 4, 2]);
  const pixel = (x: number, y: number): number[] => [...rect.pixels.subarray((y * 4 + x) * 4, (y * 4 + x) * 4 + 4)];
  assert.deepEqual(pixel(1, 1), [1, 2, 3, 255]);
  assert.deepEqual(pixel(2, 1), [4, 5, 6, 255]);
  assert.deepEqual(pixel(3, 0), [9, 9, 9, 9], 'a rectangle crossing the edge is clipped');
  assert.deepEqual(pixel(0, 0), [0, 0, 0, 0]);
  cache.apply({ type: 'mode', mode: 'graphics', width: 2, height: 2 });
  const fresh = cache.replay()[2];
  assert.ok(fresh?.type === 'rect');
  assert.deepEqual([...fresh.pixels], new Array(16).fill(0));
});

test('graphics mode: full-screen frames are not copied until the screen is read, and it is read right', () => {
  const cache = new ScreenCache();
  cache.apply({ type: 'mode', mode: 'graphics', width: 4, height: 2 });
  const frame = (value: number): Uint8Array => new Uint8Array(4 * 2 * 4).fill(value);
  cache.apply({ type: 'rect', x: 1, y: 0, width: 1, height: 1, pixels: Uint8Array.from([7, 7, 7, 7]) });
  for (let value = 1; value <= 30; value++) cache.apply({ type: 'rect', x: 0, y: 0, width: 4, height: 2, pixels: frame(value) });
  assert.equal(cache.copiedBytes, 0, 'thirty full-screen frames, each hiding the one before: nothing copied yet');
  cache.apply({ type: 'rect', x: 2, y: 1, width: 1, height: 1, pixels: Uint8Array.from([5, 6, 7, 8]) });
  const rect = cache.replay()[1];
  assert.ok(rect?.type === 'rect');
  assert.equal(cache.copiedBytes, 4 * 2 * 4 + 4, 'read: the last frame and the rectangle after it, once');
  const pixel = (x: number, y: number): number[] => [...rect.pixels.subarray((y * 4 + x) * 4, (y * 4 + x) * 4 + 4)];
  assert.deepEqual(pixel(1, 0), [30, 30, 30, 30], 'the frame hides the rectangle before it');
  assert.deepEqual(pixel(2, 1), [5, 6, 7, 8], 'the rectangle after the frame shows');
  assert.deepEqual(pixel(3, 1), [30, 30, 30, 30]);
  cache.replay();
  assert.equal(cache.copiedBytes, 4 * 2 * 4 + 4, 'nothing new: nothing copied again');
});

test('graphics mode: rectangles kept uncopied stay bounded; a mode change drops them', () => {
  const cache = new ScreenCache();
  cache.apply({ type: 'mode', mode: 'graphics', width: 16, height: 16 });
  // One-pixel rectangles: at most a screen's worth of bytes or 64 rectangles wait uncopied.
  for (let index = 0; index < 1000; index++) cache.apply({ type: 'rect', x: index % 16, y: (index >> 4) % 16, width: 1, height: 1, pixels: Uint8Array.from([index & 0xff, 1, 2, 255]) });
  assert.ok(cache.copiedBytes >= (1000 - 65) * 4, `copied as they pile up (${cache.copiedBytes} bytes)`);
  const rect = cache.replay()[1];
  assert.ok(rect?.type === 'rect');
  const last = 999;
  const at = (((last >> 4) % 16) * 16 + (last % 16)) * 4;
  assert.deepEqual([...rect.pixels.subarray(at, at + 4)], [last & 0xff, 1, 2, 255]);
  cache.apply({ type: 'rect', x: 0, y: 0, width: 16, height: 16, pixels: new Uint8Array(16 * 16 * 4).fill(3) });
  cache.apply({ type: 'mode', mode: 'graphics', width: 2, height: 1 });
  const fresh = cache.replay()[1];
  assert.ok(fresh?.type === 'rect');
  assert.deepEqual([...fresh.pixels], new Array(8).fill(0), 'a frame from before the mode change is not drawn into the new mode');
});

test('the copy holds the pooled buffers of the rectangles it keeps, and lets go once they are hidden or copied in', async () => {
  const { DisplayBuffers } = await import('../../shared/display/display-buffers.js');
  const buffers = new DisplayBuffers();
  const cache = new ScreenCache((message) => buffers.retain(message));
  cache.apply({ type: 'mode', mode: 'graphics', width: 256, height: 128 });
  const frame = (fill: number): Uint8Array => {
    const body = buffers.take(256 * 128 * 4);
    body.fill(fill);
    cache.apply({ type: 'rect', x: 0, y: 0, width: 256, height: 128, pixels: body });
    buffers.release(body); // delivered: the reader's own hold ends
    return body;
  };
  const first = frame(1);
  assert.equal(buffers.inUse, 1, 'the kept rectangle stays held');
  const second = frame(2);
  assert.notEqual(second.buffer, first.buffer, 'the first was still held when the second was read');
  assert.equal(buffers.inUse, 1, 'the hidden first one is let go');
  const third = frame(3);
  assert.equal(third.buffer, first.buffer, 'and reused for the third');
  const replay = cache.replay();
  assert.equal(buffers.inUse, 0, 'copied in on replay: nothing held');
  const rect = replay.find((message) => message.type === 'rect');
  assert.ok(rect?.type === 'rect' && rect.pixels.every((value) => value === 3));
});
