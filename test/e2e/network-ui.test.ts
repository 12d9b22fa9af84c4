/**
 * Networking end to end in Debian's Chromium through the web shell, with a real app core and
 * the Linux test guest (scripts/build-test-guest.sh) on v86 behind its real NAT helper: a new
 * machine has NAT; the guest serves HTTP on port 8080 (busybox httpd); a forward added in
 * Settings → Network of the RUNNING machine makes the guest's page answer on the host; the
 * manager's details link to it; the VM window's status bar shows the network with activity; the
 * Devices menu's port forwarding dialog shows the rule active and refuses a busy host port with
 * the reason; the cable from the Devices menu cuts and restores the forward; the dialog removes
 * the rule live. Screenshots go to
 * test-artifacts/e2e-network/.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import type { WebShell } from '../../src/main/web/index.js';
import { numberedShots, openWebSession, prepareSuite, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';
import { ensureGuestIso, freePort } from '../support/linux-guest.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let guestIso: string;
const ARTIFACTS = join(root, 'test-artifacts', 'e2e-network');
const PAGE_TEXT = 'hangar-net-ui: served by the guest';

/** GET http://127.0.0.1:port/ from the host: the body, or the failure as text (never throws). */
async function httpGet(port: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
    return `${response.status} ${await response.text()}`;
  } catch (error) {
    return `failed: ${(error as Error).message}; ${String((error as { cause?: unknown }).cause ?? '')}`;
  }
}

