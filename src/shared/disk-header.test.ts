/** Disk headers judged against their declared format, with real qemu-img images. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { looksLikeDamagedQcow2, verifyDiskHeader } from './disk-header.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-disk-header-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function qcow2(name: string, options: string[] = []): { header: Buffer; size: number } {
  const path = join(folder, name);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', ...options, path, '64M']);
  return { header: readFileSync(path).subarray(0, 512), size: statSync(path).size };
}

test('a sound qcow2 header (v3 and v2) is accepted, declared or detected', () => {
  for (const [name, options] of [['v3.qcow2', []], ['v2.qcow2', ['-o', 'compat=0.10']]] as const) {
    const { header, size } = qcow2(name, [...options]);
    assert.deepEqual(verifyDiskHeader(header, size, 'qcow2'), { ok: true, format: 'qcow2', virtualSize: 64 << 20 });
    assert.deepEqual(verifyDiskHeader(header, size), { ok: true, format: 'qcow2', virtualSize: 64 << 20 });
  }
});

test('a damaged signature is refused as qcow2 and never taken for raw', () => {
  const { header, size } = qcow2('magic.qcow2');
  header.write('XXXX', 0, 'latin1');
  const declared = verifyDiskHeader(header, size, 'qcow2');
  assert.equal(declared.ok, false);
  assert.match(declared.ok ? '' : declared.problem, /no qcow2 signature .*58 58 58 58/);
  const guessed = verifyDiskHeader(header, size);
  assert.equal(guessed.ok, false);
  assert.equal(guessed.ok ? false : guessed.damagedQcow2, true);
  assert.equal(looksLikeDamagedQcow2(header), true);
});

test('truncation, a corrupt flag and broken fields are refused with what is wrong', () => {
  const { header, size } = qcow2('fields.qcow2');
  assert.match(JSON.stringify(verifyDiskHeader(header, 100_000, 'qcow2')), /is truncated: its (L1|refcount) table ends at byte/);
  assert.match(JSON.stringify(verifyDiskHeader(header, 50, 'qcow2')), /shorter than a qcow2 header/);
  const corrupt = Buffer.from(header);
  corrupt.writeBigUInt64BE(corrupt.readBigUInt64BE(72) | 2n, 72);
  assert.match(JSON.stringify(verifyDiskHeader(corrupt, size, 'qcow2')), /marked corrupt/);
  const version = Buffer.from(header);
  version.writeUInt32BE(9, 4);
  assert.match(JSON.stringify(verifyDiskHeader(version, size, 'qcow2')), /format version 9/);
  const l1 = Buffer.from(header);
  l1.writeBigUInt64BE(0x7fff_0000_0000n, 40);
  assert.match(JSON.stringify(verifyDiskHeader(l1, size, 'qcow2')), /is truncated: its L1 table ends/);
});

test('raw disks: any non-empty file when declared; boot sectors and zeros are raw when detected', () => {
  const { header } = qcow2('raw-check.qcow2');
  assert.deepEqual(verifyDiskHeader(header, 1 << 20, 'raw'), { ok: true, format: 'raw', virtualSize: 1 << 20 });
  assert.deepEqual(verifyDiskHeader(new Uint8Array(512), 1 << 20), { ok: true, format: 'raw', virtualSize: 1 << 20 });
  const mbr = readFileSync('/usr/lib/grub-rescue/grub-rescue-floppy.img').subarray(0, 512);
  assert.equal(verifyDiskHeader(mbr, 1474560).ok, true);
  assert.equal(looksLikeDamagedQcow2(mbr), false);
  assert.equal(verifyDiskHeader(new Uint8Array(0), 0, 'raw').ok, false, 'an empty file is no disk');
});
