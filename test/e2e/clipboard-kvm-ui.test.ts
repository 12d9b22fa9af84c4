/**
 * The accelerator and clipboard state end to end: a real QEMU machine (GRUB, no clipboard agent)
 * through the web shell in Chromium. The manager's details say what the next start will use and
 * why; the running machine's status bar shows "QEMU · TCG" marked, its reason from the engine and
 * "Try KVM again" (the real qemu.recheck); the clipboard says no agent answered (GRUB runs none)
 * and offers the agentless paths. Screenshots at 1280×800 and 640×480 in test-artifacts/e2e-clipboard-kvm.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { kvmDeviceUsable } from '../../src/node/kvm-check.js';
import { findQemuBinary } from '../../src/node/qemu-binary.js';
import { hostFingerprint, hostStatePath, writeHostState } from '../../src/node/qemu-host-state.js';
import { buildRenderer } from '../ui/harness.js';
import { openWebSession, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e-clipboard-kvm/', import.meta.url));
const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const REMEMBERED = 'a probe guest did not finish within 8000 ms under kvm (too slow)';

describe('accelerator and clipboard state in Chromium with a real QEMU machine', { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'hangar-e2e-clipboard-kvm-'));
  // The engine and the app share the host state file: both read it from this cache folder.
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  /** Without /dev/kvm the engine says so; with it, the remembered failure written below decides. */
  const expectedReason = kvmDeviceUsable() ? `KVM was found unusable on this host: ${REMEMBERED}` : '/dev/kvm is missing or not accessible to this user (add it to the kvm group)';
  let core: HangarCore;
  let session: WebSession | undefined;
  let context: BrowserContext;
  let page: Page;
  let machineId: string;
  const errors: string[] = [];
  const shoot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

  before(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    writeHostState(hostStatePath(join(work, 'cache', 'hangar')), { kvmUnusable: { reason: REMEMBERED, at: new Date().toISOString(), fingerprint: hostFingerprint(findQemuBinary()) } });
    const rendererDir = join(work, 'renderer');
    await buildRenderer(rendererDir);
    core = await HangarCore.open({ folder: join(work, 'home') });
    const created = await core.call('machines.create', { name: 'Accel', osId: 'other', engine: 'qemu', memoryMib: 64, cdrom: GRUB_ISO, bootOrder: ['cdrom'], clipboardMode: 'bidirectional', network: { mode: 'none' } });
    assert.ok(created.ok, JSON.stringify(created));
    machineId = (created.value as { id: string }).id;
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 800 } });
    context = session.context;
    page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
  });

  after(async () => {
    await page?.screenshot({ path: join(ARTIFACTS, 'zz-last.png') }).catch(() => undefined);
    await session?.close();
    await core?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('the manager says what the next start uses and why', async () => {
    await page.goto(session!.shell.url, { timeout: 60_000 });
    await page.locator(`[data-machine-id="${machineId}"]`).click();
    const row = page.getByTestId('details-accelerator');
    const text = await until('the accelerator row', () => row.innerText().catch(() => ''), (value) => value.includes('next start'), 30_000);
    if (kvmDeviceUsable()) {
      assert.match(text, new RegExp(`TCG at the next start — KVM was found unusable on this host: ${REMEMBERED.replace(/[()]/g, '\\$&')}`));
      assert.equal(await row.getByRole('button', { name: 'Try KVM again' }).count(), 1);
    } else assert.match(text, /TCG at the next start — \/dev\/kvm is missing or not accessible to this user/);
    await row.scrollIntoViewIfNeeded();
    await shoot('01-manager-stopped');
  });

  test('the running machine\'s status bar shows TCG with the engine\'s reason, and "Try KVM again" runs the real recheck', async () => {
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    await page.goto(`${session!.shell.url.split('#')[0]}#/vm/${encodeURIComponent(machineId)}`, { timeout: 60_000 });
    const label = page.getByTestId('accelerator');
    await until('the TCG label', () => label.innerText().catch(() => ''), (value) => value === 'QEMU · TCG', 60_000);
    await label.click();
    const details = page.getByTestId('accelerator-details');
    await details.waitFor();
    assert.match(await details.innerText(), new RegExp(expectedReason.charAt(0).toUpperCase() + expectedReason.slice(1).replace(/[()/]/g, '\\$&')));
    await page.waitForTimeout(400);
    await shoot('02-status-bar-tcg-reason-1280');
    await details.getByRole('button', { name: 'Try KVM again' }).click();
    const outcome = await until('the recheck outcome', () => page.getByTestId('kvm-recheck-outcome').innerText().catch(() => ''), (value) => value !== '', 120_000);
    if (!kvmDeviceUsable()) assert.equal(outcome, 'KVM is still not usable: /dev/kvm is missing or not accessible to this user (add it to the kvm group).');
    else assert.match(outcome, /KVM works on this host now|KVM is still not usable/);
    await shoot('03-status-bar-recheck-1280');
    await page.keyboard.press('Escape');
  });

  test('the clipboard says no agent answered (GRUB runs none) and offers the agentless paths', async () => {
    const state = page.getByTestId('agent-state');
    await until('the clipboard state', () => state.innerText().catch(() => ''), (value) => value === 'Clipboard: no agent answered', 30_000);
    // Still not "connected" after a few of the window's polls (every 2 s).
    await page.waitForTimeout(5000);
    assert.equal(await state.innerText(), 'Clipboard: no agent answered');
    await state.click();
    const panel = page.getByTestId('clipboard-panel');
    await panel.waitFor();
    assert.match(await panel.innerText(), /No clipboard agent in the guest has answered yet/);
    for (const name of ['Type clipboard text', 'Copy screen text', 'Set up serial…']) assert.equal(await panel.getByRole('button', { name }).count(), 1, name);
    await page.waitForTimeout(400);
    await shoot('04-clipboard-panel-1280');
    await page.keyboard.press('Escape');

    await page.setViewportSize({ width: 640, height: 480 });
    const bar = page.getByRole('status', { name: 'Status' });
    const overflow = await bar.evaluate((element) => {
      const box = element as unknown as { scrollWidth: number; clientWidth: number };
      return box.scrollWidth - box.clientWidth;
    });
    assert.ok(overflow <= 0, `the status bar overflows by ${overflow} px at 640×480`);
    await shoot('05-vm-window-640');
    assert.deepEqual(errors, []);
    const off = await core.call('vm.poweroff', { id: machineId });
    assert.ok(off.ok, JSON.stringify(off));
  });
});
