/**
 * The Electron shell's content security policy against the real renderer: the built UI is
 * served exactly as the app scheme serves it (serveAppRequest, with its CSP header) over
 * loopback HTTP and opened in Debian's Chromium; the page must render with no CSP violation
 * (scripts, styles, fonts, images). Chromium stands for Electron's renderer here, which is the
 * same engine; the bridge is absent, so the page's API client fails to connect — that is not
 * what is checked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { contentSecurityPolicy, serveAppRequest } from '../../src/main/windows/app-origin.js';
import { CHROMIUM, buildRenderer } from '../ui/harness.js';

const work = mkdtempSync(join(tmpdir(), 'hangar-csp-'));
const rendererDir = join(work, 'renderer');
let server: Server;
let baseUrl = '';
let browser: Browser;

before(async () => {
  await buildRenderer(rendererDir);
  // The app scheme's handler behind HTTP: hangar://app/<path> ⇐ http://127.0.0.1:<port>/<path>.
  server = createServer((request, response) => {
    void (async () => {
      const answer = await serveAppRequest(new Request(`hangar://app${request.url ?? '/'}`), rendererDir);
      response.writeHead(answer.status, Object.fromEntries(answer.headers)).end(Buffer.from(await answer.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  baseUrl = `http://127.0.0.1:${address.port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(work, { recursive: true, force: true });
});

for (const route of ['', '#/vm/example']) {
  test(`the UI renders under the CSP without violations (${route || 'manager'})`, async () => {
    const page = await browser.newPage();
    try {
      // Page code as strings: this project's Node typings have no DOM.
      await page.addInitScript({
        content: "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
      });
      const response = await page.goto(`${baseUrl}/index.html${route}`);
      assert.equal(response?.headers()['content-security-policy'], contentSecurityPolicy);
      await page.waitForFunction("(document.getElementById('root')?.childElementCount ?? 0) > 0", undefined, { timeout: 30_000 });
      await page.waitForTimeout(1000);
      const violations = (await page.evaluate('window.cspViolations')) as string[];
      // The page's WebSocket client may be refused by connect-src (in Electron it uses the bridge); nothing else may be.
      assert.deepEqual(
        violations.filter((violation) => !violation.startsWith('connect-src')),
        [],
      );
      const styled = (await page.evaluate("document.querySelectorAll('style').length")) as number;
      assert.ok(styled > 0, 'the UI styles (inline <style> from MUI) applied');
    } finally {
      await page.close();
    }
  });
}
