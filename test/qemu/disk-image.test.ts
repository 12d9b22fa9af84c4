/**
 * Disk images through qemu-img: qcow2 creation and conversion with progress, checked with
 * `qemu-img info` / `check`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { imageFormat } from '../../src/emulator/qemu/arguments.js';
import { convertImage, createQcow2 } from '../../src/emulator/qemu/index.js';

describe('qemu-img disk helpers', () => {
  let folder: string;
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-qemu-img-'));
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('creates a qcow2 disk of the requested size and refuses to overwrite', async () => {
    const path = join(folder, 'new.qcow2');
    const progress: number[] = [];
    await createQcow2(path, 64 * 1024 * 1024, { onProgress: (percent) => progress.push(percent) });
    assert.deepEqual(progress, [0, 100]);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path], { encoding: 'utf8' })) as { format: string; 'virtual-size': number };
    assert.equal(info.format, 'qcow2');
    assert.equal(info['virtual-size'], 64 * 1024 * 1024);
    assert.equal(imageFormat(path), 'qcow2');
    await assert.rejects(createQcow2(path, 1024 * 1024), /already exists/);
  });

  it('converts a raw image to qcow2 with progress, and the result passes qemu-img check', async () => {
    const raw = join(folder, 'disk.raw');
    const data = Buffer.alloc(8 * 1024 * 1024);
    data.fill(0x5a, 0, 1024 * 1024);
    writeFileSync(raw, data);
    assert.equal(imageFormat(raw), 'raw');
    const target = join(folder, 'converted.qcow2');
    const progress: number[] = [];
    await convertImage(raw, target, 'qcow2', { onProgress: (percent) => progress.push(percent) });
    assert.equal(progress.at(-1), 100);
    assert.ok(progress.every((value, index) => index === 0 || value >= progress[index - 1]!), `progress is monotonic: ${progress.join(',')}`);
    execFileSync('qemu-img', ['check', target]);
    execFileSync('qemu-img', ['compare', raw, target]);
    await assert.rejects(convertImage(join(folder, 'missing.raw'), join(folder, 'x.qcow2'), 'qcow2'), /qemu-img convert failed/);
  });
});
