/**
 * The real renderer in Chromium, through the web shell, on a real v86 grub-rescue guest: the
 * page's display socket acknowledges what it has painted (`{ack: 0}` on opening, then `{ack: N}`
 * as frames are drawn), so main's one flow-control rule applies to it; with main skipping the
 * page whenever anything is unacknowledged, the page still ends up showing the current screen.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { startWebShell } from '../../src/main/web/index.js';
import type { WebShell } from '../../src/main/web/index.js';
import { until } from '../support/waiting.js';
import { buildRenderer, CHROMIUM } from './harness.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const work = mkdtempSync(join(tmpdir(), 'hangar-display-acks-'));
let core: HangarCore;
let shell: WebShell;
let browser: Browser;
let machineId = '';

before(async () => {
  core = await HangarCore.open({ folder: join(work, 'home') });
  await buildRenderer(join(work, 'renderer'));
  shell = await startWebShell({ core, rendererDir: join(work, 'renderer') });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const created = await core.call('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, cdrom });
  assert.ok(created.ok, JSON.stringify(created));
  machineId = (created.value as { id: string }).id;
  const started = await core.call('vm.start', { id: machineId });
  assert.ok(started.ok, JSON.stringify(started));
});

after(async () => {
  await browser?.close();
  await shell?.close();
  await core?.close();
  rmSync(work, { recursive: true, force: true });
});

test('the page acknowledges painted display messages and, skipped whenever behind, still shows the current screen', async () => {
  // Anything unacknowledged counts as behind: the page sees the screen only if it acknowledges.
  shell.displays.maxBehindBytes = 1;
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  const acks: number[] = [];
  page.on('websocket', (socket) => {
    if (!socket.url().includes('/display/')) return;
    socket.on('framesent', (frame) => {
      const text = typeof frame.payload === 'string' ? frame.payload : '';
      const parsed = text.startsWith('{"ack"') ? (JSON.parse(text) as { ack: number }) : undefined;
      if (parsed) acks.push(parsed.ack);
    });
  });
  await page.goto(`${shell.url}#/vm/${machineId}`);
  await until(() => (acks.length > 0 ? true : undefined), 'the first acknowledgement from the page', 60_000);
  assert.equal(acks[0], 0, 'the page announces on opening that it acknowledges');
  // GRUB's menu drawn on the canvas: many distinct colours in the menu's area.
  await until(async () => {
    const text = await core.call('vm.execute', { id: machineId, command: 'query-screen-text' });
    return text.ok && JSON.stringify(text.value).includes('GNU GRUB') ? true : undefined;
  }, 'the GRUB menu in the guest', 120_000);
  await until(() => (acks.some((n) => n > 2) ? true : undefined), 'acknowledgements of painted messages', 30_000);
  const shown = await until(async () => {
    const canvasText = await page.evaluate(() => {
      // Runs in the page; the test's own types have no DOM.
      type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
      const canvas = (globalThis as unknown as { document: { querySelector(selector: string): Canvas | null } }).document.querySelector('[data-testid="guest-canvas"]');
      const context = canvas?.getContext('2d');
      if (!canvas || !context || canvas.width < 100) return 0;
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let lit = 0;
      for (let at = 0; at < data.length; at += 4) if ((data[at] ?? 0) + (data[at + 1] ?? 0) + (data[at + 2] ?? 0) > 200) lit++;
      return lit;
    });
    return canvasText > 2000 ? canvasText : undefined;
  }, 'the GRUB menu painted on the page', 30_000);
  assert.ok(shown > 2000);
  for (let i = 1; i < acks.length; i++) assert.ok((acks[i] ?? 0) > (acks[i - 1] ?? 0), `acknowledgements only grow: ${acks.join(', ')}`);
  await page.close();
});
