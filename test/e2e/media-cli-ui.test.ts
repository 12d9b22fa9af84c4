/**
 * `hangar control NAME insert|eject` (the real CLI, through the control socket) while a VM
 * window and the manager are open in Chromium (web shell, real core, real v86 machine): both
 * show the new drive contents at once, without a reload — also after the window changed the
 * drive itself (its own change must not hide a later one from the CLI). Screenshots at 1280×800
 * go to test-artifacts/e2e-media-cli/.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { hangarCli } from '../support/hangar-cli.js';
import { openVmPage, openWebSession, prepareSuite, watchErrors } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';

const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const GRUB_FLOPPY = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e-media-cli/', import.meta.url));

describe('CLI insert and eject show at once in open windows and the manager', { timeout: 600_000 }, () => {
  let work = '';
  let home = '';
  let core: HangarCore;
  let session: WebSession | undefined;
  let vmPage: Page;
  let managerPage: Page;
  let machineId = '';
  const errors: string[] = [];

  const cli = (): ReturnType<typeof hangarCli> => hangarCli(home, { timeoutMs: 90_000, cwd: work });
  const menu = async (menuName: string, itemName: string | RegExp): Promise<void> => {
    await vmPage.getByRole('menubar').getByRole('button', { name: menuName, exact: true }).click();
    await vmPage.getByRole('menuitem', { name: itemName }).click();
    await vmPage.getByRole('menu').waitFor({ state: 'detached' });
  };

  before(async () => {
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-media-cli-', ARTIFACTS));
    home = join(work, 'home');
    core = await HangarCore.open({ folder: home });
    const created = await core.call('machines.create', { name: 'Swapper', engine: 'v86', memoryMib: 64, cdrom: GRUB_ISO, network: { mode: 'none' } });
    assert.ok(created.ok, JSON.stringify(created));
    machineId = (created.value as { id: string }).id;
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 800 } });
    vmPage = await openVmPage(session, machineId, errors);
    managerPage = watchErrors(await session.context.newPage(), errors);
    await managerPage.goto(`${session.shell.url.split('#')[0]}#/`, { timeout: 60_000 });
    await managerPage.getByText('Swapper').first().click({ timeout: 60_000 });
  });

  after(async () => {
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('control insert fd0 and eject cd0 from the CLI; the window and the manager follow', async () => {
    await vmPage.getByTestId('cd-status').filter({ hasText: 'grub-rescue-cdrom.iso' }).waitFor({ timeout: 30_000 });
    await vmPage.getByTestId('floppy-status').filter({ hasText: 'Empty' }).waitFor({ timeout: 30_000 });

    await cli().expectOk('control', 'Swapper', 'insert', 'fd0', GRUB_FLOPPY);
    await vmPage.getByTestId('floppy-status').filter({ hasText: 'grub-rescue-floppy.img' }).waitFor({ timeout: 15_000 });
    await managerPage.getByText(GRUB_FLOPPY).first().waitFor({ timeout: 15_000 });

    await cli().expectOk('control', 'Swapper', 'eject', 'cd0');
    await vmPage.getByTestId('cd-status').filter({ hasText: 'Empty' }).waitFor({ timeout: 15_000 });
    await managerPage.getByText(GRUB_ISO).waitFor({ state: 'detached', timeout: 15_000 });
    await vmPage.screenshot({ path: join(ARTIFACTS, '01-window-after-cli.png') });
    await managerPage.screenshot({ path: join(ARTIFACTS, '02-manager-after-cli.png') });
  });

  test('after the window changed a drive itself, a CLI change still shows', async () => {
    await menu('Devices', 'Insert grub-rescue-cdrom.iso');
    await vmPage.getByTestId('cd-status').filter({ hasText: 'grub-rescue-cdrom.iso' }).waitFor({ timeout: 15_000 });
    await cli().expectOk('control', 'Swapper', 'eject', 'cd0');
    await vmPage.getByTestId('cd-status').filter({ hasText: 'Empty' }).waitFor({ timeout: 15_000 });
    await vmPage.screenshot({ path: join(ARTIFACTS, '03-window-own-change-then-cli.png') });
    assert.deepEqual(errors, [], 'no page errors');
  });
});
