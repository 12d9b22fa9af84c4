/**
 * The renderer's mapping of app-API values to its models and back: machines with drives
 * resolved from the media list (missing media kept, marked), patches that carry only what
 * changed, OS bits, snapshot rows, and text split for paste-as-typing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkText, osBits, toDetectedOs, toMachinePatch, toMachineSummary, toMediaItem, toSnapshotRow } from '../../src/renderer/platform/api-mapping.js';

const media = [
  toMediaItem({ id: 'iso1', path: '/isos/grub.iso', kind: 'iso', sizeBytes: 5, present: true, osId: 'grub', osName: 'GRUB rescue', volumeLabel: 'ISOIMAGE' }),
  toMediaItem({ id: 'fd1', path: '/isos/gone.img', kind: 'floppy', sizeBytes: 1, present: false, osId: null }),
];

test('media rows: library kinds map to cdrom/floppy/disk; unknown OS is left out', () => {
  assert.deepEqual(media[0], { id: 'iso1', path: '/isos/grub.iso', kind: 'cdrom', sizeBytes: 5, present: true, osId: 'grub', osName: 'GRUB rescue', label: 'ISOIMAGE' });
  assert.deepEqual(media[1], { id: 'fd1', path: '/isos/gone.img', kind: 'floppy', sizeBytes: 1, present: false });
  assert.equal(toMediaItem({ id: 'd', path: '/d.qcow2', kind: 'disk', osId: 'other' }).osId, undefined);
});

test('machines: API fields become the renderer model; drives resolve through the media list', () => {
  const machine = toMachineSummary(
    {
      id: 'm1', name: 'GRUB', osId: 'grub', engine: 'v86', memoryMib: 64, cpus: 1, bootOrder: ['cdrom', 'disk'], displayDevice: 'std', clipboardMode: 'bidirectional',
      speedLimitMips: null, forceTcg: false, serialEnabled: true, state: 'running', currentSnapshotId: 's1',
      drives: { cd0: 'iso1', fd0: 'fd1' }, disks: [{ id: 'k1', path: '/lib/disk0.qcow2', sizeBytes: 16 * 1024 * 1024 }],
    },
    media,
    { scaling: 'integer' },
  );
  assert.equal(machine.state, 'running');
  assert.equal(machine.currentSnapshotId, 's1');
  assert.deepEqual(machine.config, {
    name: 'GRUB', osId: 'grub', engine: 'v86', memoryMiB: 64, cpus: 1, bootOrder: ['cdrom', 'disk'], forceTcg: false, speedLimitMips: 0, displayDevice: 'std',
    scaling: 'integer', serial: 'console', clipboard: 'bidirectional',
    drives: [
      { id: 'k1', kind: 'disk', path: '/lib/disk0.qcow2', sizeMiB: 16 },
      { id: 'cd0', kind: 'cdrom', mediaId: 'iso1', path: '/isos/grub.iso', present: true },
      { id: 'fd0', kind: 'floppy', mediaId: 'fd1', path: '/isos/gone.img', present: false },
    ],
  });
  const unknown = toMachineSummary({ id: 'm2', name: 'X', engine: 'qemu', memoryMib: 512, cpus: 2, state: 'weird', drives: { cd0: 'nope', fd0: null } }, media);
  assert.equal(unknown.state, 'stopped', 'an unknown state reads as stopped');
  assert.deepEqual(unknown.config.drives, [{ id: 'cd0', kind: 'cdrom', mediaId: 'nope', path: '(medium nope)', present: false }, { id: 'fd0', kind: 'floppy' }]);
});

test('machine patches carry only changed fields, with API names', () => {
  const before = toMachineSummary({ id: 'm', name: 'A', osId: 'other', engine: 'qemu', memoryMib: 512, cpus: 2, bootOrder: ['disk'], state: 'stopped' }, []).config;
  assert.deepEqual(toMachinePatch(before, before), {});
  assert.deepEqual(toMachinePatch(before, { ...before, name: ' B ', memoryMiB: 1024, bootOrder: ['cdrom', 'disk'], clipboard: 'host-to-guest', serial: 'console', speedLimitMips: 300, scaling: 'native' }), {
    name: 'B', memoryMib: 1024, bootOrder: ['cdrom', 'disk'], clipboardMode: 'host-to-guest', serialEnabled: true, speedLimitMips: 300,
  });
});

test('OS bits come from the architecture, DOS family or id; detection proposals map to the wizard', () => {
  assert.equal(osBits({ arch: 'x86_64' }), 64);
  assert.equal(osBits({ arch: 'i686' }), 32);
  assert.equal(osBits({ id: 'http://freedos.org/freedos/1.3', family: 'other' }), 16);
  assert.equal(osBits({ id: 'grub', family: 'other', arch: null }), undefined);
  const detected = toDetectedOs({
    detection: { id: 'grub', name: 'GRUB rescue', arch: null },
    proposal: { machine: { engine: 'v86', memoryMib: 64, cpus: 1 }, diskBytes: 0, notes: ['v86 runs this 32-bit guest without QEMU.'] },
  });
  assert.deepEqual(detected, { osId: 'grub', name: 'GRUB rescue', engine: 'v86', memoryMiB: 64, cpus: 1, diskMiB: 0, notes: ['v86 runs this 32-bit guest without QEMU.'] });
});

test('snapshot rows: ISO times become milliseconds; root parents are null', () => {
  const row = toSnapshotRow({ id: 's', machineId: 'm', parentId: null, name: 'A', description: '', createdAt: '2026-01-01T00:00:00.000Z', hasThumbnail: true, engine: 'v86', sizeBytes: 10 });
  assert.deepEqual(row, { id: 's', parentId: null, name: 'A', description: '', createdAt: Date.UTC(2026, 0, 1), loadable: true, engine: 'v86', sizeBytes: 10, hasThumbnail: true });
});

test('paste-as-typing pieces never split a character', () => {
  assert.deepEqual(chunkText('abcdefg', 3), ['abc', 'def', 'g']);
  assert.deepEqual(chunkText('a😀b', 2), ['a😀', 'b']);
  assert.deepEqual(chunkText('', 4), []);
});
