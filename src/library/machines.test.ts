import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Library } from './library.js';
import { LibraryError } from './errors.js';
import type { LibraryChange, MachineInput } from './types.js';

function rejects(action: () => unknown, errorClass: string, message: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof LibraryError, `expected a LibraryError, got ${String(error)}`);
    assert.equal(error.class, errorClass);
    assert.match(error.message, message);
    return true;
  });
}

describe('machines repository', () => {
  let folder: string;
  let library: Library;
  const changes: LibraryChange[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-machines-'));
    library = await Library.open(folder, { watch: false });
    library.on('change', (change) => changes.push(change));
  });
  after(async () => {
    await library.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('creates a machine with defaults, its folder and empty drives, and notifies', () => {
    const machine = library.machines.create({ name: '  Debian box ', osId: 'http://debian.org/debian/11', engine: 'qemu' });
    assert.equal(machine.name, 'Debian box');
    assert.equal(machine.memoryMib, 1024);
    assert.equal(machine.clipboardMode, 'off');
    assert.equal(machine.speedLimitMips, null);
    assert.deepEqual(machine.drives, { cd0: null, fd0: null });
    assert.ok(existsSync(join(folder, 'machines', machine.id, 'disks')));
    assert.deepEqual(changes.at(-1), { entity: 'machine', action: 'added', id: machine.id });
    assert.deepEqual(library.machines.get(machine.id), machine);
    assert.ok(library.machines.list().some((summary) => summary.id === machine.id && summary.name === 'Debian box'));
  });

  it('rejects empty, duplicate (any case) and control-character names', () => {
    rejects(() => library.machines.create({ name: '   ', osId: 'other', engine: 'v86' }), 'InvalidInput', /name: Give the machine a name; it cannot be empty/);
    library.machines.create({ name: 'Twin', osId: 'other', engine: 'v86' });
    rejects(() => library.machines.create({ name: 'twin', osId: 'other', engine: 'v86' }), 'Duplicate', /"twin" already exists/);
    rejects(() => library.machines.create({ name: 'a\u0007b', osId: 'other', engine: 'v86' }), 'InvalidInput', /control or invisible character/);
    rejects(() => library.machines.create({ name: 'x'.repeat(65), osId: 'other', engine: 'v86' }), 'InvalidInput', /at most 64/);
    // The shared rule (src/shared/names.ts): no path-like, option-like or reordering names.
    rejects(() => library.machines.create({ name: '../../x', osId: 'other', engine: 'v86' }), 'InvalidInput', /cannot contain \//);
    rejects(() => library.machines.create({ name: '-x', osId: 'other', engine: 'v86' }), 'InvalidInput', /cannot start with "-"/);
    rejects(() => library.machines.create({ name: 'a\u202Eb', osId: 'other', engine: 'v86' }), 'InvalidInput', /U\+202E/);
  });

  it('validates memory and CPUs per engine', () => {
    rejects(() => library.machines.create({ name: 'big v86', osId: 'other', engine: 'v86', memoryMib: 4096 }), 'InvalidInput', /memoryMib \(engine v86\): 4096 MiB is out of range; allowed 8–2048 MiB/);
    rejects(() => library.machines.create({ name: 'tiny qemu', osId: 'other', engine: 'qemu', memoryMib: 8 }), 'InvalidInput', /allowed 16–65536 MiB/);
    rejects(() => library.machines.create({ name: 'smp v86', osId: 'other', engine: 'v86', cpus: 2 }), 'InvalidInput', /cpus \(engine v86\): 2 is out of range; allowed 1–1/);
    rejects(() => library.machines.create({ name: 'half', osId: 'other', engine: 'qemu', memoryMib: 100.5 }), 'InvalidInput', /whole number/);
    rejects(() => library.machines.create({ name: 'virtio v86', osId: 'other', engine: 'v86', displayDevice: 'virtio' }), 'InvalidInput', /displayDevice/);
    const ok = library.machines.create({ name: 'max v86', osId: 'other', engine: 'v86', memoryMib: 2048 });
    assert.equal(ok.memoryMib, 2048);
  });

  it('rejects unknown OS ids, engines and enum values with the allowed values', () => {
    rejects(() => library.machines.create({ name: 'nos', osId: 'http://example.com/nope/1', engine: 'qemu' }), 'InvalidInput', /unknown OS id/);
    rejects(() => library.machines.create({ name: 'eng', osId: 'other', engine: 'bochs' } as unknown as MachineInput), 'InvalidInput', /engine: "bochs" is not one of v86, qemu/);
    rejects(() => library.machines.create({ name: 'boot', osId: 'other', engine: 'qemu', bootOrder: ['net'] } as unknown as MachineInput), 'InvalidInput', /bootOrder\[0\]/);
    rejects(() => library.machines.create({ name: 'boot2', osId: 'other', engine: 'qemu', bootOrder: ['disk', 'disk'] }), 'InvalidInput', /twice/);
    rejects(() => library.machines.create({ name: 'clip', osId: 'other', engine: 'qemu', clipboardMode: 'both' } as unknown as MachineInput), 'InvalidInput', /clipboardMode/);
    rejects(() => library.machines.create({ name: 'speed', osId: 'other', engine: 'qemu', speedLimitMips: 0 }), 'InvalidInput', /speedLimitMips/);
    assert.equal(library.machines.findByName('nos'), undefined, 'nothing was written for rejected input');
  });

  it('updates fields, validating the whole result, and keeps names unique', () => {
    const machine = library.machines.create({ name: 'Editable', osId: 'other', engine: 'qemu' });
    const updated = library.machines.update(machine.id, { memoryMib: 4096, cpus: 4, clipboardMode: 'bidirectional', speedLimitMips: 50, serialEnabled: true, bootOrder: ['disk', 'cdrom'] });
    assert.equal(updated.memoryMib, 4096);
    assert.equal(updated.cpus, 4);
    assert.deepEqual(updated.bootOrder, ['disk', 'cdrom']);
    assert.equal(updated.speedLimitMips, 50);
    rejects(() => library.machines.update(machine.id, { engine: 'v86' }), 'InvalidInput', /engine v86/);
    assert.equal(library.machines.get(machine.id).engine, 'qemu', 'a rejected update changes nothing');
    rejects(() => library.machines.update(machine.id, { name: 'TWIN' }), 'Duplicate', /already exists/);
    rejects(() => library.machines.update('22222222-2222-4222-8222-222222222222', { cpus: 2 }), 'NotFound', /No machine/);
  });

  it('attaches disks in order and sets drives only to matching media', () => {
    const machine = library.machines.create({ name: 'Drives', osId: 'other', engine: 'qemu' });
    const first = library.machines.attachDisk(machine.id, { path: '/tmp/a.qcow2', format: 'qcow2', sizeBytes: 1 << 30 });
    const second = library.machines.attachDisk(machine.id, { path: '/tmp/b.img', format: 'raw', sizeBytes: 1 << 20, bus: 'virtio' });
    assert.deepEqual([first.position, second.position], [0, 1]);
    rejects(() => library.machines.attachDisk(machine.id, { path: '/tmp/c', format: 'vdi' as 'raw', sizeBytes: 1 << 20 }), 'InvalidInput', /disk.format/);
    const floppy = join(folder, 'boot.img');
    writeFileSync(floppy, Buffer.alloc(1474560));
    const media = library.media.add(floppy);
    assert.equal(media.kind, 'floppy');
    rejects(() => library.machines.setDrive(machine.id, 'cd0', media.id), 'InvalidInput', /not a CD\/DVD image/);
    library.machines.setDrive(machine.id, 'fd0', media.id);
    assert.equal(library.machines.get(machine.id).drives.fd0, media.id);
    assert.deepEqual(library.machines.usingMedia(media.id), [machine.id]);
    library.machines.detachDisk(first.id);
    assert.deepEqual(library.machines.get(machine.id).disks.map((disk) => disk.path), ['/tmp/b.img']);
  });

  it('deletes a machine: row first, then its folder; keepFiles moves it to lost+found', () => {
    const gone = library.machines.create({ name: 'Gone', osId: 'other', engine: 'v86' });
    library.machines.delete(gone.id);
    assert.ok(!existsSync(join(folder, 'machines', gone.id)));
    rejects(() => library.machines.get(gone.id), 'NotFound', /No machine/);
    // Path-like names are refused outright now (src/shared/names.ts); a legal name with
    // characters file systems dislike is still sanitised for the folder.
    const kept = library.machines.create({ name: 'old:etc*', osId: 'other', engine: 'v86' });
    library.machines.delete(kept.id, { keepFiles: true });
    const moved = readdirSync(join(folder, 'lost+found'));
    assert.ok(moved.some((name) => name.startsWith('machine-old-etc-') && name.endsWith(kept.id)), `lost+found holds ${moved.join(', ')}`);
  });

  it('stores settings as JSON values', () => {
    assert.equal(library.settings.get('theme', 'light'), 'light');
    library.settings.set('theme', 'dark');
    library.settings.set('window', { width: 800, height: 600 });
    assert.equal(library.settings.get('theme', 'light'), 'dark');
    assert.deepEqual(library.settings.all(), { theme: 'dark', window: { width: 800, height: 600 } });
    rejects(() => library.settings.set('', 1), 'InvalidInput', /setting.key/);
  });
});
