import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkRemovableMedium, hasIso9660Volume, removableKindProblem } from './medium.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const floppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const folder = mkdtempSync(join(tmpdir(), 'hangar-medium-'));
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

test('a medium must be an existing, non-empty file of the drive\'s kind', () => {
  const empty = join(folder, 'empty.img');
  writeFileSync(empty, '');
  assert.equal(checkRemovableMedium(cdrom, 'cd0') > 0, true);
  assert.equal(checkRemovableMedium(floppy, 'fd0'), 1_296_384);
  assert.throws(() => checkRemovableMedium(join(folder, 'missing.iso'), 'cd0'), /CD\/DVD image .*missing\.iso does not exist/);
  assert.throws(() => checkRemovableMedium(folder, 'fd0'), /is a directory, not a floppy image/);
  assert.throws(() => checkRemovableMedium(empty, 'fd0'), /empty/);
  assert.throws(() => checkRemovableMedium(cdrom, 'fd0'), /insert it into cd0/);
});
