/**
 * The v86 display's flush interval follows the CPU its flushes use, not the wall time they
 * span: on a loaded host the engine is descheduled in the middle of flushes, and counting that
 * time stretched the interval forty-fold (display frames once a second or less while the guest
 * ran at full speed). A real v86 guest repaints mode 13h; the display host blocks its thread
 * (Atomics.wait: time passes, no CPU is used — as when the host preempts the process) inside
 * several flushes in a row, and the interval must stay near its normal value.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DisplayMessage } from '../../src/shared/protocol/display.js';
import { DISPLAY_BUDGET, DISPLAY_INTERVAL_MS, type V86Screen } from '../../src/emulator/v86/screen.js';
import { prepareV86Machine } from '../../src/emulator/v86/index.js';
import type { V86Machine } from '../../src/emulator/v86/machine.js';
import { RecordingHost, waitFor } from '../../src/emulator/v86/test-host.js';
import { repaintFloppy } from './repaint-guest.js';

const STALL_MS = 150;
const STALLS = 7;

let dir: string;
let machine: V86Machine;
let screen: () => V86Screen;
let stallsLeft = 0;
const intervalsAfterStalls: number[] = [];
let rects = 0;

class StallingHost extends RecordingHost {
  override display(message: DisplayMessage): void {
    if (message.type === 'rect') {
      rects++;
      if (stallsLeft > 0) {
        stallsLeft--;
        // The interval computed after the previous stalled flush.
        if (stallsLeft < STALLS - 1) intervalsAfterStalls.push(screen().flushIntervalMs);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STALL_MS);
      }
    }
    super.display(message);
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-flush-cost-'));
  const host = new StallingHost();
  host.keepMessages = false;
  ({ machine, screen } = await prepareV86Machine({ engine: 'v86', memoryMib: 16, floppy: repaintFloppy(dir, true), bootOrder: ['floppy'], runtimeDir: dir }, host));
  await machine.start();
  await waitFor('graphics display frames', () => (rects >= 3 ? true : undefined), 90_000);
});

after(async () => {
  await machine?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('flushes stalled without using CPU do not stretch the display interval', async () => {
  stallsLeft = STALLS;
  // Generous: each stalled flush is followed by a normal interval, so this takes about a second
  // even on a loaded machine; with wall-time costs the intervals grow to several seconds each.
  await waitFor('the stalled flushes', () => (stallsLeft === 0 ? true : undefined), 120_000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  intervalsAfterStalls.push(screen().flushIntervalMs);
  const wallTimeInterval = STALL_MS * DISPLAY_BUDGET;
  assert.ok(
    Math.max(...intervalsAfterStalls) < wallTimeInterval / 4,
    `intervals after stalled flushes: ${intervalsAfterStalls.map((ms) => ms.toFixed(0)).join(', ')} ms (normal ${DISPLAY_INTERVAL_MS} ms; counting the stall would give ${wallTimeInterval} ms)`,
  );
});
