/**
 * Runtime media with the Linux test guest (issue 16 item 3): the guest mounts the disc it booted
 * from, the disc is swapped for another ISO (made here with xorriso) while it runs, and
 * `mount /dev/sr0` then reads the new disc: Linux saw the media change (its page cache and the
 * disc's size would otherwise still be the old disc's). On both engines, through the protocol.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { engineArguments } from '../conformance/backends.js';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import { engineConsole, ensureGuestIso, guestRun, waitForGuestBoot } from '../support/linux-guest.js';
import type { GuestConsole } from '../support/linux-guest.js';

for (const backend of ['qemu', 'v86'] as const) {
  describe(`runtime media on ${backend}: the Linux guest mounts a disc swapped in while it runs`, { timeout: 600_000 }, () => {
    let folder = '';
    let engine: EngineProcess | undefined;
    let guest: GuestConsole;

    before(async () => {
      folder = mkdtempSync(join(tmpdir(), 'hangar-linux-media-'));
      engine = await startEngine({ engine: backend, memoryMib: 256, cdrom: ensureGuestIso(), args: [...engineArguments[backend]], timeoutMs: 120_000 });
      guest = engineConsole(engine.client);
      await waitForGuestBoot(guest, { timeoutMs: 300_000 });
    });
    after(async () => {
      await engine?.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    test('mount /dev/sr0 after a swap reads the new disc', async () => {
      assert.ok(engine);
      // Read the boot disc first, so the old disc's size and blocks are what Linux has cached.
      const before = await guestRun(guest, 'mkdir -p /mnt/cd && mount -t iso9660 -o ro /dev/sr0 /mnt/cd && ls /mnt/cd && umount /mnt/cd', 120_000);
      assert.match(before, /isolinux/i, 'the boot disc is readable');

      const tree = join(folder, 'tree');
      mkdirSync(tree);
      writeFileSync(join(tree, 'SWAPPED.TXT'), 'the new disc\n');
      const iso = join(folder, 'swapped.iso');
      execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'SWAPPED', '-o', iso, tree], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      await engine.client.execute('blockdev-change-medium', { id: 'cd0', filename: iso }, 60_000);

      const after = await guestRun(guest, 'mount -t iso9660 -o ro /dev/sr0 /mnt/cd && ls /mnt/cd && cat /mnt/cd/* && umount /mnt/cd', 120_000);
      assert.match(after, /swapped\.txt/i, `the guest listed: ${after}`);
      assert.match(after, /the new disc/);
      assert.doesNotMatch(after, /isolinux/i);
    });
  });
}
