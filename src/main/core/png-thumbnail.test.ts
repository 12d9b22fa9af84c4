import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { decodePng, thumbnailPng } from './png-thumbnail.js';

/** A PNG from pngjs (adaptive filters) with a left half red and a right half blue. */
function sample(width: number, height: number, colorType: 2 | 6): Buffer {
  const png = new PNG({ width, height, colorType });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      png.data[at] = x < width / 2 ? 255 : 0;
      png.data[at + 1] = (x * 7 + y * 3) & 0xff;
      png.data[at + 2] = x < width / 2 ? 0 : 255;
      png.data[at + 3] = 255;
    }
  }
  return PNG.sync.write(png, { colorType });
}

test('decodes RGB and RGBA PNGs with every filter pngjs picks', () => {
  for (const colorType of [2, 6] as const) {
    const image = decodePng(sample(37, 11, colorType));
    assert.deepEqual([image.width, image.height], [37, 11]);
    const at = (5 * 37 + 30) * 3;
    assert.deepEqual([...image.pixels.subarray(at, at + 3)], [0, (30 * 7 + 5 * 3) & 0xff, 255]);
  }
});

test('shrinks to the maximum width, keeping the aspect ratio and colours', () => {
  const thumbnail = PNG.sync.read(thumbnailPng(sample(720, 400, 6), 160));
  assert.deepEqual([thumbnail.width, thumbnail.height], [160, 89]);
  assert.deepEqual([...thumbnail.data.subarray(0, 1)], [255], 'left is red');
  const right = (10 * 160 + 150) * 4;
  assert.deepEqual([thumbnail.data[right], thumbnail.data[right + 2]], [0, 255], 'right is blue');
  const small = sample(100, 50, 2);
  assert.equal(thumbnailPng(small, 160), small, 'never enlarged');
  const notPng = Buffer.from('not a png');
  assert.equal(thumbnailPng(notPng, 160), notPng, 'what cannot be decoded passes through');
});
