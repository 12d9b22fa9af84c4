/**
 * The QEMU backend tells a disk's format from its header (never raw for a damaged qcow2), on
 * images made by the library's qemu-img runner (src/library/disk-images.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { imageFormat } from '../../src/emulator/qemu/arguments.js';
import { convertDiskImage, createDiskImage } from '../../src/library/disk-images.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-qemu-img-'));
after(() => rmSync(folder, { recursive: true, force: true }));

test('qcow2 and raw images are told apart by their headers, also after a conversion', async () => {
  const created = join(folder, 'new.qcow2');
  await createDiskImage(created, { format: 'qcow2', sizeBytes: 64 * 1024 * 1024 });
  assert.equal(imageFormat(created), 'qcow2');
  const raw = join(folder, 'disk.raw');
  const data = Buffer.alloc(8 * 1024 * 1024);
  data.fill(0x5a, 0, 1024 * 1024);
  writeFileSync(raw, data);
  assert.equal(imageFormat(raw), 'raw');
  const converted = join(folder, 'converted.qcow2');
  await convertDiskImage(raw, converted, { from: 'raw', to: 'qcow2' });
  assert.equal(imageFormat(converted), 'qcow2');
  execFileSync('qemu-img', ['compare', raw, converted]);
});
