import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mediaKind } from './media-probe.js';

test('media kinds: ISO by extension, floppies by extension or a size up to 2.88 MiB, larger images are disks', () => {
  assert.equal(mediaKind('/m/debian.iso', 600 << 20), 'iso');
  assert.equal(mediaKind('/m/dos.ima', 1474560), 'floppy');
  assert.equal(mediaKind('/m/standard.img', 1474560), 'floppy');
  // GRUB's rescue floppy has an odd size; the engines pad it to the next standard size.
  assert.equal(mediaKind('/usr/lib/grub-rescue/grub-rescue-floppy.img', 1296384), 'floppy');
  assert.equal(mediaKind('/m/disk.img', 2949121), 'disk');
  assert.equal(mediaKind('/m/empty.img', 0), 'disk');
  assert.equal(mediaKind('/m/disk.qcow2', 4096), 'disk');
});
