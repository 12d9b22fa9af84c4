/**
 * Display scaling in real Chromium at device-pixel ratios 1, 1.25, 1.5 and 2: the drawn size
 * lands on whole device pixels; integer device-pixel scales are drawn pixel-exact (every guest
 * pixel an exact block of device pixels) and fractional ones smoothly filtered (a one-pixel
 * checkerboard shrunk by "fit" becomes grey, not a nearest-neighbour mess of black and white);
 * a guest screen larger than the window scrolls in 1:1 and integer modes, with both edges
 * reachable. The checks read the page's own device pixels (a screenshot at device scale).
 * Screenshots of each go to SCREENSHOT_DIR.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { openComponentPage, pageErrors, SCREENSHOT_DIR, startHarness } from './harness.js';
import type { UiHarness } from './harness.js';

/** The few browser globals the page functions below use (test files compile without the DOM library). */
interface PageElement {
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  scrollLeft: number;
  scrollTop: number;
  readonly style: { imageRendering: string };
  getBoundingClientRect(): { left: number; top: number; right: number; bottom: number; width: number; height: number };
}
declare const document: { querySelector(selector: string): PageElement | null };
declare function getComputedStyle(element: PageElement): { imageRendering: string };

const GUEST_W = 640;
const GUEST_H = 400;


interface ViewFacts {
  readonly canvas: { left: number; top: number; right: number; bottom: number; width: number; height: number };
  readonly box: { left: number; top: number; right: number; bottom: number };
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  readonly imageRendering: string;
}

/** Layout facts of the mounted display: canvas and box rectangles, scroll extents, image-rendering. */
function facts(page: Page): Promise<ViewFacts> {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="guest-canvas"]');
    const box = document.querySelector('[role="application"]');
    if (!canvas || !box) throw new Error('No display is mounted.');
    const c = canvas.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    return {
      canvas: { left: c.left, top: c.top, right: c.right, bottom: c.bottom, width: c.width, height: c.height },
      box: { left: b.left, top: b.top, right: b.right, bottom: b.bottom },
      scrollWidth: box.scrollWidth,
      clientWidth: box.clientWidth,
      scrollHeight: box.scrollHeight,
      clientHeight: box.clientHeight,
      imageRendering: getComputedStyle(canvas).imageRendering,
    };
  });
}

function scrollBox(page: Page, where: 'start' | 'end'): Promise<void> {
  return page.evaluate((to) => {
    const box = document.querySelector('[role="application"]');
    if (!box) throw new Error('No display is mounted.');
    box.scrollLeft = to === 'start' ? 0 : box.scrollWidth;
    box.scrollTop = to === 'start' ? 0 : box.scrollHeight;
  }, where);
}

