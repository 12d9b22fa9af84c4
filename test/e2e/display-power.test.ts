/**
 * End to end in Debian's Chromium through the web shell, with a real QEMU guest (GRUB rescue,
 * which ignores the ACPI power button): the manager's first thumbnail of a running machine
 * shows its screen (not the black a screen mode starts as), also after a page reload; the VM
 * window at device-pixel ratios 1, 1.25, 1.5 and 2 (fit is filtered, 1:1 is pixel-exact and
 * scrolls in a small window); ACPI shutdown from the VM window and from the manager's toolbar
 * says "Shutdown requested…" (for that machine only), then offers Power off once the guest has
 * had its time, which stops the machine. Screenshots go to test-artifacts/e2e-display-power/.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { SHUTDOWN_WAIT_MS } from '../../src/renderer/features/vm-window/use-shutdown-request.js';
import { machineState, openWebSession, prepareSuite, screenText, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';

/** The few browser globals the page functions below use (test files compile without the DOM library). */
interface PageElement {
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  getBoundingClientRect(): { width: number; height: number };
}
declare const document: { querySelector(selector: string): PageElement | null };
declare function getComputedStyle(element: PageElement): { imageRendering: string };

const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e-display-power/', import.meta.url));

/** Share of a data-URL PNG's pixels that are not black. */
function litShare(dataUrl: string | null): number {
  assert.ok(dataUrl !== null && dataUrl.startsWith('data:image/png;base64,'), `a PNG data URL, not ${dataUrl?.slice(0, 40)}`);
  const png = PNG.sync.read(Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'));
  let lit = 0;
  for (let at = 0; at < png.data.length; at += 4) if ((png.data[at] ?? 0) + (png.data[at + 1] ?? 0) + (png.data[at + 2] ?? 0) > 30) lit++;
  return lit / (png.width * png.height);
}

/** Layout facts of the VM window's display. */
function displayFacts(page: Page): Promise<{ canvasWidth: number; canvasHeight: number; scrollWidth: number; clientWidth: number; scrollHeight: number; clientHeight: number; imageRendering: string }> {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="guest-canvas"]');
    const box = document.querySelector('[role="application"]');
    if (!canvas || !box) throw new Error('The VM window shows no display.');
    const rect = canvas.getBoundingClientRect();
    return { canvasWidth: rect.width, canvasHeight: rect.height, scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, scrollHeight: box.scrollHeight, clientHeight: box.clientHeight, imageRendering: getComputedStyle(canvas).imageRendering };
  });
}

