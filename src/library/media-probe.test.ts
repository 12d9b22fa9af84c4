import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoImageProblem } from './iso9660.js';
import { mediaKind, probeMedia } from './media-probe.js';
import type { OsCatalog } from './osinfo.js';

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

test('an ISO must hold a volume descriptor and be as long as its volume says', () => {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-probe-'));
  try {
    const catalog = (): OsCatalog => ({ has: () => false, get: () => undefined, all: () => [] }) as unknown as OsCatalog;
    const grub = readFileSync('/usr/lib/grub-rescue/grub-rescue-cdrom.iso');
    const whole = join(folder, 'whole.iso');
    writeFileSync(whole, grub);
    assert.equal(probeMedia(whole, catalog).kind, 'iso');
    const empty = join(folder, 'empty.iso');
    writeFileSync(empty, '');
    assert.throws(() => probeMedia(empty, catalog), /not a usable CD\/DVD image: it is empty/);
    const cut = join(folder, 'cut.iso');
    writeFileSync(cut, grub.subarray(0, Math.floor(grub.length / 2)));
    assert.throws(() => probeMedia(cut, catalog), /it is cut short: its volume is \d+ bytes but the file has only \d+ \(50 %\)/);
    const junk = join(folder, 'junk.iso');
    writeFileSync(junk, Buffer.alloc(1 << 20, 0x41));
    assert.throws(() => probeMedia(junk, catalog), /no ISO9660 volume descriptor at byte 32768/);
    assert.equal(isoImageProblem(whole, grub.length), undefined);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
