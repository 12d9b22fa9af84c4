/**
 * The display view in real Chromium: text mode drawn with the guest's font, the blinking text
 * cursor, graphics rectangles, scaling at fractional device-pixel ratios, keyboard capture with
 * the host key, absolute pointing, text selection and the hardware cursor.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openComponentPage, pageErrors, SCREENSHOT_DIR, startHarness } from './harness.js';
import type { UiHarness } from './harness.js';

/** A message as the page receives it (typed arrays are built in the page from plain arrays). */
type WireMessage = Record<string, unknown>;

// A 5×7 pixel font for a few letters, placed in an 8×16 cell (rows 4–10), so screenshots read.
const letters: Record<string, string[]> = {
  H: ['10001', '10001', '10001', '11111', '10001', '10001', '10001'],
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
  N: ['10001', '11001', '10101', '10011', '10001', '10001', '10001'],
  G: ['01110', '10001', '10000', '10111', '10001', '10001', '01111'],
  R: ['11110', '10001', '10001', '11110', '10100', '10010', '10001'],
};

/** An 8×16, 256-glyph font: the letters above, 0xDB a full block, 0xC4 a horizontal line on row 8. */
function buildFont(): number[] {
  const bitmap = new Array<number>(256 * 16).fill(0);
  for (const [char, rows] of Object.entries(letters)) {
    rows.forEach((bits, y) => {
      bitmap[char.charCodeAt(0) * 16 + 4 + y] = parseInt(bits, 2) << 2;
    });
  }
  for (let y = 0; y < 16; y++) bitmap[0xdb * 16 + y] = 0xff;
  bitmap[0xc4 * 16 + 8] = 0xff;
  return bitmap;
}

/** Cells for one 80-column row: text in `fg` on `bg`. */
function rowCells(text: number[], fg: number, bg: number, flags = 0): number[] {
  const cells: number[] = [];
  for (let col = 0; col < 80; col++) cells.push((text[col] ?? 0x20) | (flags << 8), fg, bg);
  return cells;
}

async function push(page: Page, messages: WireMessage[]): Promise<void> {
  await page.evaluate((list) => {
    const converted = list.map((message) => {
      const m = { ...message } as Record<string, unknown>;
      if (Array.isArray(m.cells)) m.cells = Uint32Array.from(m.cells as number[]);
      if (Array.isArray(m.bitmap)) m.bitmap = Uint8Array.from(m.bitmap as number[]);
      if (Array.isArray(m.pixels)) m.pixels = Uint8Array.from(m.pixels as number[]);
      return m;
    });
    (globalThis as unknown as { hangarTest: { push(m: unknown[]): void } }).hangarTest.push(converted);
  }, messages);
}

interface TestApi {
  mountDisplay(options: { scaling: string; width: number; height: number }): void;
  pixel(x: number, y: number): number[];
  canvasInfo(): { width: number; height: number; cssWidth: number; cssHeight: number; left: number; top: number; cursor: string; captured: boolean };
  inputEvents(): { type: string; data: Record<string, unknown> }[];
  clearInput(): void;
  display(): { screenText(): string; selectionText(): string } | null;
}

const api = (page: Page) => ({
  mount: (scaling: string, width = 1000, height = 700) =>
    page.evaluate((o) => (globalThis as unknown as { hangarTest: TestApi }).hangarTest.mountDisplay(o), { scaling, width, height }),
  pixel: (x: number, y: number) => page.evaluate(([px, py]) => (globalThis as unknown as { hangarTest: TestApi }).hangarTest.pixel(px ?? 0, py ?? 0), [x, y]),
  info: () => page.evaluate(() => (globalThis as unknown as { hangarTest: TestApi }).hangarTest.canvasInfo()),
  input: () => page.evaluate(() => (globalThis as unknown as { hangarTest: TestApi }).hangarTest.inputEvents()),
  clearInput: () => page.evaluate(() => (globalThis as unknown as { hangarTest: TestApi }).hangarTest.clearInput()),
  screenText: () => page.evaluate(() => (globalThis as unknown as { hangarTest: TestApi }).hangarTest.display()?.screenText() ?? ''),
  selectionText: () => page.evaluate(() => (globalThis as unknown as { hangarTest: TestApi }).hangarTest.display()?.selectionText() ?? ''),
});

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last value ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await probe();
  }
  return last;
}

