/**
 * Snapshots through the app API on a real v86 grub-rescue guest and a real library: take (with
 * a thumbnail and PROGRESS events), change the screen, restore (the saved screen comes back),
 * inspect, delete re-parenting children, restore into a stopped machine; then two machines at
 * once where one engine is SIGKILLed: it shows as crashed within 2 s, the other keeps running
 * and the library stays intact. Plus the smaller additions: thumbnails, speed limit, media
 * removal and watched folders.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import type { SnapshotViewValue } from '../../src/shared/protocol/api/index.js';
import { coreCalls } from '../support/core-calls.js';
import { until } from '../support/waiting.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const floppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const home = mkdtempSync(join(tmpdir(), 'hangar-snap-'));
let core: HangarCore;
const events: CoreEvent[] = [];

before(async () => {
  core = await HangarCore.open({ folder: home });
  core.subscribe((event) => events.push(event));
});
after(async () => {
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

const { ok, failure } = coreCalls(() => core);

async function screen(machine: string): Promise<string> {
  const result = await core.call('vm.execute', { id: machine, command: 'query-screen-text' });
  return result.ok ? (result.value as { lines: string[] }).lines.join('\n') : '';
}

function decode(base64: string): PNG {
  return PNG.sync.read(Buffer.from(base64, 'base64'));
}

test('take, change the screen, restore, inspect, delete and restore into a stopped machine', async () => {
  const machine = await ok<{ id: string }>('machines.create', { name: 'snappy', engine: 'v86', memoryMib: 32, cdrom, osId: 'grub' });
  await ok('vm.start', { id: 'snappy' });
  await until(async () => ((await screen('snappy')).includes('*GNU/Linux') ? true : undefined), 'the GRUB menu');

  events.length = 0;
  const s1 = await ok<SnapshotViewValue>('snapshots.take', { id: 'snappy', name: 'at the prompt', description: 'fresh GRUB' });
  assert.deepEqual([s1.name, s1.description, s1.engine, s1.parentId, s1.hasThumbnail, s1.machineId], ['at the prompt', 'fresh GRUB', 'v86', null, true, machine.id]);
  assert.ok((s1.sizeBytes ?? 0) > 0, 'the state has a size');
  assert.ok(!Number.isNaN(Date.parse(s1.createdAt)), 'createdAt is a date');
  const progress = events.filter((event) => event.event === 'PROGRESS').map((event) => event.data as { operation: string; fraction: number; done: boolean; machineId?: string });
  assert.ok(progress.length >= 2 && progress.every((entry) => entry.operation === 'snapshot-take' && entry.machineId === machine.id), JSON.stringify(progress));
  assert.deepEqual(progress.at(-1), { machineId: machine.id, operation: 'snapshot-take', fraction: 1, done: true });
  assert.ok(events.some((event) => event.event === 'LIBRARY_CHANGED' && event.data.entity === 'snapshot' && event.data.action === 'added'));

  const thumbnail = decode((await ok<{ png: string }>('snapshots.thumbnail', { id: 'snappy', snapshotId: s1.id })).png);
  assert.ok(thumbnail.width > 0 && thumbnail.width <= 160, `thumbnail ${thumbnail.width}x${thumbnail.height}`);

  // Change the screen: Down moves the menu selection.
  await ok('vm.send-keys', { id: 'snappy', keys: ['down'] });
  await until(async () => ((await screen('snappy')).includes('*GNU (aka GNU/Hurd)') ? true : undefined), 'the selection to move');

  await ok('snapshots.restore', { id: 'snappy', snapshotId: s1.id });
  await until(async () => {
    const text = await screen('snappy');
    return text.includes('*GNU/Linux') && !text.includes('*GNU (aka GNU/Hurd)') ? true : undefined;
  }, 'the saved screen after restore', 30_000);
  assert.equal(core.supervisor.status(machine.id).state, 'running', 'a running machine runs on after a restore');

  const inspected = await ok<{ loadable: boolean; engine: string; sections: { name: string }[]; sizeBytes: number }>('snapshots.inspect', { id: 'snappy', snapshotId: s1.id });
  assert.equal(inspected.loadable, true, JSON.stringify(inspected));
  assert.equal(inspected.engine, 'v86');
  assert.ok(inspected.sections.some((section) => section.name === 'machine'));
  assert.ok(inspected.sizeBytes > 0);

  // A chain s1 → s2 → s3; deleting s2 moves s3 under s1.
  const s2 = await ok<SnapshotViewValue>('snapshots.take', { id: 'snappy', name: 'second' });
  assert.equal(s2.parentId, s1.id);
  const s3 = await ok<SnapshotViewValue>('snapshots.take', { id: 'snappy', name: 'third' });
  assert.equal(s3.parentId, s2.id);
  await ok('snapshots.delete', { id: 'snappy', snapshotId: 'second' });
  const tree = await ok<{ snapshots: SnapshotViewValue[]; currentId: string | null }>('snapshots.list', { id: 'snappy' });
  assert.deepEqual(
    tree.snapshots.map((snapshot) => [snapshot.name, snapshot.parentId]),
    [
      ['at the prompt', null],
      ['third', s1.id],
    ],
  );
  assert.equal(tree.currentId, s3.id);
  assert.equal((await failure('snapshots.restore', { id: 'snappy', snapshotId: s2.id })).class, 'NotFound');

  const renamed = await ok<SnapshotViewValue>('snapshots.update', { id: 'snappy', snapshotId: s3.id, name: 'third, renamed', description: 'now described' });
  assert.deepEqual([renamed.name, renamed.description, renamed.parentId], ['third, renamed', 'now described', s1.id]);

  // Stopped: inspect reads the file header; restore starts the machine from the snapshot.
  await ok('vm.poweroff', { id: 'snappy' });
  assert.equal((await failure('snapshots.take', { id: 'snappy', name: 'x' })).class, 'Unavailable');
  const offline = await ok<{ loadable: boolean; sections: { name: string }[] }>('snapshots.inspect', { id: 'snappy', snapshotId: s1.id });
  assert.equal(offline.loadable, true, JSON.stringify(offline));
  assert.ok(offline.sections.some((section) => section.name === 'machine'));
  await ok('snapshots.restore', { id: 'snappy', snapshotId: 'at the prompt' });
  assert.equal(core.supervisor.status(machine.id).state, 'running');
  await until(async () => ((await screen('snappy')).includes('*GNU/Linux') ? true : undefined), 'the GRUB menu after restoring into a stopped machine', 30_000);
  assert.equal((await ok<{ currentId: string | null }>('snapshots.list', { id: 'snappy' })).currentId, s1.id);

  // A guest that powered itself off (GRUB's halt) is brought back running by a restore.
  await ok('vm.type-text', { id: 'snappy', text: 'c' });
  await until(async () => ((await screen('snappy')).includes('grub>') ? true : undefined), 'the GRUB prompt');
  await ok('vm.type-text', { id: 'snappy', text: 'halt\n' });
  await until(() => (core.supervisor.status(machine.id).state === 'shutdown' ? true : undefined), 'the guest to power off', 30_000);
  await ok('snapshots.restore', { id: 'snappy', snapshotId: s1.id });
  await until(async () => ((await screen('snappy')).includes('*GNU/Linux') ? true : undefined), 'the GRUB menu after restoring a powered-off guest', 30_000);
  await until(() => (core.supervisor.status(machine.id).state === 'running' ? true : undefined), 'the running state', 10_000);
});

test('two machines at once: a SIGKILLed engine shows as crashed, the other runs on, the library stays intact', async () => {
  const other = await ok<{ id: string }>('machines.create', { name: 'other', engine: 'v86', memoryMib: 32, cdrom, osId: 'grub' });
  await ok('vm.start', { id: 'other' });
  await until(async () => ((await screen('other')).includes('GNU GRUB') ? true : undefined), 'the GRUB menu of the second machine');
  const snappy = await ok<{ id: string; state: string }>('machines.get', { id: 'snappy' });
  assert.equal(snappy.state, 'running');
  const pid = core.supervisor.session(snappy.id)?.channel.pid;
  assert.ok(pid);
  events.length = 0;
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  await until(() => (events.some((event) => event.event === 'MACHINE_STATE' && event.data.id === snappy.id && event.data.state === 'crashed') ? true : undefined), 'the crashed state', 2000);
  assert.ok(Date.now() - killedAt < 2000);
  const crashed = await ok<{ state: string; reason?: string }>('machines.get', { id: 'snappy' });
  assert.equal(crashed.state, 'crashed');
  assert.match(crashed.reason ?? '', /SIGKILL/);
  assert.equal((await ok<{ status: string }>('vm.status', { id: 'other' })).status, 'running');
  assert.equal(core.supervisor.status(other.id).state, 'running');
  assert.equal((await ok<unknown[]>('machines.list', {})).length, 2);
  assert.equal((await ok<{ snapshots: unknown[] }>('snapshots.list', { id: 'snappy' })).snapshots.length, 2);

  // Small live thumbnail and speed limit on the machine still running.
  const small = decode((await ok<{ png: string }>('vm.thumbnail', { id: 'other', maxWidth: 100 })).png);
  assert.ok(small.width > 0 && small.width <= 100, `${small.width}`);
  await ok('vm.speed-limit', { id: 'other', mips: 50 });
  assert.equal((await ok<{ speedLimitMips: number | null }>('machines.get', { id: 'other' })).speedLimitMips, 50);
  await ok('vm.speed-limit', { id: 'other', mips: 0 });
  assert.equal((await ok<{ speedLimitMips: number | null }>('machines.get', { id: 'other' })).speedLimitMips, null);
  await ok('vm.clipboard-mode', { id: 'other', mode: 'off' });
  assert.equal((await ok<{ clipboardMode: string }>('machines.get', { id: 'other' })).clipboardMode, 'off');

  // A crashed machine starts again.
  await ok('vm.start', { id: 'snappy' });
  assert.equal(core.supervisor.status(snappy.id).state, 'running');
  await ok('vm.poweroff', { id: 'snappy' });
  await ok('vm.poweroff', { id: 'other' });
});

test('QEMU: snapshots live in the qcow2 disk; take, restore, inspect, delete', async () => {
  await ok('machines.create', { name: 'qemu-snap', engine: 'qemu', memoryMib: 64, cdrom, osId: 'grub', diskMib: 32 });
  await ok('vm.start', { id: 'qemu-snap' });
  await until(async () => ((await screen('qemu-snap')).includes('*GNU/Linux') ? true : undefined), 'the GRUB menu under QEMU');
  const taken = await ok<SnapshotViewValue>('snapshots.take', { id: 'qemu-snap', name: 'menu' });
  assert.equal(taken.engine, 'qemu');
  assert.equal(taken.hasThumbnail, true);
  assert.ok((taken.sizeBytes ?? 0) > 0);
  await ok('vm.send-keys', { id: 'qemu-snap', keys: ['down'] });
  await until(async () => ((await screen('qemu-snap')).includes('*GNU (aka GNU/Hurd)') ? true : undefined), 'the selection to move');
  await ok('snapshots.restore', { id: 'qemu-snap', snapshotId: 'menu' });
  await until(async () => ((await screen('qemu-snap')).includes('*GNU/Linux') ? true : undefined), 'the saved selection', 30_000);
  assert.equal((await ok<{ loadable: boolean }>('snapshots.inspect', { id: 'qemu-snap', snapshotId: 'menu' })).loadable, true);
  await ok('vm.poweroff', { id: 'qemu-snap' });
  assert.equal((await ok<{ loadable: boolean }>('snapshots.inspect', { id: 'qemu-snap', snapshotId: 'menu' })).loadable, true, 'qemu-img still lists it');
  await ok('vm.start', { id: 'qemu-snap' });
  await ok('snapshots.delete', { id: 'qemu-snap', snapshotId: 'menu' });
  assert.deepEqual(await ok('vm.execute', { id: 'qemu-snap', command: 'query-snapshots' }), [], 'the engine dropped it too');
  assert.deepEqual((await ok<{ snapshots: unknown[] }>('snapshots.list', { id: 'qemu-snap' })).snapshots, []);
  await ok('vm.poweroff', { id: 'qemu-snap' });
});

test('media removal and watched folders', async () => {
  const added = await ok<{ id: string }>('media.add', { path: floppy });
  await ok('media.remove', { id: added.id });
  assert.ok(!(await ok<{ id: string }[]>('media.list', {})).some((entry) => entry.id === added.id));
  assert.equal((await failure('media.remove', { id: 'no-such-media' })).class, 'NotFound');

  const folder = join(home, 'isos');
  mkdirSync(folder);
  const watched = await ok<{ path: string }>('folders.add', { path: folder });
  assert.equal(watched.path, folder);
  assert.ok((await ok<{ path: string }[]>('folders.list', {})).some((entry) => entry.path === folder));
  await ok('folders.remove', { path: folder });
  assert.ok(!(await ok<{ path: string }[]>('folders.list', {})).some((entry) => entry.path === folder));
  assert.equal((await failure('folders.add', { path: join(home, 'missing') })).class, 'InvalidArgument');
  assert.equal((await failure('folders.remove', { path: folder })).class, 'NotFound');
});

test('closing with app.quitAction = "save" saves running machines; their next start resumes there', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-save-'));
  try {
    let second = await HangarCore.open({ folder, controlSocket: false });
    try {
      const call = async <T>(name: string, args: unknown): Promise<T> => {
        const result = await second.call(name, args);
        assert.equal(result.ok, true, `${name}: ${JSON.stringify(result)}`);
        return (result as { value: T }).value;
      };
      const text = async (): Promise<string> => {
        const result = await second.call('vm.execute', { id: 'saver', command: 'query-screen-text' });
        return result.ok ? (result.value as { lines: string[] }).lines.join('\n') : '';
      };
      await call('settings.set', { key: 'app.quitAction', value: 'save' });
      await call('machines.create', { name: 'saver', engine: 'v86', memoryMib: 32, cdrom, osId: 'grub' });
      await call('vm.start', { id: 'saver' });
      await until(async () => ((await text()).includes('*GNU/Linux') ? true : undefined), 'the GRUB menu');
      await call('vm.send-keys', { id: 'saver', keys: ['down'] });
      await until(async () => ((await text()).includes('*GNU (aka GNU/Hurd)') ? true : undefined), 'the selection to move');
      await second.close();
      second = await HangarCore.open({ folder, controlSocket: false });
      const tree = await call<{ snapshots: SnapshotViewValue[] }>('snapshots.list', { id: 'saver' });
      assert.deepEqual(tree.snapshots.map((snapshot) => snapshot.name), ['Saved when Hangar closed']);
      await call('vm.start', { id: 'saver' });
      // Resumed: the moved selection is on screen at once, with no boot in between.
      assert.match(await until(async () => ((await text()).includes('GNU GRUB') ? text() : undefined), 'the screen'), /\*GNU \(aka GNU\/Hurd\)/);
      await call('vm.poweroff', { id: 'saver' });
      await call('vm.start', { id: 'saver' });
      await until(async () => ((await text()).includes('*GNU/Linux') ? true : undefined), 'a fresh boot the time after');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
