import assert from 'node:assert/strict';
import { test } from 'node:test';
import { archBits, archLabel, isForeignArch, memoryWarning, recommendEngine } from './guest-os.js';

test('architectures: word size, foreign CPUs, words for people', () => {
  assert.deepEqual(['x86_64', 'i386', 'i686', 'aarch64', null].map(archBits), [64, 32, 32, null, null]);
  assert.deepEqual(['x86_64', 'i686', 'aarch64', 'ppc64le', null, ''].map(isForeignArch), [false, false, true, true, false, false]);
  assert.equal(archLabel('i686'), '32-bit x86 (i686)');
  assert.equal(archLabel('aarch64'), 'ARM 64-bit (aarch64)');
});

test('one engine rule: 64-bit needs QEMU; 16/32-bit run on v86 unless QEMU is there and the guest is large or Windows', () => {
  const guest = { name: 'G', arch: null, recommendedMemoryMib: 256 };
  assert.equal(recommendEngine({ ...guest, arch: 'x86_64' }, { qemu: true }).engine, 'qemu');
  assert.equal(recommendEngine({ ...guest, arch: 'x86_64' }, { qemu: false }).engine, 'qemu');
  assert.equal(recommendEngine({ ...guest, arch: 'i686' }, { qemu: true }).engine, 'v86');
  assert.equal(recommendEngine({ ...guest, arch: 'i686', recommendedMemoryMib: 1024 }, { qemu: true }).engine, 'qemu');
  assert.equal(recommendEngine({ ...guest, arch: 'i686', recommendedMemoryMib: 1024 }, { qemu: false }).engine, 'v86');
  const windows = recommendEngine({ ...guest, arch: 'i686', family: 'winnt' }, { qemu: true });
  assert.deepEqual([windows.engine, /Windows runs far faster on QEMU/.test(windows.reason)], ['qemu', true]);
  assert.match(recommendEngine({ ...guest, bits: 16 }, { qemu: true }).reason, /16-bit \(DOS-era\)/);
  assert.match(recommendEngine({ ...guest, arch: 's390x' }, { qemu: true }).reason, /IBM Z \(s390x\); both engines emulate an x86 PC/);
});

test('memory warnings: below the OS minimum, or below 256 MiB for an unknown OS', () => {
  assert.match(memoryWarning(512, { name: 'Debian 11', minimumMib: 1024 }) ?? '', /^Debian 11 needs at least 1024 MiB/);
  assert.equal(memoryWarning(1024, { name: 'Debian 11', minimumMib: 1024 }), undefined);
  assert.match(memoryWarning(128, undefined) ?? '', /kernel panics/);
  assert.equal(memoryWarning(Number.NaN, undefined), undefined, 'an empty field is an error elsewhere, not a warning');
  assert.equal(memoryWarning(16, { name: 'FreeDOS', minimumMib: 0 }), undefined);
});
