/**
 * `hangar control NAME insert|eject` (API vm.insert / vm.eject) on a running machine is seen by
 * every open view at once: the drive is stored, LIBRARY_CHANGED names the machine (windows and
 * the manager refresh on it, platform/client.ts onLibraryChanged), and machines.get shows the
 * new medium. Real core, real library, a real v86 engine.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import { coreCalls } from '../support/core-calls.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const floppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const home = mkdtempSync(join(tmpdir(), 'hangar-insert-event-'));
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

const { ok } = coreCalls(() => core);
type Drives = { cd0: string | null; fd0: string | null };

test('vm.insert and vm.eject on a running machine store the drive and announce it', { timeout: 180_000 }, async () => {
  const machine = await ok<{ id: string; drives: Drives }>('machines.create', { name: 'swapper', engine: 'v86', memoryMib: 32, cdrom });
  await ok('vm.start', { id: machine.id });
  try {
    const changed = (): boolean => events.some((event) => event.event === 'LIBRARY_CHANGED' && event.data.entity === 'machine' && event.data.id === machine.id);

    events.length = 0;
    await ok('vm.insert', { id: 'swapper', slot: 'fd0', path: floppy });
    assert.ok(changed(), `LIBRARY_CHANGED for the machine after vm.insert; events: ${JSON.stringify(events)}`);
    const media = await ok<{ id: string; path: string }[]>('media.list', {});
    const floppyId = media.find((entry) => entry.path === floppy)?.id;
    assert.ok(floppyId, 'the inserted floppy joined the media library');
    assert.equal((await ok<{ drives: Drives }>('machines.get', { id: 'swapper' })).drives.fd0, floppyId, 'the stored drive holds the floppy');

    events.length = 0;
    await ok('vm.eject', { id: 'swapper', slot: 'cd0', force: true });
    assert.ok(changed(), `LIBRARY_CHANGED for the machine after vm.eject; events: ${JSON.stringify(events)}`);
    assert.equal((await ok<{ drives: Drives }>('machines.get', { id: 'swapper' })).drives.cd0, null, 'the stored CD drive is empty');
    const blocks = (await ok<unknown[]>('vm.execute', { id: 'swapper', command: 'query-block' })) as { qdev: string; inserted?: { file: string } }[];
    assert.equal(blocks.find((block) => block.qdev === 'fd0')?.inserted?.file, floppy, 'the engine holds the floppy');
    assert.equal(blocks.find((block) => block.qdev === 'cd0')?.inserted, undefined, 'the engine CD drive is empty');
  } finally {
    await ok('vm.poweroff', { id: machine.id });
  }
});
