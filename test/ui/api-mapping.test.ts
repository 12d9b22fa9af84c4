/**
 * The renderer's mapping of app-API values to its models and back: machines with drives
 * resolved from the media list (missing media kept, marked), patches that carry only what
 * changed, OS bits, snapshot rows, and text split for paste-as-typing. Fixtures go through the
 * schema check the client runs on every reply, so they are shapes the API can really deliver.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkText, member, osBits, toClipboardAgent, toDetectedOs, toMachinePatch, toMachineSummary, toMediaItem, toNetworkStatus, toOsChoice, toScreenText, toSnapshotRow } from '../../src/renderer/platform/api-mapping.js';
import { checkApiValue, validateApiReply } from '../../src/shared/protocol/api/client.js';
import type { ApiCallName, ApiValue } from '../../src/shared/protocol/api/client.js';

/** `value` as call `name` answers it, after the schema check the renderer's client runs on every reply. */
function reply<N extends ApiCallName>(name: N, value: unknown): ApiValue<N> {
  const checked = checkApiValue(name, value);
  assert.ok(checked.ok, `fixture for ${name} breaks the API schema: ${checked.ok ? '' : `${checked.issue.path} ${checked.issue.message}`}`);
  return checked.value;
}

const media = [
  toMediaItem(reply('media.add', { id: 'iso1', path: '/isos/grub.iso', kind: 'iso', sizeBytes: 5, present: true, osId: 'grub', osName: 'GRUB rescue', volumeLabel: 'ISOIMAGE' })),
  toMediaItem(reply('media.add', { id: 'fd1', path: '/isos/gone.img', kind: 'floppy', sizeBytes: 1, present: false, osId: null })),
];

test('media rows: library kinds map to cdrom/floppy/disk; unknown OS is left out', () => {
  assert.deepEqual(media[0], { id: 'iso1', path: '/isos/grub.iso', kind: 'cdrom', sizeBytes: 5, present: true, osId: 'grub', osName: 'GRUB rescue', label: 'ISOIMAGE' });
  assert.deepEqual(media[1], { id: 'fd1', path: '/isos/gone.img', kind: 'floppy', sizeBytes: 1, present: false });
  assert.equal(toMediaItem(reply('media.add', { id: 'd', path: '/d.qcow2', kind: 'disk', osId: 'other' })).osId, undefined);
});

test('machines: API fields become the renderer model; drives resolve through the media list', () => {
  const machine = toMachineSummary(
    reply('machines.get', {
      id: 'm1', name: 'GRUB', osId: 'grub', engine: 'v86', memoryMib: 64, cpus: 1, bootOrder: ['cdrom', 'disk'], displayDevice: 'std', clipboardMode: 'bidirectional',
      speedLimitMips: null, forceTcg: false, serialEnabled: true, state: 'running', currentSnapshotId: 's1',
      drives: { cd0: 'iso1', fd0: 'fd1' }, disks: [{ id: 'k1', path: '/lib/disk0.qcow2', sizeBytes: 16 * 1024 * 1024 }],
      network: { mode: 'isolated', model: 'ne2k', mac: '02:54:00:aa:bb:cc', connected: false, forwards: [{ hostPort: 8080, guestPort: 80 }, { protocol: 'udp', hostAddress: '0.0.0.0', hostPort: 5353, guestPort: 53, name: 'dns' }] },
      shares: [{ hostPath: '/home/me/shared', name: 'host9p', readOnly: false }, { hostPath: '/srv/data', name: 'data', readOnly: true }],
    }),
    media,
    { scaling: 'integer' },
  );
  assert.equal(machine.state, 'running');
  assert.equal(machine.currentSnapshotId, 's1');
  assert.deepEqual(machine.config, {
    name: 'GRUB', osId: 'grub', engine: 'v86', memoryMiB: 64, cpus: 1, bootOrder: ['cdrom', 'disk'], forceTcg: false, speedLimitMips: 0, displayDevice: 'std',
    scaling: 'integer', serial: 'console', clipboard: 'bidirectional',
    network: {
      mode: 'isolated', model: 'ne2k', mac: '02:54:00:aa:bb:cc', connected: false,
      forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 8080, guestPort: 80 }, { protocol: 'udp', hostAddress: '0.0.0.0', hostPort: 5353, guestPort: 53, name: 'dns' }],
    },
    shares: [{ hostPath: '/home/me/shared', name: 'host9p', readOnly: false }, { hostPath: '/srv/data', name: 'data', readOnly: true }],
    drives: [
      { id: 'k1', kind: 'disk', path: '/lib/disk0.qcow2', sizeMiB: 16 },
      { id: 'cd0', kind: 'cdrom', mediaId: 'iso1', path: '/isos/grub.iso', present: true },
      { id: 'fd0', kind: 'floppy', mediaId: 'fd1', path: '/isos/gone.img', present: false },
    ],
  });
  const unknown = toMachineSummary(reply('machines.get', { id: 'm2', name: 'X', osId: 'other', engine: 'qemu', memoryMib: 512, cpus: 2, state: 'stopped', drives: { cd0: 'nope', fd0: null } }), media);
  assert.deepEqual(unknown.config.drives, [{ id: 'cd0', kind: 'cdrom', mediaId: 'nope', path: '(medium nope)', present: false }, { id: 'fd0', kind: 'floppy' }]);
  assert.equal(unknown.config.network.mode, 'none', 'a core without networking shows no card');
  assert.equal(unknown.osName, undefined, 'no name of its own: the manager names it from the OS list');
  const newer = toMachineSummary(reply('machines.get', { id: 'm3', name: 'B', osId: 'http://debian.org/debian/11', osName: 'Debian 12', engine: 'qemu', memoryMib: 512, cpus: 1, state: 'stopped' }), media);
  assert.equal(newer.osName, 'Debian 12', 'a release newer than the OS database keeps the disc\'s name');
});

