/**
 * End to end in Debian's Chromium through the web shell, with a real app core and real v86
 * guests: first run → wizard with the grub-rescue ISO → VM created and started → GRUB menu on
 * the canvas (engine text and canvas pixels) → Down moves the highlight → eject and insert media
 * from the Devices menu → snapshot, change the screen, restore → full screen on and off →
 * a second window on the same machine shows the same screen at once → paste-as-typing at GRUB's
 * command line → copy screen text → GRUB's output in the serial console tab, and typing there →
 * two VM windows at once, the second machine's CD changed in its settings while stopped.
 * Screenshots of each step go to test-artifacts/e2e/.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { WebShell } from '../../src/main/web/index.js';
import { canvasHash, numberedShots, openWebSession, prepareSuite, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';

/** The few browser globals the page functions below use (test files compile without the DOM library). */
declare const document: { fullscreenElement: unknown };
declare const navigator: { clipboard: { writeText(text: string): Promise<void>; readText(): Promise<string> } };

const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const GRUB_FLOPPY = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e/', import.meta.url));

describe('Hangar in Chromium through the web shell, with real v86 guests', { timeout: 600_000 }, () => {
  let work: string;
  let core: HangarCore;
  let shell: WebShell;
  let session: WebSession | undefined;
  let context: BrowserContext;
  let manager: Page;
  let vmPage: Page;
  let machineId: string;
  const errors: string[] = [];
  const serialWrites: { args: unknown; result: unknown }[] = [];

  const shoot = numberedShots(ARTIFACTS);
  const screen = async (id = machineId): Promise<string[]> => {
    const result = await core.call('vm.execute', { id, command: 'query-screen-text' });
    assert.ok(result.ok, JSON.stringify(result));
    return (result.value as { lines: string[] }).lines;
  };
  const watch = (page: Page): Page => {
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    return page;
  };
  const menu = async (page: Page, menuName: string, itemName: string | RegExp): Promise<void> => {
    await page.getByRole('menubar').getByRole('button', { name: menuName, exact: true }).click();
    await page.getByRole('menuitem', { name: itemName }).click();
    await page.getByRole('menu').waitFor({ state: 'detached' });
  };

  before(async () => {
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-', ARTIFACTS));
    core = await HangarCore.open({ folder: join(work, 'home'), watch: true });
    // What the page sends to the guest's serial port, to tell a UI problem from a guest one.
    const call = core.call.bind(core);
    core.call = async (name, args) => {
      const result = await call(name, args);
      if (name === 'vm.serial-write') serialWrites.push({ args, result });
      return result;
    };
    session = await openWebSession(core, rendererDir, { viewport: { width: 1200, height: 800 }, clipboard: true });
    ({ shell, context } = session);
    manager = watch(await context.newPage());
  });

  after(async () => {
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('first run leads to the wizard; the grub-rescue ISO is detected; the machine is created and started', async () => {
    await manager.goto(shell.url, { timeout: 60_000 });
    await manager.getByTestId('first-run').waitFor({ timeout: 30_000 });
    await shoot(manager, 'first-run');
    await manager.getByRole('button', { name: 'New virtual machine' }).click();
    const wizard = manager.getByRole('dialog', { name: 'New virtual machine' });
    await wizard.locator('input[data-field="media-path"]').fill(GRUB_ISO);
    await wizard.getByRole('button', { name: 'Use file' }).click();
    await wizard.getByRole('button', { name: /grub-rescue-cdrom\.iso/ }).and(wizard.locator('.Mui-selected')).waitFor();
    await shoot(manager, 'wizard-media');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByTestId('detected-os').filter({ hasText: 'Detected GRUB rescue' }).waitFor();
    assert.match(await wizard.getByRole('combobox', { name: 'Operating system' }).innerText(), /GRUB rescue/);
    await shoot(manager, 'wizard-detected-os');
    await wizard.getByRole('button', { name: 'Next' }).click();
    assert.equal(await wizard.locator('input[data-field="memoryMiB"]').inputValue(), '64', 'recommended memory of GRUB rescue');
    await wizard.locator('input[data-field="memoryMiB"]').fill('4');
    await wizard.getByText('The v86 engine supports 8–2048 MiB of memory.').waitFor();
    assert.equal(await wizard.getByRole('button', { name: 'Next' }).isDisabled(), true, 'invalid memory blocks the wizard');
    await wizard.locator('input[data-field="memoryMiB"]').fill('64');
    await wizard.locator('input[data-field="name"]').fill('GRUB one');
    await wizard.locator('input[data-field="diskMiB"]').fill('16');
    await shoot(manager, 'wizard-hardware');
    await wizard.getByRole('button', { name: 'Next' }).click();
    assert.equal(await wizard.locator('[data-review="Install medium"]').innerText(), GRUB_ISO);
    assert.equal(await wizard.locator('[data-review="Disk"]').innerText(), '16 MiB (new, grows as used)');
    assert.equal(await wizard.locator('[data-review="Engine"]').innerText(), 'v86', 'v86 for a 32-bit guest');
    await wizard.getByRole('checkbox', { name: /Serial console/ }).check();
    await shoot(manager, 'wizard-review');
    await wizard.getByRole('button', { name: 'Create' }).click();
    await wizard.waitFor({ state: 'detached', timeout: 60_000 });
    const listed = await until('the machine in the library', async () => core.call('machines.list', {}), (r) => r.ok && (r.value as unknown[]).length === 1);
    machineId = ((listed as { value: { id: string }[] }).value[0] as { id: string }).id;
    await manager.getByTestId('details-state').filter({ hasText: 'Running' }).waitFor({ timeout: 60_000 });
    const machine = await core.call('machines.get', { id: machineId });
    assert.ok(machine.ok);
    assert.equal((machine.value as { disks: unknown[] }).disks.length, 1, 'the 16 MiB disk was created');
    assert.equal((machine.value as { serialEnabled: boolean }).serialEnabled, true, 'the serial console chosen in the wizard');
    await shoot(manager, 'manager-running');
  });

  test('the VM window shows the GRUB menu; Down moves the highlight (text and pixels)', async () => {
    const popup = context.waitForEvent('page', { timeout: 30_000 });
    await manager.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Show' }).click();
    vmPage = watch(await popup);
    await vmPage.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor({ timeout: 30_000 });
    await until('the GRUB menu in the engine', () => screen(), (lines) => lines.some((line) => line.includes('*GNU/Linux')), 90_000);
    await vmPage.getByTestId('screen-mode').filter({ hasText: 'Text 80×25' }).waitFor({ timeout: 30_000 });
    // The status bar names the accelerator the engine reports.
    await vmPage.getByText('v86 · JIT').waitFor({ timeout: 30_000 });
    // The menu's rows on the canvas: cells are 9×16, the entries sit in rows 3..17.
    const before = await until('menu pixels on the canvas', () => canvasHash(vmPage, 3 * 16, 18 * 16), (hash) => hash !== 'none' && Number(hash.split(':')[1]) > 2000);
    await shoot(vmPage, 'vm-grub-menu');
    await vmPage.getByTestId('guest-canvas').click();
    await vmPage.getByTestId('capture-state').filter({ hasText: 'captured' }).waitFor();
    await vmPage.keyboard.press('ArrowDown');
    await until('the highlight on the second entry', () => screen(), (lines) => lines.some((line) => line.includes('*GNU (aka GNU/Hurd)')));
    await until('the canvas to show the new highlight', () => canvasHash(vmPage, 3 * 16, 18 * 16), (hash) => hash !== before);
    await vmPage.keyboard.press('ControlRight');
    await vmPage.getByTestId('capture-state').filter({ hasText: 'Click the screen' }).waitFor();
    await shoot(vmPage, 'vm-grub-down');
  });

  test('a second window on the same machine shows the same screen at once', async () => {
    const other = watch(await context.newPage());
    await other.goto(`${shell.url.split('#')[0]}#/vm/${encodeURIComponent(machineId)}`, { timeout: 60_000 });
    await other.getByTestId('screen-mode').filter({ hasText: 'Text 80×25' }).waitFor({ timeout: 30_000 });
    // Nothing changes on the guest screen meanwhile: the new viewer must be sent the whole screen
    // and show what the first window shows (both sampled each time: on a loaded machine the first
    // window may still be painting GRUB's last redraw when the second one opens).
    const both = async (): Promise<{ first: string; second: string }> => ({
      first: await canvasHash(vmPage, 3 * 16, 18 * 16),
      second: await canvasHash(other, 3 * 16, 18 * 16),
    });
    try {
      await until('the same GRUB menu in both windows', both, ({ first, second }) => first === second && first !== 'none', 30_000);
    } catch (error) {
      await shoot(vmPage, 'same-machine-first-window-differs');
      await shoot(other, 'same-machine-second-window-differs');
      throw new Error(`${(error as Error).message}\nengine screen:\n${(await screen()).join('\n')}`);
    }
    const menuRows = await canvasHash(vmPage, 3 * 16, 18 * 16);
    assert.equal(await canvasHash(other), await canvasHash(vmPage), 'both windows show the same pixels');
    await shoot(other, 'same-machine-second-window');
    await other.close();
    // The first window is still live.
    assert.equal(await canvasHash(vmPage, 3 * 16, 18 * 16), menuRows);
  });

  test('Devices menu: eject the CD, insert a floppy by path, insert the CD from the library', async () => {
    const blocks = async (): Promise<string> => JSON.stringify((await core.call('vm.execute', { id: machineId, command: 'query-block' })) ?? {});
    await menu(vmPage, 'Devices', 'Eject CD');
    await vmPage.getByTestId('cd-status').filter({ hasText: 'Empty' }).waitFor();
    await until('the CD to leave the engine', blocks, (text) => !text.includes('grub-rescue-cdrom.iso'));
    await menu(vmPage, 'Devices', 'Insert floppy image file…');
    const prompt = vmPage.getByRole('dialog', { name: /Insert a floppy image/ });
    await prompt.getByRole('textbox', { name: 'Image file path' }).fill(GRUB_FLOPPY);
    await shoot(vmPage, 'vm-insert-floppy');
    await prompt.getByRole('button', { name: 'Insert' }).click();
    await vmPage.getByTestId('floppy-status').filter({ hasText: 'grub-rescue-floppy.img' }).waitFor();
    await until('the floppy in the engine', blocks, (text) => text.includes('grub-rescue-floppy.img'));
    await menu(vmPage, 'Devices', 'Insert grub-rescue-cdrom.iso');
    await vmPage.getByTestId('cd-status').filter({ hasText: 'grub-rescue-cdrom.iso' }).waitFor();
    await until('the CD back in the engine', blocks, (text) => text.includes('grub-rescue-cdrom.iso'));
    await shoot(vmPage, 'vm-media-status');
  });

  test('take a snapshot, change the screen, restore it (with a snapshot of the current state first)', async () => {
    await menu(vmPage, 'Machine', 'Take snapshot…');
    const take = vmPage.getByRole('dialog', { name: /Take a snapshot of/ });
    await take.getByRole('textbox', { name: 'Name' }).fill('At the menu');
    await take.getByRole('textbox', { name: 'Description' }).fill('Second entry highlighted');
    await take.getByRole('button', { name: 'Take snapshot' }).click();
    const panel = vmPage.getByRole('region', { name: /Snapshots of/ });
    await panel.getByRole('treeitem').filter({ hasText: 'At the menu' }).waitFor({ timeout: 60_000 });
    await panel.getByRole('treeitem').filter({ hasText: 'At the menu' }).locator('img').waitFor({ timeout: 30_000 });
    await shoot(vmPage, 'snapshot-taken');
    await vmPage.getByRole('dialog', { name: /Snapshots of/ }).getByRole('button', { name: 'Close' }).click();
    await vmPage.getByRole('dialog', { name: /Snapshots of/ }).waitFor({ state: 'detached' });
    const menuPixels = await canvasHash(vmPage);

    // Change the screen: GRUB's command line.
    await vmPage.getByTestId('guest-canvas').click();
    await vmPage.keyboard.press('c');
    await until('the GRUB command line', () => screen(), (lines) => lines.some((line) => line.startsWith('grub>')));
    await vmPage.keyboard.press('ControlRight');
    await until('the canvas to change', () => canvasHash(vmPage), (hash) => hash !== menuPixels);
    await shoot(vmPage, 'screen-changed');

    await menu(vmPage, 'Machine', 'Snapshots…');
    await panel.getByRole('treeitem').filter({ hasText: 'At the menu' }).click();
    await panel.getByRole('region', { name: 'Snapshot details' }).getByText('Can be restored on this machine.').waitFor({ timeout: 30_000 });
    await shoot(vmPage, 'snapshot-details');
    await panel.getByRole('button', { name: 'Restore' }).click();
    const confirm = vmPage.getByRole('dialog', { name: /Restore “At the menu”/ });
    assert.equal(await confirm.getByRole('checkbox', { name: 'Take a snapshot of the current state first' }).isChecked(), true, 'offered by default');
    await confirm.getByRole('button', { name: 'Restore' }).click();
    await until('the menu back on the engine screen', () => screen(), (lines) => lines.some((line) => line.includes('*GNU (aka GNU/Hurd)')), 90_000);
    await panel.getByRole('treeitem').filter({ hasText: 'Before restoring At the menu' }).waitFor({ timeout: 30_000 });
    type SnapshotList = { snapshots: { id: string; name: string }[]; currentId: string };
    const currentName = (result: Awaited<ReturnType<HangarCore['call']>>): string | undefined => {
      const value = result.ok ? (result.value as SnapshotList) : undefined;
      return value?.snapshots.find((s) => s.id === value.currentId)?.name;
    };
    // The restore job finishes after the screen is back: wait for it to record the current snapshot.
    const list = await until('the restored snapshot to be current', () => core.call('snapshots.list', { id: machineId }), (r) => currentName(r) === 'At the menu', 30_000);
    assert.equal((list as { value: SnapshotList }).value.snapshots.length, 2);
    await shoot(vmPage, 'snapshot-restored-tree');
    await vmPage.getByRole('dialog', { name: /Snapshots of/ }).getByRole('button', { name: 'Close' }).click();
    await until('the canvas to show the menu again', () => canvasHash(vmPage), (hash) => hash === menuPixels, 30_000);
    await shoot(vmPage, 'snapshot-restored-screen');
  });

  test('full screen on and off from the View menu', async () => {
    await menu(vmPage, 'View', 'Full screen');
    await until('full screen', () => vmPage.evaluate(() => document.fullscreenElement !== null), (on) => on, 10_000);
    await shoot(vmPage, 'full-screen');
    await menu(vmPage, 'View', 'Leave full screen');
    await until('windowed', () => vmPage.evaluate(() => document.fullscreenElement === null), (off) => off, 10_000);
  });

  test('Machine menu: pause and resume reach the engine; a screenshot downloads as PNG', async () => {
    const status = async (): Promise<string> => {
      const result = await core.call('vm.status', { id: machineId });
      return result.ok ? (result.value as { status: string }).status : JSON.stringify(result);
    };
    await menu(vmPage, 'Machine', 'Pause');
    await vmPage.getByTestId('run-state').filter({ hasText: 'Paused' }).waitFor({ timeout: 30_000 });
    assert.equal(await status(), 'paused');
    await menu(vmPage, 'Machine', 'Resume');
    await vmPage.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor({ timeout: 30_000 });
    assert.equal(await status(), 'running');
    const download = vmPage.waitForEvent('download', { timeout: 30_000 });
    await menu(vmPage, 'Machine', 'Save screenshot');
    const file = await (await download).path();
    const png = readFileSync(file);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(png.readUInt32BE(16), 720, 'the guest\'s own width');
    assert.equal(png.readUInt32BE(20), 400, 'the guest\'s own height');
  });

  test('the host key is configurable and kept in the app settings', async () => {
    await menu(vmPage, 'View', 'Right Alt');
    await until('the stored host key', () => core.call('settings.get', { key: 'ui.hostKey' }), (r) => r.ok && (r.value as { value: unknown }).value === 'AltRight', 10_000);
    await vmPage.getByTestId('guest-canvas').click();
    await vmPage.getByTestId('capture-state').filter({ hasText: 'press Right Alt to release' }).waitFor();
    await vmPage.keyboard.press('ControlRight'); // now an ordinary key for the guest
    assert.match(await vmPage.getByTestId('capture-state').innerText(), /captured/);
    await vmPage.keyboard.press('AltRight');
    await vmPage.getByTestId('capture-state').filter({ hasText: 'Click the screen' }).waitFor();
    await menu(vmPage, 'View', 'Right Ctrl');
  });

  test('paste-as-typing reaches GRUB’s command line; copy screen text holds what GRUB shows', async () => {
    await vmPage.getByTestId('guest-canvas').click();
    await vmPage.keyboard.press('c');
    await vmPage.keyboard.press('ControlRight');
    await until('the GRUB command line', () => screen(), (lines) => lines.some((line) => line.startsWith('grub>')));
    await vmPage.evaluate(() => navigator.clipboard.writeText('echo hangar pasted\n'));
    await menu(vmPage, 'Input', 'Type clipboard text');
    const lines = await until('the echo on the guest screen', () => screen(), (text) => text.includes('hangar pasted') && text.some((line) => line.includes('grub> echo hangar pasted')));
    assert.ok(lines.some((line) => line.trim() === 'hangar pasted'), 'GRUB ran the typed command');
    await shoot(vmPage, 'pasted');
    await vmPage.evaluate(() => navigator.clipboard.writeText(''));
    await menu(vmPage, 'Input', 'Copy screen text');
    const copied = await until('the copied text', () => vmPage.evaluate(() => navigator.clipboard.readText()), (text) => text.length > 0, 10_000);
    assert.match(copied, /grub> echo hangar pasted/);
    assert.match(copied, /^hangar pasted$/m);
  });

  test('the serial console tab shows GRUB\'s serial output (backlog and live) and sends what is typed there', async () => {
    // GRUB is at its command line: send its console to COM1 as well, typed on the captured display
    // one command at a time, each checked on the screen before it runs.
    const lastLine = async (): Promise<string> => (await screen()).filter((line) => line.trim()).at(-1)?.trimEnd() ?? '';
    await vmPage.getByTestId('guest-canvas').click();
    for (const command of ['serial', 'terminal_input serial console', 'terminal_output serial console']) {
      // Key by key as a person types: the display sends key codes, so '_' needs its Shift.
      for (const char of command) await vmPage.keyboard.press(char === '_' ? 'Shift+Minus' : char === ' ' ? 'Space' : char, { delay: 10 });
      await until(`"${command}" at GRUB's prompt`, lastLine, (line) => line === `grub> ${command}`, 30_000);
      await vmPage.keyboard.press('Enter');
      await until('the next prompt', lastLine, (line) => line === 'grub>', 30_000);
    }
    await vmPage.keyboard.press('ControlRight');
    await vmPage.getByRole('tab', { name: 'Serial console' }).click();
    const terminal = vmPage.getByRole('region', { name: 'Serial console' }).locator('.xterm-rows');
    // The DOM renderer draws blanks as no-break spaces.
    const serialText = async (): Promise<string> => (await terminal.innerText().catch(() => '')).replace(/\u00a0/gu, ' ');
    // The prompt GRUB printed after `terminal_output` came before the tab opened: it is the backlog.
    await until('GRUB\'s prompt on the serial console', serialText, (text) => text.includes('grub>'), 30_000);
    await vmPage.getByRole('region', { name: 'Serial console' }).locator('.xterm').click();
    await vmPage.keyboard.type('echo via serial', { delay: 20 });
    await vmPage.keyboard.press('Enter');
    const sent = await until('the keys sent to COM1', async () => serialWrites.map((w) => (w.args as { data: string }).data).join(''), (text) => text.endsWith('\r'), 30_000);
    assert.equal(sent, 'echo via serial\r', JSON.stringify(serialWrites));
    assert.ok(serialWrites.every((w) => (w.result as { ok: boolean }).ok), JSON.stringify(serialWrites));
    const after = await until('GRUB\'s answer on the serial console', serialText, (text) => /^via serial\s*$/m.test(text), 30_000);
    assert.match(after, /grub> echo via serial/);
    // GRUB echoes on both consoles: the engine's screen shows the same command.
    await until('the command on the VGA screen too', () => screen(), (lines) => lines.some((line) => line.trim() === 'via serial'));
    await shoot(vmPage, 'serial-console');
    // Reopening the tab replays the backlog.
    await vmPage.getByRole('tab', { name: 'Display' }).click();
    await vmPage.getByTestId('guest-canvas').waitFor();
    await vmPage.getByRole('tab', { name: 'Serial console' }).click();
    await until('the backlog after reopening', serialText, (text) => /^via serial\s*$/m.test(text) && text.includes('grub> echo via serial'), 30_000);
    await vmPage.getByRole('tab', { name: 'Display' }).click();
  });

  test('two VM windows at once', async () => {
    const second = await core.call('machines.create', { name: 'GRUB two', engine: 'v86', memoryMib: 32, osId: 'grub', cdrom: GRUB_ISO });
    assert.ok(second.ok, JSON.stringify(second));
    const secondId = (second.value as { id: string }).id;
    await manager.bringToFront();
    await manager.getByRole('button', { name: /GRUB two/ }).click();

    // While it is stopped, change its CD in the settings (a copy of the ISO under another name).
    const otherCd = join(work, 'other-media', 'other-cd.iso');
    mkdirSync(join(work, 'other-media'));
    copyFileSync(GRUB_ISO, otherCd);
    await manager.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings' }).click();
    const settings = manager.getByRole('dialog', { name: /Settings of GRUB two/ });
    await settings.getByRole('tab', { name: 'Storage' }).click();
    const cdDrive = settings.getByRole('listitem', { name: 'CD/DVD drive' });
    await cdDrive.locator('input[data-field="cd0-path"]').fill(otherCd);
    await cdDrive.getByRole('button', { name: 'Use file' }).click();
    await cdDrive.getByRole('combobox', { name: 'Medium' }).filter({ hasText: 'other-cd.iso' }).waitFor();
    await shoot(manager, 'settings-stopped-cd');
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'detached' });
    const stored = await until('the CD stored', () => core.call('machines.get', { id: secondId }), (r) => r.ok && (r.value as { drives: { cd0: string | null } }).drives.cd0 !== null);
    const mediaList = await core.call('media.list', {});
    assert.ok(mediaList.ok);
    const cd0 = (stored as { value: { drives: { cd0: string } } }).value.drives.cd0;
    assert.equal((mediaList.value as { id: string; path: string }[]).find((m) => m.id === cd0)?.path, otherCd, 'the new CD is in the drive row');
    await manager.getByRole('region', { name: 'Storage and media' }).getByText(otherCd).waitFor();

    await manager.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Start' }).click();
    await manager.getByTestId('details-state').filter({ hasText: 'Running' }).waitFor({ timeout: 60_000 });
    const popup = context.waitForEvent('page', { timeout: 30_000 });
    await manager.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Show' }).click();
    const secondPage = watch(await popup);
    await secondPage.getByTestId('cd-status').filter({ hasText: 'other-cd.iso' }).waitFor({ timeout: 30_000 });
    const block = JSON.stringify(await core.call('vm.execute', { id: secondId, command: 'query-block' }));
    assert.match(block, /other-cd\.iso/, 'the engine started with the CD chosen in the settings');
    await until('the second GRUB menu', () => screen(secondId), (lines) => lines.some((line) => line.includes('*GNU/Linux')), 90_000);
    await until('the second canvas', () => canvasHash(secondPage, 3 * 16, 18 * 16), (hash) => hash !== 'none' && Number(hash.split(':')[1]) > 2000);
    // Both windows are live: the first still shows its own command line.
    assert.notEqual(await canvasHash(vmPage), await canvasHash(secondPage));
    assert.equal(await vmPage.title(), 'GRUB one — Hangar');
    assert.equal(await secondPage.title(), 'GRUB two — Hangar');
    await shoot(secondPage, 'second-vm-window');
    // Serial is off for this machine: the tab says so and how to turn it on.
    await secondPage.getByRole('tab', { name: 'Serial console' }).click();
    await secondPage.getByTestId('serial-disabled').filter({ hasText: 'Console tab' }).waitFor();
    await shoot(secondPage, 'serial-disabled');
    await secondPage.getByRole('tab', { name: 'Display' }).click();
    await shoot(vmPage, 'first-vm-window');
    // The manager shows live thumbnails of both.
    await until('two thumbnails', () => manager.getByTestId('machine-thumbnail').count(), (count) => count === 2, 30_000);
    await shoot(manager, 'manager-two-running');
    await manager.emulateMedia({ colorScheme: 'dark' });
    await shoot(manager, 'manager-dark');
    await manager.emulateMedia({ colorScheme: 'light' });
    assert.deepEqual(errors, []);
  });

  test('settings of a running machine: validation, the power-cycle note, saved through the API', async () => {
    await manager.getByRole('button', { name: /GRUB one/ }).click();
    await manager.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings' }).click();
    const dialog = manager.getByRole('dialog', { name: /Settings of GRUB one/ });
    await dialog.getByRole('tab', { name: 'System' }).click();
    await dialog.locator('input[data-field="memoryMiB"]').fill('96');
    await dialog.getByTestId('power-cycle-notice').filter({ hasText: 'Memory' }).waitFor();
    await dialog.locator('input[data-field="speedLimitMips"]').fill('200');
    await shoot(manager, 'settings-running');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    const machine = await until('the new memory size', () => core.call('machines.get', { id: machineId }), (r) => r.ok && (r.value as { memoryMib: number }).memoryMib === 96);
    assert.equal((machine as { value: { speedLimitMips: number } }).value.speedLimitMips, 200);
    const limit = await core.call('vm.execute', { id: machineId, command: 'query-speed-limit' });
    assert.ok(limit.ok, JSON.stringify(limit));
    assert.equal((limit.value as { mips: number }).mips, 200, 'the running engine got the speed limit');
  });

  test('media library: a watched folder brings its images in; a file deleted outside Hangar is marked missing, then removed', async () => {
    const folder = join(work, 'isos');
    mkdirSync(folder);
    copyFileSync(GRUB_ISO, join(folder, 'outside.iso'));
    await manager.getByRole('tab', { name: /Media library/ }).click();
    await manager.getByRole('textbox', { name: 'Watch a folder' }).fill(folder);
    await manager.getByRole('button', { name: 'Watch', exact: true }).click();
    const row = manager.locator('tbody tr', { hasText: 'outside.iso' });
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await row.getAttribute('data-present'), 'true');
    assert.match(await row.innerText(), /GRUB rescue/, 'the OS is detected for watched media too');
    rmSync(join(folder, 'outside.iso'));
    await manager.locator('tbody tr[data-present="false"]', { hasText: 'outside.iso' }).waitFor({ timeout: 30_000 });
    await manager.getByTestId('missing-media').waitFor();
    await shoot(manager, 'media-library-missing');
    await row.getByRole('button', { name: /Remove/ }).click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    await manager.getByRole('tab', { name: 'Machines' }).click();
  });

  test('stop and delete with a confirmation of what is removed', async () => {
    const id = (((await core.call('machines.list', {})) as { value: { id: string; name: string }[] }).value.find((m) => m.name === 'GRUB two') as { id: string }).id;
    await manager.getByRole('button', { name: /GRUB two/ }).click();
    const toolbar = manager.getByRole('toolbar', { name: 'Machine actions' });
    await toolbar.getByRole('button', { name: 'Stop' }).click();
    await manager.getByTestId('details-state').filter({ hasText: 'Powered off' }).waitFor({ timeout: 60_000 });
    await toolbar.getByRole('button', { name: 'Delete' }).click();
    const dialog = manager.getByRole('dialog', { name: 'Delete GRUB two?' });
    assert.match(await dialog.getByTestId('delete-list').innerText(), /the machine and its settings/);
    await shoot(manager, 'delete-confirmation');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await until('the machine gone', () => core.call('machines.get', { id }), (r) => !r.ok);
    await manager.getByRole('button', { name: /GRUB two/ }).waitFor({ state: 'detached' });
  });
});