async function mount(page: Page, scaling: string, width: number, height: number): Promise<ViewFacts> {
  await page.evaluate((o) => (globalThis as unknown as { hangarTest: { mountDisplay(o: unknown): void } }).hangarTest.mountDisplay(o), { scaling, width, height });
  // Drawn in the page (a megabyte of pixels is slow to pass in): a one-pixel black/white
  // checkerboard with a red 8×8 block at each corner, to find the edges.
  await page.evaluate(
    ([w, h]) => {
      const pixels = new Uint8Array(w * h * 4);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const at = (y * w + x) * 4;
          const corner = (x < 8 || x >= w - 8) && (y < 8 || y >= h - 8);
          const level = (x + y) % 2 === 0 ? 255 : 0;
          pixels.set(corner ? [255, 0, 0, 255] : [level, level, level, 255], at);
        }
      }
      const api = (globalThis as unknown as { hangarTest: { push(m: unknown[]): void } }).hangarTest;
      api.push([
        { type: 'mode', mode: 'graphics', width: w, height: h },
        { type: 'rect', x: 0, y: 0, width: w, height: h, pixels },
      ]);
    },
    [GUEST_W, GUEST_H] as const,
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await facts(page);
    if (now.canvas.width > 1) return now;
    if (Date.now() > deadline) throw new Error(`The ${scaling} display was never laid out: ${JSON.stringify(now)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The top-left `width`×`height` CSS px of the page (where the display box is) as device pixels. */
async function devicePixels(page: Page, name: string, width: number, height: number): Promise<PNG> {
  const buffer = await page.screenshot({ scale: 'device', clip: { x: 0, y: 0, width, height }, path: join(SCREENSHOT_DIR, `${name}.png`) });
  return PNG.sync.read(buffer);
}

function rgbAt(png: PNG, x: number, y: number): [number, number, number] {
  const at = (Math.floor(y) * png.width + Math.floor(x)) * 4;
  return [png.data[at] ?? -1, png.data[at + 1] ?? -1, png.data[at + 2] ?? -1];
}

/** The top-left red device pixel within a few pixels of where the canvas was laid out. */
function redCorner(png: PNG, x: number, y: number): { x: number; y: number } {
  for (let dy = -3; dy <= 3; dy++) {
    for (let dx = -3; dx <= 3; dx++) {
      const px = Math.round(x) + dx;
      const py = Math.round(y) + dy;
      const red = (cx: number, cy: number): boolean => rgbAt(png, cx, cy).join() === '255,0,0';
      if (red(px, py) && !red(px - 1, py) && !red(px, py - 1)) return { x: px, y: py };
    }
  }
  throw new Error(`No red corner near device pixel (${x}, ${y}).`);
}

/** Share of pixels in a device-pixel square that are neither near-black nor near-white (filtering makes greys). */
function greyShare(png: PNG, x0: number, y0: number, size: number): number {
  let grey = 0;
  for (let y = y0; y < y0 + size; y++) {
    for (let x = x0; x < x0 + size; x++) {
      const [r] = rgbAt(png, x, y);
      if (r > 40 && r < 215) grey++;
    }
  }
  return grey / (size * size);
}

const RATIOS = [1, 1.25, 1.5, 2] as const;

describe('display scaling at device-pixel ratios 1, 1.25, 1.5 and 2', { timeout: 900_000 }, () => {
  let harness: UiHarness;

  before(async () => {
    harness = await startHarness();
    await mkdir(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await harness?.close();
  });

  for (const dpr of RATIOS) {
    test(`DPR ${dpr}: fit is smooth at fractional scales, 1:1 and integer are pixel-exact and scroll`, async () => {
      const page = await harness.newPage({ deviceScaleFactor: dpr, width: 1280, height: 800 });
      await openComponentPage(harness, page);
      const slack = dpr / 64 + 1e-6; // Chromium lays out in 1/64 CSS px
      const onDevicePixels = (css: number): boolean => Math.abs(css * dpr - Math.round(css * dpr)) <= slack;

      // Fit into a box that makes the scale fractional: 500 CSS px wide for 640 guest pixels.
      const fit = await mount(page, 'fit', 500, 420);
      assert.ok(onDevicePixels(fit.canvas.width) && onDevicePixels(fit.canvas.height), `fit: ${fit.canvas.width}×${fit.canvas.height} CSS px is not on whole device pixels`);
      assert.ok(Math.abs(fit.canvas.width * dpr - Math.floor(500 * dpr)) <= 1, `fit fills the width: ${fit.canvas.width * dpr} device px`);
      assert.equal(fit.imageRendering, 'auto', 'a fractional scale is smoothly filtered');
      assert.ok(fit.scrollWidth <= fit.clientWidth && fit.scrollHeight <= fit.clientHeight, 'fit never scrolls');
      const fitShot = await devicePixels(page, `scaling-fit-dpr${dpr}`, fit.box.right, fit.box.bottom);
      const middle = { x: Math.round((fit.canvas.left + fit.canvas.width / 2) * dpr), y: Math.round((fit.canvas.top + fit.canvas.height / 2) * dpr) };
      const greys = greyShare(fitShot, middle.x - 20, middle.y - 20, 40);
      assert.ok(greys > 0.9, `the shrunk checkerboard is filtered to grey (${(greys * 100).toFixed(0)}% grey pixels; nearest-neighbour leaves black and white)`);

      // 1:1 in a box smaller than the guest: one guest pixel per device pixel, scroll bars, both edges reachable.
      const boxW = Math.floor((GUEST_W / dpr) * 0.6);
      const boxH = Math.floor((GUEST_H / dpr) * 0.6);
      for (const mode of ['native', 'integer'] as const) {
        const view = await mount(page, mode, boxW, boxH);
        assert.ok(Math.abs(view.canvas.width * dpr - GUEST_W) <= slack * 2, `${mode}: ${view.canvas.width} CSS px should be ${GUEST_W} device px`);
        assert.equal(view.imageRendering, 'pixelated', `${mode}: a whole-number scale is pixel-exact`);
        assert.ok(view.scrollWidth > view.clientWidth && view.scrollHeight > view.clientHeight, `${mode}: a screen larger than the window scrolls (${view.scrollWidth}>${view.clientWidth}, ${view.scrollHeight}>${view.clientHeight})`);
        await scrollBox(page, 'start');
        const start = await facts(page);
        assert.ok(start.canvas.left >= start.box.left - 0.5 && start.canvas.top >= start.box.top - 0.5, `${mode}: the top-left corner is reachable (${JSON.stringify(start)})`);
        const startShot = await devicePixels(page, `scaling-${mode}-dpr${dpr}-start`, start.box.right, start.box.bottom);
        const origin = { x: Math.ceil(start.canvas.left * dpr), y: Math.ceil(start.canvas.top * dpr) };
        assert.deepEqual(rgbAt(startShot, origin.x + 1, origin.y + 1), [255, 0, 0], `${mode}: the red top-left corner shows`);
        // Pixel-exact: the checkerboard next to the corner alternates on every device pixel.
        const row = origin.y + 20;
        const seen = [0, 1, 2, 3].map((i) => rgbAt(startShot, origin.x + 20 + i, row)[0]);
        assert.ok(seen.every((v) => v === 0 || v === 255) && seen[0] !== seen[1] && seen[1] !== seen[2], `${mode}: guest pixels map 1:1 onto device pixels (${seen.join(',')})`);
        await scrollBox(page, 'end');
        const end = await facts(page);
        assert.ok(end.canvas.right <= end.box.right + 0.5 && end.canvas.bottom <= end.box.bottom + 0.5, `${mode}: the bottom-right corner is reachable (${JSON.stringify(end)})`);
        await devicePixels(page, `scaling-${mode}-dpr${dpr}-end`, end.box.right, end.box.bottom);
      }

      // Integer in a big box: the largest whole multiple, pixel-exact (each guest pixel a 2×2 or larger block).
      const big = await mount(page, 'integer', 1200, 760);
      const factor = Math.floor(Math.min((1200 * dpr) / GUEST_W, (760 * dpr) / GUEST_H));
      assert.ok(Math.abs(big.canvas.width * dpr - GUEST_W * factor) <= slack * 2, `integer ×${factor}: ${big.canvas.width * dpr} device px`);
      assert.equal(big.imageRendering, 'pixelated');
      const bigShot = await devicePixels(page, `scaling-integer-big-dpr${dpr}`, big.box.right, big.box.bottom);
      // Where the browser put the first device pixel: the red corner's top-left, near the laid-out position.
      const origin = redCorner(bigShot, big.canvas.left * dpr, big.canvas.top * dpr);
      for (let gy = 16; gy < 20; gy++) {
        for (let gx = 16; gx < 20; gx++) {
          const expected = (gx + gy) % 2 === 0 ? 255 : 0;
          for (let dy = 0; dy < factor; dy++) {
            for (let dx = 0; dx < factor; dx++) {
              const [value] = rgbAt(bigShot, origin.x + gx * factor + dx, origin.y + gy * factor + dy);
              assert.equal(value, expected, `integer ×${factor}: guest pixel (${gx},${gy}) is a ${factor}×${factor} block of ${expected} (device pixel +${dx},+${dy})`);
            }
          }
        }
      }
      assert.deepEqual(pageErrors(page), []);
    });
  }
});