describe('networking in Chromium through the web shell, with the Linux guest on v86', { timeout: 900_000 }, () => {
  let work: string;
  let core: HangarCore;
  let shell: WebShell;
  let session: WebSession | undefined;
  let context: BrowserContext;
  let manager: Page;
  let vmPage: Page;
  let machineId: string;
  let busy: Server;
  let busyPort = 0;
  let hostPort = 0;
  const events: CoreEvent[] = [];
  const errors: string[] = [];

  const shoot = numberedShots(ARTIFACTS);
  const watch = (page: Page): Page => {
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    return page;
  };
  const serialText = (from = 0): string =>
    events
      .slice(from)
      .filter((event) => event.event === 'SERIAL_OUTPUT')
      .map((event) => Buffer.from((event.data as { data: string }).data, 'base64').toString('latin1'))
      .join('');
  const waitForSerial = (pattern: RegExp, timeoutMs: number, from = 0): Promise<string> => until(`${pattern} on the guest's COM1`, async () => serialText(from), (text) => pattern.test(text), timeoutMs);
  let commands = 0;
  /** Runs a shell command in the guest (its root shell on ttyS0) and answers its exit status. */
  const guest = async (command: string, timeoutMs = 60_000): Promise<number> => {
    const marker = ++commands;
    const from = events.length;
    const written = await core.call('vm.serial-write', { id: machineId, data: `${command}; echo "END${marker}-$((1000+$?))"\n` });
    assert.ok(written.ok, JSON.stringify(written));
    const text = await waitForSerial(new RegExp(`END${marker}-1\\d{3}`), timeoutMs, from);
    return Number(new RegExp(`END${marker}-1(\\d{3})`).exec(text)?.[1]);
  };
  const network = async (): Promise<{ connected: boolean; forwards: { hostPort: number; status: string; error?: string }[] }> => {
    const result = await core.call('vm.network', { id: machineId });
    assert.ok(result.ok, JSON.stringify(result));
    return result.value as { connected: boolean; forwards: { hostPort: number; status: string; error?: string }[] };
  };
  const menu = async (page: Page, menuName: string, itemName: string | RegExp): Promise<void> => {
    await page.getByRole('menubar').getByRole('button', { name: menuName, exact: true }).click();
    await page.getByRole('menuitem', { name: itemName }).click();
    await page.getByRole('menu').waitFor({ state: 'detached' });
  };

  before(async () => {
    // Builds the guest once (a no-op when test-artifacts/guest is current).
    guestIso = ensureGuestIso();
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-net-', ARTIFACTS));
    core = await HangarCore.open({ folder: join(work, 'home') });
    core.subscribe((event) => events.push(event));
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 860 } });
    ({ shell, context } = session);
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as AddressInfo).port;
    manager = watch(await context.newPage());
  });

  after(async () => {
    await session?.close();
    await core?.close();
    await new Promise((resolve) => (busy ? busy.close(resolve) : resolve(undefined)));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a new machine has NAT; the guest boots, gets its lease and serves HTTP on port 8080', async () => {
    const created = await core.call('machines.create', { name: 'Web guest', osId: 'other', engine: 'v86', memoryMib: 256, cdrom: guestIso, bootOrder: ['cdrom'], serialEnabled: true });
    assert.ok(created.ok, JSON.stringify(created));
    const machine = created.value as { id: string; network?: { mode: string; mac: string } };
    machineId = machine.id;
    assert.equal(machine.network?.mode, 'nat', 'NAT is the default');
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    await waitForSerial(/hangar-guest: net eth0 10\.0\.2\.15/, 240_000);
    await waitForSerial(/hangar-guest: ready/, 60_000);
    await waitForSerial(/\/ # /, 30_000);
    assert.equal(await guest(`mkdir -p /www && echo '${PAGE_TEXT}' > /www/index.html && httpd -p 8080 -h /www`), 0, 'httpd started in the guest');
    assert.equal(await guest('wget -q -O - http://127.0.0.1:8080/ | grep -q hangar-net-ui'), 0, 'httpd answers inside the guest');
  });

  test('Settings → Network of the running machine: a forward added there answers from the guest on the host', async () => {
    hostPort = await freePort();
    assert.match(await httpGet(hostPort), /^failed/, 'nothing listens on the port yet');
    await manager.goto(shell.url, { timeout: 60_000 });
    await manager.locator(`[data-machine-id="${machineId}"]`).click();
    await manager.getByTestId('details-state').filter({ hasText: 'Running' }).waitFor({ timeout: 30_000 });
    await manager.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings' }).click();
    const settings = manager.getByRole('form', { name: 'Settings of Web guest' });
    await settings.getByRole('tab', { name: 'Network' }).click();
    assert.equal(await settings.locator('input[data-field="network-mode"]').inputValue(), 'nat');
    assert.match(await settings.locator('input[data-field="network-mac"]').inputValue(), /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    await settings.getByTestId('no-forwards').waitFor();
    // Validation next to the fields: a port out of range blocks the rule; a privileged one is explained.
    await settings.locator('input[data-field="forward-hostPort"]').fill('70000');
    await settings.getByText('The host port is a whole number from 1 to 65535.').waitFor();
    await settings.locator('input[data-field="forward-hostPort"]').fill('80');
    await settings.getByTestId('forward-note').filter({ hasText: 'privileged port' }).waitFor();
    await settings.locator('input[data-field="forward-hostPort"]').fill(String(hostPort));
    await settings.locator('input[data-field="forward-guestPort"]').fill('8080');
    await settings.locator('input[data-field="forward-name"]').fill('web');
    await settings.getByRole('button', { name: 'Add', exact: true }).click();
    const row = settings.locator(`tr[data-forward="tcp:127.0.0.1:${hostPort}"]`);
    await row.filter({ hasText: 'Not applied yet' }).waitFor();
    await shoot(manager, 'settings-network-forward-added');
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'detached', timeout: 60_000 });
    const answer = await until('the guest page through the forward', () => httpGet(hostPort), (text) => text.includes(PAGE_TEXT), 60_000);
    assert.match(answer, /^200 /);
    const live = await network();
    assert.deepEqual(live.forwards.map((forward) => [forward.hostPort, forward.status]), [[hostPort, 'active']], 'the engine has it, and it is stored');
    // The manager's details list it with a link for the HTTP-like guest port.
    const link = manager.getByTestId('details-forward').getByRole('link', { name: `http://127.0.0.1:${hostPort}` });
    await link.waitFor({ timeout: 30_000 });
    assert.equal(await link.getAttribute('href'), `http://127.0.0.1:${hostPort}`);
    await shoot(manager, 'manager-details-forward-link');
  });

  test('the VM window: network indicator with activity, port forwarding dialog live (busy port refused with the reason, removal), cable toggle', async () => {
    const popup = context.waitForEvent('page', { timeout: 30_000 });
    await manager.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Show' }).click();
    vmPage = watch(await popup);
    const indicator = vmPage.getByTestId('network-status');
    await indicator.filter({ hasText: 'NAT' }).waitFor({ timeout: 60_000 });
    // Traffic through the forward lights the indicator (v86 counts frames).
    await until(
      'the receive light after traffic',
      async () => {
        await httpGet(hostPort);
        return vmPage.getByTestId('network-rx').getAttribute('data-on');
      },
      (on) => on === 'true',
      60_000,
    );
    await shoot(vmPage, 'vm-network-indicator');

    await menu(vmPage, 'Devices', 'Port forwarding…');
    const dialog = vmPage.getByRole('dialog', { name: 'Port forwarding of Web guest' });
    await dialog.locator(`tr[data-forward="tcp:127.0.0.1:${hostPort}"]`).filter({ hasText: 'Active' }).waitFor({ timeout: 30_000 });
    // A busy host port: refused with the reason, nothing stored, the machine runs on.
    await dialog.locator('input[data-field="forward-hostPort"]').fill(String(busyPort));
    await dialog.locator('input[data-field="forward-guestPort"]').fill('22');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    const refusal = dialog.getByTestId('forwarding-error');
    await refusal.waitFor({ timeout: 30_000 });
    assert.match(await refusal.innerText(), new RegExp(`127\\.0\\.0\\.1:${busyPort}.*(in use|already)`, 'su'));
    await shoot(vmPage, 'vm-forwarding-busy-port');
    assert.deepEqual((await network()).forwards.map((forward) => forward.hostPort), [hostPort], 'the refused forward was not stored');
    await dialog.getByText('Close', { exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    // The cable from the Devices menu reaches the engine: the forward stops answering, then works again.
    await menu(vmPage, 'Devices', 'Disconnect network cable');
    await indicator.filter({ hasText: 'unplugged' }).waitFor({ timeout: 30_000 });
    assert.equal((await network()).connected, false);
    assert.match(await httpGet(hostPort), /^failed/, 'no answer with the cable out');
    await shoot(vmPage, 'vm-cable-unplugged');
    await menu(vmPage, 'Devices', 'Connect network cable');
    await indicator.filter({ hasText: /^NAT$/ }).waitFor({ timeout: 30_000 });
    assert.equal((await network()).connected, true);
    await until('the guest page with the cable back in', () => httpGet(hostPort), (text) => text.includes(PAGE_TEXT), 60_000);

    // Removal in the dialog reaches the engine at once.
    await menu(vmPage, 'Devices', 'Port forwarding…');
    await dialog.getByRole('button', { name: `Remove TCP 127.0.0.1:${hostPort} → 8080` }).click();
    await dialog.getByTestId('no-forwards').waitFor({ timeout: 30_000 });
    await until('the forward to stop answering', () => httpGet(hostPort), (text) => text.startsWith('failed'), 30_000);
    assert.deepEqual((await network()).forwards, [], 'removed from the engine and the settings');
    await dialog.getByText('Close', { exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(errors, [], 'no page errors');
  });
});
