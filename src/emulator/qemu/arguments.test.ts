/**
 * The QEMU command line's hard disk: the format comes from the machine's configuration (the
 * library), not from the image's first bytes, and a damaged qcow2 header stops the launch.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { MachineConfig } from '../backend.js';
import { buildArguments, socketPaths } from './arguments.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-qemu-args-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const launch = { accelerator: 'tcg', clipboard: false, display: 'std', tablet: true } as const;

function driveOption(config: MachineConfig): string | undefined {
  return buildArguments(config, socketPaths(folder), launch).find((arg) => arg.startsWith('if=none,id=drive-hd0'));
}

test('the declared disk format is passed to QEMU, whatever the header looks like', () => {
  const qcow2 = join(folder, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '16M']);
  assert.match(driveOption({ engine: 'qemu', memoryMib: 32, runtimeDir: folder, disk: qcow2, diskFormat: 'qcow2' }) ?? '', /,format=qcow2,node-name=node-hd0,/);
  // A raw disk whose guest wrote a qcow2 header into its first sector stays raw.
  const raw = join(folder, 'guest-wrote-a-header.raw');
  writeFileSync(raw, Buffer.alloc(1 << 20));
  const fd = openSync(raw, 'r+');
  writeSync(fd, Buffer.from('QFI\xfb', 'latin1'), 0, 4, 0);
  closeSync(fd);
  assert.match(driveOption({ engine: 'qemu', memoryMib: 32, runtimeDir: folder, disk: raw, diskFormat: 'raw' }) ?? '', /,format=raw,werror/);
});

test('a qcow2 disk with a damaged signature is refused, declared or not; never passed as raw', () => {
  const damaged = join(folder, 'damaged.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', damaged, '16M']);
  const fd = openSync(damaged, 'r+');
  writeSync(fd, Buffer.alloc(4), 0, 4, 0);
  closeSync(fd);
  assert.throws(() => driveOption({ engine: 'qemu', memoryMib: 32, runtimeDir: folder, disk: damaged, diskFormat: 'qcow2' }), /no qcow2 signature.*restore the image from a backup/s);
  assert.throws(() => driveOption({ engine: 'qemu', memoryMib: 32, runtimeDir: folder, disk: damaged }), /looks like a qcow2 image whose signature is damaged/);
});
