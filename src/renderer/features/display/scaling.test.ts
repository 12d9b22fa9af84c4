import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeLayout, imageRendering } from './scaling.js';

const base = { guestWidth: 640, guestHeight: 400, boxWidth: 1000, boxHeight: 700, devicePixelRatio: 1 };

test('whole device pixels per guest pixel are pixel-exact; any other scale is filtered', () => {
  for (const dpr of [1, 1.25, 1.5, 2]) {
    const native = computeLayout({ ...base, devicePixelRatio: dpr, mode: 'native' });
    assert.equal(native.smooth, false, `1:1 at DPR ${dpr}`);
    assert.equal(imageRendering(native), 'pixelated');
    const integer = computeLayout({ ...base, boxWidth: 2000, boxHeight: 2000, devicePixelRatio: dpr, mode: 'integer' });
    assert.equal(integer.smooth, false, `integer at DPR ${dpr}`);
    assert.equal((integer.cssWidth * dpr) % 640, 0);
  }
  const shrunk = computeLayout({ ...base, boxWidth: 500, mode: 'fit' });
  assert.equal(shrunk.smooth, true, 'fit to 500 of 640 pixels');
  assert.equal(imageRendering(shrunk), 'auto');
  assert.equal(computeLayout({ ...base, boxWidth: 900, mode: 'fit' }).smooth, true, 'fit enlarging by a fraction');
  // Fit that happens to land on ×2 (1280×800 device px in a 640×400 CSS box at DPR 2) stays exact.
  assert.equal(computeLayout({ ...base, boxWidth: 640, boxHeight: 400, devicePixelRatio: 2, mode: 'fit' }).smooth, false);
  // At DPR 1.25, "1:1" is 512 CSS px: still one guest pixel per device pixel.
  assert.equal(computeLayout({ ...base, devicePixelRatio: 1.25, mode: 'native' }).cssWidth, 512);
});
