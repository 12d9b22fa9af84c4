/**
 * A writable hard disk on v86 and snapshots with RAM: a tiny boot sector (assembled with nasm
 * at test time) increments a counter in sector 1 of the disk on every key press and shows it on
 * screen. Writes reach the image file; after snapshot-save, more writes and snapshot-load, the
 * screen and the sector are as at save time. Host I/O errors pause the guest with io-error.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readSnapshotHeader } from '../../src/emulator/snapshot/format.js';
import { waitFor } from '../../src/emulator/v86/test-host.js';
import { buildCounterImage } from './counter-disk.js';
import { startMachine } from './helpers.js';
import type { TestMachine } from './helpers.js';


let dir: string;
let disk: string;
let vm: TestMachine;

function sectorByte(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, 512);
    return byte[0] ?? -1;
  } finally {
    closeSync(fd);
  }
}

async function counterOnScreen(): Promise<string> {
  const line = (await vm.lines())[0] ?? '';
  const match = /^(N=[0-9A-F]{2}|ERR)\./.exec(line);
  return match?.[1] ?? '';
}

async function pressKeyAndSee(expected: string): Promise<void> {
  await vm.call('send-key', { keys: [{ type: 'qcode', data: 'spc' }], 'hold-time': 20 });
  await waitFor(`the counter ${expected}`, async () => ((await counterOnScreen()) === expected ? true : undefined), 30_000);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-disk-'));
  disk = buildCounterImage(dir, 'disk.img', 1024 * 1024);
  vm = await startMachine({ memoryMib: 32, disk, bootOrder: ['disk'], runtimeDir: dir });
});

after(async () => {
  await vm?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('the boot sector writes a sector and the image file changes', async () => {
  await waitFor('the first count', async () => ((await counterOnScreen()) === 'N=01' ? true : undefined), 60_000);
  assert.equal(sectorByte(disk), 1);
  await pressKeyAndSee('N=02');
  assert.equal(sectorByte(disk), 2);
  const hd0 = (await vm.call<{ qdev: string; removable: boolean; inserted?: { file: string; ro: boolean } }[]>('query-block')).find((block) => block.qdev === 'hd0');
  assert.deepEqual([hd0?.removable, hd0?.inserted?.file, hd0?.inserted?.ro], [false, disk, false]);
});

test('snapshot-load brings back the screen and the sector as they were at snapshot-save', async () => {
  const saved = await vm.runJob('snapshot-save', 'two');
  assert.equal(saved.error, undefined);
  await pressKeyAndSee('N=03');
  await pressKeyAndSee('N=04');
  assert.equal(sectorByte(disk), 2, 'after the snapshot the base image is frozen; writes go to an overlay');
  const loaded = await vm.runJob('snapshot-load', 'two');
  assert.equal(loaded.error, undefined);
  assert.equal(await counterOnScreen(), 'N=02', 'the saved screen is back');
  // The guest reads the sector again: it must hold the saved value 2, so it shows 3 (not 5).
  await pressKeyAndSee('N=03');
  const list = await vm.call<{ tag: string; 'vm-state-size': number }[]>('query-snapshots');
  assert.deepEqual(list.map((entry) => entry.tag), ['two']);
});

test('snapshots form a tree: a second snapshot, back to the first, forward to the second', async () => {
  await pressKeyAndSee('N=04');
  assert.equal((await vm.runJob('snapshot-save', 'four')).error, undefined);
  assert.equal((await vm.runJob('snapshot-load', 'two')).error, undefined);
  await pressKeyAndSee('N=03');
  assert.equal((await vm.runJob('snapshot-load', 'four')).error, undefined);
  assert.equal(await counterOnScreen(), 'N=04');
  await pressKeyAndSee('N=05');
  assert.equal((await vm.runJob('snapshot-delete', 'two')).error, undefined);
  assert.deepEqual((await vm.call<{ tag: string }[]>('query-snapshots')).map((entry) => entry.tag), ['four']);
  assert.match((await vm.runJob('snapshot-load', 'two')).error ?? '', /not found/);
  assert.equal((await vm.runJob('snapshot-load', 'four')).error, undefined);
  await pressKeyAndSee('N=05');
});

test('a snapshot for another configuration is refused with a reason, the guest untouched', async () => {
  const path = vm.features.snapshots.pathOf('four');
  const other = await startMachine({ memoryMib: 64, disk, bootOrder: ['disk'], runtimeDir: join(dir, 'other'), paused: true });
  try {
    const inspect = await other.call<{ loadable: boolean; reason?: string; configuration: { memoryMib: number } }>('snapshot-inspect', { filename: path });
    assert.equal(inspect.loadable, false);
    assert.match(inspect.reason ?? '', /memoryMib was 32, is 64/);
    assert.equal(inspect.configuration.memoryMib, 32);
  } finally {
    await other.dispose();
  }
  assert.equal(readSnapshotHeader(path).header.tag, 'four');
});

test('a host I/O error pauses the guest with io-error and BLOCK_IO_ERROR; cont retries', async () => {
  const from = vm.host.events.length;
  const chain = vm.features.storage.chain;
  assert.ok(chain);
  const layer = chain.disk.path;
  const contents = readFileSync(layer);
  // The active layer shrinks under the engine (same file, same descriptor): its blocks are gone.
  truncateSync(layer, 0);
  await vm.call('send-key', { keys: [{ type: 'qcode', data: 'spc' }], 'hold-time': 20 });
  await waitFor('status io-error', () => (vm.machine.status() === 'io-error' ? true : undefined), 30_000);
  const events = vm.host.events.slice(from);
  const error = events.find((event) => event.name === 'BLOCK_IO_ERROR');
  assert.ok(error, 'BLOCK_IO_ERROR emitted');
  assert.deepEqual({ ...(error.data as object), reason: undefined }, { device: '', 'node-name': 'hd0', operation: 'read', action: 'stop', nospace: false, reason: undefined });
  assert.ok(events.findIndex((event) => event.name === 'STOP') > events.indexOf(error), 'STOP follows BLOCK_IO_ERROR');
  assert.equal((await vm.call<{ status: string }>('query-status')).status, 'io-error');
  const hd0 = (await vm.call<{ qdev: string; 'io-status': string }[]>('query-block')).find((block) => block.qdev === 'hd0');
  assert.equal(hd0?.['io-status'], 'failed');
  // Still broken: cont says so and the guest stays stopped.
  await assert.rejects(vm.call('cont'), /disk error persists/);
  assert.equal(vm.machine.status(), 'io-error');
  writeFileSync(layer, contents); // the file is back
  await vm.call('cont');
  assert.equal(vm.machine.status(), 'running');
  await waitFor('the counter after the retried read', async () => ((await counterOnScreen()) === 'N=06' ? true : undefined), 30_000);
});
