/**
 * Renderer logic without a browser: the serial channel (backlog first, no duplicates, errors
 * shown), application-menu commands in the manager, and which drive changes the settings save
 * sends as machines.set-drive.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineSerialChannel } from '../../src/renderer/features/serial/serial-channel.js';
import type { SerialApi } from '../../src/renderer/features/serial/serial-channel.js';
import { managerMenuOutcome } from '../../src/renderer/features/manager/menu-commands.js';
import { driveChanges } from '../../src/renderer/features/settings/save-settings.js';
import { fromBase64 } from '../../src/renderer/platform/base64.js';
import type { MachineConfig } from '../../src/renderer/platform/models.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (chunks: (string | Uint8Array)[]): string => chunks.map((chunk) => (typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk))).join('');

/** A serial API whose backlog answer the test releases, with events it pushes meanwhile. */
function fakeSerialApi(backlog: { ok: true; value: Uint8Array } | { ok: false; error: { class: string; desc: string } }) {
  const listeners = new Set<(id: string, data: Uint8Array) => void>();
  const writes: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const api: SerialApi = {
    serialBacklog: async () => (await gate, backlog),
    serialWrite: async (_id, text) => (writes.push(text), text === 'fail' ? { ok: false, error: { class: 'Unavailable', desc: 'The machine is not running; start it first.' } } : { ok: true, value: { written: text.length } }),
    onSerialOutput: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
  };
  return { api, writes, release, emit: (id: string, text: string) => listeners.forEach((listener) => listener(id, bytes(text))), listenerCount: () => listeners.size };
}

test('serial channel: the backlog first; events before its answer are in it (dropped); later events for this machine only', async () => {
  const fake = fakeSerialApi({ ok: true, value: bytes('boot log\r\n') });
  const seen: (string | Uint8Array)[] = [];
  const stop = machineSerialChannel(fake.api, 'vm1').subscribe((data) => seen.push(data));
  fake.emit('vm1', 'boot log'); // already part of the backlog the core answers with
  fake.release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  fake.emit('vm1', 'grub> ');
  fake.emit('vm2', 'other machine');
  assert.equal(decode(seen), 'boot log\r\ngrub> ');
  stop();
  assert.equal(fake.listenerCount(), 0, 'unsubscribing stops the events');
  fake.emit('vm1', 'after');
  assert.equal(decode(seen), 'boot log\r\ngrub> ');
});

test('serial channel: a failed backlog is shown as a notice; a failed write resolves with the reason', async () => {
  const fake = fakeSerialApi({ ok: false, error: { class: 'NotFound', desc: 'No machine "vm1".' } });
  const seen: (string | Uint8Array)[] = [];
  const channel = machineSerialChannel(fake.api, 'vm1');
  channel.subscribe((data) => seen.push(data));
  fake.release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.match(decode(seen), /Could not read the earlier serial output: No machine "vm1"\./);
  assert.equal(await channel.send('ls'), undefined);
  assert.equal(await channel.send('fail'), 'The machine is not running; start it first.');
  assert.deepEqual(fake.writes, ['ls', 'fail']);
});

test('base64 from the wire decodes to bytes (UTF-8 stays bytes for the terminal)', () => {
  assert.deepEqual([...fromBase64(Buffer.from('grub> é').toString('base64'))], [...Buffer.from('grub> é')]);
  assert.equal(fromBase64('%%%').length, 0);
});

test('application menu in the manager: commands act on the selected machine as its state allows', () => {
  assert.deepEqual(managerMenuOutcome('machine.new', undefined), { kind: 'action', action: 'new' });
  assert.equal(managerMenuOutcome('machine.settings', undefined), undefined, 'nothing selected');
  assert.deepEqual(managerMenuOutcome('machine.start', 'stopped'), { kind: 'action', action: 'start' });
  assert.deepEqual(managerMenuOutcome('machine.start', 'paused'), { kind: 'action', action: 'resume' });
  assert.deepEqual(managerMenuOutcome('machine.pause', 'running'), { kind: 'action', action: 'pause' });
  assert.deepEqual(managerMenuOutcome('machine.pause', 'paused'), { kind: 'action', action: 'resume' });
  assert.equal(managerMenuOutcome('machine.pause', 'stopped'), undefined);
  assert.deepEqual(managerMenuOutcome('machine.poweroff', 'running'), { kind: 'action', action: 'stop' });
  assert.deepEqual(managerMenuOutcome('machine.reset', 'running'), { kind: 'power', action: 'reset' });
  assert.equal(managerMenuOutcome('machine.reset', 'stopped'), undefined);
  assert.deepEqual(managerMenuOutcome('machine.powerdown', 'paused'), { kind: 'power', action: 'powerdown' });
  assert.deepEqual(managerMenuOutcome('machine.snapshot', 'stopped'), { kind: 'action', action: 'snapshots' });
  assert.equal(managerMenuOutcome('input.ctrl-alt-del', 'running'), undefined, 'a VM window command');
});

test('settings save: only changed CD/floppy media become machines.set-drive calls (null empties the drive)', () => {
  const base: MachineConfig = {
    name: 'A', osId: 'other', engine: 'v86', memoryMiB: 32, cpus: 1, bootOrder: ['cdrom'], forceTcg: false, speedLimitMips: 0, displayDevice: 'std', scaling: 'fit', serial: 'off', clipboard: 'off', shares: [],
    network: { mode: 'nat', model: 'auto', mac: '02:00:00:00:00:01', connected: true, forwards: [] },
    drives: [
      { id: 'disk1', kind: 'disk', path: '/d.qcow2' },
      { id: 'cd0', kind: 'cdrom', path: '/a.iso', mediaId: 'm1', present: true },
      { id: 'fd0', kind: 'floppy', path: '/f.img', mediaId: 'm2', present: true },
    ],
  };
  assert.deepEqual(driveChanges(base, base), []);
  const after: MachineConfig = { ...base, drives: [{ id: 'disk1', kind: 'disk', path: '/other.qcow2' }, { id: 'cd0', kind: 'cdrom', path: '/b.iso', present: true }, { id: 'fd0', kind: 'floppy' }] };
  assert.deepEqual(driveChanges(base, after), [
    { slot: 'cd0', path: '/b.iso' },
    { slot: 'fd0', path: null },
  ]);
});
