/** Which settings changes wait for a power cycle: the clipboard on a running QEMU machine. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MachineConfig, OsChoice } from '../../platform/models.js';
import { changedSettings, engineWarning } from './settings-model.js';

const qemu: MachineConfig = {
  name: 'VM', osId: '', engine: 'qemu', memoryMiB: 512, cpus: 1, bootOrder: ['disk'], forceTcg: false, speedLimitMips: 0, shares: [],
  displayDevice: 'std', scaling: 'fit', drives: [], serial: 'off', clipboard: 'off',
  network: { mode: 'nat', model: 'auto', mac: '02:00:00:00:00:01', connected: true, forwards: [] },
};

test('QEMU: turning the shared clipboard on or off waits for the next start', () => {
  assert.deepEqual(changedSettings(qemu, { ...qemu, clipboard: 'bidirectional' }), [{ field: 'clipboard', needsPowerCycle: true }]);
  assert.deepEqual(changedSettings({ ...qemu, clipboard: 'host-to-guest' }, qemu), [{ field: 'clipboard', needsPowerCycle: true }]);
});

test('QEMU: a new direction with sharing on applies at once', () => {
  assert.deepEqual(changedSettings({ ...qemu, clipboard: 'host-to-guest' }, { ...qemu, clipboard: 'bidirectional' }), [{ field: 'clipboard', needsPowerCycle: false }]);
});

test('v86 has no clipboard agent, so its clipboard setting never waits for a start', () => {
  const v86: MachineConfig = { ...qemu, engine: 'v86' };
  assert.deepEqual(changedSettings(v86, { ...v86, clipboard: 'bidirectional' }), [{ field: 'clipboard', needsPowerCycle: false }]);
});

const debian64: OsChoice = { id: 'debian12', name: 'Debian 12', arch: 'x86_64', bits: 64, recommendedMemoryMiB: 2048, recommendedDiskMiB: 20480 };
const debian32: OsChoice = { id: 'debian12-i386', name: 'Debian 12 (32-bit)', arch: 'i686', bits: 32, recommendedMemoryMiB: 1024, recommendedDiskMiB: 20480 };

test('engine: a 64-bit OS on v86 is warned about, with the engine rule\'s reason', () => {
  assert.match(engineWarning('v86', debian64, true) ?? '', /^Debian 12 is a 64-bit guest and will not start on v86\. QEMU: .*64-bit guests cannot run on v86/);
  assert.match(engineWarning('v86', debian64, false) ?? '', /needs QEMU, which is not installed \(install qemu-system-x86\)/);
  assert.equal(engineWarning('qemu', debian64, true), undefined);
  assert.equal(engineWarning('v86', debian32, true), undefined);
  assert.equal(engineWarning('v86', undefined, true), undefined, 'an unknown OS is not warned about');
});
