import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDiskImage, createDiskImage, hasQemuImg, inspectDiskImage } from './disk-images.js';
import { LibraryError } from './errors.js';
import { Library } from './library.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-disks-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const gib = 1024 ** 3;

describe('disk images', () => {
  it('creates a sparse raw image and reports progress', async () => {
    const path = join(folder, 'sparse.img');
    const progress: number[] = [];
    const info = await createDiskImage(path, { format: 'raw', sizeBytes: 4 * gib, onProgress: (fraction) => progress.push(fraction) });
    assert.equal(info.format, 'raw');
    assert.equal(info.virtualSizeBytes, 4 * gib);
    assert.ok(info.actualSizeBytes < 1024 * 1024, `sparse image allocates ${info.actualSizeBytes} bytes`);
    assert.equal(statSync(path).size, 4 * gib);
    assert.equal(progress[0], 0);
    assert.equal(progress.at(-1), 1);
  });

  it('preallocates a raw image with progress in steps', async () => {
    const path = join(folder, 'full.img');
    const progress: number[] = [];
    const info = await createDiskImage(path, { format: 'raw', sizeBytes: 16 * 1024 * 1024, preallocate: true, onProgress: (fraction) => progress.push(fraction) });
    assert.ok(info.actualSizeBytes >= 16 * 1024 * 1024);
    assert.ok(progress.length >= 5, `progress: ${progress.join(', ')}`);
    assert.deepEqual([...progress].sort((a, b) => a - b), progress, 'progress never goes back');
  });

  it('creates qcow2 through qemu-img; qemu-img check passes and inspect reads it', async () => {
    assert.equal(await hasQemuImg(), true);
    const path = join(folder, 'disk.qcow2');
    const info = await createDiskImage(path, { format: 'qcow2', sizeBytes: 10 * gib });
    assert.equal(info.format, 'qcow2');
    assert.equal(info.virtualSizeBytes, 10 * gib);
    assert.ok(info.actualSizeBytes < 10 * 1024 * 1024);
    const check = await checkDiskImage(path);
    assert.deepEqual({ supported: check.supported, ok: check.ok, corruptions: check.corruptions }, { supported: true, ok: true, corruptions: 0 });
    const external = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path], { encoding: 'utf8' })) as { 'virtual-size': number };
    assert.equal(external['virtual-size'], 10 * gib);
  });

  it('qemu-img check reports a damaged qcow2', async () => {
    const path = join(folder, 'damaged.qcow2');
    await createDiskImage(path, { format: 'qcow2', sizeBytes: gib });
    // Point the L1 table far outside the file: qemu-img check counts that as an error.
    const fd = openSync(path, 'r+');
    const bad = Buffer.alloc(8);
    bad.writeBigUInt64BE(0x7fff_0000_0000n);
    writeSync(fd, bad, 0, 8, 40);
    closeSync(fd);
    const check = await checkDiskImage(path);
    assert.equal(check.ok, false);
  });

  it('raw images are not checkable; the result says so', async () => {
    const check = await checkDiskImage(join(folder, 'sparse.img'));
    assert.equal(check.supported, false);
    assert.match(check.detail, /raw images have no metadata/);
  });

  it('never overwrites, validates sizes and leaves no temp files', async () => {
    await assert.rejects(createDiskImage(join(folder, 'sparse.img'), { format: 'raw', sizeBytes: gib }), (error: unknown) => error instanceof LibraryError && error.class === 'Duplicate');
    await assert.rejects(createDiskImage(join(folder, 'zero.img'), { format: 'raw', sizeBytes: 0 }), /sizeBytes/);
    await assert.rejects(createDiskImage(join(folder, 'fmt.img'), { format: 'vmdk' as 'raw', sizeBytes: gib }), /format/);
    assert.deepEqual(readdirSync(folder).filter((name) => name.includes('tmp')), []);
    await assert.rejects(inspectDiskImage(join(folder, 'missing.img')), /does not exist/);
  });

  it('inspect reports a plain file as raw with its size', async () => {
    const path = join(folder, 'plain.bin');
    writeFileSync(path, Buffer.alloc(4096));
    const info = await inspectDiskImage(path);
    assert.equal(info.format, 'raw');
    assert.equal(info.virtualSizeBytes, 4096);
  });

  it('a qcow2 image with a damaged signature is never taken for raw: inspect refuses it, check reports it', async () => {
    const path = join(folder, 'signature.qcow2');
    await createDiskImage(path, { format: 'qcow2', sizeBytes: gib });
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('XXXX', 'latin1'), 0, 4, 0);
    closeSync(fd);
    // qemu-img info alone calls it raw; attaching it as raw would let the guest overwrite it.
    assert.equal((JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path], { encoding: 'utf8' })) as { format: string }).format, 'raw');
    await assert.rejects(inspectDiskImage(path), (error: unknown) => error instanceof LibraryError && error.class === 'Corrupt' && /signature is damaged/.test(error.message));
    for (const format of ['qcow2', undefined] as const) {
      const check = await checkDiskImage(path, format ? { format } : {});
      assert.equal(check.ok, false);
      assert.equal(check.format, 'qcow2');
      assert.match(check.headerProblem ?? '', /signature/);
      assert.match(check.detail, /cannot check or repair a damaged header/);
    }
  });

  it('check finds leaked clusters (harmless) and repair frees them', async () => {
    const path = join(folder, 'leaky.qcow2');
    await createDiskImage(path, { format: 'qcow2', sizeBytes: 64 * 1024 * 1024 });
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x33 0 256k', path]);
    // Two clusters past the end marked used with nothing referring to them: leaks.
    const image = readFileSync(path);
    const clusterSize = 1 << image.readUInt32BE(20);
    const refcountBlock = Number(image.readBigUInt64BE(Number(image.readBigUInt64BE(48))));
    const first = Math.ceil(image.length / clusterSize);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(2 * clusterSize), 0, 2 * clusterSize, first * clusterSize);
    for (const cluster of [first, first + 1]) writeSync(fd, Buffer.from([0, 1]), 0, 2, refcountBlock + cluster * 2);
    closeSync(fd);
    const found = await checkDiskImage(path, { format: 'qcow2' });
    assert.deepEqual([found.ok, found.leaks, found.corruptions], [true, 2, 0]);
    assert.match(found.detail, /2 leaked cluster\(s\)/);
    const repaired = await checkDiskImage(path, { format: 'qcow2', repair: 'leaks' });
    assert.deepEqual([repaired.ok, repaired.leaks, repaired.leaksFixed], [true, 0, 2]);
    assert.equal((await checkDiskImage(path, { format: 'qcow2' })).leaks, 0);
    await assert.rejects(checkDiskImage(path, { format: 'qcow2', repair: 'leaks', inUse: true }), /in use by a running machine/);
  });

  /** A qcow2 image holding `pattern` in its first cluster, and where that data cluster's reference count is stored. */
  async function imageWithData(name: string, pattern: string): Promise<{ path: string; refcountAt: number }> {
    const path = join(folder, name);
    await createDiskImage(path, { format: 'qcow2', sizeBytes: 64 * 1024 * 1024 });
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P ${pattern} 0 64k`, path]);
    const image = readFileSync(path);
    const clusterBits = image.readUInt32BE(20);
    const offsetMask = 0x00ff_ffff_ffff_fe00n;
    const l2Table = Number(image.readBigUInt64BE(Number(image.readBigUInt64BE(40))) & offsetMask);
    const dataCluster = Number(image.readBigUInt64BE(l2Table) & offsetMask) >> clusterBits;
    const refcountBlock = Number(image.readBigUInt64BE(Number(image.readBigUInt64BE(48))));
    // Default refcount order 4: 16-bit big-endian counts.
    return { path, refcountAt: refcountBlock + dataCluster * 2 };
  }

  function setRefcount(path: string, at: number, count: number): void {
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([count >> 8, count & 0xff]), 0, 2, at);
    closeSync(fd);
  }

  it('a count raised as by an interrupted snapshot save is told apart from real damage, and repair-all fixes it without loss', async () => {
    // What QEMU leaves when killed inside savevm: the count went to 2 before the snapshot table
    // (the second reference) was written, so the flag saying "count is one" is now wrong.
    const raised = await imageWithData('raised.qcow2', '0x5a');
    setRefcount(raised.path, raised.refcountAt, 2);
    const found = await checkDiskImage(raised.path, { format: 'qcow2' });
    assert.deepEqual([found.ok, found.corruptions, found.leaks, found.onlyRaisedRefcounts], [false, 1, 1, true], found.detail);
    const repaired = await checkDiskImage(raised.path, { format: 'qcow2', repair: 'all' });
    assert.equal(repaired.ok, true, repaired.detail);
    const after = await checkDiskImage(raised.path, { format: 'qcow2' });
    assert.deepEqual([after.ok, after.corruptions, after.leaks], [true, 0, 0]);
    // The data is still there (qemu-io exits non-zero when the pattern does not match).
    assert.match(execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x5a 0 64k', raised.path], { encoding: 'utf8' }), /read 65536\/65536/);

    // A count below the references is real damage (the cluster could be handed out again).
    const lowered = await imageWithData('lowered.qcow2', '0x6b');
    setRefcount(lowered.path, lowered.refcountAt, 0);
    const damaged = await checkDiskImage(lowered.path, { format: 'qcow2' });
    assert.equal(damaged.ok, false);
    assert.equal(damaged.onlyRaisedRefcounts, undefined, damaged.detail);
  });

  it('Library.createDisk puts the image in the machine folder under a sanitised name and attaches it', async () => {
    const libraryFolder = join(folder, 'library');
    const library = await Library.open(libraryFolder, { watch: false });
    try {
      const machine = library.machines.create({ name: 'Disky', osId: 'other', engine: 'qemu' });
      const disk = await library.createDisk(machine.id, { name: '../../evil', format: 'qcow2', sizeBytes: 2 * gib, bus: 'virtio' });
      assert.equal(disk.path, join(libraryFolder, 'machines', machine.id, 'disks', 'evil.qcow2'));
      assert.equal(disk.bus, 'virtio');
      assert.deepEqual(library.machines.get(machine.id).disks, [disk]);
      assert.equal((await inspectDiskImage(disk.path)).virtualSizeBytes, 2 * gib);
    } finally {
      await library.close();
    }
  });
});
