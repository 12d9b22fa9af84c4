/**
 * With a host that takes shared frames (the engine, whose display worker copies rectangles out
 * of the frame off the emulation thread), the v86 screen writes changed rows into the shared
 * frame and hands over only the rectangle; while a viewer is still copying (the host says busy),
 * the frame is left alone and the changes stay pending, so the next rectangle after the busy
 * spell carries them (coalesced, nothing queued).
 * Real v86, a mode 13h guest repainting the whole screen in one colour per frame.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { Rect } from '../../src/emulator/display/rect.js';
import type { SharedFrame } from '../../src/emulator/display/shared-frame.js';
import { prepareV86Machine } from '../../src/emulator/v86/index.js';
import { RecordingHost, waitFor } from '../../src/emulator/v86/test-host.js';
import { repaintFloppy } from './repaint-guest.js';

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-shared-frame-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Takes shared frames the way the engine's fanout does, with a switch for "a viewer is still copying". */
class SharedFrameHost extends RecordingHost {
  readonly displayCopiesPixels = true;
  readonly frames: { frame: SharedFrame; rect: Rect; copy: Uint8Array }[] = [];
  busy = false;

  displayFrame(frame: SharedFrame, rect: Rect): void {
    this.frames.push({ frame, rect, copy: frame.pixels.slice() });
  }

  displayBusy(): boolean {
    return this.busy;
  }
}

test('graphics changes go to the host as rectangles of one shared frame, untouched while the host is busy', { timeout: 240_000 }, async () => {
  const host = new SharedFrameHost();
  const { machine } = await prepareV86Machine({ engine: 'v86', memoryMib: 16, floppy: repaintFloppy(dir, true), bootOrder: ['floppy'], runtimeDir: dir }, host);
  try {
    await machine.start();
    await waitFor('3 whole-screen rectangles', () => (host.frames.filter(({ rect }) => rect.width === 320 && rect.height === 200).length >= 3 ? true : undefined), 120_000);
    const frames = new Set(host.frames.map(({ frame }) => frame.pixels.buffer));
    assert.equal(frames.size, 1, 'one frame buffer for the mode');
    const [first] = host.frames;
    assert.ok(first && first.frame.pixels.buffer instanceof SharedArrayBuffer, 'the frame is shared with the display worker');
    assert.equal(host.messages.filter((message) => message.type === 'rect').length, 0, 'no pixels go as messages');

    // Busy: no rectangle is handed over and the frame is not written, however long it lasts.
    host.busy = true;
    const count = host.frames.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = first.frame.pixels.slice();
    const flushesBefore = host.frames.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(flushesBefore - count <= 1, 'at most a flush already under way when busy began');
    assert.equal(host.frames.length, flushesBefore, 'no rectangle while the host is busy');
    assert.equal(Buffer.compare(first.frame.pixels, held), 0, 'the shared frame was written while the host was busy');

    // Free again: the changes made meanwhile come in the next rectangle.
    host.busy = false;
    await waitFor('a rectangle after the busy spell', () => (host.frames.length > flushesBefore ? true : undefined), 60_000, 20);
    const next = host.frames[flushesBefore];
    assert.ok(next && next.rect.width === 320 && next.rect.height === 200, 'the whole changed screen, coalesced');
    assert.notEqual(Buffer.compare(next.copy, held), 0, 'the guest kept painting meanwhile');
  } finally {
    await machine.dispose();
  }
});

test('the flush budget counts the emulation thread\'s CPU time, not the display worker\'s running meanwhile', { timeout: 240_000 }, async () => {
  // A worker spins all along (as the display worker copies and writes frames); each flush waits
  // 50 ms without using this thread's CPU (in displayBusy). Counting the process's CPU time,
  // the worker's share of those waits would stretch the interval forty-fold (≥ 200 ms).
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const spinner = new Worker(`const { workerData } = require('node:worker_threads'); while (Atomics.load(workerData, 0) === 0) {}`, { eval: true, workerData: stop });
  const exited = new Promise((resolve) => spinner.once('exit', resolve));
  const host = new SharedFrameHost();
  let waits = 0;
  host.displayBusy = (): boolean => {
    waits++;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    return false;
  };
  const { machine, screen } = await prepareV86Machine({ engine: 'v86', memoryMib: 16, floppy: repaintFloppy(dir, true), bootOrder: ['floppy'], runtimeDir: dir }, host);
  try {
    await machine.start();
    await waitFor('12 flushes in graphics mode', () => (waits >= 12 ? true : undefined), 120_000);
    assert.ok(screen().flushIntervalMs < 150, `flush interval ${screen().flushIntervalMs.toFixed(0)} ms`);
  } finally {
    Atomics.store(stop, 0, 1);
    await exited;
    await machine.dispose();
  }
});
