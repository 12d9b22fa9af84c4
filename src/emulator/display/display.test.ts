import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { crc32, encodePng, encodePpm } from './png.js';
import { clipRect, extractRect, unionRect } from './rect.js';
import { renderTextScreen } from './text-render.js';

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

test('encodePng writes a PNG that decodes to the same pixels', () => {
  const width = 3;
  const height = 2;
  const rgba = new Uint8Array(width * height * 4).map((_, i) => (i * 37) & 0xff);
  const png = PNG.sync.read(encodePng(width, height, rgba));
  assert.equal(png.width, width);
  assert.equal(png.height, height);
  assert.deepEqual(new Uint8Array(png.data), rgba);
  assert.throws(() => encodePng(0, 1, rgba), /positive/);
  assert.throws(() => encodePng(10, 10, rgba), /too short/);
});

test('encodePpm writes a P6 header and RGB bytes', () => {
  const ppm = encodePpm(1, 1, new Uint8Array([1, 2, 3, 4]));
  assert.equal(ppm.toString('latin1'), 'P6\n1 1\n255\n\x01\x02\x03');
});

test('rectangles extract, join and clip', () => {
  const frame = new Uint8Array(4 * 4 * 4).map((_, i) => i);
  const part = extractRect(frame, 4, { x: 1, y: 2, width: 2, height: 1 });
  assert.deepEqual([...part], [36, 37, 38, 39, 40, 41, 42, 43]);
  assert.deepEqual(unionRect({ x: 0, y: 0, width: 1, height: 1 }, { x: 2, y: 3, width: 1, height: 1 }), { x: 0, y: 0, width: 3, height: 4 });
  assert.deepEqual(clipRect({ x: -1, y: 2, width: 3, height: 5 }, 4, 4), { x: 0, y: 2, width: 2, height: 2 });
  assert.equal(clipRect({ x: 5, y: 0, width: 1, height: 1 }, 4, 4), undefined);
});

test('renderTextScreen draws glyph bits in the foreground colour', () => {
  // A 2-glyph 8×2 font: glyph 1 has its leftmost pixel set on row 0.
  const font = { width: 8, height: 2, glyphCount: 2, bitmap: new Uint8Array([0, 0, 0x80, 0]) };
  const cells = new Uint32Array([1, 0xff0000, 0x0000ff, 0, 0xffffff, 0x00ff00]);
  const image = renderTextScreen({ cols: 2, rows: 1, cells }, font);
  assert.equal(image.width, 16);
  assert.equal(image.height, 2);
  assert.deepEqual([...image.pixels.subarray(0, 8)], [255, 0, 0, 255, 0, 0, 255, 255]);
  assert.deepEqual([...image.pixels.subarray(8 * 4, 8 * 4 + 4)], [0, 255, 0, 255]);
});
