/**
 * Settings → Storage end to end in Debian's Chromium through the web shell, with a real app core,
 * real QEMU and real images. Screenshots go to test-artifacts/e2e-storage/.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { numberedShots, openWebSession, prepareSuite } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e-storage/', import.meta.url));
const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

describe('Settings → Storage in Chromium through the web shell', { timeout: 900_000 }, () => {
  let work: string;
  let core: HangarCore;
  let session: WebSession | undefined;
  let page: Page;
  let machineId: string;
  const errors: string[] = [];

  /** Sideways overflow (scrollWidth − clientWidth) of the dialog, its page and the storage page; each must be ≤ 0. */
  const overflow = async (): Promise<Record<string, number>> =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(selector: string): ArrayLike<{ scrollWidth: number; clientWidth: number; getAttribute(name: string): string | null }> } }).document;
      const found: Record<string, number> = {};
      for (const selector of ['[role=dialog]', '[role=dialog] [role=tabpanel]', '[data-testid=storage-page]', '[data-testid=hard-disk]']) {
        Array.from(doc.querySelectorAll(selector)).forEach((box, index) => (found[`${selector}#${index}`] = box.scrollWidth - box.clientWidth));
      }
      return found;
    });
  const shot = numberedShots(ARTIFACTS);
  const shoot = async (name: string): Promise<void> => {
    await shot(page, name);
    const extra = await overflow();
    assert.ok(Object.values(extra).every((value) => value <= 0), `${name}: the Storage page overflows sideways: ${JSON.stringify(extra)}`);
  };
  const openStorage = async (): Promise<Locator> => {
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('form', { name: /^Settings of / });
    await settings.getByRole('tab', { name: 'Storage' }).click();
    return settings;
  };

  before(async () => {
    // Disk paths like a real library's (~100 characters): long paths are what overflowed. (The
    // library folder itself stays short: QEMU's QMP socket path in it must fit in 108 bytes.)
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-storage-', ARTIFACTS));
    core = await HangarCore.open({ folder: join(work, 'home') });
    const created = await core.call('machines.create', { name: 'Storage box', osId: 'grub', engine: 'qemu', memoryMib: 64, cdrom: GRUB_ISO, diskMib: 64, forceTcg: true, network: { mode: 'none' } });
    assert.ok(created.ok, JSON.stringify(created));
    machineId = (created.value as { id: string }).id;
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 800 } });
    page = await session.context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(session.shell.url, { timeout: 60_000 });
    await page.locator(`[data-machine-id="${machineId}"]`).click();
  });

  after(async () => {
    await page?.screenshot({ path: join(ARTIFACTS, 'zz-last.png') }).catch(() => undefined);
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const disks = async (): Promise<{ path: string; format: string; sizeBytes: number }[]> => {
    const result = await core.call('machines.get', { id: machineId });
    assert.ok(result.ok, JSON.stringify(result));
    return (result.value as { disks: { path: string; format: string; sizeBytes: number }[] }).disks;
  };
  const MiB = 1024 * 1024;

  test('grow (never shrink), remove keeping the file, the snapshot button says what is missing, create a new disk; nothing overflows', async () => {
    const settings = await openStorage();
    const card = settings.getByTestId('hard-disk');
    await card.getByText('hda · disk0.qcow2').waitFor();
    await card.getByText('qcow2 · 64 MiB').waitFor();
    await shoot('storage-with-disk-1280x800');

    // Grow: a smaller size is refused in the dialog; a larger one grows the image.
    await card.getByRole('button', { name: 'Grow…' }).click();
    const grow = page.getByRole('dialog', { name: 'Grow hda' });
    await grow.locator('input[data-field="grow-disk-size"]').fill('32M');
    await grow.getByText(/Smaller than the disk's 64 MiB: Hangar only grows disks\./).waitFor();
    assert.equal(await grow.getByRole('button', { name: 'Grow', exact: true }).isDisabled(), true);
    await shoot('grow-refuses-shrink');
    await grow.locator('input[data-field="grow-disk-size"]').fill('128M');
    await grow.getByRole('button', { name: 'Grow', exact: true }).click();
    await settings.getByTestId('disk-notice').getByText(/hda now has 128 MiB\. Grow the partition inside the guest/).waitFor();
    await card.getByText('qcow2 · 128 MiB').waitFor();
    assert.equal((await disks())[0]?.sizeBytes, 128 * MiB);
    await shoot('grown');

    // Remove, keeping the file: it moves out of the machine's folder and the page says where.
    const before = (await disks())[0]?.path ?? '';
    await card.getByRole('button', { name: 'Remove…' }).click();
    const remove = page.getByRole('dialog', { name: 'Remove hda?' });
    await remove.getByText(before).waitFor();
    await shoot('remove-dialog');
    await remove.getByRole('button', { name: 'Remove', exact: true }).click();
    await settings.getByTestId('no-disk').waitFor();
    await settings.getByTestId('disk-notice').getByText(/Removed hda; its file was kept: .*lost\+found\/disk-Storage box-disk0\.qcow2/).waitFor();
    assert.deepEqual(await disks(), []);
    assert.equal(await settings.getByRole('button', { name: 'Save' }).isDisabled(), true, 'a disk change applied at once is no unsaved setting');
    await shoot('no-disk-1280x800');
    await settings.getByRole('button', { name: 'Cancel' }).click();

    // Running without a disk: the Snapshots panel says what is missing instead of failing.
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Snapshots' }).click();
    const blocked = page.getByTestId('snapshot-blocked');
    await blocked.getByText(/"Storage box" has no hard disk\. Power the machine off and add one in Settings → Storage/).waitFor({ timeout: 60_000 });
    assert.equal(await page.getByRole('button', { name: 'Take snapshot' }).isDisabled(), true, 'the take button waits for the disk');
    await shot(page, 'snapshots-say-what-is-missing');
    await page.getByRole('region', { name: 'Snapshots of Storage box' }).getByRole('button', { name: 'Close' }).click();

    // The Storage page of the running machine: everything waits for power-off.
    const running = await openStorage();
    await running.getByTestId('disks-running').waitFor({ timeout: 30_000 });
    assert.equal(await running.getByRole('button', { name: 'Create disk' }).isDisabled(), true);
    await shoot('storage-running');
    await running.getByRole('button', { name: 'Cancel' }).click();
    const stopped = await core.call('vm.poweroff', { id: machineId });
    assert.ok(stopped.ok, JSON.stringify(stopped));

    // A new disk: qcow2 on QEMU, with progress, and then the snapshot button has nothing to say.
    const again = await openStorage();
    await again.getByRole('button', { name: 'Create disk' }).isEnabled();
    await again.locator('input[data-field="new-disk-size"]').fill('lots');
    await again.getByText('Enter a size like 8 (GiB), 8G or 512M.').waitFor();
    await again.locator('input[data-field="new-disk-size"]').fill('256M');
    await again.getByText(/A qcow2 image: it grows as the guest writes, and holds QEMU snapshots\./).waitFor();
    await shoot('new-disk-form');
    await again.getByRole('button', { name: 'Create disk' }).click();
    await again.getByTestId('hard-disk').getByText('qcow2 · 256 MiB').waitFor({ timeout: 60_000 });
    const created = await disks();
    assert.deepEqual([created.length, created[0]?.format, created[0]?.sizeBytes], [1, 'qcow2', 256 * MiB]);
    await shoot('new-disk-created');
    const listed = await core.call('snapshots.list', { id: machineId });
    assert.ok(listed.ok && (listed.value as { takeBlocked?: string }).takeBlocked === undefined, JSON.stringify(listed));

    // Small windows: the page wraps instead of overflowing.
    for (const [width, height] of [[1024, 640], [800, 600]] as const) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(400);
      await shoot(`storage-${width}x${height}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.deepEqual(errors, []);
  });
});
