/**
 * Disks after creation at the library level, with real qemu-img and files: growing (raw and
 * qcow2, never shrinking, a damaged header refused), converting (progress, 0600, the source
 * untouched), a new disk in the machine's folder with a free name, an attached image's format
 * read from its header, and a removed disk kept in lost+found (so the next open's reconcile
 * leaves it alone) or deleted.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { convertDiskImage, createDiskImage, resizeDiskImage } from './disk-images.js';
import type { LibraryError } from './errors.js';
import { Library } from './library.js';
import { addNewDisk, attachExistingDisk, removeMachineDisk } from './machine-disks.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-machine-disks-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const MiB = 1024 * 1024;

function virtualSize(path: string): number {
  return (JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path], { encoding: 'utf8' })) as { 'virtual-size': number })['virtual-size'];
}

describe('growing and converting images', () => {
  it('grows raw and qcow2 images and refuses to shrink them', async () => {
    for (const format of ['raw', 'qcow2'] as const) {
      const path = join(folder, `grow.${format}`);
      await createDiskImage(path, { format, sizeBytes: 32 * MiB });
      const grown = await resizeDiskImage(path, { format, sizeBytes: 96 * MiB });
      assert.equal(grown.virtualSizeBytes, 96 * MiB);
      assert.equal(virtualSize(path), 96 * MiB);
      await assert.rejects(resizeDiskImage(path, { format, sizeBytes: 64 * MiB }), (error: LibraryError) => error.class === 'InvalidInput' && /64 MiB is smaller than the disk's 96 MiB; Hangar only grows disks/.test(error.message));
      assert.equal(virtualSize(path), 96 * MiB, 'a refused shrink changed nothing');
    }
  });

  it('refuses to resize an image whose header does not match its format', async () => {
    const path = join(folder, 'not-qcow2.img');
    writeFileSync(path, Buffer.alloc(MiB));
    await assert.rejects(resizeDiskImage(path, { format: 'qcow2', sizeBytes: 2 * MiB }), (error: LibraryError) => error.class === 'Corrupt' && /nothing was resized/.test(error.message));
  });

  it('converts raw to qcow2 with progress, 0600, keeping the source', async () => {
    const source = join(folder, 'source.img');
    await createDiskImage(source, { format: 'raw', sizeBytes: 8 * MiB });
    writeFileSync(source, 'converted content', { flag: 'r+' });
    const target = join(folder, 'target.qcow2');
    const progress: number[] = [];
    const info = await convertDiskImage(source, target, { from: 'raw', to: 'qcow2', onProgress: (fraction) => progress.push(fraction) });
    assert.deepEqual([info.format, info.virtualSizeBytes], ['qcow2', 8 * MiB]);
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.equal(progress[0], 0);
    assert.equal(progress.at(-1), 1);
    assert.ok(existsSync(source));
    const back = join(folder, 'back.img');
    execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', target, back]);
    assert.equal(readFileSync(back).subarray(0, 17).toString(), 'converted content');
    await assert.rejects(convertDiskImage(source, target, { from: 'raw', to: 'qcow2' }), (error: LibraryError) => error.class === 'Duplicate');
  });
});

describe('a machine\'s disks', () => {
  it('adds a disk with a free name, attaches an image by its header, keeps a removed one in lost+found', async () => {
    const root = join(folder, 'library');
    let library = await Library.open(root);
    try {
      const machine = library.machines.create({ name: 'M', engine: 'qemu', memoryMib: 64, osId: 'other' });
      writeFileSync(join(library.layout.disksFolder(machine.id), 'disk0.img'), 'a stray file with the first name');
      const disk = await addNewDisk(library, machine.id, { format: 'qcow2', sizeBytes: 16 * MiB });
      assert.equal(basename(disk.path), 'disk1.qcow2', 'an existing file is never overwritten');
      assert.equal(statSync(disk.path).mode & 0o777, 0o600);
      assert.deepEqual([disk.format, disk.sizeBytes, disk.position], ['qcow2', 16 * MiB, 0]);

      const kept = removeMachineDisk(library, disk, false) ?? '';
      assert.equal(kept, join(library.layout.lostAndFound, 'disk-M-disk1.qcow2'));
      assert.ok(existsSync(kept) && !existsSync(disk.path));
      assert.deepEqual(library.machines.get(machine.id).disks, []);
      // Kept out of the machine's folder: the next open does not move it again.
      await library.close();
      library = await Library.open(root);
      assert.ok(existsSync(kept));

      const attached = await attachExistingDisk(library, machine.id, kept);
      assert.deepEqual([attached.path, attached.format, attached.sizeBytes], [kept, 'qcow2', 16 * MiB]);
      assert.equal(removeMachineDisk(library, attached, true), undefined);

      // What is plainly no hard disk is refused: a CD image, a file of no whole sectors.
      await assert.rejects(attachExistingDisk(library, machine.id, '/usr/lib/grub-rescue/grub-rescue-cdrom.iso'), (error: LibraryError) => error.class === 'InvalidInput' && /is a CD\/DVD image \(ISO 9660\); put it in the CD drive/.test(error.message));
      const odd = join(folder, 'odd.img');
      writeFileSync(odd, Buffer.alloc(1000));
      await assert.rejects(attachExistingDisk(library, machine.id, odd), (error: LibraryError) => error.class === 'InvalidInput' && /1000 bytes, not a whole number of 512-byte sectors/.test(error.message));
      assert.deepEqual(library.machines.get(machine.id).disks, []);
      assert.equal(existsSync(kept), false, 'deleted when asked');
    } finally {
      await library.close();
    }
  });
});
