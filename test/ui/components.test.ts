/**
 * Manager, wizard, settings editor and snapshot tree in real Chromium, through the component
 * test page: keyboard navigation, validation shown next to fields, power-cycle notices, and
 * what each component hands back to its owner.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openComponentPage, pageErrors, SCREENSHOT_DIR, startHarness } from './harness.js';
import type { UiHarness } from './harness.js';

interface Call {
  name: string;
  value: unknown;
}

const mount = (page: Page, fixture: string, options: Record<string, unknown> = {}) =>
  page.evaluate(([name, o]) => (globalThis as unknown as { hangarTest: { mount(n: string, o: unknown): void } }).hangarTest.mount(name as string, o), [fixture, options] as const);
const calls = (page: Page) => page.evaluate(() => (globalThis as unknown as { hangarFixture: { calls: Call[] } }).hangarFixture.calls);

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last value ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await probe();
  }
  return last;
}

describe('components in Chromium', { timeout: 240_000 }, () => {
  let harness: UiHarness;
  let page: Page;

  before(async () => {
    harness = await startHarness();
    page = await harness.newPage();
    await openComponentPage(harness, page);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await harness?.close();
  });

  test('wizard: media → detected OS → validated hardware → review → create with progress', async () => {
    await mount(page, 'wizard');
    await page.getByRole('button', { name: /debian-12-amd64-netinst\.iso/ }).click();
    assert.equal(await page.getByRole('button', { name: /gone\.iso/ }).count(), 0, 'missing media are not offered');
    await page.getByRole('button', { name: 'Next' }).click();
    // The OS detected from the medium is preselected and can be changed.
    await page.getByRole('combobox', { name: 'Operating system' }).waitFor();
    assert.match(await page.getByRole('combobox', { name: 'Operating system' }).innerText(), /Debian 12$/m);
    await page.getByRole('button', { name: 'Next' }).click();
    const memory = page.locator('input[data-field="memoryMiB"]');
    assert.equal(await memory.inputValue(), '2048', 'recommended memory from the OS');
    assert.equal(await page.locator('input[data-field="cpus"]').inputValue(), '2');
    assert.equal(await page.locator('input[data-field="name"]').inputValue(), 'Debian 12');
    await memory.fill('70000');
    await page.getByText('The qemu engine supports 16–65536 MiB of memory.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Next' }).isDisabled(), true);
    await memory.fill('4096');
    await page.locator('input[data-field="name"]').fill('FreeDOS');
    await page.getByText('A machine named "FreeDOS" already exists.').waitFor();
    await page.locator('input[data-field="name"]').fill('My Debian');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'wizard-hardware.png') });
    await page.getByRole('button', { name: 'Next' }).click();
    assert.equal(await page.locator('[data-review="Memory"]').innerText(), '4096 MiB');
    assert.equal(await page.locator('[data-review="Engine"]').innerText(), 'QEMU');
    await page.getByRole('checkbox', { name: /Serial console/ }).check();
    await page.getByRole('button', { name: 'Create' }).click();
    const created = await until('create call', () => calls(page), (list) => list.some((c) => c.name === 'create'));
    assert.deepEqual(created.find((c) => c.name === 'create')?.value, {
      name: 'My Debian', engine: 'qemu', memoryMiB: 4096, cpus: 2, diskMiB: 20480, mediaId: 'm2', mediaPath: '/home/user/ISOs/debian-12-amd64-netinst.iso', mediaKind: 'cdrom', osId: 'debian12', startAfterCreate: true, serialConsole: true,
    });
  });

  test('wizard: a 32-bit OS proposes v86 with one CPU; QEMU missing is explained', async () => {
    await mount(page, 'wizard', { qemuAvailable: false });
    await page.getByRole('button', { name: /debian-12-i386/ }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    assert.equal(await page.locator('input[data-field="engine"]').inputValue(), 'v86');
    assert.equal(await page.locator('input[data-field="cpus"]').inputValue(), '1');
    assert.equal(await page.locator('input[data-field="memoryMiB"]').inputValue(), '1024');
    await page.locator('input[data-field="cpus"]').fill('2');
    await page.getByText('The v86 engine supports exactly 1 CPUs.').waitFor();
  });

  test('wizard: a failed creation shows the error and lets the user go back', async () => {
    await mount(page, 'wizard', { failCreate: 'The disk could not be created: no space left on the device.' });
    for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('input[data-field="name"]').fill('Empty');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('alert').filter({ hasText: 'no space left' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Back' }).isDisabled(), false);
  });

  test('settings: validation blocks saving; a running machine is told what needs a power cycle', async () => {
    await mount(page, 'settings', { running: true });
    await page.getByRole('tab', { name: 'System' }).click();
    const memory = page.locator('input[data-field="memoryMiB"]');
    await memory.fill('4096');
    await page.getByText('The v86 engine supports 8–2048 MiB of memory.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save' }).isDisabled(), true);
    await memory.fill('64');
    await page.getByTestId('power-cycle-notice').filter({ hasText: 'Memory' }).waitFor();
    // The sample machine is v86, which has no clipboard agent: only Off, and no restart asked for it
    // (QEMU's modes without a restart: test/ui/clipboard-kvm.test.ts).
    await page.getByRole('tab', { name: 'Clipboard' }).click();
    assert.equal(await page.getByRole('combobox', { name: 'Shared clipboard' }).getAttribute('aria-disabled'), 'true');
    const notice = await page.getByTestId('power-cycle-notice').innerText();
    assert.ok(!notice.includes('Clipboard'), 'the clipboard mode applies without a restart');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'settings-running.png') });
    await page.getByRole('button', { name: 'Save' }).click();
    const saved = (await calls(page)).find((c) => c.name === 'save')?.value as { memoryMiB: number; clipboard: string };
    assert.equal(saved.memoryMiB, 64);
    assert.equal(saved.clipboard, 'off');
  });

  test('settings: choosing v86 for a 64-bit OS warns with the engine rule\'s reason', async () => {
    await mount(page, 'settings', { engine: 'qemu', osId: 'debian12' });
    await page.getByRole('tab', { name: 'System' }).click();
    await page.getByRole('combobox', { name: 'Engine' }).waitFor();
    assert.equal(await page.getByTestId('engine-warning').count(), 0, 'QEMU runs a 64-bit guest');
    await page.getByRole('combobox', { name: 'Engine' }).click();
    await page.getByRole('option', { name: 'v86' }).click();
    const warning = page.getByTestId('engine-warning');
    await warning.waitFor({ timeout: 10_000 });
    assert.match(await warning.innerText(), /Debian 12 is a 64-bit guest and will not start on v86\. QEMU: .*64-bit guests cannot run on v86/);
    await page.getByRole('listbox').waitFor({ state: 'detached', timeout: 10_000 });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'settings-engine-warning.png') });
    await page.getByRole('combobox', { name: 'Engine' }).click();
    await page.getByRole('option', { name: 'QEMU' }).click();
    await until('the warning to go', () => warning.count(), (count) => count === 0);
    // A 32-bit OS runs on v86: no warning.
    await mount(page, 'settings', { engine: 'v86', osId: 'debian12-32' });
    await page.getByRole('tab', { name: 'System' }).click();
    await page.getByRole('combobox', { name: 'Engine' }).waitFor();
    assert.equal(await page.getByTestId('engine-warning').count(), 0);
  });

  test('manager notice: a refused save reads as a sentence, without the library\'s field prefix', async () => {
    const sentence = 'The shared folder "data" (/srv/data) does not exist; create the folder or choose another one.';
    await mount(page, 'notice', { failDesc: `shares: ${sentence}` });
    await page.getByRole('button', { name: 'Fail' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The shared folder "data"' });
    await alert.waitFor({ timeout: 10_000 });
    assert.equal((await alert.innerText()).trim(), sentence);
  });

  test('settings: tabs are reachable with the keyboard', async () => {
    await mount(page, 'settings');
    await page.getByRole('tab', { name: 'General' }).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const focused = await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent);
    assert.equal(focused, 'Display');
    await page.getByRole('combobox', { name: 'Display device' }).waitFor();
  });

  test('snapshot tree: nesting, current marker and keyboard navigation', async () => {
    const t = Date.UTC(2026, 0, 1);
    const rows = [
      { id: 'base', parentId: null, name: 'Fresh install', description: '', createdAt: t, loadable: true },
      { id: 'upd', parentId: 'base', name: 'Updated', description: '', createdAt: t + 1000, loadable: true },
      { id: 'old', parentId: 'base', name: 'Old engine', description: '', createdAt: t + 2000, loadable: false, problem: 'Taken with v86 0.4' },
    ];
    await mount(page, 'snapshots', { rows, currentId: 'upd', mode: 'dark' });
    const items = page.getByRole('treeitem');
    assert.equal(await items.count(), 4);
    assert.deepEqual(await items.evaluateAll((list) => (list as unknown as { getAttribute(name: string): string | null }[]).map((el) => `${el.getAttribute('aria-level')}:${el.getAttribute('data-snapshot-id')}`)), ['1:base', '2:upd', '3:current', '2:old']);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'snapshots-dark.png') });
    await items.first().click();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowLeft'); // 'upd' has a child (the marker): collapses it
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft'); // collapses 'base'
    assert.equal(await items.count(), 1);
    const log = await calls(page);
    assert.deepEqual(log.map((c) => `${c.name}:${String(c.value)}`), ['select:base', 'select:upd', 'activate:upd', 'select:base']);
  });

  test('VM window: menus send combos and commands, copy screen text, paste-as-typing with progress and cancel, media menu', async () => {
    await page.evaluate(() => (globalThis as unknown as { hangarTest: { mountVmWindow(o: unknown): void } }).hangarTest.mountVmWindow({ clipboard: 'x'.repeat(400), typingDelayMs: 30 }));
    await page.evaluate(() => {
      const cells: number[] = [];
      for (let col = 0; col < 80; col++) cells.push('HANGAR'.charCodeAt(col) || 0x20, 0xaaaaaa, 0);
      (globalThis as unknown as { hangarTest: { push(m: unknown[]): void } }).hangarTest.push([
        { type: 'mode', mode: 'text', cols: 80, rows: 25, width: 720, height: 400 },
        { type: 'text', row: 0, rowCount: 1, cols: 80, cells: Uint32Array.from(cells) },
      ]);
    });
    await page.getByText('Text 80×25').waitFor();
    await page.getByRole('button', { name: 'Input' }).click();
    await page.getByRole('menuitem', { name: 'Send Ctrl+Alt+Del' }).click();
    const keys = await page.evaluate(() => (globalThis as unknown as { hangarTest: { inputEvents(): { data: { down: boolean; key: { data: string } } }[] } }).hangarTest.inputEvents());
    assert.deepEqual(keys.map((e) => `${e.data.down ? '+' : '-'}${e.data.key.data}`), ['+ctrl', '+alt', '+delete', '-delete', '-alt', '-ctrl']);
    await page.getByRole('button', { name: 'Input' }).click();
    await page.getByRole('menuitem', { name: 'Copy screen text' }).click();
    await until('copied', () => calls(page), (list) => list.some((c) => c.name === 'clipboard'));
    // Paste-as-typing: progress shows, Cancel stops it before the end.
    await page.getByRole('button', { name: 'Input' }).click();
    await page.getByRole('menuitem', { name: 'Type clipboard text' }).click();
    await page.getByTestId('typing-progress').filter({ hasText: /of 400 characters/ }).waitFor();
    await page.getByTestId('typing-progress').getByRole('button', { name: 'Cancel' }).click();
    const typed = await until('typing ends', () => calls(page), (list) => list.some((c) => c.name === 'type'));
    assert.deepEqual(typed.find((c) => c.name === 'type')?.value, { text: 'x'.repeat(400), cancelled: true });
    await page.getByTestId('typing-progress').waitFor({ state: 'detached' });
    // Devices: library media (missing ones not offered), eject.
    await page.getByRole('button', { name: 'Devices' }).click();
    assert.equal(await page.getByRole('menuitem', { name: /gone\.iso/ }).count(), 0, 'missing media are not offered');
    await page.getByRole('menuitem', { name: 'Eject CD' }).click();
    await page.getByRole('button', { name: 'Machine' }).click();
    await page.getByRole('menuitem', { name: 'Pause' }).click();
    const log = (await calls(page)).filter((c) => c.name !== 'type');
    assert.deepEqual(log, [
      { name: 'clipboard', value: 'HANGAR' },
      { name: 'command', value: { kind: 'eject', slot: 'cd0' } },
      { name: 'command', value: { kind: 'pause' } },
    ]);
    assert.match(await page.getByTestId('cd-status').innerText(), /grub\.iso/);
    assert.match(await page.getByTestId('capture-state').innerText(), /Click the screen/);
    await page.getByTestId('guest-canvas').click();
    assert.match(await page.getByTestId('capture-state').innerText(), /press Right Ctrl to release/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'vm-window.png') });
    await page.keyboard.press('ControlRight');
    assert.match(await page.getByTestId('capture-state').innerText(), /Click the screen/);
  });

  test('serial console: shows guest output, sends typed keys, copies its own selection', async () => {
    await mount(page, 'serial');
    await page.evaluate(() => (globalThis as unknown as { hangarSerial: { write(d: string): void } }).hangarSerial.write('Hello from COM1\r\ngrub> '));
    const text = () => page.evaluate(() => (globalThis as unknown as { hangarSerial: { handle: { text(): string } | null } }).hangarSerial.handle?.text() ?? '');
    await until('serial text', text, (t) => t.includes('grub>'));
    assert.equal(await text(), 'Hello from COM1\ngrub>');
    await page.locator('.xterm').click();
    await page.keyboard.type('ls');
    await page.keyboard.press('Enter');
    const typed = await until('typed keys', () => calls(page), (list) => list.filter((c) => c.name === 'serial').length >= 3);
    assert.equal(typed.filter((c) => c.name === 'serial').map((c) => c.value).join(''), 'ls\r');
    const row = await page.locator('.xterm-rows > div').first().boundingBox();
    assert.ok(row, 'the terminal has rows');
    await page.mouse.move(row.x + 1, row.y + row.height / 2);
    await page.mouse.down();
    await page.mouse.move(row.x + 300, row.y + row.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.getByRole('button', { name: 'Copy' }).click();
    const copied = await until('copied text', () => calls(page), (list) => list.some((c) => c.name === 'clipboard'));
    assert.match(String(copied.find((c) => c.name === 'clipboard')?.value), /^Hello from COM1/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'serial.png') });
  });

  test('Electron bridge: keyboard capture, menu commands, native file chooser, bridge clipboard and the serial tab', async () => {
    type BridgeCall = { name: string; args: Record<string, unknown> | null };
    const bridgeCalls = () => page.evaluate(() => (globalThis as unknown as { hangarBridge: { calls: BridgeCall[] } }).hangarBridge.calls);
    const menuCommand = (command: string) => page.evaluate((c) => (globalThis as unknown as { hangarBridge: { menu(c: string): void } }).hangarBridge.menu(c), command);
    const has = (name: string, match: (args: Record<string, unknown>) => boolean = () => true) => (list: BridgeCall[]) => list.some((c) => c.name === name && match(c.args ?? {}));
    await mount(page, 'electron-vm-page', { backlog: 'GRUB serial backlog\r\ngrub> ' });
    await page.getByTestId('screen-mode').filter({ hasText: 'Text 80×25' }).waitFor({ timeout: 10_000 });

    // Capturing the keyboard turns the shell's menu shortcuts off; the host key turns them back on.
    await page.getByTestId('guest-canvas').click();
    await until('captured reported', bridgeCalls, has('bridge.setKeyboardCaptured', (a) => a.captured === true));
    await page.keyboard.press('KeyA');
    await until('the key on the display port', bridgeCalls, has('display.input', (a) => JSON.stringify(a).includes('"a"')));
    await page.keyboard.press('ControlRight');
    await until('release reported', bridgeCalls, has('bridge.setKeyboardCaptured', (a) => a.captured === false));

    // Application-menu commands act on this machine.
    await menuCommand('machine.pause');
    await until('vm.pause', bridgeCalls, has('vm.pause', (a) => a.id === 'vm1'));
    await menuCommand('input.ctrl-alt-del');
    await until('Ctrl+Alt+Del on the display port', bridgeCalls, has('display.input', (a) => JSON.stringify(a).includes('"delete"')));
    await menuCommand('input.type-clipboard');
    await until('the bridge clipboard typed', bridgeCalls, has('vm.type-text', (a) => a.text === 'dir\n'));
    assert.ok((await bridgeCalls()).some((c) => c.name === 'bridge.readClipboardText'), 'the clipboard came through the bridge');
    await menuCommand('view.scale-1x');
    await until('1:1 kept', bridgeCalls, has('settings.set', (a) => JSON.stringify(a.value) === '{"scaling":"native"}'));
    await menuCommand('machine.settings');
    const settings = page.getByRole('dialog', { name: 'Settings of Electron VM' });
    await settings.waitFor();
    await settings.getByRole('button', { name: 'Cancel' }).click();
    await settings.waitFor({ state: 'detached' });

    // Devices: "image file…" opens the native chooser; the medium goes into the drive (engine and library).
    await page.getByRole('button', { name: 'Devices' }).click();
    await page.getByRole('menuitem', { name: 'Insert CD image file…' }).click();
    await until('the chosen file in the drive', bridgeCalls, has('machines.set-drive', (a) => a.slot === 'cd0' && a.path === '/chosen/other-disc.iso'));
    assert.ok((await bridgeCalls()).some((c) => c.name === 'bridge.chooseMediaFile' && c.args?.kind === 'cdrom'));
    await page.getByTestId('cd-status').filter({ hasText: 'other-disc.iso' }).waitFor();

    // The serial tab: backlog, then live output; typing goes to vm.serial-write.
    await page.getByRole('tab', { name: 'Serial console' }).click();
    const rows = page.getByRole('region', { name: 'Serial console' }).locator('.xterm-rows');
    const serialText = async () => (await rows.innerText()).replace(/\u00a0/gu, ' ');
    await until('the backlog', serialText, (text) => text.includes('GRUB serial backlog'));
    await page.evaluate(() => (globalThis as unknown as { hangarBridge: { event(e: unknown): void } }).hangarBridge.event({ event: 'SERIAL_OUTPUT', data: { id: 'vm1', data: btoa('live from COM1') } }));
    await until('live output after the prompt', serialText, (text) => text.includes('grub> live from COM1'));
    await page.keyboard.type('ls');
    await until('typed keys sent', bridgeCalls, (list) => list.filter((c) => c.name === 'vm.serial-write').map((c) => c.args?.data).join('') === 'ls');
    // "Type clipboard" on the serial tab writes to the serial port (Enter as CR), not the VGA keyboard.
    const typedBefore = (await bridgeCalls()).filter((c) => c.name === 'vm.type-text').length;
    await menuCommand('input.type-clipboard');
    await until('the clipboard on the serial port', bridgeCalls, has('vm.serial-write', (a) => a.data === 'dir\r'));
    assert.equal((await bridgeCalls()).filter((c) => c.name === 'vm.type-text').length, typedBefore, 'nothing typed on the keyboard');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'electron-serial-tab.png') });
  });

  test('Electron bridge in the manager: menu commands act on the selected machine; Browse… and Show use the bridge', async () => {
    type BridgeCall = { name: string; args: Record<string, unknown> | null };
    const bridgeCalls = () => page.evaluate(() => (globalThis as unknown as { hangarBridge: { calls: BridgeCall[] } }).hangarBridge.calls);
    const menuCommand = (command: string) => page.evaluate((c) => (globalThis as unknown as { hangarBridge: { menu(c: string): void } }).hangarBridge.menu(c), command);
    const has = (name: string, match: (args: Record<string, unknown>) => boolean = () => true) => (list: BridgeCall[]) => list.some((c) => c.name === name && match(c.args ?? {}));
    await mount(page, 'electron-manager');
    await page.getByRole('button', { name: /Electron VM/ }).click();
    await menuCommand('machine.pause');
    await until('vm.pause', bridgeCalls, has('vm.pause', (a) => a.id === 'vm1'));
    await menuCommand('machine.reset');
    await until('vm.reset', bridgeCalls, has('vm.reset', (a) => a.id === 'vm1'));
    await menuCommand('machine.settings');
    await page.getByRole('dialog', { name: 'Settings of Electron VM' }).getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog', { name: 'Settings of Electron VM' }).waitFor({ state: 'detached' });
    await menuCommand('machine.new');
    const wizard = page.getByRole('dialog', { name: 'New virtual machine' });
    await wizard.getByRole('button', { name: 'Browse…' }).click();
    await until('the chosen file added', bridgeCalls, has('media.add', (a) => a.path === '/chosen/other-disc.iso'));
    await wizard.getByRole('button', { name: /other-disc\.iso/ }).and(wizard.locator('.Mui-selected')).waitFor();
    await wizard.getByRole('button', { name: 'Cancel' }).click();
    await wizard.waitFor({ state: 'detached' });
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Show' }).click();
    await until('the window opened by the shell', bridgeCalls, has('bridge.openVmWindow', (a) => a.id === 'vm1'));
  });

  test('VM window: the serial tab of a machine with serial off says how to turn it on', async () => {
    await mount(page, 'electron-vm-page', { serialEnabled: false });
    await page.getByRole('tab', { name: 'Serial console' }).click();
    const disabled = page.getByTestId('serial-disabled');
    await disabled.filter({ hasText: 'Console tab' }).waitFor();
    await disabled.getByRole('button', { name: 'Open settings…' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings of Electron VM' });
    assert.equal(await settings.getByRole('tab', { name: 'Serial' }).getAttribute('aria-selected'), 'true', 'opens on the Serial page');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'serial-disabled.png') });
    await settings.getByRole('button', { name: 'Cancel' }).click();
  });

  test('settings: the storage page changes the CD from the library or a path, and ejects the floppy', async () => {
    await mount(page, 'settings', { storageMedia: true });
    await page.getByRole('tab', { name: 'Storage' }).click();
    const cd = page.getByRole('listitem', { name: 'CD/DVD drive' });
    await cd.getByRole('combobox', { name: 'Medium' }).click();
    assert.equal(await page.getByRole('option', { name: /gone\.iso/ }).count(), 0, 'missing media are not offered');
    await page.getByRole('option', { name: /debian-12-amd64-netinst\.iso/ }).click();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'settings-storage.png') });
    await page.getByRole('button', { name: 'Save' }).click();
    let saved = (await calls(page)).find((c) => c.name === 'save')?.value as { drives: { id: string; path?: string }[] };
    assert.equal(saved.drives.find((d) => d.id === 'cd0')?.path, '/home/user/ISOs/debian-12-amd64-netinst.iso');
    await cd.locator('input[data-field="cd0-path"]').fill('/tmp/other.iso');
    await cd.getByRole('button', { name: 'Use file' }).click();
    await page.getByRole('listitem', { name: 'Floppy drive' }).getByRole('button', { name: 'Eject' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    saved = (await calls(page)).filter((c) => c.name === 'save').at(-1)?.value as { drives: { id: string; path?: string }[] };
    assert.equal(saved.drives.find((d) => d.id === 'cd0')?.path, '/tmp/other.iso');
    assert.equal(saved.drives.find((d) => d.id === 'fd0')?.path, undefined, 'the floppy was ejected');
  });

  test('the app page boots in the system colour scheme and says when the API is not connected', async () => {
    const dark = await harness.newPage({ colorScheme: 'dark' });
    await dark.goto(`${harness.baseUrl}/index.html`, { timeout: 60_000 });
    await dark.getByText('No virtual machines yet').waitFor({ timeout: 30_000 });
    await dark.getByRole('alert').filter({ hasText: 'not connected' }).waitFor();
    const background = await dark.evaluate(() => {
      const g = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { body: unknown } };
      return g.getComputedStyle(g.document.body).backgroundColor;
    });
    assert.equal(background, 'rgb(18, 18, 18)', 'dark background from prefers-color-scheme');
    await dark.getByRole('button', { name: 'New virtual machine' }).click();
    await dark.getByRole('dialog', { name: 'New virtual machine' }).waitFor();
    // Let the dialog finish fading in before the screenshot.
    await until('dialog opaque', () => dark.locator('.MuiDialog-container').evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string } }).getComputedStyle(e).opacity), (o) => o === '1');
    await dark.screenshot({ path: join(SCREENSHOT_DIR, 'app-dark-wizard.png') });
    // This static server has no /api, so Chromium logs the refused WebSocket; nothing else may fail.
    assert.deepEqual(pageErrors(dark).filter((error) => !/^WebSocket connection to '.*\/api' failed/.test(error)), []);
  });

  test('manager: first run leads to the wizard; selecting a machine enables its actions', async () => {
    await mount(page, 'manager', { machines: [] });
    await page.getByTestId('first-run').waitFor();
    await page.getByRole('button', { name: 'New virtual machine' }).click();
    assert.deepEqual((await calls(page)).at(-1)?.value, { action: 'new', id: null });
    const config = { name: 'FreeDOS', osId: 'freedos', engine: 'v86', memoryMiB: 32, cpus: 1, bootOrder: ['disk'], forceTcg: false, speedLimitMips: 0, displayDevice: 'std', scaling: 'fit', drives: [], serial: 'off', clipboard: 'off', network: { mode: 'nat', model: 'auto', mac: '02:00:00:00:00:01', connected: true, forwards: [] } };
    await mount(page, 'manager', { machines: [{ id: 'vm1', config, state: 'stopped' }, { id: 'vm2', config: { ...config, name: 'Running' }, state: 'running' }] });
    const toolbar = page.getByRole('toolbar', { name: 'Machine actions' });
    assert.equal(await toolbar.getByRole('button', { name: 'Start' }).isDisabled(), true, 'nothing selected');
    await page.getByRole('button', { name: /FreeDOS/ }).click();
    assert.equal(await toolbar.getByRole('button', { name: 'Start' }).isDisabled(), false);
    assert.equal(await toolbar.getByRole('button', { name: 'Delete' }).isDisabled(), false);
    await page.getByRole('button', { name: /Running/ }).click();
    assert.equal(await toolbar.getByRole('button', { name: 'Delete' }).isDisabled(), true, 'a running machine cannot be deleted');
    await toolbar.getByRole('button', { name: 'Pause' }).click();
    assert.deepEqual((await calls(page)).at(-1)?.value, { action: 'pause', id: 'vm2' });
    // Keyboard: arrows move the selection, Enter opens (running) or starts (stopped), Delete asks to delete.
    await page.getByRole('button', { name: /Running/ }).focus();
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.getByRole('button', { name: /FreeDOS/ }).getAttribute('class').then((c) => c?.includes('Mui-selected')), true);
    await page.keyboard.press('Enter');
    assert.deepEqual((await calls(page)).at(-1)?.value, { action: 'start', id: 'vm1' });
    await page.keyboard.press('Delete');
    assert.deepEqual((await calls(page)).at(-1)?.value, { action: 'delete', id: 'vm1' });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    assert.deepEqual((await calls(page)).at(-1)?.value, { action: 'show', id: 'vm2' });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'manager.png') });
    assert.deepEqual(pageErrors(page), []);
  });

  test('manager: the media library marks missing media and adds images by path', async () => {
    await mount(page, 'manager', { machines: [], withMedia: true });
    await page.getByRole('tab', { name: /Media library/ }).click();
    const rows = page.getByRole('table', { name: 'Media' }).locator('tbody tr');
    assert.equal(await rows.count(), 3);
    assert.equal(await page.locator('tr[data-present="false"]').getByText('Missing').count(), 1);
    assert.equal(await page.locator('tr[data-present="true"]').getByText('Missing').count(), 0);
    await page.getByTestId('missing-media').waitFor();
    await page.getByRole('textbox', { name: 'Add an image file by path' }).fill('/isos/new.iso');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    assert.deepEqual((await calls(page)).at(-1), { name: 'add-media', value: '/isos/new.iso' });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'media-library.png') });
  });
});
