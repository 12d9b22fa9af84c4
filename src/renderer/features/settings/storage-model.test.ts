/**
 * The Storage page's rules: sizes as people type them (GiB by default), a grown size must be
 * larger (never a shrink), disk rows from the API in drive order, and a disk changed through the
 * page is no unsaved change of the editor (only CD/floppy media are).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MachineConfig } from '../../platform/models.js';
import { changedSettings } from './settings-model.js';
import { formatDiskSize, growSizeProblem, newDiskFormat, newSizeProblem, parseDiskSize, toHardDisks } from './storage-model.js';

const MiB = 1024 * 1024;

test('sizes: GiB unless M or T is written; whole MiB only', () => {
  assert.equal(parseDiskSize('8'), 8192);
  assert.equal(parseDiskSize(' 8G '), 8192);
  assert.equal(parseDiskSize('8 GiB'), 8192);
  assert.equal(parseDiskSize('512M'), 512);
  assert.equal(parseDiskSize('1.5G'), 1536);
  assert.equal(parseDiskSize('1T'), 1 << 20);
  for (const bad of ['', 'lots', '0', '-1G', '0.0001G', '8X']) assert.equal(parseDiskSize(bad), undefined, bad);
  assert.match(newSizeProblem('lots') ?? '', /Enter a size like 8 \(GiB\)/);
  assert.match(newSizeProblem('17T') ?? '', /at most 16 TiB/);
  assert.equal(newSizeProblem('64M'), undefined);
  assert.deepEqual([formatDiskSize(64 * MiB), formatDiskSize(8 * 1024 * MiB), formatDiskSize(1536 * MiB)], ['64 MiB', '8 GiB', '1.5 GiB']);
});

test('growing: never smaller, never the same size', () => {
  const disk = { sizeBytes: 64 * MiB };
  assert.match(growSizeProblem('32M', disk) ?? '', /Smaller than the disk's 64 MiB: Hangar only grows disks/);
  assert.match(growSizeProblem('64M', disk) ?? '', /already has 64 MiB/);
  assert.equal(growSizeProblem('128M', disk), undefined);
});

test('disk rows from the API: ordered, named hda, hdb…, unknown formats read as raw', () => {
  const rows = toHardDisks([
    { id: 'b', path: '/x/b.img', format: 'raw', sizeBytes: 1, position: 1 },
    { id: 'a', path: '/x/a.qcow2', format: 'qcow2', sizeBytes: 2, position: 0 },
    { id: 'broken' },
  ]);
  assert.deepEqual(rows.map((row) => [row.id, row.drive, row.format]), [['a', 'hda', 'qcow2'], ['b', 'hdb', 'raw']]);
  assert.deepEqual(toHardDisks(undefined), []);
  assert.equal(newDiskFormat('qemu').format, 'qcow2');
  assert.equal(newDiskFormat('v86').format, 'raw');
});

test('a disk added or removed on the page is no unsaved change; a CD is', () => {
  const base: MachineConfig = {
    name: 'VM', osId: '', engine: 'qemu', memoryMiB: 512, cpus: 1, bootOrder: ['disk'], forceTcg: false, speedLimitMips: 0, shares: [],
    displayDevice: 'std', scaling: 'fit', serial: 'off', clipboard: 'off',
    network: { mode: 'nat', model: 'auto', mac: '02:00:00:00:00:01', connected: true, forwards: [] },
    drives: [{ id: 'd1', kind: 'disk', path: '/x/disk0.qcow2', sizeMiB: 64 }, { id: 'cd0', kind: 'cdrom' }],
  };
  // The machine after the page removed its disk, against the editor's draft that still lists it.
  const afterRemoval: MachineConfig = { ...base, drives: [{ id: 'cd0', kind: 'cdrom' }] };
  assert.deepEqual(changedSettings(afterRemoval, base), []);
  assert.deepEqual(changedSettings(afterRemoval, { ...base, drives: [base.drives[0]!, { id: 'cd0', kind: 'cdrom', path: '/x/cd.iso', present: true }] }), [{ field: 'drives', needsPowerCycle: false }]);
});