const textMode = { type: 'mode', mode: 'text', cols: 80, rows: 25, width: 720, height: 400 };
const keyEvent = (key: string, down: boolean) => ({ type: 'key', data: { down, key: { type: 'qcode', data: key } } });

describe('display view in Chromium', { timeout: 240_000 }, () => {
  let harness: UiHarness;
  let page: Page;

  before(async () => {
    harness = await startHarness();
    page = await harness.newPage();
    await openComponentPage(harness, page);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await harness?.close();
  });

  test('text mode is drawn with the guest font, 9-dot cells and line-graphic extension', async () => {
    const ui = api(page);
    await ui.mount('integer');
    const hangar = [...'HANGAR'].map((c) => c.charCodeAt(0));
    await push(page, [
      textMode,
      { type: 'font', width: 8, height: 16, glyphCount: 256, bitmap: buildFont() },
      { type: 'text', row: 0, rowCount: 1, cols: 80, cells: rowCells([0xdb, 0x20, ...hangar], 0xff0000, 0x0000ff) },
      { type: 'text', row: 1, rowCount: 1, cols: 80, cells: rowCells([0xc4, 0xc4, 0x41], 0xffffff, 0x000000) },
    ]);
    const info = await ui.info();
    assert.equal(info.width, 720);
    assert.equal(info.height, 400);
    // Full block (0xDB, in VGA's line-graphics range C0–DF): the 9th column repeats the 8th.
    assert.deepEqual(await ui.pixel(0, 0), [255, 0, 0, 255]);
    assert.deepEqual(await ui.pixel(7, 15), [255, 0, 0, 255]);
    assert.deepEqual(await ui.pixel(8, 5), [255, 0, 0, 255]);
    // A space between cells: background blue in all 9 columns.
    assert.deepEqual(await ui.pixel(9 + 8, 5), [0, 0, 255, 255]);
    // 'H' at column 2 (x 18..26): strokes at font columns 1 and 5, rows 4..10; bar on row 7.
    assert.deepEqual(await ui.pixel(19, 4), [255, 0, 0, 255]);
    assert.deepEqual(await ui.pixel(20, 4), [0, 0, 255, 255]);
    assert.deepEqual(await ui.pixel(22, 4), [0, 0, 255, 255]);
    assert.deepEqual(await ui.pixel(23, 4), [255, 0, 0, 255]);
    assert.deepEqual(await ui.pixel(21, 7), [255, 0, 0, 255]);
    assert.deepEqual(await ui.pixel(19, 3), [0, 0, 255, 255]);
    assert.deepEqual(await ui.pixel(18 + 8, 7), [0, 0, 255, 255], "a letter's 9th column is background");
    // The line glyph 0xC4 spans all 9 columns on row 8, so consecutive lines join up.
    assert.deepEqual(await ui.pixel(8, 16 + 8), [255, 255, 255, 255]);
    assert.deepEqual(await ui.pixel(8, 16 + 7), [0, 0, 0, 255]);
    assert.equal(await ui.screenText(), '█ HANGAR\n──A');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'display-text.png') });
  });

  test('the text cursor blinks in its scanlines and follows cursor messages', async () => {
    const ui = api(page);
    await push(page, [
      { type: 'text', row: 2, rowCount: 1, cols: 80, cells: rowCells([], 0x00ff00, 0x000000) },
      { type: 'text-cursor', row: 2, col: 3, start: 14, end: 15, visible: true },
    ]);
    const x = 3 * 9 + 4;
    const y = 2 * 16;
    const green = (p: number[]) => p[1] === 255 && p[0] === 0;
    await until('cursor on', () => ui.pixel(x, y + 14), green);
    assert.deepEqual(await ui.pixel(x, y + 13), [0, 0, 0, 255], 'only scanlines 14–15 are drawn');
    await until('cursor blinks off', () => ui.pixel(x, y + 14), (p) => !green(p));
    await until('cursor blinks on again', () => ui.pixel(x, y + 15), green);
    await push(page, [{ type: 'text-cursor', row: 2, col: 10, start: 0, end: 15, visible: true }]);
    await until('cursor moved', () => ui.pixel(10 * 9 + 4, y + 2), green);
    await until('old cursor cell cleared', () => ui.pixel(x, y + 14), (p) => !green(p));
  });

  test('dragging over a text screen selects a block and copies it as text', async () => {
    const ui = api(page);
    const info = await ui.info();
    const cellW = info.cssWidth / 80;
    const cellH = info.cssHeight / 25;
    await page.mouse.move(info.left + 2 * cellW + 2, info.top + 2);
    await page.mouse.down();
    await page.mouse.move(info.left + 4 * cellW + 2, info.top + cellH + 4, { steps: 4 });
    await page.mouse.up();
    assert.equal(await ui.selectionText(), 'HAN\nA');
    assert.equal((await ui.info()).captured, false, 'a drag selects; it does not capture');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'display-selection.png') });
  });

  test('graphics rectangles are drawn where they belong', async () => {
    const ui = api(page);
    await ui.mount('integer');
    const red = Array.from({ length: 4 * 3 }, () => [255, 0, 0, 255]).flat();
    await push(page, [{ type: 'mode', mode: 'graphics', width: 320, height: 200 }, { type: 'rect', x: 10, y: 20, width: 4, height: 3, pixels: red }]);
    const info = await ui.info();
    assert.equal(info.width, 320);
    assert.equal(info.height, 200);
    assert.deepEqual(await ui.pixel(10, 20), [255, 0, 0, 255]);
    assert.deepEqual(await ui.pixel(13, 22), [255, 0, 0, 255]);
    assert.deepEqual(await ui.pixel(14, 22), [0, 0, 0, 255]);
    assert.deepEqual(await ui.pixel(10, 23), [0, 0, 0, 255]);
  });

  test('scaling: fit, 1:1 and integer at device-pixel ratio 1', async () => {
    const ui = api(page);
    for (const [mode, width, height] of [['fit', 1000, 625], ['native', 320, 200], ['integer', 960, 600]] as const) {
      await ui.mount(mode, 1000, 700);
      await push(page, [{ type: 'mode', mode: 'graphics', width: 320, height: 200 }]);
      const info = await until(`${mode} layout`, () => ui.info(), (i) => i.cssWidth > 1);
      assert.equal(info.cssWidth, width, `${mode} width`);
      assert.equal(info.cssHeight, height, `${mode} height`);
    }
  });

  test('scaling stays on whole device pixels at device-pixel ratio 1.5', async () => {
    const hiDpi = await harness.newPage({ deviceScaleFactor: 1.5 });
    await openComponentPage(harness, hiDpi);
    const ui = api(hiDpi);
    for (const [mode, deviceWidth] of [['native', 320], ['integer', 1280], ['fit', 1500]] as const) {
      await ui.mount(mode, 1000, 700);
      await push(hiDpi, [{ type: 'mode', mode: 'graphics', width: 320, height: 200 }]);
      const info = await until(`${mode} layout`, () => ui.info(), (i) => i.cssWidth > 1);
      // Chromium lays out in 1/64 CSS px units, so a size of n/1.5 CSS px can be off by up to
      // 1.5/64 device px; anything within that is a whole device pixel once painted.
      const layoutSlack = 1.5 / 64 + 1e-6;
      assert.ok(Math.abs(info.cssWidth * 1.5 - deviceWidth) <= layoutSlack, `${mode}: ${info.cssWidth} CSS px × 1.5 should be ${deviceWidth} device px`);
      assert.ok(Math.abs(info.cssHeight * 1.5 - Math.round(info.cssHeight * 1.5)) <= layoutSlack, `${mode}: height ${info.cssHeight} CSS px is not on whole device pixels`);
    }
    const red = Array.from({ length: 320 * 200 }, (_, i) => (((i % 320) + Math.floor(i / 320)) % 2 === 0 ? [255, 0, 0, 255] : [255, 255, 255, 255])).flat();
    await push(hiDpi, [{ type: 'rect', x: 0, y: 0, width: 320, height: 200, pixels: red }]);
    await hiDpi.screenshot({ path: join(SCREENSHOT_DIR, 'display-fit-dpr1.5.png') });
    assert.deepEqual(pageErrors(hiDpi), []);
  });

  test('keyboard capture sends QKeyCodes; the host key releases capture and held keys', async () => {
    const ui = api(page);
    await ui.mount('integer');
    await push(page, [{ type: 'mode', mode: 'graphics', width: 320, height: 200 }]);
    const info = await until('layout', () => ui.info(), (i) => i.cssWidth > 1);
    await page.mouse.click(info.left + 50, info.top + 50);
    await until('captured', () => ui.info(), (i) => i.captured);
    await ui.clearInput();
    await page.keyboard.press('KeyA');
    await page.keyboard.down('ShiftLeft');
    await page.keyboard.press('F1');
    await page.keyboard.press('ControlRight');
    const events = await ui.input();
    assert.deepEqual(events, [
      keyEvent('a', true),
      keyEvent('a', false),
      keyEvent('shift', true),
      keyEvent('f1', true),
      keyEvent('f1', false),
      keyEvent('shift', false), // released in the guest when capture ends
    ]);
    assert.equal((await ui.info()).captured, false);
    await page.keyboard.up('ShiftLeft');
    await page.keyboard.press('KeyB');
    assert.equal((await ui.input()).length, events.length, 'nothing is sent once capture is released');
  });

  test('absolute pointing maps the drawn screen onto 0..0x7fff and sends buttons', async () => {
    const ui = api(page);
    await ui.mount('integer');
    await push(page, [{ type: 'mode', mode: 'graphics', width: 320, height: 200 }, { type: 'pointer-mode', absolute: true }]);
    const info = await until('layout', () => ui.info(), (i) => i.cssWidth > 1);
    await page.mouse.click(info.left + 5, info.top + 5); // captures
    await until('captured', () => ui.info(), (i) => i.captured);
    await ui.clearInput();
    await page.mouse.move(info.left + info.cssWidth - 1, info.top + info.cssHeight - 1);
    await page.mouse.down();
    await page.mouse.up();
    const events = await ui.input();
    const abs = events.filter((e) => e.type === 'abs');
    assert.deepEqual(abs.slice(-2).map((e) => e.data), [{ axis: 'x', value: 0x7fff }, { axis: 'y', value: 0x7fff }]);
    assert.deepEqual(events.filter((e) => e.type === 'btn').map((e) => e.data), [{ down: true, button: 'left' }, { down: false, button: 'left' }]);
    await page.keyboard.press('ControlRight');
  });

  test('a hardware cursor sprite becomes the CSS cursor while captured', async () => {
    const ui = api(page);
    const sprite = Array.from({ length: 8 * 8 }, () => [255, 255, 0, 255]).flat();
    await push(page, [{ type: 'cursor-sprite', visible: true, width: 8, height: 8, hotX: 1, hotY: 2, pixels: sprite }]);
    const info = await ui.info();
    await page.mouse.click(info.left + 5, info.top + 5);
    const captured = await until('captured with sprite', () => ui.info(), (i) => i.captured && i.cursor.includes('url('));
    assert.match(captured.cursor, /url\("?data:image\/png;base64,[^)]+\)\s*1 2/);
    await page.keyboard.press('ControlRight');
    assert.deepEqual(pageErrors(page), []);
  });
});
