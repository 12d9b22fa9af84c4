/**
 * The manager's ACPI shutdown, end to end in Debian's Chromium through the web shell with a real
 * QEMU guest (GRUB rescue, which ignores the ACPI power button): "Shut down" in the manager's
 * toolbar says "Shutdown requested…" for that machine, offers Power off once the guest has had
 * its time, and Power off stops the machine. Screenshots go to test-artifacts/e2e-manager-shutdown/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { SHUTDOWN_WAIT_MS } from '../../src/renderer/features/vm-window/use-shutdown-request.js';
import { buildRenderer } from '../ui/harness.js';
import { openWebSession, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';

const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e-manager-shutdown/', import.meta.url));

describe('the manager\'s ACPI shutdown with a real QEMU guest that ignores it', { timeout: 600_000 }, () => {
  let work: string;
  let core: HangarCore;
  let session: WebSession | undefined;
  let machineId: string;
  const errors: string[] = [];
  const shoot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const screen = async (): Promise<string> => {
    const result = await core.call('vm.execute', { id: machineId, command: 'query-screen-text' });
    return result.ok ? (result.value as { lines: string[] }).lines.join('\n') : '';
  };
  const state = async (): Promise<string> => {
    const result = await core.call('machines.get', { id: machineId });
    return result.ok ? (result.value as { state: string }).state : `error: ${JSON.stringify(result)}`;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hangar-e2e-manager-shutdown-'));
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    const rendererDir = join(work, 'renderer');
    await buildRenderer(rendererDir);
    core = await HangarCore.open({ folder: join(work, 'home'), watch: true });
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 800 } });
    // A second, stopped machine: the notice must name the one that was asked.
    const other = await core.call('machines.create', { name: 'Bystander', osId: 'grub', engine: 'qemu', memoryMib: 64, cdrom: GRUB_ISO, network: { mode: 'none' } });
    assert.ok(other.ok, JSON.stringify(other));
    const created = await core.call('machines.create', { name: 'Stubborn', osId: 'grub', engine: 'qemu', memoryMib: 64, cdrom: GRUB_ISO, network: { mode: 'none' } });
    assert.ok(created.ok, JSON.stringify(created));
    machineId = (created.value as { id: string }).id;
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    await until('the GRUB menu under QEMU', screen, (text) => text.includes('GNU/Linux'), 120_000);
  });

  after(async () => {
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('"Shut down": "Shutdown requested…" for that machine, then Power off is offered and works', async () => {
    assert.ok(session);
    const page = await session.context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(session.shell.url, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Stubborn, Running' }).click();
    const toolbar = page.getByRole('toolbar', { name: 'Machine actions' });
    const requestedAt = Date.now();
    await toolbar.getByRole('button', { name: 'Shut down' }).click();
    const notice = page.getByTestId('shutdown-notice');
    await notice.filter({ hasText: 'Shutdown requested… waiting for Stubborn to turn itself off.' }).waitFor({ timeout: 10_000 });
    assert.equal(await notice.count(), 1, 'one notice, for the machine that was asked');
    assert.equal(await notice.getByRole('button', { name: 'Power off' }).count(), 0, 'Power off is not pushed before the guest has had its time');
    await shoot(page, '01-shutdown-requested');
    // The notice stays while another machine is selected: it belongs to Stubborn, not to the selection.
    await page.getByRole('button', { name: 'Bystander, Powered off' }).click();
    assert.equal(await toolbar.getByRole('button', { name: 'Shut down' }).isDisabled(), true, 'a stopped machine cannot be shut down');
    await notice.filter({ hasText: /Stubborn has not shut down after \d+ s/ }).waitFor({ timeout: SHUTDOWN_WAIT_MS + 20_000 });
    assert.ok(Date.now() - requestedAt >= SHUTDOWN_WAIT_MS - 500, 'offered only after the wait');
    assert.equal(await state(), 'running', 'GRUB ignored the power button');
    await shoot(page, '02-shutdown-overdue');
    await notice.getByRole('button', { name: 'Power off' }).click();
    await until('the machine to be off', state, (value) => value === 'stopped' || value === 'shutdown', 30_000);
    await notice.waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByRole('button', { name: /^Stubborn, (Powered off|Shut down)/ }).waitFor({ timeout: 10_000 });
    await shoot(page, '03-powered-off');
    assert.deepEqual(errors, []);
  });
});
