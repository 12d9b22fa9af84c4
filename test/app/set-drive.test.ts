/**
 * machines.set-drive on a stopped machine with a real library: a file path joins the media
 * library and fills the drive, a media id works too, null empties it, LIBRARY_CHANGED follows,
 * and bad files (missing, a folder, empty, the wrong kind) are refused with a clear error and
 * leave the drive as it was. (The running case is in test/web/viewers-serial.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import { coreCalls } from '../support/core-calls.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const home = mkdtempSync(join(tmpdir(), 'hangar-drive-'));
let core: HangarCore;
const events: CoreEvent[] = [];

before(async () => {
  core = await HangarCore.open({ folder: join(home, 'library'), controlSocket: false });
  core.subscribe((event) => events.push(event));
});
after(async () => {
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

type Drives = { cd0: string | null; fd0: string | null };

const { ok, failure } = coreCalls(() => core);

test('set-drive on a stopped machine: path, media id and null; bad files refused with the drive unchanged', async () => {
  const machine = await ok<{ id: string; drives: Drives }>('machines.create', { name: 'box', engine: 'v86', memoryMib: 32 });
  assert.deepEqual(machine.drives, { cd0: null, fd0: null });
  const floppy = join(home, 'boot.img');
  writeFileSync(floppy, Buffer.alloc(1474560, 1));

  events.length = 0;
  const withCd = await ok<{ drives: Drives; state: string }>('machines.set-drive', { id: 'box', slot: 'cd0', path: cdrom });
  assert.equal(withCd.state, 'stopped');
  const cdId = withCd.drives.cd0;
  assert.ok(cdId);
  const media = await ok<{ id: string; path: string; kind: string }[]>('media.list', {});
  assert.deepEqual(media.find((entry) => entry.id === cdId)?.path, cdrom);
  assert.ok(events.some((event) => event.event === 'LIBRARY_CHANGED' && event.data.entity === 'machine' && event.data.id === machine.id), JSON.stringify(events));
  assert.equal((await ok<{ drives: Drives }>('machines.get', { id: 'box' })).drives.cd0, cdId, 'stored');

  const withFloppy = await ok<{ drives: Drives }>('machines.set-drive', { id: 'box', slot: 'fd0', path: floppy });
  assert.ok(withFloppy.drives.fd0);
  assert.equal(withFloppy.drives.cd0, cdId);

  const refused = async (path: unknown, slot: string, pattern: RegExp): Promise<void> => {
    const error = await failure('machines.set-drive', { id: 'box', slot, path });
    assert.equal(error.class, 'InvalidArgument', JSON.stringify(error));
    assert.match(error.desc, pattern);
  };
  const folder = join(home, 'a-folder');
  mkdirSync(folder);
  const empty = join(home, 'empty.iso');
  writeFileSync(empty, '');
  await refused(join(home, 'missing.iso'), 'cd0', /does not exist/);
  await refused(folder, 'cd0', /is a folder/);
  await refused(empty, 'cd0', /is empty/);
  await refused(floppy, 'cd0', /floppy image; the CD drive takes CD\/DVD images/);
  await refused(cdrom, 'fd0', /iso image; the floppy drive takes floppy images/);
  await refused('', 'cd0', /media file path, a media id, or null/);
  await refused(42, 'cd0', /media file path, a media id, or null/);
  assert.equal((await failure('machines.set-drive', { id: 'box', slot: 'hd0', path: null })).class, 'InvalidArgument');
  assert.equal((await failure('machines.set-drive', { id: 'nobody', slot: 'cd0', path: null })).class, 'NotFound');
  assert.deepEqual((await ok<{ drives: Drives }>('machines.get', { id: 'box' })).drives, withFloppy.drives, 'nothing changed');

  const emptied = await ok<{ drives: Drives }>('machines.set-drive', { id: 'box', slot: 'cd0', path: null });
  assert.deepEqual(emptied.drives, { cd0: null, fd0: withFloppy.drives.fd0 });
  const byId = await ok<{ drives: Drives }>('machines.set-drive', { id: 'box', slot: 'cd0', path: cdId });
  assert.equal(byId.drives.cd0, cdId, 'a media id is accepted');
});
