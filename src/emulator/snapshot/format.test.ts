/**
 * The snapshot file format with real files: round trip, inspection without loading, refusal
 * reasons, damaged and truncated files.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PARTIAL_SUFFIX, removePartialFiles } from './atomic.js';
import { SnapshotFormatError, checkCompatibility, readSnapshotHeader, readSnapshotSection, verifySnapshotFile, writeSnapshotFile } from './format.js';

const dir = mkdtempSync(join(tmpdir(), 'hangar-snapfmt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const meta = {
  tag: 'first',
  engine: 'v86',
  engineVersion: '0.5.462',
  dateSec: 1_700_000_000,
  dateNsec: 5,
  configuration: { memoryMib: 128, disk: true },
};

test('a snapshot file round-trips its header and compressed sections', async () => {
  const path = join(dir, 'first.hsnap');
  const machine = new Uint8Array(1 << 20);
  machine.fill(0x11, 1000, 2000);
  const disks = Buffer.from(JSON.stringify({ hd0: { base: '/x', overlays: [] } }));
  const { header, size } = await writeSnapshotFile(path, meta, [
    { name: 'machine', data: machine },
    { name: 'disks', data: disks },
    { name: 'raw', data: new Uint8Array([1, 2, 3]), compress: false },
  ]);
  assert.ok(size < 64 * 1024, `a mostly-zero MiB compresses (got ${size})`);
  const read = readSnapshotHeader(path);
  assert.equal(read.fileSize, size);
  assert.deepEqual(read.header, header);
  assert.equal(read.header.formatVersion, 1);
  assert.deepEqual(read.header.sections.map((section) => section.name), ['machine', 'disks', 'raw']);
  assert.equal(read.header.sections[0]?.rawSize, 1 << 20);
  assert.deepEqual(new Uint8Array(readSnapshotSection(path, read.header, 'machine')), machine);
  assert.deepEqual(Buffer.from(readSnapshotSection(path, read.header, 'disks')), disks);
  assert.deepEqual([...readSnapshotSection(path, read.header, 'raw')], [1, 2, 3]);
  assert.equal(readdirSync(dir).filter((name) => name.endsWith(PARTIAL_SUFFIX)).length, 0, 'no temporary file remains');
});

test('truncated, foreign and damaged files are refused with a reason', async () => {
  const path = join(dir, 'cut.hsnap');
  await writeSnapshotFile(path, meta, [{ name: 'machine', data: new Uint8Array(100_000).map((_, i) => i * 31) }]);
  const whole = readSnapshotHeader(path).fileSize;
  truncateSync(path, whole - 100);
  assert.throws(() => readSnapshotHeader(path), (error: Error) => error instanceof SnapshotFormatError && /incomplete/.test(error.message));
  const foreign = join(dir, 'foreign.hsnap');
  writeFileSync(foreign, 'QFI\xfb and some more bytes to pass the size check');
  assert.throws(() => readSnapshotHeader(foreign), /not a Hangar snapshot/);
  assert.throws(() => readSnapshotHeader(join(dir, 'missing.hsnap')), /No snapshot file/);
});

test('compatibility: engine, engine version and configuration are checked', () => {
  const current = { engine: 'v86', engineVersion: '0.5.462', configuration: { memoryMib: 128, disk: true } };
  const header = { ...meta, formatVersion: 1, sections: [] };
  assert.deepEqual(checkCompatibility(header, current, ['memoryMib', 'disk']), { loadable: true });
  const qemu = checkCompatibility(header, { ...current, engine: 'qemu' }, []);
  assert.equal(qemu.loadable, false);
  assert.match(!qemu.loadable ? qemu.reason : '', /v86 engine/);
  const memory = checkCompatibility(header, { ...current, configuration: { memoryMib: 256, disk: true } }, ['memoryMib', 'disk']);
  assert.match(!memory.loadable ? memory.reason : '', /memoryMib was 128, is 256/);
  const version = checkCompatibility(header, { ...current, engineVersion: '0.5.500' }, []);
  assert.match(!version.loadable ? version.reason : '', /0\.5\.462/);
});

test('removePartialFiles clears what a killed writer left', () => {
  writeFileSync(join(dir, `.x.hsnap.1.abc${PARTIAL_SUFFIX}`), 'half');
  assert.equal(removePartialFiles(dir), 1);
});

test('a section larger than one compression chunk round-trips; a flipped byte is caught', async () => {
  const path = join(dir, 'big.hsnap');
  const data = new Uint8Array(9 * 1024 * 1024 + 123);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i >> 12) & 0xff;
  const { header } = await writeSnapshotFile(path, meta, [{ name: 'machine', data }]);
  assert.equal(header.sections[0]?.encoding, 'gzip');
  assert.deepEqual(new Uint8Array(readSnapshotSection(path, header, 'machine')), data);
  const offset = (header.sections[0]?.offset ?? 0) + 100;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([0x5a]), 0, 1, offset);
  closeSync(fd);
  assert.throws(() => readSnapshotSection(path, readSnapshotHeader(path).header, 'machine'), /damaged/);
});

test('verifySnapshotFile checks every byte: a flip anywhere (prefix, header, any section, trailer) is damage', async () => {
  const path = join(dir, 'verify.hsnap');
  const data = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
  const { header, size } = await writeSnapshotFile(path, meta, [
    { name: 'machine', data },
    { name: 'media', data: Buffer.from('{"cd0":null}') },
    { name: 'raw', data: new Uint8Array([9, 9, 9]), compress: false },
  ]);
  const pristine = readFileSync(path);
  assert.deepEqual(verifySnapshotFile(path).header, header);
  // The middle byte is what a careless fault suite damages; the others cover each part of the layout.
  const positions = [Math.floor(size / 2), 3, 20, ...header.sections.map((section) => section.offset + Math.floor(section.size / 2)), size - 5, size - 1];
  for (const position of positions) {
    const damaged = Buffer.from(pristine);
    damaged[position] = (damaged[position] ?? 0) ^ 0x40;
    writeFileSync(path, damaged);
    assert.throws(() => verifySnapshotFile(path), (error: Error) => error instanceof SnapshotFormatError && /damaged|not a Hangar snapshot|version|incomplete/.test(error.message), `byte ${position} of ${size}`);
  }
  writeFileSync(path, pristine);
  assert.equal(verifySnapshotFile(path).fileSize, size);
  // A damaged section is named in the message.
  const damaged = Buffer.from(pristine);
  const machine = header.sections[0];
  assert.ok(machine);
  damaged[machine.offset + 10] = (damaged[machine.offset + 10] ?? 0) ^ 1;
  writeFileSync(path, damaged);
  assert.throws(() => verifySnapshotFile(path), /is damaged: section machine fails its checksum/);
});
