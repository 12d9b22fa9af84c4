/**
 * "Send files" end to end in Debian's Chromium through the web shell, with a real app core and
 * a real v86 machine: a file dropped on the VM window (uploaded by the page) and a host path
 * typed in the dialog go on a CD image into the running machine's drive; "Put it back" restores
 * the GRUB ISO; Devices → "Send files…" again, then Devices → Eject CD offers the previous disc
 * back. Screenshots go to test-artifacts/e2e-send-files/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { numberedShots, openVmPage, openWebSession, prepareSuite, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';

/** The browser globals the page functions below use (test files compile without the DOM library). */
declare class DataTransfer {
  readonly items: { add(file: unknown): unknown };
}
declare class File {
  constructor(parts: string[], name: string);
}

const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e-send-files/', import.meta.url));
const droppedName = 'Notizen – größe.txt';
const droppedText = 'dropped on the window\n';

describe('Send files in Chromium through the web shell, with a real v86 machine', { timeout: 600_000 }, () => {
  let work: string;
  let core: HangarCore;
  let session: WebSession | undefined;
  let page: Page;
  let machineId: string;
  const errors: string[] = [];

  const shot = numberedShots(ARTIFACTS);
  const shoot = (name: string): Promise<void> => shot(page, name);
  const menu = async (menuName: string, itemName: string | RegExp): Promise<void> => {
    await page.getByRole('menubar').getByRole('button', { name: menuName, exact: true }).click();
    await page.getByRole('menuitem', { name: itemName }).click();
    await page.getByRole('menu').waitFor({ state: 'detached' });
  };
  /** The file in the running engine's CD drive. */
  const cd = async (): Promise<string | undefined> => {
    const result = await core.call('vm.execute', { id: machineId, command: 'query-block' });
    assert.ok(result.ok, JSON.stringify(result));
    return (result.value as { qdev: string; inserted?: { file: string } }[]).find((block) => block.qdev === 'cd0')?.inserted?.file;
  };

  before(async () => {
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-send-', ARTIFACTS));
    core = await HangarCore.open({ folder: join(work, 'home') });
    const created = await core.call('machines.create', { name: 'Receiver', engine: 'v86', memoryMib: 64, cdrom: GRUB_ISO, network: { mode: 'none' } });
    assert.ok(created.ok, JSON.stringify(created));
    machineId = (created.value as { id: string }).id;
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    session = await openWebSession(core, rendererDir, { viewport: { width: 1100, height: 760 } });
    page = await openVmPage(session, machineId, errors);
  });

  after(async () => {
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a dropped file and a typed host path arrive on a disc in the running machine; "Put it back" restores the ISO', async () => {
    const hostFile = join(work, 'from the host.bin');
    writeFileSync(hostFile, Buffer.alloc(300_000, 7));
    const transfer = await page.evaluateHandle(
      ([name, text]) => {
        const data = new DataTransfer();
        data.items.add(new File([text], name));
        return data;
      },
      [droppedName, droppedText] as const,
    );
    const target = page.getByRole('menubar');
    await target.dispatchEvent('dragenter', { dataTransfer: transfer });
    await target.dispatchEvent('dragover', { dataTransfer: transfer });
    await page.getByText('Drop the files to send them to the guest on a disc').waitFor({ timeout: 10_000 });
    await shoot('dragging');
    await target.dispatchEvent('drop', { dataTransfer: transfer });

    const dialog = page.getByRole('dialog', { name: 'Send files to Receiver' });
    await dialog.getByText(`${droppedName} (${Buffer.byteLength(droppedText)} bytes)`).waitFor({ timeout: 10_000 });
    await dialog.getByRole('textbox').fill(`"${hostFile}"`);
    await shoot('dialog');
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.getByText(/Sent 2 files \(.*\) to the CD drive\. It replaced grub-rescue-cdrom\.iso/).waitFor({ timeout: 120_000 });
    await shoot('sent');

    // The engine has the disc, and it holds both files byte for byte.
    const image = await cd();
    assert.ok(image && image.endsWith('.iso') && image.includes('send-files'), `cd0 holds ${image}`);
    const extracted = join(work, 'extracted');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', image, '-extract', '/', extracted], { env: { ...process.env, LC_ALL: 'C.UTF-8' }, stdio: 'ignore' });
    assert.equal(readFileSync(join(extracted, droppedName), 'utf8'), droppedText);
    const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
    assert.equal(sha(readFileSync(join(extracted, 'from the host.bin'))), sha(readFileSync(hostFile)));

    await dialog.getByRole('button', { name: 'Put it back' }).click();
    await dialog.getByText('grub-rescue-cdrom.iso is back in the drive.').waitFor({ timeout: 30_000 });
    assert.equal(await cd(), GRUB_ISO);
    await shoot('put-back');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  test('Devices → Send files…, then Eject CD offers the previous disc back', async () => {
    const hostFile = join(work, 'second.txt');
    writeFileSync(hostFile, 'second\n');
    await menu('Devices', 'Send files…');
    const dialog = page.getByRole('dialog', { name: 'Send files to Receiver' });
    await dialog.getByRole('textbox').fill(hostFile);
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.getByText(/Sent 1 file \(7 bytes\) to the CD drive/).waitFor({ timeout: 120_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    const image = await until('the sent disc in cd0', cd, (file) => file !== GRUB_ISO);

    await menu('Devices', 'Eject CD');
    const prompt = page.getByRole('dialog', { name: 'Put the previous disc back?' });
    await prompt.getByText('Before the files were sent, grub-rescue-cdrom.iso was in the drive.').waitFor({ timeout: 30_000 });
    await shoot('eject-prompt');
    assert.equal(await cd(), undefined, 'the eject emptied the drive');
    await prompt.getByRole('button', { name: 'Put it back' }).click();
    await until('the GRUB ISO back in cd0', cd, (file) => file === GRUB_ISO, 30_000);
    assert.notEqual(image, GRUB_ISO);
    assert.deepEqual(errors, [], 'no page errors');
  });
});
