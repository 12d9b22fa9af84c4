/**
 * The whole path from a real v86 guest to pixels in Chromium, through the web shell:
 *
 * - frames per second for a guest that repaints the whole screen (a nasm-built boot sector
 *   writing mode 13h video memory in a loop): the engine's own display frames (rectangles the
 *   engine session emits, counted in this process), the frames that reach the page's display
 *   WebSocket, and the frames the page paints (animation frames in which the canvas changed);
 * - input-to-screen latency in the browser on the grub-rescue menu: a keydown on the captured
 *   display → WebSocket → engine → GRUB moves its highlight → rectangle back → canvas changed
 *   (checked every animation frame). Median of alternating Down/Up presses.
 *
 *   node --import tsx bench/ui-engine-display.ts [seconds]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { HangarCore } from '../src/main/core/hangar-core.js';
import { startWebShell } from '../src/main/web/index.js';
import { buildRenderer, CHROMIUM } from '../test/ui/harness.js';
import { withoutHeadlessPointerLock } from '../test/support/headless-pointer-lock.js';

const seconds = Number(process.argv[2] ?? 5);
const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * A 1.44 MB floppy whose boot sector switches to mode 13h and rewrites the whole screen forever,
 * with a short pause between frames (back-to-back `rep stosb` frames starve the engine's display
 * timer on v86 0.5.462: no frames at all come out).
 */
function spinnerFloppy(folder: string): string {
  const source = join(folder, 'spin.asm');
  const image = join(folder, 'spin.img');
  writeFileSync(
    source,
    ['bits 16', 'org 0x7c00', 'mov ax, 0x13', 'int 0x10', 'mov ax, 0xa000', 'mov es, ax', 'xor bx, bx',
      'frame:', 'inc bl', 'xor di, di', 'mov al, bl', 'mov cx, 64000', 'rep stosb', 'mov cx, 0x4000', 'pause_loop:', 'loop pause_loop', 'jmp frame',
      'times 510-($-$$) db 0', 'dw 0xaa55', ''].join('\n'),
  );
  execFileSync('nasm', ['-f', 'bin', '-o', image, source]);
  truncateSync(image, 1474560);
  return image;
}

/** In the page: counts binary display messages by type code, and canvas-changing animation frames. */
const pageProbe = `
  // tsx names inner functions with a __name helper that only exists in Node.
  globalThis.__name = globalThis.__name || ((f) => f);
  window.__displayCounts = { rect: 0, all: 0 };
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    constructor(url, protocols) {
      super(url, protocols);
      if (String(url).includes('/display/')) this.addEventListener('message', (event) => {
        if (typeof event.data === 'string') return;
        window.__displayCounts.all++;
        if (new Uint8Array(event.data)[0] === 5) window.__displayCounts.rect++;
      });
    }
  };
`;

interface ProbeWindow {
  __displayCounts: { rect: number; all: number };
}

async function paintedFps(page: Page, ms: number): Promise<{ painted: number; received: number }> {
  return page.evaluate(async (duration) => {
    const w = globalThis as unknown as ProbeWindow & { document: { querySelector(s: string): { getContext(k: string): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } | null }; requestAnimationFrame(cb: () => void): void; performance: { now(): number } };
    const canvas = w.document.querySelector('[data-testid="guest-canvas"]');
    const context = canvas?.getContext('2d');
    if (!context) throw new Error('No canvas.');
    const sample = (): number => {
      const data = context.getImageData(0, 100, 64, 1).data;
      let sum = 0;
      for (let i = 0; i < data.length; i += 4) sum = (sum * 31 + (data[i] ?? 0)) >>> 0;
      return sum;
    };
    const startCount = w.__displayCounts.rect;
    const start = w.performance.now();
    let last = sample();
    let painted = 0;
    while (w.performance.now() - start < duration) {
      await new Promise<void>((resolve) => w.requestAnimationFrame(() => resolve()));
      const now = sample();
      if (now !== last) painted++;
      last = now;
    }
    const elapsed = (w.performance.now() - start) / 1000;
    return { painted: painted / elapsed, received: (w.__displayCounts.rect - startCount) / elapsed };
  }, ms);
}

