/**
 * The VM window's menu bar at narrow and wide windows, in real Chromium on the real VmPage (the
 * Electron path's fake bridge): its parts (menu buttons, the Display / Serial console / Logs
 * tabs, the machine's name) never overlap, every part stays inside the window, and nothing
 * scrolls sideways. Screenshots go to SCREENSHOT_DIR (vm-menus-<width>.png).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openComponentPage, pageErrors, SCREENSHOT_DIR, startHarness } from './harness.js';
import type { UiHarness } from './harness.js';

/** A part of the menu bar and where it is. */
interface Part {
  readonly label: string;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** The browser globals the page function below uses (test files compile without the DOM library). */
interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly width: number;
  readonly height: number;
}
interface PageElement {
  readonly textContent: string | null;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  getBoundingClientRect(): Box;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
declare const document: { querySelector(selector: string): PageElement | null; documentElement: PageElement };

/** The menu bar's parts: each menu button, each tab, and the name. */
function menuBarLayout(page: Page): Promise<{ parts: Part[]; barScroll: number; barClient: number; pageScroll: number; pageClient: number; tabsScroll: number; tabsClient: number }> {
  return page.evaluate(() => {
    const bar = document.querySelector('[role="menubar"]');
    if (!bar) throw new Error('The VM window shows no menu bar.');
    const parts = Array.from(bar.querySelectorAll('button[aria-haspopup="menu"], [role="tab"], [data-testid="vm-menus-name"]'))
      .map((element) => ({ label: (element.textContent ?? '').trim(), box: element.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && box.height > 0)
      .map(({ label, box }) => ({ label, left: box.left, right: box.right, top: box.top, bottom: box.bottom }));
    const tabs = bar.querySelector('[role="tablist"]');
    return {
      parts,
      barScroll: bar.scrollWidth,
      barClient: bar.clientWidth,
      pageScroll: document.documentElement.scrollWidth,
      pageClient: document.documentElement.clientWidth,
      tabsScroll: tabs?.scrollWidth ?? 0,
      tabsClient: tabs?.clientWidth ?? 0,
    };
  });
}

const overlap = (a: Part, b: Part): boolean => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;

describe('VM window menu bar layout in Chromium', { timeout: 240_000 }, () => {
  let harness: UiHarness;

  before(async () => {
    harness = await startHarness();
    await mkdir(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await harness?.close();
  });

  for (const width of [340, 420, 500, 1280]) {
    test(`at ${width} px the menu bar's parts do not overlap and nothing overflows sideways`, async () => {
      const page = await harness.newPage({ width, height: 600 });
      await openComponentPage(harness, page);
      await page.evaluate(() => (globalThis as unknown as { hangarTest: { mount(n: string, o: unknown): void } }).hangarTest.mount('electron-vm-page', { serialEnabled: true }));
      await page.getByRole('menubar').getByRole('tab', { name: 'Serial console' }).waitFor({ timeout: 30_000 });
      await page.getByTestId('vm-menus-name').waitFor({ state: 'attached', timeout: 10_000 });
      const layout = await menuBarLayout(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `vm-menus-${width}.png`) });
      const labels = layout.parts.map((part) => part.label);
      for (const expected of ['Machine', 'Devices', 'Input', 'View', 'Display', 'Serial console']) assert.ok(labels.includes(expected), `${expected} is shown at ${width} px (shown: ${labels.join(', ')})`);
      for (const [index, a] of layout.parts.entries()) {
        assert.ok(a.left >= -0.5 && a.right <= width + 0.5, `${a.label} lies inside the ${width} px window (${a.left.toFixed(1)}–${a.right.toFixed(1)})`);
        for (const b of layout.parts.slice(index + 1)) assert.ok(!overlap(a, b), `${a.label} and ${b.label} overlap at ${width} px: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
      }
      assert.ok(layout.barScroll <= layout.barClient, `the menu bar does not scroll sideways at ${width} px (${layout.barScroll} > ${layout.barClient})`);
      assert.ok(layout.pageScroll <= layout.pageClient, `the page does not scroll sideways at ${width} px (${layout.pageScroll} > ${layout.pageClient})`);
      assert.ok(layout.tabsScroll <= layout.tabsClient + 1, `the tabs are all in view at ${width} px (${layout.tabsScroll} > ${layout.tabsClient})`);
      assert.deepEqual(pageErrors(page), []);
      await page.context().close();
    });
  }
});
