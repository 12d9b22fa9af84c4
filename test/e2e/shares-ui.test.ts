/**
 * Shared folders end to end in Debian's Chromium through the web shell, with a real app core and
 * the Linux test guest (scripts/build-test-guest.sh) on QEMU: in Settings → Shared folders of the
 * STOPPED machine a folder that does not exist is refused next to its field and nothing is
 * stored; a temp host folder holding a known file is added and saved; the machine starts; the
 * page of the RUNNING machine shows the share served and the mount hint, and "Copy command" puts
 * exactly that command on the clipboard; the guest runs the copied text on its serial console,
 * reads the host file and writes one that appears on the host, owned by the host user. A share
 * added while it runs is marked for the next start. Screenshots go to test-artifacts/e2e-shares/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { WebShell } from '../../src/main/web/index.js';
import { numberedShots, openWebSession, prepareSuite, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';
import { coreConsole, ensureGuestIso, guestShell, waitForGuestBoot } from '../support/linux-guest.js';
import type { GuestConsole } from '../support/linux-guest.js';

/** The browser global the page functions below use (test files compile without the DOM library). */
declare const navigator: { clipboard: { writeText(text: string): Promise<void>; readText(): Promise<string> } };

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e-shares/', import.meta.url));
const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const MOUNT_COMMAND = 'mount -t 9p -o trans=virtio,version=9p2000.L host9p /mnt';
const HOST_TEXT = 'hangar-shares-ui: written on the host äöü';

