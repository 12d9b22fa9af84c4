/**
 * What the end-to-end suites (test/e2e) share: the web shell on a core with headless Chromium
 * pointed at it (this machine's flags, the pointer-lock double), and a polling wait that says
 * what it waited for and what it last saw.
 */
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';
import type { HangarCore } from '../../src/main/core/hangar-core.js';
import { startWebShell } from '../../src/main/web/index.js';
import type { WebShell } from '../../src/main/web/index.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../ui/harness.js';
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