describe('display and power feedback in Chromium with a real QEMU guest', { timeout: 600_000 }, () => {
  let work: string;
  let core: HangarCore;
  let session: WebSession | undefined;
  let machineId: string;
  const errors: string[] = [];
  const watch = (page: Page): Page => {
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    return page;
  };
  const shoot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const screen = (): Promise<string> => screenText(core, machineId);
  const state = (): Promise<string> => machineState(core, machineId);
  /**
   * After Stubborn was asked to shut down at `requestedAt`: Power off is offered only once the
   * guest has had its time (GRUB ignores the button), and it stops the machine.
   */
  const overdueThenPowerOff = async (page: Page, requestedAt: number, shot: string): Promise<void> => {
    const notice = page.getByTestId('shutdown-notice');
    await notice.filter({ hasText: /Stubborn has not shut down after \d+ s/ }).waitFor({ timeout: SHUTDOWN_WAIT_MS + 20_000 });
    assert.ok(Date.now() - requestedAt >= SHUTDOWN_WAIT_MS - 500, 'offered only after the wait');
    assert.equal(await state(), 'running', 'GRUB ignored the power button');
    await shoot(page, shot);
    await notice.getByRole('button', { name: 'Power off' }).click();
    await until('the machine to be off', state, (value) => value === 'stopped' || value === 'shutdown', 30_000);
    await notice.waitFor({ state: 'detached', timeout: 10_000 });
  };

  before(async () => {
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-power-', ARTIFACTS));
    core = await HangarCore.open({ folder: join(work, 'home'), watch: true });
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 800 } });
    const created = await core.call('machines.create', { name: 'Stubborn', osId: 'grub', engine: 'qemu', memoryMib: 64, cdrom: GRUB_ISO, diskMib: 16, network: { mode: 'none' } });
    assert.ok(created.ok, JSON.stringify(created));
    machineId = (created.value as { id: string }).id;
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    // Asked through the engine's text screen: nothing has attached the display yet.
    await until('the GRUB menu under QEMU', screen, (text) => text.includes('GNU/Linux'), 120_000);
  });

  after(async () => {
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the first thumbnail shows the screen, and so does the one after a page reload', async () => {
    assert.ok(session);
    const manager = watch(await session.context.newPage());
    await manager.goto(session.shell.url, { timeout: 60_000 });
    const thumbnail = manager.getByTestId('machine-thumbnail').first();
    await thumbnail.waitFor({ timeout: 30_000 });
    const first = litShare(await thumbnail.getAttribute('src'));
    await shoot(manager, '01-manager-first-thumbnail');
    assert.ok(first > 0.01, `the first thumbnail shows GRUB's menu (${(first * 100).toFixed(2)}% lit pixels; 0 is a black thumbnail)`);
    await manager.reload();
    await thumbnail.waitFor({ timeout: 30_000 });
    const reloaded = litShare(await thumbnail.getAttribute('src'));
    await shoot(manager, '02-manager-after-reload');
    assert.ok(reloaded > 0.01, `after a reload (${(reloaded * 100).toFixed(2)}% lit pixels)`);
    await manager.close();
  });

  test('the VM window at device-pixel ratios 1, 1.25, 1.5 and 2: fit filtered, 1:1 pixel-exact with scroll bars in a small window', async () => {
    assert.ok(session);
    await until('the GRUB menu', screen, (text) => text.includes('GNU/Linux'));
    for (const dpr of [1, 1.25, 1.5, 2]) {
      for (const [scaling, viewport] of [['fit', { width: 1280, height: 800 }], ['native', { width: 340, height: 320 }]] as const) {
        const context = await session.browser.newContext({ viewport, deviceScaleFactor: dpr, colorScheme: 'light' });
        try {
          const page = watch(await context.newPage());
          await page.goto(`${session.shell.url}#/vm/${encodeURIComponent(machineId)}`, { timeout: 60_000 });
          await page.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor({ timeout: 30_000 });
          // The window's scaling comes from the View menu (and is remembered per machine).
          await page.getByRole('menubar').getByRole('button', { name: 'View', exact: true }).click();
          await page.getByRole('menuitem', { name: scaling === 'fit' ? 'Fit to window' : '1:1' }).click();
          // Gone from the screen, not only from the accessibility tree (it fades out).
          await page.locator('.MuiPopover-root').waitFor({ state: 'detached' });
          const facts = await until(`the ${scaling} display at DPR ${dpr}`, () => displayFacts(page), (f) => f.canvasWidth > 100);
          const devicePx = facts.canvasWidth * dpr;
          assert.ok(Math.abs(devicePx - Math.round(devicePx)) <= dpr / 64 + 1e-6, `${scaling} at DPR ${dpr}: ${facts.canvasWidth} CSS px is on whole device pixels`);
          if (scaling === 'fit') {
            const integral = Math.round(devicePx) % 720 === 0;
            assert.equal(facts.imageRendering, integral ? 'pixelated' : 'auto', `fit at DPR ${dpr} (${devicePx} device px for 720 guest px)`);
            assert.ok(facts.scrollWidth <= facts.clientWidth && facts.scrollHeight <= facts.clientHeight, `fit at DPR ${dpr} does not scroll`);
          } else {
            assert.equal(facts.imageRendering, 'pixelated', `1:1 at DPR ${dpr}`);
            assert.ok(Math.abs(devicePx - 720) <= 1, `1:1 at DPR ${dpr}: one guest pixel per device pixel (${devicePx})`);
            assert.ok(facts.scrollWidth > facts.clientWidth, `1:1 at DPR ${dpr} in a small window scrolls (${facts.scrollWidth} > ${facts.clientWidth})`);
          }
          await shoot(page, `03-vm-${scaling}-dpr${dpr}`);
        } finally {
          await context.close();
        }
      }
    }
  });

  test('ACPI shutdown of a guest that ignores it: "Shutdown requested…", then Power off is offered and works', async () => {
    assert.ok(session);
    const page = watch(await session.context.newPage());
    await page.goto(`${session.shell.url}#/vm/${encodeURIComponent(machineId)}`, { timeout: 60_000 });
    await page.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor({ timeout: 30_000 });
    await page.getByRole('menubar').getByRole('button', { name: 'View', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Fit to window' }).click();
    await page.getByRole('menu').waitFor({ state: 'detached' });
    await page.getByRole('menubar').getByRole('button', { name: 'Machine', exact: true }).click();
    const requestedAt = Date.now();
    await page.getByRole('menuitem', { name: 'ACPI shutdown' }).click();
    const notice = page.getByTestId('shutdown-notice');
    await notice.filter({ hasText: 'Shutdown requested… waiting for Stubborn to turn itself off.' }).waitFor({ timeout: 10_000 });
    assert.equal(await notice.getByRole('button', { name: 'Power off' }).count(), 0, 'Power off is not pushed before the guest has had its time');
    await shoot(page, '04-shutdown-requested');
    await overdueThenPowerOff(page, requestedAt, '05-shutdown-overdue');
    await page.getByText('Stubborn is not running.').waitFor({ timeout: 10_000 });
    await shoot(page, '06-powered-off');
    assert.deepEqual(errors, []);
  });

  test('"Shut down" in the manager: "Shutdown requested…" for that machine, then Power off is offered and works', async () => {
    assert.ok(session);
    // A second, stopped machine: the notice must name the one that was asked.
    const other = await core.call('machines.create', { name: 'Bystander', osId: 'grub', engine: 'qemu', memoryMib: 64, cdrom: GRUB_ISO, network: { mode: 'none' } });
    assert.ok(other.ok, JSON.stringify(other));
    // The test before powered Stubborn off: GRUB again, to ignore the power button again.
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    await until('the GRUB menu under QEMU', screen, (text) => text.includes('GNU/Linux'), 120_000);
    const page = watch(await session.context.newPage());
    await page.goto(session.shell.url, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Stubborn, Running' }).click();
    const toolbar = page.getByRole('toolbar', { name: 'Machine actions' });
    const requestedAt = Date.now();
    await toolbar.getByRole('button', { name: 'Shut down' }).click();
    const notice = page.getByTestId('shutdown-notice');
    await notice.filter({ hasText: 'Shutdown requested… waiting for Stubborn to turn itself off.' }).waitFor({ timeout: 10_000 });
    assert.equal(await notice.count(), 1, 'one notice, for the machine that was asked');
    assert.equal(await notice.getByRole('button', { name: 'Power off' }).count(), 0, 'Power off is not pushed before the guest has had its time');
    await shoot(page, '07-manager-shutdown-requested');
    // The notice stays while another machine is selected: it belongs to Stubborn, not to the selection.
    await page.getByRole('button', { name: 'Bystander, Powered off' }).click();
    assert.equal(await toolbar.getByRole('button', { name: 'Shut down' }).isDisabled(), true, 'a stopped machine cannot be shut down');
    await overdueThenPowerOff(page, requestedAt, '08-manager-shutdown-overdue');
    await page.getByRole('button', { name: /^Stubborn, (Powered off|Shut down)/ }).waitFor({ timeout: 10_000 });
    await shoot(page, '09-manager-powered-off');
    assert.deepEqual(errors, []);
  });
});