describe('shared folders in Chromium through the web shell, with the Linux guest on QEMU', { timeout: 900_000 }, () => {
  let work: string;
  let shared: string;
  let core: HangarCore;
  let shell: WebShell;
  let session: WebSession | undefined;
  let context: BrowserContext;
  let page: Page;
  let machineId: string;
  let guest: (GuestConsole & { close(): void }) | undefined;
  const errors: string[] = [];

  const shot = numberedShots(ARTIFACTS);
  const shoot = async (name: string): Promise<void> => {
    await shot(page, name);
    // An open Shared folders page fits its dialog: nothing sticks out sideways.
    const overflow = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(selector: string): ArrayLike<{ scrollWidth: number; clientWidth: number }> } }).document;
      return Array.from(doc.querySelectorAll('[role=dialog], [role=dialog] [role=tabpanel], [data-testid=shared-folders-page]')).map((box) => box.scrollWidth - box.clientWidth);
    });
    assert.ok(overflow.every((extra) => extra <= 0), `${name}: the settings dialog overflows sideways by ${overflow.join(', ')} px`);
  };
  const machineShares = async (): Promise<unknown> => {
    const result = await core.call('machines.get', { id: machineId });
    assert.ok(result.ok, JSON.stringify(result));
    return (result.value as { shares?: unknown }).shares;
  };
  /** Opens Settings → Shared folders of the machine from the manager; answers the settings form. */
  const openSharesPage = async (): Promise<Locator> => {
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('form', { name: 'Settings of Share guest' });
    await settings.getByRole('tab', { name: 'Shared folders' }).click();
    await settings.getByTestId('shared-folders-page').waitFor();
    return settings;
  };

  before(async () => {
    const iso = ensureGuestIso();
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-shares-', ARTIFACTS));
    // The shared folder: the guest writes into it as the host user (QEMU's security_model=none).
    shared = join(work, 'exchange');
    mkdirSync(shared, { mode: 0o755 });
    writeFileSync(join(shared, 'from-host.txt'), `${HOST_TEXT}\n`);
    core = await HangarCore.open({ folder: join(work, 'home') });
    const created = await core.call('machines.create', { name: 'Share guest', osId: 'http://debian.org/debian/11', engine: 'qemu', memoryMib: 256, cdrom: iso, network: { mode: 'none' } });
    assert.ok(created.ok, JSON.stringify(created));
    machineId = (created.value as { id: string }).id;
    const tcg = await core.call('machines.update', { id: machineId, patch: { forceTcg: true } });
    assert.ok(tcg.ok, JSON.stringify(tcg));
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 860 }, clipboard: true });
    ({ shell, context } = session);
    page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(shell.url, { timeout: 60_000 });
    await page.locator(`[data-machine-id="${machineId}"]`).click();
  });

  after(async () => {
    // The page as the run left it, for a failure's diagnosis.
    await page?.screenshot({ path: join(ARTIFACTS, 'zz-last.png') }).catch(() => undefined);
    guest?.close();
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('stopped machine: a missing folder is refused next to its field, a real one is added and saved', async () => {
    const settings = await openSharesPage();
    await settings.getByTestId('no-shares').waitFor();
    const path = settings.locator('input[data-field="share-path"]');
    // The path's own form control: its helper text is where its problems must show.
    const pathField = settings.locator('.MuiFormControl-root', { has: page.locator('input[data-field="share-path"]') });
    await shoot('stopped-empty');

    // A relative path is refused by the form itself, under the field.
    await path.fill('relative/folder');
    await settings.getByRole('button', { name: 'Add', exact: true }).click();
    await pathField.getByText(/not absolute/).waitFor();
    await shoot('stopped-relative-path');

    // A folder that does not exist: refused next to the field when saved, nothing stored.
    const missing = join(work, 'no-such-folder');
    await path.fill(missing);
    await settings.getByRole('button', { name: 'Add', exact: true }).click();
    await settings.locator('tr[data-share="no-such-folder"]').waitFor();
    await settings.getByRole('button', { name: 'Save' }).click();
    // In the share's own row, with what to do; the editor stays open.
    const problem = settings.locator('tr[data-share="no-such-folder"] [data-share-problem="no-such-folder"]');
    await problem.waitFor({ timeout: 30_000 });
    assert.match(await problem.innerText(), new RegExp(`The shared folder "no-such-folder" \\(${missing}\\) does not exist; create the folder or choose another one`));
    await shoot('stopped-missing-folder');
    assert.deepEqual(await machineShares(), [], 'nothing was stored');
    await settings.getByRole('button', { name: 'Remove no-such-folder' }).click();
    await settings.getByTestId('no-shares').waitFor();
    assert.equal(await settings.getByText(/does not exist/).count(), 0, 'the problem left with its share');

    await path.fill(shared);
    await settings.locator('input[data-field="share-name"]').fill('exchange');
    await settings.getByRole('button', { name: 'Add', exact: true }).click();
    const row = settings.locator('tr[data-share="exchange"]');
    await row.waitFor();
    assert.match(await row.innerText(), /host9p/);
    assert.equal(await settings.getByTestId('mount-command').first().innerText(), MOUNT_COMMAND);
    await shoot('stopped-share-added');
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'detached', timeout: 60_000 });
    assert.deepEqual(await machineShares(), [{ hostPath: shared, name: 'exchange', readOnly: false }]);
  });

  test('running machine: the share is served, the copied mount command mounts it in the guest, files go both ways', async () => {
    guest = coreConsole(core, machineId);
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Start' }).click();
    await page.getByTestId('details-state').filter({ hasText: 'Running' }).waitFor({ timeout: 120_000 });

    const settings = await openSharesPage();
    const row = settings.locator('tr[data-share="exchange"]');
    await row.getByText('served', { exact: true }).waitFor({ timeout: 30_000 });
    const command = settings.getByTestId('mount-command').first();
    assert.equal(await command.innerText(), MOUNT_COMMAND);
    await page.evaluate(() => navigator.clipboard.writeText(''));
    const copy = settings.getByTestId('copy-mount-command').first();
    await copy.click();
    await copy.filter({ hasText: 'Copied' }).waitFor({ timeout: 10_000 });
    const copied = await until('the copied command', () => page.evaluate(() => navigator.clipboard.readText()), (text) => text.length > 0, 10_000);
    assert.equal(copied, MOUNT_COMMAND);
    await shoot('running-served-copied');

    // A share added while it runs waits for the next start, and says so.
    const later = join(work, 'later');
    mkdirSync(later);
    await settings.locator('input[data-field="share-path"]').fill(later);
    await settings.getByRole('button', { name: 'Add', exact: true }).click();
    await settings.locator('tr[data-share="later"]').getByText('from the next start').waitFor();
    assert.equal(await settings.getByTestId('further-mount-commands').count(), 0, 'no mount command for a share the guest cannot mount yet');
    await shoot('running-share-for-next-start');
    await settings.getByRole('button', { name: 'Cancel' }).click();
    await settings.waitFor({ state: 'detached' });

    // The guest runs exactly the copied text.
    await waitForGuestBoot(guest, { timeoutMs: 300_000 });
    const run = async (text: string): Promise<string> => {
      const result = await guestShell(guest as GuestConsole, text, 60_000);
      assert.equal(result.status, 0, `"${text}" exited ${result.status} in the guest:\n${result.raw.slice(-2000)}`);
      return result.output;
    };
    await run(copied);
    // COM1 text arrives as latin1 (bytes); the file is UTF-8, byte for byte.
    assert.equal(Buffer.from(await run('cat /mnt/from-host.txt'), 'latin1').toString('utf8'), HOST_TEXT);
    await run('echo written-by-the-guest > /mnt/from-guest.txt && sync');
    const written = join(shared, 'from-guest.txt');
    await until('the guest\'s file on the host', async () => existsSync(written) && readFileSync(written, 'utf8'), (text) => text === 'written-by-the-guest\n', 10_000);
    assert.equal(statSync(written).uid, process.getuid?.(), 'the guest\'s file belongs to the host user');
    const off = await core.call('vm.poweroff', { id: machineId });
    assert.ok(off.ok, JSON.stringify(off));
    assert.deepEqual(errors, [], 'no page errors');
  });

  test('a running v86 machine with two shares: the first is served, the second is not, with the reason', async () => {
    const second = join(work, 'second');
    mkdirSync(second);
    const created = await core.call('machines.create', { name: 'Two shares', engine: 'v86', memoryMib: 64, cdrom: GRUB_ISO, network: { mode: 'none' }, shares: [{ hostPath: shared }, { hostPath: second }] });
    assert.ok(created.ok, JSON.stringify(created));
    const id = (created.value as { id: string }).id;
    const started = await core.call('vm.start', { id });
    assert.ok(started.ok, JSON.stringify(started));
    try {
      await page.locator(`[data-machine-id="${id}"]`).click();
      await page.getByTestId('details-state').filter({ hasText: 'Running' }).waitFor({ timeout: 60_000 });
      await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings' }).click();
      const settings = page.getByRole('form', { name: 'Settings of Two shares' });
      await settings.getByRole('tab', { name: 'Shared folders' }).click();
      await settings.locator('tr[data-share="exchange"]').getByText('served', { exact: true }).waitFor({ timeout: 30_000 });
      const row = settings.locator('tr[data-share="second"]');
      await row.getByText('not served', { exact: true }).waitFor();
      // The reason: on the chip, and once on the page (v86's note), not repeated in the row.
      assert.match((await row.locator('.MuiChip-root', { hasText: 'not served' }).getAttribute('title')) ?? '', /v86 .* serves only the first shared folder/);
      assert.match(await settings.getByTestId('engine-share-note').innerText(), /v86 .* serves only the first shared folder/);
      assert.equal(await row.locator('[data-share-error="second"]').count(), 0);
      assert.equal(await settings.getByTestId('mount-command').innerText(), MOUNT_COMMAND);
      await shoot('v86-second-share-not-served');
      await settings.getByRole('button', { name: 'Cancel' }).click();
      await settings.waitFor({ state: 'detached' });
    } finally {
      await core.call('vm.poweroff', { id });
    }
    assert.deepEqual(errors, [], 'no page errors');
  });
});
