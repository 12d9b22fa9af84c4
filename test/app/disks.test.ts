/**
 * Disks after creation through the app API, on a real core, real QEMU and v86 and real images
 * made with qemu-img: a QEMU machine without a disk says why it cannot snapshot (snapshots.list
 * `takeBlocked`, and a take is refused with the same sentence instead of failing in the engine);
 * once powered off it gets a new qcow2 disk (0600, PROGRESS events) and then snapshots while it
 * runs. Disk changes are refused while it runs and while snapshots exist; a disk grows and never
 * shrinks; a removed disk keeps its file unless asked, can be attached again (format from its
 * header), and a damaged image is refused. A raw disk is converted to qcow2 (its outside file
 * kept), and a v86 machine gets a raw disk by default.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import { coreCalls } from '../support/core-calls.js';
import { until } from '../support/waiting.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const work = mkdtempSync(join(tmpdir(), 'hangar-disks-'));
const MiB = 1024 * 1024;
let core: HangarCore;
const events: CoreEvent[] = [];

before(async () => {
  core = await HangarCore.open({ folder: join(work, 'home') });
  core.subscribe((event) => events.push(event));
});
after(async () => {
  await core?.close();
  rmSync(work, { recursive: true, force: true });
});

const { ok, failure } = coreCalls(() => core);

interface DiskRow {
  id: string;
  path: string;
  format: string;
  sizeBytes: number;
  position: number;
}
interface MachineRow {
  id: string;
  name: string;
  disks: DiskRow[];
}

async function screen(machine: string): Promise<string> {
  const result = await core.call('vm.execute', { id: machine, command: 'query-screen-text' });
  return result.ok ? (result.value as { lines: string[] }).lines.join('\n') : '';
}

async function bootGrub(machine: string): Promise<void> {
  await ok('vm.start', { id: machine });
  await until(async () => ((await screen(machine)).includes('GNU GRUB') ? true : undefined), `GRUB on ${machine}`, 120_000);
}

function qemuImgInfo(path: string): { format: string; 'virtual-size': number; snapshots?: { name: string }[] } {
  return JSON.parse(execFileSync('qemu-img', ['info', '--force-share', '--output=json', path], { encoding: 'utf8' })) as { format: string; 'virtual-size': number };
}

test('a QEMU machine without a disk says what snapshots need, gets a qcow2 disk, then snapshots; grow, remove, attach', { timeout: 600_000 }, async () => {
  const machine = await ok<MachineRow>('machines.create', { name: 'No disk', engine: 'qemu', memoryMib: 64, cdrom, osId: 'grub', forceTcg: true, network: { mode: 'none' } });
  assert.deepEqual(machine.disks, []);
  await bootGrub('No disk');

  // The panel asks before the user tries; a take is refused with the same sentence, before the engine is asked.
  const listed = await ok<{ takeBlocked?: string }>('snapshots.list', { id: 'No disk' });
  assert.match(listed.takeBlocked ?? '', /qcow2 hard disk, and "No disk" has no hard disk\. Power the machine off and add one in Settings → Storage \(or `hangar modify 'No disk' --add-disk 8G`\)/);
  const refused = await failure('snapshots.take', { id: 'No disk', name: 's1' });
  assert.equal(refused.class, 'NotSupported', refused.desc);
  assert.equal(refused.desc, listed.takeBlocked);
  assert.equal(core.supervisor.status(machine.id).state, 'running', 'the refused take left the guest running');

  // No disk change under a running engine.
  const running = await failure('disks.add', { id: 'No disk', sizeMib: 64 });
  assert.equal(running.class, 'Conflict');
  assert.match(running.desc, /is running; power it off to add a disk/);
  await ok('vm.poweroff', { id: 'No disk' });

  events.length = 0;
  const added = await ok<MachineRow>('disks.add', { id: 'No disk', sizeMib: 64 });
  const disk = added.disks[0] as DiskRow;
  assert.equal(added.disks.length, 1);
  assert.equal(disk.format, 'qcow2', 'QEMU gets qcow2 by default');
  assert.equal(disk.sizeBytes, 64 * MiB);
  assert.equal(dirname(disk.path), join(work, 'home', 'machines', machine.id, 'disks'));
  assert.equal(statSync(disk.path).mode & 0o777, 0o600, 'a disk holds guest data: 0600');
  assert.equal(qemuImgInfo(disk.path).format, 'qcow2');
  const progress = events.filter((event) => event.event === 'PROGRESS').map((event) => event.data as { operation: string; done: boolean; machineId?: string; error?: string });
  assert.ok(progress.length >= 2 && progress.every((entry) => entry.operation === 'disk-create' && entry.machineId === machine.id), JSON.stringify(progress));
  assert.deepEqual(progress.at(-1), { machineId: machine.id, operation: 'disk-create', fraction: 1, done: true });

  // One hard disk per machine (the engines drive hda only): a second is refused, saying what to do.
  const second = await failure('disks.add', { id: 'No disk', sizeMib: 8 });
  assert.equal(second.class, 'NotSupported');
  assert.match(second.desc, /already has a hard disk \(hda: .*--remove-disk hda/);

  // Now the running machine snapshots.
  await bootGrub('No disk');
  assert.equal((await ok<{ takeBlocked?: string }>('snapshots.list', { id: 'No disk' })).takeBlocked, undefined);
  const snapshot = await ok<{ id: string }>('snapshots.take', { id: 'No disk', name: 'with a disk' });
  assert.ok(qemuImgInfo(disk.path).snapshots?.some((entry) => entry.name === snapshot.id), 'the state is inside the new qcow2 disk');
  await ok('vm.poweroff', { id: 'No disk' });

  // Growing waits for the snapshots to go (they hold the disk as it was), and never shrinks.
  const withSnapshots = await failure('disks.resize', { id: 'No disk', drive: 'hda', sizeMib: 128 });
  assert.equal(withSnapshots.class, 'Conflict');
  assert.match(withSnapshots.desc, /has 1 snapshot, which hold.*Delete the snapshots first/);
  await ok('snapshots.delete', { id: 'No disk', snapshotId: snapshot.id });
  const grown = await ok<MachineRow>('disks.resize', { id: 'No disk', drive: 'hda', sizeMib: 128 });
  assert.equal(grown.disks[0]?.sizeBytes, 128 * MiB);
  assert.equal(qemuImgInfo(disk.path)['virtual-size'], 128 * MiB);
  const shrink = await failure('disks.resize', { id: 'No disk', drive: 'hd0', sizeMib: 64 });
  assert.equal(shrink.class, 'InvalidArgument');
  assert.match(shrink.desc, /64 MiB is smaller than the disk's 128 MiB; Hangar only grows disks/);
  assert.equal(qemuImgInfo(disk.path)['virtual-size'], 128 * MiB, 'a refused shrink changed nothing');
  const noSuch = await failure('disks.resize', { id: 'No disk', drive: 'hdb', sizeMib: 256 });
  assert.equal(noSuch.class, 'NotFound');
  assert.match(noSuch.desc, /has no hard disk hdb; its disks are hda/);

  // Removed: the file stays by default; attached again, its format comes from its header.
  // Kept out of the machine's folder (which goes with the machine), where kept files go.
  const removed = await ok<{ machine: MachineRow; keptFile?: string }>('disks.remove', { id: 'No disk', drive: 'hda' });
  assert.deepEqual(removed.machine.disks, []);
  const kept = removed.keptFile ?? '';
  assert.equal(kept, join(work, 'home', 'lost+found', 'disk-No disk-disk0.qcow2'));
  assert.ok(existsSync(kept) && !existsSync(disk.path), 'the file is kept unless asked');
  assert.equal(statSync(kept).mode & 0o777, 0o600);
  const reattached = await ok<MachineRow>('disks.attach', { id: 'No disk', path: kept });
  assert.deepEqual([reattached.disks[0]?.path, reattached.disks[0]?.format, reattached.disks[0]?.sizeBytes], [kept, 'qcow2', 128 * MiB]);

  // Another machine cannot attach the same image, nor can a damaged one be attached anywhere.
  await ok('machines.create', { name: 'Other', engine: 'qemu', memoryMib: 32, osId: 'grub', network: { mode: 'none' } });
  const shared = await failure('disks.attach', { id: 'Other', path: kept });
  assert.equal(shared.class, 'NotSupported');
  assert.match(shared.desc, /already the hard disk of "No disk"/);
  const damaged = join(work, 'damaged.qcow2');
  const header = Buffer.alloc(4096);
  header.write('QFI\xfb', 0, 'latin1');
  header.writeUInt32BE(3, 4);
  header.writeUInt32BE(99, 20); // cluster bits far out of range
  writeFileSync(damaged, header);
  const refusedImage = await failure('disks.attach', { id: 'Other', path: damaged });
  assert.equal(refusedImage.class, 'InvalidArgument', refusedImage.desc);
  assert.match(refusedImage.desc, /damaged\.qcow2.*Nothing was attached/);

  // Removed with its file: gone.
  const gone = await ok<{ keptFile?: string }>('disks.remove', { id: 'No disk', drive: 'hda', deleteFile: true });
  assert.equal(gone.keptFile, undefined);
  assert.equal(existsSync(kept), false, 'deleteFile deletes the image');
});

test('a raw disk on QEMU: snapshots say "convert", convert makes a qcow2 copy in the machine folder and keeps the outside file', { timeout: 300_000 }, async () => {
  const raw = join(work, 'outside.img');
  execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '32M']);
  writeFileSync(raw, Buffer.from('hangar raw disk marker'), { flag: 'r+' });
  const machine = await ok<MachineRow>('machines.create', { name: 'Raw', engine: 'qemu', memoryMib: 32, osId: 'grub', network: { mode: 'none' } });
  const attached = await ok<MachineRow>('disks.attach', { id: 'Raw', path: raw });
  assert.deepEqual([attached.disks[0]?.format, attached.disks[0]?.sizeBytes], ['raw', 32 * MiB]);
  const blocked = (await ok<{ takeBlocked?: string }>('snapshots.list', { id: 'Raw' })).takeBlocked ?? '';
  assert.match(blocked, /the hard disk hda of "Raw" is raw\. Power the machine off and convert the disk to qcow2 in Settings → Storage \(or `hangar disk convert Raw hda qcow2`\)/);

  events.length = 0;
  const converted = await ok<MachineRow>('disks.convert', { id: 'Raw', drive: 'hda', format: 'qcow2' });
  const disk = converted.disks[0] as DiskRow;
  assert.equal(disk.format, 'qcow2');
  assert.equal(disk.path, join(work, 'home', 'machines', machine.id, 'disks', 'outside.qcow2'));
  assert.equal(statSync(disk.path).mode & 0o777, 0o600);
  assert.equal(qemuImgInfo(disk.path).format, 'qcow2');
  assert.ok(existsSync(raw), 'an image attached from elsewhere is the user\'s: kept');
  // The content came along.
  const copy = join(work, 'back.img');
  execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', disk.path, copy]);
  assert.equal(execFileSync('head', ['-c', '22', copy], { encoding: 'latin1' }), 'hangar raw disk marker');
  assert.ok(events.some((event) => event.event === 'PROGRESS' && (event.data as { operation: string; done: boolean }).operation === 'disk-convert' && (event.data as { done: boolean }).done));
  assert.equal((await ok<{ takeBlocked?: string }>('snapshots.list', { id: 'Raw' })).takeBlocked, undefined, 'nothing is missing any more');
  const again = await failure('disks.convert', { id: 'Raw', drive: 'hda', format: 'qcow2' });
  assert.equal(again.class, 'InvalidArgument');
});

test('v86 gets a raw disk by default; its own file is replaced when converted', { timeout: 120_000 }, async () => {
  await ok('machines.create', { name: 'Small', engine: 'v86', memoryMib: 32, osId: 'grub', network: { mode: 'none' } });
  const added = await ok<MachineRow>('disks.add', { id: 'Small', sizeMib: 16 });
  const disk = added.disks[0] as DiskRow;
  assert.deepEqual([disk.format, disk.sizeBytes, disk.path.endsWith('/disk0.img')], ['raw', 16 * MiB, true]);
  assert.equal(statSync(disk.path).mode & 0o777, 0o600);
  assert.equal((await ok<{ takeBlocked?: string }>('snapshots.list', { id: 'Small' })).takeBlocked, undefined, 'v86 snapshots any disk');
  const converted = await ok<MachineRow>('disks.convert', { id: 'Small', drive: 'hda', format: 'qcow2' });
  assert.ok(converted.disks[0]?.path.endsWith('/disk0.qcow2'));
  assert.equal(existsSync(disk.path), false, 'the machine\'s own raw file is replaced by the qcow2 one');
  const grown = await ok<MachineRow>('disks.resize', { id: 'Small', drive: 'hda', sizeMib: 32 });
  assert.equal(grown.disks[0]?.sizeBytes, 32 * MiB);
});

test('v86 after a snapshot: the image alone is out of date, so grow, convert and keep are refused; removing with the file drops the layers', { timeout: 300_000 }, async () => {
  const machine = await ok<MachineRow>('machines.create', { name: 'Layered', engine: 'v86', memoryMib: 32, cdrom, osId: 'grub', network: { mode: 'none' } });
  const disk = (await ok<MachineRow>('disks.add', { id: 'Layered', sizeMib: 8 })).disks[0] as DiskRow;
  await bootGrub('Layered');
  const snapshot = await ok<{ id: string }>('snapshots.take', { id: 'Layered', name: 'layers' });
  await ok('vm.poweroff', { id: 'Layered' });
  await ok('snapshots.delete', { id: 'Layered', snapshotId: snapshot.id });
  const layers = join(work, 'home', 'machines', machine.id, 'engine', 'disks');
  assert.ok(existsSync(join(layers, 'hd0.chain.json')), 'the v86 engine keeps the disk in layers since the snapshot');

  for (const [call, args] of [
    ['disks.resize', { id: 'Layered', drive: 'hda', sizeMib: 16 }],
    ['disks.convert', { id: 'Layered', drive: 'hda', format: 'qcow2' }],
    ['disks.remove', { id: 'Layered', drive: 'hda' }],
  ] as const) {
    const refused = await failure(call, args);
    assert.equal(refused.class, 'NotSupported', `${call}: ${refused.desc}`);
    assert.match(refused.desc, /writes the hard disk hda to copy-on-write layers beside .*disk0\.img.*the image alone is out of date/);
  }
  assert.equal(qemuImgInfo(disk.path)['virtual-size'], 8 * MiB, 'nothing was resized');

  await ok('disks.remove', { id: 'Layered', drive: 'hda', deleteFile: true });
  assert.equal(existsSync(disk.path), false);
  assert.equal(existsSync(join(layers, 'hd0.chain.json')), false, 'the removed disk\'s layers went with it');
  assert.deepEqual(readdirSync(layers).filter((name) => name.endsWith('.ovl')), []);
});
