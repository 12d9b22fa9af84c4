/**
 * Removable media at runtime on v86: boot GRUB from the rescue CD, snapshot it (small state),
 * eject the CD while GRUB runs, insert the rescue floppy and reboot from it; query-block and
 * DEVICE_TRAY_MOVED follow every step; bad requests get clear errors; loading the snapshot
 * brings the CD and the GRUB screen back.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FLOPPY, ISO, startMachine } from './helpers.js';
import type { TestMachine } from './helpers.js';

interface Block {
  qdev: string;
  type: string;
  removable: boolean;
  tray_open?: boolean;
  inserted?: { file: string; ro: boolean; drv: string };
}

let dir: string;
let vm: TestMachine;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-media-'));
  vm = await startMachine({ memoryMib: 128, cdrom: ISO, bootOrder: ['cdrom', 'floppy'], runtimeDir: dir });
});

after(async () => {
  await vm?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const blocks = () => vm.call<Block[]>('query-block');
const drive = async (id: string) => {
  const found = (await blocks()).find((block) => block.qdev === id);
  assert.ok(found, `query-block lists ${id}`);
  return found;
};
const trayEvents = (from: number) => vm.host.events.slice(from).filter((event) => event.name === 'DEVICE_TRAY_MOVED').map((event) => event.data);

test('GRUB boots from the CD read from its file; query-block shows the drives', async () => {
  await vm.waitForText('the GRUB menu', (text) => text.includes('GNU GRUB') && text.includes('Memtest86+'));
  const cd = await drive('cd0');
  assert.deepEqual({ ...cd, inserted: undefined }, { device: '', qdev: 'cd0', type: 'cdrom', removable: true, locked: false, tray_open: false, 'io-status': 'ok', inserted: undefined });
  assert.equal(cd.inserted?.file, ISO);
  assert.equal(cd.inserted?.ro, true);
  const fd = await drive('fd0');
  assert.equal(fd.inserted, undefined);
  assert.equal(fd.tray_open, false);
  assert.equal((await blocks()).some((block) => block.qdev === 'hd0'), false);
});

test('a 128 MiB guest at the GRUB menu with a CD saves to a snapshot under 8 MiB', async () => {
  const job = await vm.runJob('snapshot-save', 'menu');
  assert.equal(job.error, undefined);
  const inspect = await vm.call<{ 'file-size': number; loadable: boolean; sections: { name: string }[]; engine: string }>('snapshot-inspect', { tag: 'menu' });
  assert.ok(inspect['file-size'] < 8 * 1024 * 1024, `state is ${inspect['file-size']} bytes`);
  assert.equal(inspect.loadable, true);
  assert.equal(inspect.engine, 'v86');
  assert.deepEqual(inspect.sections.map((section) => section.name), ['machine', 'media']);
  assert.equal(vm.machine.status(), 'running');
});

test('bad media requests get clear errors and change nothing', async () => {
  const from = vm.host.events.length;
  const empty = join(dir, 'empty.img');
  writeFileSync(empty, '');
  const folder = join(dir, 'folder');
  mkdirSync(folder);
  const attempts: [unknown, RegExp, string][] = [
    [{ id: 'cd0', filename: join(dir, 'missing.iso') }, /does not exist/, 'GenericError'],
    [{ id: 'cd0', filename: folder }, /is a directory/, 'GenericError'],
    [{ id: 'fd0', filename: empty }, /empty/, 'GenericError'],
    [{ id: 'zip0', filename: ISO }, /No drive has id "zip0"/, 'DeviceNotFound'],
  ];
  for (const [args, message, errorClass] of attempts) {
    await assert.rejects(vm.call('blockdev-change-medium', args), (error: Error & { errorClass?: string }) => message.test(error.message) && error.errorClass === errorClass);
  }
  await assert.rejects(vm.call('eject', { id: 'hd9' }), (error: Error & { errorClass?: string }) => error.errorClass === 'DeviceNotFound');
  assert.equal((await drive('cd0')).inserted?.file, ISO, 'the CD is still in');
  assert.deepEqual(trayEvents(from), []);
});

test('eject the CD while GRUB runs, insert the floppy, reboot from the floppy', async () => {
  const from = vm.host.events.length;
  await vm.call('eject', { id: 'cd0' });
  const cd = await drive('cd0');
  assert.equal(cd.inserted, undefined);
  assert.equal(cd.tray_open, true);
  assert.deepEqual(trayEvents(from), [{ device: '', id: 'cd0', 'tray-open': true }]);
  await vm.call('blockdev-change-medium', { id: 'fd0', filename: FLOPPY, 'read-only-mode': 'read-only' });
  const fd = await drive('fd0');
  assert.equal(fd.inserted?.file, FLOPPY);
  assert.equal(fd.inserted?.ro, true);
  assert.equal(fd.tray_open, false);
  assert.deepEqual(trayEvents(from), [
    { device: '', id: 'cd0', 'tray-open': true },
    { device: '', id: 'fd0', 'tray-open': true },
    { device: '', id: 'fd0', 'tray-open': false },
  ]);
  await vm.call('system_reset');
  const text = await vm.waitForText('GRUB loaded from the floppy', (screen) => screen.includes('Booting from Floppy') && screen.includes('Welcome to GRUB'), 90_000);
  assert.match(text, /Could not read from CDROM/, 'the BIOS saw the empty CD drive');
});

test('loading the snapshot brings back the CD and the GRUB menu screen', async () => {
  const from = vm.host.events.length;
  const job = await vm.runJob('snapshot-load', 'menu');
  assert.equal(job.error, undefined);
  assert.equal((await drive('cd0')).inserted?.file, ISO);
  assert.equal((await drive('fd0')).inserted, undefined);
  await vm.waitForText('the GRUB menu again', (text) => text.includes('GNU GRUB') && text.includes('Memtest86+'), 10_000);
  const statuses = vm.host.events.slice(from).filter((event) => event.name === 'JOB_STATUS_CHANGE').map((event) => (event.data as { status: string }).status);
  assert.deepEqual(statuses, ['created', 'running', 'pending', 'concluded', 'null']);
  assert.equal(vm.machine.status(), 'running');
});

test('a snapshot that does not exist fails its job with a reason', async () => {
  const job = await vm.runJob('snapshot-load', 'nothing-here');
  assert.match(job.error ?? '', /not found/);
  assert.equal(vm.machine.status(), 'running', 'a refused load leaves the guest running');
});
