/**
 * OS detection in the New-VM wizard, end to end in Chromium through the web shell with a real
 * core: install ISOs built with xorriso carry the volume ids of real Debian installers.
 * - "Debian 11.7.0 i386 n": named Debian 11 with its architecture (32-bit, i686, from the volume
 *   id) and an engine whose reason is true for a 32-bit guest (never "needs 64-bit").
 * - "Debian 12.8.0 amd64 n" (newer than the installed osinfo-db): "Debian 12 — closest known:
 *   Debian 11", QEMU because 64-bit guests cannot run on v86.
 * - an unknown medium: 512 MiB, and a warning when the memory goes below 256 MiB.
 * Screenshots at 1280×800 and in a small window go to test-artifacts/e2e-os/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { WebShell } from '../../src/main/web/index.js';
import { openWebSession, prepareSuite, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e-os/', import.meta.url));

describe('OS detection in the wizard (Chromium, web shell, real core)', { timeout: 600_000 }, () => {
  let work: string;
  let core: HangarCore;
  let shell: WebShell;
  let session: WebSession | undefined;
  let context: BrowserContext;
  let qemuAvailable = false;
  const errors: string[] = [];

  /** An ISO with this volume id, files at given paths (Rock Ridge names) and extra mkisofs options (boot records). */
  const buildIso = (name: string, volumeId: string, files: Record<string, string> = {}, extra: string[] = []): string => {
    const content = join(work, `${name}-content`);
    mkdirSync(content, { recursive: true });
    writeFileSync(join(content, 'README.TXT'), name);
    for (const [path, data] of Object.entries(files)) {
      mkdirSync(join(content, path, '..'), { recursive: true });
      writeFileSync(join(content, path), data);
    }
    const iso = join(work, `${name}.iso`);
    execFileSync('xorriso', ['-as', 'mkisofs', '-R', '-V', volumeId, ...extra, '-o', iso, content], { stdio: 'pipe' });
    return iso;
  };

  /** A fresh manager page with the wizard open on `iso`, at the OS step; the wizard dialog. */
  const wizardOn = async (iso: string): Promise<{ page: Page; wizard: Locator }> => {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(shell.url, { timeout: 60_000 });
    await page.getByTestId('first-run').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'New virtual machine' }).click();
    const wizard = page.getByRole('dialog', { name: 'New virtual machine' });
    await wizard.locator('input[data-field="media-path"]').fill(iso);
    await wizard.getByRole('button', { name: 'Use file' }).click();
    await wizard.getByRole('button', { name: new RegExp(iso.split('/').pop()?.replace(/\./g, '\\.') ?? '') }).and(wizard.locator('.Mui-selected')).waitFor({ timeout: 30_000 });
    await wizard.getByRole('button', { name: 'Next' }).click();
    return { page, wizard };
  };

  before(async () => {
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-os-', ARTIFACTS));
    core = await HangarCore.open({ folder: join(work, 'home'), watch: false });
    const engines = await core.call('engines.query', {});
    assert.ok(engines.ok, JSON.stringify(engines));
    qemuAvailable = (engines.value as { qemuAvailable: boolean }).qemuAvailable;
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 800 } });
    ({ shell, context } = session);
  });

  after(async () => {
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('an i386 Debian 11 installer: named with its architecture, and an engine reason true for a 32-bit guest', async () => {
    const files = { '.disk/info': 'Debian GNU/Linux 11.7.0 "Bullseye" - Official i386 NETINST', 'isolinux/isolinux.bin': 'x'.repeat(2048) };
    const { page, wizard } = await wizardOn(buildIso('debian-11.7.0-i386-netinst', 'Debian 11.7.0 i386 n', files, ['-b', 'isolinux/isolinux.bin', '-no-emul-boot', '-boot-load-size', '4']));
    const detected = wizard.getByTestId('detected-os').filter({ hasText: 'Detected Debian 11' });
    await detected.waitFor({ timeout: 30_000 });
    assert.equal(await detected.innerText(), 'Detected Debian 11 on the install medium. Architecture: 32-bit x86 (i686), from the volume id "Debian 11.7.0 i386 n".');
    assert.match(await wizard.getByRole('combobox', { name: 'Operating system' }).innerText(), /^Debian 11$/m);
    await wizard.getByText(/^32-bit x86 \(i686\); at least \d+ MiB, recommended 1024 MiB memory$/).waitFor();
    assert.equal(await wizard.getByTestId('boot-problem').count(), 0, 'a BIOS boot entry: nothing to warn about');
    await page.screenshot({ path: join(ARTIFACTS, '01-i386-detected.png') });
    await wizard.getByRole('button', { name: 'Next' }).click();
    // Debian 11 recommends 1 GiB: QEMU when installed (faster), v86 otherwise; both run 32-bit guests.
    assert.equal(await wizard.locator('input[data-field="engine"]').inputValue(), qemuAvailable ? 'qemu' : 'v86');
    const reason = await wizard.getByTestId('engine-reason').innerText();
    assert.match(reason, qemuAvailable ? /^QEMU: Debian 11 is a 32-bit guest \(i686\), which both engines run/ : /^v86: Debian 11 is a 32-bit guest \(i686\), and QEMU is not installed/);
    assert.doesNotMatch(reason, /64-bit/);
    assert.equal(await wizard.locator('input[data-field="memoryMiB"]').inputValue(), '1024');
    assert.equal(await wizard.getByTestId('memory-warning').count(), 0);
    await page.screenshot({ path: join(ARTIFACTS, '02-i386-hardware.png') });
    await wizard.getByRole('button', { name: 'Next' }).click();
    assert.equal(await wizard.locator('[data-review="Architecture"]').innerText(), '32-bit x86 (i686)');
    await page.close();
  });

  test('a Debian 12 installer newer than the OS database: "Debian 12 — closest known: Debian 11", QEMU for 64-bit', async () => {
    // UEFI only: the disc's El Torito catalog has an EFI entry and no BIOS one.
    const { page, wizard } = await wizardOn(buildIso('debian-12.8.0-amd64-netinst', 'Debian 12.8.0 amd64 n', { 'boot/efi.img': 'x'.repeat(4096) }, ['-e', 'boot/efi.img', '-no-emul-boot']));
    const detected = wizard.getByTestId('detected-os').filter({ hasText: 'Detected Debian 12' });
    await detected.waitFor({ timeout: 30_000 });
    assert.match(await detected.innerText(), /^Detected Debian 12 — closest known: Debian 11 \(.*\) on the install medium\. Architecture: 64-bit x86 \(x86_64\), from the volume id "Debian 12\.8\.0 amd64 n"\.$/);
    assert.match(await wizard.getByRole('combobox', { name: 'Operating system' }).innerText(), /^Debian 12$/m);
    assert.match(await wizard.getByTestId('boot-problem').innerText(), /^The disc boots only through UEFI \(its El Torito catalog has no BIOS entry\)/);
    await page.screenshot({ path: join(ARTIFACTS, '03-debian12-detected.png') });
    await wizard.getByRole('button', { name: 'Next' }).click();
    assert.equal(await wizard.locator('input[data-field="engine"]').inputValue(), 'qemu');
    assert.match(await wizard.getByTestId('engine-reason').innerText(), qemuAvailable ? /64-bit guests cannot run on v86/ : /needs QEMU, which is not installed/);
    assert.equal(await wizard.locator('input[data-field="name"]').inputValue(), 'Debian 12');
    if (qemuAvailable) {
      await wizard.getByRole('button', { name: 'Next' }).click();
      assert.equal(await wizard.locator('[data-review="Operating system"]').innerText(), 'Debian 12 — closest known: Debian 11');
      assert.equal(await wizard.locator('[data-review="Architecture"]').innerText(), '64-bit x86 (x86_64)');
      await page.screenshot({ path: join(ARTIFACTS, '04-debian12-review.png') });
    }
    await page.close();
  });

  test('an unknown medium gets 512 MiB; below 256 MiB the wizard warns (also in a small window)', async () => {
    const { page, wizard } = await wizardOn(buildIso('mystery', 'XYZZY_2026'));
    // Detection finds nothing to show: the "looking" notice goes away and "Other / unknown" stays.
    await until('detection to finish', () => wizard.getByTestId('detected-os').count(), (count) => count === 0, 30_000);
    // It is a data disc: no boot record, and the wizard says so.
    assert.match(await wizard.getByTestId('boot-problem').innerText(), /no El Torito boot record: a machine cannot start from it/);
    await wizard.getByRole('button', { name: 'Next' }).click();
    assert.equal(await wizard.locator('input[data-field="engine"]').inputValue(), 'v86');
    assert.equal(await wizard.locator('input[data-field="memoryMiB"]').inputValue(), '512', '128 MiB made a Linux kernel panic');
    assert.match(await wizard.getByTestId('engine-reason').innerText(), /does not say whether this OS is 32- or 64-bit/);
    assert.equal(await wizard.getByTestId('memory-warning').count(), 0);
    await wizard.locator('input[data-field="name"]').fill('Mystery');
    await wizard.locator('input[data-field="memoryMiB"]').fill('128');
    await wizard.getByTestId('memory-warning').filter({ hasText: /Less than 256 MiB is too little for current Linux installers \(at 128 MiB the kernel panics\)/ }).waitFor();
    assert.equal(await wizard.getByRole('button', { name: 'Next' }).isDisabled(), false, 'a warning, not an error: DOS-era systems run in little memory');
    await page.screenshot({ path: join(ARTIFACTS, '05-unknown-low-memory.png') });
    await page.setViewportSize({ width: 760, height: 560 });
    await wizard.getByTestId('memory-warning').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '06-unknown-low-memory-small.png') });
    await page.close();
    assert.deepEqual(errors, []);
  });
});
