/**
 * What the end-to-end suites (test/e2e) share: a suite's work folder with the renderer built in
 * it, the web shell on a core with headless Chromium pointed at it (this machine's flags, the
 * pointer-lock double), pages that collect their errors, screenshots, the engine's text screen
 * and a machine's state, and a polling wait that says what it waited for and what it last saw.
 *
 *   const { work, rendererDir } = await prepareSuite('hangar-e2e-x-', ARTIFACTS);
 *   const session = await openWebSession(core, rendererDir);
 *   const page = await openVmPage(session, machineId, errors);   // the VM window, menu bar shown
 *   await until('GRUB', () => screenText(core, machineId), (text) => text.includes('GRUB'));
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { HangarCore } from '../../src/main/core/hangar-core.js';
import { startWebShell } from '../../src/main/web/index.js';
import type { WebShell } from '../../src/main/web/index.js';
import { buildRenderer, CHROMIUM, CHROMIUM_ARGS } from '../ui/harness.js';
import { withoutHeadlessPointerLock } from './headless-pointer-lock.js';

/** Polls `probe` until `ok` holds; fails after `timeoutMs` naming `what` and the last value. */
export async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    last = await probe();
  }
  return last;
}

/** The web shell serving a core and a browser context on it. Close it in `after`. */
export interface WebSession {
  readonly shell: WebShell;
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** Closes the browser and the shell (not the core, which the suite owns). */
  close(): Promise<void>;
}

/** Options of a web session. */
export interface WebSessionOptions {
  readonly viewport?: { width: number; height: number };
  /** Lets the page read and write the clipboard (copy/paste tests). */
  readonly clipboard?: boolean;
}

/** Starts the web shell on `core` with the renderer built in `rendererDir`, and Chromium on it. */
export async function openWebSession(core: HangarCore, rendererDir: string, options: WebSessionOptions = {}): Promise<WebSession> {
  const shell = await startWebShell({ core, rendererDir });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], timeout: 60_000 });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 860 }, colorScheme: 'light' });
    if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${shell.port}` });
    // Headless Chromium stalls on pointer lock; the double is explained in its module.
    await withoutHeadlessPointerLock(context);
    const opened = browser;
    return {
      shell,
      browser: opened,
      context,
      async close() {
        await context.close().catch(() => undefined);
        await opened.close().catch(() => undefined);
        await shell.close();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await shell.close();
    throw error;
  }
}

/** A suite's work folder and the renderer built in it. */
export interface SuiteFolders {
  /** A fresh private folder under the OS temp folder; the suite removes it in `after`. */
  readonly work: string;
  /** The renderer bundle, for `openWebSession`. */
  readonly rendererDir: string;
}

/**
 * Makes a fresh work folder named from `prefix`, empties the suite's screenshot folder
 * `artifacts` (screenshots are of this run only) and builds the renderer into work/renderer
 * (a cached build, so CI's clean clone and a changed source both get the current one).
 */
export async function prepareSuite(prefix: string, artifacts: string): Promise<SuiteFolders> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const rendererDir = join(work, 'renderer');
  await buildRenderer(rendererDir);
  return { work, rendererDir };
}

/** Collects `page`'s uncaught errors into `errors` (the suites assert it stays empty); returns the page. */
export function watchErrors(page: Page, errors: string[]): Page {
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}

/** Opens the VM window of `machineId` in a new page (errors into `errors`) and waits for its menu bar. */
export async function openVmPage(session: WebSession, machineId: string, errors: string[]): Promise<Page> {
  const page = watchErrors(await session.context.newPage(), errors);
  await page.goto(`${session.shell.url.split('#')[0]}#/vm/${encodeURIComponent(machineId)}`, { timeout: 60_000 });
  await page.getByRole('menubar').waitFor({ timeout: 60_000 });
  return page;
}

/** Screenshots into `artifacts` numbered in the order taken: `shoot(page, 'name')` writes 01-name.png, 02-…. */
export function numberedShots(artifacts: string): (page: Page, name: string) => Promise<void> {
  let step = 0;
  return async (page, name) => {
    step++;
    await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`) });
  };
}

/** The running machine's text screen as the engine reads it (empty while it cannot). */
export async function screenText(core: HangarCore, machineId: string): Promise<string> {
  const result = await core.call('vm.execute', { id: machineId, command: 'query-screen-text' });
  return result.ok ? (result.value as { lines: string[] }).lines.join('\n') : '';
}

/** The machine's state as the core reports it (or the error, to show in a failed wait). */
export async function machineState(core: HangarCore, machineId: string): Promise<string> {
  const result = await core.call('machines.get', { id: machineId });
  return result.ok ? (result.value as { state: string }).state : `error: ${JSON.stringify(result)}`;
}

/** The few browser globals `canvasHash` uses (test files compile without the DOM library). */
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

/**
 * A hash of the guest canvas's pixels in rows `top..bottom` (all rows by default), with its size
 * and lit-pixel count: two pages showing the same guest screen give the same string.
 */
export function canvasHash(page: Page, top = 0, bottom = 10_000): Promise<string> {
  return page.evaluate(
    ([y0, y1]) => {
      const canvas = (globalThis as unknown as { document: { querySelector(selector: string): PageCanvas | null } }).document.querySelector('[data-testid="guest-canvas"]');
      const context = canvas?.getContext('2d');
      if (!canvas || !context || canvas.width < 2) return 'none';
      const height = Math.max(1, Math.min(canvas.height, y1) - y0);
      const data = context.getImageData(0, y0, canvas.width, height).data;
      let hash = 2166136261;
      let lit = 0;
      for (let index = 0; index < data.length; index += 4) {
        const value = ((data[index] ?? 0) << 16) | ((data[index + 1] ?? 0) << 8) | (data[index + 2] ?? 0);
        if (value !== 0) lit++;
        hash = Math.imul(hash ^ value, 16777619) >>> 0;
      }
      return `${canvas.width}x${canvas.height}:${lit}:${hash.toString(16)}`;
    },
    [top, bottom] as const,
  );
}
