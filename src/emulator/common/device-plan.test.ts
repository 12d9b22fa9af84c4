import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { MachineConfig } from '../backend.js';
import { bootOrderOf, defaultBootOrder, planDevices } from './device-plan.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const floppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const folder = mkdtempSync(join(tmpdir(), 'hangar-device-plan-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const base: MachineConfig = { engine: 'qemu', memoryMib: 64, runtimeDir: folder };

test('boot order: each device once, in the order given; the default when none', () => {
  assert.deepEqual(bootOrderOf(undefined), defaultBootOrder);
  assert.deepEqual(bootOrderOf([]), ['cdrom', 'disk', 'floppy']);
  assert.deepEqual(bootOrderOf(['disk', 'disk', 'cdrom']), ['disk', 'cdrom']);
  assert.throws(() => bootOrderOf(['network' as 'disk']), /Unknown boot device "network"/);
});

test('a plan holds the checked devices', () => {
  const disk = join(folder, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
  assert.deepEqual(planDevices({ ...base, cpus: 2, cdrom, floppy, disk, bootOrder: ['floppy', 'cdrom'] }), {
    memoryMib: 64,
    cpus: 2,
    bootOrder: ['floppy', 'cdrom'],
    cdrom,
    floppy,
    disk: { path: disk, format: 'qcow2' },
  });
  assert.deepEqual(planDevices(base), { memoryMib: 64, cpus: 1, bootOrder: defaultBootOrder });
});

test('configurations no engine can launch are refused with the setting named', () => {
  assert.throws(() => planDevices({ ...base, memoryMib: 0 }), /Memory must be a whole number of MiB from 1 to 65536; the machine has 0/);
  assert.throws(() => planDevices({ ...base, memoryMib: 1.5 }), /Memory/);
  assert.throws(() => planDevices({ ...base, cpus: 0 }), /CPUs/);
  assert.throws(() => planDevices({ ...base, floppy: cdrom }), /CD\/DVD image \(\.iso\), not a floppy image; insert it into cd0/);
  const dos = join(folder, 'dos.ima');
  writeFileSync(dos, Buffer.alloc(1_474_560));
  assert.throws(() => planDevices({ ...base, cdrom: dos }), /floppy image, not a CD\/DVD image/);
  assert.throws(() => planDevices({ ...base, cdrom: join(folder, 'gone.iso') }), /gone\.iso does not exist/);
  assert.throws(() => planDevices({ ...base, disk: join(folder, 'gone.qcow2') }), /gone\.qcow2 does not exist/);
});
