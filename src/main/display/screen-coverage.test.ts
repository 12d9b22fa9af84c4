import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScreenCoverage } from './screen-coverage.js';

const rect = (x: number, y: number, width: number, height: number) => ({ type: 'rect', x, y, width, height, pixels: new Uint8Array(width * height * 4) }) as const;

test('graphics: complete once every pixel has come, overlaps and out-of-screen parts counted once', () => {
  const coverage = new ScreenCoverage();
  assert.equal(coverage.complete, false, 'no mode yet');
  coverage.apply({ type: 'mode', mode: 'graphics', width: 4, height: 3 });
  assert.equal(coverage.complete, false, 'a new mode is blank');
  coverage.apply(rect(0, 0, 3, 3));
  coverage.apply(rect(1, 0, 2, 3));
  assert.equal(coverage.complete, false, 'column 3 is missing');
  coverage.apply(rect(3, -2, 5, 9));
  assert.equal(coverage.complete, true);
  coverage.apply({ type: 'mode', mode: 'graphics', width: 4, height: 3 });
  assert.equal(coverage.complete, false, 'every mode message starts over');
});

test('text: complete once every row has come; a stale row of another width does not count; off is never complete', () => {
  const coverage = new ScreenCoverage();
  coverage.apply({ type: 'mode', mode: 'text', cols: 80, rows: 3, width: 720, height: 48 });
  coverage.apply({ type: 'text', row: 0, rowCount: 2, cols: 80, cells: new Uint32Array(80 * 2 * 3) });
  coverage.apply({ type: 'text', row: 2, rowCount: 1, cols: 40, cells: new Uint32Array(40 * 3) });
  assert.equal(coverage.complete, false);
  coverage.apply(rect(0, 0, 720, 48));
  assert.equal(coverage.complete, false, 'pixels do not draw a text screen');
  coverage.apply({ type: 'text', row: 2, rowCount: 1, cols: 80, cells: new Uint32Array(80 * 3) });
  assert.equal(coverage.complete, true);
  coverage.apply({ type: 'mode', mode: 'off' });
  assert.equal(coverage.complete, false);
});