test('network: a patch carries only the changed parts (forwards as a whole list); vm.network maps with its counters', () => {
  const before = toMachineSummary(
    reply('machines.get', { id: 'm', name: 'A', osId: 'other', engine: 'qemu', memoryMib: 512, cpus: 2, state: 'stopped', network: { mode: 'nat', model: 'auto', mac: '02:00:00:00:00:01', connected: true, forwards: [] } }),
    [],
  ).config;
  assert.deepEqual(toMachinePatch(before, { ...before, network: { ...before.network, connected: false } }), { network: { connected: false } });
  assert.deepEqual(toMachinePatch(before, { ...before, network: { ...before.network, mac: '02:AB:00:00:00:02', forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 }] } }), {
    network: { mac: '02:ab:00:00:00:02', forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 }] },
  });
  const status = toNetworkStatus(
    reply('vm.network', {
      mode: 'nat', model: 'e1000', mac: '02:00:00:00:00:01', connected: true, running: true, available: true, rxFrames: 12, txFrames: 9,
      forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22, status: 'failed', error: '127.0.0.1:2222 is already in use' }],
    }),
  );
  assert.deepEqual(status, {
    mode: 'nat', model: 'e1000', mac: '02:00:00:00:00:01', connected: true, running: true, available: true, rxFrames: 12, txFrames: 9,
    forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22, status: 'failed', error: '127.0.0.1:2222 is already in use' }],
  });
});

test('machine patches carry only changed fields, with API names', () => {
  const before = toMachineSummary(reply('machines.get', { id: 'm', name: 'A', osId: 'other', engine: 'qemu', memoryMib: 512, cpus: 2, bootOrder: ['disk'], state: 'stopped' }), []).config;
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
  const detected = toDetectedOs(reply('os.detect', {
    detection: { id: 'grub', name: 'GRUB rescue', arch: null },
    proposal: { machine: { engine: 'v86', memoryMib: 64, cpus: 1 }, diskBytes: 0, notes: ['v86 runs this 32-bit guest without QEMU.'] },
  }));
  assert.deepEqual(detected, { osId: 'grub', name: 'GRUB rescue', engine: 'v86', memoryMiB: 64, cpus: 1, diskMiB: 0, notes: ['v86 runs this 32-bit guest without QEMU.'] });
});

test('snapshot rows: ISO times become milliseconds; root parents are null', () => {
  const list = reply('snapshots.list', {
    snapshots: [
      { id: 's', machineId: 'm', parentId: null, name: 'A', description: '', createdAt: '2026-01-01T00:00:00.000Z', hasThumbnail: true, engine: 'v86', sizeBytes: 10 },
      { id: 't', machineId: 'm', parentId: 's', name: 'B', description: 'later', createdAt: 'not a time', hasThumbnail: false, engine: 'qemu' },
    ],
    currentId: 't',
  });
  assert.deepEqual(list.snapshots.map(toSnapshotRow), [
    { id: 's', parentId: null, name: 'A', description: '', createdAt: Date.UTC(2026, 0, 1), loadable: true, engine: 'v86', sizeBytes: 10, hasThumbnail: true },
    { id: 't', parentId: 's', name: 'B', description: 'later', createdAt: 0, loadable: true, engine: 'qemu', hasThumbnail: false },
  ]);
});

