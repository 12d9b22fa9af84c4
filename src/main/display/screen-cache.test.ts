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
