/**
 * Writable floppies on v86: a counter boot sector on a 1.44 MB floppy image writes its own
 * sector 2 through the floppy controller (DMA); the image file changes. A read-only insert
 * keeps the file unchanged and the guest gets a write-protect error.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitFor } from '../../src/emulator/v86/test-host.js';
import { buildCounterImage } from './counter-disk.js';
import { startMachine } from './helpers.js';
import type { TestMachine } from './helpers.js';

let dir: string;
let floppy: string;
let vm: TestMachine;

function counterByte(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, 512);
    return byte[0] ?? -1;
  } finally {
    closeSync(fd);
  }
}

const shown = async () => /^(N=[0-9A-F]{2}|ERR)/.exec((await vm.lines())[0] ?? '')?.[1];

/** Presses a key until the screen shows `expected` (the first access after a media change fails with "disk changed"). */
async function pressUntil(expected: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await vm.call('send-key', { keys: [{ type: 'qcode', data: 'spc' }], 'hold-time': 20 });
    const seen = await waitFor(`the guest to answer`, async () => (await shown()) ?? undefined, 10_000).catch(() => undefined);
    if (seen === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  assert.equal(await shown(), expected);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-floppy-'));
  floppy = buildCounterImage(dir, 'floppy.img', 1474560);
  vm = await startMachine({ memoryMib: 16, floppy, bootOrder: ['floppy'], runtimeDir: dir });
});

after(async () => {
  await vm?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('the guest writes a floppy and the image file changes', async () => {
  await waitFor('the first count', async () => ((await shown()) === 'N=01' ? true : undefined), 60_000);
  assert.equal(counterByte(floppy), 1);
  const fd0 = (await vm.call<{ qdev: string; inserted?: { ro: boolean } }[]>('query-block')).find((block) => block.qdev === 'fd0');
  assert.equal(fd0?.inserted?.ro, false);
});

test('a floppy inserted read-only is write-protected for the guest', async () => {
  await vm.call('blockdev-change-medium', { id: 'fd0', filename: floppy, 'read-only-mode': 'read-only' });
  // Several presses: the first may fail on the media change alone; the later ones on write protection.
  for (let press = 0; press < 3; press++) await pressUntil('ERR');
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let the guest handle every press
  assert.equal(counterByte(floppy), 1, 'the file is unchanged');
  await vm.call('blockdev-change-medium', { id: 'fd0', filename: floppy, 'read-only-mode': 'read-write' });
  await pressUntil('N=02');
  assert.equal(counterByte(floppy), 2);
});