test('OS catalog entries keep their recommendations; the architecture beyond the schema gives the bits', () => {
  const [dos, linux] = reply('os.list', [
    { id: 'http://freedos.org/freedos/1.3', name: 'FreeDOS 1.3', family: 'msdos', memory: { minimumMib: 1, recommendedMib: 16 }, disk: { minimumBytes: 0, recommendedBytes: 100 * 1024 * 1024 } },
    { id: 'http://debian.org/debian/12', name: 'Debian 12', family: 'linux', arch: 'x86_64', memory: { minimumMib: 256, recommendedMib: 2048 }, disk: { minimumBytes: 0, recommendedBytes: 20 * 1024 ** 3 } },
  ]);
  assert.ok(dos && linux);
  assert.deepEqual(toOsChoice(dos), { id: 'http://freedos.org/freedos/1.3', name: 'FreeDOS 1.3', bits: 16, family: 'msdos', minimumMemoryMiB: 1, recommendedMemoryMiB: 16, recommendedDiskMiB: 100 });
  assert.deepEqual(toOsChoice(linux), { id: 'http://debian.org/debian/12', name: 'Debian 12', bits: 64, arch: 'x86_64', family: 'linux', minimumMemoryMiB: 256, recommendedMemoryMiB: 2048, recommendedDiskMiB: 20 * 1024 });
});

test('engine answers through vm.execute (any in the schema) are read field by field', () => {
  // A plugged-in channel is not an agent: only the guest opening it (connected) is.
  assert.deepEqual(toClipboardAgent(reply('vm.execute', { enabled: true, attached: true, text: 'hi' })), { channel: true, connected: false, text: 'hi' });
  assert.deepEqual(toClipboardAgent(reply('vm.execute', { enabled: true, attached: true, connected: true, text: 'hi' })), { channel: true, connected: true, text: 'hi' });
  assert.deepEqual(toClipboardAgent(reply('vm.execute', { enabled: true, attached: false, connected: true, text: 7 })), { channel: false, connected: false });
  assert.deepEqual(toClipboardAgent(reply('vm.execute', null)), { channel: false, connected: false });
  assert.deepEqual(toScreenText(reply('vm.execute', { mode: 'text', lines: ['A', 'B'] })), { mode: 'text', lines: ['A', 'B'] });
  assert.deepEqual(toScreenText(reply('vm.execute', 'nonsense')), { mode: 'off', lines: [] });
  assert.equal(member({ a: 1 }, 'a'), 1);
  assert.equal(member(Object.create({ a: 1 }), 'a'), undefined, 'inherited fields are not the value\'s own');
});

test('a reply that breaks the schema never reaches the mapping: it becomes a failure that names the field', () => {
  const result = validateApiReply('machines.get', { ok: true, value: { id: 'm2', name: 'X', osId: 'other', engine: 'qemu', memoryMib: 512, cpus: 2, state: 'weird' } });
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.error.desc, /state/u);
});

test('paste-as-typing pieces never split a character', () => {
  assert.deepEqual(chunkText('abcdefg', 3), ['abc', 'def', 'g']);
  assert.deepEqual(chunkText('a😀b', 2), ['a😀', 'b']);
  assert.deepEqual(chunkText('', 4), []);
});

test('a detection carries the architecture, its evidence, the closest known entry and the OS memory to the wizard', () => {
  const detected = toDetectedOs(reply('os.detect', {
    detection: {
      id: 'http://debian.org/debian/11', name: 'Debian 12', family: 'linux', arch: 'x86_64',
      archSource: { from: 'volume-id', evidence: 'the volume id "Debian 12.8.0 amd64 n"' },
      closestKnown: { id: 'http://debian.org/debian/11', name: 'Debian 11' },
      memory: { minimumMib: 256, recommendedMib: 1024 },
    },
    proposal: { machine: { engine: 'qemu', memoryMib: 1024, cpus: 2 }, diskBytes: 20 * 1024 ** 3, notes: ['QEMU: Debian 12 is a 64-bit guest (x86_64), and 64-bit guests cannot run on v86, which emulates a 32-bit CPU.'] },
  }));
  assert.deepEqual({ ...detected, notes: [] }, {
    osId: 'http://debian.org/debian/11', name: 'Debian 12', bits: 64, arch: 'x86_64', archEvidence: 'the volume id "Debian 12.8.0 amd64 n"', family: 'linux',
    closestKnown: 'Debian 11', minimumMemoryMiB: 256, recommendedMemoryMiB: 1024, engine: 'qemu', memoryMiB: 1024, cpus: 2, diskMiB: 20480, notes: [],
  });
  const choice = toOsChoice(reply('os.list', [{ id: 'http://debian.org/debian/11', name: 'Debian 11', family: 'linux', memory: { minimumMib: 256, recommendedMib: 1024 }, disk: { minimumBytes: 1, recommendedBytes: 20 * 1024 ** 3 } }])[0]!);
  assert.equal(choice.minimumMemoryMiB, 256);
});