async function latencyMs(page: Page, samples: number): Promise<number[]> {
  return page.evaluate(async (count) => {
    type Doc = { querySelector(s: string): ({ getContext(k: string): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }; dispatchEvent(e: unknown): void } & Record<string, unknown>) | null };
    const w = globalThis as unknown as { document: Doc; requestAnimationFrame(cb: () => void): void; performance: { now(): number }; KeyboardEvent: new (type: string, init: Record<string, unknown>) => unknown };
    const canvas = w.document.querySelector('[data-testid="guest-canvas"]');
    const box = w.document.querySelector('[role="application"]');
    const context = canvas?.getContext('2d');
    if (!context || !box) throw new Error('No display.');
    const hash = (): number => {
      const data = context.getImageData(0, 48, 720, 240).data;
      let sum = 0;
      for (let i = 0; i < data.length; i += 16) sum = (sum * 31 + (data[i] ?? 0)) >>> 0;
      return sum;
    };
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const code = i % 2 === 0 ? 'ArrowDown' : 'ArrowUp';
      const before = hash();
      const start = w.performance.now();
      box.dispatchEvent(new w.KeyboardEvent('keydown', { code, key: code, bubbles: true }));
      box.dispatchEvent(new w.KeyboardEvent('keyup', { code, key: code, bubbles: true }));
      while (hash() === before) {
        if (w.performance.now() - start > 5000) throw new Error('The screen did not change within 5 s of a key.');
        await new Promise<void>((resolve) => w.requestAnimationFrame(() => resolve()));
      }
      times.push(w.performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    return times;
  }, samples);
}

const work = mkdtempSync(join(tmpdir(), 'hangar-bench-ui-engine-'));
const core = await HangarCore.open({ folder: join(work, 'home') });
try {
  await buildRenderer(join(work, 'renderer'));
  const shell = await startWebShell({ core, rendererDir: join(work, 'renderer') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    // Headless Chromium stalls on pointer lock (the key→paint probe captures the display first).
    await withoutHeadlessPointerLock(context);
    await context.addInitScript(pageProbe);
    const open = async (id: string): Promise<Page> => {
      const page = await context.newPage();
      await page.goto(`${shell.url}#/vm/${id}`);
      await page.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor({ timeout: 60_000 });
      return page;
    };

    // Full-screen-changing guest.
    const spinner = await core.call('machines.create', { name: 'spinner', engine: 'v86', memoryMib: 16, floppy: spinnerFloppy(work), bootOrder: ['floppy'] });
    if (!spinner.ok) throw new Error(spinner.error.desc);
    const spinnerId = (spinner.value as { id: string }).id;
    const started = await core.call('vm.start', { id: spinnerId });
    if (!started.ok) throw new Error(started.error.desc);
    const spinnerPage = await open(spinnerId);
    await spinnerPage.getByTestId('screen-mode').filter({ hasText: /×/ }).waitFor({ timeout: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    let engineRects = 0;
    const session = core.engineSession(spinnerId);
    if (!session) throw new Error('No engine session.');
    const stop = session.onDisplay((message) => {
      if ((message as { type?: string }).type === 'rect') engineRects++;
    });
    const engineStart = performance.now();
    const browserRates = await paintedFps(spinnerPage, seconds * 1000);
    const engineFps = engineRects / ((performance.now() - engineStart) / 1000);
    stop();
    console.log(`full-screen-changing guest (mode 13h, ${seconds} s):`);
    console.log(`  engine display frames:      ${engineFps.toFixed(1)} fps`);
    console.log(`  frames reaching the page:   ${browserRates.received.toFixed(1)} fps (${((browserRates.received / engineFps) * 100).toFixed(0)} % of the engine's)`);
    console.log(`  frames painted in the page: ${browserRates.painted.toFixed(1)} fps (${((browserRates.painted / engineFps) * 100).toFixed(0)} % of the engine's)`);
    await core.call('vm.poweroff', { id: spinnerId });

    // Input to screen on the GRUB menu.
    const grub = await core.call('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, cdrom: GRUB_ISO });
    if (!grub.ok) throw new Error(grub.error.desc);
    const grubId = (grub.value as { id: string }).id;
    await core.call('vm.start', { id: grubId });
    const grubPage = await open(grubId);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const text = await core.call('vm.execute', { id: grubId, command: 'query-screen-text' });
      if (text.ok && JSON.stringify(text.value).includes('*GNU/Linux')) break;
      if (Date.now() > deadline) throw new Error('GRUB did not show its menu within 90 s.');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await grubPage.getByTestId('guest-canvas').click();
    const times = await latencyMs(grubPage, 20);
    console.log(`input → screen on GRUB's menu (keydown in the page → highlight painted), ${times.length} presses:`);
    console.log(`  median ${median(times).toFixed(1)} ms, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`);
    await core.call('vm.poweroff', { id: grubId });
  } finally {
    await browser.close();
    await shell.close();
  }
} finally {
  await core.close();
  rmSync(work, { recursive: true, force: true });
}
