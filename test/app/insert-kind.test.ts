/**
 * Removable media by kind (issue 12, C.13) on a running v86 guest: `vm.insert` (the CLI's
 * `control insert`) refuses an ISO in the floppy drive (it would become a writable floppy) and a
 * floppy image in the CD drive, with what to do; the engine refuses the same when asked directly
 * on its socket; the drives stay as they were; the right kinds go in.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { coreCalls } from '../support/core-calls.js';
import { grubCdrom, menuEntry, waitForScreen } from '../support/grub-screen.js';

const floppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const home = mkdtempSync(join(tmpdir(), 'hangar-insert-kind-'));
let core: HangarCore;
const { ok, failure } = coreCalls(() => core);

before(async () => {
  core = await HangarCore.open({ folder: home, controlSocket: false });
});
after(async () => {
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

async function inserted(slot: 'cd0' | 'fd0'): Promise<string | undefined> {
  const blocks = await ok<{ qdev: string; inserted?: { file: string } }[]>('vm.execute', { id: 'kinds', command: 'query-block' });
  return blocks.find((block) => block.qdev === slot)?.inserted?.file;
}

test('an ISO never goes into the floppy drive, nor a floppy image into the CD drive', async () => {
  await ok('machines.create', { name: 'kinds', engine: 'v86', memoryMib: 32, cdrom: grubCdrom, osId: 'grub' });
  await ok('vm.start', { id: 'kinds' });
  await waitForScreen(core, 'kinds', menuEntry.first, 'the GRUB menu');
  assert.equal(await inserted('fd0'), undefined);

  // An ISO of a floppy's size: the size alone would let it in as a writable floppy.
  const smallIso = join(home, 'small.iso');
  copyFileSync(floppy, smallIso);
  const isoInFloppy = await failure('vm.insert', { id: 'kinds', slot: 'fd0', path: smallIso });
  assert.equal(isoInFloppy.class, 'InvalidArgument');
  assert.match(isoInFloppy.desc, /is a CD\/DVD image \(\.iso\); the floppy drive takes floppy images.*Insert it into the CD drive \(cd0\)/);
  const floppyInCd = await failure('vm.insert', { id: 'kinds', slot: 'cd0', path: floppy });
  assert.match(floppyInCd.desc, /is a floppy image, not a CD\/DVD image.*Insert it into the floppy drive \(fd0\)/);

  // Straight to the engine, past the core's check.
  const direct = await core.call('vm.execute', { id: 'kinds', command: 'blockdev-change-medium', arguments: { id: 'fd0', filename: smallIso } });
  assert.equal(direct.ok, false, 'the engine refuses an ISO in fd0 too');
  assert.match(direct.ok ? '' : direct.error.desc, /CD\/DVD image \(\.iso\), not a floppy image; insert it into cd0/);
  assert.equal(await inserted('fd0'), undefined, 'the floppy drive stays empty');
  assert.match((await inserted('cd0')) ?? '', /grub-rescue-cdrom\.iso$/, 'the CD drive keeps its disc');

  await ok('vm.insert', { id: 'kinds', slot: 'fd0', path: floppy });
  assert.match((await inserted('fd0')) ?? '', /grub-rescue-floppy\.img$/);
  await ok('vm.poweroff', { id: 'kinds' });
});
