/**
 * File-backed disks against real files: raw read/write, copy-on-write overlays and chains,
 * image checks, floppy padding, and host I/O errors held until retried.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ImageError, RawFile } from './block-file.js';
import { DiskChain } from './chain.js';
import type { DiskIoError } from './file-disk.js';
import { FileDisk, floppyPresentedSize } from './file-disk.js';
import { Overlay, createOverlayFile } from './overlay.js';

const dir = mkdtempSync(join(tmpdir(), 'hangar-disks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function pattern(size: number, seed: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + seed) & 0xff;
  return data;
}

function read(disk: FileDisk, offset: number, length: number): Uint8Array {
  let result: Uint8Array | undefined;
  disk.get(offset, length, (data) => (result = data));
  assert.ok(result, 'read completes synchronously');
  return result;
}

test('a raw disk reads the file and writes go to the file', () => {
  const path = join(dir, 'raw.img');
  writeFileSync(path, pattern(64 * 1024, 1));
  const disk = FileDisk.open(path, { readOnly: false, kind: 'disk' });
  assert.equal(disk.byteLength, 64 * 1024);
  assert.deepEqual(read(disk, 512, 16), pattern(64 * 1024, 1).subarray(512, 528));
  const sector = new Uint8Array(512).fill(0xab);
  let written = false;
  disk.set(1024, sector, () => (written = true));
  assert.ok(written);
  sector.fill(0); // v86 reuses its buffers: the disk must have copied the data
  assert.equal(readFileSync(path)[1024], 0xab);
  assert.equal(readFileSync(path)[1535], 0xab);
  assert.equal(disk.get_from_cache(1024, 2)?.[1], 0xab);
  assert.deepEqual(disk.get_state(), []);
  disk.close();
});

test('clear errors for missing, directory, empty and unreadable images', () => {
  assert.throws(() => FileDisk.open(join(dir, 'nope.iso'), { readOnly: true, kind: 'cdrom' }), /does not exist/);
  assert.throws(() => FileDisk.open(dir, { readOnly: true, kind: 'cdrom' }), /is a directory/);
  const empty = join(dir, 'empty.img');
  writeFileSync(empty, '');
  assert.throws(() => FileDisk.open(empty, { readOnly: true, kind: 'floppy' }), (error: Error) => error instanceof ImageError && /empty/.test(error.message));
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked.img');
    writeFileSync(locked, pattern(1024, 2));
    chmodSync(locked, 0);
    assert.throws(() => FileDisk.open(locked, { readOnly: true, kind: 'cdrom' }), /permission/i);
  }
});

test('a floppy image of an odd size is presented at the next standard size, zero padded', () => {
  assert.equal(floppyPresentedSize(1474560), 1474560);
  assert.equal(floppyPresentedSize(1296384), 1474560);
  const path = join(dir, 'odd.img');
  writeFileSync(path, pattern(1296384, 3));
  const disk = FileDisk.open(path, { readOnly: true, kind: 'floppy' });
  assert.equal(disk.byteLength, 1474560);
  const tail = read(disk, 1296384 - 4, 8);
  assert.deepEqual([...tail.subarray(4)], [0, 0, 0, 0]);
  assert.equal(tail[0], pattern(1296384, 3)[1296384 - 4]);
  disk.close();
});

test('an overlay keeps writes and reads the rest from below, copying partial blocks up', () => {
  const basePath = join(dir, 'base.img');
  const base = pattern(40 * 1024, 4);
  writeFileSync(basePath, base);
  const overlayPath = join(dir, 'one.ovl');
  createOverlayFile(overlayPath, base.length);
  const overlay = new Overlay(overlayPath, new RawFile(basePath, true), false);
  overlay.write(new Uint8Array(100).fill(9), 5000);
  const all = new Uint8Array(base.length);
  overlay.read(all, 0);
  const expected = base.slice();
  expected.fill(9, 5000, 5100);
  assert.deepEqual(all, expected);
  assert.equal(overlay.allocatedBlocks(), 1);
  overlay.close();
  assert.deepEqual(new Uint8Array(readFileSync(basePath)), base, 'the base image is untouched');
  // Reopened, the overlay still holds the write.
  const again = new Overlay(overlayPath, new RawFile(basePath, true), true);
  const part = new Uint8Array(200);
  again.read(part, 4950);
  assert.deepEqual(part, expected.subarray(4950, 5150));
  assert.throws(() => again.write(new Uint8Array(1), 0), /frozen/);
  again.close();
});

test('a chain freezes for a snapshot and restores to it, discarding later writes', async () => {
  const chainDir = join(dir, 'chain');
  mkdirSync(chainDir);
  const basePath = join(chainDir, 'disk.img');
  writeFileSync(basePath, new Uint8Array(64 * 1024));
  const chain = DiskChain.open('hd0', basePath, chainDir);
  const write = (value: number) => chain.disk.set(0, new Uint8Array(512).fill(value), () => undefined);
  write(1);
  assert.equal(readFileSync(basePath)[0], 1, 'before any snapshot, writes go to the image file');
  const frozen = await chain.freeze();
  assert.deepEqual(frozen.overlays, []);
  write(2);
  assert.equal(read(chain.disk, 0, 1)[0], 2);
  assert.equal(readFileSync(basePath)[0], 1, 'after a snapshot the base is frozen');
  const second = await chain.freeze();
  write(3);
  chain.restore(frozen);
  assert.equal(read(chain.disk, 0, 1)[0], 1);
  chain.restore(second);
  assert.equal(read(chain.disk, 0, 1)[0], 2);
  chain.close();
  // A new engine reopens the recorded chain.
  const reopened = DiskChain.open('hd0', basePath, chainDir);
  assert.equal(read(reopened.disk, 0, 1)[0], 2);
  assert.deepEqual(reopened.description.overlays.slice(0, -1), second.overlays);
  reopened.close();
});

test('a host I/O error holds the request, reports once, and retry replays it in order', () => {
  const path = join(dir, 'shrinking.img');
  writeFileSync(path, pattern(8192, 5));
  const disk = FileDisk.open(path, { readOnly: false, kind: 'disk' });
  const errors: DiskIoError[] = [];
  disk.onError = (error) => errors.push(error);
  truncateSync(path, 1024); // the file shrinks under the engine
  let got: Uint8Array | undefined;
  disk.get(4096, 512, (data) => (got = data));
  assert.equal(got, undefined, 'the guest gets no data while the error stands');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.operation, 'read');
  assert.match(errors[0]?.reason ?? '', /truncated/);
  let wrote = false;
  disk.set(0, new Uint8Array(512).fill(7), () => (wrote = true));
  assert.equal(wrote, false, 'later requests wait behind the failed one');
  assert.equal(errors.length, 1);
  assert.equal(disk.retry(), false, 'still failing');
  assert.equal(errors.length, 2);
  writeFileSync(path, pattern(8192, 6)); // the file is back
  assert.equal(disk.retry(), true);
  assert.deepEqual(got, pattern(8192, 6).subarray(4096, 4608));
  assert.ok(wrote);
  assert.equal(readFileSync(path)[0], 7);
  disk.close();
});

test('writes to a full device report nospace', () => {
  // /dev/full is a real device that fails every write with ENOSPC.
  const disk = new FileDisk(new RawFile('/dev/full', false, 4096));
  const errors: DiskIoError[] = [];
  disk.onError = (error) => errors.push(error);
  disk.set(0, new Uint8Array(512), () => undefined);
  assert.equal(errors[0]?.nospace, true);
  assert.equal(errors[0]?.operation, 'write');
  disk.close();
});

test('a qcow2 disk (plain and compressed, made by qemu-img) reads as its raw image; writes go to an overlay', async () => {
  const qdir = join(dir, 'qcow2');
  mkdirSync(qdir);
  const raw = join(qdir, 'source.img');
  const content = new Uint8Array(3 * 1024 * 1024);
  for (let i = 0; i < content.length; i += 512) content.set(pattern(300, i >> 9), i);
  content.fill(0, 1024 * 1024, 2 * 1024 * 1024); // an unallocated stretch
  writeFileSync(raw, content);
  for (const compressed of [false, true]) {
    const image = join(qdir, compressed ? 'c.qcow2' : 'p.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', ...(compressed ? ['-c'] : []), raw, image]);
    const before = readFileSync(image);
    const layers = join(qdir, compressed ? 'layers-c' : 'layers-p');
    mkdirSync(layers);
    const chain = DiskChain.open('hd0', image, layers);
    assert.equal(chain.format, 'qcow2');
    assert.equal(chain.disk.byteLength, content.length);
    assert.deepEqual(read(chain.disk, 0, content.length), content);
    assert.deepEqual(read(chain.disk, 4000, 10_000), content.subarray(4000, 14_000));
    chain.disk.set(512, new Uint8Array(512).fill(0xee), () => undefined);
    assert.equal(read(chain.disk, 512, 1)[0], 0xee);
    assert.equal(chain.disk.hasFailed, false);
    chain.close();
    assert.deepEqual(readFileSync(image), before, 'the qcow2 image is not written');
  }
});

test('a qcow2 base with a damaged signature is refused, never opened as a raw writable disk', () => {
  const qdir = join(dir, 'damaged');
  mkdirSync(qdir);
  const image = join(qdir, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '4M']);
  const bytes = readFileSync(image);
  bytes.write('XXXX', 0, 'latin1');
  writeFileSync(image, bytes);
  assert.throws(() => DiskChain.open('hd0', image, qdir), (error: unknown) => error instanceof ImageError && /looks like a qcow2 image whose signature is damaged/.test(error.message));
  assert.throws(() => DiskChain.open('hd0', image, qdir, 'qcow2'), (error: unknown) => error instanceof ImageError && /no qcow2 signature/.test(error.message));
  assert.deepEqual(readFileSync(image), bytes, 'the image is not written');
  // A qcow2 image cut short (its tables past the end of the file) is refused too.
  const cut = join(qdir, 'cut.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', cut, '4M']);
  truncateSync(cut, 70_000);
  assert.throws(() => DiskChain.open('hd0', cut, qdir, 'qcow2'), /is truncated: its (L1|refcount) table ends at byte/);
});

test('a truncated overlay is refused with what happened, wherever it was cut', async () => {
  const odir = join(dir, 'truncated');
  mkdirSync(odir);
  const basePath = join(odir, 'disk.img');
  writeFileSync(basePath, new Uint8Array(1 << 20));
  const chain = DiskChain.open('hd0', basePath, odir);
  await chain.freeze();
  chain.disk.set(512 * 1024, new Uint8Array(8192).fill(9), () => undefined);
  await chain.disk.drain();
  const overlay = join(odir, chain.description.overlays.at(-1) as string);
  chain.close();
  const whole = readFileSync(overlay);
  for (const [size, problem] of [
    [whole.length - 100, /is truncated: block \d+ ends at byte/],
    [4096 + 16, /is truncated: \d+ bytes, ending inside its allocation bitmap/],
    [1000, /is truncated: 1000 bytes, shorter than its 4096-byte header/],
  ] as const) {
    writeFileSync(overlay, whole.subarray(0, size));
    assert.throws(() => DiskChain.open('hd0', basePath, odir), (error: unknown) => error instanceof ImageError && problem.test(error.message) && error.message.includes(overlay), `cut at ${size}`);
  }
  writeFileSync(overlay, whole);
  const reopened = DiskChain.open('hd0', basePath, odir);
  assert.equal(read(reopened.disk, 512 * 1024, 1)[0], 9, 'the whole overlay opens');
  reopened.close();
});

test('a missing or damaged layer record refuses to open instead of falling back to the base image', async () => {
  const mdir = join(dir, 'missing-layer');
  mkdirSync(mdir);
  const basePath = join(mdir, 'disk.img');
  writeFileSync(basePath, new Uint8Array(64 * 1024));
  const chain = DiskChain.open('hd0', basePath, mdir);
  await chain.freeze();
  chain.disk.set(0, new Uint8Array(512).fill(7), () => undefined);
  await chain.disk.drain();
  const overlay = join(mdir, chain.description.overlays.at(-1) as string);
  chain.close();
  const saved = readFileSync(overlay);
  rmSync(overlay);
  assert.throws(() => DiskChain.open('hd0', basePath, mdir), (error: unknown) => error instanceof ImageError && /is missing/.test(error.message) && error.message.includes('move'));
  assert.equal(readFileSync(basePath)[0], 0, 'the base image was not written');
  writeFileSync(overlay, saved);
  const record = join(mdir, 'hd0.chain.json');
  const recordText = readFileSync(record, 'utf8');
  writeFileSync(record, recordText.slice(0, 10));
  assert.throws(() => DiskChain.open('hd0', basePath, mdir), (error: unknown) => error instanceof ImageError && /layer record .* is damaged/.test(error.message));
  writeFileSync(record, recordText);
  const reopened = DiskChain.open('hd0', basePath, mdir);
  assert.equal(read(reopened.disk, 0, 1)[0], 7, 'with the layer back, the guest sees its write');
  reopened.close();
});
