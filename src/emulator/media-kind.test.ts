import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hasIso9660Volume, removableKindProblem } from './media-kind.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const floppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const folder = mkdtempSync(join(tmpdir(), 'hangar-media-kind-'));
after(() => rmSync(folder, { recursive: true, force: true }));

test('an .iso is refused by the floppy drive, a plain floppy image by the CD drive', () => {
  const small = join(folder, 'small.iso');
  copyFileSync(floppy, small);
  const dos = join(folder, 'dos.ima');
  writeFileSync(dos, Buffer.alloc(1_474_560));
  assert.equal(hasIso9660Volume(cdrom), true);
  assert.equal(hasIso9660Volume(dos), false);
  assert.match(removableKindProblem(cdrom, 5_000_000, 'fd0') ?? '', /CD\/DVD image \(\.iso\).*insert it into cd0/);
  assert.match(removableKindProblem(small, 1_296_384, 'fd0') ?? '', /\.iso/, 'even one of a floppy\'s size');
  assert.match(removableKindProblem(dos, 1_474_560, 'cd0') ?? '', /floppy image, not a CD\/DVD image/);
  assert.equal(removableKindProblem(cdrom, 5_000_000, 'cd0'), undefined);
  assert.equal(removableKindProblem(floppy, 1_296_384, 'fd0'), undefined);
  assert.equal(removableKindProblem(dos, 1_474_560, 'fd0'), undefined);
});
