/**
 * The network UI in real Chromium through the component test page: Settings → Network (mode,
 * adapter per engine, MAC with Regenerate, cable, forwards table with add / edit / remove and
 * its validation and advice, each forward's state in the running engine), the VM window's port
 * forwarding dialog (a busy host port refused with the reason), the Devices menu's network part,
 * the status bar's indicator, and the manager's details with a link for HTTP-like guest ports.
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
const mountVmWindow = (page: Page, options: Record<string, unknown>) =>
  page.evaluate((o) => (globalThis as unknown as { hangarTest: { mountVmWindow(o: unknown): void } }).hangarTest.mountVmWindow(o), options);
const calls = (page: Page) => page.evaluate(() => (globalThis as unknown as { hangarFixture: { calls: Call[] } }).hangarFixture.calls);

const ssh = { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22, name: 'ssh' };
const runningStatus = {
  mode: 'nat', model: 'ne2k', mac: '02:54:00:12:34:56', connected: true, running: true, available: true, rxFrames: 10, txFrames: 8,
  forwards: [{ ...ssh, status: 'failed', error: '127.0.0.1:2222 is already in use' }],
};

describe('network UI in Chromium', { timeout: 240_000 }, () => {
  let harness: UiHarness;
  let page: Page;

  before(async () => {
    harness = await startHarness();
    page = await harness.newPage({ width: 1280, height: 860 });
    await openComponentPage(harness, page);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await harness?.close();
  });

  test('the wizard reviews a new machine with NAT', async () => {
    await mount(page, 'wizard');
    for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('input[data-field="name"]').fill('New one');
    await page.getByRole('button', { name: 'Next' }).click();
    assert.equal(await page.locator('[data-review="Network"]').innerText(), 'NAT (port forwards in Settings → Network)');
  });

  test('Settings → Network: mode, adapter per engine, MAC regenerate, cable, forwards with validation; saved as one network', async () => {
    await mount(page, 'settings');
    await page.getByRole('tab', { name: 'Network' }).click();
    assert.equal(await page.locator('input[data-field="network-mode"]').inputValue(), 'nat');
    // v86 offers its own cards only.
    await page.getByRole('combobox', { name: 'Adapter' }).click();
    assert.deepEqual(await page.getByRole('option').allInnerTexts(), ['Automatic (the engine chooses)', 'NE2000', 'virtio-net (paravirtual)']);
    await page.getByRole('option', { name: 'NE2000' }).click();
    // Regenerate makes a new locally administered unicast MAC; a multicast one is refused.
    const mac = page.locator('input[data-field="network-mac"]');
    assert.equal(await mac.inputValue(), '02:54:00:12:34:56');
    await page.getByRole('button', { name: 'Regenerate' }).click();
    const regenerated = await mac.inputValue();
    assert.notEqual(regenerated, '02:54:00:12:34:56');
    assert.match(regenerated, /^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/, 'locally administered, unicast');
    await mac.fill('01:00:5e:00:00:01');
    await page.getByText(/is a multicast address/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save' }).isDisabled(), true);
    await mac.fill(regenerated);
    await page.getByRole('checkbox', { name: 'Cable connected' }).uncheck();

    // The forwards table: the stored ssh rule; ports are checked next to the fields.
    await page.locator('tr[data-forward="tcp:127.0.0.1:2222"]').waitFor();
    const hostPort = page.locator('input[data-field="forward-hostPort"]');
    const guestPort = page.locator('input[data-field="forward-guestPort"]');
    await hostPort.fill('0');
    await page.getByText('The host port is a whole number from 1 to 65535.').waitFor();
    await hostPort.fill('70000');
    await page.getByText('The host port is a whole number from 1 to 65535.').waitFor();
    await hostPort.fill('2222');
    await guestPort.fill('2022');
    await page.getByText('TCP 127.0.0.1:2222 is already forwarded; each host port can be forwarded once.').waitFor();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    assert.equal(await page.locator('tr[data-forward]').count(), 1, 'a duplicate host port is not added');
    // A privileged port is explained (advice, not a block).
    await hostPort.fill('80');
    await guestPort.fill('80');
    await page.getByTestId('forward-note').filter({ hasText: 'privileged port' }).waitFor();
    // Another address than loopback warns that other computers reach the guest.
    await hostPort.fill('8080');
    await page.locator('input[data-field="forward-hostAddress"]').fill('0.0.0.0');
    await page.getByTestId('forward-note').filter({ hasText: 'other computers on the network reach the guest\'s port 80' }).waitFor();
    assert.equal(await page.getByTestId('forward-note').filter({ hasText: 'privileged' }).count(), 0);
    await page.locator('input[data-field="forward-name"]').fill('web');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('tr[data-forward="tcp:0.0.0.0:8080"]').waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'settings-network.png') });
    // Edit: the ssh rule moves to host port 2200.
    await page.getByRole('button', { name: 'Edit TCP 127.0.0.1:2222 → 22' }).click();
    assert.equal(await hostPort.inputValue(), '2222');
    await hostPort.fill('2200');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.locator('tr[data-forward="tcp:127.0.0.1:2200"]').waitFor();
    // Remove, then save.
    await page.getByRole('button', { name: 'Remove TCP 0.0.0.0:8080 → 80' }).click();
    assert.equal(await page.locator('tr[data-forward]').count(), 1);
    await page.getByRole('button', { name: 'Save' }).click();
    const saved = (await calls(page)).find((c) => c.name === 'save')?.value as { network: unknown };
    assert.deepEqual(saved.network, {
      mode: 'nat', model: 'ne2k', mac: regenerated, connected: false,
      forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2200, guestPort: 22, name: 'ssh' }],
    });
    assert.deepEqual(pageErrors(page), []);
  });

  test('Settings → Network of a running machine: failed forwards show the reason; only card changes wait for a power cycle', async () => {
    await mount(page, 'settings', { running: true, networkStatus: runningStatus });
    await page.getByRole('tab', { name: 'Network' }).click();
    const row = page.locator('tr[data-forward="tcp:127.0.0.1:2222"]');
    await row.filter({ hasText: 'Failed' }).waitFor();
    assert.equal(await row.getByTestId('forward-error').innerText(), '127.0.0.1:2222 is already in use');
    await page.getByText(/port forwards and the cable change at once/).waitFor();
    await page.locator('input[data-field="forward-hostPort"]').fill('8080');
    await page.locator('input[data-field="forward-guestPort"]').fill('80');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('tr[data-forward="tcp:127.0.0.1:8080"]').filter({ hasText: 'Not applied yet' }).waitFor();
    assert.equal(await page.getByTestId('power-cycle-notice').count(), 0, 'a forward applies to the running machine');
    await page.getByRole('combobox', { name: 'Adapter' }).click();
    await page.getByRole('option', { name: 'virtio-net (paravirtual)' }).click();
    await page.getByTestId('power-cycle-notice').filter({ hasText: 'Network card' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'settings-network-running.png') });
    assert.deepEqual(pageErrors(page), []);
  });

  test('port forwarding dialog: state per rule, a busy host port refused with the reason, edit and remove go to the engine', async () => {
    await mount(page, 'port-forwarding', { networkStatus: { ...runningStatus, forwards: [{ ...ssh, status: 'active' }] } });
    const dialog = page.getByRole('dialog', { name: 'Port forwarding of FreeDOS' });
    await dialog.locator('tr[data-forward="tcp:127.0.0.1:2222"]').filter({ hasText: 'Active' }).waitFor();
    await dialog.locator('input[data-field="forward-hostPort"]').fill('5900');
    await dialog.locator('input[data-field="forward-guestPort"]').fill('5900');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByTestId('forwarding-error').filter({ hasText: 'The engine could not listen: 127.0.0.1:5900 is already in use.' }).waitFor();
    assert.equal(await dialog.locator('tr[data-forward]').count(), 1, 'the refused rule is not listed');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'port-forwarding-busy.png') });
    await dialog.getByRole('button', { name: 'Edit TCP 127.0.0.1:2222 → 22' }).click();
    await dialog.locator('input[data-field="forward-hostPort"]').fill('2223');
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    await dialog.locator('tr[data-forward="tcp:127.0.0.1:2223"]').filter({ hasText: 'Active' }).waitFor();
    await dialog.getByRole('button', { name: 'Remove TCP 127.0.0.1:2223 → 22' }).click();
    await dialog.getByTestId('no-forwards').waitFor();
    const log = (await calls(page)).map((c) => [c.name, (c.value as { hostPort?: number } | null)?.hostPort]);
    assert.deepEqual(log, [['forward-add', 5900], ['forward-remove', 2222], ['forward-add', 2223], ['forward-remove', 2223]]);
    assert.deepEqual(pageErrors(page), []);
  });

  test('VM window: the status bar shows the network with activity lights; Devices → Network has the cable and the dialog', async () => {
    await mountVmWindow(page, { network: { status: runningStatus, receiving: true, sending: false } });
    const indicator = page.getByTestId('network-status');
    await indicator.waitFor();
    assert.equal(await indicator.innerText(), 'NAT');
    assert.equal(await indicator.getAttribute('aria-label'), 'NAT · cable connected · 1 port forward, 1 failed');
    assert.equal(await page.getByTestId('network-rx').getAttribute('data-on'), 'true');
    assert.equal(await page.getByTestId('network-tx').getAttribute('data-on'), 'false');
    await page.getByRole('button', { name: 'Devices' }).click();
    await page.getByText('Network: NAT, cable connected').waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'vm-devices-network.png') });
    await page.getByRole('menuitem', { name: 'Disconnect network cable' }).click();
    await page.getByRole('button', { name: 'Devices' }).click();
    await page.getByRole('menuitem', { name: 'Port forwarding…' }).click();
    const commands = (await calls(page)).filter((c) => c.name === 'command').map((c) => c.value);
    assert.deepEqual(commands, [{ kind: 'cable', up: false }, { kind: 'forwarding' }]);
    // Unplugged: said in the indicator, and the menu offers to plug it in.
    await mountVmWindow(page, { network: { status: { ...runningStatus, connected: false, forwards: [] }, receiving: false, sending: false } });
    assert.equal(await page.getByTestId('network-status').innerText(), 'NAT · unplugged');
    await page.getByRole('button', { name: 'Devices' }).click();
    await page.getByRole('menuitem', { name: 'Connect network cable' }).waitFor();
    await page.keyboard.press('Escape');
    assert.deepEqual(pageErrors(page), []);
  });

  test('manager details: the network and its forwards, with a link for HTTP-like guest ports', async () => {
    const config = {
      name: 'Web', osId: 'other', engine: 'qemu', memoryMiB: 256, cpus: 1, bootOrder: ['cdrom'], forceTcg: false, speedLimitMips: 0, displayDevice: 'std', scaling: 'fit', drives: [], serial: 'off', clipboard: 'off',
      network: { mode: 'nat', model: 'auto', mac: '02:54:00:aa:bb:cc', connected: true, forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 8080, guestPort: 80, name: 'web' }, ssh] },
    };
    await mount(page, 'manager', { machines: [{ id: 'vm1', config, state: 'running' }] });
    await page.locator('[data-machine-id="vm1"]').click();
    const network = page.getByRole('region', { name: 'Network' });
    await network.waitFor();
    const web = network.locator('[data-forward="tcp:127.0.0.1:8080"]');
    assert.equal(await web.getByRole('link').getAttribute('href'), 'http://127.0.0.1:8080');
    assert.equal(await web.getByRole('link').getAttribute('target'), '_blank');
    assert.equal(await network.locator('[data-forward="tcp:127.0.0.1:2222"]').getByRole('link').count(), 0, 'ssh is not a web page');
    assert.match(await network.innerText(), /02:54:00:aa:bb:cc/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'manager-network.png') });
    assert.deepEqual(pageErrors(page), []);
  });
});
