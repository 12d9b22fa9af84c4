/**
 * The run state a VM window shows after a snapshot of a running QEMU machine (issue 16 item 1),
 * in Chromium through the web shell with a real app core and QEMU: the status bar says Running
 * after each of three snapshots taken from the window's Machine menu (and a moment later), the
 * Pause/Resume menu item offers Pause, and pausing and resuming from the menu show Paused and
 * Running as the engine says. Screenshots (1280×800) go to test-artifacts/e2e-run-state/.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { openWebSession, prepareSuite, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(root, 'test-artifacts', 'e2e-run-state');
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

describe('the run state in a VM window after snapshots of a running QEMU machine', { timeout: 600_000 }, () => {
  let work: string;
  let core: HangarCore;
  let session: WebSession | undefined;
  let vmPage: Page;
  let machineId = '';
  const errors: string[] = [];

  const menu = async (menuName: string, itemName: string | RegExp): Promise<void> => {
    await vmPage.getByRole('menubar').getByRole('button', { name: menuName, exact: true }).click();
    await vmPage.getByRole('menuitem', { name: itemName }).click();
    await vmPage.getByRole('menu').waitFor({ state: 'detached' });
  };
  const shownState = (): Promise<string> => vmPage.getByTestId('run-state').innerText();
  const engineState = async (): Promise<string> => {
    const result = await core.call('vm.execute', { id: machineId, command: 'query-status' });
    return result.ok ? (result.value as { status: string }).status : `failed: ${JSON.stringify(result)}`;
  };

  before(async () => {
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-run-state-', ARTIFACTS));
    core = await HangarCore.open({ folder: join(work, 'home'), controlSocket: false });
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 800 } });
    const created = await core.call('machines.create', { name: 'Snap state', osId: 'grub', engine: 'qemu', memoryMib: 64, cdrom, diskMib: 32 });
    assert.ok(created.ok, JSON.stringify(created));
    machineId = (created.value as { id: string }).id;
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    vmPage = await session.context.newPage();
    vmPage.on('pageerror', (error) => errors.push(error.message));
    await vmPage.goto(`${session.shell.url.split('#')[0]}#/vm/${encodeURIComponent(machineId)}`, { timeout: 60_000 });
    await until('the GRUB menu under QEMU', async () => {
      const screen = await core.call('vm.execute', { id: machineId, command: 'query-screen-text' });
      return screen.ok ? (screen.value as { lines: string[] }).lines.join('\n') : '';
    }, (text) => text.includes('GNU GRUB'), 90_000);
    await vmPage.getByTestId('guest-canvas').waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
      await vmPage.screenshot({ path: join(ARTIFACTS, '00-window-did-not-open.png') });
      throw error;
    });
  });
  after(async () => {
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('three snapshots from the Machine menu: the window says Running after each, as the engine does', async () => {
    await vmPage.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor({ timeout: 30_000 });
    for (let take = 1; take <= 3; take++) {
      await menu('Machine', 'Take snapshot…');
      const dialog = vmPage.getByRole('dialog', { name: /Take a snapshot of/ });
      await dialog.getByRole('textbox', { name: 'Name' }).fill(`Take ${take}`);
      await dialog.getByRole('button', { name: 'Take snapshot' }).click();
      const panel = vmPage.getByRole('region', { name: /Snapshots of/ });
      await panel.getByRole('treeitem').filter({ hasText: `Take ${take}` }).waitFor({ timeout: 120_000 });
      await vmPage.getByRole('dialog', { name: /Snapshots of/ }).getByRole('button', { name: 'Close' }).click();
      await vmPage.getByRole('dialog', { name: /Snapshots of/ }).waitFor({ state: 'detached' });
      assert.equal(await engineState(), 'running', `the engine runs the guest after take ${take}`);
      await until(`the window to say Running after take ${take}`, shownState, (text) => text === 'Running', 10_000);
      // Still so a moment later: no late event turns it to Paused.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(await shownState(), 'Running', `the window says Running a moment after take ${take}`);
    }
    await vmPage.getByRole('menubar').getByRole('button', { name: 'Machine', exact: true }).click();
    assert.equal(await vmPage.getByRole('menuitem', { name: 'Pause' }).count(), 1, 'the Machine menu offers Pause, not Resume');
    await vmPage.screenshot({ path: join(ARTIFACTS, '01-machine-menu-after-snapshots.png') });
    await vmPage.keyboard.press('Escape');
    await vmPage.getByRole('menu').waitFor({ state: 'detached' });
    await vmPage.screenshot({ path: join(ARTIFACTS, '02-running-after-three-snapshots.png') });
    assert.deepEqual(errors, []);
  });

  test('pause and resume from the menu: the window follows the engine', async () => {
    await menu('Machine', 'Pause');
    await until('Paused', shownState, (text) => text === 'Paused', 10_000);
    assert.equal(await engineState(), 'paused');
    await vmPage.screenshot({ path: join(ARTIFACTS, '03-paused.png') });
    await menu('Machine', 'Resume');
    await until('Running', shownState, (text) => text === 'Running', 10_000);
    assert.equal(await engineState(), 'running');
    await core.call('vm.poweroff', { id: machineId });
  });
});
